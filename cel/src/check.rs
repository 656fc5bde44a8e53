//! Compile-time checking, as the API server does before it accepts a rule: the types of
//! an expression's variables come from the structural schema ([`Type::from_schema`]), and
//! [`check`] walks the parsed expression to find
//!
//! - a field that the schema does not declare (`self.spce`), also under `has()`;
//! - operators and functions applied to types they have no overload for (`self.replicas ==
//!   'three'`, `self.name && true`, `self.count.startsWith('a')`, a comprehension over an
//!   integer);
//! - the estimated cost of the expression, from the sizes the schema allows (`maxLength`,
//!   `maxItems`, `maxProperties`; unbounded ones are estimated from the largest request the
//!   API server accepts, 3 MiB), with the cost factors of the CEL cost estimator.
//!
//! Where the type of a value is not known (`dyn`: `x-kubernetes-int-or-string`, params,
//! variables), everything is accepted: the checker reports only what the API server
//! certainly refuses.
//!
//! It also rewrites what the types decide: `==`, `!=` and `+` over lists with
//! `x-kubernetes-list-type: set` or `map` compare ignoring order, and concatenate as a
//! union (sets) or a merge by keys (maps), as the API server's CEL does.

use std::collections::BTreeMap;
use std::sync::Arc;

use kube_cel::cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr, LiteralValue};
use serde_json::Value as Json;

/// The largest request the API server accepts, in bytes: the bound of anything unbounded.
pub const MAX_REQUEST_BYTES: u64 = 3 * 1024 * 1024;
/// The most a rule may cost by the static estimate (the API server's per-expression limit).
pub const STATIC_COST_LIMIT: u64 = 10_000_000;
/// The most all the rules of one CRD version may cost together, each multiplied by how
/// many times it can run in one object.
pub const STATIC_CRD_COST_LIMIT: u64 = 100_000_000;

/// The functions `==`, `!=` and `+` are rewritten to for `set` and `map` lists.
pub(crate) const LIST_EQ: &str = "plimsoll.listEq";
pub(crate) const LIST_NE: &str = "plimsoll.listNe";
pub(crate) const SET_UNION: &str = "plimsoll.setUnion";
pub(crate) const MAP_MERGE: &str = "plimsoll.mapListMerge";

/// `x-kubernetes-list-type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListKind {
    Atomic,
    Set,
    /// With its `x-kubernetes-list-map-keys`.
    Map(Vec<String>),
}

/// The type of a value, with the most elements (list items, map entries, string bytes) it
/// can hold, for the cost estimate.
#[derive(Debug, Clone)]
pub enum Type {
    Dyn,
    Null,
    Bool,
    Int,
    Uint,
    Double,
    String(u64),
    Bytes(u64),
    Timestamp,
    Duration,
    List(Arc<Type>, u64, ListKind),
    Map(Arc<Type>, Arc<Type>, u64),
    Object(Arc<Object>),
    /// A type used as a value (`int`, `string`…).
    TypeValue,
}

/// An object of a structural schema: its declared fields (a field without a type, under
/// `x-kubernetes-preserve-unknown-fields`, is not declared: rules cannot read it).
#[derive(Debug, Default)]
pub struct Object {
    pub fields: BTreeMap<String, Type>,
    /// The smallest JSON this object can be (for the estimate of a list of them).
    pub min_size: u64,
}

impl Type {
    /// The type of values of a structural schema node (`resource`: the root of a resource,
    /// or an `x-kubernetes-embedded-resource` node, which always has `apiVersion`, `kind`
    /// and `metadata.name`/`generateName`). `None` for a node without a type.
    pub fn from_schema(schema: &Json, resource: bool) -> Option<Type> {
        Builder::default().build(schema, resource, 0)
    }

    /// [`Type::from_schema`] for a JSON Schema whose `$ref`s (`#/$defs/NAME`) lead into
    /// `root`'s `$defs`, as the embedded Kubernetes schemas are; `allOf` of one schema
    /// reads as that schema.
    pub fn from_json_schema(schema: &Json, root: &Json, resource: bool) -> Option<Type> {
        Builder {
            defs: root.get("$defs"),
            ..Builder::default()
        }
        .build(schema, resource, 0)
    }

