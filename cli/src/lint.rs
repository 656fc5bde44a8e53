//! `plimsoll lint`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use crate::args::LintArgs;
use crate::check_args;
use crate::output::{self, FailOn};

/// How a run over some files (a pre-commit hook's staged files) reaches the verdict a run over
/// their folders would.
#[derive(Args, Debug, Clone, Default)]
pub struct PartialArgs {
    /// When files are named, also load this folder as context (repeatable): its objects take
    /// part in checks across objects, its findings are not reported. The named files' own
    /// folders are always context unless `--no-context` is given.
    #[arg(long, value_name = "DIR", help_heading = "Inputs")]
    pub context: Vec<PathBuf>,

    /// When files are named, check them alone: no folder is loaded as context.
    #[arg(long, conflicts_with = "context", help_heading = "Inputs")]
    pub no_context: bool,

    /// Named files that hold no Kubernetes object (a Helm values file, a CI file) are skipped
    /// silently, as when walking a folder, instead of getting a `not-kubernetes` warning.
    #[arg(long, help_heading = "Inputs")]
    pub ignore_non_kubernetes: bool,

    /// Fail (exit code 1) when the run checks no Kubernetes object at all.
    #[arg(long, help_heading = "Inputs")]
    pub fail_on_empty: bool,
}

pub fn run(mut args: LintArgs) -> anyhow::Result<ExitCode> {
    let mut settings = args.check.settings()?;
    let mut inputs = check_args::inputs_named(
        &args.paths,
        args.check.stdin_filename.as_deref(),
        settings.config.load.max_file_size,
    )?;
    if args.partial.ignore_non_kubernetes {
        settings
            .config
            .rules
            .disable
            .push("not-kubernetes".to_owned());
    }
    // Named files are checked with their folders as context, so that checks across objects
    // (a Service's selector, a PodDisruptionBudget) see what a run over the folders sees; only
    // the named files are reported.
    let named: Vec<&PathBuf> = args
        .paths
        .iter()
        .filter(|p| p.as_os_str() != "-" && p.is_file())
        .collect();
    let only_files = !named.is_empty()
        && args
            .paths
            .iter()
            .all(|p| p.as_os_str() == "-" || p.is_file());
    let with_context = only_files && !args.partial.no_context;
    if with_context {
        let mut folders: Vec<PathBuf> = Vec::new();
        for file in &named {
            // A file of a Helm chart (a template, a values file) is checked through the chart's
            // renders: the chart is the context, and the file is not read as a manifest.
            if let Some(chart) = chart_root(file) {
                let file = canonical(file);
                inputs.retain(|input| {
                    !matches!(input, plimsoll_engine::Input::Path(p) if canonical(p) == file)
                });
                push_folder(&mut folders, chart);
                continue;
            }
            let parent = match file.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            push_folder(&mut folders, parent);
        }
        for folder in args.partial.context.iter().chain(&settings.context) {
            push_folder(&mut folders, folder.clone());
        }
        settings.config.report_only = Some(named.iter().map(|p| (*p).clone()).collect());
        inputs.extend(folders.into_iter().map(plimsoll_engine::Input::Path));
    }
    // Every file is still checked, so rules across objects see the whole set; the engine
    // reports only the findings in changed files.
    if let Some(rev) = &args.output.changed_since {
        let changed: Vec<PathBuf> = crate::changed::changed_files(rev)?.into_iter().collect();
        settings.config.report_only = Some(match settings.config.report_only.take() {
            // Named files and changed files: the files that are both.
            Some(named) => {
                let changed: std::collections::HashSet<PathBuf> =
                    changed.iter().map(|p| canonical(p)).collect();
                named
                    .into_iter()
                    .filter(|p| changed.contains(&canonical(p)))
                    .collect()
            }
            None => changed,
        });
    }
    if args.output.fail_on.is_none() {
        args.output.fail_on = settings.fail_on.map(FailOn::from);
    }
    if args.output.baseline.is_none() {
        args.output.baseline = settings.baseline;
    }
    let fail_on_empty = args.partial.fail_on_empty || settings.fail_on_empty;
    let engine = plimsoll_engine::Engine::new(settings.config)?;
    for warning in engine.policy_warnings() {
        eprintln!("plimsoll: warning: {warning}");
    }
    let mut report = engine.lint(&inputs)?;
    if args.fix.wanted() {
        // Standard input is reported under a name that may be a file's: that file is not edited.
        let stdin = args.paths.iter().any(|p| p.as_os_str() == "-").then(|| {
            match &args.check.stdin_filename {
                Some(name) => plimsoll_engine::discover::display_name(name),
                None => "<stdin>".to_owned(),
            }
        });
        match crate::fix::run(&engine, &inputs, report, &args.fix, stdin.as_deref())? {
            (Some(after), _) => report = after,
            (None, changes) => return Ok(ExitCode::from(u8::from(changes))),
        }
    }
    // Objects checked in the whole run, context and builds included: a named file that a
    // Kustomize build or a Helm render consumed was checked through it, though it is not a
    // source of the report itself.
    let checked_in_run = report.objects;
    if with_context {
        // The summary counts the files reported, not the context read around them.
        let mut names: std::collections::HashSet<String> = named
            .iter()
            .map(|p| plimsoll_engine::discover::display_name(p))
            .collect();
        names.insert(match &args.check.stdin_filename {
            Some(name) => plimsoll_engine::discover::display_name(name),
            None => "<stdin>".to_owned(),
        });
        let (sources, checked): (Vec<_>, Vec<_>) = std::mem::take(&mut report.sources)
            .into_iter()
            .zip(std::mem::take(&mut report.checked))
            .filter(|(source, _)| names.contains(source.name()))
            .unzip();
        report.objects = checked.iter().map(Vec::len).sum();
        report.sources = sources;
        report.checked = checked;
    }
    if std::env::var_os("PLIMSOLL_TIMINGS").is_some() {
        for (stage, time) in &report.timings {
            eprintln!(
                "plimsoll: timing: {stage:<30} {:>8.1} ms",
                time.as_secs_f64() * 1000.0
            );
        }
    }
    // A run that checks nothing should not pass in silence: an empty folder, empty input, a
    // path that matches no manifest.
    let empty = checked_in_run == 0;
    if empty {
        eprintln!(
            "plimsoll: {}: no Kubernetes object was checked ({} read)",
            if fail_on_empty { "error" } else { "warning" },
            plural(report.files(), "file", "files")
        );
    }
    let summary = args
        .check
        .summary
        .then(|| check_args::summary_line(&report));
    let code = output::emit(report, &args.output)?;
    if let Some(line) = summary {
        eprintln!("{line}");
    }
    if empty && fail_on_empty && code == ExitCode::SUCCESS {
        eprintln!("plimsoll: failing: nothing checked (--fail-on-empty)");
        return Ok(ExitCode::from(1));
    }
    Ok(code)
}

/// The nearest folder above `file` that holds a `Chart.yaml`: the chart the file belongs to.
/// Named as the file is (relative stays relative), so findings carry the names a user gave.
fn chart_root(file: &Path) -> Option<PathBuf> {
    file.ancestors()
        .skip(1)
        .find(|dir| dir.join("Chart.yaml").is_file())
        .map(|dir| match dir.as_os_str().is_empty() {
            true => PathBuf::from("."),
            false => dir.to_path_buf(),
        })
}

fn push_folder(folders: &mut Vec<PathBuf>, folder: PathBuf) {
    let key = canonical(&folder);
    if !folders.iter().any(|f| canonical(f) == key) {
        folders.push(folder);
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
