//! `plimsoll webhook`: a validating admission webhook that answers with the same engine,
//! rules, policies and `.plimsoll.yaml` as the command line.
//!
//! [`Server::bind`] compiles the configuration into a [`plimsoll_engine::Engine`], loads the
//! certificate and binds the port; [`Server::run`] serves HTTPS (rustls, HTTP/1.1) until its
//! shutdown future completes, then stops accepting and finishes the reviews in flight.
//! A review goes: body (size and time limits) → [`review::parse`] (a plain JSON value, so a
//! malformed request gets a 400 with a reason) → exemptions → the engine on a blocking thread
//! ([`plimsoll_engine::Engine::admit`]) under the review time limit → [`decide::decide`]
//! (enforcement per rule, `failOn`, audit mode) → the AdmissionReview answer, one JSON log line,
//! and the counters of [`metrics::Metrics`]. A background task polls the certificate and the
//! configuration files and swaps in new ones; a configuration that does not compile is logged
//! and the running one kept.

pub mod decide;
pub mod log;
pub mod metrics;
pub mod review;
pub mod tls;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum_server::tls_rustls::RustlsConfig;
use plimsoll_core::Severity;
use plimsoll_engine::admission::{AdmissionPolicies, OnTimeout, WebhookConfig};
use plimsoll_engine::config::{self, ConfigFile};
use plimsoll_engine::{Config, Engine};

pub use decide::Mode;
use metrics::Metrics;
use review::{Operation, Request};

/// How the webhook is run (the flags of `plimsoll webhook`).
#[derive(Clone, Debug)]
pub struct Options {
    pub listen: SocketAddr,
    pub tls_cert: PathBuf,
    pub tls_key: PathBuf,
    /// `.plimsoll.yaml`; none means the defaults.
    pub config: Option<PathBuf>,
    /// Policy folders, added to the configuration's `policies`.
    pub policies: Vec<PathBuf>,
    pub kubernetes_version: Option<String>,
    pub mode: Mode,
    /// Largest request body accepted, in bytes.
    pub max_body_size: usize,
    /// Time allowed to evaluate one review (keep it under the webhook's `timeoutSeconds`).
    pub review_timeout: Duration,
    /// Time allowed to send the request body.
    pub body_timeout: Duration,
    /// How often the certificate and configuration files are checked for changes.
    pub reload_interval: Duration,
    /// On shutdown, time spent reporting not-ready (so that endpoints drop this pod) before the
    /// listener closes.
    pub drain_delay: Duration,
    /// On shutdown, the longest wait for reviews in flight.
    pub shutdown_timeout: Duration,
}

impl Options {
    pub fn new(tls_cert: PathBuf, tls_key: PathBuf) -> Options {
        Options {
            listen: SocketAddr::from(([0, 0, 0, 0], 8443)),
            tls_cert,
            tls_key,
            config: None,
            policies: Vec::new(),
            kubernetes_version: None,
            mode: Mode::Enforce,
            max_body_size: 8 * 1024 * 1024,
            review_timeout: Duration::from_millis(2500),
            body_timeout: Duration::from_secs(10),
            reload_interval: Duration::from_secs(2),
            drain_delay: Duration::ZERO,
            shutdown_timeout: Duration::from_secs(25),
        }
    }
}

/// A compiled configuration; replaced whole on reload.
struct Compiled {
    engine: Engine,
    rules: decide::Rules,
    webhook: WebhookConfig,
    /// Policy evaluators ready for reuse, one taken per review.
    evaluators: Mutex<Vec<AdmissionPolicies>>,
    /// Whether policies are configured: a DELETE is reviewed only by them.
    has_policies: bool,
}

