//! `plimsoll baseline FILE [PATHS…]`: records the current findings, so that
//! `plimsoll lint --baseline FILE` reports only new ones.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use plimsoll_engine::baseline::Baseline;

#[derive(Args, Debug)]
pub struct BaselineArgs {
    /// The baseline file to write (JSON); commit it beside the manifests.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Files and folders to check; `-` reads standard input. Default: the current folder.
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub check: crate::check_args::CheckArgs,
}

pub fn run(args: BaselineArgs) -> anyhow::Result<ExitCode> {
    let inputs = crate::check_args::inputs(&args.paths)?;
    let config = args.check.settings()?.config;
    let report = plimsoll_engine::lint(&inputs, config)?;
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
