//! `CustomResourceDefinition` → JSON Schema (draft 2020-12), one schema per
//! served version, with the API server's reading of the structural schema:
//! unknown fields are errors unless `x-kubernetes-preserve-unknown-fields`,
//! `nullable` admits `null`, `x-kubernetes-int-or-string` admits both, and
//! `x-kubernetes-embedded-resource` objects carry `apiVersion`, `kind` and
//! `metadata`.

use std::sync::Arc;

use plimsoll_cel::crd::{RuleProblem, SchemaRules};
use serde_json::{Map, Value, json};

use crate::SchemaError;
use crate::formats;

/// A custom resource kind defined by a CRD.
#[derive(Clone)]
pub(crate) struct CrdKind {
    /// `"example.com/v1/Widget"`.
    pub(crate) key: String,
    /// The CRD's `metadata.name`.
    pub(crate) crd: String,
    pub(crate) schema: Value,
    /// The `x-kubernetes-validations` of this version's schema, compiled.
    pub(crate) rules: Option<Arc<SchemaRules>>,
}

/// The rules of a CRD that cannot be used, with pointers into the CRD.
pub(crate) fn rule_problems(crd: &Value) -> Vec<RuleProblem> {
    let mut problems = Vec::new();
    let mut at = |pointer: String, schema: &Value| {
        for mut problem in SchemaRules::compile(schema).1 {
            problem.pointer = format!("{pointer}{}", problem.pointer);
            problems.push(problem);
        }
    };
    if let Some(list) = crd.pointer("/spec/versions").and_then(Value::as_array) {
        for (i, version) in list.iter().enumerate() {
            if let Some(schema) = version.pointer("/schema/openAPIV3Schema") {
                at(format!("/spec/versions/{i}/schema/openAPIV3Schema"), schema);
            }
        }
    }
    if let Some(schema) = crd.pointer("/spec/validation/openAPIV3Schema") {
        at("/spec/validation/openAPIV3Schema".to_owned(), schema);
    }
    problems
}

pub(crate) fn convert(crd: &Value) -> Result<Vec<CrdKind>, SchemaError> {
    let name = crd
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("<unnamed>")
        .to_owned();
    let fail = |reason: &str| SchemaError::InvalidCrd {
        name: name.clone(),
        reason: reason.to_owned(),
    };
    let api_version = crd
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if crd.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition")
        || !api_version.starts_with("apiextensions.k8s.io/")
    {
        return Err(fail("not an apiextensions.k8s.io CustomResourceDefinition"));
    }
    let group = crd
        .pointer("/spec/group")
        .and_then(Value::as_str)
        .ok_or_else(|| fail("`spec.group` is missing"))?;
    let kind = crd
        .pointer("/spec/names/kind")
        .and_then(Value::as_str)
        .ok_or_else(|| fail("`spec.names.kind` is missing"))?;
    // apiextensions.k8s.io/v1beta1 could hold one schema for all versions.
    let shared = crd.pointer("/spec/validation/openAPIV3Schema");
    let mut versions: Vec<(&str, Option<&Value>)> = Vec::new();
    if let Some(list) = crd.pointer("/spec/versions").and_then(Value::as_array) {
        for version in list {
            let Some(version_name) = version.get("name").and_then(Value::as_str) else {
                return Err(fail("a version in `spec.versions` has no `name`"));
            };
            if version.get("served").and_then(Value::as_bool) == Some(false) {
                continue;
            }
            let schema = version.pointer("/schema/openAPIV3Schema").or(shared);
            versions.push((version_name, schema));
        }
    } else if let Some(version_name) = crd.pointer("/spec/version").and_then(Value::as_str) {
        versions.push((version_name, shared));
    }
    if versions.is_empty() {
        return Err(fail("no served version in `spec.versions`"));
    }
    Ok(versions
        .into_iter()
        .map(|(version, schema)| CrdKind {
            key: format!("{group}/{version}/{kind}"),
            crd: name.clone(),
            schema: root_schema(schema),
            rules: schema.and_then(|s| SchemaRules::compile(s).0).map(Arc::new),
        })
        .collect())
}

