//! Engine types to LSP types: paths and URIs, byte spans and UTF-16 ranges, findings and
//! diagnostics.

use std::path::{Path, PathBuf};

use lsp_types as lsp;
use plimsoll_core::{Diagnostic, Severity, Source, Span};

/// Where rule pages live; `code_description` links there.
pub const RULE_PAGES: &str = "https://github.com/plimsoll-dev/plimsoll/blob/main/docs/rules";

pub fn path_of(uri: &lsp::Url) -> Option<PathBuf> {
    uri.to_file_path().ok()
}

pub fn uri_of(path: &Path) -> Option<lsp::Url> {
    lsp::Url::from_file_path(path).ok()
}

pub fn position(source: &Source, offset: usize) -> lsp::Position {
    let (line, character) = source.line_utf16(offset);
    lsp::Position { line, character }
}

pub fn range(source: &Source, span: Span) -> lsp::Range {
    lsp::Range {
        start: position(source, span.start as usize),
        end: position(source, span.end as usize),
    }
}

pub fn offset(source: &Source, position: lsp::Position) -> usize {
    source.offset_of_utf16(position.line, position.character)
}

pub fn severity(severity: Severity) -> lsp::DiagnosticSeverity {
    match severity {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
    }
}

/// The page that documents a rule, for built-in ids (policies document their own).
pub fn rule_page(rule: &str) -> Option<lsp::Url> {
    let known = plimsoll_rules::rule_info(rule).is_some() || plimsoll_engine::is_builtin_id(rule);
    if !known {
        return None;
    }
    lsp::Url::parse(&format!("{RULE_PAGES}/{rule}.md")).ok()
}

/// A finding as an LSP diagnostic: the same id, severity, message and position as the
/// command line; the help on a second line; related places; tags for deprecated API
/// versions and unused suppressions.
pub fn diagnostic(d: &Diagnostic) -> Option<lsp::Diagnostic> {
    let location = d.location.as_ref()?;
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            let l = r.location.as_ref()?;
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location {
                    uri: uri_of(Path::new(l.source.name()))?,
                    range: range(&l.source, l.span),
                },
                message: r.message.clone(),
            })
        })
        .collect();
    let tags = match d.rule.as_ref() {
        "deprecated-api-version" | "removed-api-version" => {
            Some(vec![lsp::DiagnosticTag::DEPRECATED])
        }
        "unused-suppression" => Some(vec![lsp::DiagnosticTag::UNNECESSARY]),
        _ => None,
    };
    Some(lsp::Diagnostic {
        range: range(&location.source, location.span),
        severity: Some(severity(d.severity)),
        code: Some(lsp::NumberOrString::String(d.rule.to_string())),
        code_description: rule_page(&d.rule).map(|href| lsp::CodeDescription { href }),
        source: Some("plimsoll".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags,
        data: d
            .pointer
            .as_ref()
            .map(|p| serde_json::json!({ "pointer": p })),
    })
}