impl Compiled {
    fn load(options: &Options) -> anyhow::Result<Compiled> {
        let file = match &options.config {
            Some(path) => config::read(path)?,
            None => ConfigFile::default(),
        };
        let mut policies = file.policies.clone();
        policies.extend(options.policies.iter().cloned());
        let mut engine_config = Config {
            kubernetes_version: options
                .kubernetes_version
                .clone()
                .or(file.kubernetes_version.clone()),
            strict: file.strict.unwrap_or(true),
            crds: file.crds.clone(),
            schema_locations: file.schema_locations.clone(),
            rules: plimsoll_rules::RulesConfig {
                rules: file.rules.clone(),
                pod_template_paths: file.pod_template_paths.clone(),
                ..plimsoll_rules::RulesConfig::default()
            },
            policies,
            ..Config::default()
        };
        if !file.namespaces.is_empty() {
            engine_config.policy.namespaces = file.namespaces.clone();
        }
        engine_config.policy.all_namespaces = file.all_namespaces.unwrap_or(false);
        let engine = Engine::new(engine_config)?;
        let first = engine.admission_policies();
        let has_policies = first.is_some();
        Ok(Compiled {
            engine,
            rules: decide::Rules {
                fail_on: file.fail_on.unwrap_or(Severity::Error),
                mode: options.mode,
                enforcement: file.webhook.enforcement.clone(),
            },
            webhook: file.webhook,
            evaluators: Mutex::new(first.into_iter().collect()),
            has_policies,
        })
    }

    /// Runs the engine over the object a review is about: `object`, or for a DELETE
    /// `oldObject`, with the request as Gatekeeper policies read it in `input.review`.
    fn check(&self, request: &Request) -> Vec<plimsoll_core::Diagnostic> {
        let taken = self.evaluators.lock().ok().and_then(|mut pool| pool.pop());
        let mut evaluator = taken.or_else(|| self.engine.admission_policies());
        let found = review::check(request, &self.engine, evaluator.as_mut());
        if let (Some(evaluator), Ok(mut pool)) = (evaluator, self.evaluators.lock()) {
            pool.push(evaluator);
        }
        found
    }
}

struct Shared {
    options: Options,
    compiled: RwLock<Arc<Compiled>>,
    metrics: Arc<Metrics>,
    ready: AtomicBool,
}

impl Shared {
    fn compiled(&self) -> Arc<Compiled> {
        match self.compiled.read() {
            Ok(c) => Arc::clone(&c),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }
}

/// A webhook bound to its port, ready to serve.
pub struct Server {
    shared: Arc<Shared>,
    listener: std::net::TcpListener,
    tls: RustlsConfig,
    tls_fingerprint: Vec<u8>,
}

impl Server {
    /// Compiles the configuration, loads the certificate and binds the port.
    pub fn bind(options: Options) -> anyhow::Result<Server> {
        let compiled = Compiled::load(&options)?;
        for warning in compiled.engine.policy_warnings() {
            log::event("warning", "policy", &[("message", warning.into())]);
        }
        let loaded = tls::load(&options.tls_cert, &options.tls_key)?;
        let metrics = Arc::new(Metrics::default());
        metrics
            .certificate_expiry
            .store(loaded.not_after, Ordering::Relaxed);
        let listener = std::net::TcpListener::bind(options.listen)
            .with_context(|| format!("listening on {}", options.listen))?;
        listener.set_nonblocking(true)?;
        Ok(Server {
            shared: Arc::new(Shared {
                options,
                compiled: RwLock::new(Arc::new(compiled)),
                metrics,
                ready: AtomicBool::new(false),
            }),
            listener,
            tls: RustlsConfig::from_config(loaded.config),
            tls_fingerprint: loaded.fingerprint,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.shared.metrics)
    }

    /// Serves until `shutdown` completes; then reports not-ready, waits the drain delay,
    /// stops accepting connections and finishes the reviews in flight.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Server {
            shared,
            listener,
            tls,
            tls_fingerprint,
        } = self;
        let handle = axum_server::Handle::new();
        let app = Router::new()
            .route("/validate", post(validate))
            .route("/healthz", get(|| async { "ok\n" }))
            .route("/readyz", get(readyz))
            .route("/metrics", get(metrics_text))
            .with_state(Arc::clone(&shared));
        let reloader = tokio::spawn(reload_loop(
            Arc::clone(&shared),
            tls.clone(),
            tls_fingerprint,
        ));
        let addr = listener.local_addr()?;
        let stopper = {
            let handle = handle.clone();
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                shutdown.await;
                shared.ready.store(false, Ordering::SeqCst);
                log::event(
                    "info",
                    "shutting down",
                    &[("in_flight", handle.connection_count().into())],
                );
                tokio::time::sleep(shared.options.drain_delay).await;
                handle.graceful_shutdown(Some(shared.options.shutdown_timeout));
            })
        };
        shared.ready.store(true, Ordering::SeqCst);
        log::event(
            "info",
            "listening",
            &[
                ("address", addr.to_string().into()),
                (
                    "mode",
                    format!("{:?}", shared.options.mode).to_lowercase().into(),
                ),
            ],
        );
        let served = axum_server::from_tcp_rustls(listener, tls)?
            .handle(handle)
            .serve(app.into_make_service())
            .await;
        reloader.abort();
        stopper.abort();
        served.context("serving")?;
        log::event(
            "info",
            "stopped",
            &[("reviews", shared.metrics.reviews().into())],
        );
        Ok(())
    }
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    if shared.ready.load(Ordering::SeqCst) {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n").into_response()
    }
}