fn root_schema(schema: Option<&Value>) -> Value {
    let mut root = match schema {
        Some(schema) => convert_node(schema, false),
        None => json!({"type": "object"}),
    };
    if let Value::Object(map) = &mut root {
        if schema.is_none() {
            map.insert(
                "x-kubernetes-preserve-unknown-fields".into(),
                Value::Bool(true),
            );
        }
        let props = map
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(props) = props {
            add_type_meta(props);
        }
        map.entry("type").or_insert_with(|| json!("object"));
        if !preserves_unknown(map) {
            map.entry("additionalProperties")
                .or_insert(Value::Bool(false));
        }
    }
    formats::add_integer_ranges(&mut root);
    root
}

/// `apiVersion`, `kind` and `metadata` of a custom resource (or an embedded
/// resource). The API server checks `metadata` as `ObjectMeta` whatever the
/// CRD says about it (generated CRDs write `metadata: {type: object}`), so it
/// stays open here rather than being closed like other objects.
fn add_type_meta(props: &mut Map<String, Value>) {
    props
        .entry("apiVersion")
        .or_insert_with(|| json!({"type": "string"}));
    props
        .entry("kind")
        .or_insert_with(|| json!({"type": "string"}));
    props.insert("metadata".into(), json!({"type": "object"}));
}

fn preserves_unknown(map: &Map<String, Value>) -> bool {
    map.get("x-kubernetes-preserve-unknown-fields")
        .and_then(Value::as_bool)
        == Some(true)
}

