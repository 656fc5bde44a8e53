//! SARIF 2.1.0: one run, the rules that fired, and one result per finding.
//!
//! Files are named relative to the repository root under the `SRCROOT` base id, which is
//! what code scanning services resolve against the checkout. Columns count Unicode code
//! points (`columnKind`), like every other plimsoll output. `partialFingerprints` carry the
//! baseline fingerprint, so that a finding keeps its identity when unrelated lines move.

use std::collections::BTreeMap;

use plimsoll_core::{Diagnostic, Severity};
use plimsoll_engine::Report;
use plimsoll_engine::baseline::fingerprint;
use serde_json::{Map, Value, json};

use super::RenderContext as Context;
use super::paths::{FileRef, file_uri, percent_encode_path};

pub const SRCROOT: &str = "SRCROOT";
/// The key under which results carry [`fingerprint`]s; the suffix is its version.
pub const FINGERPRINT_KEY: &str = "plimsollFinding/v1";
const DOCS: &str = "https://github.com/plimsoll-dev/plimsoll/blob/main/docs/rules";

/// What SARIF says about one rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDescriptor {
    pub id: String,
    /// An identifier-like name (`YamlDuplicateKey`), as SARIF consumers expect.
    pub name: String,
    pub short_description: String,
    pub full_description: String,
    pub help_uri: String,
    pub default_level: &'static str,
}

/// The rules that appear in the report, sorted by id.
///
/// FIXME: take descriptions and default severities from the rule registry once it exists;
/// until then they are derived from the id and the most severe finding of each rule.
pub fn rule_descriptors(report: &Report) -> Vec<RuleDescriptor> {
    let mut worst: BTreeMap<&str, Severity> = BTreeMap::new();
    for d in &report.diagnostics {
        let entry = worst.entry(&d.rule).or_insert(d.severity);
        *entry = (*entry).max(d.severity);
    }
    worst
        .into_iter()
        .map(|(id, severity)| {
            let words = id.replace(['-', '_', '.'], " ");
            let mut short = String::new();
            let mut chars = words.chars();
            if let Some(first) = chars.next() {
                short.extend(first.to_uppercase());
                short.push_str(chars.as_str());
            }
            RuleDescriptor {
                id: id.to_owned(),
                name: pascal_case(id),
                full_description: format!("{short}: see the rule's documentation."),
                short_description: short,
                help_uri: format!("{DOCS}/{}.md", percent_encode_path(id)),
                default_level: level(severity),
            }
        })
        .collect()
}

fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let mut word = String::new();
            if let Some(first) = chars.next() {
                word.extend(first.to_uppercase());
                word.push_str(chars.as_str());
            }
            word
        })
        .collect()
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn render(report: &Report, context: &Context) -> String {
    let rules = rule_descriptors(report);
    let index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let rules_json: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": { "text": r.short_description },
                "fullDescription": { "text": r.full_description },
                "helpUri": r.help_uri,
                "help": { "text": format!("Documentation: {}", r.help_uri) },
                "defaultConfiguration": { "level": r.default_level },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| result(d, index.get(d.rule.as_ref()).copied(), context))
        .collect();
    let value = json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "plimsoll",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/plimsoll-dev/plimsoll",
                    "rules": rules_json,
                }
            },
            "originalUriBaseIds": {
                SRCROOT: { "uri": file_uri(&context.paths.root, true) }
            },
            "columnKind": "unicodeCodePoints",
            "invocations": [{ "executionSuccessful": true }],
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

fn result(d: &Diagnostic, rule_index: Option<usize>, context: &Context) -> Value {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut location = Map::new();
    if let Some(loc) = &d.location {
        let artifact = match context.paths.file(loc.file()) {
            Some(FileRef::Relative(path)) => {
                Some(json!({ "uri": percent_encode_path(&path), "uriBaseId": SRCROOT }))
            }
            Some(FileRef::Absolute(path)) => Some(json!({ "uri": file_uri(&path, false) })),
            // Standard input has no file to point at; the logical location remains.
            None => None,
        };
        if let Some(artifact) = artifact {
            let start = loc.start();
            let end = loc.end();
            location.insert(
                "physicalLocation".into(),
                json!({
                    "artifactLocation": artifact,
                    "region": {
                        "startLine": start.line,
                        "startColumn": start.column,
                        "endLine": end.line,
                        "endColumn": end.column,
                        "byteOffset": loc.span.start,
                        "byteLength": loc.span.end.saturating_sub(loc.span.start),
                    },
                }),
            );
        }
    }
    if let Some(object) = &d.object {
        let mut logical = json!({
            "fullyQualifiedName": object.display_name(),
            "kind": "resource",
        });
        if let Some(name) = &object.name {
            logical["name"] = json!(name);
        }
        location.insert("logicalLocations".into(), json!([logical]));
    }

    let mut properties = Map::new();
    if let Some(pointer) = &d.pointer {
        properties.insert("pointer".into(), json!(pointer));
    }
    if let Some(object) = &d.object {
        properties.insert(
            "object".into(),
            json!({
                "apiVersion": object.api_version,
                "kind": object.kind,
                "namespace": object.namespace,
                "name": object.name,
            }),
        );
    }
    if let Some(note) = &d.note {
        properties.insert("note".into(), json!(note));
    }
    if let Some(template) = d.location.as_ref().and_then(|l| l.template.as_deref()) {
        properties.insert("template".into(), json!(template));
    }

    let mut out = Map::new();
    out.insert("ruleId".into(), json!(d.rule));
    if let Some(i) = rule_index {
        out.insert("ruleIndex".into(), json!(i));
    }
    out.insert("level".into(), json!(level(d.severity)));
    out.insert("message".into(), json!({ "text": text }));
    if !location.is_empty() {
        out.insert("locations".into(), json!([Value::Object(location)]));
    }
    out.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: fingerprint(d) }),
    );
    if !properties.is_empty() {
        out.insert("properties".into(), Value::Object(properties));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_pascal_case() {
        assert_eq!(pascal_case("yaml-duplicate-key"), "YamlDuplicateKey");
        assert_eq!(pascal_case("main.deny"), "MainDeny");
    }
}
