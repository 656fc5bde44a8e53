//! GitHub Actions workflow commands: one `::error`, `::warning` or `::notice` line per
//! finding, which the runner turns into an annotation on the file and line.
//!
//! The runner splits a command at `::` and its properties at `,` and `=`, so property values
//! escape `%`, CR, LF, `:` and `,`, and the message escapes `%`, CR and LF.

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
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut properties = Vec::new();
    if let Some(location) = &d.location {
        let start = location.start();
        let end = location.end();
        properties.push(("file", context.paths.display(location.file())));
        properties.push(("line", start.line.to_string()));
        properties.push(("col", start.column.to_string()));
        properties.push(("endLine", end.line.to_string()));
        properties.push(("endColumn", end.column.to_string()));
    }
    properties.push(("title", format!("plimsoll {}", d.rule)));
    let properties: Vec<String> = properties
        .into_iter()
        .map(|(key, value)| format!("{key}={}", escape_property(&value)))
        .collect();

    let mut message = d.message.clone();
    if let Some(object) = &d.object {
        let _ = write!(message, " ({})", object.display_name());
    }
    if let Some(help) = &d.help {
        let _ = write!(message, "\nhelp: {help}");
    }
    let _ = writeln!(
        out,
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&message)
    );
}

/// Escapes a command's message.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value: as a message, plus the `:` and `,` that delimit properties.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::output::paths::RepoPaths;
    use plimsoll_core::{ObjectRef, Source, Span};

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(
            escape_data("50% of a\r\nb: c, d"),
            "50%25 of a%0D%0Ab: c, d"
        );
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn severities_map_to_commands_and_positions_are_one_based() {
        let source = Source::new("<stdin>", "kind: Pod\nmetadata:\n  name: web\n");
        let object = ObjectRef {
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: None,
            name: Some("web".into()),
        };
        let report = Report {
            diagnostics: vec![
                Diagnostic::new("r-one", Severity::Error, "bad: 100%")
                    .at(&source, Span::new(28, 31))
                    .with_object(object.clone())
                    .with_help("fix it,\nnow"),
                Diagnostic::new("r-two", Severity::Warning, "meh").at(&source, Span::new(0, 4)),
                Diagnostic::new("r:three", Severity::Info, "fyi"),
            ],
            ..Report::default()
        };
        let paths = RepoPaths::current_folder().unwrap();
        let context = Context {
            fail_on: Severity::Error,
            paths: &paths,
            baseline: None,
        };
        let text = render(&report, &context);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "::error file=<stdin>,line=3,col=9,endLine=3,endColumn=12,title=plimsoll r-one::bad: 100%25 (Pod/web)%0Ahelp: fix it,%0Anow",
                "::warning file=<stdin>,line=1,col=1,endLine=1,endColumn=5,title=plimsoll r-two::meh",
                "::notice title=plimsoll r%3Athree::fyi",
            ]
        );
    }
}
