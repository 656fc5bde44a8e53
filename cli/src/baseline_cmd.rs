//! `plimsoll baseline FILE [PATHS…]`: records the current findings, so that
//! `plimsoll lint --baseline FILE` reports only new ones.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use plimsoll_engine::baseline::Baseline;
use plimsoll_engine::{Config, Input};

#[derive(Args, Debug)]
pub struct BaselineArgs {
    /// The baseline file to write (JSON); commit it beside the manifests.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Files and folders to check; `-` reads standard input. Default: the current folder.
    pub paths: Vec<PathBuf>,

    /// Leave out files and folders matching this glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Files larger than this many bytes are reported and not read.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_file_size: u64,
}

pub fn run(args: BaselineArgs) -> anyhow::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut inputs = Vec::with_capacity(paths.len());
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("reading standard input")?;
            inputs.push(Input::Text {
                name: "<stdin>".to_owned(),
                bytes,
            });
        } else {
            inputs.push(Input::Path(path));
        }
    }
    let mut config = Config {
        exclude: args.exclude.clone(),
        ..Config::default()
    };
    config.load.max_file_size = args.max_file_size;
    let report = plimsoll_engine::lint(&inputs, &config)?;
    let baseline = Baseline::from_diagnostics(&report.diagnostics);
    std::fs::write(&args.file, baseline.to_json())
        .with_context(|| format!("writing {}", args.file.display()))?;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    eprintln!(
        "plimsoll: wrote {} ({}) to {}",
        plural(baseline.entries.len(), "entry", "entries"),
        plural(baseline.findings(), "finding", "findings"),
        args.file.display()
    );
    Ok(ExitCode::SUCCESS)
}
