//! Human output: each finding with its source snippet and underlined span (rendered by
//! miette), then a one-line summary.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, NamedSource, SourceCode, SourceSpan, SpanContents,
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

/// The text miette reads snippets from: the source (or a copy of it with secrets masked,
/// byte for byte), read through the source's line index so that a snippet costs the size of
/// its lines, not of the file, and cut to a window around the finding on very long lines.
#[derive(Clone)]
struct SnippetText {
    source: Arc<Source>,
    masked: Option<Arc<str>>,
}

/// Lines longer than this (minified JSON, long scalars) are shown as a window around the finding.
const LONG_LINE: usize = 400;
/// Bytes shown before the finding's start in a window, and at most of the finding itself.
const WINDOW_BEFORE: usize = 60;
const WINDOW_SPAN: usize = 120;

impl SnippetText {
    /// A released source's text is read again here (without a snippet when the file changed).
    fn new(source: &Arc<Source>) -> SnippetText {
        let source = &source.reread().unwrap_or_else(|| source.clone());
        let masked = (!source.redactions().is_empty()).then(|| Arc::from(source.masked()));
        SnippetText {
            source: source.clone(),
            masked,
        }
    }

    fn text(&self) -> &str {
        self.masked.as_deref().unwrap_or(self.source.text())
    }

    /// For a finding on a long line: the byte range of the line shown (a window around the
    /// finding), which also bounds the underline.
    fn window(&self, start: usize, end: usize) -> Option<std::ops::Range<usize>> {
        let text = self.text();
        let line = self.source.line_range(self.source.line_index(start));
        if line.len() <= LONG_LINE {
            return None;
        }
        let from = floor_boundary(text, start.saturating_sub(WINDOW_BEFORE).max(line.start));
        let span_end = end.clamp(start, start + WINDOW_SPAN).min(line.end);
        let to = floor_boundary(text, (span_end + WINDOW_BEFORE).min(line.end));
        Some(from..to.max(from))
    }

