//! The Kubernetes CEL environment of plimsoll: one shared environment (the standard
//! functions and macros, optional types, and the Kubernetes libraries: lists, sets, regex,
//! URLs, IP and CIDR, quantity, semver, format), expressions compiled once and cached by
//! their text, values converted from parsed manifests, and a cost bound checked before
//! every evaluation.
//!
//! Data flows one way: [`compile`] turns an expression into a shared [`Expr`] (or a
//! [`CompileError`]); the caller fills an [`Activation`] with variables converted from
//! JSON ([`to_value`], or [`value::typed`] with a structural schema beside it) and calls
//! [`Expr::eval`], which refuses to run when the static estimate of the expression's cost
//! over that input exceeds [`COST_LIMIT`] (the interpreter cannot be stopped once it runs,
//! so the bound is checked first: a finding, never a hang).
//!
//! On top of that sit the two Kubernetes uses: [`crd::SchemaRules`] (the
//! `x-kubernetes-validations` of a structural schema, evaluated at each node of an
//! object) and, in the engine, ValidatingAdmissionPolicies. The crate reads no files and
//! knows nothing of positions: it reports JSON pointers.

pub mod authz;
pub mod check;
pub mod cost;
pub mod crd;
mod lists;
pub mod value;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use kube_cel::KubeCelExt;
use kube_cel::cel;

pub use kube_cel::cel::Value;
pub use value::{to_json, to_value};

/// The most a single evaluation may cost, in the API server's units (roughly one per
/// node visited): the per-call limit of Kubernetes' CRD validation rules.
pub const COST_LIMIT: u64 = 1_000_000;

/// An expression that compiled, shared by every rule that spells it the same way.
#[derive(Debug)]
pub struct Expr {
    source: String,
    program: cel::IdedExpr,
    shape: cost::Shape,
    variables: Vec<String>,
}

/// A problem with an expression's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CompileError {
    pub message: String,
}

/// Why an evaluation gave no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The static estimate over this input is above the budget; nothing was run.
    #[error(
        "the estimated cost of this expression over this input ({estimate}) exceeds the budget ({limit})"
    )]
    CostExceeded { estimate: u64, limit: u64 },
    /// The interpreter failed (no such key, no such overload, a function error…).
    #[error("{0}")]
    Runtime(String),
}

type Cache = RwLock<HashMap<String, Result<Arc<Expr>, CompileError>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Compile `source` once per process: later calls with the same text share the result.
pub fn compile(source: &str) -> Result<Arc<Expr>, CompileError> {
    if let Some(found) = cache()
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(source)
    {
        return found.clone();
    }
    let compiled = compile_uncached(source);
    cache()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(source.to_owned(), compiled.clone());
    compiled
}

fn compile_uncached(source: &str) -> Result<Arc<Expr>, CompileError> {
    let mut program = parse(source)?;
    cost::rewrite_optional_select(&mut program);
    Ok(Arc::new(build(source, program)))
}

/// Compile `source` with variables of known types (those not listed are `dyn`): a
/// reference to a field the types do not declare, or an operator applied to types it has
/// no overload for, is a compile error, as the API server reports it. Not cached (the
/// same text means different programs under different types); the caller keeps the
/// result. Returns the expression and its estimated cost ([`check::check`]).
pub fn compile_typed(
    source: &str,
    variables: &[(&str, check::Type)],
) -> Result<(Arc<Expr>, u64), CompileError> {
    let mut program = parse(source)?;
    cost::rewrite_optional_select(&mut program);
    let checked = check::check(&mut program, variables).map_err(|message| CompileError {
        message: format!("compilation failed: {message}"),
    })?;
    Ok((Arc::new(build(source, program)), checked.cost))
}

fn build(source: &str, program: cel::IdedExpr) -> Expr {
    let shape = cost::Shape::of(&program);
    let variables = cost::free_variables(&program);
    Expr {
        source: source.to_owned(),
        program,
        shape,
        variables,
    }
}

fn parse(source: &str) -> Result<cel::IdedExpr, CompileError> {
    if source.trim().is_empty() {
        return Err(CompileError {
            message: "the expression is empty".into(),
        });
    }
    // The parser is generated code that may panic on odd input; a panic is a compile error.
    let parsed = std::panic::catch_unwind(|| {
        cel::parser::Parser::new()
            .enable_optional_syntax(true)
            .parse(source)
    });
    match parsed {
        Ok(Ok(program)) => Ok(program),
        Ok(Err(errors)) => Err(CompileError {
            message: errors.to_string().trim().to_owned(),
        }),
        Err(_) => Err(CompileError {
            message: "the expression could not be parsed".into(),
        }),
    }
}

