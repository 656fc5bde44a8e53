//! `plimsoll kustomize build DIR`: the build, printed as `kubectl kustomize DIR` prints it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum KustomizeCommand {
    /// Build a kustomization and print the objects as YAML, in kustomize's order.
    Build(BuildArgs),
}

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The folder holding kustomization.yaml. Default: the current folder.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
}

pub fn run(command: KustomizeCommand) -> anyhow::Result<ExitCode> {
    let KustomizeCommand::Build(args) = command;
    if !args.dir.is_dir() {
        anyhow::bail!("{} is not a folder", args.dir.display());
    }
    let build = plimsoll_engine::kustomize::build(&args.dir);
    let mut stderr = std::io::stderr().lock();
    for d in &build.diagnostics {
        let level = d.severity.as_str();
        let at = d
            .location
            .as_ref()
            .map(|l| {
                let start = l.start();
                format!(" ({}:{}:{})", l.file(), start.line, start.column)
            })
            .unwrap_or_default();
        writeln!(stderr, "{level}[{}]: {}{at}", d.rule, d.message)?;
        if let Some(help) = &d.help {
            writeln!(stderr, "  help: {help}")?;
        }
    }
    if build.failed {
        return Ok(ExitCode::from(1));
    }
    let text = plimsoll_engine::kustomize::to_yaml(build.objects.iter().map(|o| &o.value));
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
