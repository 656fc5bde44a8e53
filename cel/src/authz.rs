//! The `authorizer` variable of admission policies: `authorizer.group(g).resource(r)
//! .subresource(s).namespace(n).name(x).check(verb)`, `authorizer.path(p).check(verb)`,
//! `authorizer.serviceAccount(ns, name)…`, `authorizer.requestResource.check(verb)`, and on
//! a decision `allowed()`, `reason()`, `errored()`, `error()`. The decisions come from an
//! [`Authorize`] the caller gives (the engine's reading of the run's RBAC objects).

use std::fmt;
use std::sync::Arc;

use kube_cel::cel::extractors::This;
use kube_cel::cel::objects::{Key, Opaque};
use kube_cel::cel::{ExecutionError, Value};

/// What is asked: a user (with groups) doing `verb` on a resource or a non-resource path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attributes {
    pub user: String,
    pub groups: Vec<String>,
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
    /// A non-resource request (`authorizer.path('/healthz')`).
    pub path: Option<String>,
}

/// The answer: allowed or not, why, and whether the authorizer could decide at all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decision {
    pub allowed: bool,
    pub reason: String,
    pub error: Option<String>,
}

/// Decides authorization requests.
pub trait Authorize: Send + Sync + fmt::Debug {
    fn authorize(&self, attributes: &Attributes) -> Decision;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Root,
    Resource,
    Path,
}

#[derive(Debug, Clone)]
struct Check {
    authorizer: Arc<dyn Authorize>,
    attributes: Attributes,
    stage: Stage,
}

impl PartialEq for Check {
    fn eq(&self, other: &Check) -> bool {
        Arc::ptr_eq(&self.authorizer, &other.authorizer)
            && self.attributes == other.attributes
            && self.stage == other.stage
    }
}

impl Eq for Check {}

