//! `plimsoll baseline FILE [PATHS…]`: records the current findings, so that
//! `plimsoll lint --baseline FILE` reports only new ones.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
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

/// The largest baseline file read.
pub const MAX_SIZE: u64 = 256 * 1024 * 1024;

/// Reads a baseline file, up to [`MAX_SIZE`] bytes.
pub fn read(path: &Path) -> anyhow::Result<String> {
    let context = || format!("reading baseline {}", path.display());
    let bytes = plimsoll_core::source::read_file_limited(path, MAX_SIZE)
        .with_context(context)?
        .ok_or_else(|| anyhow::anyhow!("the file holds more than {MAX_SIZE} bytes, the limit"))
        .with_context(context)?;
    String::from_utf8(bytes).with_context(context)
}

/// A file that exists, is not empty and is not a baseline is not overwritten: the usual
/// cause is a forgotten FILE argument (`plimsoll baseline app.yaml`).
fn check_overwrite(path: &Path) -> anyhow::Result<()> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    if meta.is_dir() {
        bail!("{} is a folder, not a baseline file", path.display());
    }
    if meta.len() == 0 {
        return Ok(());
    }
    let is_baseline = read(path).is_ok_and(|text| {
        !matches!(
            Baseline::parse(&text),
            Err(plimsoll_engine::baseline::BaselineError::Invalid(_))
        )
    });
    if !is_baseline {
        bail!(
            "{} exists and is not a plimsoll baseline; refusing to overwrite it (the first argument is the baseline file to write: `plimsoll baseline FILE [PATHS…]`)",
            path.display()
        );
    }
    Ok(())
}

pub fn run(args: BaselineArgs) -> anyhow::Result<ExitCode> {
    check_overwrite(&args.file)?;
    let config = args.check.settings()?.config;
    let inputs = crate::check_args::inputs(&args.paths, config.load.max_file_size)?;
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
