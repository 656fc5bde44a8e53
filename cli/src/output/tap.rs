//! TAP version 13 (the Test Anything Protocol), in the shape kubeconform prints it: one test
//! point per object, `ok N - FILE (apiVersion/Kind/namespace/name)`, or `not ok N - … : MESSAGE`
//! when the object has findings at or above `--fail-on`; a finding about a file rather than an
//! object (a file that does not parse) is `not ok N - FILE: MESSAGE`; a file with nothing in it
//! is `ok N - FILE (empty)`. The plan line `1..N` comes last, as kubeconform writes it.
//! Findings below the threshold do not fail the test point; they follow it as `#` comment
//! lines, which TAP consumers show and do not count.

use std::collections::HashMap;
use std::fmt::Write as _;

use plimsoll_core::{Diagnostic, ObjectRef};
use plimsoll_engine::Report;

use super::RenderContext as Context;

/// The test points of one file, in document order.
struct Point<'a> {
    /// `None` for the findings about the file itself.
    object: Option<&'a ObjectRef>,
    findings: Vec<&'a Diagnostic>,
}

pub fn render(report: &Report, context: &Context) -> String {
    let mut out = String::from("TAP version 13\n");
    let mut number = 0usize;
    for (file, points) in files(report) {
        let file = context.paths.display(&file);
        if points.is_empty() {
            number += 1;
            let _ = writeln!(out, "ok {number} - {file} (empty)");
            continue;
        }
        let only_file = points.len() == 1 && points[0].object.is_none();
        for point in points {
            number += 1;
            let (failing, other): (Vec<&Diagnostic>, Vec<&Diagnostic>) = point
                .findings
                .iter()
                .partition(|d| d.severity >= context.fail_on);
            let subject = match point.object {
                Some(object) => format!("{file} ({})", qualified(object)),
                // A file without objects whose findings do not fail it.
                None if only_file && failing.is_empty() => format!("{file} (empty)"),
                None => file.to_string(),
            };
            if failing.is_empty() {
                let _ = writeln!(out, "ok {number} - {subject}");
            } else {
                let _ = write!(out, "not ok {number} - {subject}: ");
                for (i, d) in failing.iter().enumerate() {
                    if i > 0 {
                        out.push_str("; ");
                    }
                    one_line(&mut out, &format!("{}: {}", d.rule, d.message));
                }
                out.push('\n');
            }
            for d in other {
                out.push_str("# ");
                one_line(
                    &mut out,
                    &format!("{} {}: {}", d.severity.as_str(), d.rule, d.message),
                );
                out.push('\n');
            }
        }
    }
    let _ = writeln!(out, "1..{number}");
    out
}

/// kubeconform's qualified name: `apiVersion/Kind/namespace/name`, empty parts kept.
fn qualified(object: &ObjectRef) -> String {
    format!(
        "{}/{}/{}/{}",
        object.api_version,
        object.kind,
        object.namespace.as_deref().unwrap_or(""),
        object.name.as_deref().unwrap_or("")
    )
}

/// A test point is one line: line breaks in messages become spaces.
fn one_line(out: &mut String, text: &str) {
    out.extend(
        text.chars()
            .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
    );
}

/// Files in report order, each with its objects in document order and the findings of each;
/// findings about the file itself come first. Findings in no file are one last group.
fn files(report: &Report) -> Vec<(String, Vec<Point<'_>>)> {
    let mut files: Vec<(String, Vec<Point>)> = Vec::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, source) in report.sources.iter().enumerate() {
        by_name.insert(source.name(), files.len());
        let points = report
            .checked
            .get(i)
            .into_iter()
            .flatten()
            .map(|object| Point {
                object: Some(object),
                findings: Vec::new(),
            })
            .collect();
        files.push((source.name().to_owned(), points));
    }
    // Where each object's test point is, per file: finding them stays linear in the findings.
    let mut at: Vec<HashMap<Option<&ObjectRef>, usize>> = files
        .iter()
        .map(|(_, points)| {
            points
                .iter()
                .enumerate()
                .map(|(i, p)| (p.object, i))
                .collect()
        })
        .collect();
    let mut file_findings: Vec<Vec<&Diagnostic>> = vec![Vec::new(); files.len()];
    for d in &report.diagnostics {
        let file = d.location.as_ref().map_or("(no file)", |l| l.file());
        let index = match by_name.get(file) {
            Some(&index) => index,
            None => {
                files.push((file.to_owned(), Vec::new()));
                at.push(HashMap::new());
                file_findings.push(Vec::new());
                by_name.insert(file, files.len() - 1);
                files.len() - 1
            }
        };
        if d.object.is_none() {
            file_findings[index].push(d);
            continue;
        }
        let points = &mut files[index].1;
        let slot = *at[index].entry(d.object.as_deref()).or_insert_with(|| {
            // An object that is not among those checked gets its own test point.
            points.push(Point {
                object: d.object.as_deref(),
                findings: Vec::new(),
            });
            points.len() - 1
        });
        points[slot].findings.push(d);
    }
    // The findings about a file itself lead its test points.
    for ((_, points), findings) in files.iter_mut().zip(file_findings) {
        if !findings.is_empty() {
            points.insert(
                0,
                Point {
                    object: None,
                    findings,
                },
            );
        }
    }
    files
}
