//! `.plimsoll.yaml` in the editor: checked against its JSON Schema (the one committed as
//! `docs/config.schema.json`, generated from the engine's types) as the user types, every
//! problem at its key or value; hover shows a key's description and completion offers the
//! keys the schema allows where the cursor is (rule ids under `rules:`).

use std::sync::OnceLock;

use lsp_types as lsp;
use plimsoll_core::Source;
use plimsoll_core::yaml::{self, ParseOptions};
use serde_json::Value;

use crate::convert;

fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::from_str(&plimsoll_engine::config::json_schema()).unwrap_or(Value::Null)
    })
}

fn validator() -> Option<&'static jsonschema::Validator> {
    static VALIDATOR: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| jsonschema::validator_for(schema()).ok())
        .as_ref()
}

fn problem(source: &Source, span: plimsoll_core::Span, message: String) -> lsp::Diagnostic {
    lsp::Diagnostic {
        range: convert::range(source, span),
        severity: Some(lsp::DiagnosticSeverity::ERROR),
        code: Some(lsp::NumberOrString::String("invalid-config".into())),
        source: Some("plimsoll".into()),
        message,
        ..Default::default()
    }
}

/// Every problem of a configuration file's text: YAML errors, then what the JSON Schema
/// refuses (unknown keys at the key, wrong values at the value), then what only the reader
/// knows (an unknown rule id, say), each once.
pub fn problems(name: &str, text: &str) -> Vec<lsp::Diagnostic> {
    let source = Source::new(name, text.to_owned());
    let stream = yaml::parse_stream(text, ParseOptions::default());
    let mut out: Vec<lsp::Diagnostic> = stream
        .errors
        .iter()
        .map(|e| problem(&source, e.span, e.message.clone()))
        .collect();
    if !out.is_empty() {
        return out;
    }
    let Some(document) = stream.documents.first() else {
        return out;
    };
    if let Some(validator) = validator() {
        for error in validator.iter_errors(&document.value) {
            let pointer = error.instance_path().as_str().to_owned();
            let instance = document.value.pointer(&pointer);
            // The reader takes an empty value (`include:`) as an empty list.
            if matches!(
                error.kind(),
                jsonschema::error::ValidationErrorKind::Type { .. }
            ) && instance.is_some_and(Value::is_null)
            {
                continue;
            }
            if let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } =
                error.kind()
            {
                for key in unexpected {
                    let at = format!("{pointer}/{}", yaml::escape_token(key));
                    let (found, _) =
                        stream
                            .tree
                            .lookup_nearest(document.root, &document.value, &at);
                    let span = found.key.unwrap_or(found.value);
                    let known = keys_at(&pointer);
                    let mut message = format!("unknown key `{key}`");
                    if let Some(near) = closest(key, &known) {
                        message.push_str(&format!("; did you mean `{near}`?"));
                    }
                    out.push(problem(&source, span, message));
                }
                continue;
            }
            let (found, _) = stream
                .tree
                .lookup_nearest(document.root, &document.value, &pointer);
            let place = if pointer.is_empty() {
                "the configuration".to_owned()
            } else {
                format!("`{}`", crate::features::dotted(&pointer))
            };
            out.push(problem(&source, found.value, format!("{place}: {error}")));
        }
    }
    if let Err(error) = plimsoll_engine::config::parse(name, text.to_owned()) {
        let offset = source_offset(&source, error.line, error.column);
        let line = source.line_index(offset);
        if !out.iter().any(|d| d.range.start.line as usize == line) {
            out.push(problem(
                &source,
                plimsoll_core::Span::new(offset, offset + word_len(text, offset)),
                error.message,
            ));
        }
    }
    out
}

fn word_len(text: &str, offset: usize) -> usize {
    text.get(offset..)
        .map(|rest| rest.find([':', '\n', '#']).unwrap_or(rest.len()))
        .unwrap_or(0)
        .min(200)
}

