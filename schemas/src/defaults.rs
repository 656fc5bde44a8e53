//! Structural-schema defaulting of custom resources, as the API server applies it before
//! validation: a property that is absent (or `null` where the schema is not `nullable`) takes
//! the schema's `default`, in objects, array items and map values, then defaults inside it.
//! So a Gateway whose `addresses[]` items omit `type` is validated with `type: IPAddress`,
//! as the API server sees it.
//!
//! [`prune`] drops the fields a structural schema does not declare, as the API server does
//! before it stores an object (and before defaults and CEL rules see it): CEL rules run on
//! the pruned object, while `schema-invalid` still reports the unknown fields themselves.

use serde_json::Value;

/// Whether the schema declares a `default` anywhere (worth copying an object for).
pub(crate) fn has_defaults(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => {
            map.contains_key("default")
                || map
                    .iter()
                    .filter(|(k, _)| k.as_str() != "default" && k.as_str() != "enum")
                    .any(|(_, v)| has_defaults(v))
        }
        Value::Array(items) => items.iter().any(has_defaults),
        _ => false,
    }
}

/// Applies the defaults of `schema` to `value`, in place.
pub(crate) fn apply(schema: &Value, value: &mut Value) {
    apply_depth(schema, value, 0);
}

fn apply_depth(schema: &Value, value: &mut Value, depth: usize) {
    if depth > 64 {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (name, property) in properties {
                    let nullable = property.get("nullable").and_then(Value::as_bool) == Some(true);
                    let unset = match map.get(name) {
                        None => true,
                        Some(Value::Null) => !nullable,
                        Some(_) => false,
                    };
                    if unset && let Some(default) = property.get("default") {
                        map.insert(name.clone(), default.clone());
                    }
                    if let Some(child) = map.get_mut(name) {
                        apply_depth(property, child, depth + 1);
                    }
                }
            }
            if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                let declared = schema.get("properties").and_then(Value::as_object);
                for (name, child) in map.iter_mut() {
                    if declared.is_none_or(|d| !d.contains_key(name)) {
                        apply_depth(extra, child, depth + 1);
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items").filter(|i| i.is_object()) {
                for item in items {
                    apply_depth(item_schema, item, depth + 1);
                }
            }
        }
        _ => {}
    }
}

/// Drop from `value` the fields its structural schema does not declare: in objects with
/// `properties` (or none) that neither keep unknown fields
/// (`x-kubernetes-preserve-unknown-fields`) nor have `additionalProperties`, recursively
/// through items and map values. `resource`: the root of a resource or an embedded one,
/// whose `apiVersion`, `kind` and `metadata` always stay.
pub(crate) fn prune(schema: &Value, value: &mut Value, resource: bool) {
    prune_depth(schema, value, resource, 0);
}

fn prune_depth(schema: &Value, value: &mut Value, resource: bool, depth: usize) {
    if depth > 64 {
        return;
    }
    let flag = |s: &Value, key: &str| s.get(key).and_then(Value::as_bool) == Some(true);
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            let keep_unknown = flag(schema, "x-kubernetes-preserve-unknown-fields")
                || additional.is_some_and(|a| a.is_object() || a == &Value::Bool(true));
            if !keep_unknown {
                map.retain(|key, _| {
                    properties.is_some_and(|p| p.contains_key(key))
                        || (resource && ["apiVersion", "kind", "metadata"].contains(&key.as_str()))
                });
            }
            for (key, child) in map.iter_mut() {
                let child_schema = properties
                    .and_then(|p| p.get(key))
                    .or(additional.filter(|a| a.is_object()));
                if let Some(child_schema) = child_schema {
                    let embedded = flag(child_schema, "x-kubernetes-embedded-resource");
                    prune_depth(child_schema, child, embedded, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items").filter(|i| i.is_object()) {
                let embedded = flag(item_schema, "x-kubernetes-embedded-resource");
                for item in items {
                    prune_depth(item_schema, item, embedded, depth + 1);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_properties_take_their_defaults_in_items() {
        let schema = json!({"properties": {"addresses": {"type": "array", "items": {
            "type": "object",
            "properties": {"type": {"type": "string", "default": "IPAddress"}, "value": {"type": "string"}}
        }}}});
        assert!(has_defaults(&schema));
        let mut value =
            json!({"addresses": [{"value": "10.0.0.1"}, {"type": "Hostname", "value": "a"}]});
        apply(&schema, &mut value);
        assert_eq!(
            value,
            json!({"addresses": [{"value": "10.0.0.1", "type": "IPAddress"}, {"type": "Hostname", "value": "a"}]})
        );
    }

    #[test]
    fn null_takes_the_default_unless_nullable() {
        let schema = json!({"properties": {
            "a": {"default": 1},
            "b": {"default": 2, "nullable": true}
        }});
        let mut value = json!({"a": null, "b": null});
        apply(&schema, &mut value);
        assert_eq!(value, json!({"a": 1, "b": null}));
        assert!(!has_defaults(
            &json!({"properties": {"a": {"type": "string"}}})
        ));
    }

    #[test]
    fn unknown_fields_are_pruned() {
        let schema = json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": {
                "a": {"type": "string"},
                "items": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "integer"}}}},
                "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {
                    "inner": {"type": "object", "properties": {"k": {"type": "string"}}}}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "template": {"type": "object", "x-kubernetes-embedded-resource": true, "properties": {}}
            }}
        }});
        let mut value = json!({"apiVersion": "v1", "kind": "K", "metadata": {"name": "n"},
            "status": {"s": 1},
            "spec": {"a": "x", "typo": 1, "items": [{"x": 1, "y": 2}],
                "open": {"any": 1, "inner": {"k": "v", "extra": 2}},
                "labels": {"app": "web"},
                "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {}, "spec": {}}}});
        prune(&schema, &mut value, true);
        assert_eq!(
            value,
            json!({"apiVersion": "v1", "kind": "K", "metadata": {"name": "n"},
                "spec": {"a": "x", "items": [{"x": 1}],
                    "open": {"any": 1, "inner": {"k": "v"}},
                    "labels": {"app": "web"},
                    "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {}}}})
        );
    }
}