impl Expr {
    /// The expression's text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// True when the expression reads the variable `name` (`oldSelf`, `params`…).
    pub fn uses(&self, name: &str) -> bool {
        self.variables.iter().any(|v| v == name)
    }

    /// The parts of the variable `name` this expression reads (see
    /// [`value::to_value_within`]).
    pub fn read_paths(&self, name: &str) -> value::Paths {
        cost::read_paths(&self.program, name)
    }

    /// A compile error when the expression reads a variable its environment does not
    /// declare (besides `allowed`, the names of types may be used as values).
    pub fn check_variables(&self, allowed: &[&str]) -> Result<(), CompileError> {
        match self.variables.iter().find(|v| {
            let v = v.as_str();
            !allowed.contains(&v) && !TYPE_NAMES.contains(&v) && !["type", "optional"].contains(&v)
        }) {
            Some(name) => Err(CompileError {
                message: format!(
                    "undeclared reference to `{name}` (this expression may use {})",
                    allowed
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
            None => Ok(()),
        }
    }

    /// Evaluate with the variables of `activation`, unless the estimated cost over them
    /// exceeds [`COST_LIMIT`]. To evaluate several expressions over the same variables,
    /// [`Activation::scope`] converts them once.
    pub fn eval(&self, activation: &Activation) -> Result<Value, EvalError> {
        activation.scope(|scope| self.eval_in(scope))
    }

    /// Evaluate in a scope made by [`Activation::scope`].
    pub fn eval_in(&self, scope: &Scope<'_>) -> Result<Value, EvalError> {
        let estimate = self.shape.estimate(scope.size);
        if estimate > COST_LIMIT {
            return Err(EvalError::CostExceeded {
                estimate,
                limit: COST_LIMIT,
            });
        }
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Value::resolve(&self.program, &scope.context)
        }));
        match run {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(EvalError::Runtime(error.to_string())),
            Err(_) => Err(EvalError::Runtime("the evaluation failed".into())),
        }
    }

    /// Evaluate to a boolean: anything else is a runtime error.
    pub fn eval_bool(&self, activation: &Activation) -> Result<bool, EvalError> {
        activation.scope(|scope| self.eval_bool_in(scope))
    }

    pub fn eval_bool_in(&self, scope: &Scope<'_>) -> Result<bool, EvalError> {
        match self.eval_in(scope)? {
            Value::Bool(b) => Ok(b),
            other => Err(EvalError::Runtime(format!(
                "the expression gave {}, not a bool",
                other.type_of()
            ))),
        }
    }

    /// Evaluate to a string (a `messageExpression`).
    pub fn eval_string(&self, activation: &Activation) -> Result<String, EvalError> {
        activation.scope(|scope| self.eval_string_in(scope))
    }

    pub fn eval_string_in(&self, scope: &Scope<'_>) -> Result<String, EvalError> {
        match self.eval_in(scope)? {
            Value::String(s) => Ok(s.as_str().to_owned()),
            other => Err(EvalError::Runtime(format!(
                "the expression gave {}, not a string",
                other.type_of()
            ))),
        }
    }
}

/// The variables of an activation, converted once into the interpreter's own values, for
/// several evaluations.
pub struct Scope<'a> {
    context: cel::Context<'a>,
    size: u64,
}

impl Scope<'_> {
    /// Add (or replace) a variable.
    pub fn set(&mut self, name: &str, value: Value) {
        self.size = self.size.saturating_add(cost::size_of(&value));
        self.context.add_variable_from_value(name, value);
    }
}

thread_local! {
    /// The shared environment: built once per thread (a `cel::Context` is not `Sync`),
    /// each evaluation adds its variables in a child scope.
    static ROOT: cel::Context<'static> = {
        let mut context = cel::Context::default();
        context.register_all();
        context.add_function(cost::OPT_SELECT, opt_select);
        // `type(x) == int`: types are compared by name (the interpreter has no type values).
        context.add_function("type", type_name);
        context.add_function(check::LIST_EQ, lists::eq);
        context.add_function(check::LIST_NE, lists::ne);
        context.add_function(check::SET_UNION, lists::union);
        context.add_function(check::MAP_MERGE, lists::merge);
        context.add_function("group", authz::group);
        context.add_function("resource", authz::resource);
        context.add_function("subresource", authz::subresource);
        context.add_function("namespace", authz::namespace);
        context.add_function("name", authz::name);
        context.add_function("path", authz::path);
        context.add_function("serviceAccount", authz::service_account);
        context.add_function("check", authz::check);
        context.add_function("allowed", authz::allowed);
        context.add_function("reason", authz::reason);
        context.add_function("errored", authz::errored);
        context.add_function("error", authz::error);
        for name in TYPE_NAMES {
            context.add_variable_from_value(*name, *name);
        }
        context
    };
}