fn source_offset(source: &Source, line: u32, column: u32) -> usize {
    let line = (line.max(1) - 1) as usize;
    if line >= source.line_count() {
        return source.text().len();
    }
    (source.line_start(line) + (column.max(1) - 1) as usize).min(source.text().len())
}

/// The schema of the value at `pointer`, through `$ref`s, `anyOf` with null, `properties`,
/// `additionalProperties` and `items`.
fn schema_at(pointer: &str) -> Option<&'static Value> {
    let root = schema();
    let mut node = resolve(root, root);
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        node = if let Some(p) = node.get("properties").and_then(|p| p.get(&token)) {
            resolve(root, p)
        } else if let Some(items) = node.get("items").filter(|_| token.parse::<usize>().is_ok()) {
            resolve(root, items)
        } else if let Some(extra) = node.get("additionalProperties").filter(|v| v.is_object()) {
            resolve(root, extra)
        } else {
            return None;
        };
    }
    Some(node)
}

fn resolve<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..16 {
        if let Some(target) = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| root.pointer(p))
        {
            node = target;
            continue;
        }
        // `anyOf: [X, {type: null}]`: an optional X.
        if let Some(branch) = node
            .get("anyOf")
            .or_else(|| node.get("oneOf"))
            .and_then(Value::as_array)
            .and_then(|b| {
                b.iter()
                    .find(|s| s.get("type") != Some(&Value::from("null")))
            })
            && node.get("properties").is_none()
        {
            node = branch;
            continue;
        }
        break;
    }
    node
}

/// The keys the schema names for the mapping at `pointer` (rule ids under `rules`).
fn keys_at(pointer: &str) -> Vec<String> {
    if pointer == "/rules" {
        return plimsoll_rules::all_rules()
            .map(|r| r.id.to_owned())
            .collect();
    }
    schema_at(pointer)
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

fn closest<'k>(key: &str, known: &'k [String]) -> Option<&'k str> {
    let key = key.to_lowercase();
    known
        .iter()
        .map(|k| (distance(&key, &k.to_lowercase()), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

use plimsoll_core::text::edit_distance as distance;

/// The pointer of the key on the cursor's line and of its mapping, by indentation (the
/// file may not parse while it is typed).
fn pointers_at(text: &str, line: usize) -> (String, Option<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let current = lines.get(line).copied().unwrap_or("");
    let key_of = |l: &str| -> Option<String> {
        let t = l.trim_start().trim_start_matches("- ");
        let (k, _) = t.split_once(':')?;
        let k = k.trim().trim_matches(['"', '\'']);
        (!k.is_empty() && !k.starts_with('#')).then(|| k.to_owned())
    };
    let indent_of = |l: &str| l.len() - l.trim_start().len();
    let mut indent = indent_of(current);
    let mut parents = Vec::new();
    for above in lines[..line.min(lines.len())].iter().rev() {
        if above.trim().is_empty() || above.trim_start().starts_with('#') {
            continue;
        }
        let i = indent_of(above);
        if i < indent {
            if above.trim_start().starts_with("- ") {
                parents.push("0".to_owned());
            }
            if let Some(k) = key_of(above) {
                parents.push(yaml::escape_token(&k).into_owned());
            }
            indent = i;
        }
    }
    parents.reverse();
    let parent: String = parents.iter().map(|p| format!("/{p}")).collect();
    let key = key_of(current).map(|k| format!("{parent}/{}", yaml::escape_token(&k)));
    (parent, key)
}

/// The description of the key under the cursor.
pub fn hover(text: &str, position: lsp::Position) -> Option<lsp::Hover> {
    let (_, key) = pointers_at(text, position.line as usize);
    let key = key?;
    let mut value = format!("**{}**", crate::features::dotted(&key));
    if let Some(rule) = key
        .strip_prefix("/rules/")
        .filter(|r| !r.contains('/'))
        .and_then(plimsoll_rules::rule_info)
    {
        value.push_str(&format!("\n\n{}", rule.summary()));
    } else {
        let node = schema_at(&key)?;
        if let Some(t) = node.get("type") {
            value.push_str(&format!(
                " `{}`",
                t.as_str().map_or(t.to_string(), str::to_owned)
            ));
        }
        if let Some(description) = node.get("description").and_then(Value::as_str) {
            value.push_str(&format!("\n\n{description}"));
        }
    }
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value,
        }),
        range: None,
    })
}

