//! Scalar resolution the way Kubernetes reads YAML.
//!
//! kubectl, the API machinery and Helm decode YAML with a YAML 1.1 parser (go-yaml v2) into
//! untyped values and then convert them to JSON. This module reproduces that resolution for a
//! single scalar, from its raw text, its style and its tag. Each decision is pinned by a test
//! below and listed in ARCHITECTURE.md.

use serde_json::{Number, Value};

/// How a scalar was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    Block,
}

/// A scalar whose resolved value cannot be carried into JSON, so the API server never accepts it.
#[derive(Debug, PartialEq)]
pub enum ScalarError {
    /// `.inf`, `-.inf`, `.nan`: JSON has no such numbers.
    NotRepresentable(&'static str),
    /// An explicit tag whose content does not fit (`!!int abc`).
    BadTag { tag: String, reason: &'static str },
}

/// Resolves a scalar to the JSON value Kubernetes sees.
///
/// `tag` is the core-schema suffix (`str`, `int`, …) for `!!` tags, `Some("!other")` for any
/// other tag and `None` for an untagged scalar.
pub fn resolve(text: &str, style: Style, tag: Option<&str>) -> Result<Value, ScalarError> {
    match tag {
        None => {
            if style == Style::Plain {
                Ok(resolve_plain(text)?)
            } else {
                Ok(Value::String(text.to_owned()))
            }
        }
        Some("str") => Ok(Value::String(text.to_owned())),
        Some("binary") => Ok(decode_binary(text)),
        Some(core @ ("int" | "float" | "bool" | "null")) => {
            let value = resolve_plain(text)?;
            let fits = match core {
                "int" => value.is_i64() || value.is_u64(),
                "float" => value.is_number(),
                "bool" => value.is_boolean(),
                _ => value.is_null(),
            };
            if fits {
                Ok(value)
            } else {
                Err(ScalarError::BadTag {
                    tag: format!("!!{core}"),
                    reason: match core {
                        "int" => "not an integer",
                        "float" => "not a number",
                        "bool" => "not a boolean",
                        _ => "not null",
                    },
                })
            }
        }
        // go-yaml leaves the text of a scalar with an unknown or local tag as a string.
        Some(_) => Ok(Value::String(text.to_owned())),
    }
}

/// Resolution of an untagged plain scalar (YAML 1.1 as go-yaml v2 implements it).
pub fn resolve_plain(text: &str) -> Result<Value, ScalarError> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Ok(Value::Bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Ok(Value::Bool(false));
        }
        ".nan" | ".NaN" | ".NAN" => return Err(ScalarError::NotRepresentable("NaN")),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Err(ScalarError::NotRepresentable("+Inf"));
        }
        "-.inf" | "-.Inf" | "-.INF" => return Err(ScalarError::NotRepresentable("-Inf")),
        _ => {}
    }
    let first = text.as_bytes()[0];
    match first {
        b'0'..=b'9' | b'+' | b'-' => Ok(resolve_number(text).unwrap_or_else(|| string(text))),
        b'.' => Ok(if is_yaml_float(text) {
            text.parse::<f64>().ok().map_or_else(|| string(text), float)
        } else {
            string(text)
        }),
        _ => Ok(string(text)),
    }
}

fn string(text: &str) -> Value {
    Value::String(text.to_owned())
}

/// Numbers as go-yaml v2 reads them: underscores removed, then a Go integer with base prefix
/// (`0x`, `0o`, `0b`, a leading `0` for octal), then an unsigned integer, then a float of the
/// YAML form. Text that looks like a date stays a string.
fn resolve_number(text: &str) -> Option<Value> {
    let plain: std::borrow::Cow<str> = if text.contains('_') {
        text.replace('_', "").into()
    } else {
        text.into()
    };
    if let Some(v) = parse_go_int(&plain) {
        return Some(v);
    }
    if is_yaml_float(&plain) {
        return plain.parse::<f64>().ok().map(float);
    }
    None
}

