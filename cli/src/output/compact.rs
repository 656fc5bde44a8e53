//! Compact output: one line per finding, `path:line:col: severity rule-id message`, the shape
//! editors' problem matchers and `grep` expect; and `--statistics`, the count of findings per
//! rule.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use plimsoll_core::{Diagnostic, Severity};
use plimsoll_engine::Report;

use super::RenderContext as Context;

pub fn render(report: &Report, context: &Context) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        line(d, context, &mut out);
    }
    out
}

fn line(d: &Diagnostic, context: &Context, out: &mut String) {
    if let Some(location) = &d.location {
        let start = location.start();
        let _ = write!(
            out,
            "{}:{}:{}: ",
            context.paths.display(location.file()),
            start.line,
            start.column
        );
    }
    let _ = write!(out, "{} {} ", d.severity.as_str(), d.rule);
    // One line per finding, whatever the message holds.
    for c in d.message.chars() {
        out.push(if c == '\n' || c == '\r' { ' ' } else { c });
    }
    if let Some(object) = &d.object {
        let _ = write!(out, " ({})", object.display_name());
    }
    out.push('\n');
}

/// `--statistics`: findings per rule, most frequent first (ties by rule id), with the
/// severity and, for rules plimsoll knows, their summary.
pub fn statistics(report: &Report) -> String {
    let mut counts: BTreeMap<&str, (usize, Severity)> = BTreeMap::new();
    for d in &report.diagnostics {
        let entry = counts.entry(&d.rule).or_insert((0, d.severity));
        entry.0 += 1;
        entry.1 = entry.1.max(d.severity);
    }
    let mut rows: Vec<(&str, usize, Severity)> = counts
        .into_iter()
        .map(|(rule, (n, severity))| (rule, n, severity))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let width = rows
        .iter()
        .map(|r| r.0.len())
        .max()
        .unwrap_or(0)
        .max("RULE".len());
    let count_width = rows
        .first()
        .map_or(1, |r| r.1.to_string().len())
        .max("COUNT".len());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>count_width$}  {:<width$}  {:<8}  SUMMARY",
        "COUNT", "RULE", "SEVERITY"
    );
    for (rule, n, severity) in &rows {
        let summary = crate::commands::summary(rule).unwrap_or_default();
        let line = format!(
            "{n:>count_width$}  {rule:<width$}  {:<8}  {summary}",
            severity.as_str()
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let total: usize = rows.iter().map(|r| r.1).sum();
    let _ = writeln!(
        out,
        "{total:>count_width$}  {} in {}",
        if total == 1 { "finding" } else { "findings" },
        if rows.len() == 1 {
            "1 rule".to_owned()
        } else {
            format!("{} rules", rows.len())
        }
    );
    out
}