pub(crate) const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "google.protobuf.Timestamp",
    "google.protobuf.Duration",
];

fn type_name(value: Value) -> Result<Value, cel::ExecutionError> {
    let name = match value {
        Value::List(_) => "list",
        Value::Map(_) => "map",
        Value::Int(_) => "int",
        Value::UInt(_) => "uint",
        Value::Float(_) => "double",
        Value::String(_) => "string",
        Value::Bytes(_) => "bytes",
        Value::Bool(_) => "bool",
        Value::Null => "null_type",
        Value::Timestamp(_) => "google.protobuf.Timestamp",
        Value::Duration(_) => "google.protobuf.Duration",
        Value::Function(..) | Value::Opaque(_) => "type",
    };
    Ok(Value::String(Arc::new(name.to_owned())))
}

/// `a.?b`: `optional.none()` when `a` has no `b` (the interpreter's own reading fails
/// on a map without the key).
fn opt_select(operand: Value, field: Arc<String>) -> Result<Value, cel::ExecutionError> {
    use cel::objects::{Key, OptionalValue};
    let inner = match &operand {
        Value::Opaque(o) => match o.downcast_ref::<OptionalValue>() {
            Some(opt) => match opt.value() {
                Some(v) => v.clone(),
                None => return Ok(Value::Opaque(Arc::new(OptionalValue::none()))),
            },
            None => return Err(cel::ExecutionError::NoSuchOverload),
        },
        other => other.clone(),
    };
    let found = match &inner {
        Value::Map(map) => map.map.get(&Key::String(field)).cloned(),
        _ => return Err(cel::ExecutionError::NoSuchOverload),
    };
    Ok(Value::Opaque(Arc::new(match found {
        Some(v) => OptionalValue::of(v),
        None => OptionalValue::none(),
    })))
}

/// The variables of one evaluation, with the size of their content for the cost bound.
#[derive(Default, Clone)]
pub struct Activation {
    variables: Vec<(String, Value)>,
    size: u64,
}

impl Activation {
    pub fn new() -> Activation {
        Activation::default()
    }

    /// Add (or replace) a variable.
    pub fn set(&mut self, name: &str, value: Value) -> &mut Activation {
        self.size = self.size.saturating_add(cost::size_of(&value));
        if let Some(slot) = self.variables.iter_mut().find(|(n, _)| n == name) {
            slot.1 = value;
        } else {
            self.variables.push((name.to_owned(), value));
        }
        self
    }

    /// Add a variable converted from JSON.
    pub fn set_json(&mut self, name: &str, value: &serde_json::Value) -> &mut Activation {
        self.set(name, to_value(value))
    }

    /// Run `f` with these variables converted once into a [`Scope`].
    pub fn scope<R>(&self, f: impl FnOnce(&mut Scope<'_>) -> R) -> R {
        ROOT.with(|root| {
            let mut scope = Scope {
                context: root.new_inner_scope(),
                size: self.size,
            };
            for (name, value) in &self.variables {
                scope
                    .context
                    .add_variable_from_value(name.as_str(), value.clone());
            }
            f(&mut scope)
        })
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.variables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

/// `optional.none()`, the value of `oldSelf` for `optionalOldSelf` rules offline.
pub fn optional_none() -> Value {
    static NONE: OnceLock<Option<Arc<Expr>>> = OnceLock::new();
    NONE.get_or_init(|| compile("optional.none()").ok())
        .as_ref()
        .and_then(|e| e.eval(&Activation::new()).ok())
        .unwrap_or(Value::Null)
}

/// A short rendering of a value for messages (`"x"`, `3`, `[1, 2]`).
pub fn display(value: &Value) -> String {
    serde_json::to_string(&to_json(value)).unwrap_or_default()
}

#[cfg(test)]
mod tests;