/// Convert one node; `in_junctor` is true inside `allOf`/`anyOf`/`oneOf`/`not`,
/// where a structural schema only adds value checks and must not close objects.
fn convert_node(node: &Value, in_junctor: bool) -> Value {
    let Value::Object(source) = node else {
        return node.clone();
    };
    let mut map = Map::new();
    for (key, value) in source {
        let converted = match key.as_str() {
            "properties" => match value {
                Value::Object(props) => Value::Object(
                    props
                        .iter()
                        .map(|(k, v)| (k.clone(), convert_node(v, false)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "items" | "additionalProperties" => convert_node(value, false),
            "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(branches) => {
                    Value::Array(branches.iter().map(|b| convert_node(b, true)).collect())
                }
                other => other.clone(),
            },
            "not" => convert_node(value, true),
            _ => value.clone(),
        };
        map.insert(key.clone(), converted);
    }
    // OpenAPI 3.0 writes exclusive bounds as booleans beside minimum/maximum.
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match map.get(flag) {
            Some(Value::Bool(true)) => {
                if let Some(limit) = map.remove(bound) {
                    map.insert(flag.into(), limit);
                } else {
                    map.remove(flag);
                }
            }
            Some(Value::Bool(false)) => {
                map.remove(flag);
            }
            _ => {}
        }
    }
    let nullable = map.get("nullable").and_then(Value::as_bool) == Some(true);
    if map
        .get("x-kubernetes-int-or-string")
        .and_then(Value::as_bool)
        == Some(true)
    {
        // Generated CRDs spell it out as `anyOf: [{type: integer}, {type: string}]` too.
        if let Some(Value::Array(branches)) = map.get("anyOf")
            && branches.iter().all(|b| {
                b.as_object()
                    .is_some_and(|o| o.len() == 1 && o.contains_key("type"))
            })
        {
            map.remove("anyOf");
        }
        if let Value::Object(replacement) = formats::int_or_string_schema(nullable) {
            map.extend(replacement);
        }
    } else if nullable {
        match map.get("type").cloned() {
            Some(Value::String(t)) => {
                map.insert("type".into(), json!([t, "null"]));
            }
            Some(Value::Array(mut types)) if !types.contains(&json!("null")) => {
                types.push(json!("null"));
                map.insert("type".into(), Value::Array(types));
            }
            _ => {}
        }
        if let Some(Value::Array(values)) = map.get_mut("enum")
            && !values.contains(&Value::Null)
        {
            values.push(Value::Null);
        }
    }
    if map
        .get("x-kubernetes-embedded-resource")
        .and_then(Value::as_bool)
        == Some(true)
    {
        let props = map
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(props) = props {
            add_type_meta(props);
        }
    }
    let is_object =
        map.get("type").and_then(Value::as_str) == Some("object") || map.contains_key("properties");
    if is_object && !in_junctor && !preserves_unknown(&map) {
        map.entry("additionalProperties")
            .or_insert(Value::Bool(false));
    }
    Value::Object(map)
}

/// The findings of the CEL rules of a custom resource's CRD.
pub(crate) fn check_rules(
    rules: &SchemaRules,
    object: &Value,
    out: &mut Vec<crate::SchemaFinding>,
) {
    let mut pruned = object.clone();
    crate::defaults::prune(rules.schema(), &mut pruned, true);
    for violation in rules.check(&pruned) {
        let last = violation.pointer.rsplit('/').next().unwrap_or_default();
        let at_key = !violation.pointer.is_empty() && last.parse::<usize>().is_err();
        let help = if violation.error {
            format!("rule: `{}`", violation.rule)
        } else {
            format!("rule: `{}` ({})", violation.rule, violation.reason)
        };
        out.push(crate::SchemaFinding {
            rule: crate::rule::VALIDATION_RULE,
            level: crate::Level::Error,
            pointer: violation.pointer,
            at_key,
            message: violation.message,
            help: Some(help),
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn cel_rules_see_the_pruned_object_and_unknown_fields_are_still_reported() {
        let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "names": {"kind": "Widget", "plural": "widgets"},
                "scope": "Namespaced",
                "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                    "type": "object", "properties": {"spec": {"type": "object",
                        "properties": {"desired": {"type": "object", "properties": {"a": {"type": "string"}}},
                            "current": {"type": "object", "properties": {"a": {"type": "string"}}}},
                        "x-kubernetes-validations": [{"rule": "self.desired == self.current", "message": "in sync"}]}}}}}]}});
        let mut catalog = crate::Catalog::new("1.34").unwrap();
        assert!(catalog.add_crd_checked(&crd).unwrap().is_empty());
        let object = json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w"}, "spec": {"desired": {"a": "x", "typo": 1}, "current": {"a": "x"}}});
        let findings = catalog.validate(&object).findings;
        let rules: Vec<&str> = findings.iter().map(|f| f.rule).collect();
        assert!(
            !rules.contains(&crate::rule::VALIDATION_RULE),
            "{findings:?}"
        );
        assert!(!findings.is_empty(), "the unknown field is still reported");
    }

    #[test]
    fn cel_rules_of_schema_location_files_run() {
        let dir =
            std::env::temp_dir().join(format!("plimsoll-cel-location-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
            "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}},
            "x-kubernetes-validations": [{"rule": "self.min <= self.max", "message": "min above max"}]}}});
        std::fs::write(dir.join("gadget_v1.json"), schema.to_string()).unwrap();
        let mut catalog = crate::Catalog::new("1.34").unwrap();
        catalog
            .add_schema_location(&format!(
                "{}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json",
                dir.display()
            ))
            .unwrap();
        let object = |min: i64| {
            json!({"apiVersion": "example.com/v1", "kind": "Gadget",
            "metadata": {"name": "g"}, "spec": {"min": min, "max": 3}})
        };
        let messages = |min| -> Vec<String> {
            catalog
                .validate(&object(min))
                .findings
                .into_iter()
                .filter(|f| f.rule == crate::rule::VALIDATION_RULE)
                .map(|f| f.message)
                .collect()
        };
        assert_eq!(messages(1), Vec::<String>::new());
        assert_eq!(messages(5), vec!["min above max".to_owned()]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
