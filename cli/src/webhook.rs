//! `plimsoll webhook`: the flags, then the server of the `plimsoll-webhook` crate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};

#[derive(Args, Debug)]
pub struct WebhookArgs {
    /// The serving certificate (PEM, leaf first); reloaded when the file changes.
    #[arg(long, value_name = "FILE")]
    pub tls_cert: PathBuf,

    /// The certificate's private key (PEM); reloaded when the file changes.
    #[arg(long, value_name = "FILE")]
    pub tls_key: PathBuf,

    /// The configuration file (.plimsoll.yaml); reloaded when it changes. Default: none.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// A folder (or file) of Rego policies and Gatekeeper templates (repeatable); reloaded on change.
    #[arg(long, value_name = "DIR")]
    pub policy: Vec<PathBuf>,

    /// The address and port to listen on.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
    pub listen: SocketAddr,

    /// `enforce` denies; `audit` never denies, but logs and counts what it would deny.
    #[arg(long, value_enum, default_value = "enforce")]
    pub mode: ModeArg,

    /// The Kubernetes version to validate against (default: the configuration's, or the newest bundled).
    #[arg(long, value_name = "VERSION")]
    pub kubernetes_version: Option<String>,

    /// The largest request body accepted, in bytes (an UPDATE carries two objects).
    #[arg(long, value_name = "BYTES", default_value_t = 8 * 1024 * 1024)]
    pub max_body_size: usize,

    /// The time allowed to evaluate one review, in milliseconds; keep it under the
    /// webhook's timeoutSeconds. Past it, `webhook.onTimeout` decides (default: HTTP 500).
    #[arg(long, value_name = "MS", default_value_t = 2500)]
    pub review_timeout: u64,

    /// How often certificate and configuration files are checked for changes, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 2)]
    pub reload_interval: u64,

    /// On SIGTERM, seconds spent answering not-ready before the listener closes.
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub drain_delay: u64,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ModeArg {
    Enforce,
    Audit,
}

pub fn run(args: WebhookArgs) -> anyhow::Result<ExitCode> {
    let mut options = plimsoll_webhook::Options::new(args.tls_cert, args.tls_key);
    options.listen = args.listen;
    options.config = args.config;
    options.policies = args.policy;
    options.kubernetes_version = args.kubernetes_version;
    options.mode = match args.mode {
        ModeArg::Enforce => plimsoll_webhook::Mode::Enforce,
        ModeArg::Audit => plimsoll_webhook::Mode::Audit,
    };
    options.max_body_size = args.max_body_size;
    options.review_timeout = Duration::from_millis(args.review_timeout.max(1));
    options.reload_interval = Duration::from_secs(args.reload_interval.max(1));
    options.drain_delay = Duration::from_secs(args.drain_delay);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async {
        let server = plimsoll_webhook::Server::bind(options)?;
        server.run(plimsoll_webhook::shutdown_signal()).await
    })?;
    Ok(ExitCode::SUCCESS)
}
