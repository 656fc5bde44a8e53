//! The cost bound. The interpreter cannot be interrupted, so the cost of an evaluation is
//! estimated before it starts, as the API server estimates a rule's cost from the sizes a
//! schema allows: here from the actual size of the input. Without comprehensions an
//! expression visits each of its nodes at most once; each level of nested comprehension
//! (`all`, `exists`, `map`, `filter`…) can multiply that by the number of elements it
//! ranges over, which is at most the size of the input.

use std::collections::HashSet;

use kube_cel::cel::Value;
use kube_cel::cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr, LiteralValue};

/// The function `a.?b` is rewritten to (see `opt_select` in `lib.rs`).
pub(crate) const OPT_SELECT: &str = "plimsoll.optSelect";

/// Route `a.?b` to our own function.
pub(crate) fn rewrite_optional_select(expr: &mut IdedExpr) {
    match &mut expr.expr {
        Expr::Call(call) => {
            if call.func_name == "_?._" && call.target.is_none() {
                call.func_name = OPT_SELECT.to_owned();
            }
            if let Some(target) = &mut call.target {
                rewrite_optional_select(target);
            }
            for arg in &mut call.args {
                rewrite_optional_select(arg);
            }
        }
        Expr::Comprehension(c) => {
            rewrite_optional_select(&mut c.iter_range);
            rewrite_optional_select(&mut c.accu_init);
            rewrite_optional_select(&mut c.loop_cond);
            rewrite_optional_select(&mut c.loop_step);
            rewrite_optional_select(&mut c.result);
        }
        Expr::List(list) => list.elements.iter_mut().for_each(rewrite_optional_select),
        Expr::Map(map) => {
            for entry in &mut map.entries {
                match &mut entry.expr {
                    EntryExpr::StructField(f) => rewrite_optional_select(&mut f.value),
                    EntryExpr::MapEntry(e) => {
                        rewrite_optional_select(&mut e.key);
                        rewrite_optional_select(&mut e.value);
                    }
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &mut s.entries {
                match &mut entry.expr {
                    EntryExpr::StructField(f) => rewrite_optional_select(&mut f.value),
                    EntryExpr::MapEntry(e) => {
                        rewrite_optional_select(&mut e.key);
                        rewrite_optional_select(&mut e.value);
                    }
                }
            }
        }
        Expr::Select(select) => {
            rewrite_optional_select(&mut select.operand);
            // After `a.?b`, a plain `.c` stays in the optional chain (`a.?b.c`).
            let chained =
                matches!(&select.operand.expr, Expr::Call(c) if c.func_name == OPT_SELECT);
            if chained && !select.test {
                let operand = std::mem::take(&mut *select.operand);
                let field = IdedExpr {
                    id: 0,
                    expr: Expr::Literal(LiteralValue::String(select.field.as_str().into())),
                };
                expr.expr = Expr::Call(CallExpr {
                    func_name: OPT_SELECT.to_owned(),
                    target: None,
                    args: vec![operand, field],
                });
            }
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// What the estimate needs to know about an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Nodes of the syntax tree.
    pub nodes: u64,
    /// The deepest nesting of comprehensions.
    pub depth: u32,
}

impl Shape {
    pub fn of(expr: &IdedExpr) -> Shape {
        let mut shape = Shape { nodes: 0, depth: 0 };
        walk(expr, 0, &mut shape);
        shape
    }

    /// The estimated cost over an input of `size` (see [`size_of`]).
    pub fn estimate(&self, size: u64) -> u64 {
        let factor = size.saturating_add(1);
        let mut cost = self.nodes.max(1);
        for _ in 0..self.depth {
            cost = cost.saturating_mul(factor);
        }
        cost
    }
}

fn walk(expr: &IdedExpr, depth: u32, shape: &mut Shape) {
    shape.nodes += 1;
    shape.depth = shape.depth.max(depth);
    match &expr.expr {
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                walk(target, depth, shape);
            }
            for arg in &call.args {
                walk(arg, depth, shape);
            }
        }
        Expr::Comprehension(c) => {
            walk(&c.iter_range, depth, shape);
            walk(&c.accu_init, depth, shape);
            walk(&c.loop_cond, depth + 1, shape);
            walk(&c.loop_step, depth + 1, shape);
            walk(&c.result, depth, shape);
        }
        Expr::List(list) => {
            for e in &list.elements {
                walk(e, depth, shape);
            }
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                match &entry.expr {
                    EntryExpr::StructField(f) => walk(&f.value, depth, shape),
                    EntryExpr::MapEntry(e) => {
                        walk(&e.key, depth, shape);
                        walk(&e.value, depth, shape);
                    }
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                match &entry.expr {
                    EntryExpr::StructField(f) => walk(&f.value, depth, shape),
                    EntryExpr::MapEntry(e) => {
                        walk(&e.key, depth, shape);
                        walk(&e.value, depth, shape);
                    }
                }
            }
        }
        Expr::Select(select) => walk(&select.operand, depth, shape),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// The size of a value for the estimate: one per node, plus one per 16 bytes of text
/// (regular expressions and string functions are linear in their input).
pub fn size_of(value: &Value) -> u64 {
    match value {
        Value::List(items) => items
            .iter()
            .fold(1u64, |acc, v| acc.saturating_add(size_of(v))),
        Value::Map(map) => map.map.iter().fold(1u64, |acc, (k, v)| {
            let key = match k {
                kube_cel::cel::objects::Key::String(s) => s.len() as u64 / 16,
                _ => 0,
            };
            acc.saturating_add(1 + key).saturating_add(size_of(v))
        }),
        Value::String(s) => 1 + s.len() as u64 / 16,
        Value::Bytes(b) => 1 + b.len() as u64 / 16,
        _ => 1,
    }
}

/// The identifiers an expression reads that no comprehension of its own binds: the
/// variables it expects from its environment.
pub fn free_variables(expr: &IdedExpr) -> Vec<String> {
    let mut found = HashSet::new();
    let mut bound = Vec::new();
    free(expr, &mut bound, &mut found);
    let mut names: Vec<String> = found.into_iter().collect();
    names.sort();
    names
}

fn free(expr: &IdedExpr, bound: &mut Vec<String>, found: &mut HashSet<String>) {
    match &expr.expr {
        Expr::Ident(name) => {
            if !name.starts_with('@') && !bound.iter().any(|b| b == name) {
                found.insert(name.clone());
            }
        }
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                free(target, bound, found);
            }
            for arg in &call.args {
                free(arg, bound, found);
            }
        }
        Expr::Comprehension(c) => {
            free(&c.iter_range, bound, found);
            free(&c.accu_init, bound, found);
            let before = bound.len();
            bound.push(c.iter_var.clone());
            if let Some(second) = &c.iter_var2 {
                bound.push(second.clone());
            }
            bound.push(c.accu_var.clone());
            free(&c.loop_cond, bound, found);
            free(&c.loop_step, bound, found);
            free(&c.result, bound, found);
            bound.truncate(before);
        }
        Expr::List(list) => {
            for e in &list.elements {
                free(e, bound, found);
            }
        }
        Expr::Map(map) => {
            for entry in &map.entries {
                match &entry.expr {
                    EntryExpr::StructField(f) => free(&f.value, bound, found),
                    EntryExpr::MapEntry(e) => {
                        free(&e.key, bound, found);
                        free(&e.value, bound, found);
                    }
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                match &entry.expr {
                    EntryExpr::StructField(f) => free(&f.value, bound, found),
                    EntryExpr::MapEntry(e) => {
                        free(&e.key, bound, found);
                        free(&e.value, bound, found);
                    }
                }
            }
        }
        Expr::Select(select) => free(&select.operand, bound, found),
        Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// The parts of the variable `name` that `expr` reads: each chain of field selections
/// from it (`name.a.b`, `name.?a`, `has(name.a)`) is a path; any other use reads it whole.
pub fn read_paths(expr: &IdedExpr, name: &str) -> crate::value::Paths {
    let mut paths = crate::value::Paths::default();
    reads(expr, name, &mut paths);
    paths
}

/// `name.a.b…` (also through `.?`): the root identifier and the fields.
fn chain(expr: &IdedExpr) -> Option<(&str, Vec<String>)> {
    match &expr.expr {
        Expr::Ident(root) => Some((root.as_str(), Vec::new())),
        Expr::Select(select) => {
            let (root, mut fields) = chain(&select.operand)?;
            fields.push(select.field.clone());
            Some((root, fields))
        }
        Expr::Call(call) if call.func_name == OPT_SELECT && call.args.len() == 2 => {
            let (root, mut fields) = chain(&call.args[0])?;
            match &call.args[1].expr {
                Expr::Literal(LiteralValue::String(field)) => {
                    fields.push(field.to_string());
                    Some((root, fields))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn reads(expr: &IdedExpr, name: &str, paths: &mut crate::value::Paths) {
    if paths.is_everything() {
        return;
    }
    if let Some((root, fields)) = chain(expr) {
        if root == name {
            paths.insert(&fields);
        }
        return;
    }
    match &expr.expr {
        Expr::Call(call) => {
            if let Some(target) = &call.target {
                reads(target, name, paths);
            }
            for arg in &call.args {
                reads(arg, name, paths);
            }
        }
        Expr::Comprehension(c) => {
            for e in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                reads(e, name, paths);
            }
        }
        Expr::List(list) => list.elements.iter().for_each(|e| reads(e, name, paths)),
        Expr::Map(map) => {
            for entry in &map.entries {
                match &entry.expr {
                    EntryExpr::StructField(f) => reads(&f.value, name, paths),
                    EntryExpr::MapEntry(e) => {
                        reads(&e.key, name, paths);
                        reads(&e.value, name, paths);
                    }
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                match &entry.expr {
                    EntryExpr::StructField(f) => reads(&f.value, name, paths),
                    EntryExpr::MapEntry(e) => {
                        reads(&e.key, name, paths);
                        reads(&e.value, name, paths);
                    }
                }
            }
        }
        Expr::Select(select) => reads(&select.operand, name, paths),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}
