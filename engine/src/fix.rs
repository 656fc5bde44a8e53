//! Fixes for findings, as minimal text edits that keep comments, quoting and indentation:
//! the same edits serve the editor's code actions and `plimsoll lint --fix`.
//!
//! A fix is *safe* when it changes nothing at run time beyond the finding (a misspelt field
//! name, `allowPrivilegeEscalation: false`, an apiVersion whose successor accepts the same
//! fields), *unsafe* when it may change behaviour (running as non-root, a read-only root file
//! system, dropping every capability, resource values, an apiVersion whose successor changes
//! the shape). Suppressions are offered for every finding with a location.

use plimsoll_core::{Diagnostic, Object, Source, Span};
use serde_json::Value;

/// Whether applying a fix may change how the workload behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Safety {
    Safe,
    Unsafe,
}

/// Replace the bytes of `span` with `text` (an empty span inserts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct Fix {
    pub title: String,
    pub safety: Safety,
    pub edits: Vec<Edit>,
}

/// Applies non-overlapping edits to a text.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut edits: Vec<&Edit> = edits.iter().collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for edit in edits {
        let range = edit.span.range();
        if range.start < at || range.end > text.len() {
            continue;
        }
        out.push_str(&text[at..range.start]);
        out.push_str(&edit.text);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The fixes for a finding on `object` (the object it names, in the file it is in).
/// `catalog` decides whether an apiVersion successor accepts the same fields.
pub fn fixes(
    diagnostic: &Diagnostic,
    object: &Object,
    catalog: Option<&plimsoll_schemas::Catalog>,
) -> Vec<Fix> {
    let Some(pointer) = diagnostic.pointer.as_deref() else {
        return Vec::new();
    };
    let fix = |title: &str, safety, edits: Option<Vec<Edit>>| {
        edits.map(|edits| Fix {
            title: title.to_owned(),
            safety,
            edits,
        })
    };
    let found = match diagnostic.rule.as_ref() {
        "schema-unknown-field" => did_you_mean(diagnostic).and_then(|name| {
            let key = object.key_span(pointer)?;
            fix(
                &format!("Rename to `{name}`"),
                Safety::Safe,
                Some(vec![Edit {
                    span: key,
                    text: name,
                }]),
            )
        }),
        // The API server refuses `allowPrivilegeEscalation: false` beside `privileged: true`.
        "privilege-escalation-allowed"
            if pointer.ends_with("/allowPrivilegeEscalation")
                && object
                    .value
                    .pointer(&pointer.replace("/allowPrivilegeEscalation", "/privileged"))
                    == Some(&Value::Bool(true)) =>
        {
            None
        }
        "privilege-escalation-allowed" => fix(
            "Set `allowPrivilegeEscalation: false`",
            Safety::Safe,
            set(object, pointer, "false"),
        ),
        "deprecated-api-version" | "removed-api-version" => {
            api_successor(diagnostic, object, catalog)
        }
        "run-as-root" if pointer.ends_with("/runAsNonRoot") => fix(
            "Set `runAsNonRoot: true`",
            Safety::Unsafe,
            set(object, pointer, "true"),
        ),
        "writable-root-filesystem" => fix(
            "Set `readOnlyRootFilesystem: true`",
            Safety::Unsafe,
            set(object, pointer, "true"),
        ),
        "capabilities-not-dropped" if pointer.ends_with("/capabilities/drop") => fix(
            "Drop `ALL` capabilities",
            Safety::Unsafe,
            set(object, pointer, "[\"ALL\"]"),
        ),
        "missing-resources" if pointer.ends_with("/resources") => fix(
            "Add a `resources` skeleton (adjust the values)",
            Safety::Unsafe,
            set(
                object,
                pointer,
                "{requests: {cpu: 100m, memory: 128Mi}, limits: {cpu: 500m, memory: 256Mi}}",
            ),
        ),
        "missing-cpu-limit"
        | "missing-cpu-request"
        | "missing-memory-limit"
        | "missing-memory-request"
        | "missing-ephemeral-storage-limit" => {
            let value = match pointer.rsplit('/').next() {
                Some("cpu") => "500m",
                Some("memory") => "256Mi",
                _ => "1Gi",
            };
            let section = pointer.rsplit('/').nth(1).unwrap_or("limits");
            fix(
                &format!("Add a `resources.{section}` value (adjust it)"),
                Safety::Unsafe,
                set(object, pointer, value),
            )
        }
        _ => None,
    };
    found.into_iter().collect()
}

