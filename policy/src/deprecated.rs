//! OPA's deprecated builtins. OPA still accepts them in Rego v0, which is what Gatekeeper
//! templates are unless they import `rego.v1` (the gatekeeper-library's `uniqueingresshost`
//! and `volumeresources` call `re_match`); regorus has none of them. Each is registered as an
//! extension doing what its replacement does.

use std::collections::BTreeSet;

use anyhow::bail;
use regorus::{Engine, Value};

/// The deprecated builtins plimsoll provides, with their replacements.
pub(crate) const NAMES: &[(&str, &str)] = &[
    ("re_match", "regex.match"),
    ("any", "`some x in xs; x == true`"),
    ("all", "`every x in xs { x == true }`"),
    ("set_diff", "`a - b`"),
    ("net.cidr_overlap", "net.cidr_contains"),
    ("cast_array", "a comprehension"),
    ("cast_set", "a comprehension"),
];

/// Whether `name` is one of the deprecated builtins provided here.
pub(crate) fn provides(name: &str) -> bool {
    NAMES.iter().any(|(n, _)| *n == name)
}

/// Adds the deprecated builtins to an engine.
pub(crate) fn add(engine: &mut Engine) {
    let _ = engine.add_extension(
        "re_match".to_owned(),
        2,
        Box::new(|args| crate::caps::delegate("regex_match", args)),
    );
    let _ = engine.add_extension(
        "net.cidr_overlap".to_owned(),
        2,
        Box::new(|args| crate::caps::delegate("cidr_contains", args)),
    );
    let _ = engine.add_extension("any".to_owned(), 1, Box::new(|args| quantify("any", &args)));
    let _ = engine.add_extension("all".to_owned(), 1, Box::new(|args| quantify("all", &args)));
    let _ = engine.add_extension("set_diff".to_owned(), 2, Box::new(set_diff));
    let _ = engine.add_extension("cast_array".to_owned(), 1, Box::new(cast_array));
    let _ = engine.add_extension("cast_set".to_owned(), 1, Box::new(cast_set));
}

fn items(name: &str, value: Option<&Value>) -> anyhow::Result<Vec<Value>> {
    match value {
        Some(Value::Array(items)) => Ok(items.iter().cloned().collect()),
        Some(Value::Set(items)) => Ok(items.iter().cloned().collect()),
        _ => bail!("{name}: the operand must be an array or a set"),
    }
}

/// `any(xs)`: some element is `true`; `all(xs)`: every element is (true for none).
fn quantify(name: &str, args: &[Value]) -> anyhow::Result<Value> {
    let items = items(name, args.first())?;
    let yes = Value::Bool(true);
    Ok(Value::Bool(if name == "any" {
        items.contains(&yes)
    } else {
        items.iter().all(|v| *v == yes)
    }))
}

fn set_diff(args: Vec<Value>) -> anyhow::Result<Value> {
    match (args.first(), args.get(1)) {
        (Some(Value::Set(a)), Some(Value::Set(b))) => {
            let out: BTreeSet<Value> = a.iter().filter(|v| !b.contains(v)).cloned().collect();
            Ok(Value::from(out))
        }
        _ => bail!("set_diff: both operands must be sets"),
    }
}

fn cast_array(args: Vec<Value>) -> anyhow::Result<Value> {
    Ok(Value::from(items("cast_array", args.first())?))
}

fn cast_set(args: Vec<Value>) -> anyhow::Result<Value> {
    let out: BTreeSet<Value> = items("cast_set", args.first())?.into_iter().collect();
    Ok(Value::from(out))
}