/// The keys allowed in the mapping at the cursor, those already there left out.
pub fn completion(text: &str, position: lsp::Position) -> Vec<lsp::CompletionItem> {
    let (parent, _) = pointers_at(text, position.line as usize);
    let present: Vec<String> = yaml::parse_stream(text, ParseOptions::default())
        .documents
        .first()
        .and_then(|d| d.value.pointer(&parent).and_then(Value::as_object).cloned())
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    keys_at(&parent)
        .into_iter()
        .filter(|k| !present.contains(k))
        .map(|key| {
            let documentation = if parent == "/rules" {
                plimsoll_rules::rule_info(&key).map(|r| r.summary().to_owned())
            } else {
                schema_at(&format!("{parent}/{}", yaml::escape_token(&key)))
                    .and_then(|s| s.get("description"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            lsp::CompletionItem {
                label: key.clone(),
                kind: Some(lsp::CompletionItemKind::PROPERTY),
                documentation: documentation.map(lsp::Documentation::String),
                insert_text: Some(format!("{key}: ")),
                ..Default::default()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: &lsp::Diagnostic) -> (u32, u32) {
        (d.range.start.line, d.range.start.character)
    }

    #[test]
    fn every_problem_is_at_its_key_or_value() {
        let text = "strict: maybe\nfailon: error\nrules:\n  latest-image-tag:\n    severty: error\nexclude: [1]\n";
        let found = problems("c.yaml", text);
        let places: Vec<(u32, u32)> = found.iter().map(at).collect();
        assert!(places.contains(&(0, 8)), "{found:#?}");
        assert!(places.contains(&(1, 0)), "{found:#?}");
        assert!(places.contains(&(4, 4)), "{found:#?}");
        assert!(places.contains(&(5, 10)), "{found:#?}");
        let unknown = found.iter().find(|d| at(d) == (1, 0)).unwrap();
        assert_eq!(
            unknown.message,
            "unknown key `failon`; did you mean `failOn`?"
        );
    }

    #[test]
    fn an_unknown_rule_id_is_shown_at_its_key_and_a_good_file_has_nothing() {
        let found = problems("c.yaml", "rules:\n  latest-image-tags: {severity: error}\n");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(at(&found[0]), (1, 2));
        assert!(found[0].message.contains("unknown rule"));
        assert!(problems("c.yaml", plimsoll_engine::config::STARTER).is_empty());
        assert!(problems("c.yaml", "include:\n").is_empty());
    }

    #[test]
    fn hover_and_completion_follow_the_schema() {
        let text = "strict: true\nrules:\n  latest-image-tag:\n    \n";
        let hover = hover(text, lsp::Position::new(0, 2)).unwrap();
        let lsp::HoverContents::Markup(m) = hover.contents else {
            panic!()
        };
        assert!(m.value.contains("Unknown fields are errors"), "{}", m.value);
        let top: Vec<String> = completion("strict: true\n\n", lsp::Position::new(1, 0))
            .into_iter()
            .map(|i| i.label)
            .collect();
        assert!(top.contains(&"kubernetesVersion".to_owned()));
        assert!(!top.contains(&"strict".to_owned()));
        let rule: Vec<String> = completion(text, lsp::Position::new(3, 4))
            .into_iter()
            .map(|i| i.label)
            .collect();
        assert!(rule.contains(&"severity".to_owned()), "{rule:?}");
        let ids: Vec<String> = completion("rules:\n  \n", lsp::Position::new(1, 2))
            .into_iter()
            .map(|i| i.label)
            .collect();
        assert!(ids.contains(&"latest-image-tag".to_owned()));
    }
}