/// Suppressions for a finding: a comment at the end of its line, and an annotation on its
/// object (for findings that have one).
pub fn suppressions(diagnostic: &Diagnostic, object: Option<&Object>) -> Vec<Fix> {
    let mut out = Vec::new();
    let Some(location) = &diagnostic.location else {
        return out;
    };
    let rule = diagnostic.rule.as_ref();
    let source = &location.source;
    let line = source.line_index(location.span.start as usize);
    let range = source.line_range(line);
    let text = source.line_text(line);
    let comment = if text.contains('#') {
        // A comment already ends the line: a new line before it carries the suppression.
        let indent: String = text.chars().take_while(|c| *c == ' ').collect();
        Edit {
            span: Span::empty_at(range.start),
            text: format!("{indent}# plimsoll-ignore {rule} until=YYYY-MM-DD -- reason\n"),
        }
    } else {
        Edit {
            span: Span::empty_at(range.end),
            text: format!(" # plimsoll-ignore {rule} until=YYYY-MM-DD -- reason"),
        }
    };
    out.push(Fix {
        title: format!("Suppress `{rule}` on this line"),
        safety: Safety::Safe,
        edits: vec![comment],
    });
    if let Some(edits) = object.and_then(|o| annotation(o, rule)) {
        out.push(Fix {
            title: format!("Suppress `{rule}` for this object (annotation)"),
            safety: Safety::Safe,
            edits,
        });
    }
    out
}

fn annotation(object: &Object, rule: &str) -> Option<Vec<Edit>> {
    const KEY: &str = "plimsoll.dev~1ignore";
    let pointer = format!("/metadata/annotations/{KEY}");
    match object.value.pointer(&pointer).and_then(Value::as_str) {
        Some(existing) => {
            let span = object.value_span(&pointer)?;
            Some(vec![Edit {
                span,
                text: format!("\"{existing},{rule}\""),
            }])
        }
        None => set(object, &pointer, &format!("\"{rule}\"")),
    }
}

/// The name a "did you mean" help suggests.
fn did_you_mean(diagnostic: &Diagnostic) -> Option<String> {
    let help = diagnostic.help.as_deref()?;
    let rest = help.strip_prefix("did you mean `")?;
    let name = rest.split('`').next()?;
    (!name.is_empty()).then(|| name.to_owned())
}

/// Replaces a deprecated apiVersion by the one the help names: safe when the object is as
/// valid under the new version as under the old one.
fn api_successor(
    diagnostic: &Diagnostic,
    object: &Object,
    catalog: Option<&plimsoll_schemas::Catalog>,
) -> Option<Fix> {
    let help = diagnostic.help.as_deref()?;
    let successor = help
        .strip_prefix("use `apiVersion: ")?
        .strip_suffix('`')?
        .to_owned();
    let span = object.value_span("/apiVersion")?;
    let safety = match catalog {
        Some(catalog) => {
            let mut value = object.value.clone();
            value["apiVersion"] = Value::String(successor.clone());
            let findings = catalog.validate(&value).findings;
            if findings.iter().all(|f| f.pointer == "/apiVersion") {
                Safety::Safe
            } else {
                Safety::Unsafe
            }
        }
        None => Safety::Unsafe,
    };
    Some(Fix {
        title: format!("Use `apiVersion: {successor}`"),
        safety,
        edits: vec![Edit {
            span,
            text: successor,
        }],
    })
}

