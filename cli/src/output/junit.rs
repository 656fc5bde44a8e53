//! JUnit XML, the test-report format CI systems display: one `<testsuite>` per file, one
//! `<testcase>` per object (`namespace/Kind/name`), and a `<failure>` listing the object's
//! findings at or above `--fail-on`. Objects without such findings pass; findings below the
//! threshold go to the test case's `<system-out>`, as they do not fail the gate either.
//! Findings about a file rather than an object (a file that does not parse) belong to a
//! test case named after the file.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use plimsoll_core::Diagnostic;
use plimsoll_engine::Report;

use super::RenderContext as Context;

/// The test suite for findings that are not in any file.
const NO_FILE: &str = "(no file)";

struct Case<'a> {
    name: String,
    findings: Vec<&'a Diagnostic>,
}

struct Suite<'a> {
    name: String,
    cases: Vec<Case<'a>>,
}

impl<'a> Suite<'a> {
    fn case(&mut self, name: String) -> &mut Case<'a> {
        let position = match self.cases.iter().position(|c| c.name == name) {
            Some(position) => position,
            None => {
                self.cases.push(Case {
                    name,
                    findings: Vec::new(),
                });
                self.cases.len() - 1
            }
        };
        &mut self.cases[position]
    }
}

pub fn render(report: &Report, context: &Context) -> String {
    let suites = suites(report);
    let failing = |case: &Case| case.findings.iter().any(|d| d.severity >= context.fail_on);
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    let failures: usize = suites
        .iter()
        .map(|s| s.cases.iter().filter(|c| failing(c)).count())
        .sum();

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"plimsoll\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{:.3}\">",
        report.elapsed.as_secs_f64()
    );
    for suite in &suites {
        let suite_failures = suite.cases.iter().filter(|c| failing(c)).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{suite_failures}\" errors=\"0\" skipped=\"0\">",
            escape(&suite.name),
            suite.cases.len()
        );
        for case in &suite.cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\"",
                escape(&case.name),
                escape(&suite.name)
            );
            let (above, below): (Vec<&Diagnostic>, Vec<&Diagnostic>) = case
                .findings
                .iter()
                .partition(|d| d.severity >= context.fail_on);
            if above.is_empty() && below.is_empty() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            if let Some(first) = above.first() {
                let message = if above.len() == 1 {
                    first.message.clone()
                } else {
                    format!("{} findings; first: {}", above.len(), first.message)
                };
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                    escape(&message),
                    escape(&first.rule),
                    escape(&finding_lines(&above))
                );
            }
            if !below.is_empty() {
                let _ = writeln!(
                    out,
                    "      <system-out>{}</system-out>",
                    escape(&finding_lines(&below))
                );
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// `file:line:col: severity[rule]: message`, one finding a line, with help and note.
fn finding_lines(findings: &[&Diagnostic]) -> String {
    let mut text = String::new();
    for d in findings {
        match &d.location {
            Some(location) => {
                let start = location.start();
                let _ = write!(
                    text,
                    "{}:{}:{}: ",
                    location.file(),
                    start.line,
                    start.column
                );
            }
            None => {
                if let Some(pointer) = &d.pointer {
                    let _ = write!(text, "{pointer}: ");
                }
            }
        }
        let _ = writeln!(text, "{}[{}]: {}", d.severity, d.rule, d.message);
        if let Some(help) = &d.help {
            let _ = writeln!(text, "  help: {help}");
        }
        if let Some(note) = &d.note {
            let _ = writeln!(text, "  note: {note}");
        }
    }
    text
}

/// Files in report order, each with its objects in document order, then the findings.
fn suites(report: &Report) -> Vec<Suite<'_>> {
    let mut suites: Vec<Suite> = Vec::new();
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    for (i, source) in report.sources.iter().enumerate() {
        by_name.insert(source.name().to_owned(), suites.len());
        let cases = report
            .checked
            .get(i)
            .into_iter()
            .flatten()
            .map(|object| Case {
                name: object.display_name(),
                findings: Vec::new(),
            })
            .collect();
        suites.push(Suite {
            name: source.name().to_owned(),
            cases,
        });
    }
    for d in &report.diagnostics {
        let file = d.location.as_ref().map_or(NO_FILE, |l| l.file());
        let index = *by_name.entry(file.to_owned()).or_insert_with(|| {
            suites.push(Suite {
                name: file.to_owned(),
                cases: Vec::new(),
            });
            suites.len() - 1
        });
        let case = match &d.object {
            Some(object) => object.display_name(),
            None => file.to_owned(),
        };
        suites[index].case(case).findings.push(d);
    }
    suites
}

/// Escapes text for XML attributes and content; characters XML 1.0 cannot carry at all
/// (most C0 controls) become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Kept as references so that attribute values keep their line breaks and tabs.
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {
                out.push('\u{FFFD}');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            escape("a<b> & \"c\" 'd'\n\u{1}"),
            "a&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;&#10;\u{FFFD}"
        );
    }
}
