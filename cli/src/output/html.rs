//! HTML report: one self-contained page (styles and script inline, no external assets) with
//! the summary, findings counted by severity and by rule as bar charts, files ranked by
//! findings, and every finding with its snippet, filterable by rule, severity and file.
//!
//! Everything is rendered into the page itself, so that it reads without scripts; the small
//! inline script only hides findings that do not match the filters (also settable from the
//! address: `report.html#severity=error&rule=latest-image-tag`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use plimsoll_core::{Diagnostic, Location, Severity};
use plimsoll_engine::Report;

use super::RenderContext as Context;

const DOCS: &str = "https://github.com/plimsoll-dev/plimsoll/blob/main/docs/rules";
const SEVERITIES: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

/// Escapes text for element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn render(report: &Report, context: &Context) -> String {
    let mut out = String::with_capacity(16 * 1024 + report.diagnostics.len() * 1024);
    let file_of = |d: &Diagnostic| {
        d.location
            .as_ref()
            .map_or_else(String::new, |l| context.paths.display(l.file()))
    };

    let mut by_rule: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    let mut by_file: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    for d in &report.diagnostics {
        let i = severity_index(d.severity);
        by_rule.entry(&d.rule).or_default()[i] += 1;
        by_file.entry(file_of(d)).or_default()[i] += 1;
    }
    let mut rules: Vec<(&str, [usize; 3])> = by_rule.into_iter().collect();
    rules.sort_by(|a, b| total(&b.1).cmp(&total(&a.1)).then(a.0.cmp(b.0)));
    let mut files: Vec<(String, [usize; 3])> = by_file.into_iter().collect();
    files.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(total(&b.1).cmp(&total(&a.1)))
            .then(a.0.cmp(&b.0))
    });
    let counts = [
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
    ];

    out.push_str(HEAD);
    let fails = report.fails(context.fail_on);
    let _ = writeln!(
        out,
        "<header><h1>plimsoll report</h1>\n<p id=\"summary\" class=\"{}\">{}, {}: {}, {}, {}. {}</p></header>",
        if fails { "fail" } else { "pass" },
        plural(report.files(), "file", "files"),
        plural(report.objects, "object", "objects"),
        plural(counts[0], "error", "errors"),
        plural(counts[1], "warning", "warnings"),
        plural(counts[2], "info", "infos"),
        if fails {
            format!(
                "Failing: findings at or above --fail-on {}.",
                context.fail_on.as_str()
            )
        } else {
            format!(
                "Passing: nothing at or above --fail-on {}.",
                context.fail_on.as_str()
            )
        },
    );

    // Charts.
    out.push_str("<section id=\"charts\"><h2>Findings by severity</h2>\n");
    let severity_rows: Vec<(String, [usize; 3], &str)> = SEVERITIES
        .iter()
        .map(|s| {
            let mut row = [0; 3];
            row[severity_index(*s)] = counts[severity_index(*s)];
            (s.as_str().to_owned(), row, "severity")
        })
        .collect();
    bar_chart(&mut out, "chart-severity", &severity_rows);
    out.push_str("<h2>Findings by rule</h2>\n");
    let rule_rows: Vec<(String, [usize; 3], &str)> = rules
        .iter()
        .map(|(rule, row)| ((*rule).to_owned(), *row, "rule"))
        .collect();
    bar_chart(&mut out, "chart-rule", &rule_rows);
    out.push_str("</section>\n");

    // Files ranked.
    out.push_str(
        "<section id=\"files\"><h2>Files by findings</h2>\n<table><thead><tr><th>File</th><th>Errors</th><th>Warnings</th><th>Infos</th><th>Total</th></tr></thead><tbody>\n",
    );
    for (file, row) in &files {
        let name = if file.is_empty() { "(no file)" } else { file };
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#\" data-filter=\"file\" data-value=\"{v}\">{n}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            row[0],
            row[1],
            row[2],
            total(row),
            v = escape(file),
            n = escape(name),
        );
    }
    out.push_str("</tbody></table></section>\n");

    // Filters.
    out.push_str("<section id=\"list\"><h2>Findings</h2>\n<form id=\"filters\">\n");
    select(
        &mut out,
        "rule",
        "Rule",
        rules.iter().map(|(r, row)| ((*r).to_owned(), total(row))),
    );
    select(
        &mut out,
        "severity",
        "Severity",
        SEVERITIES
            .iter()
            .map(|s| (s.as_str().to_owned(), counts[severity_index(*s)])),
    );
    let mut file_names: Vec<(String, usize)> = files
        .iter()
        .map(|(f, row)| (f.clone(), total(row)))
        .collect();
    file_names.sort();
    select(&mut out, "file", "File", file_names.into_iter());
    let _ = writeln!(
        out,
        "<button type=\"reset\" id=\"clear\">Show all</button>\n<span id=\"shown\">{} shown</span>\n</form>",
        plural(report.diagnostics.len(), "finding", "findings")
    );

    if report.diagnostics.is_empty() {
        out.push_str("<p id=\"empty\">No findings.</p>\n");
    }
    out.push_str("<ol id=\"findings\">\n");
    for d in &report.diagnostics {
        finding(&mut out, d, &file_of(d));
    }
    out.push_str("</ol></section>\n");
    let _ = writeln!(
        out,
        "<footer>plimsoll {}</footer>",
        env!("CARGO_PKG_VERSION")
    );
    out.push_str(SCRIPT);
    out.push_str("</body></html>\n");
    out
}

