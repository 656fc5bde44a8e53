//! Turning validator errors into findings in Kubernetes terms: field paths
//! such as `spec.template.spec.containers[0].name`, plain type names, the
//! allowed values of an enum, and "did you mean" suggestions.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{JsonType, ValidationError};
use serde_json::Value;

use crate::walk::{self, Walker};
use crate::{Level, SchemaFinding, rule};

pub(crate) struct Context<'a> {
    pub(crate) object: &'a Value,
    /// Values of a `Secret` are never quoted.
    pub(crate) secret: bool,
    pub(crate) walker: Option<Walker<'a>>,
}

impl Context<'_> {
    pub(crate) fn findings(&self, error: &ValidationError<'_>, out: &mut Vec<SchemaFinding>) {
        let pointer = error.instance_path().as_str().to_owned();
        let field = field_path(self.object, &pointer);
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                for key in unexpected {
                    out.push(self.unknown_field(&pointer, key));
                }
            }
            ValidationErrorKind::Required { property } => {
                let name = property.as_str().unwrap_or_default();
                let child = join(&field, name);
                let help = if pointer.is_empty() {
                    format!("add `{name}` to the object")
                } else {
                    format!("add `{name}` to `{field}`")
                };
                out.push(SchemaFinding {
                    rule: rule::MISSING_REQUIRED,
                    level: Level::Error,
                    at_key: self.has_key(&pointer),
                    pointer,
                    message: format!("missing required field `{child}`"),
                    help: Some(help),
                });
            }
            ValidationErrorKind::Type { kind } => {
                let types: Vec<JsonType> = match kind {
                    TypeKind::Single(t) => vec![*t],
                    TypeKind::Multiple(set) => set.iter().collect(),
                };
                out.push(self.invalid(
                    pointer.clone(),
                    format!(
                        "`{}` must be {}, got {}",
                        display_field(&field),
                        describe_types(&types),
                        self.describe_value(&pointer, error.instance())
                    ),
                    type_help(&types, error.instance()),
                ));
            }
            ValidationErrorKind::Enum { options } => {
                // `""` and `null` stand for "unset" in the enums of built-in kinds: not worth listing.
                let allowed: Vec<String> = options
                    .as_array()
                    .map(|o| {
                        o.iter()
                            .filter(|v| !v.is_null() && v.as_str() != Some(""))
                            .map(render_option)
                            .collect()
                    })
                    .unwrap_or_default();
                let got = error.instance();
                let help = got
                    .as_str()
                    .and_then(|s| {
                        let candidates: Vec<&str> = options
                            .as_array()?
                            .iter()
                            .filter_map(Value::as_str)
                            .collect();
                        closest(s, &candidates)
                    })
                    .map(|s| format!("did you mean `{s}`?"));
                out.push(self.invalid(
                    pointer.clone(),
                    format!(
                        "`{}` must be one of {}, got {}",
                        display_field(&field),
                        allowed.join(", "),
                        self.describe_value(&pointer, got)
                    ),
                    help,
                ));
            }
            ValidationErrorKind::Format { format } => {
                let (what, help) = match format.as_str() {
                    "quantity" => (
                        "a quantity".to_owned(),
                        Some("write a number with an optional suffix, such as `500m`, `0.5`, `128Mi` or `2G`".to_owned()),
                    ),
                    "byte" => ("base64-encoded data".to_owned(), None),
                    "duration" => (
                        "a duration".to_owned(),
                        Some("write it like `30s`, `5m` or `1h30m`".to_owned()),
                    ),
                    "date-time" => (
                        "an RFC 3339 date-time".to_owned(),
                        Some("write it like `2024-01-31T12:00:00Z`".to_owned()),
                    ),
                    other => (format!("a valid `{other}`"), None),
                };
                out.push(self.invalid(
                    pointer.clone(),
                    format!(
                        "`{}` must be {what}, got {}",
                        display_field(&field),
                        self.describe_value(&pointer, error.instance())
                    ),
                    help,
                ));
            }
            ValidationErrorKind::Minimum { limit } | ValidationErrorKind::Maximum { limit } => {
                let message = match crate::formats::integer_width(limit) {
                    Some(width) => format!(
                        "`{}` is out of range for a {width}-bit integer",
                        display_field(&field)
                    ),
                    None if matches!(error.kind(), ValidationErrorKind::Minimum { .. }) => {
                        format!("`{}` must be at least {limit}", display_field(&field))
                    }
                    None => format!("`{}` must be at most {limit}", display_field(&field)),
                };
                let message = self.with_value(message, &pointer, error.instance());
                out.push(self.invalid(pointer, message, None));
            }
            ValidationErrorKind::ExclusiveMinimum { limit } => {
                let message = self.with_value(
                    format!("`{}` must be greater than {limit}", display_field(&field)),
                    &pointer,
                    error.instance(),
                );
                out.push(self.invalid(pointer, message, None));
            }
            ValidationErrorKind::ExclusiveMaximum { limit } => {
                let message = self.with_value(
                    format!("`{}` must be less than {limit}", display_field(&field)),
                    &pointer,
                    error.instance(),
                );
                out.push(self.invalid(pointer, message, None));
            }
            ValidationErrorKind::MinLength { limit } => {
                out.push(self.invalid(
                    pointer,
                    format!(
                        "`{}` must be at least {limit} characters long",
                        display_field(&field)
                    ),
                    None,
                ));
            }
            ValidationErrorKind::MaxLength { limit } => {
                out.push(self.invalid(
                    pointer,
                    format!(
                        "`{}` must be at most {limit} characters long",
                        display_field(&field)
                    ),
                    None,
                ));
            }
            ValidationErrorKind::MinItems { limit } => {
                out.push(self.invalid(
                    pointer,
                    format!(
                        "`{}` must have at least {limit} item(s)",
                        display_field(&field)
                    ),
                    None,
                ));
            }
            ValidationErrorKind::MaxItems { limit } => {
                out.push(self.invalid(
                    pointer,
                    format!(
                        "`{}` must have at most {limit} item(s)",
                        display_field(&field)
                    ),
                    None,
                ));
            }
            ValidationErrorKind::MinProperties { limit } => {
                out.push(self.invalid(
                    pointer,
                    format!(
                        "`{}` must have at least {limit} field(s)",
                        display_field(&field)
                    ),
                    None,
                ));
            }
            ValidationErrorKind::MaxProperties { limit } => {
                out.push(self.invalid(
                    pointer,
                    format!(
                        "`{}` must have at most {limit} field(s)",
                        display_field(&field)
                    ),
                    None,
                ));
            }
            ValidationErrorKind::Pattern { pattern } => {
                let message = self.with_value(
                    format!(
                        "`{}` must match the pattern `{pattern}`",
                        display_field(&field)
                    ),
                    &pointer,
                    error.instance(),
                );
                out.push(self.invalid(pointer, message, None));
            }
            ValidationErrorKind::UniqueItems => {
                out.push(self.invalid(
                    pointer,
                    format!(
                        "`{}` must not contain duplicate items",
                        display_field(&field)
                    ),
                    None,
                ));
            }
            ValidationErrorKind::Constant { expected_value } => {
                out.push(self.invalid(
                    pointer.clone(),
                    format!(
                        "`{}` must be {}, got {}",
                        display_field(&field),
                        render_option(expected_value),
                        self.describe_value(&pointer, error.instance())
                    ),
                    None,
                ));
            }
            ValidationErrorKind::OneOfNotValid { context }
            | ValidationErrorKind::AnyOf { context } => {
                // Branches that differ only by type read best as a type list.
                let mut types = Vec::new();
                let only_types = context.iter().all(|branch| {
                    branch.iter().all(|e| match e.kind() {
                        ValidationErrorKind::Type { kind }
                            if e.instance_path().as_str() == pointer =>
                        {
                            match kind {
                                TypeKind::Single(t) => types.push(*t),
                                TypeKind::Multiple(set) => types.extend(set.iter()),
                            }
                            true
                        }
                        _ => false,
                    })
                });
                let message = if only_types && !types.is_empty() {
                    types.sort();
                    types.dedup();
                    format!(
                        "`{}` must be {}, got {}",
                        display_field(&field),
                        describe_types(&types),
                        self.describe_value(&pointer, error.instance())
                    )
                } else {
                    format!(
                        "`{}` does not match any of the allowed forms",
                        display_field(&field)
                    )
                };
                out.push(self.invalid(pointer, message, None));
            }
            ValidationErrorKind::OneOfMultipleValid { .. } => {
                out.push(self.invalid(
                    pointer,
                    format!(
                        "`{}` matches more than one of the allowed forms",
                        display_field(&field)
                    ),
                    None,
                ));
            }
            ValidationErrorKind::FalseSchema
                if error
                    .schema_path()
                    .as_str()
                    .ends_with("/additionalProperties") =>
            {
                // An object closed without any declared property: every key is unknown.
                if let Some(map) = self.object.pointer(&pointer).and_then(Value::as_object) {
                    for key in map.keys() {
                        out.push(self.unknown_field(&pointer, key));
                    }
                }
            }
            ValidationErrorKind::FalseSchema => {
                // A `false` schema under `properties` is a field that must not be set.
                out.push(SchemaFinding {
                    rule: rule::UNKNOWN_FIELD,
                    level: Level::Error,
                    at_key: self.has_key(&pointer),
                    message: format!("field `{}` is not allowed here", display_field(&field)),
                    pointer,
                    help: None,
                });
            }
            ValidationErrorKind::Not { .. } => {
                out.push(self.invalid(
                    pointer,
                    format!("`{}` has a form that is not allowed", display_field(&field)),
                    None,
                ));
            }
            ValidationErrorKind::MultipleOf { multiple_of } => {
                out.push(self.invalid(
                    pointer,
                    format!(
                        "`{}` must be a multiple of {multiple_of}",
                        display_field(&field)
                    ),
                    None,
                ));
            }
            ValidationErrorKind::Custom { message, .. } => {
                out.push(self.invalid(
                    pointer,
                    format!("`{}`: {message}", display_field(&field)),
                    None,
                ));
            }
            _ => {
                out.push(self.invalid(
                    pointer,
                    format!(
                        "`{}` is invalid: {}",
                        display_field(&field),
                        error.kind().keyword()
                    ),
                    None,
                ));
            }
        }
    }

    fn invalid(&self, pointer: String, message: String, help: Option<String>) -> SchemaFinding {
        SchemaFinding {
            rule: rule::INVALID,
            level: Level::Error,
            pointer,
            at_key: false,
            message,
            help,
        }
    }

    fn unknown_field(&self, parent: &str, key: &str) -> SchemaFinding {
        let pointer = format!("{parent}/{}", walk::escape(key));
        let field = field_path(self.object, &pointer);
        let known: Vec<&str> = self
            .walker
            .as_ref()
            .and_then(|w| w.reach(&walk::segments(parent)))
            .map(|r| walk::property_names(r.schema))
            .unwrap_or_default();
        let help = closest(key, &known).map(|s| format!("did you mean `{s}`?"));
        let help = help.or_else(|| {
            (!known.is_empty() && known.len() <= 12).then(|| {
                let mut known = known.clone();
                known.sort_unstable();
                format!(
                    "known fields here: {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        });
        SchemaFinding {
            rule: rule::UNKNOWN_FIELD,
            level: Level::Error,
            pointer,
            at_key: true,
            message: format!("unknown field `{field}`"),
            help,
        }
    }

    /// True when the node at `pointer` is a mapping value (it has a key to
    /// underline); false for the whole object and for list items.
    fn has_key(&self, pointer: &str) -> bool {
        if pointer.is_empty() {
            return false;
        }
        let parent = pointer.rsplit_once('/').map_or("", |(p, _)| p);
        self.object.pointer(parent).is_some_and(Value::is_object)
    }

    fn quotable(&self, pointer: &str) -> bool {
        if self.secret {
            return false;
        }
        // Environment variable values may hold credentials.
        let segments = walk::segments(pointer);
        !(segments.len() >= 3
            && segments[segments.len() - 3] == "env"
            && segments[segments.len() - 1] == "value")
    }

    fn describe_value(&self, pointer: &str, value: &Value) -> String {
        let kind = match value {
            Value::Null => return "null".to_owned(),
            Value::Bool(_) => "a boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => return "a list".to_owned(),
            Value::Object(_) => return "a mapping".to_owned(),
        };
        match self.quote(pointer, value) {
            Some(quoted) => format!("{kind} ({quoted})"),
            None => kind.to_owned(),
        }
    }

    fn with_value(&self, message: String, pointer: &str, value: &Value) -> String {
        match self.quote(pointer, value) {
            Some(quoted) => format!("{message}: {quoted}"),
            None => message,
        }
    }

    fn quote(&self, pointer: &str, value: &Value) -> Option<String> {
        if !self.quotable(pointer) {
            return None;
        }
        let text = match value {
            Value::String(s) => format!("{s:?}"),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        (text.chars().count() <= 64).then(|| format!("`{text}`"))
    }
}

/// Advice for the two type mistakes YAML makes easy: an unquoted scalar that
/// is read as a boolean or a number, and a mapping written where a list goes.
fn type_help(expected: &[JsonType], got: &Value) -> Option<String> {
    let wants = |t: JsonType| expected.contains(&t);
    match got {
        Value::Bool(_) | Value::Number(_) if wants(JsonType::String) => Some(
            "quote the value: YAML reads unquoted `true`, `yes`, `on`, `1.0` and the like as booleans or numbers".to_owned(),
        ),
        Value::Object(_) if wants(JsonType::Array) => {
            Some("write it as a list: start each item with `- `".to_owned())
        }
        _ => None,
    }
}

fn render_option(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}

fn describe_types(types: &[JsonType]) -> String {
    let mut names: Vec<&str> = types
        .iter()
        .filter(|t| **t != JsonType::Null || types.len() == 1)
        .map(|t| match t {
            JsonType::Null => "null",
            JsonType::Boolean => "a boolean (true or false)",
            JsonType::Integer => "an integer",
            JsonType::Number => "a number",
            JsonType::String => "a string",
            JsonType::Array => "a list",
            JsonType::Object => "a mapping",
        })
        .collect();
    names.dedup();
    let has = |t: JsonType| types.contains(&t);
    if has(JsonType::String) && has(JsonType::Number) && !has(JsonType::Object) {
        return "a quantity (a number, or a string such as `500m` or `1Gi`)".to_owned();
    }
    match names.len() {
        0 => "null".to_owned(),
        1 => names[0].to_owned(),
        _ => {
            let last = names.pop().unwrap_or_default();
            format!("{} or {last}", names.join(", "))
        }
    }
}

fn join(field: &str, name: &str) -> String {
    if field.is_empty() {
        name.to_owned()
    } else {
        format!("{field}.{name}")
    }
}

fn display_field(field: &str) -> &str {
    if field.is_empty() {
        "the object"
    } else {
        field
    }
}

/// `/spec/template/spec/containers/0/name` → `spec.template.spec.containers[0].name`,
/// keys with dots or slashes as `metadata.labels["app.kubernetes.io/name"]`.
pub(crate) fn field_path(object: &Value, pointer: &str) -> String {
    let mut out = String::new();
    let mut node = Some(object);
    for segment in walk::segments(pointer) {
        let in_list = node.is_some_and(Value::is_array);
        if in_list {
            out.push('[');
            out.push_str(&segment);
            out.push(']');
        } else if !segment.is_empty()
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
        {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&segment);
        } else {
            out.push_str(&format!("[{segment:?}]"));
        }
        node = node.and_then(|n| match n {
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
            Value::Object(map) => map.get(&segment),
            _ => None,
        });
    }
    out
}

/// The candidate closest to `word` (case-insensitive edit distance), if close enough.
pub(crate) fn closest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    let lower = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .filter(|c| **c != word)
        .map(|c| (distance(&lower, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

use plimsoll_core::text::swap_distance as distance;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_paths() {
        let object = json!({"spec": {"containers": [{"name": "a"}]}, "metadata": {"labels": {"app.kubernetes.io/name": "x"}}});
        assert_eq!(
            field_path(&object, "/spec/containers/0/name"),
            "spec.containers[0].name"
        );
        assert_eq!(
            field_path(&object, "/metadata/labels/app.kubernetes.io~1name"),
            "metadata.labels[\"app.kubernetes.io/name\"]"
        );
        assert_eq!(field_path(&object, ""), "");
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            closest("imagePullPolcy", &["image", "imagePullPolicy"]),
            Some("imagePullPolicy")
        );
        assert_eq!(
            closest("replcias", &["replicas", "selector"]),
            Some("replicas")
        );
        assert_eq!(closest("zzz", &["replicas"]), None);
    }
}
