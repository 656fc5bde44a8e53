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
#[derive(Clone, Debug, PartialEq)]
pub struct RuleDescriptor {
    pub id: String,
    /// An identifier-like name (`YamlDuplicateKey`), as SARIF consumers expect.
    pub name: String,
    /// The rule's title (the first line of its documentation).
    pub short_description: String,
    /// Its summary (the first paragraph of `What it does`).
    pub full_description: String,
    /// Its `plimsoll explain` page, in Markdown.
    pub help: Option<String>,
    /// `docs/rules/<id>.md`, for the ids plimsoll documents.
    pub help_uri: Option<String>,
    pub default_level: &'static str,
    /// The category, and `security` for security and RBAC rules.
    pub tags: Vec<&'static str>,
    /// For security rules: GitHub code scanning's ranking, a number from 0.1 to 10.0.
    pub security_severity: Option<&'static str>,
}

/// The rules that appear in the report, sorted by id: built-in rules and stage ids with their
/// documentation; policy rules with what the findings say.
pub fn rule_descriptors(report: &Report) -> Vec<RuleDescriptor> {
    let mut worst: BTreeMap<&str, Severity> = BTreeMap::new();
    for d in &report.diagnostics {
        let entry = worst.entry(&d.rule).or_insert(d.severity);
        *entry = (*entry).max(d.severity);
    }
    worst
        .into_iter()
        .map(|(id, severity)| descriptor(id, severity))
        .collect()
}

fn descriptor(id: &str, seen: Severity) -> RuleDescriptor {
    let help_uri = Some(format!("{DOCS}/{}.md", percent_encode_path(id)));
    if let Some(info) = plimsoll_rules::rule_info(id) {
        let category = info.category.as_str();
        let security = matches!(
            info.category,
            plimsoll_rules::Category::Security | plimsoll_rules::Category::Rbac
        );
        let mut tags = vec![category];
        if security && category != "security" {
            tags.push("security");
        }
        return RuleDescriptor {
            id: id.to_owned(),
            name: pascal_case(id),
            short_description: info.summary().to_owned(),
            full_description: first_paragraph(info.docs(), "## What it does")
                .unwrap_or_else(|| info.summary().to_owned()),
            help: Some(format!("# {id}\n\n{}", info.docs())),
            help_uri,
            default_level: level(info.default_severity),
            tags,
            security_severity: security.then(|| security_severity(info.default_severity)),
        };
    }
    if let Some(stage) = crate::commands::stage_rule(id) {
        return RuleDescriptor {
            id: id.to_owned(),
            name: pascal_case(id),
            short_description: stage.summary().to_owned(),
            full_description: stage.text.to_owned(),
            help: Some(format!("# {id}\n\n{}\n", stage.text)),
            help_uri,
            default_level: level(stage.severity),
            tags: vec![stage.category],
            security_severity: None,
        };
    }
    // A policy's rule: plimsoll knows only its id and what its findings say.
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
        full_description: format!("{short}: a rule of the policies given with --policy."),
        short_description: short,
        help: None,
        help_uri: None,
        default_level: level(seen),
        tags: vec!["policy"],
        security_severity: None,
    }
}

/// The first paragraph under a Markdown heading, joined into one line.
fn first_paragraph(docs: &str, heading: &str) -> Option<String> {
    let mut lines = docs.lines().skip_while(|l| l.trim() != heading).skip(1);
    let mut out = String::new();
    for line in lines.by_ref() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("```") {
            if out.is_empty() && line.is_empty() {
                continue;
            }
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(line);
    }
    (!out.is_empty()).then_some(out)
}

/// GitHub ranks alerts by this number: 9.0 and above critical, 7.0 high, 4.0 medium, below low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "8.0",
        Severity::Warning => "5.5",
        Severity::Info => "3.0",
    }
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
    let rules_json: Vec<Value> = rules.iter().map(rule_json).collect();
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

fn rule_json(r: &RuleDescriptor) -> Value {
    let mut rule = Map::new();
    rule.insert("id".into(), json!(r.id));
    rule.insert("name".into(), json!(r.name));
    rule.insert(
        "shortDescription".into(),
        json!({ "text": r.short_description }),
    );
    rule.insert(
        "fullDescription".into(),
        json!({ "text": r.full_description }),
    );
    if let Some(uri) = &r.help_uri {
        rule.insert("helpUri".into(), json!(uri));
    }
    if let Some(help) = &r.help {
        rule.insert("help".into(), json!({ "text": help, "markdown": help }));
    }
    rule.insert(
        "defaultConfiguration".into(),
        json!({ "level": r.default_level }),
    );
    let mut properties = Map::new();
    properties.insert("tags".into(), json!(r.tags));
    if let Some(score) = r.security_severity {
        properties.insert("security-severity".into(), json!(score));
    }
    rule.insert("properties".into(), Value::Object(properties));
    Value::Object(rule)
}

/// The other places that explain a finding (a values key, the renders of a chart).
fn related_locations(d: &Diagnostic, context: &Context) -> Value {
    let related: Vec<Value> = d
        .related
        .iter()
        .enumerate()
        .map(|(id, r)| {
            let mut out = json!({ "id": id, "message": { "text": r.message } });
            let artifact = r
                .location
                .as_ref()
                .and_then(|l| match context.paths.file(l.file()) {
                    Some(FileRef::Relative(path)) => Some((
                        l,
                        json!({ "uri": percent_encode_path(&path), "uriBaseId": SRCROOT }),
                    )),
                    Some(FileRef::Absolute(path)) => {
                        Some((l, json!({ "uri": file_uri(&path, false) })))
                    }
                    None => None,
                });
            if let Some((l, artifact)) = artifact {
                let (start, end) = (l.start(), l.end());
                out["physicalLocation"] = json!({
                    "artifactLocation": artifact,
                    "region": {
                        "startLine": start.line,
                        "startColumn": start.column,
                        "endLine": end.line,
                        "endColumn": end.column,
                    },
                });
            }
            out
        })
        .collect();
    Value::Array(related)
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
    if !d.related.is_empty() {
        out.insert("relatedLocations".into(), related_locations(d, context));
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

    #[test]
    fn descriptors_carry_the_rule_documentation() {
        let rule = descriptor("privileged-container", Severity::Info);
        assert_eq!(
            rule.short_description,
            "A container runs in privileged mode."
        );
        assert!(
            rule.full_description.starts_with("Flags "),
            "{}",
            rule.full_description
        );
        assert!(
            rule.help
                .as_deref()
                .unwrap_or("")
                .contains("## Why is this bad?")
        );
        assert_eq!(rule.tags, ["security"]);
        assert_eq!(rule.security_severity, Some("8.0"));
        assert_eq!(rule.default_level, "error");

        let rbac = descriptor("rbac-wildcard", Severity::Info);
        assert_eq!(rbac.tags, ["rbac", "security"]);
        assert!(rbac.security_severity.is_some());

        let probe = descriptor("missing-liveness-probe", Severity::Error);
        assert_eq!(probe.tags, ["reliability"]);
        assert_eq!(probe.security_severity, None);

        let stage = descriptor("unknown-kind", Severity::Warning);
        assert_eq!(stage.tags, ["schema"]);
        assert_eq!(stage.default_level, "error");
        assert!(
            stage
                .help_uri
                .unwrap()
                .ends_with("/docs/rules/unknown-kind.md")
        );

        let policy = descriptor("main.deny", Severity::Warning);
        assert_eq!(policy.help_uri, None);
        assert_eq!(policy.default_level, "warning");
    }
}
