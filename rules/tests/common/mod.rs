//! Helpers shared by the integration tests: loading fixture text and rendering findings
//! the way a user reads them.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use plimsoll_core::{Diagnostic, Discovery, LoadOptions, Object, load_text};
use plimsoll_rules::{RuleSet, RuleSettings, RulesConfig};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Loads YAML text; panics on load diagnostics of severity error so that a broken fixture
/// is noticed rather than silently checked as nothing.
pub fn load(name: &str, text: &str) -> Vec<Object> {
    let file = load_text(
        name,
        text.to_owned(),
        Discovery::Explicit,
        &LoadOptions::default(),
    );
    let errors: Vec<_> = file
        .diagnostics
        .iter()
        .filter(|d| d.severity == plimsoll_core::Severity::Error)
        .map(|d| format!("{}: {}", d.rule, d.message))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} does not load cleanly: {errors:?}"
    );
    file.objects
}

/// A rule set that runs exactly `id`, with these options.
pub fn only(id: &str, options: Option<serde_json::Value>) -> RuleSet {
    let mut config = RulesConfig {
        only: vec![id.to_owned()],
        ..RulesConfig::default()
    };
    if let Some(options) = options {
        config.rules.insert(
            id.to_owned(),
            RuleSettings {
                options: Some(options),
                ..RuleSettings::default()
            },
        );
    }
    RuleSet::new(&config).unwrap()
}

/// `file:line:col: severity[rule] message`, the source line (secrets redacted), carets under
/// the span, then help and note.
pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let Some(location) = &d.location else {
            out.push_str(&format!("{}[{}] {}\n", d.severity, d.rule, d.message));
            continue;
        };
        let source = &location.source;
        let start = location.start();
        let end = location.end();
        out.push_str(&format!(
            "{}:{}:{}: {}[{}] {}\n",
            location.file(),
            start.line,
            start.column,
            d.severity,
            d.rule,
            d.message
        ));
        let line_index = start.line as usize - 1;
        let text = source.redacted(source.line_range(line_index));
        let gutter = format!("{:>4}", start.line);
        out.push_str(&format!("{gutter} | {text}\n"));
        let width = if end.line == start.line {
            (end.column.saturating_sub(start.column)).max(1) as usize
        } else {
            (text.chars().count() + 1)
                .saturating_sub(start.column as usize)
                .max(1)
        };
        out.push_str(&format!(
            "     | {}{}\n",
            " ".repeat(start.column as usize - 1),
            "^".repeat(width)
        ));
        if let Some(pointer) = &d.pointer {
            out.push_str(&format!("     = pointer: {pointer}\n"));
        }
        if let Some(help) = &d.help {
            out.push_str(&format!("     = help: {help}\n"));
        }
        if let Some(note) = &d.note {
            out.push_str(&format!("     = note: {note}\n"));
        }
    }
    out
}