    /// The label of a finding, cut to what its snippet shows.
    fn label(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        match self.window(start, end) {
            Some(window) => start..floor_boundary(self.text(), end.min(window.end)).max(start),
            None => start..end,
        }
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl SourceCode for SnippetText {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.text();
        let source = &self.source;
        let start = span.offset();
        let end = start + span.len();
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first = source.line_index(start);
        let last = source.line_index(end.saturating_sub(1).max(start));
        let (from, to, first_line, lines) = if let Some(window) = self.window(start, end) {
            (window.start, window.end, first, 1)
        } else {
            let top = first.saturating_sub(context_lines_before);
            let bottom = (last + context_lines_after).min(source.line_count().saturating_sub(1));
            let from = if context_lines_before == 0 {
                start
            } else {
                source.line_start(top)
            };
            let to = if context_lines_after == 0 {
                end
            } else {
                source.line_start(bottom + 1)
            };
            (from, to, top, bottom + 1 - top)
        };
        // Columns are counted in characters, as in every other output.
        let column = if from == source.line_start(first_line) {
            0
        } else {
            source.line_col(from).column as usize - 1
        };
        // A span may end inside a character (a replacement character in a file that is not
        // UTF-8): widen to whole characters.
        let from = floor_boundary(text, from);
        let mut to = to.max(from);
        while to < text.len() && !text.is_char_boundary(to) {
            to += 1;
        }
        let data = text.get(from..to).ok_or(MietteError::OutOfBounds)?;
        Ok(Box::new(MietteSpanContents::new(
            data.as_bytes(),
            SourceSpan::from(from..to),
            first_line,
            column,
            lines,
        )))
    }
}

pub fn render(report: &Report, options: &Options) -> String {
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let wrapping = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_width(WIDTH);
    let handlers = Handlers {
        plain: wrapping.clone().with_wrap_lines(false),
        wrapping,
    };
    // Snippet texts are prepared once per file; findings are then rendered in parallel (a
    // large run has tens of thousands) and joined in their order.
    let mut texts: HashMap<usize, SnippetText> = HashMap::new();
    for location in report.diagnostics.iter().flat_map(|d| {
        d.location
            .iter()
            .chain(d.related.iter().filter_map(|r| r.location.as_ref()))
    }) {
        texts
            .entry(Arc::as_ptr(&location.source) as usize)
            .or_insert_with(|| SnippetText::new(&location.source));
    }
    let rendered: Vec<String> = report
        .diagnostics
        .par_iter()
        // One cache of wrapped lines per rendering task: findings of one rule repeat their lines.
        .map_init(Wrapped::default, |wrapped, diagnostic| {
            let mut one = String::new();
            render_one(&handlers, wrapped, diagnostic, &texts, &mut one);
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

/// The terminal width findings are laid out in.
const WIDTH: usize = 100;

/// The same handler with and without line wrapping. Wrapping (Unicode line breaking of every
/// message and help line) was most of the rendering's cost: texts are wrapped here instead,
/// exactly as miette would (same width, indents and options), a line that fits without
/// calling the wrapper, the others once per distinct line, and the plain handler adds the
/// indents. Texts with blank lines, which miette indents differently unwrapped, go to the
/// wrapping handler.
struct Handlers {
    wrapping: GraphicalReportHandler,
    plain: GraphicalReportHandler,
}

/// Display widths of miette's indents: `  × ` and `  │ ` before the message, `  help: ` and
/// eight spaces before help lines.
const MESSAGE_INDENT: usize = 4;
const HELP_INDENT: usize = 8;

/// Lines already wrapped, by text and indent (one cache per rendering task).
#[derive(Default)]
struct Wrapped(HashMap<(String, usize), Vec<String>>);

impl Wrapped {
    /// `text` wrapped for an indent of `indent` columns, without the indents; `None` when a
    /// line is blank.
    fn text(&mut self, text: &str, indent: usize) -> Option<String> {
        let mut out = String::with_capacity(text.len() + 8);
        for (i, line) in text.split('\n').enumerate() {
            if line.trim().is_empty() {
                return None;
            }
            if i > 0 {
                out.push('\n');
            }
            let fits = line.len() + indent < WIDTH - 2
                && line.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
                && !line.starts_with(' ')
                && !line.ends_with(' ');
            if fits {
                out.push_str(line);
                continue;
            }
            let lines = self
                .0
                .entry((line.to_owned(), indent))
                .or_insert_with(|| wrap_line(line, indent));
            out.push_str(&lines.join("\n"));
        }
        Some(out)
    }
}

/// One line as miette's wrapping lays it out (`textwrap::fill` with its width and indents),
/// without the indents.
fn wrap_line(line: &str, indent: usize) -> Vec<String> {
    let spaces = " ".repeat(indent);
    let options = textwrap::Options::new(WIDTH - 2)
        .initial_indent(&spaces)
        .subsequent_indent(&spaces)
        .break_words(true);
    textwrap::wrap(line, options)
        .into_iter()
        .map(|l| l.strip_prefix(spaces.as_str()).unwrap_or(&l).to_owned())
        .collect()
}

fn render_one(
    handlers: &Handlers,
    wrapped: &mut Wrapped,
    diagnostic: &Diagnostic,
    texts: &HashMap<usize, SnippetText>,
    out: &mut String,
) {
    let severity = match diagnostic.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    };
    let mut help = Vec::new();
    if let Some(h) = &diagnostic.help {
        help.push(h.to_string());
    }
    if let Some(note) = &diagnostic.note {
        help.push(format!("note: {note}"));
    }
    // Related places in files: named here, except the values key that set a value, shown
    // as a snippet under the finding's (with secrets masked) when its text was read.
    for related in &diagnostic.related {
        if let Some(l) = &related.location
            && !values_snippet(related)
        {
            let at = l.start();
            help.push(format!(
                "{}: {}:{}:{}",
                related.message,
                l.file(),
                at.line,
                at.column
            ));
        }
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
    let help = (!help.is_empty()).then(|| help.join("\n"));
    let message = match &diagnostic.location {
        // Nothing to show (the file was not read): name the file in the message.
        Some(location) if !has_text(texts, location) => format!(
            "{}: {}: {}",
            diagnostic.rule,
            location.file(),
            diagnostic.message
        ),
        _ => format!("{}: {}", diagnostic.rule, diagnostic.message),
    };
    let wrapped_help = match &help {
        Some(help) => wrapped.text(help, HELP_INDENT).map(Some),
        None => Some(None),
    };
    let (handler, message, help) = match (wrapped.text(&message, MESSAGE_INDENT), wrapped_help) {
        (Some(message), Some(help)) => (&handlers.plain, message, help),
        _ => (&handlers.wrapping, message, help),
    };
    let mut d = MietteDiagnostic::new(message).with_severity(severity);
    d.help = help;
    let named = match &diagnostic.location {
        Some(location) if has_text(texts, location) => {
            let span = location.span;
            let source = &location.source;
            let text = texts
                .get(&(Arc::as_ptr(source) as usize))
                .cloned()
                .unwrap_or_else(|| SnippetText::new(source));
            d = d.with_label(LabeledSpan::new_with_span(
                None,
                text.label(span.start as usize, span.end as usize),
            ));
            Some(NamedSource::new(source.name(), text).with_language("yaml"))
        }
        _ => None,
    };
    let report = WithSource {
        diagnostic: &d,
        source: named.as_ref(),
    };
    if handler.render_report(out, &report).is_err() {
        let _ = writeln!(out, "{}: {}", diagnostic.rule, diagnostic.message);
    }
    for related in &diagnostic.related {
        if let Some(l) = &related.location
            && values_snippet(related)
        {
            render_related(&handlers.wrapping, &related.message, l, texts, out);
        }
    }
    out.push('\n');
}

/// Whether a snippet can be shown at `location`: its file's text was read (again).
fn has_text(texts: &HashMap<usize, SnippetText>, location: &plimsoll_core::Location) -> bool {
    match texts.get(&(Arc::as_ptr(&location.source) as usize)) {
        Some(text) => !text.text().is_empty(),
        None => !location.source.text().is_empty(),
    }
}

/// A diagnostic with the text its snippet is read from. miette's `Report` would do, but
/// building one asks miette's global hook for a handler (environment, terminal) per finding;
/// the handlers here are built once.
struct WithSource<'a> {
    diagnostic: &'a MietteDiagnostic,
    source: Option<&'a NamedSource<SnippetText>>,
}

impl std::fmt::Debug for WithSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl std::fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.diagnostic, f)
    }
}

