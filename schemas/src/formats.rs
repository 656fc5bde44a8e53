//! Formats as the API server checks them, and the schema rewrite that makes
//! the validator check integer ranges for `int32`/`int64` (the embedded
//! schemas get the same rewrites when they are generated, see `update.py`).

use base64::Engine as _;
use serde_json::{Value, json};

/// The schema of a field that takes an integer or a string.
pub(crate) fn int_or_string_schema(nullable: bool) -> Value {
    if nullable {
        json!({"type": ["integer", "string", "null"], "format": "int-or-string"})
    } else {
        json!({"type": ["integer", "string"], "format": "int-or-string"})
    }
}

/// Add `minimum`/`maximum` beside every `format: int32` or `int64`: the
/// validator only checks formats of strings, and Go rejects out-of-range numbers.
pub(crate) fn add_integer_ranges(node: &mut Value) {
    match node {
        Value::Object(map) => {
            let range = match map.get("format").and_then(Value::as_str) {
                Some("int32") => Some((json!(i32::MIN), json!(i32::MAX))),
                Some("int64") => Some((json!(i64::MIN), json!(i64::MAX))),
                _ => None,
            };
            if let Some((min, max)) = range {
                map.entry("minimum").or_insert(min);
                map.entry("maximum").or_insert(max);
            }
            for value in map.values_mut() {
                add_integer_ranges(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(add_integer_ranges),
        _ => {}
    }
}

/// True when `limit` is the bound of a 32-bit or 64-bit integer, to say
/// "out of range for a 32-bit integer" rather than quoting a huge number.
pub(crate) fn integer_width(limit: &Value) -> Option<u8> {
    let n = limit.as_i64()?;
    if n == i64::from(i32::MIN) || n == i64::from(i32::MAX) {
        Some(32)
    } else if n == i64::MIN || n == i64::MAX {
        Some(64)
    } else {
        None
    }
}

/// `resource.Quantity` syntax: an optional sign, a decimal number, then a
/// binary suffix (`Ki`…`Ei`), a decimal suffix (`n`, `u`, `m`, `k`, `M`…`E`)
/// or a decimal exponent (`e3`, `E-2`).
pub(crate) fn is_quantity(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut digits = 0;
    let mut dot = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' if !dot => dot = true,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return false;
    }
    let suffix = &s[i..];
    match suffix {
        "" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" | "n" | "u" | "m" | "k" | "M" | "G" | "T"
        | "P" | "E" => true,
        _ => {
            let rest = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'));
            match rest {
                Some(exp) => {
                    let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
                    !exp.is_empty() && exp.bytes().all(|b| b.is_ascii_digit())
                }
                None => false,
            }
        }
    }
}

/// `format: byte`: standard base64 with padding, as Go decodes `[]byte`.
pub(crate) fn is_byte(s: &str) -> bool {
    base64::engine::general_purpose::STANDARD.decode(s).is_ok()
}

/// `format: date-time`: RFC 3339, as `metav1.Time` parses it
/// (`2024-01-31T12:00:00Z`, fractional seconds and offsets allowed).
pub(crate) fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<u32> {
        let part = b.get(from..from + len)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let (Some(_year), Some(month), Some(day)) = (num(0, 4), num(5, 2), num(8, 2)) else {
        return false;
    };
    let (Some(hour), Some(minute), Some(second)) = (num(11, 2), num(14, 2), num(17, 2)) else {
        return false;
    };
    if !(at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':')) {
        return false;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return false;
    }
    if second > 60 {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len()
                && at(i + 3, b':')
                && num(i + 1, 2).is_some_and(|h| h <= 23)
                && num(i + 4, 2).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

/// `format: duration` as the API server reads it for custom resources: Go's
/// `time.ParseDuration` (`30s`, `1h30m`, `-1.5h`, `0`), not ISO 8601.
pub(crate) fn is_go_duration(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    if s == "0" {
        return true;
    }
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[number_len..];
        let unit = ["ns", "us", "\u{b5}s", "\u{3bc}s", "ms", "s", "m", "h"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        match unit {
            Some(unit) => rest = &rest[unit.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        for ok in [
            "1", "500m", "1.5", "128Mi", "2Gi", "1e3", "1E-2", "+1k", "-0.5", ".5", "100n",
        ] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in [
            "", "Mi", "1 Gi", "12GB", "1.2.3", "1e", "1ki", "abc", "1Mi ",
        ] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }

    #[test]
    fn date_times() {
        for ok in [
            "2024-01-31T12:00:00Z",
            "2024-01-31T12:00:00.123Z",
            "2024-01-31T12:00:00+02:00",
        ] {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in [
            "2024-01-31",
            "2024-13-01T00:00:00Z",
            "2024-01-31 12:00:00Z",
            "2024-01-31T12:00:00",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn go_durations() {
        for ok in [
            "0",
            "30s",
            "1h30m",
            "-1.5h",
            "100ms",
            "2h45m0.5s",
            "1\u{b5}s",
        ] {
            assert!(is_go_duration(ok), "{ok}");
        }
        for bad in ["", "30", "P1D", "1d", "h", "1.2.3s", "1 s"] {
            assert!(!is_go_duration(bad), "{bad}");
        }
    }

    #[test]
    fn bytes() {
        assert!(is_byte("aGVsbG8="));
        assert!(is_byte(""));
        assert!(!is_byte("not base64!"));
    }
}