impl Opaque for Check {
    fn runtime_type_name(&self) -> &str {
        "kubernetes.authorization.Check"
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Decided(Decision);

impl Opaque for Decided {
    fn runtime_type_name(&self) -> &str {
        "kubernetes.authorization.Decision"
    }
}

const ROOT_KEY: &str = "@authorizer";

/// The value of `authorizer` for `user` (with `groups`); `request` is the resource the
/// request is for (`authorizer.requestResource`): group, resource, subresource,
/// namespace, name.
pub fn authorizer(
    authorize: Arc<dyn Authorize>,
    user: &str,
    groups: &[String],
    request: [&str; 5],
) -> Value {
    let base = Attributes {
        user: user.to_owned(),
        groups: groups.to_vec(),
        ..Attributes::default()
    };
    let [group, resource, subresource, namespace, name] = request;
    let request_resource = Check {
        authorizer: authorize.clone(),
        attributes: Attributes {
            group: group.to_owned(),
            resource: resource.to_owned(),
            subresource: subresource.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            ..base.clone()
        },
        stage: Stage::Resource,
    };
    let root = Check {
        authorizer: authorize,
        attributes: base,
        stage: Stage::Root,
    };
    crate::value::map_value(vec![
        (ROOT_KEY.to_owned(), Value::Opaque(Arc::new(root))),
        (
            "requestResource".to_owned(),
            Value::Opaque(Arc::new(request_resource)),
        ),
    ])
}

fn check_of(value: &Value) -> Result<Check, ExecutionError> {
    let value = match value {
        Value::Map(map) => map
            .map
            .get(&Key::String(Arc::new(ROOT_KEY.to_owned())))
            .cloned()
            .unwrap_or(Value::Null),
        other => other.clone(),
    };
    match &value {
        Value::Opaque(o) => o
            .downcast_ref::<Check>()
            .cloned()
            .ok_or(ExecutionError::NoSuchOverload),
        _ => Err(ExecutionError::NoSuchOverload),
    }
}

fn decision_of(value: &Value) -> Result<Decision, ExecutionError> {
    match value {
        Value::Opaque(o) => o
            .downcast_ref::<Decided>()
            .map(|d| d.0.clone())
            .ok_or(ExecutionError::NoSuchOverload),
        _ => Err(ExecutionError::NoSuchOverload),
    }
}

fn opaque<T: Opaque>(value: T) -> Result<Value, ExecutionError> {
    Ok(Value::Opaque(Arc::new(value)))
}

/// Set one attribute of a resource check (started from the root by `group` or `resource`).
fn set(
    this: &Value,
    value: &str,
    field: fn(&mut Attributes) -> &mut String,
) -> Result<Value, ExecutionError> {
    let mut check = check_of(this)?;
    if check.stage == Stage::Path {
        return Err(ExecutionError::NoSuchOverload);
    }
    check.stage = Stage::Resource;
    *field(&mut check.attributes) = value.to_owned();
    opaque(check)
}

pub(crate) fn group(This(this): This<Value>, v: Arc<String>) -> Result<Value, ExecutionError> {
    set(&this, &v, |a| &mut a.group)
}

pub(crate) fn resource(This(this): This<Value>, v: Arc<String>) -> Result<Value, ExecutionError> {
    set(&this, &v, |a| &mut a.resource)
}

pub(crate) fn subresource(
    This(this): This<Value>,
    v: Arc<String>,
) -> Result<Value, ExecutionError> {
    set(&this, &v, |a| &mut a.subresource)
}

pub(crate) fn namespace(This(this): This<Value>, v: Arc<String>) -> Result<Value, ExecutionError> {
    set(&this, &v, |a| &mut a.namespace)
}

pub(crate) fn name(This(this): This<Value>, v: Arc<String>) -> Result<Value, ExecutionError> {
    set(&this, &v, |a| &mut a.name)
}

pub(crate) fn path(This(this): This<Value>, v: Arc<String>) -> Result<Value, ExecutionError> {
    let mut check = check_of(&this)?;
    if check.stage != Stage::Root {
        return Err(ExecutionError::NoSuchOverload);
    }
    check.stage = Stage::Path;
    check.attributes.path = Some(v.as_str().to_owned());
    opaque(check)
}

pub(crate) fn service_account(
    This(this): This<Value>,
    namespace: Arc<String>,
    name: Arc<String>,
) -> Result<Value, ExecutionError> {
    let mut check = check_of(&this)?;
    check.stage = Stage::Root;
    check.attributes = Attributes {
        user: format!("system:serviceaccount:{namespace}:{name}"),
        groups: vec![
            "system:serviceaccounts".into(),
            format!("system:serviceaccounts:{namespace}"),
            "system:authenticated".into(),
        ],
        ..Attributes::default()
    };
    opaque(check)
}

pub(crate) fn check(This(this): This<Value>, verb: Arc<String>) -> Result<Value, ExecutionError> {
    let mut check = check_of(&this)?;
    if check.stage == Stage::Root {
        return Err(ExecutionError::NoSuchOverload);
    }
    check.attributes.verb = verb.as_str().to_owned();
    opaque(Decided(check.authorizer.authorize(&check.attributes)))
}

pub(crate) fn allowed(This(this): This<Value>) -> Result<Value, ExecutionError> {
    Ok(Value::Bool(decision_of(&this)?.allowed))
}

pub(crate) fn reason(This(this): This<Value>) -> Result<Value, ExecutionError> {
    Ok(Value::String(Arc::new(decision_of(&this)?.reason)))
}

pub(crate) fn errored(This(this): This<Value>) -> Result<Value, ExecutionError> {
    Ok(Value::Bool(decision_of(&this)?.error.is_some()))
}

pub(crate) fn error(This(this): This<Value>) -> Result<Value, ExecutionError> {
    Ok(Value::String(Arc::new(
        decision_of(&this)?.error.unwrap_or_default(),
    )))
}
