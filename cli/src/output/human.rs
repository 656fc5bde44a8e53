//! Human output: each finding with its source snippet and underlined span (rendered by
//! miette), then a one-line summary.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    NamedSource, SourceCode, SourceSpan, SpanContents,
};
use plimsoll_core::{Diagnostic, Severity, Source};
use plimsoll_engine::Report;
use plimsoll_engine::baseline::Applied;
use rayon::prelude::*;

pub struct Options {
    pub color: bool,
    pub summary: bool,
    /// Set when a baseline was applied: the summary says what it left out.
    pub baseline: Option<Applied>,
}

/// The text miette reads snippets from: the source itself, or a copy with secrets masked.
#[derive(Clone)]
enum SnippetText {
    Plain(Arc<Source>),
    Redacted(Arc<str>),
}

impl SourceCode for SnippetText {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        match self {
            SnippetText::Plain(source) => {
                source
                    .text()
                    .read_span(span, context_lines_before, context_lines_after)
            }
            SnippetText::Redacted(text) => {
                text.read_span(span, context_lines_before, context_lines_after)
            }
        }
    }
}

pub fn render(report: &Report, options: &Options) -> String {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_width(100);
    // Snippet texts are prepared once per file; findings are then rendered in parallel (a
    // large run has tens of thousands) and joined in their order.
    let mut texts: HashMap<usize, SnippetText> = HashMap::new();
    for location in report
        .diagnostics
        .iter()
        .filter_map(|d| d.location.as_ref())
    {
        texts
            .entry(Arc::as_ptr(&location.source) as usize)
            .or_insert_with(|| snippet_text(&location.source));
    }
    let rendered: Vec<String> = report
        .diagnostics
        .par_iter()
        .map(|diagnostic| {
            let mut one = String::new();
            render_one(&handler, diagnostic, &texts, &mut one);
            one
        })
        .collect();
    let mut out = String::with_capacity(rendered.iter().map(String::len).sum::<usize>() + 256);
    for one in rendered {
        out.push_str(&one);
    }
    if options.summary {
        let _ = writeln!(out, "{}", summary(report, options.baseline.as_ref()));
    }
    out
}

fn render_one(
    handler: &GraphicalReportHandler,
    diagnostic: &Diagnostic,
    texts: &HashMap<usize, SnippetText>,
    out: &mut String,
) {
    let mut d = MietteDiagnostic::new(format!("{}: {}", diagnostic.rule, diagnostic.message))
        .with_severity(match diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        });
    let mut help = Vec::new();
    if let Some(h) = &diagnostic.help {
        help.push(h.clone());
    }
    if let Some(note) = &diagnostic.note {
        help.push(format!("note: {note}"));
    }
    if let Some(object) = &diagnostic.object {
        help.push(format!(
            "object: {} ({})",
            object.display_name(),
            object.api_version
        ));
    }
    if let Some(template) = diagnostic
        .location
        .as_ref()
        .and_then(|l| l.template.as_deref())
    {
        help.push(format!("template: {template}"));
    }
    if !help.is_empty() {
        d = d.with_help(help.join("\n"));
    }
    let report = match &diagnostic.location {
        Some(location) if !location.source.text().is_empty() => {
            let span = location.span;
            d = d.with_label(LabeledSpan::new_with_span(
                None,
                span.start as usize..span.end as usize,
            ));
            let source = &location.source;
            let text = texts
                .get(&(Arc::as_ptr(source) as usize))
                .cloned()
                .unwrap_or_else(|| snippet_text(source));
            miette::Report::new(d)
                .with_source_code(NamedSource::new(source.name(), text).with_language("yaml"))
        }
        Some(location) => {
            // Nothing to show (the file was not read): name the file in the message.
            let message = format!(
                "{}: {}: {}",
                diagnostic.rule,
                location.file(),
                diagnostic.message
            );
            let mut plain = MietteDiagnostic::new(message);
            plain.severity = d.severity;
            plain.help = d.help.clone();
            miette::Report::new(plain)
        }
        None => miette::Report::new(d),
    };
    if handler.render_report(out, report.as_ref()).is_err() {
        let _ = writeln!(out, "{}: {}", diagnostic.rule, diagnostic.message);
    }
    out.push('\n');
}

fn snippet_text(source: &Arc<Source>) -> SnippetText {
    if source.redactions().is_empty() {
        SnippetText::Plain(source.clone())
    } else {
        SnippetText::Redacted(Arc::from(source.redacted(0..source.text().len())))
    }
}

/// `N files, M objects, E errors, W warnings in T ms`, and with a baseline
/// `(B baselined, G baseline entries gone)`.
pub fn summary(report: &Report, baseline: Option<&Applied>) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = vec![
        plural(report.files(), "file", "files"),
        plural(report.objects, "object", "objects"),
        plural(report.count(Severity::Error), "error", "errors"),
        plural(report.count(Severity::Warning), "warning", "warnings"),
    ];
    let infos = report.count(Severity::Info);
    if infos > 0 {
        parts.push(plural(infos, "info", "infos"));
    }
    let mut line = format!("{} in {} ms", parts.join(", "), report.elapsed.as_millis());
    if let Some(applied) = baseline {
        let _ = write!(
            line,
            " ({} baselined, {})",
            applied.baselined,
            plural(applied.gone, "baseline entry gone", "baseline entries gone")
        );
    }
    line
}
