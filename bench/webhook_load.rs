//! A bounded, fixed-rate load generator for `plimsoll webhook`.
//!
//! Request i is due at start + i / rate, whatever happened to the ones before it (an open
//! loop), and its latency is measured from when it was due, not from when it was sent: a
//! stalled server makes every waiting request late, so the figures are corrected for
//! coordinated omission. Keep-alive connections each carry one request at a time.
//!
//! usage: webhook-load ADDR CA_PEM BODY_JSON RATE SECONDS [MALFORMED_PERCENT] [CONNECTIONS]

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::{self, RootCertStore, pki_types::ServerName};

struct Sample {
    micros: u64,
    malformed: bool,
    ok: bool,
}

fn connector(ca: &str) -> TlsConnector {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn connect(addr: SocketAddr, tls: &TlsConnector) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    tls.connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

/// Sends one request on a keep-alive connection and reads the reply; returns the status.
async fn exchange(
    stream: &mut TlsStream<TcpStream>,
    body: &[u8],
    buf: &mut Vec<u8>,
) -> std::io::Result<u16> {
    let head = format!(
        "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    stream.write_all(&request).await?;
    stream.flush().await?;
    buf.clear();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let status = head
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok(status);
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        eprintln!(
            "usage: webhook-load ADDR CA_PEM BODY_JSON RATE SECONDS [MALFORMED_PERCENT] [CONNECTIONS]"
        );
        std::process::exit(2);
    }
    let addr: SocketAddr = args[1].parse().unwrap();
    let tls = connector(&args[2]);
    let body = Arc::new(std::fs::read(&args[3]).unwrap());
    let rate: f64 = args[4].parse().unwrap();
    let seconds: f64 = args[5].parse().unwrap();
    let malformed_percent: u64 = args.get(6).map_or(0, |s| s.parse().unwrap());
    let connections: usize = args.get(7).map_or(32, |s| s.parse().unwrap());
    let total = (rate * seconds) as u64;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let garbage: Arc<Vec<u8>> = Arc::new(
        b"{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\"".to_vec(),
    );

    // The schedule: each due time is handed to whichever connection is free.
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<(u64, Instant)>();
    let rx = Arc::new(Mutex::new(rx));
    let samples = Arc::new(std::sync::Mutex::new(Vec::with_capacity(total as usize)));
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (rx, tls, body, garbage, samples) = (
            Arc::clone(&rx),
            tls.clone(),
            Arc::clone(&body),
            Arc::clone(&garbage),
            Arc::clone(&samples),
        );
        workers.push(tokio::spawn(async move {
            let mut stream = None;
            let mut buf = Vec::new();
            loop {
                let Some((i, due)) = rx.lock().await.recv().await else {
                    return;
                };
                let malformed = malformed_percent > 0 && i % 100 < malformed_percent;
                let payload = if malformed { &garbage } else { &body };
                let mut ok = false;
                for _attempt in 0..2 {
                    if stream.is_none() {
                        match connect(addr, &tls).await {
                            Ok(s) => stream = Some(s),
                            Err(error) => eprintln!("connecting: {error}"),
                        }
                    }
                    let Some(s) = stream.as_mut() else { continue };
                    match exchange(s, payload, &mut buf).await {
                        Ok(status) => {
                            ok = if malformed {
                                status == 400
                            } else {
                                status == 200
                            };
                            break;
                        }
                        Err(error) => {
                            eprintln!("exchange: {error}");
                            stream = None;
                        }
                    }
                }
                let micros = due.elapsed().as_micros() as u64;
                samples.lock().unwrap().push(Sample {
                    micros,
                    malformed,
                    ok,
                });
            }
        }));
    }
    let start = Instant::now();
    for i in 0..total {
        let due = start + interval.mul_f64(i as f64);
        tokio::time::sleep_until(due.into()).await;
        let _ = tx.send((i, due));
    }
    drop(tx);
    for w in workers {
        let _ = w.await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let samples = samples.lock().unwrap();
    let mut valid: Vec<u64> = samples
        .iter()
        .filter(|s| !s.malformed)
        .map(|s| s.micros)
        .collect();
    let mut bad: Vec<u64> = samples
        .iter()
        .filter(|s| s.malformed)
        .map(|s| s.micros)
        .collect();
    valid.sort_unstable();
    bad.sort_unstable();
    let errors_valid = samples.iter().filter(|s| !s.malformed && !s.ok).count();
    let errors_bad = samples.iter().filter(|s| s.malformed && !s.ok).count();
    println!(
        "requests {} in {elapsed:.1} s ({:.0}/s), valid {} (errors {errors_valid}), malformed {} (not answered 400: {errors_bad})",
        samples.len(),
        samples.len() as f64 / elapsed,
        valid.len(),
        bad.len()
    );
    println!(
        "latency of valid reviews, ms, from when each was due: p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
        percentile(&valid, 0.5),
        percentile(&valid, 0.9),
        percentile(&valid, 0.99),
        percentile(&valid, 0.999),
        valid.last().map_or(0.0, |m| *m as f64 / 1000.0)
    );
    if !bad.is_empty() {
        println!(
            "latency of malformed requests, ms: p50 {:.2}  p99 {:.2}  max {:.2}",
            percentile(&bad, 0.5),
            percentile(&bad, 0.99),
            bad.last().map_or(0.0, |m| *m as f64 / 1000.0)
        );
    }
    if errors_valid > 0 || errors_bad > 0 {
        std::process::exit(1);
    }
}
