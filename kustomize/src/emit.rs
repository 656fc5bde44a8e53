//! Built objects as a YAML stream, laid out as `kubectl kustomize` prints them (lists under a
//! key not indented, `---` between documents). Strings are quoted when a YAML 1.1 reader would
//! read them as something else.

use serde_json::Value;

/// The documents as one YAML stream.
pub fn to_yaml<'a>(values: impl IntoIterator<Item = &'a Value>) -> String {
    let mut out = String::new();
    for (i, value) in values.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        match value {
            Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0),
            other => {
                write_inline(&mut out, other);
                out.push('\n');
            }
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, level: usize) {
    for (key, value) in map {
        indent(out, level);
        write_scalar(out, key, level);
        out.push(':');
        write_child(out, value, level, true);
    }
}

/// A value after `key:` or `- `: collections open on the next line, scalars follow inline.
fn write_child(out: &mut String, value: &Value, level: usize, in_map: bool) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_map(out, map, level + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            // kubectl does not indent a list under a mapping key.
            write_list(out, items, if in_map { level } else { level + 2 });
        }
        other => {
            out.push(' ');
            write_inline_at(out, other, level + 2);
            out.push('\n');
        }
    }
}

fn write_list(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                // The first key shares the dash's line.
                let mut first = true;
                for (key, value) in map {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        indent(out, level + 2);
                    }
                    write_scalar(out, key, level + 2);
                    out.push(':');
                    write_child(out, value, level + 2, true);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_list(out, inner, level + 2);
            }
            other => {
                out.push(' ');
                write_inline_at(out, other, level + 2);
                out.push('\n');
            }
        }
    }
}

fn write_inline(out: &mut String, value: &Value) {
    write_inline_at(out, value, 0);
}

fn write_inline_at(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_scalar(out, s, level),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn write_scalar(out: &mut String, text: &str, level: usize) {
    if text.contains('\n') && block_safe(text) {
        let chomp = if text.ends_with('\n') {
            if text.ends_with("\n\n") { "+" } else { "" }
        } else {
            "-"
        };
        out.push('|');
        out.push_str(chomp);
        let body = text.strip_suffix('\n').unwrap_or(text);
        for line in body.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                indent(out, level);
                out.push_str(line);
            }
        }
        return;
    }
    if plain_safe(text) {
        out.push_str(text);
    } else {
        out.push_str(&serde_json::Value::String(text.to_owned()).to_string());
    }
}

/// A literal block keeps the text exactly when no line has trailing blanks, the first line
/// does not start with a blank and there are no control characters.
fn block_safe(text: &str) -> bool {
    !text.starts_with([' ', '\t', '\n'])
        && !text.chars().any(|c| c.is_control() && c != '\n')
        && text.split('\n').all(|line| !line.ends_with([' ', '\t']))
}

fn plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    let dash_word = first == '-' && text.len() > 1 && !text[1..].starts_with([' ', '\t']);
    if "-?:,[]{}#&*!|>'\"%@` \t".contains(first) && !dash_word {
        return false;
    }
    if text.ends_with([' ', ':', '\t'])
        || text.contains(": ")
        || text.contains(" #")
        || text.chars().any(|c| c.is_control())
    {
        return false;
    }
    matches!(
        plimsoll_core::yaml::resolve::resolve_plain(text),
        Ok(Value::String(ref s)) if s == text
    ) && !looks_special_in_yaml_1_2(text)
}

/// Words a YAML 1.2 reader would not keep as strings, though a YAML 1.1 reader might.
fn looks_special_in_yaml_1_2(text: &str) -> bool {
    text.parse::<f64>().is_ok()
        || matches!(
            text.to_ascii_lowercase().as_str(),
            "true"
                | "false"
                | "null"
                | "~"
                | "yes"
                | "no"
                | "on"
                | "off"
                | "y"
                | "n"
                | ".inf"
                | ".nan"
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn layout_and_quoting() {
        let v = json!({"a": {"b": [{"c": 1, "d": "yes"}, "x"], "e": "", "f": "l1\nl2\n", "g": []}});
        assert_eq!(
            to_yaml([&v]),
            "a:\n  b:\n  - c: 1\n    d: \"yes\"\n  - x\n  e: \"\"\n  f: |\n    l1\n    l2\n  g: []\n"
        );
    }
}