impl std::error::Error for WithSource<'_> {}

impl miette::Diagnostic for WithSource<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        self.diagnostic.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic.help()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.diagnostic.labels()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.map(|s| s as &dyn SourceCode)
    }
}

fn values_snippet(related: &plimsoll_core::Related) -> bool {
    plimsoll_engine::helm::is_values_key(related)
        && related
            .location
            .as_ref()
            .is_some_and(|l| !l.source.text().is_empty())
}

/// The snippet of a related place (the values key that set a value), under the finding's,
/// through the same masked text as any other snippet.
fn render_related(
    handler: &GraphicalReportHandler,
    message: &str,
    location: &plimsoll_core::Location,
    texts: &HashMap<usize, SnippetText>,
    out: &mut String,
) {
    let source = &location.source;
    let text = texts
        .get(&(Arc::as_ptr(source) as usize))
        .cloned()
        .unwrap_or_else(|| SnippetText::new(source));
    let span = location.span;
    let d = MietteDiagnostic::new(message.to_owned())
        .with_severity(miette::Severity::Advice)
        .with_label(LabeledSpan::new_with_span(
            None,
            text.label(span.start as usize, span.end as usize),
        ));
    let source = NamedSource::new(source.name(), text).with_language("yaml");
    let report = WithSource {
        diagnostic: &d,
        source: Some(&source),
    };
    if handler.render_report(out, &report).is_err() {
        let _ = writeln!(out, "{message}: {}", location.file());
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