fn severity_index(severity: Severity) -> usize {
    match severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

fn total(row: &[usize; 3]) -> usize {
    row.iter().sum()
}

/// A horizontal bar chart in inline SVG: one bar per row, split by severity, each clickable
/// to filter the list.
fn bar_chart(out: &mut String, id: &str, rows: &[(String, [usize; 3], &str)]) {
    let max = rows.iter().map(|r| total(&r.1)).max().unwrap_or(0).max(1);
    let label_width = rows
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(8, 48)
        * 7
        + 10;
    let bar_width = 420;
    let row_height = 22;
    let width = label_width + bar_width + 60;
    let height = rows.len().max(1) * row_height + 4;
    let _ = writeln!(
        out,
        "<svg id=\"{id}\" class=\"chart\" role=\"img\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for (i, (label, row, filter)) in rows.iter().enumerate() {
        let y = i * row_height + 2;
        let _ = write!(
            out,
            "<g class=\"bar\" data-filter=\"{filter}\" data-value=\"{v}\"><title>{v}: {n}</title><text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{v}</text>",
            v = escape(label),
            n = total(row),
            lx = label_width - 8,
            ty = y + 15,
        );
        let mut x = label_width;
        for (s, count) in SEVERITIES.iter().zip(row) {
            if *count == 0 {
                continue;
            }
            let w = (count * bar_width).div_ceil(max).max(2);
            let _ = write!(
                out,
                "<rect class=\"{}\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{}\"/>",
                s.as_str(),
                row_height - 6
            );
            x += w;
        }
        let _ = writeln!(
            out,
            "<text class=\"count\" x=\"{}\" y=\"{}\">{}</text></g>",
            x + 6,
            y + 15,
            total(row)
        );
    }
    out.push_str("</svg>\n");
}

fn select(
    out: &mut String,
    name: &str,
    label: &str,
    options: impl Iterator<Item = (String, usize)>,
) {
    let _ = write!(
        out,
        "<label>{label} <select id=\"filter-{name}\" name=\"{name}\"><option value=\"\">all</option>"
    );
    for (value, n) in options {
        let shown = if value.is_empty() {
            "(no file)"
        } else {
            &value
        };
        let _ = write!(
            out,
            "<option value=\"{}\">{} ({n})</option>",
            escape(&value),
            escape(shown)
        );
    }
    out.push_str("</select></label>\n");
}

fn finding(out: &mut String, d: &Diagnostic, file: &str) {
    let severity = d.severity.as_str();
    let _ = write!(
        out,
        "<li class=\"finding {severity}\" data-rule=\"{}\" data-severity=\"{severity}\" data-file=\"{}\"><div class=\"head\">",
        escape(&d.rule),
        escape(file)
    );
    if let Some(location) = &d.location {
        let start = location.start();
        let _ = write!(
            out,
            "<span class=\"where\">{}:{}:{}</span> ",
            escape(file),
            start.line,
            start.column
        );
    }
    let known = plimsoll_rules::rule_info(&d.rule).is_some()
        || crate::commands::stage_rule(&d.rule).is_some();
    let rule = if known {
        format!(
            "<a class=\"rule\" href=\"{DOCS}/{}.md\">{}</a>",
            super::paths::percent_encode_path(&d.rule),
            escape(&d.rule)
        )
    } else {
        format!("<span class=\"rule\">{}</span>", escape(&d.rule))
    };
    let _ = write!(
        out,
        "<span class=\"severity\">{severity}</span> {rule}</div><p class=\"message\">{}</p>",
        escape(&d.message)
    );
    if let Some(object) = &d.object {
        let _ = write!(
            out,
            "<p class=\"object\">object: {} ({})</p>",
            escape(&object.display_name()),
            escape(&object.api_version)
        );
    }
    if let Some(location) = &d.location {
        snippet(out, location);
    }
    if let Some(help) = &d.help {
        let _ = write!(out, "<p class=\"help\">help: {}</p>", escape(help));
    }
    if let Some(note) = &d.note {
        let _ = write!(out, "<p class=\"note\">note: {}</p>", escape(note));
    }
    out.push_str("</li>\n");
}

/// The lines of the finding, one before and one after, with its span marked; secrets masked.
fn snippet(out: &mut String, location: &Location) {
    // A released text is read again (no snippet when its file changed).
    let Some(source) = &location.source.reread() else {
        return;
    };
    let text = source.text();
    let span = location.span.start as usize..(location.span.end as usize).min(text.len());
    let first = source.line_index(span.start);
    let last = source
        .line_index(span.end.saturating_sub(1).max(span.start))
        .min(first + 4);
    let from = first.saturating_sub(1);
    let to = (last + 1).min(source.line_count().saturating_sub(1));
    out.push_str("<pre class=\"snippet\">");
    for line in from..=to {
        let range = source.line_range(line);
        let _ = write!(out, "<span class=\"ln\">{:>4}</span> ", line + 1);
        let mark_start = span.start.clamp(range.start, range.end);
        let mark_end = span.end.clamp(range.start, range.end);
        let boundaries = [mark_start, mark_end]
            .iter()
            .all(|&i| text.is_char_boundary(i));
        if line >= first && line <= last && mark_start < mark_end && boundaries {
            out.push_str(&escape(&source.redacted(range.start..mark_start)));
            out.push_str("<mark>");
            out.push_str(&escape(&source.redacted(mark_start..mark_end)));
            out.push_str("</mark>");
            out.push_str(&escape(&source.redacted(mark_end..range.end)));
        } else {
            out.push_str(&escape(&source.redacted(range)));
        }
        out.push('\n');
    }
    out.push_str("</pre>");
}

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="plimsoll">
<title>plimsoll report</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 0 16px 32px; color: #1f2328; }
h1 { margin: 20px 0 4px; }
h2 { margin: 24px 0 8px; font-size: 18px; }
#summary { font-size: 15px; padding: 8px 12px; border-radius: 6px; }
#summary.fail { background: #ffebe9; }
#summary.pass { background: #dafbe1; }
.chart text { font: 12px system-ui, sans-serif; fill: #1f2328; }
.chart .bar { cursor: pointer; }
.chart .bar:hover text { text-decoration: underline; }
rect.error, .finding.error .severity { fill: #cf222e; background: #cf222e; }
rect.warning, .finding.warning .severity { fill: #bf8700; background: #bf8700; }
rect.info, .finding.info .severity { fill: #0969da; background: #0969da; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 2px 10px; border-bottom: 1px solid #d0d7de; }
td + td, th + th { text-align: right; }
#filters { position: sticky; top: 0; background: #fff; padding: 8px 0; border-bottom: 1px solid #d0d7de; display: flex; gap: 12px; flex-wrap: wrap; align-items: center; }
#findings { list-style: none; padding: 0; }
.finding { border: 1px solid #d0d7de; border-radius: 6px; margin: 10px 0; padding: 8px 12px; }
.finding .head { font-family: ui-monospace, monospace; }
.finding .severity { color: #fff; border-radius: 4px; padding: 0 6px; font-size: 12px; }
.finding p { margin: 4px 0; }
.message { font-weight: 600; }
.object, .note { color: #59636e; }
.snippet { background: #f6f8fa; padding: 6px 8px; overflow-x: auto; margin: 6px 0; }
.snippet .ln { color: #8c959f; user-select: none; }
mark { background: #fff8c5; text-decoration: underline wavy #cf222e; }
footer { color: #8c959f; margin-top: 24px; }
</style>
</head>
<body>
"#;

const SCRIPT: &str = r#"<script>
(function () {
  var form = document.getElementById('filters');
  var items = document.querySelectorAll('#findings > li');
  var shown = document.getElementById('shown');
  var names = ['rule', 'severity', 'file'];
  function apply() {
    var want = {};
    names.forEach(function (n) { want[n] = document.getElementById('filter-' + n).value; });
    var count = 0;
    items.forEach(function (li) {
      var ok = names.every(function (n) { return !want[n] || li.dataset[n] === want[n]; });
      li.hidden = !ok;
      if (ok) { count++; }
    });
    shown.textContent = count + (count === 1 ? ' finding' : ' findings') + ' shown';
    var hash = names.filter(function (n) { return want[n]; })
      .map(function (n) { return n + '=' + encodeURIComponent(want[n]); }).join('&');
    if (('#' + hash) !== location.hash && !(hash === '' && location.hash === '')) {
      history.replaceState(null, '', hash ? '#' + hash : location.pathname);
    }
  }
  function set(name, value) {
    var select = document.getElementById('filter-' + name);
    if (Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
      select.value = value;
    }
  }
  function fromHash() {
    names.forEach(function (n) { document.getElementById('filter-' + n).value = ''; });
    location.hash.replace(/^#/, '').split('&').forEach(function (pair) {
      var i = pair.indexOf('=');
      if (i > 0 && names.indexOf(pair.slice(0, i)) >= 0) {
        set(pair.slice(0, i), decodeURIComponent(pair.slice(i + 1)));
      }
    });
    apply();
  }
  form.addEventListener('change', apply);
  form.addEventListener('reset', function () { setTimeout(apply, 0); });
  document.querySelectorAll('[data-filter]').forEach(function (el) {
    el.addEventListener('click', function (event) {
      event.preventDefault();
      set(el.getAttribute('data-filter'), el.getAttribute('data-value'));
      apply();
      document.getElementById('list').scrollIntoView();
    });
  });
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();
</script>
"#;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
