//! What the end-to-end tests share: a CA and a serving certificate made for the test, a
//! server on loopback, a small HTTPS client that can also send malformed traffic, and
//! AdmissionReview bodies.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, RootCertStore, pki_types::ServerName};

/// A CA, and a certificate for localhost and 127.0.0.1 it signed, written to `dir`.
pub struct Pki {
    pub ca: rustls::pki_types::CertificateDer<'static>,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Pki {
    pub fn new(dir: &Path) -> Pki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "plimsoll test CA");
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let pki = Pki {
            ca: ca_cert.der().clone(),
            cert: dir.join("tls.crt"),
            key: dir.join("tls.key"),
        };
        pki.issue(&issuer, "localhost");
        pki
    }

    /// Writes a new leaf certificate and key, named `name` (and 127.0.0.1).
    fn issue(&self, issuer: &Issuer<'_, KeyPair>, name: &str) {
        let params = CertificateParams::new(vec![name.to_owned(), "127.0.0.1".to_owned()]).unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, issuer).unwrap();
        std::fs::write(&self.cert, cert.pem()).unwrap();
        std::fs::write(&self.key, key.serialize_pem()).unwrap();
    }
}

/// The folder of the repository's fixtures.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Starts a server on a free loopback port; returns its address and the task serving it.
pub async fn start(
    options: plimsoll_webhook::Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> (
    SocketAddr,
    Arc<plimsoll_webhook::metrics::Metrics>,
    tokio::task::JoinHandle<anyhow::Result<()>>,
) {
    let server = plimsoll_webhook::Server::bind(options).unwrap();
    let addr = server.local_addr().unwrap();
    let metrics = server.metrics();
    let task = tokio::spawn(server.run(shutdown));
    (addr, metrics, task)
}

pub fn options(pki: &Pki) -> plimsoll_webhook::Options {
    let mut options = plimsoll_webhook::Options::new(pki.cert.clone(), pki.key.clone());
    options.listen = "127.0.0.1:0".parse().unwrap();
    options.reload_interval = Duration::from_millis(200);
    options
}

/// A TLS client that trusts only the test CA.
pub fn connector(pki: &Pki) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    roots.add(pki.ca.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// An HTTP response: status and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Opens a TLS connection.
pub async fn connect(
    addr: SocketAddr,
    connector: &TlsConnector,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

/// Sends raw bytes on a new connection and reads the whole reply.
pub async fn raw(
    addr: SocketAddr,
    connector: &TlsConnector,
    bytes: &[u8],
) -> std::io::Result<Reply> {
    let mut stream = connect(addr, connector).await?;
    stream.write_all(bytes).await?;
    stream.flush().await?;
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await?;
    parse_reply(&out)
}

fn parse_reply(out: &[u8]) -> std::io::Result<Reply> {
    let invalid = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_owned());
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| invalid("no end of headers"))?;
    let head = String::from_utf8_lossy(&out[..split]);
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| invalid("no status"))?;
    Ok(Reply {
        status,
        body: out[split + 4..].to_vec(),
    })
}

/// A request with a body, one per connection.
pub async fn request(
    addr: SocketAddr,
    connector: &TlsConnector,
    method: &str,
    path: &str,
    body: &[u8],
) -> std::io::Result<Reply> {
    let mut bytes = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, connector, &bytes).await
}

pub async fn post(addr: SocketAddr, connector: &TlsConnector, review: &Value) -> Reply {
    request(
        addr,
        connector,
        "POST",
        "/validate",
        &serde_json::to_vec(review).unwrap(),
    )
    .await
    .unwrap()
}

pub async fn get(addr: SocketAddr, connector: &TlsConnector, path: &str) -> Reply {
    request(addr, connector, "GET", path, b"").await.unwrap()
}

/// A Deployment that the default rules accept.
pub fn good_deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web", "owner": "shop-team"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "automountServiceAccountToken": false,
                    "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{
                        "name": "web",
                        "image": "registry.example.com/shop/web:1.4.2",
                        "ports": [{"containerPort": 8080}],
                        "resources": {
                            "requests": {"cpu": "100m", "memory": "128Mi"},
                            "limits": {"cpu": "500m", "memory": "128Mi"}
                        },
                        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                        "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}},
                        "securityContext": {
                            "allowPrivilegeEscalation": false,
                            "readOnlyRootFilesystem": true,
                            "runAsNonRoot": true,
                            "capabilities": {"drop": ["ALL"]}
                        }
                    }]
                }
            }
        }
    })
}

/// An AdmissionReview of `object` (v1 unless `version` says otherwise).
pub fn review(uid: &str, operation: &str, object: &Value, old: Option<&Value>) -> Value {
    let kind = object["kind"].as_str().unwrap_or("Deployment");
    let api_version = object["apiVersion"].as_str().unwrap_or("apps/v1");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let mut request = json!({
        "uid": uid,
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": format!("{}s", kind.to_lowercase())},
        "requestKind": {"group": group, "version": version, "kind": kind},
        "name": object["metadata"]["name"],
        "namespace": object["metadata"]["namespace"],
        "operation": operation,
        "userInfo": {"username": "alice", "uid": "1", "groups": ["system:authenticated"]},
        "object": if operation == "DELETE" { Value::Null } else { object.clone() },
        "oldObject": old.cloned().unwrap_or(Value::Null),
        "dryRun": false,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}
    });
    if operation == "DELETE" {
        request["oldObject"] = object.clone();
    }
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request})
}
