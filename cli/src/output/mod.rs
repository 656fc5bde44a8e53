//! Report renderers, one file per format, and the options that choose them.
//!
//! [`emit`] is the last step of `plimsoll lint`: it narrows the report (`--baseline`;
//! `--changed-since` is applied by the engine), renders it in every format asked for (`--format FORMAT[=FILE]`, repeatable),
//! writes each where it goes, says on standard error why the gate failed, and decides the
//! exit code.

pub mod compact;
pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod paths;
pub mod sarif;
pub mod tap;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use plimsoll_core::Severity;
use plimsoll_engine::Report;
use plimsoll_engine::baseline::{Applied, Baseline};

#[derive(Args, Debug, Clone)]
pub struct OutputArgs {
    /// Output format, optionally followed by `=FILE` to write it to a file; repeat for several
    /// outputs in one run (`--format human --format sarif=report.sarif`). FORMAT is one of
    /// human, compact, json, sarif, junit, github, html, tap. Default: human.
    #[arg(long = "format", value_name = "FORMAT[=FILE]", value_parser = parse_format_spec)]
    pub formats: Vec<FormatSpec>,

    /// Write the report of the `--format` given without a file here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// The lowest severity that makes the run fail, exit code 1 [default: error, or `failOn` in the configuration].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// Print only findings: no summary line (the one-line reason for a failing exit stays).
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Print the number of findings per rule, most frequent first, instead of the findings
    /// (outputs written to files are unchanged).
    #[arg(long)]
    pub statistics: bool,

    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Report and gate only the findings that are not in this baseline (written by
    /// `plimsoll baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Report only findings in files changed since this git revision (committed, staged,
    /// unstaged or untracked); every file is still checked, so checks across objects see
    /// the whole set.
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Compact,
    Json,
    Sarif,
    Junit,
    Github,
    Html,
    Tap,
}

impl Format {
    const ALL: [(&'static str, Format); 8] = [
        ("human", Format::Human),
        ("compact", Format::Compact),
        ("json", Format::Json),
        ("sarif", Format::Sarif),
        ("junit", Format::Junit),
        ("github", Format::Github),
        ("html", Format::Html),
        ("tap", Format::Tap),
    ];
}

/// One `--format` value: a format and, optionally, the file it goes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatSpec {
    pub format: Format,
    pub path: Option<PathBuf>,
}

fn parse_format_spec(text: &str) -> Result<FormatSpec, String> {
    let (name, path) = match text.split_once('=') {
        Some((name, "")) => {
            return Err(format!("`{name}=` needs a file name after `=`"));
        }
        Some((name, path)) => (name, Some(PathBuf::from(path))),
        None => (text, None),
    };
    let format = Format::ALL
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            let names: Vec<&str> = Format::ALL.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown format `{name}` (expected one of: {})",
                names.join(", ")
            )
        })?;
    Ok(FormatSpec { format, path })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl FailOn {
    pub fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// What the renderers may need besides the report.
pub struct RenderContext<'a> {
    pub fail_on: Severity,
    pub paths: &'a paths::RepoPaths,
    /// Set when a baseline was applied.
    pub baseline: Option<Applied>,
}

impl OutputArgs {
    /// `--fail-on`, else the configuration's `failOn`, else `error`.
    pub fn fail_on(&self) -> FailOn {
        self.fail_on.unwrap_or(FailOn::Error)
    }
}

impl From<Severity> for FailOn {
    fn from(severity: Severity) -> FailOn {
        match severity {
            Severity::Error => FailOn::Error,
            Severity::Warning => FailOn::Warning,
            Severity::Info => FailOn::Info,
        }
    }
}

