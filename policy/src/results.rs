//! Turning the values of `deny`/`warn`/`violation` rules into findings, and
//! field paths named by results into JSON pointers.

use serde_json::{Map, Value as Json};

use crate::{PolicyFinding, PolicySeverity};

/// What a finding is attributed to.
pub(crate) struct RuleRef<'a> {
    pub id: &'a str,
    pub severity: PolicySeverity,
    /// Message for a boolean rule that is true.
    pub fallback_message: &'a str,
}

/// Appends one finding per result in `value` (a set or array of strings or
/// objects, a single string or object, or a boolean).
pub(crate) fn push_findings(value: &Json, rule: &RuleRef<'_>, out: &mut Vec<PolicyFinding>) {
    match value {
        Json::Array(items) => {
            for item in items {
                push_one(item, rule, out);
            }
        }
        Json::Bool(false) | Json::Null => {}
        other => push_one(other, rule, out),
    }
}

fn push_one(item: &Json, rule: &RuleRef<'_>, out: &mut Vec<PolicyFinding>) {
    let mut finding = PolicyFinding {
        rule: rule.id.to_owned(),
        severity: rule.severity,
        message: String::new(),
        pointer: None,
        object_index: None,
        extra: Map::new(),
    };
    match item {
        Json::Bool(false) => return,
        Json::Bool(true) => finding.message = rule.fallback_message.to_owned(),
        Json::String(s) => finding.message = s.clone(),
        Json::Object(fields) => {
            let mut fields = fields.clone();
            let message = fields.remove("msg").or_else(|| fields.remove("message"));
            finding.message = match message {
                Some(Json::String(s)) => s,
                Some(other) => other.to_string(),
                None => rule.fallback_message.to_owned(),
            };
            for key in ["path", "_loc"] {
                if let Some(location) = fields.get(key)
                    && let Some(pointer) = location_pointer(location)
                {
                    finding.pointer = Some(pointer);
                    fields.remove(key);
                    break;
                }
            }
            finding.extra = fields;
        }
        other => finding.message = other.to_string(),
    }
    out.push(finding);
}

/// Reads a location a result names: a JSON pointer (`/spec/replicas`), a
/// dotted path with brackets (`spec.containers[0].image`,
/// `metadata.labels["app.kubernetes.io/name"]`), an array of keys and
/// indexes, or an object holding one of those under `path` or `pointer`.
pub(crate) fn location_pointer(location: &Json) -> Option<String> {
    match location {
        Json::String(s) => path_to_pointer(s),
        Json::Array(parts) => {
            let mut out = String::new();
            for part in parts {
                out.push('/');
                match part {
                    Json::String(s) => escape_into(s, &mut out),
                    Json::Number(n) => out.push_str(&n.to_string()),
                    _ => return None,
                }
            }
            Some(out)
        }
        Json::Object(fields) => fields
            .get("path")
            .or_else(|| fields.get("pointer"))
            .and_then(location_pointer),
        _ => None,
    }
}

/// Converts a field path to an RFC 6901 pointer; `None` when it is not one.
pub(crate) fn path_to_pointer(path: &str) -> Option<String> {
    let path = path.trim();
    if path.is_empty() {
        return None;
    }
    if path.starts_with('/') {
        return Some(path.to_owned());
    }
    // Results sometimes spell the path from the document root.
    let mut rest = path.strip_prefix('$').unwrap_or(path);
    for prefix in ["input.review.object", "input"] {
        if let Some(after) = rest.strip_prefix(prefix)
            && (after.is_empty() || after.starts_with('.') || after.starts_with('['))
        {
            rest = after;
            break;
        }
    }
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    let mut segment = String::new();
    let mut pending = false;
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if pending {
                    push_segment(&mut out, &segment);
                }
                segment.clear();
                pending = true;
            }
            '[' => {
                if pending || !segment.is_empty() {
                    push_segment(&mut out, &segment);
                }
                segment.clear();
                pending = false;
                let quote = match chars.peek() {
                    Some(&q @ ('"' | '\'')) => {
                        chars.next();
                        Some(q)
                    }
                    _ => None,
                };
                let mut key = String::new();
                let mut closed = false;
                while let Some(k) = chars.next() {
                    if Some(k) == quote {
                        closed = chars.next() == Some(']');
                        break;
                    }
                    if quote.is_none() && k == ']' {
                        closed = true;
                        break;
                    }
                    if k == '\\' && quote.is_some() {
                        if let Some(escaped) = chars.next() {
                            key.push(escaped);
                        }
                        continue;
                    }
                    key.push(k);
                }
                if !closed {
                    return None;
                }
                push_segment(&mut out, &key);
            }
            _ => {
                segment.push(c);
                pending = true;
            }
        }
    }
    if pending {
        push_segment(&mut out, &segment);
    }
    if out.is_empty() { None } else { Some(out) }
}

fn push_segment(out: &mut String, segment: &str) {
    out.push('/');
    escape_into(segment, out);
}

fn escape_into(segment: &str, out: &mut String) {
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// In combined mode the input is an array of `{"path", "contents"}` entries:
/// a pointer into entry N's contents is re-rooted at that object.
pub(crate) fn split_combined(finding: &mut PolicyFinding, count: usize) {
    let Some(pointer) = finding.pointer.take() else {
        return;
    };
    let mut parts = pointer.splitn(3, '/').skip(1);
    let index = parts.next().and_then(|i| i.parse::<usize>().ok());
    let Some(index) = index.filter(|i| *i < count) else {
        finding.pointer = Some(pointer);
        return;
    };
    finding.object_index = Some(index);
    let rest = parts.next().unwrap_or("");
    let rest = rest
        .strip_prefix("contents")
        .filter(|r| r.is_empty() || r.starts_with('/'))
        .map(str::to_owned)
        .unwrap_or_else(|| {
            if rest.is_empty() {
                String::new()
            } else {
                format!("/{rest}")
            }
        });
    finding.pointer = if rest.is_empty() { None } else { Some(rest) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_pointers() {
        let cases = [
            (
                "spec.template.spec.containers[0].image",
                "/spec/template/spec/containers/0/image",
            ),
            (
                "metadata.labels[\"app.kubernetes.io/name\"]",
                "/metadata/labels/app.kubernetes.io~1name",
            ),
            ("input.spec.ports[1].nodePort", "/spec/ports/1/nodePort"),
            ("/spec/replicas", "/spec/replicas"),
            ("[2].contents.kind", "/2/contents/kind"),
            ("metadata.labels['a~b']", "/metadata/labels/a~0b"),
        ];
        for (path, pointer) in cases {
            assert_eq!(path_to_pointer(path).as_deref(), Some(pointer), "{path}");
        }
        assert_eq!(path_to_pointer(""), None);
        assert_eq!(path_to_pointer("spec.containers[0"), None);
    }
}