fn parse_go_int(text: &str) -> Option<Value> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, body) = if let Some(rest) = strip_prefix_ci(digits, "0x") {
        (16, rest)
    } else if let Some(rest) = strip_prefix_ci(digits, "0o") {
        (8, rest)
    } else if let Some(rest) = strip_prefix_ci(digits, "0b") {
        (2, rest)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.bytes().all(|b| (b as char).is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(body, radix).ok()?;
    if negative {
        if magnitude <= i64::MAX as u64 {
            Some(Value::from(-(magnitude as i64)))
        } else if magnitude == i64::MAX as u64 + 1 {
            Some(Value::from(i64::MIN))
        } else {
            None
        }
    } else if text.starts_with('+') && magnitude > i64::MAX as u64 {
        // Go's ParseUint refuses a sign.
        None
    } else {
        Some(Value::from(magnitude))
    }
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    // `get` refuses a cut inside a multi-byte character, which plain text may hold.
    match (text.get(..prefix.len()), text.get(prefix.len()..)) {
        (Some(head), Some(rest)) if head.eq_ignore_ascii_case(prefix) => Some(rest),
        _ => None,
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// A float as it comes back from Go's JSON encoder: whole numbers below 1e21 print without a
/// fraction, so they are integers to every later reader (the API server included).
fn float(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f >= i64::MIN as f64 && f <= i64::MAX as f64 {
            return Value::from(f as i64);
        }
        if f >= 0.0 && f <= u64::MAX as f64 {
            return Value::from(f as u64);
        }
    }
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

fn decode_binary(text: &str) -> Value {
    use base64::Engine as _;
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    match base64::engine::general_purpose::STANDARD.decode(compact.as_bytes()) {
        Ok(bytes) => Value::String(String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => Value::String(text.to_owned()),
    }
}

/// The JSON object key that a resolved scalar key becomes (sigs.k8s.io/yaml stringifies
/// non-string keys: `1: x` is `"1"`, `yes: x` is `"true"`).
pub fn key_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plain(text: &str) -> Value {
        resolve(text, Style::Plain, None).unwrap()
    }

    #[test]
    fn booleans_follow_yaml_1_1_in_three_spellings() {
        for t in [
            "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
        ] {
            assert_eq!(plain(t), json!(true), "{t}");
        }
        for f in [
            "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
        ] {
            assert_eq!(plain(f), json!(false), "{f}");
        }
        // Mixed case is not in go-yaml's table.
        assert_eq!(plain("yEs"), json!("yEs"));
        assert_eq!(plain("oN"), json!("oN"));
    }

    #[test]
    fn quoting_keeps_strings() {
        assert_eq!(resolve("yes", Style::Quoted, None).unwrap(), json!("yes"));
        assert_eq!(resolve("0777", Style::Quoted, None).unwrap(), json!("0777"));
        assert_eq!(resolve("yes", Style::Block, None).unwrap(), json!("yes"));
    }

    #[test]
    fn nulls() {
        for t in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(plain(t), Value::Null, "{t}");
        }
        assert_eq!(plain("nULL"), json!("nULL"));
    }

    #[test]
    fn integers_with_go_base_prefixes() {
        assert_eq!(plain("0777"), json!(511));
        assert_eq!(plain("0o17"), json!(15));
        assert_eq!(plain("0x1F"), json!(31));
        assert_eq!(plain("0b101"), json!(5));
        assert_eq!(plain("-0b101"), json!(-5));
        assert_eq!(plain("1_000"), json!(1000));
        assert_eq!(plain("+12"), json!(12));
        assert_eq!(plain("-12"), json!(-12));
        assert_eq!(
            plain("18446744073709551615"),
            json!(18446744073709551615u64)
        );
        // Not octal, so go-yaml falls back to its float reading: 8.
        assert_eq!(plain("08"), json!(8));
    }

    #[test]
    fn floats_and_exponents() {
        assert_eq!(plain("1e3"), json!(1000));
        assert_eq!(plain("1.5"), json!(1.5));
        assert_eq!(plain(".5"), json!(0.5));
        assert_eq!(plain("-2.5e-1"), json!(-0.25));
        assert_eq!(plain("1."), json!(1));
        assert_eq!(plain("1e"), json!("1e"));
    }

    #[test]
    fn infinities_and_nan_are_not_json() {
        assert!(matches!(
            resolve(".inf", Style::Plain, None),
            Err(ScalarError::NotRepresentable("+Inf"))
        ));
        assert!(matches!(
            resolve("-.Inf", Style::Plain, None),
            Err(ScalarError::NotRepresentable("-Inf"))
        ));
        assert!(matches!(
            resolve(".NaN", Style::Plain, None),
            Err(ScalarError::NotRepresentable("NaN"))
        ));
        assert_eq!(plain(".info"), json!(".info"));
    }

    #[test]
    fn dates_and_versions_stay_strings() {
        // go-yaml v2 gives timestamp-looking scalars back as their text when decoding into
        // untyped values, which is what the Kubernetes YAML decoder does.
        assert_eq!(plain("2024-01-02"), json!("2024-01-02"));
        assert_eq!(
            plain("2001-12-14t21:59:43.10-05:00"),
            json!("2001-12-14t21:59:43.10-05:00")
        );
        assert_eq!(plain("1.2.3"), json!("1.2.3"));
        assert_eq!(plain("10Mi"), json!("10Mi"));
        assert_eq!(plain("+"), json!("+"));
        // Multi-byte text after a digit is not cut inside a character.
        assert_eq!(plain("0\u{fffd} name"), json!("0\u{fffd} name"));
        assert_eq!(plain("-é"), json!("-é"));
        assert_eq!(plain("-"), json!("-"));
    }

    #[test]
    fn tags() {
        assert_eq!(
            resolve("123", Style::Plain, Some("str")).unwrap(),
            json!("123")
        );
        assert_eq!(
            resolve("aGVsbG8=", Style::Plain, Some("binary")).unwrap(),
            json!("hello")
        );
        assert_eq!(resolve("12", Style::Plain, Some("int")).unwrap(), json!(12));
        assert!(matches!(
            resolve("abc", Style::Plain, Some("int")),
            Err(ScalarError::BadTag { .. })
        ));
        assert_eq!(
            resolve("x", Style::Plain, Some("!Ref")).unwrap(),
            json!("x")
        );
    }

    #[test]
    fn keys_become_strings() {
        assert_eq!(key_string(&plain("yes")), "true");
        assert_eq!(key_string(&plain("1")), "1");
        assert_eq!(key_string(&plain("~")), "null");
        assert_eq!(key_string(&plain("name")), "name");
    }
}
