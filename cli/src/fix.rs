//! `plimsoll lint --fix`, `--unsafe-fixes` and `--diff`: the editor's quick fixes applied to
//! the files of a run. Only findings in plain files are fixed: never a file that a Kustomize
//! build reads (a base may be shared by other overlays), a Helm template, or standard input.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use clap::Args;
use plimsoll_core::{Diagnostic, Object};
use plimsoll_engine::fix::{self, Edit, Safety};
use plimsoll_engine::{Engine, Report};

#[derive(Args, Debug, Clone, Default)]
pub struct FixArgs {
    /// Apply the safe fixes of the findings (in plain files only), then report what remains.
    #[arg(long, help_heading = "Fixes")]
    pub fix: bool,

    /// With `--fix` or `--diff`, also apply fixes that may change behaviour (runAsNonRoot,
    /// a read-only root file system, dropped capabilities, resource values). Alone, it is an
    /// error: files are written only when `--fix` says so.
    #[arg(long, help_heading = "Fixes")]
    pub unsafe_fixes: bool,

    /// Print a unified diff of what the fixes would change and write nothing (exit code 1
    /// when there is something to fix).
    #[arg(long, help_heading = "Fixes")]
    pub diff: bool,
}

impl FixArgs {
    /// Whether the run goes through [`run`] (which refuses `--unsafe-fixes` alone).
    pub fn wanted(&self) -> bool {
        self.fix || self.diff || self.unsafe_fixes
    }
}

/// The new text of each file the fixes change.
struct Plan {
    files: BTreeMap<PathBuf, (String, String)>,
    applied: usize,
}

/// How many passes the fixes of a file take at most: a fix whose edits touch those of another
/// waits for the next pass, made on the file as the earlier fixes left it.
const PASSES: usize = 8;