    /// The name CEL gives the type, for messages.
    pub fn name(&self) -> String {
        match self {
            Type::Dyn => "dyn".into(),
            Type::Null => "null_type".into(),
            Type::Bool => "bool".into(),
            Type::Int => "int".into(),
            Type::Uint => "uint".into(),
            Type::Double => "double".into(),
            Type::String(_) => "string".into(),
            Type::Bytes(_) => "bytes".into(),
            Type::Timestamp => "google.protobuf.Timestamp".into(),
            Type::Duration => "google.protobuf.Duration".into(),
            Type::List(item, _, _) => format!("list({})", item.name()),
            Type::Map(k, v, _) => format!("map({}, {})", k.name(), v.name()),
            Type::Object(_) => "object".into(),
            Type::TypeValue => "type".into(),
        }
    }

    /// The most elements (bytes of a string) a value of this type holds.
    fn size(&self) -> u64 {
        match self {
            Type::String(n) | Type::Bytes(n) => *n,
            Type::List(_, n, _) | Type::Map(_, _, n) => *n,
            Type::Object(o) => o.fields.len() as u64,
            Type::Dyn => 1,
            _ => 1,
        }
    }

    /// The smallest JSON text of a value of this type.
    fn min_size(&self) -> u64 {
        match self {
            Type::Bool => 4,
            Type::String(_) | Type::Bytes(_) | Type::List(..) | Type::Map(..) => 2,
            Type::Object(o) => o.min_size,
            Type::Timestamp | Type::Duration => 4,
            _ => 1,
        }
    }

    fn is_dyn(&self) -> bool {
        matches!(self, Type::Dyn | Type::Null)
    }

    /// The family for overload resolution: values of different families never compare.
    fn family(&self) -> Option<&'static str> {
        Some(match self {
            Type::Dyn | Type::Null => return None,
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Uint => "uint",
            Type::Double => "double",
            Type::String(_) => "string",
            Type::Bytes(_) => "bytes",
            Type::Timestamp => "timestamp",
            Type::Duration => "duration",
            Type::List(..) => "list",
            Type::Map(..) => "map",
            Type::Object(_) => "object",
            Type::TypeValue => "type",
        })
    }

    fn numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Uint | Type::Double)
    }
}

fn unbounded_items(item_min: u64) -> u64 {
    (MAX_REQUEST_BYTES - 2) / (item_min + 1)
}

#[derive(Default)]
struct Builder<'a> {
    defs: Option<&'a Json>,
    /// Types of `$defs` entries built so far; `None` while one is being built (a
    /// recursive reference reads as `dyn`).
    done: std::collections::HashMap<String, Option<Type>>,
}

impl Builder<'_> {
    fn build(&mut self, schema: &Json, resource: bool, depth: usize) -> Option<Type> {
        if let Some(reference) = schema.get("$ref").and_then(Json::as_str) {
            let name = reference.strip_prefix("#/$defs/")?;
            if let Some(found) = self.done.get(name) {
                return Some(found.clone().unwrap_or(Type::Dyn));
            }
            let target = self.defs?.get(name.replace("~1", "/").replace("~0", "~"))?;
            self.done.insert(name.to_owned(), None);
            let built = self.build(target, resource, depth + 1);
            self.done.insert(name.to_owned(), built.clone());
            return built;
        }
        if schema.get("type").is_none()
            && schema.get("properties").is_none()
            && let Some(Json::Array(branches)) = schema.get("allOf")
            && branches.len() == 1
        {
            return self.build(&branches[0], resource, depth + 1);
        }
        from_schema(self, schema, resource, depth)
    }
}

