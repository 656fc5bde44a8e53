//! What generators need besides the file reader: env files, literals, and the content hash
//! that kustomize appends to generated names.

use serde_json::Value;

/// `KEY=VALUE` lines of an env file; blank lines and `#` comments skipped. Returns the pairs
/// and the 1-based lines of keys without a value (kustomize reads those from its own
/// environment, which a build from files cannot reproduce).
pub(crate) fn parse_env(text: &str) -> (Vec<(String, String, usize)>, Vec<usize>) {
    let mut pairs = Vec::new();
    let mut bare = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = if i == 0 {
            line.trim_start_matches('\u{feff}')
        } else {
            line
        };
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match trimmed.split_once('=') {
            Some((key, value)) => pairs.push((key.to_owned(), value.to_owned(), i + 1)),
            None => {
                // kustomize takes the value from its own environment; a build from files
                // cannot, and an unset variable is empty.
                pairs.push((trimmed.to_owned(), String::new(), i + 1));
                bare.push(i + 1);
            }
        }
    }
    (pairs, bare)
}

/// `key=value`, the value without one pair of surrounding quotes.
pub(crate) fn parse_literal(text: &str) -> Option<(String, String)> {
    let (key, value) = text.split_once('=')?;
    let value = ['"', '\'']
        .iter()
        .find_map(|q| {
            value
                .strip_prefix(*q)
                .and_then(|v| v.strip_suffix(*q))
                .filter(|_| value.len() >= 2)
        })
        .unwrap_or(value);
    Some((key.to_owned(), value.to_owned()))
}

/// The hash kustomize appends to a generated ConfigMap's or Secret's name: SHA-256 of a JSON
/// encoding of its kind and data (and a Secret's type), as Go's encoder writes it (sorted
/// keys, HTML escapes), cut to 10 characters with some letters and digits swapped.
/// kustomize's encoder looks the name up under a key that never exists, so the name it hashes
/// is always empty: two generators with the same data get the same hash.
pub(crate) fn name_hash(object: &Value) -> String {
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    // A missing field is hashed as an empty string, a present one as it is.
    let field = |key: &str| match object.get(key) {
        None => Value::String(String::new()),
        Some(Value::String(s)) => Value::String(s.clone()),
        Some(other) => other.clone(),
    };
    let mut map = serde_json::Map::new();
    map.insert("kind".to_owned(), Value::String(kind.to_owned()));
    map.insert("name".to_owned(), Value::String(String::new()));
    map.insert("data".to_owned(), field("data"));
    let extra = if kind == "Secret" {
        map.insert("type".to_owned(), field("type"));
        "stringData"
    } else {
        "binaryData"
    };
    if let Some(Value::Object(values)) = object.get(extra) {
        map.insert(extra.to_owned(), Value::Object(values.clone()));
    }
    let mut text = String::new();
    go_json(&mut text, &Value::Object(map));
    let digest = crate::sha256::hex_digest(text.as_bytes());
    digest
        .chars()
        .take(10)
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            other => other,
        })
        .collect()
}

/// JSON as Go's `encoding/json` writes a `map[string]interface{}`: keys sorted, `<`, `>` and
/// `&` escaped.
fn go_json(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_string(out, key);
                out.push(':');
                go_json(out, &map[*key]);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(out, item);
            }
            out.push(']');
        }
        Value::String(s) => go_string(out, s),
        other => out.push_str(&other.to_string()),
    }
}

fn go_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_env_files() {
        assert_eq!(
            parse_literal("a='b c'"),
            Some(("a".to_owned(), "b c".to_owned()))
        );
        assert_eq!(parse_literal("x=y=z").map(|p| p.1), Some("y=z".to_owned()));
        let (pairs, bare) = parse_env("# c\nA=1\n\nB\nC=x=y\n");
        assert_eq!(pairs.len(), 3);
        assert_eq!(bare, vec![4]);
    }
}
