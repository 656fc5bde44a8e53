//! Parsed manifests (JSON values) to CEL values and back.
//!
//! [`to_value`] converts without a schema: integers become `int` (or `uint` past
//! `i64::MAX`), other numbers `double`. [`typed`] follows a structural schema the way the
//! API server does for CRD rules: `type: number` is always `double`, `format: date-time`
//! strings are timestamps and `format: duration` strings durations, missing properties
//! with a `default` get it, and the `metadata` of a resource shows only `name` and
//! `generateName`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use kube_cel::cel::Value;
use kube_cel::cel::objects::{Key, Map};
use serde_json::Value as Json;

/// A JSON value as a CEL value, without schema.
pub fn to_value(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => number(n),
        Json::String(s) => Value::String(Arc::new(s.clone())),
        Json::Array(items) => Value::List(Arc::new(items.iter().map(to_value).collect())),
        Json::Object(map) => map_value(map.iter().map(|(k, v)| (k.clone(), to_value(v))).collect()),
    }
}

fn number(n: &serde_json::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::Int(i)
    } else if let Some(u) = n.as_u64() {
        Value::UInt(u)
    } else {
        Value::Float(n.as_f64().unwrap_or(f64::NAN))
    }
}

pub(crate) fn map_value(entries: Vec<(String, Value)>) -> Value {
    let map: HashMap<Key, Value> = entries
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k)), v))
        .collect();
    Value::Map(Map { map: Arc::new(map) })
}

/// A CEL value as JSON (for messages and for values handed back to the caller).
pub fn to_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::UInt(u) => Json::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Value::String(s) => Json::String(s.as_str().to_owned()),
        Value::Bytes(b) => Json::String(String::from_utf8_lossy(b).into_owned()),
        Value::List(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(map) => {
            let mut entries: Vec<(String, Json)> = map
                .map
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        Key::String(s) => s.as_str().to_owned(),
                        Key::Int(i) => i.to_string(),
                        Key::Uint(u) => u.to_string(),
                        Key::Bool(b) => b.to_string(),
                    };
                    (key, to_json(v))
                })
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(entries.into_iter().collect())
        }
        Value::Timestamp(t) => Json::String(t.to_rfc3339()),
        Value::Duration(d) => Json::String(format!("{}s", d.num_milliseconds() as f64 / 1000.0)),
        Value::Function(name, _) => Json::String(name.as_str().to_owned()),
        Value::Opaque(_) => Json::String("<opaque>".into()),
    }
}