fn from_schema(b: &mut Builder<'_>, schema: &Json, resource: bool, depth: usize) -> Option<Type> {
    if depth > 64 {
        return Some(Type::Dyn);
    }
    let flag = |key: &str| schema.get(key).and_then(Json::as_bool) == Some(true);
    let number = |key: &str| schema.get(key).and_then(Json::as_u64);
    if flag("x-kubernetes-int-or-string")
        || schema.get("format").and_then(Json::as_str) == Some("int-or-string")
    {
        return Some(Type::Dyn);
    }
    // `type: [string, "null"]` (a nullable field in a converted schema).
    let kind = match schema.get("type") {
        Some(Json::Array(types)) => types.iter().filter_map(Json::as_str).find(|t| *t != "null"),
        other => other.and_then(Json::as_str),
    };
    let kind = match kind {
        None if resource || schema.get("properties").is_some() => "object",
        None => return None,
        Some(k) => k,
    };
    Some(match kind {
        "array" => {
            let item_schema = schema.get("items")?;
            let item = b.build(
                item_schema,
                item_schema
                    .get("x-kubernetes-embedded-resource")
                    .and_then(Json::as_bool)
                    == Some(true),
                depth + 1,
            )?;
            let max = number("maxItems").unwrap_or_else(|| unbounded_items(item.min_size()));
            let list_kind = match schema.get("x-kubernetes-list-type").and_then(Json::as_str) {
                Some("set") => ListKind::Set,
                Some("map") => ListKind::Map(
                    schema
                        .get("x-kubernetes-list-map-keys")
                        .and_then(Json::as_array)
                        .map(|k| {
                            k.iter()
                                .filter_map(Json::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                ),
                _ => ListKind::Atomic,
            };
            Type::List(Arc::new(item), max, list_kind)
        }
        "object" => {
            if let Some(additional) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                let value = b.build(
                    additional,
                    additional
                        .get("x-kubernetes-embedded-resource")
                        .and_then(Json::as_bool)
                        == Some(true),
                    depth + 1,
                )?;
                let max =
                    number("maxProperties").unwrap_or_else(|| unbounded_items(value.min_size()));
                return Some(Type::Map(
                    Arc::new(Type::String(MAX_REQUEST_BYTES)),
                    Arc::new(value),
                    max,
                ));
            }
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Json::as_array)
                .map(|r| r.iter().filter_map(Json::as_str).collect())
                .unwrap_or_default();
            let mut object = Object {
                fields: BTreeMap::new(),
                min_size: 2,
            };
            if let Some(Json::Object(properties)) = schema.get("properties") {
                for (name, property) in properties {
                    let embedded = property
                        .get("x-kubernetes-embedded-resource")
                        .and_then(Json::as_bool)
                        == Some(true);
                    if let Some(t) = b.build(property, embedded, depth + 1) {
                        if required.contains(&name.as_str()) && property.get("default").is_none() {
                            object.min_size += name.len() as u64 + t.min_size() + 4;
                        }
                        if crate::value::is_reserved(name) {
                            object.fields.insert(name.clone(), t.clone());
                        }
                        object.fields.insert(crate::value::escape_property(name), t);
                    }
                }
            }
            if resource {
                let string = Type::String(MAX_REQUEST_BYTES);
                object.fields.insert("apiVersion".into(), string.clone());
                object.fields.insert("kind".into(), string.clone());
                let mut metadata = Object {
                    fields: BTreeMap::new(),
                    min_size: 2,
                };
                metadata.fields.insert("name".into(), string.clone());
                metadata.fields.insert("generateName".into(), string);
                object
                    .fields
                    .insert("metadata".into(), Type::Object(Arc::new(metadata)));
            }
            Type::Object(Arc::new(object))
        }
        "string" => match schema.get("format").and_then(Json::as_str) {
            Some("byte") => Type::Bytes(number("maxLength").unwrap_or(MAX_REQUEST_BYTES)),
            Some("duration") => Type::Duration,
            Some("date") | Some("date-time") => Type::Timestamp,
            _ => Type::String(match number("maxLength") {
                Some(n) => n.saturating_mul(4),
                None => match schema.get("enum").and_then(Json::as_array) {
                    Some(values) => values
                        .iter()
                        .filter_map(Json::as_str)
                        .map(|v| v.len() as u64)
                        .max()
                        .unwrap_or(0),
                    None => MAX_REQUEST_BYTES - 2,
                },
            }),
        },
        "boolean" => Type::Bool,
        "number" => Type::Double,
        "integer" => Type::Int,
        _ => Type::Dyn,
    })
}

/// What checking found: the type of the result and the estimated cost.
#[derive(Debug, Clone)]
pub struct Checked {
    pub result: Type,
    pub cost: u64,
}

/// Check `expr` with variables of the given types (variables not listed are `dyn`),
/// rewriting list operations by list type. The error is the API server's reason.
pub fn check(expr: &mut IdedExpr, variables: &[(&str, Type)]) -> Result<Checked, String> {
    let mut checker = Checker {
        scope: variables
            .iter()
            .map(|(n, t)| ((*n).to_owned(), t.clone()))
            .collect(),
    };
    let (result, cost) = checker.expr(expr)?;
    Ok(Checked { result, cost })
}

struct Checker {
    scope: Vec<(String, Type)>,
}

fn overload(function: &str, args: &[&Type]) -> String {
    let names: Vec<String> = args.iter().map(|t| t.name()).collect();
    format!(
        "found no matching overload for '{}' applied to '({})'",
        function,
        names.join(", ")
    )
}

fn receiver_overload(function: &str, target: &Type, args: &[&Type]) -> String {
    let names: Vec<String> = args.iter().map(|t| t.name()).collect();
    format!(
        "found no matching overload for '{function}' applied to '{}.({})'",
        target.name(),
        names.join(", ")
    )
}

/// `ceil(size × factor)`.
fn scaled(size: u64, factor: f64) -> u64 {
    (size as f64 * factor).ceil() as u64
}

fn join(a: &Type, b: &Type) -> Type {
    if a.family() == b.family() && a.family().is_some() {
        if a.size() >= b.size() {
            a.clone()
        } else {
            b.clone()
        }
    } else {
        Type::Dyn
    }
}

const STRING_TRAVERSAL: f64 = 0.1;
const REGEX_LENGTH: f64 = 0.25;

impl Checker {
    fn lookup(&self, name: &str) -> Type {
        if let Some((_, t)) = self.scope.iter().rev().find(|(n, _)| n == name) {
            return t.clone();
        }
        if crate::TYPE_NAMES.contains(&name) || name == "type" {
            return Type::TypeValue;
        }
        Type::Dyn
    }

    fn expr(&mut self, expr: &mut IdedExpr) -> Result<(Type, u64), String> {
        match &mut expr.expr {
            Expr::Literal(literal) => Ok((
                match literal {
                    LiteralValue::Boolean(_) => Type::Bool,
                    LiteralValue::Int(_) => Type::Int,
                    LiteralValue::UInt(_) => Type::Uint,
                    LiteralValue::Double(_) => Type::Double,
                    LiteralValue::String(s) => Type::String(s.len() as u64),
                    LiteralValue::Bytes(b) => Type::Bytes(b.len() as u64),
                    LiteralValue::Null => Type::Null,
                },
                0,
            )),
            Expr::Ident(name) => Ok((self.lookup(name), 1)),
            Expr::Select(select) => {
                let (operand, cost) = self.expr(&mut select.operand)?;
                let field = select.field.clone();
                let t = match &operand {
                    Type::Object(object) => match object.fields.get(&field) {
                        Some(t) => t.clone(),
                        None => return Err(format!("undefined field '{field}'")),
                    },
                    Type::Map(_, value, _) => (**value).clone(),
                    t if t.is_dyn() => Type::Dyn,
                    other => {
                        return Err(format!(
                            "type '{}' does not support field selection",
                            other.name()
                        ));
                    }
                };
                Ok((if select.test { Type::Bool } else { t }, cost + 1))
            }
            Expr::List(list) => {
                let mut cost = 10;
                let mut item: Option<Type> = None;
                for e in &mut list.elements {
                    let (t, c) = self.expr(e)?;
                    cost += c;
                    item = Some(match item {
                        None => t,
                        Some(prev) => join(&prev, &t),
                    });
                }
                let n = list.elements.len() as u64;
                Ok((
                    Type::List(Arc::new(item.unwrap_or(Type::Dyn)), n, ListKind::Atomic),
                    cost,
                ))
            }
            Expr::Map(map) => {
                let mut cost = 30;
                let mut key_type: Option<Type> = None;
                let mut value_type: Option<Type> = None;
                for entry in &mut map.entries {
                    match &mut entry.expr {
                        EntryExpr::MapEntry(e) => {
                            let (k, c1) = self.expr(&mut e.key)?;
                            let (v, c2) = self.expr(&mut e.value)?;
                            cost += c1 + c2;
                            key_type = Some(key_type.map_or(k.clone(), |p| join(&p, &k)));
                            value_type = Some(value_type.map_or(v.clone(), |p| join(&p, &v)));
                        }
                        EntryExpr::StructField(f) => cost += self.expr(&mut f.value)?.1,
                    }
                }
                let n = map.entries.len() as u64;
                Ok((
                    Type::Map(
                        Arc::new(key_type.unwrap_or(Type::Dyn)),
                        Arc::new(value_type.unwrap_or(Type::Dyn)),
                        n,
                    ),
                    cost,
                ))
            }
            Expr::Struct(s) => {
                let mut cost = 40;
                for entry in &mut s.entries {
                    match &mut entry.expr {
                        EntryExpr::StructField(f) => cost += self.expr(&mut f.value)?.1,
                        EntryExpr::MapEntry(e) => {
                            cost += self.expr(&mut e.key)?.1 + self.expr(&mut e.value)?.1
                        }
                    }
                }
                Ok((Type::Dyn, cost))
            }
            Expr::Comprehension(c) => {
                let (range, range_cost) = self.expr(&mut c.iter_range)?;
                let (first, second, iterations) = match &range {
                    Type::List(item, n, _) => ((**item).clone(), Some((**item).clone()), *n),
                    Type::Map(k, v, n) => ((**k).clone(), Some((**v).clone()), *n),
                    t if t.is_dyn() => (Type::Dyn, Some(Type::Dyn), 1),
                    other => {
                        return Err(format!(
                            "expression of type '{}' cannot be range of a comprehension (must be list, map, or dynamic)",
                            other.name()
                        ));
                    }
                };
                let (init, init_cost) = self.expr(&mut c.accu_init)?;
                let before = self.scope.len();
                match &c.iter_var2 {
                    // Two-variable comprehensions: index (or key) and value.
                    Some(v2) => {
                        let index = match range {
                            Type::List(..) => Type::Int,
                            _ => first.clone(),
                        };
                        self.scope.push((c.iter_var.clone(), index));
                        self.scope.push((v2.clone(), second.unwrap_or(Type::Dyn)));
                    }
                    None => self.scope.push((c.iter_var.clone(), first)),
                }
                // The accumulator of `map` starts as `[]`: its items are what the step adds.
                self.scope.push((c.accu_var.clone(), init.clone()));
                let (cond_type, cond_cost) = self.expr(&mut c.loop_cond)?;
                let _ = cond_type;
                let (step, step_cost) = self.expr(&mut c.loop_step)?;
                let accu = match (&init, &step) {
                    (Type::List(..), Type::List(item, _, kind)) => {
                        Type::List(item.clone(), iterations.max(1), kind.clone())
                    }
                    _ => init,
                };
                self.scope
                    .truncate(before + if c.iter_var2.is_some() { 2 } else { 1 });
                self.scope.push((c.accu_var.clone(), accu));
                let (result, result_cost) = self.expr(&mut c.result)?;
                self.scope.truncate(before);
                let per_iteration = cond_cost.saturating_add(step_cost);
                let cost = range_cost
                    .saturating_add(init_cost)
                    .saturating_add(iterations.saturating_mul(per_iteration))
                    .saturating_add(result_cost);
                Ok((result, cost))
            }
            Expr::Call(call) => self.call(call),
            Expr::Unspecified => Ok((Type::Dyn, 0)),
        }
    }

    fn call(&mut self, call: &mut CallExpr) -> Result<(Type, u64), String> {
        let (target, mut cost) = match &mut call.target {
            Some(t) => {
                let (ty, c) = self.expr(t)?;
                (Some(ty), c)
            }
            None => (None, 0),
        };
        let mut args = Vec::with_capacity(call.args.len());
        for arg in &mut call.args {
            let (t, c) = self.expr(arg)?;
            cost = cost.saturating_add(c);
            args.push(t);
        }
        let function = call.func_name.clone();
        let name = function.as_str();
        let arg = |i: usize| args.get(i).cloned().unwrap_or(Type::Dyn);
        let refs: Vec<&Type> = args.iter().collect();
        let (result, own) = match (name, &target) {
            ("_&&_" | "_||_", None) => {
                if args.iter().any(|a| !a.is_dyn() && !matches!(a, Type::Bool)) {
                    return Err(overload(name, &refs));
                }
                (Type::Bool, 0)
            }
            ("!_" | "@not_strictly_false", None) => {
                if !arg(0).is_dyn() && !matches!(arg(0), Type::Bool) {
                    return Err(overload(name, &refs));
                }
                (Type::Bool, 0)
            }
            ("_?_:_", None) => {
                let cond = arg(0);
                if !cond.is_dyn() && !matches!(cond, Type::Bool) {
                    return Err(overload(name, &refs));
                }
                (join(&arg(1), &arg(2)), 0)
            }
            ("_==_" | "_!=_", None) => {
                let (a, b) = (arg(0), arg(1));
                if let (Some(fa), Some(fb)) = (a.family(), b.family())
                    && fa != fb
                {
                    return Err(overload(name, &refs));
                }
                let unordered = [&a, &b]
                    .iter()
                    .any(|t| matches!(t, Type::List(_, _, ListKind::Set | ListKind::Map(_))));
                if unordered {
                    call.func_name = if name == "_==_" { LIST_EQ } else { LIST_NE }.to_owned();
                }
                let size = a.size().min(b.size());
                let own = match a {
                    Type::String(_) | Type::Bytes(_) => 1 + scaled(size, STRING_TRAVERSAL),
                    Type::List(..) | Type::Map(..) => 1 + size,
                    _ => 1,
                };
                (Type::Bool, own)
            }
            ("_<_" | "_<=_" | "_>_" | "_>=_", None) => {
                let (a, b) = (arg(0), arg(1));
                let comparable = match (a.family(), b.family()) {
                    (Some(fa), Some(fb)) => {
                        (a.numeric() && b.numeric())
                            || (fa == fb
                                && matches!(
                                    fa,
                                    "string" | "bytes" | "bool" | "timestamp" | "duration"
                                ))
                            || (fa == fb && a.numeric())
                    }
                    (None, Some(f)) | (Some(f), None) => f != "list" && f != "map",
                    (None, None) => true,
                };
                if !comparable {
                    return Err(overload(name, &refs));
                }
                let own = match a {
                    Type::String(_) | Type::Bytes(_) => {
                        1 + scaled(a.size().min(b.size()), STRING_TRAVERSAL)
                    }
                    _ => 1,
                };
                (Type::Bool, own)
            }
            ("_+_", None) => {
                let (a, b) = (arg(0), arg(1));
                let result = match (&a, &b) {
                    (x, y) if x.is_dyn() || y.is_dyn() => Type::Dyn,
                    (Type::Int, Type::Int) => Type::Int,
                    (Type::Uint, Type::Uint) => Type::Uint,
                    (Type::Double, Type::Double) => Type::Double,
                    (Type::String(x), Type::String(y)) => Type::String(x.saturating_add(*y)),
                    (Type::Bytes(x), Type::Bytes(y)) => Type::Bytes(x.saturating_add(*y)),
                    (Type::List(item, x, kind), Type::List(other, y, _)) => {
                        match kind {
                            ListKind::Set => call.func_name = SET_UNION.to_owned(),
                            ListKind::Map(keys) => {
                                call.func_name = MAP_MERGE.to_owned();
                                call.args.push(IdedExpr {
                                    id: 0,
                                    expr: Expr::List(kube_cel::cel::common::ast::ListExpr::new(
                                        keys.iter()
                                            .map(|k| IdedExpr {
                                                id: 0,
                                                expr: Expr::Literal(LiteralValue::String(
                                                    k.as_str().into(),
                                                )),
                                            })
                                            .collect(),
                                    )),
                                });
                            }
                            ListKind::Atomic => {}
                        }
                        let item = if matches!(**item, Type::Dyn) {
                            other
                        } else {
                            item
                        };
                        Type::List(item.clone(), x.saturating_add(*y), kind.clone())
                    }
                    (Type::Timestamp, Type::Duration) | (Type::Duration, Type::Timestamp) => {
                        Type::Timestamp
                    }
                    (Type::Duration, Type::Duration) => Type::Duration,
                    _ => return Err(overload(name, &refs)),
                };
                let own = match &result {
                    Type::String(n) | Type::Bytes(n) => 1 + scaled(*n, STRING_TRAVERSAL),
                    Type::List(_, n, _) => 1 + scaled(*n, STRING_TRAVERSAL),
                    _ => 1,
                };
                (result, own)
            }
            ("_-_" | "_*_" | "_/_" | "_%_", None) => {
                let (a, b) = (arg(0), arg(1));
                let result = match (&a, &b) {
                    (x, y) if x.is_dyn() || y.is_dyn() => Type::Dyn,
                    (Type::Int, Type::Int) => Type::Int,
                    (Type::Uint, Type::Uint) => Type::Uint,
                    (Type::Double, Type::Double) if name != "_%_" => Type::Double,
                    (Type::Timestamp, Type::Timestamp) if name == "_-_" => Type::Duration,
                    (Type::Timestamp, Type::Duration) if name == "_-_" => Type::Timestamp,
                    (Type::Duration, Type::Duration) if name == "_-_" => Type::Duration,
                    _ => return Err(overload(name, &refs)),
                };
                (result, 1)
            }
            ("-_", None) => match arg(0) {
                t @ (Type::Int | Type::Double | Type::Dyn) => (t, 1),
                _ => return Err(overload(name, &refs)),
            },
            ("_[_]", None) => {
                let (a, b) = (arg(0), arg(1));
                let result = match (&a, &b) {
                    (Type::List(item, _, _), i) => {
                        if !i.is_dyn() && !matches!(i, Type::Int | Type::Uint | Type::Double) {
                            return Err(overload(name, &refs));
                        }
                        (**item).clone()
                    }
                    (Type::Map(_, value, _), _) => (**value).clone(),
                    (x, _) if x.is_dyn() => Type::Dyn,
                    _ => return Err(overload(name, &refs)),
                };
                (result, 1)
            }
            ("@in", None) => {
                let container = arg(1);
                let own = match &container {
                    Type::List(_, n, _) => 1 + *n,
                    Type::Map(..) => 1,
                    t if t.is_dyn() => 1,
                    _ => return Err(overload(name, &refs)),
                };
                (Type::Bool, own)
            }
            ("size", _) => {
                let of = target.clone().unwrap_or_else(|| arg(0));
                if !of.is_dyn()
                    && !matches!(
                        of,
                        Type::String(_) | Type::Bytes(_) | Type::List(..) | Type::Map(..)
                    )
                {
                    return Err(match &target {
                        Some(t) => receiver_overload(name, t, &refs),
                        None => overload(name, &refs),
                    });
                }
                (Type::Int, 1)
            }
            ("contains" | "startsWith" | "endsWith" | "matches", Some(t)) => {
                string_receiver(name, t, &refs)?;
                let length = t.size();
                let own = match name {
                    "matches" => scaled(length, STRING_TRAVERSAL)
                        .max(1)
                        .saturating_mul(scaled(arg(0).size(), REGEX_LENGTH).max(1)),
                    "contains" => {
                        1 + scaled(length.saturating_mul(arg(0).size()), STRING_TRAVERSAL)
                    }
                    _ => 1 + scaled(arg(0).size(), STRING_TRAVERSAL),
                };
                (Type::Bool, own)
            }
            ("matches", None) => (
                Type::Bool,
                scaled(arg(0).size(), STRING_TRAVERSAL)
                    .max(1)
                    .saturating_mul(scaled(arg(1).size(), REGEX_LENGTH).max(1)),
            ),
            (
                "lowerAscii" | "upperAscii" | "trim" | "replace" | "substring" | "charAt",
                Some(t),
            ) => {
                string_receiver(name, t, &refs)?;
                let result = if name == "charAt" {
                    Type::String(4)
                } else {
                    Type::String(t.size())
                };
                (result, 1 + scaled(t.size(), STRING_TRAVERSAL))
            }
            ("split", Some(t)) => {
                string_receiver(name, t, &refs)?;
                (
                    Type::List(Arc::new(Type::String(t.size())), t.size(), ListKind::Atomic),
                    1 + scaled(t.size(), STRING_TRAVERSAL),
                )
            }
            ("join", Some(t)) => {
                if !t.is_dyn() && !matches!(t, Type::List(..)) {
                    return Err(receiver_overload(name, t, &refs));
                }
                let item = match t {
                    Type::List(item, _, _) => item.size(),
                    _ => 1,
                };
                let size = t.size().saturating_mul(item);
                (Type::String(size), 1 + scaled(size, STRING_TRAVERSAL))
            }
            ("string", None) => (Type::String(MAX_REQUEST_BYTES), 1),
            ("int", None) => (Type::Int, 1),
            ("uint", None) => (Type::Uint, 1),
            ("double", None) => (Type::Double, 1),
            ("bool", None) => (Type::Bool, 1),
            ("bytes", None) => (Type::Bytes(arg(0).size()), 1),
            ("duration", None) => (Type::Duration, 1),
            ("timestamp", None) => (Type::Timestamp, 1),
            ("dyn", None) => (Type::Dyn, 1),
            ("type", None) => (Type::TypeValue, 1),
            ("indexOf" | "lastIndexOf", Some(t)) => (Type::Int, 1 + scaled(t.size(), 0.1)),
            (
                "getFullYear" | "getMonth" | "getDate" | "getDayOfMonth" | "getDayOfWeek"
                | "getDayOfYear" | "getHours" | "getMinutes" | "getSeconds" | "getMilliseconds",
                Some(_),
            ) => (Type::Int, 1),
            ("isSorted", Some(t)) => (Type::Bool, 1 + t.size()),
            ("sum" | "min" | "max", Some(Type::List(item, n, _))) => ((**item).clone(), 1 + *n),
            _ => {
                // A function of the Kubernetes libraries (or one this checker does not
                // know): any argument, a dynamic result, linear in its receiver.
                let size = target.as_ref().map_or(1, Type::size);
                (Type::Dyn, 1 + scaled(size, STRING_TRAVERSAL))
            }
        };
        Ok((result, cost.saturating_add(own)))
    }
}

fn string_receiver(name: &str, target: &Type, args: &[&Type]) -> Result<(), String> {
    if target.is_dyn() || matches!(target, Type::String(_)) {
        Ok(())
    } else {
        Err(receiver_overload(name, target, args))
    }
}

/// How many items (or map values) `schema` declares at most (`maxItems`,
/// `maxProperties`): `None` when unbounded.
pub fn bound(schema: &Json) -> Option<u64> {
    match schema.get("type").and_then(Json::as_str) {
        Some("array") => schema.get("maxItems").and_then(Json::as_u64),
        Some("object") => schema.get("maxProperties").and_then(Json::as_u64),
        _ => Some(1),
    }
}

/// How many times a rule at a node of `schema` can run in one object: the product of
/// the bounds of the lists and maps above it (`bounded`), else as many values of the
/// node's type as fit in the largest request.
pub fn max_cardinality(schema: &Json, resource: bool, bounded: Option<u64>) -> u64 {
    match bounded {
        Some(n) => n,
        None => {
            let min = Type::from_schema(schema, resource).map_or(1, |t| t.min_size());
            MAX_REQUEST_BYTES / (min + 1)
        }
    }
}

/// The API server's message for an estimate over a limit.
pub fn cost_message(what: &str, cost: u64, limit: u64) -> String {
    let factor = cost as f64 / limit as f64;
    let factor = if factor > 100.0 {
        "more than 100x".to_owned()
    } else if factor < 1.5 {
        format!("{factor:.6}x")
    } else {
        format!("{factor:.1}x")
    };
    format!(
        "{what} exceeds budget by factor of {factor} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"
    )
}
