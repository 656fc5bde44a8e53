//! `plimsoll lint`.

use std::process::ExitCode;

use crate::args::LintArgs;
use crate::check_args;
use crate::output::{self, FailOn};

pub fn run(mut args: LintArgs) -> anyhow::Result<ExitCode> {
    let inputs = check_args::inputs(&args.paths)?;
    let mut settings = args.check.settings()?;
    // Every file is still checked, so rules across objects see the whole set; the engine
    // reports only the findings in changed files.
    if let Some(rev) = &args.output.changed_since {
        settings.config.report_only =
            Some(crate::changed::changed_files(rev)?.into_iter().collect());
    }
    if args.output.fail_on.is_none() {
        args.output.fail_on = settings.fail_on.map(FailOn::from);
    }
    if args.output.baseline.is_none() {
        args.output.baseline = settings.baseline;
    }
    let engine = plimsoll_engine::Engine::new(settings.config)?;
    for warning in engine.policy_warnings() {
        eprintln!("plimsoll: warning: {warning}");
    }
    let report = engine.lint(&inputs)?;
    if std::env::var_os("PLIMSOLL_TIMINGS").is_some() {
        for (stage, time) in &report.timings {
            eprintln!(
                "plimsoll: timing: {stage:<30} {:>8.1} ms",
                time.as_secs_f64() * 1000.0
            );
        }
    }
    output::emit(report, &args.output)
}
