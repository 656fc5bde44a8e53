//! Lists with `x-kubernetes-list-type: set` or `map`: equality ignores order, `+` is a
//! union (set) or a merge by the map keys (map). The checker routes `==`, `!=` and `+` of
//! such lists here (see [`crate::check`]).

use std::sync::Arc;

use kube_cel::cel::objects::Key;
use kube_cel::cel::{ExecutionError, Value};

/// Equal as unordered collections (each element of one is in the other, same length);
/// other values compare as CEL does.
pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().all(|v| y.contains(v)) && y.iter().all(|v| x.contains(v))
        }
        _ => a == b,
    }
}

pub(crate) fn eq(a: Value, b: Value) -> Result<Value, ExecutionError> {
    Ok(Value::Bool(equal(&a, &b)))
}

pub(crate) fn ne(a: Value, b: Value) -> Result<Value, ExecutionError> {
    Ok(Value::Bool(!equal(&a, &b)))
}

/// `X + Y` of sets: the elements of X in their order, then those of Y not in X.
pub(crate) fn union(a: Value, b: Value) -> Result<Value, ExecutionError> {
    match (&a, &b) {
        (Value::List(x), Value::List(y)) => {
            let mut out: Vec<Value> = x.as_ref().clone();
            for v in y.iter() {
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
            Ok(Value::List(Arc::new(out)))
        }
        _ => Ok(a),
    }
}

fn key_of(value: &Value, keys: &[Arc<String>]) -> Vec<Option<Value>> {
    keys.iter()
        .map(|k| match value {
            Value::Map(m) => m.map.get(&Key::String(k.clone())).cloned(),
            _ => None,
        })
        .collect()
}

/// `X + Y` of map lists: X's elements in their order, replaced by Y's element of the same
/// keys, then Y's elements whose keys X does not hold.
pub(crate) fn merge(a: Value, b: Value, keys: Value) -> Result<Value, ExecutionError> {
    let keys: Vec<Arc<String>> = match &keys {
        Value::List(k) => k
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    match (&a, &b) {
        (Value::List(x), Value::List(y)) => {
            let mut out: Vec<Value> = x.as_ref().clone();
            for v in y.iter() {
                let key = key_of(v, &keys);
                match out.iter_mut().find(|o| key_of(o, &keys) == key) {
                    Some(slot) => *slot = v.clone(),
                    None => out.push(v.clone()),
                }
            }
            Ok(Value::List(Arc::new(out)))
        }
        _ => Ok(a),
    }
}