/// Sets the value at `pointer` to `yaml` (a flow value): replaces the value when the key is
/// there, else adds the missing keys below the deepest block mapping that exists, indented
/// like its entries. `None` when the place is not a block mapping (a flow mapping, a list).
pub fn set(object: &Object, pointer: &str, yaml: &str) -> Option<Vec<Edit>> {
    if let Some(found) = object.find(pointer) {
        return Some(vec![Edit {
            span: found.value,
            text: yaml.to_owned(),
        }]);
    }
    let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
    // The deepest existing ancestor.
    let mut depth = tokens.len();
    let (parent, value) = loop {
        if depth == 0 {
            return None;
        }
        depth -= 1;
        let prefix: String = tokens[..depth].iter().map(|t| format!("/{t}")).collect();
        if let Some(value) = object.value.pointer(&prefix) {
            break (prefix, value);
        }
    };
    let missing = &tokens[depth..];
    if missing.iter().any(|t| t.parse::<usize>().is_ok()) {
        return None;
    }
    let source = &object.source;
    let (indent, insert_at) = match value {
        Value::Object(map) if !map.is_empty() => {
            let first = map.keys().next()?;
            let first_key = object.key_span(&format!(
                "{parent}/{}",
                first.replace('~', "~0").replace('/', "~1")
            ))?;
            let line = source.line_index(first_key.start as usize);
            let column = first_key.start as usize - source.line_start(line);
            // The entries must start their lines (a block mapping), or follow `- `.
            let before = &source.text()[source.line_start(line)..first_key.start as usize];
            if !before.chars().all(|c| c == ' ' || c == '-') {
                return None;
            }
            let end = object.find(&parent)?.value.end as usize;
            (column, end_of_content(source, end))
        }
        Value::Object(_) if !parent.is_empty() => {
            // An empty mapping (`{}`): filled in place, in flow style.
            let span = object.find(&parent)?.value;
            if source.slice(span).trim() != "{}" {
                return None;
            }
            let mut text = yaml.to_owned();
            for token in missing.iter().rev() {
                let name = token.replace("~1", "/").replace("~0", "~");
                text = format!("{{{name}: {text}}}");
            }
            return Some(vec![Edit { span, text }]);
        }
        Value::Null if !parent.is_empty() => {
            // `key:` with nothing after it: the new entries go below, two columns deeper.
            let found = object.find(&parent)?;
            let key = found.key?;
            let line = source.line_index(key.start as usize);
            let column = key.start as usize - source.line_start(line);
            (column + 2, source.line_range(line).end)
        }
        _ => return None,
    };
    let mut text = String::new();
    for (i, token) in missing.iter().enumerate() {
        let name = token.replace("~1", "/").replace("~0", "~");
        let name = if name.contains([':', ' ', '#']) {
            format!("\"{name}\"")
        } else {
            name
        };
        text.push('\n');
        text.push_str(&" ".repeat(indent + 2 * i));
        text.push_str(&name);
        text.push(':');
        if i + 1 == missing.len() {
            text.push(' ');
            text.push_str(yaml);
        }
    }
    Some(vec![Edit {
        span: Span::empty_at(insert_at),
        text,
    }])
}

