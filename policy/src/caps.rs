//! Builtins whose cost grows with the value of an argument rather than with the input, capped.
//!
//! regorus's execution timer is checked between expressions, so a single builtin call that
//! allocates gigabytes or computes for minutes (`net.cidr_expand("::/0")`, `bits.lsh(1, 1e9)`,
//! `units.parse("1e99999999")`, `replace` of every character by a long string) cannot be
//! stopped by the time limit. These extensions (looked up before the builtins they shadow)
//! check their arguments first, then either compute the result themselves, as the builtin
//! does, or hand the call to the builtin itself in an engine of their own.

use std::cell::RefCell;

use anyhow::bail;
use regorus::{Engine, Value};

/// The largest string `replace`, `strings.replace_n`, `regex.replace` and `concat` may make.
pub const MAX_STRING: usize = 64 * 1024 * 1024;
/// The most addresses `net.cidr_expand` may list.
pub const MAX_ADDRESSES: u128 = 1_000_000;
/// The largest shift of `bits.lsh`.
pub const MAX_SHIFT: u64 = 4096;
/// The largest decimal exponent `units.parse` and `units.parse_bytes` read.
pub const MAX_EXPONENT: u64 = 1000;

/// The builtins that the extensions hand calls to, each reading its arguments from `input`.
const DELEGATES: &str = r#"package plimsoll_builtins

import rego.v1

cidr_expand := net.cidr_expand(input[0])

lsh := bits.lsh(input[0], input[1])

units_parse := units.parse(input[0])

units_parse_bytes := units.parse_bytes(input[0])

replace_n := strings.replace_n(input[0], input[1])

regex_replace := regex.replace(input[0], input[1], input[2])

concat_strings := concat(input[0], input[1])

regex_match := regex.match(input[0], input[1])

cidr_contains := net.cidr_contains(input[0], input[1])
"#;

thread_local! {
    static PLAIN: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// Runs the builtin behind `rule` of [`DELEGATES`] on `args`.
pub(crate) fn delegate(rule: &str, args: Vec<Value>) -> anyhow::Result<Value> {
    PLAIN.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut engine = Engine::new();
            engine.add_policy("plimsoll_builtins.rego".to_owned(), DELEGATES.to_owned())?;
            *slot = Some(engine);
        }
        let Some(engine) = slot.as_mut() else {
            bail!("the builtins engine is not available");
        };
        engine.set_input(Value::from(args));
        engine.eval_rule(format!("data.plimsoll_builtins.{rule}"))
    })
}

fn string(args: &[Value], i: usize) -> Option<&str> {
    match args.get(i) {
        Some(Value::String(s)) => Some(s.as_ref()),
        _ => None,
    }
}

fn too_long(name: &str, bytes: usize) -> anyhow::Error {
    anyhow::anyhow!(
        "{name}: the result would be {bytes} bytes, over plimsoll's limit of {MAX_STRING}"
    )
}

/// Adds the capped builtins to an engine.
pub(crate) fn add(engine: &mut Engine) {
    let _ = engine.add_extension("replace".to_owned(), 3, Box::new(replace));
    let _ = engine.add_extension("concat".to_owned(), 2, Box::new(concat));
    let _ = engine.add_extension("strings.replace_n".to_owned(), 2, Box::new(replace_n));
    let _ = engine.add_extension("regex.replace".to_owned(), 3, Box::new(regex_replace));
    let _ = engine.add_extension("net.cidr_expand".to_owned(), 1, Box::new(cidr_expand));
    let _ = engine.add_extension("bits.lsh".to_owned(), 2, Box::new(lsh));
    let _ = engine.add_extension(
        "units.parse".to_owned(),
        1,
        Box::new(|args| units("units.parse", "units_parse", args)),
    );
    let _ = engine.add_extension(
        "units.parse_bytes".to_owned(),
        1,
        Box::new(|args| units("units.parse_bytes", "units_parse_bytes", args)),
    );
}

fn replace(args: Vec<Value>) -> anyhow::Result<Value> {
    let (Some(s), Some(old), Some(new)) = (string(&args, 0), string(&args, 1), string(&args, 2))
    else {
        bail!("replace: the operands must be strings");
    };
    let count = if old.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(old).count()
    };
    let size = s.len().saturating_add(count.saturating_mul(new.len()));
    if size > MAX_STRING {
        return Err(too_long("replace", size));
    }
    Ok(Value::from(s.replace(old, new)))
}