/// Applies (or, with `--diff`, prints) the fixes of `report`'s findings. With `--fix`, returns
/// the report of the files as they are after fixing; `None` with `--diff` (the diff is the
/// output). The flag tells whether there was anything to fix.
pub fn run(
    engine: &Engine,
    inputs: &[plimsoll_engine::Input],
    report: Report,
    args: &FixArgs,
    stdin: Option<&str>,
) -> anyhow::Result<(Option<Report>, bool)> {
    if !args.fix && !args.diff {
        anyhow::bail!(
            "--unsafe-fixes chooses which fixes apply, it does not apply them: add --fix to write them, or --diff to see them"
        );
    }
    let allowed = |s: Safety| s == Safety::Safe || args.unsafe_fixes;
    let plan = plan(engine, &report, &allowed, stdin)?;
    if args.diff {
        for (path, (old, new)) in &plan.files {
            let name = path.display().to_string();
            let diff = similar::TextDiff::from_lines(old, new);
            print!(
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{name}"), &format!("b/{name}"))
            );
        }
        eprintln!(
            "plimsoll: {} would be applied",
            plural(plan.applied, "fix", "fixes")
        );
        say_left_alone(&report, &allowed, stdin);
        return Ok((None, !plan.files.is_empty()));
    }
    for (path, (_, new)) in &plan.files {
        std::fs::write(path, new)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    let report = if plan.files.is_empty() {
        report
    } else {
        engine.lint(inputs)?
    };
    eprintln!("plimsoll: {} applied", plural(plan.applied, "fix", "fixes"));
    say_left_alone(&report, &allowed, stdin);
    Ok((Some(report), plan.applied > 0))
}

fn say_left_alone(report: &Report, allowed: &dyn Fn(Safety) -> bool, stdin: Option<&str>) {
    let left = left_alone(report, allowed, stdin);
    if left > 0 {
        eprintln!(
            "plimsoll: {} not fixed: not in a plain file of the run (a Kustomize or Helm source, standard input)",
            plural(left, "fixable finding", "fixable findings")
        );
    }
}

/// The new text of each plain file with findings to fix. The first pass fixes the findings of
/// the run; each later pass lints the file as the fixes left it, alone, and fixes only findings
/// the run reported in it (same rule and field).
fn plan(
    engine: &Engine,
    report: &Report,
    allowed: &dyn Fn(Safety) -> bool,
    stdin: Option<&str>,
) -> anyhow::Result<Plan> {
    let mut by_file: BTreeMap<PathBuf, Vec<&Diagnostic>> = BTreeMap::new();
    for d in &report.diagnostics {
        if let Some(path) = plain_file(d, stdin) {
            by_file.entry(path).or_default().push(d);
        }
    }
    let mut out = Plan {
        files: BTreeMap::new(),
        applied: 0,
    };
    for (path, findings) in by_file {
        let Some(location) = findings.first().and_then(|d| d.location.as_ref()) else {
            continue;
        };
        let name = location.file().to_owned();
        // The file must still hold the text the findings were made on (a released text is
        // read again only when it does).
        let Some(source) = location.source.reread() else {
            continue;
        };
        let original = source.text().to_owned();
        match std::fs::read(&path) {
            Ok(bytes) if bytes == original.as_bytes() => {}
            _ => continue,
        }
        let reported: HashSet<(String, Option<Box<str>>)> = findings
            .iter()
            .map(|d| (d.rule.to_string(), d.pointer.clone()))
            .collect();
        let (mut text, mut count) = fix_once(engine, &original, &findings, allowed);
        let mut changed = count > 0;
        let mut pass = 1;
        while changed && pass < PASSES {
            pass += 1;
            let again = engine.lint(&[plimsoll_engine::Input::Text {
                name: name.clone(),
                bytes: text.as_bytes().to_vec(),
            }])?;
            let left: Vec<&Diagnostic> = again
                .diagnostics
                .iter()
                .filter(|d| reported.contains(&(d.rule.to_string(), d.pointer.clone())))
                .collect();
            let (next, more) = fix_once(engine, &text, &left, allowed);
            changed = more > 0;
            count += more;
            text = next;
        }
        if count > 0 && text != original {
            out.applied += count;
            out.files.insert(path, (original, text));
        }
    }
    Ok(out)
}

/// One pass over a file: for each finding, its first allowed fix, unless its edits touch
/// those of a fix already taken. Returns the new text and how many fixes it holds.
fn fix_once(
    engine: &Engine,
    text: &str,
    findings: &[&Diagnostic],
    allowed: &dyn Fn(Safety) -> bool,
) -> (String, usize) {
    let name = findings
        .first()
        .and_then(|d| d.location.as_ref())
        .map_or("", |l| l.file());
    let file = plimsoll_core::load_bytes(
        name,
        text.as_bytes().to_vec(),
        plimsoll_core::Discovery::Explicit,
        &engine.config().load,
    );
    let mut edits: Vec<Edit> = Vec::new();
    let mut count = 0;
    for d in findings {
        let Some(l) = &d.location else { continue };
        let Some(object) = object_at(&file.objects, l.span.start as usize) else {
            continue;
        };
        let Some(fix) = fix::fixes(d, object, engine.catalog())
            .into_iter()
            .find(|f| allowed(f.safety))
        else {
            continue;
        };
        if !fix.edits.iter().any(|e| edits.iter().any(|x| clash(e, x))) {
            edits.extend(fix.edits);
            count += 1;
        }
    }
    if count == 0 {
        return (text.to_owned(), 0);
    }
    (fix::apply(text, &edits), count)
}

/// Whether two edits cannot be made in the same pass. Two insertions at the same place go
/// together only when each adds one line at the same indentation (two fields of one mapping).
fn clash(a: &Edit, b: &Edit) -> bool {
    let (a0, a1, b0, b1) = (a.span.start, a.span.end, b.span.start, b.span.end);
    match (a0 == a1, b0 == b1) {
        (true, true) => {
            let one_line = |t: &str| t.starts_with('\n') && t.matches('\n').count() == 1;
            let indent = |t: &str| t.len() - t.trim_start_matches(['\n', ' ']).len();
            a0 == b0
                && !(one_line(&a.text) && one_line(&b.text) && indent(&a.text) == indent(&b.text))
        }
        (true, false) => b0 < a0 && a0 < b1,
        (false, true) => a0 < b0 && b0 < a1,
        (false, false) => a0 < b1 && b0 < a1,
    }
}

/// Findings with an allowed fix that `--fix` leaves alone: not in a plain file.
fn left_alone(report: &Report, allowed: &dyn Fn(Safety) -> bool, stdin: Option<&str>) -> usize {
    report
        .diagnostics
        .iter()
        .filter(|d| plain_file(d, stdin).is_none() && d.pointer.is_some())
        .filter(|d| {
            d.location.as_ref().is_some_and(|l| {
                let text = l.source.reread().map(|s| s.text().to_owned());
                let file = plimsoll_core::load_bytes(
                    l.file(),
                    text.unwrap_or_default().into_bytes(),
                    plimsoll_core::Discovery::Explicit,
                    &Default::default(),
                );
                object_at(&file.objects, l.span.start as usize).is_some_and(|o| {
                    fix::fixes(d, o, None)
                        .into_iter()
                        .any(|f| allowed(f.safety))
                })
            })
        })
        .count()
}

/// The path of the file a finding is in, when that file is a plain file of the run: read from
/// disk as it is (`stdin` is the name standard input is reported under, if it was read), not a Helm template, not read by a Kustomize build (the finding carries no
/// build's origin and no kustomization sits in its folder or above).
fn plain_file(d: &Diagnostic, stdin: Option<&str>) -> Option<PathBuf> {
    let l = d.location.as_ref()?;
    if stdin == Some(l.file())
        || l.template.is_some()
        || d.extra
            .as_ref()
            .is_some_and(|e| e.contains_key(plimsoll_engine::kustomize::ORIGIN_KEY))
        || d.related.iter().any(|r| r.message.starts_with("via "))
    {
        return None;
    }
    let path = PathBuf::from(l.file());
    if !path.is_file() || in_kustomize_tree(&path) || in_chart(&path) {
        return None;
    }
    Some(path)
}

fn ancestors_hold(path: &Path, names: &[&str]) -> bool {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    path.ancestors()
        .skip(1)
        .any(|dir| names.iter().any(|n| dir.join(n).is_file()))
}

fn in_kustomize_tree(path: &Path) -> bool {
    ancestors_hold(
        path,
        &["kustomization.yaml", "kustomization.yml", "Kustomization"],
    )
}

fn in_chart(path: &Path) -> bool {
    ancestors_hold(path, &["Chart.yaml"])
}

fn object_at(objects: &[Object], offset: usize) -> Option<&Object> {
    objects
        .iter()
        .rev()
        .find(|o| o.tree.span(o.root).start as usize <= offset)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