async fn metrics_text(State(shared): State<Arc<Shared>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        shared.metrics.render(),
    )
        .into_response()
}

fn bad_request(shared: &Shared, reason: String) -> Response {
    shared.metrics.error("bad-request");
    log::event(
        "warning",
        "bad request",
        &[("reason", reason.clone().into())],
    );
    (StatusCode::BAD_REQUEST, format!("{reason}\n")).into_response()
}

fn json(value: &serde_json::Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(value).unwrap_or_default(),
    )
        .into_response()
}

async fn validate(State(shared): State<Arc<Shared>>, body: Body) -> Response {
    let options = &shared.options;
    let read = tokio::time::timeout(
        options.body_timeout,
        axum::body::to_bytes(body, options.max_body_size),
    )
    .await;
    let bytes = match read {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(error)) => {
            let over = std::error::Error::source(&error)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            let reason = if over {
                format!(
                    "the request body is over the limit of {} bytes",
                    options.max_body_size
                )
            } else {
                format!("the request body could not be read: {error}")
            };
            return bad_request(&shared, reason);
        }
        Err(_) => {
            return bad_request(
                &shared,
                format!(
                    "the request body was not sent within {} ms",
                    options.body_timeout.as_millis()
                ),
            );
        }
    };
    let started = Instant::now();
    let request = match review::parse(&bytes) {
        Ok(request) => request,
        Err(error) => return bad_request(&shared, error.0),
    };
    drop(bytes);
    let compiled = shared.compiled();
    let request = Arc::new(request);
    // A CONNECT has no object to check. A DELETE has no new one: a manifest's rules are about
    // what is created or changed; only policies (the Gatekeeper constraints whose match
    // covers the deleted object) review it.
    let deleted = request.operation == Operation::Delete
        && compiled.has_policies
        && request.old_object.is_object();
    if request.operation == Operation::Connect
        || (request.operation == Operation::Delete && !deleted)
    {
        return answer(
            &shared,
            &request,
            decide::Decision::default_allowed(),
            "skipped",
            started,
        );
    }
    if decide::exempt(&compiled.webhook.exempt, &request) {
        return answer(
            &shared,
            &request,
            decide::Decision::default_allowed(),
            "exempt",
            started,
        );
    }
    let task = {
        let compiled = Arc::clone(&compiled);
        let request = Arc::clone(&request);
        tokio::task::spawn_blocking(move || {
            let found = compiled.check(&request);
            decide::decide(&compiled.rules, &found)
        })
    };
    match tokio::time::timeout(options.review_timeout, task).await {
        Ok(Ok(decision)) => {
            let label = if decision.answer.allowed {
                "allowed"
            } else {
                "denied"
            };
            answer(&shared, &request, decision, label, started)
        }
        Ok(Err(error)) => {
            shared.metrics.error("internal");
            log::event(
                "error",
                "review failed",
                &[
                    ("uid", request.uid.clone().into()),
                    ("error", error.to_string().into()),
                ],
            );
            (StatusCode::INTERNAL_SERVER_ERROR, "the review failed\n").into_response()
        }
        Err(_) => {
            shared.metrics.error("timeout");
            let limit = options.review_timeout.as_millis();
            match compiled.webhook.on_timeout {
                Some(OnTimeout::Allow) => {
                    let mut decision = decide::Decision::default_allowed();
                    decision.answer.warnings = vec![format!(
                        "plimsoll: the review took over {limit} ms and was allowed unchecked"
                    )];
                    answer(&shared, &request, decision, "timeout", started)
                }
                Some(OnTimeout::Deny) => {
                    let mut decision = decide::Decision::default();
                    decision.answer.message = Some(format!(
                        "plimsoll: the review took over {limit} ms and was denied (onTimeout: deny)"
                    ));
                    answer(&shared, &request, decision, "timeout", started)
                }
                None => {
                    log::review(
                        &request,
                        "timeout",
                        &decide::Decision::default(),
                        started.elapsed(),
                    );
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("the review took over {limit} ms\n"),
                    )
                        .into_response()
                }
            }
        }
    }
}