fn concat(args: Vec<Value>) -> anyhow::Result<Value> {
    let delimiter = string(&args, 0).map_or(0, str::len);
    let (count, total) = match args.get(1) {
        Some(Value::Array(items)) => (items.len(), strings_len(items.iter())),
        Some(Value::Set(items)) => (items.len(), strings_len(items.iter())),
        _ => (0, 0),
    };
    let size = total.saturating_add(count.saturating_sub(1).saturating_mul(delimiter));
    if size > MAX_STRING {
        return Err(too_long("concat", size));
    }
    delegate("concat_strings", args)
}

fn strings_len<'a>(items: impl Iterator<Item = &'a Value>) -> usize {
    items
        .map(|v| match v {
            Value::String(s) => s.len(),
            _ => 0,
        })
        .fold(0usize, usize::saturating_add)
}

fn replace_n(args: Vec<Value>) -> anyhow::Result<Value> {
    // Every character (and the end) may be replaced by the longest replacement at most.
    let longest = match args.first() {
        Some(Value::Object(patterns)) => patterns
            .values()
            .map(|v| match v {
                Value::String(s) => s.len(),
                _ => 0,
            })
            .max()
            .unwrap_or(0),
        _ => 0,
    };
    if let Some(value) = string(&args, 1) {
        let size = (value.len() + 1).saturating_mul(longest.max(1));
        if size > MAX_STRING && size > value.len() {
            return Err(too_long("strings.replace_n", size));
        }
    }
    delegate("replace_n", args)
}

fn regex_replace(args: Vec<Value>) -> anyhow::Result<Value> {
    if let (Some(s), Some(value)) = (string(&args, 0), string(&args, 2)) {
        // Each match (at most one per position, and one at the end) becomes `value`, whose
        // `$n` references each expand to at most the whole text.
        let references = value.matches('$').count();
        let per_match = value
            .len()
            .saturating_add(references.saturating_mul(s.len()));
        let size = s
            .len()
            .saturating_add((s.len() + 1).saturating_mul(per_match));
        if size > MAX_STRING {
            bail!(
                "regex.replace: the result could reach {size} bytes, over plimsoll's limit of {MAX_STRING}"
            );
        }
    }
    delegate("regex_replace", args)
}

fn cidr_expand(args: Vec<Value>) -> anyhow::Result<Value> {
    if let Some(cidr) = string(&args, 0)
        && let Some((address, prefix)) = cidr.split_once('/')
        && let Ok(prefix) = prefix.parse::<u32>()
    {
        let bits = if address.contains(':') { 128 } else { 32 };
        let host_bits = bits - prefix.min(bits);
        if host_bits >= 127 || 1u128 << host_bits > MAX_ADDRESSES {
            bail!(
                "net.cidr_expand: {cidr} holds 2^{host_bits} addresses, over plimsoll's limit of {MAX_ADDRESSES}"
            );
        }
    }
    delegate("cidr_expand", args)
}

fn lsh(args: Vec<Value>) -> anyhow::Result<Value> {
    if let Some(Value::Number(shift)) = args.get(1) {
        let too_far = match shift.as_u64() {
            Some(n) => n > MAX_SHIFT,
            None => shift.as_f64().is_some_and(|f| f > MAX_SHIFT as f64),
        };
        if too_far {
            bail!("bits.lsh: a shift over {MAX_SHIFT} bits is over plimsoll's limit");
        }
    }
    delegate("lsh", args)
}

fn units(name: &str, rule: &str, args: Vec<Value>) -> anyhow::Result<Value> {
    if let Some(text) = string(&args, 0) {
        // The decimal exponent, as written (`1e100000000`): the builtin expands it in full.
        let exponent = text
            .find(['e', 'E'])
            .map(|at| &text[at + 1..])
            .map(|rest| rest.trim_start_matches(['+', '-']))
            .map(|rest| {
                rest.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .filter(|digits| !digits.is_empty());
        if let Some(digits) = exponent
            && (digits.len() > 6 || digits.parse::<u64>().is_ok_and(|e| e > MAX_EXPONENT))
        {
            bail!("{name}: an exponent of {digits} is over plimsoll's limit of {MAX_EXPONENT}");
        }
        if text.len() > 4096 {
            bail!(
                "{name}: a quantity of {} bytes is over plimsoll's limit of 4096",
                text.len()
            );
        }
    }
    delegate(rule, args)
}