/// Narrows, renders and writes the report as asked, and decides the exit code.
pub fn emit(report: Report, args: &OutputArgs) -> anyhow::Result<ExitCode> {
    let mut formats = args.formats.clone();
    if formats.is_empty() {
        formats.push(FormatSpec {
            format: Format::Human,
            path: None,
        });
    }
    check_destinations(&formats, args.output.as_deref())?;
    if formats.iter().filter(|f| f.path.is_none()).count() > 1 {
        bail!(
            "only one --format can go to {}; give the others a file, as in `--format sarif=report.sarif`",
            if args.output.is_some() {
                "--output"
            } else {
                "standard output"
            }
        );
    }

    let Report {
        mut diagnostics,
        sources,
        objects,
        elapsed,
        checked,
        ..
    } = report;
    let mut applied = None;
    if let Some(path) = &args.baseline {
        let text = crate::baseline_cmd::read(path)?;
        let baseline = Baseline::parse(&text)
            .with_context(|| format!("reading baseline {}", path.display()))?;
        applied = Some(baseline.apply(&mut diagnostics));
    }
    // The same report with only the findings that are reported and gated.
    #[allow(clippy::needless_update)] // Fields added to `Report` later keep their defaults.
    let report = Report {
        diagnostics,
        sources,
        objects,
        elapsed,
        checked,
        ..Report::default()
    };

    let needs_paths = formats
        .iter()
        .any(|f| matches!(f.format, Format::Sarif | Format::Github));
    let paths = if needs_paths {
        paths::RepoPaths::discover()?
    } else {
        paths::RepoPaths::current_folder()?
    };
    let context = RenderContext {
        fail_on: args.fail_on().severity(),
        paths: &paths,
        baseline: applied.clone(),
    };

    for spec in &formats {
        let destination = spec.path.as_ref().or(args.output.as_ref());
        if args.statistics && spec.path.is_none() {
            write(
                destination.map(PathBuf::as_path),
                &compact::statistics(&report),
            )?;
            continue;
        }
        let text = match spec.format {
            Format::Human => {
                let to_terminal = destination.is_none() && std::io::stdout().is_terminal();
                let color = match args.color {
                    ColorChoice::Always => true,
                    ColorChoice::Never => false,
                    ColorChoice::Auto => {
                        to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    }
                };
                human::render(
                    &report,
                    &human::Options {
                        color,
                        summary: !args.quiet,
                        baseline: applied.clone(),
                    },
                )
            }
            Format::Json => {
                write_with(destination.map(PathBuf::as_path), |out| {
                    json::write_to(&report, &context, out)
                })?;
                continue;
            }
            Format::Sarif => sarif::render(&report, &context),
            Format::Junit => junit::render(&report, &context),
            Format::Github => github::render(&report, &context),
            Format::Compact => compact::render(&report, &context),
            Format::Html => html::render(&report, &context),
            Format::Tap => tap::render(&report, &context),
        };
        write(destination.map(PathBuf::as_path), &text)?;
    }

    if !args.quiet
        && let (Some(path), Some(applied)) = (&args.baseline, &applied)
    {
        eprintln!("plimsoll: {}", baseline_line(path, applied));
    }
    let threshold = args.fail_on().severity();
    if report.fails(threshold) {
        // Even with `--quiet`: a failing exit always says why.
        eprintln!("plimsoll: {}", failing_line(&report, args.fail_on()));
        Ok(ExitCode::from(1))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

/// Two outputs naming one file would overwrite each other: an error, not a silent loss.
fn check_destinations(formats: &[FormatSpec], output: Option<&Path>) -> anyhow::Result<()> {
    let mut seen: Vec<(PathBuf, &Path)> = Vec::new();
    let named = formats.iter().filter_map(|f| {
        f.path
            .as_deref()
            .or(if f.path.is_none() { output } else { None })
    });
    for path in named {
        let key = comparable(path);
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            if *first == path {
                bail!(
                    "two outputs are written to {}; give each --format its own file",
                    path.display()
                );
            }
            bail!(
                "two outputs are written to one file ({} and {}); give each --format its own file",
                first.display(),
                path.display()
            );
        }
        seen.push((key, path));
    }
    Ok(())
}

/// A path made absolute and normalized (its folder resolved when it exists), for comparison.
fn comparable(path: &Path) -> PathBuf {
    let absolute = std::env::current_dir()
        .map(|cwd| cwd.join(path))
        .unwrap_or_else(|_| path.to_path_buf());
    if let Ok(canonical) = absolute.canonicalize() {
        return canonical;
    }
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => parent
            .canonicalize()
            .map_or_else(|_| absolute.clone(), |p| p.join(name)),
        _ => absolute,
    }
}

/// Streams a report to a file or standard output.
fn write_with(
    destination: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match destination {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("writing {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            render(&mut out)
                .and_then(|()| out.flush())
                .with_context(|| format!("writing {}", path.display()))
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`plimsoll lint | head`) is not an error worth reporting.
            let _ = render(&mut out).and_then(|()| out.flush());
            Ok(())
        }
    }
}

fn write(destination: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match destination {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`plimsoll lint | head`) is not an error worth reporting.
            let _ = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush());
            Ok(())
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `failing: 2 errors and 1 warning at or above --fail-on warning`
pub fn failing_line(report: &Report, fail_on: FailOn) -> String {
    let threshold = fail_on.severity();
    let mut parts = Vec::new();
    for (severity, one, many) in [
        (Severity::Error, "error", "errors"),
        (Severity::Warning, "warning", "warnings"),
        (Severity::Info, "info", "infos"),
    ] {
        let n = report.count(severity);
        if severity >= threshold && n > 0 {
            parts.push(plural(n, one, many));
        }
    }
    let list = match parts.as_slice() {
        [] => String::from("no findings"),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    format!(
        "failing: {list} at or above --fail-on {}",
        threshold.as_str()
    )
}

/// `baseline b.json: 3 findings baselined, 1 baseline entry gone`
pub fn baseline_line(path: &Path, applied: &Applied) -> String {
    let mut line = format!(
        "baseline {}: {} baselined, {} gone",
        path.display(),
        plural(applied.baselined, "finding", "findings"),
        plural(applied.gone, "baseline entry", "baseline entries"),
    );
    if applied.gone > 0 {
        line.push_str(" (fixed or changed; run `plimsoll baseline` again to drop them)");
    }
    line
}