fn answer(
    shared: &Shared,
    request: &Request,
    decision: decide::Decision,
    label: &'static str,
    started: Instant,
) -> Response {
    let took = started.elapsed();
    shared.metrics.review(
        request.operation.as_str(),
        &request.kind,
        label,
        &decision.denied_by,
        &decision.audited,
        took,
    );
    log::review(request, label, &decision, took);
    json(&review::response(
        request.version,
        &request.uid,
        &decision.answer,
    ))
}

/// What the configuration depends on: the file and every file under the policy folders,
/// with their sizes and modification times (ConfigMap volumes swap a symbolic link, which
/// changes the times of every file seen through it).
fn watched(options: &Options, compiled: &Compiled) -> BTreeMap<PathBuf, (u64, Option<SystemTime>)> {
    let mut out = BTreeMap::new();
    let mut roots: Vec<PathBuf> = options.config.iter().cloned().collect();
    roots.extend(compiled.engine.config().policies.iter().cloned());
    fn walk(path: &Path, out: &mut BTreeMap<PathBuf, (u64, Option<SystemTime>)>, depth: usize) {
        let Ok(meta) = std::fs::metadata(path) else {
            out.insert(path.to_owned(), (0, None));
            return;
        };
        if meta.is_dir() {
            if depth > 8 {
                return;
            }
            if let Ok(entries) = std::fs::read_dir(path) {
                for entry in entries.flatten() {
                    walk(&entry.path(), out, depth + 1);
                }
            }
        } else {
            out.insert(path.to_owned(), (meta.len(), meta.modified().ok()));
        }
    }
    for root in roots {
        walk(&root, &mut out, 0);
    }
    out
}

/// Polls the certificate and the configuration; swaps in what changed and loads.
async fn reload_loop(shared: Arc<Shared>, tls: RustlsConfig, mut tls_fingerprint: Vec<u8>) {
    let mut seen = watched(&shared.options, &shared.compiled());
    let mut failed_config = None;
    loop {
        tokio::time::sleep(shared.options.reload_interval).await;
        let (cert, key) = (&shared.options.tls_cert, &shared.options.tls_key);
        let changed = match (std::fs::read(cert), std::fs::read(key)) {
            (Ok(mut c), Ok(k)) => {
                c.extend_from_slice(&k);
                c != tls_fingerprint
            }
            _ => false,
        };
        if changed {
            match tls::load(cert, key) {
                Ok(loaded) => {
                    tls.reload_from_config(loaded.config);
                    tls_fingerprint = loaded.fingerprint;
                    shared
                        .metrics
                        .certificate_expiry
                        .store(loaded.not_after, Ordering::Relaxed);
                    shared.metrics.reload("certificate", true);
                    log::event("info", "certificate reloaded", &[]);
                }
                Err(error) => {
                    shared.metrics.reload("certificate", false);
                    log::event(
                        "error",
                        "certificate not reloaded, the current one is kept",
                        &[("error", format!("{error:#}").into())],
                    );
                }
            }
        }
        let now = watched(&shared.options, &shared.compiled());
        if now == seen || failed_config.as_ref() == Some(&now) {
            continue;
        }
        let options = shared.options.clone();
        let result = tokio::task::spawn_blocking(move || Compiled::load(&options)).await;
        match result {
            Ok(Ok(compiled)) => {
                if let Ok(mut slot) = shared.compiled.write() {
                    *slot = Arc::new(compiled);
                }
                shared.metrics.reload("configuration", true);
                log::event("info", "configuration reloaded", &[]);
                failed_config = None;
                seen = watched(&shared.options, &shared.compiled());
            }
            Ok(Err(error)) => {
                shared.metrics.reload("configuration", false);
                log::event(
                    "error",
                    "configuration not reloaded, the running one is kept",
                    &[("error", format!("{error:#}").into())],
                );
                failed_config = Some(now);
            }
            Err(_) => shared.metrics.reload("configuration", false),
        }
    }
}