/// The end of the last line of content at or before `end` (a block node's span may take in
/// the line break and blank lines after it).
fn end_of_content(source: &Source, end: usize) -> usize {
    let text = source.text();
    let mut end = end.min(text.len());
    while end > 0 && matches!(text.as_bytes()[end - 1], b'\n' | b'\r' | b' ') {
        end -= 1;
    }
    let line = source.line_index(end.saturating_sub(1));
    source.line_range(line).end.max(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Input};

    fn lint(text: &str) -> Vec<Diagnostic> {
        let config = Config {
            today: Some("2026-01-01".into()),
            rules: plimsoll_rules::RulesConfig {
                enable: vec![
                    "missing-cpu-limit".into(),
                    "capabilities-not-dropped".into(),
                ],
                ..Default::default()
            },
            ..Config::default()
        };
        crate::lint(
            &[Input::Text {
                name: "t.yaml".into(),
                bytes: text.as_bytes().to_vec(),
            }],
            config,
        )
        .unwrap()
        .diagnostics
    }

    fn object(text: &str) -> Object {
        let file = plimsoll_core::load_bytes(
            "t.yaml",
            text.as_bytes().to_vec(),
            plimsoll_core::Discovery::Explicit,
            &Default::default(),
        );
        file.objects.into_iter().next().unwrap()
    }

    const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web # the front end
spec:
  containers:
    - name: web
      image: 'nginx:1.27'
      imagePullPolcy: Always
      securityContext:
        runAsNonRoot: true
";

    /// Applies the fix of `rule` and checks that the finding is gone and nothing new came.
    fn fixed(text: &str, rule: &str, safety: Safety) -> String {
        let before = lint(text);
        let d = before
            .iter()
            .find(|d| d.rule == rule)
            .unwrap_or_else(|| panic!("no {rule} in {before:#?}"));
        let catalog = plimsoll_schemas::Catalog::new(plimsoll_schemas::default_version()).ok();
        let fixes = fixes(d, &object(text), catalog.as_ref());
        assert_eq!(fixes.len(), 1, "{rule}");
        assert_eq!(fixes[0].safety, safety, "{rule}");
        let after_text = apply(text, &fixes[0].edits);
        let after = lint(&after_text);
        assert!(
            after.iter().all(|d| d.rule != rule),
            "{rule} still there:\n{after_text}"
        );
        let ids = |list: &[Diagnostic]| {
            let mut ids: Vec<String> = list.iter().map(|d| d.rule.to_string()).collect();
            ids.sort();
            ids.dedup();
            ids
        };
        for id in ids(&after) {
            assert!(
                ids(&before).contains(&id),
                "new {id} after {rule}:\n{after_text}"
            );
        }
        after_text
    }

    #[test]
    fn did_you_mean_renames_the_key() {
        let out = fixed(POD, "schema-unknown-field", Safety::Safe);
        assert!(out.contains("      imagePullPolicy: Always\n"), "{out}");
    }

    #[test]
    fn privilege_escalation_is_added_beside_the_other_settings() {
        let out = fixed(POD, "privilege-escalation-allowed", Safety::Safe);
        assert!(
            out.contains("        runAsNonRoot: true\n        allowPrivilegeEscalation: false\n"),
            "{out}"
        );
        // Comments and quoting stay.
        assert!(out.contains("name: web # the front end"));
        assert!(out.contains("image: 'nginx:1.27'"));
    }

    #[test]
    fn no_privilege_escalation_fix_for_a_privileged_container() {
        let privileged = POD.replace(
            "        runAsNonRoot: true\n",
            "        runAsNonRoot: true\n        privileged: true\n",
        );
        let found = lint(&privileged);
        let d = found
            .iter()
            .find(|d| d.rule == "privilege-escalation-allowed")
            .unwrap();
        assert!(fixes(d, &object(&privileged), None).is_empty());
    }

    #[test]
    fn unsafe_fixes_for_the_security_context_and_resources() {
        for rule in [
            "writable-root-filesystem",
            "capabilities-not-dropped",
            "missing-resources",
        ] {
            fixed(POD, rule, Safety::Unsafe);
        }
        // A container with some resources: each missing value is added where it belongs.
        let some = POD.replace(
            "      securityContext:\n",
            "      resources:\n        requests:\n          cpu: 100m\n      securityContext:\n",
        );
        for rule in ["missing-cpu-limit", "missing-memory-limit"] {
            fixed(&some, rule, Safety::Unsafe);
        }
        let out = fixed(&some, "missing-memory-request", Safety::Unsafe);
        assert!(
            out.contains("        requests:\n          cpu: 100m\n          memory: 256Mi\n"),
            "{out}"
        );
        // An empty flow mapping is filled in place.
        let empty = POD.replace(
            "      securityContext:\n",
            "      resources:\n        requests: {}\n      securityContext:\n",
        );
        let out = fixed(&empty, "missing-memory-request", Safety::Unsafe);
        assert!(out.contains("        requests: {memory: 256Mi}\n"), "{out}");
        let no_context = POD.replace("      securityContext:\n        runAsNonRoot: true\n", "");
        let out = fixed(&no_context, "run-as-root", Safety::Unsafe);
        assert!(
            out.contains("      securityContext:\n        runAsNonRoot: true"),
            "{out}"
        );
    }

    #[test]
    fn api_version_successors_are_safe_when_the_fields_stay_valid() {
        let hpa = "apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
";
        let out = fixed(hpa, "removed-api-version", Safety::Safe);
        assert!(out.starts_with("apiVersion: autoscaling/v2\n"), "{out}");
    }

    #[test]
    fn suppressions_silence_the_finding() {
        let before = lint(POD);
        let d = before
            .iter()
            .find(|d| d.rule == "latest-image-tag" || d.rule == "missing-liveness-probe")
            .unwrap();
        let rule = d.rule.to_string();
        for fix in suppressions(d, Some(&object(POD))) {
            let text = apply(POD, &fix.edits).replace("until=YYYY-MM-DD ", "");
            let after = lint(&text);
            assert!(
                after.iter().all(|x| x.rule != rule),
                "{}:\n{text}",
                fix.title
            );
            assert!(
                after.iter().all(|x| x.rule != "unused-suppression"),
                "{}:\n{text}",
                fix.title
            );
        }
    }
}