/// A JSON value as a CEL value, read through its structural schema node (`None`: no
/// schema, as under `x-kubernetes-preserve-unknown-fields`).
pub fn typed(json: &Json, schema: Option<&Json>, resource: bool) -> Value {
    let Some(schema) = schema else {
        return to_value(json);
    };
    match json {
        Json::Number(n) if schema_type(schema) == Some("number") => {
            Value::Float(n.as_f64().unwrap_or(f64::NAN))
        }
        Json::String(s) => match schema.get("format").and_then(Json::as_str) {
            Some("date-time") => chrono::DateTime::parse_from_rfc3339(s)
                .map(Value::Timestamp)
                .unwrap_or_else(|_| Value::String(Arc::new(s.clone()))),
            Some("duration") => parse_duration(s)
                .map(Value::Duration)
                .unwrap_or_else(|| Value::String(Arc::new(s.clone()))),
            _ => Value::String(Arc::new(s.clone())),
        },
        Json::Array(items) => {
            let item_schema = schema.get("items");
            Value::List(Arc::new(
                items
                    .iter()
                    .map(|item| typed(item, item_schema, embedded(item_schema)))
                    .collect(),
            ))
        }
        Json::Object(map) => {
            let properties = schema.get("properties").and_then(Json::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            let mut entries: Vec<(String, Value)> = Vec::with_capacity(map.len());
            for (key, value) in map {
                if resource && key == "metadata" {
                    entries.push((key.clone(), metadata(value)));
                    continue;
                }
                let declared = properties.and_then(|p| p.get(key));
                let child = declared.or(additional);
                // Declared property names are read under their CEL escape.
                let converted = typed(value, child, embedded(child));
                if declared.is_some() {
                    let escaped = escape_property(key);
                    if escaped != *key {
                        if is_reserved(key) {
                            // Both spellings: `self.namespace` reads as well in CEL today.
                            entries.push((key.clone(), converted.clone()));
                        }
                        entries.push((escaped, converted));
                        continue;
                    }
                }
                entries.push((key.clone(), converted));
            }
            if let Some(properties) = properties {
                for (key, child) in properties {
                    if map.contains_key(key) {
                        continue;
                    }
                    if let Some(default) = child.get("default") {
                        entries.push((
                            escape_property(key),
                            typed(default, Some(child), embedded(Some(child))),
                        ));
                    }
                }
            }
            map_value(entries)
        }
        other => to_value(other),
    }
}

/// The name a rule reads a declared property by: `__` → `__underscores__`, `.` →
/// `__dot__`, `-` → `__dash__`, `/` → `__slash__`, a CEL reserved word `w` → `__w__`.
const RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

pub(crate) fn is_reserved(name: &str) -> bool {
    RESERVED.contains(&name)
}

pub fn escape_property(name: &str) -> String {
    if is_reserved(name) {
        return format!("__{name}__");
    }
    if !name.contains(['.', '-', '/']) && !name.contains("__") {
        return name.to_owned();
    }
    name.replace("__", "__underscores__")
        .replace('.', "__dot__")
        .replace('-', "__dash__")
        .replace('/', "__slash__")
}

fn schema_type(schema: &Json) -> Option<&str> {
    schema.get("type").and_then(Json::as_str)
}

pub(crate) fn embedded(schema: Option<&Json>) -> bool {
    schema
        .and_then(|s| s.get("x-kubernetes-embedded-resource"))
        .and_then(Json::as_bool)
        == Some(true)
}

/// Rules see only `name` and `generateName` of a resource's metadata.
fn metadata(value: &Json) -> Value {
    let Json::Object(map) = value else {
        return to_value(value);
    };
    map_value(
        ["name", "generateName"]
            .iter()
            .filter_map(|k| map.get(*k).map(|v| ((*k).to_owned(), to_value(v))))
            .collect(),
    )
}

/// A Go duration (`1h30m`, `250ms`, `-1.5s`).
pub fn parse_duration(text: &str) -> Option<chrono::Duration> {
    let (negative, mut rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Some(chrono::Duration::zero());
    }
    if rest.is_empty() {
        return None;
    }
    let mut nanos: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return None;
        }
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        nanos += number * scale;
    }
    if !nanos.is_finite() || nanos > i64::MAX as f64 {
        return None;
    }
    let d = chrono::Duration::nanoseconds(nanos as i64);
    Some(if negative { -d } else { d })
}

/// A CEL map from named values (`variables` of an admission policy).
pub fn from_entries(entries: Vec<(String, Value)>) -> Value {
    map_value(entries)
}

/// The parts of a variable that expressions read (`object.spec.replicas`,
/// `object.metadata`): converting only those is what an evaluation needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paths {
    /// The whole value below this point is read.
    all: bool,
    children: BTreeMap<String, Paths>,
}

impl Paths {
    /// Every part of the value.
    pub fn everything() -> Paths {
        Paths {
            all: true,
            children: BTreeMap::new(),
        }
    }

    /// True when the whole value is read.
    pub fn is_everything(&self) -> bool {
        self.all
    }

    /// Add a path (the value below it is read whole).
    pub fn insert(&mut self, path: &[String]) {
        if self.all {
            return;
        }
        match path.split_first() {
            None => {
                self.all = true;
                self.children.clear();
            }
            Some((first, rest)) => self.children.entry(first.clone()).or_default().insert(rest),
        }
    }

    /// Add every path of `other`.
    pub fn merge(&mut self, other: &Paths) {
        if self.all {
            return;
        }
        if other.all {
            *self = Paths::everything();
            return;
        }
        for (key, child) in &other.children {
            self.children.entry(key.clone()).or_default().merge(child);
        }
    }
}

/// A JSON value as a CEL value, keeping only the parts `paths` names (a map keeps the
/// named keys it has; anything else is converted whole).
pub fn to_value_within(json: &Json, paths: &Paths) -> Value {
    if paths.all {
        return to_value(json);
    }
    match json {
        Json::Object(map) => map_value(
            paths
                .children
                .iter()
                .filter_map(|(key, child)| {
                    map.get(key)
                        .map(|v| (key.clone(), to_value_within(v, child)))
                })
                .collect(),
        ),
        other => to_value(other),
    }
}
