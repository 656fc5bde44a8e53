//! ValidatingAdmissionPolicies, offline: every `ValidatingAdmissionPolicy` and
//! `ValidatingAdmissionPolicyBinding` (`admissionregistration.k8s.io/v1`) among the run's
//! objects or in `--policy` folders is evaluated, through the shared CEL environment of
//! `plimsoll_cel`, against every object of the run that it matches, as the API server would
//! on the CREATE request of that object.
//!
//! Matching follows the API server: the policy's `matchConstraints` and the binding's
//! `matchResources` (`resourceRules` and `excludeResourceRules` by API group, version,
//! resource plural, operation, name and scope; `namespaceSelector` against the run's
//! Namespaces; `objectSelector`), then `matchConditions`. Params (`paramKind`, `paramRef`)
//! are taken from the run's objects and the plain objects of the policy folders. Built-in
//! resource plurals and scopes come from a generated table (`vap_resources.rs`), those of
//! custom kinds from the run's CRDs.
//!
//! Findings: `admission-policy` for a failed validation (Deny → error, Warn → warning,
//! Audit → info), `admission-policy-error` for an expression that does not compile or fails
//! under `failurePolicy: Fail`, `admission-audit-annotation` (info) for audit annotations.
//! A finding points at the object; when the failed expression reads a field of `object`
//! (`object.spec.replicas`), at the deepest part of that path present in the object.

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use plimsoll_cel::value::Paths;
use plimsoll_cel::{Activation, EvalError, Expr, Value};
use plimsoll_core::{Diagnostic, Object, Severity};
use serde_json::{Value as Json, json};

use crate::vap_resources::RESOURCES;

pub const RULE: &str = "admission-policy";
pub const RULE_ERROR: &str = "admission-policy-error";
pub const RULE_AUDIT: &str = "admission-audit-annotation";

const GROUP: &str = "admissionregistration.k8s.io";

/// The variables a policy's expressions may read.
const VARIABLES: &[&str] = &[
    "object",
    "oldObject",
    "request",
    "params",
    "namespaceObject",
    "variables",
    "authorizer",
];

/// Who the offline CREATE request comes from (`request.userInfo`); `admissionUser` in
/// `.plimsoll.yaml`.
#[derive(Clone, Debug, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct UserInfo {
    /// `request.userInfo.username` (default: plimsoll).
    pub username: String,
    /// `request.userInfo.groups` (default: system:authenticated).
    pub groups: Vec<String>,
}

impl Default for UserInfo {
    fn default() -> UserInfo {
        UserInfo {
            username: "plimsoll".into(),
            groups: vec!["system:authenticated".into()],
        }
    }
}

pub fn is_policy(value: &Json) -> bool {
    is_kind(value, "ValidatingAdmissionPolicy")
}

pub fn is_binding(value: &Json) -> bool {
    is_kind(value, "ValidatingAdmissionPolicyBinding")
}

fn is_kind(value: &Json, kind: &str) -> bool {
    value.get("kind").and_then(Json::as_str) == Some(kind)
        && value
            .get("apiVersion")
            .and_then(Json::as_str)
            .is_some_and(|v| v.starts_with(&format!("{GROUP}/")))
}

fn str_at<'a>(value: &'a Json, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Json::as_str)
}

/// A policy or binding, with the object that holds it when it came from the run.
struct Held<'a> {
    value: &'a Json,
    object: Option<&'a Object>,
}

impl Held<'_> {
    fn name(&self) -> &str {
        str_at(self.value, "/metadata/name").unwrap_or("<unnamed>")
    }

    /// A diagnostic about the policy itself (at `pointer` when it came from the run).
    fn problem(&self, pointer: &str, message: String) -> Diagnostic {
        self.problem_at(Severity::Error, pointer, message)
    }

    fn problem_at(&self, severity: Severity, pointer: &str, message: String) -> Diagnostic {
        match self.object {
            Some(object) => object.diagnostic(RULE_ERROR, severity, pointer, message),
            None => Diagnostic::new(RULE_ERROR, severity, message),
        }
    }
}

struct Compiled {
    match_conditions: Vec<(String, Arc<Expr>)>,
    variables: Vec<(String, Arc<Expr>)>,
    validations: Vec<Validation>,
    audits: Vec<(String, Arc<Expr>)>,
    fail_closed: bool,
    /// The parts of `object` the expressions read: only those are converted.
    object_paths: Paths,
    /// The variables the expressions read (the others are not made).
    reads: Vec<&'static str>,
}

struct Validation {
    expr: Arc<Expr>,
    message: Option<String>,
    message_expr: Option<Arc<Expr>>,
    reason: Option<String>,
}

/// The types of `object` for the built-in kinds a policy's `matchConstraints` names fully
/// (no `*`): the API server type-checks the expressions against each and reports what
/// does not check as warnings (the policy is still used).
fn matched_types(
    spec: &Json,
    catalog: Option<&plimsoll_schemas::Catalog>,
) -> Vec<(String, plimsoll_cel::check::Type)> {
    let Some(catalog) = catalog else {
        return Vec::new();
    };
    let strings = |rule: &Json, key: &str| -> Option<Vec<String>> {
        let items: Vec<String> = rule
            .get(key)?
            .as_array()?
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_owned)
            .collect();
        (!items.is_empty() && !items.iter().any(|i| i.contains('*'))).then_some(items)
    };
    let mut out = Vec::new();
    let rules = spec
        .pointer("/matchConstraints/resourceRules")
        .and_then(Json::as_array);
    for rule in rules.into_iter().flatten() {
        let (Some(groups), Some(versions), Some(resources)) = (
            strings(rule, "apiGroups"),
            strings(rule, "apiVersions"),
            strings(rule, "resources"),
        ) else {
            continue;
        };
        for group in &groups {
            for resource in &resources {
                let Some((_, kind, _, _)) = RESOURCES
                    .iter()
                    .find(|(g, _, r, _)| g == group && r == resource)
                else {
                    continue;
                };
                for version in &versions {
                    let api_version = if group.is_empty() {
                        version.clone()
                    } else {
                        format!("{group}/{version}")
                    };
                    let label = format!("{api_version} {kind}");
                    if out.iter().any(|(l, _)| *l == label) {
                        continue;
                    }
                    if let Some(schema) = catalog.kind_schema(&api_version, kind)
                        && let Some(t) =
                            plimsoll_cel::check::Type::from_json_schema(&schema, &schema, false)
                    {
                        out.push((label, t));
                    }
                }
            }
        }
    }
    out
}

fn compile_policy(
    policy: &Held<'_>,
    catalog: Option<&plimsoll_schemas::Catalog>,
    out: &mut Vec<Diagnostic>,
) -> Option<Compiled> {
    let spec = policy.value.get("spec")?;
    let types = matched_types(spec, catalog);
    let mut ok = true;
    let mut compile = |pointer: String, source: &str| -> Option<Arc<Expr>> {
        let compiled = plimsoll_cel::compile(source).and_then(|e| {
            e.check_variables(VARIABLES)?;
            Ok(e)
        });
        if compiled.is_ok() {
            for (label, t) in &types {
                let variables = [("object", t.clone()), ("oldObject", t.clone())];
                if let Err(error) = plimsoll_cel::compile_typed(source, &variables) {
                    out.push(policy.problem_at(
                        Severity::Warning,
                        &pointer,
                        format!(
                            "ValidatingAdmissionPolicy `{}`: the expression does not type-check against {label}: {error}",
                            policy.name()
                        ),
                    ));
                    break;
                }
            }
        }
        match compiled {
            Ok(e) => Some(e),
            Err(error) => {
                ok = false;
                out.push(policy.problem(
                    &pointer,
                    format!(
                        "ValidatingAdmissionPolicy `{}`: the expression does not compile: {error}",
                        policy.name()
                    ),
                ));
                None
            }
        }
    };
    let list = |key: &str| -> Vec<(usize, &Json)> {
        spec.get(key)
            .and_then(Json::as_array)
            .map(|a| a.iter().enumerate().collect())
            .unwrap_or_default()
    };
    let mut match_conditions = Vec::new();
    for (i, c) in list("matchConditions") {
        let name = str_at(c, "/name").unwrap_or_default().to_owned();
        if let Some(e) = compile(
            format!("/spec/matchConditions/{i}/expression"),
            str_at(c, "/expression").unwrap_or_default(),
        ) {
            match_conditions.push((name, e));
        }
    }
    let mut variables = Vec::new();
    for (i, v) in list("variables") {
        let name = str_at(v, "/name").unwrap_or_default().to_owned();
        if let Some(e) = compile(
            format!("/spec/variables/{i}/expression"),
            str_at(v, "/expression").unwrap_or_default(),
        ) {
            variables.push((name, e));
        }
    }
    let mut validations = Vec::new();
    for (i, v) in list("validations") {
        let expr = compile(
            format!("/spec/validations/{i}/expression"),
            str_at(v, "/expression").unwrap_or_default(),
        );
        let message_expr = str_at(v, "/messageExpression")
            .and_then(|m| compile(format!("/spec/validations/{i}/messageExpression"), m));
        if let Some(expr) = expr {
            validations.push(Validation {
                expr,
                message: str_at(v, "/message").map(str::to_owned),
                message_expr,
                reason: str_at(v, "/reason").map(str::to_owned),
            });
        }
    }
    let mut audits = Vec::new();
    for (i, a) in list("auditAnnotations") {
        let key = str_at(a, "/key").unwrap_or_default().to_owned();
        if let Some(e) = compile(
            format!("/spec/auditAnnotations/{i}/valueExpression"),
            str_at(a, "/valueExpression").unwrap_or_default(),
        ) {
            audits.push((key, e));
        }
    }
    // A policy with an expression that does not compile is refused by the API server.
    if !ok {
        return None;
    }
    let mut object_paths = Paths::default();
    let exprs = match_conditions
        .iter()
        .chain(&variables)
        .chain(&audits)
        .map(|(_, e)| e)
        .chain(
            validations
                .iter()
                .flat_map(|v| std::iter::once(&v.expr).chain(&v.message_expr)),
        );
    let mut reads = Vec::new();
    for expr in exprs {
        object_paths.merge(&expr.read_paths("object"));
        reads.extend(VARIABLES.iter().copied().filter(|v| expr.uses(v)));
    }
    reads.sort_unstable();
    reads.dedup();
    Some(Compiled {
        reads,
        object_paths,
        match_conditions,
        variables,
        validations,
        audits,
        fail_closed: str_at(spec, "/failurePolicy") != Some("Ignore"),
    })
}

/// What is known of a kind: its resource plural and whether it is namespaced.
type Resources = HashMap<(String, String), (String, bool)>;

fn resources(crds: &[&Json]) -> Resources {
    let mut map: Resources = RESOURCES
        .iter()
        .map(|(g, k, r, n)| ((g.to_string(), k.to_string()), (r.to_string(), *n)))
        .collect();
    for crd in crds {
        let (Some(group), Some(kind), Some(plural)) = (
            str_at(crd, "/spec/group"),
            str_at(crd, "/spec/names/kind"),
            str_at(crd, "/spec/names/plural"),
        ) else {
            continue;
        };
        let namespaced = str_at(crd, "/spec/scope") != Some("Cluster");
        map.insert(
            (group.to_owned(), kind.to_owned()),
            (plural.to_owned(), namespaced),
        );
    }
    map
}

/// The facts about one object that matching needs.
struct Target<'a> {
    object: &'a Object,
    group: &'a str,
    version: &'a str,
    resource: String,
    namespaced: bool,
}

fn list_allows(list: Option<&Json>, wanted: &str) -> bool {
    list.and_then(Json::as_array).is_some_and(|items| {
        items
            .iter()
            .filter_map(Json::as_str)
            .any(|i| i == "*" || i == wanted)
    })
}

/// Resources served under several groups or versions from one storage: with
/// `matchPolicy: Equivalent` (the default), a rule naming one matches the others. Within
/// a group, every version of a resource is equivalent.
const EQUIVALENT: &[&[(&str, &str)]] = &[
    &[("apps", "deployments"), ("extensions", "deployments")],
    &[("apps", "daemonsets"), ("extensions", "daemonsets")],
    &[("apps", "replicasets"), ("extensions", "replicasets")],
    &[
        ("networking.k8s.io", "ingresses"),
        ("extensions", "ingresses"),
    ],
    &[
        ("networking.k8s.io", "networkpolicies"),
        ("extensions", "networkpolicies"),
    ],
    &[
        ("policy", "podsecuritypolicies"),
        ("extensions", "podsecuritypolicies"),
    ],
    &[("", "events"), ("events.k8s.io", "events")],
];

/// The (group, resource) pairs equivalent to the target's, itself first.
fn equivalents<'a>(group: &'a str, resource: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut out = vec![(group, resource)];
    for class in EQUIVALENT {
        if class.contains(&(group, resource)) {
            out.extend(class.iter().copied().filter(|&(g, _)| g != group));
        }
    }
    out
}

fn rule_matches(rule: &Json, target: &Target<'_>, equivalent: bool) -> bool {
    if !equivalent {
        return rule_matches_exactly(
            rule,
            target,
            target.group,
            Some(target.version),
            &target.resource,
        );
    }
    equivalents(target.group, &target.resource)
        .into_iter()
        .any(|(group, resource)| rule_matches_exactly(rule, target, group, None, resource))
}

/// `version`: `None` for any version (an equivalent one).
fn rule_matches_exactly(
    rule: &Json,
    target: &Target<'_>,
    group: &str,
    version: Option<&str>,
    resource: &str,
) -> bool {
    let resource_ok = rule
        .get("resources")
        .and_then(Json::as_array)
        .is_some_and(|items| {
            items.iter().filter_map(Json::as_str).any(|r| {
                // `*` is every resource, not subresources; `*/*` both.
                r == "*" || r == "*/*" || r == resource
            })
        });
    let version_ok = match version {
        Some(version) => list_allows(rule.get("apiVersions"), version),
        None => rule
            .get("apiVersions")
            .and_then(Json::as_array)
            .is_some_and(|v| !v.is_empty()),
    };
    let names_ok = match rule.get("resourceNames").and_then(Json::as_array) {
        Some(names) if !names.is_empty() => {
            names.iter().any(|n| n.as_str() == target.object.name())
        }
        _ => true,
    };
    let scope_ok = match rule.get("scope").and_then(Json::as_str) {
        Some("Cluster") => !target.namespaced,
        Some("Namespaced") => target.namespaced,
        _ => true,
    };
    list_allows(rule.get("apiGroups"), group)
        && version_ok
        && list_allows(rule.get("operations"), "CREATE")
        && resource_ok
        && names_ok
        && scope_ok
}

/// A label selector (`matchLabels`, `matchExpressions`) against labels.
pub(crate) fn selector_matches(
    selector: Option<&Json>,
    labels: &serde_json::Map<String, Json>,
) -> bool {
    let Some(selector) = selector else {
        return true;
    };
    let label = |k: &str| labels.get(k).and_then(Json::as_str);
    if let Some(Json::Object(wanted)) = selector.get("matchLabels")
        && wanted.iter().any(|(k, v)| label(k) != v.as_str())
    {
        return false;
    }
    if let Some(Json::Array(expressions)) = selector.get("matchExpressions") {
        for e in expressions {
            let key = str_at(e, "/key").unwrap_or_default();
            let values: Vec<&str> = e
                .get("values")
                .and_then(Json::as_array)
                .map(|v| v.iter().filter_map(Json::as_str).collect())
                .unwrap_or_default();
            let ok = match str_at(e, "/operator").unwrap_or_default() {
                "In" => label(key).is_some_and(|v| values.contains(&v)),
                "NotIn" => label(key).is_none_or(|v| !values.contains(&v)),
                "Exists" => label(key).is_some(),
                "DoesNotExist" => label(key).is_none(),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    true
}

fn labels_of(value: &Json) -> serde_json::Map<String, Json> {
    value
        .pointer("/metadata/labels")
        .and_then(Json::as_object)
        .cloned()
        .unwrap_or_default()
}

struct Run<'a> {
    namespaces: HashMap<&'a str, &'a Json>,
    /// The Namespaces as CEL values (`namespaceObject`), converted once.
    namespace_values: HashMap<&'a str, Value>,
    /// Decides `authorizer` checks from the run's RBAC objects.
    rbac: Arc<dyn plimsoll_cel::authz::Authorize>,
    /// Candidate params: every object of the run and of the policy folders.
    all: Vec<&'a Json>,
}

impl Run<'_> {
    fn namespace_labels(&self, name: &str) -> serde_json::Map<String, Json> {
        let mut labels = self
            .namespaces
            .get(name)
            .map(|n| labels_of(n))
            .unwrap_or_default();
        labels
            .entry("kubernetes.io/metadata.name")
            .or_insert_with(|| Json::String(name.to_owned()));
        labels
    }
}

/// `matchConstraints` or `matchResources`.
fn resources_match(matcher: Option<&Json>, target: &Target<'_>, run: &Run<'_>) -> bool {
    let Some(m) = matcher else {
        return true;
    };
    let rules = |key: &str| -> Vec<&Json> {
        m.get(key)
            .and_then(Json::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    };
    let equivalent = str_at(m, "/matchPolicy") != Some("Exact");
    let included = rules("resourceRules");
    if !included.is_empty() && !included.iter().any(|r| rule_matches(r, target, equivalent)) {
        return false;
    }
    if rules("excludeResourceRules")
        .iter()
        .any(|r| rule_matches(r, target, equivalent))
    {
        return false;
    }
    if target.namespaced || target.object.kind() == "Namespace" {
        let namespace = if target.object.kind() == "Namespace" && target.group.is_empty() {
            target.object.name().unwrap_or_default()
        } else {
            target.object.namespace().unwrap_or("default")
        };
        if !selector_matches(m.get("namespaceSelector"), &run.namespace_labels(namespace)) {
            return false;
        }
    }
    selector_matches(m.get("objectSelector"), &labels_of(&target.object.value))
}

/// The params a binding hands to its policy: `None` (no `paramKind`), or the list found.
fn params<'a>(
    policy: &Json,
    binding: &Json,
    target: &Target<'_>,
    run: &Run<'a>,
) -> Option<Vec<&'a Json>> {
    let kind = policy.pointer("/spec/paramKind")?;
    let api_version = str_at(kind, "/apiVersion").unwrap_or_default();
    let kind = str_at(kind, "/kind").unwrap_or_default();
    let reference = binding.pointer("/spec/paramRef");
    let name = reference.and_then(|r| str_at(r, "/name"));
    let namespace = reference
        .and_then(|r| str_at(r, "/namespace"))
        .or_else(|| target.object.namespace());
    let selector = reference.and_then(|r| r.get("selector"));
    Some(
        run.all
            .iter()
            .copied()
            .filter(|p| {
                str_at(p, "/apiVersion") == Some(api_version)
                    && str_at(p, "/kind") == Some(kind)
                    && name.is_none_or(|n| str_at(p, "/metadata/name") == Some(n))
                    && (namespace.is_none()
                        || str_at(p, "/metadata/namespace").is_none()
                        || str_at(p, "/metadata/namespace") == namespace)
                    && (name.is_some() || selector_matches(selector, &labels_of(p)))
            })
            .collect(),
    )
}

fn request(target: &Target<'_>, user: &UserInfo) -> Json {
    let kind =
        json!({"group": target.group, "version": target.version, "kind": target.object.kind()});
    let resource =
        json!({"group": target.group, "version": target.version, "resource": target.resource});
    json!({
        "operation": "CREATE",
        "userInfo": {"username": user.username, "groups": user.groups},
        "name": target.object.name().unwrap_or_default(),
        "namespace": if target.namespaced { target.object.namespace().unwrap_or("default") } else { "" },
        "kind": kind,
        "requestKind": kind,
        "resource": resource,
        "requestResource": resource,
        "subResource": "",
        "dryRun": false,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
    })
}

/// Every finding of the admission policies among `objects` and `extra` (the plain objects
/// of the policy folders), over `objects`.
pub fn evaluate(
    objects: &[Object],
    extra: &[Json],
    user: &UserInfo,
    kubernetes_version: Option<&str>,
) -> Vec<Diagnostic> {
    let held = |pred: fn(&Json) -> bool| -> Vec<Held<'_>> {
        objects
            .iter()
            .filter(|o| pred(&o.value))
            .map(|o| Held {
                value: &o.value,
                object: Some(o),
            })
            .chain(extra.iter().filter(|v| pred(v)).map(|v| Held {
                value: v,
                object: None,
            }))
            .collect()
    };
    let policies = held(is_policy);
    if policies.is_empty() {
        return Vec::new();
    }
    let bindings = held(is_binding);
    let mut out = Vec::new();
    let catalog = plimsoll_schemas::Catalog::new(
        kubernetes_version.unwrap_or(plimsoll_schemas::default_version()),
    )
    .ok();
    let compiled: HashMap<&str, (&Held<'_>, Compiled)> = policies
        .iter()
        .filter_map(|p| compile_policy(p, catalog.as_ref(), &mut out).map(|c| (p.name(), (p, c))))
        .collect();
    let all: Vec<&Json> = objects.iter().map(|o| &o.value).chain(extra).collect();
    let crds: Vec<&Json> = all
        .iter()
        .copied()
        .filter(|v| {
            str_at(v, "/kind") == Some("CustomResourceDefinition")
                && str_at(v, "/apiVersion").is_some_and(|a| a.starts_with("apiextensions.k8s.io/"))
        })
        .collect();
    let resources = resources(&crds);
    let namespaces: HashMap<&str, &Json> = all
        .iter()
        .copied()
        .filter(|v| {
            str_at(v, "/kind") == Some("Namespace") && str_at(v, "/apiVersion") == Some("v1")
        })
        .filter_map(|v| Some((str_at(v, "/metadata/name")?, v)))
        .collect();
    let run = Run {
        namespace_values: namespaces
            .iter()
            .map(|(name, n)| (*name, plimsoll_cel::to_value(n)))
            .collect(),
        namespaces,
        rbac: Arc::new(crate::vap_authz::Rbac::new(&all)),
        all,
    };
    for binding in &bindings {
        let Some(policy_name) = str_at(binding.value, "/spec/policyName") else {
            continue;
        };
        let Some((policy, compiled)) = compiled.get(policy_name) else {
            continue;
        };
        let actions: Vec<&str> = binding
            .value
            .pointer("/spec/validationActions")
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let severity = if actions.contains(&"Deny") || actions.is_empty() {
            Severity::Error
        } else if actions.contains(&"Warn") {
            Severity::Warning
        } else {
            Severity::Info
        };
        let names = Names {
            policy: policy.name(),
            binding: binding.name(),
            constraint: policy
                .value
                .pointer("/metadata/annotations")
                .and_then(|a| a.get(FROM_GATEKEEPER))
                .and_then(Json::as_str),
            severity,
        };
        let per_object: Vec<Diagnostic> = objects
            .par_iter()
            .flat_map_iter(|object| {
                let mut out = Vec::new();
                let group = object.group();
                let version = object
                    .api_version()
                    .rsplit_once('/')
                    .map_or(object.api_version(), |(_, v)| v);
                let Some((resource, namespaced)) =
                    resources.get(&(group.to_owned(), object.kind().to_owned()))
                else {
                    return out;
                };
                let target = Target {
                    object,
                    group,
                    version,
                    resource: resource.clone(),
                    namespaced: *namespaced,
                };
                if !resources_match(
                    policy.value.pointer("/spec/matchConstraints"),
                    &target,
                    &run,
                ) || !resources_match(
                    binding.value.pointer("/spec/matchResources"),
                    &target,
                    &run,
                ) {
                    return out;
                }
                let params = params(policy.value, binding.value, &target, &run);
                let sets: Vec<Option<&Json>> = match &params {
                    None => vec![None],
                    Some(found) if found.is_empty() => {
                        let action = binding
                            .value
                            .pointer("/spec/paramRef/parameterNotFoundAction")
                            .and_then(Json::as_str);
                        if action == Some("Deny") {
                            out.push(names.finding(
                            object,
                            RULE,
                            "",
                            "no params found for this binding (parameterNotFoundAction: Deny)"
                                .to_owned(),
                            None,
                        ));
                        }
                        return out;
                    }
                    Some(found) => found.iter().map(|p| Some(*p)).collect(),
                };
                for param in sets {
                    check_one(compiled, &target, &run, param, user, &names, &mut out);
                }
                out
            })
            .collect();
        out.extend(per_object);
    }
    out
}

struct Names<'a> {
    policy: &'a str,
    binding: &'a str,
    /// The Gatekeeper constraint the policy was made from.
    constraint: Option<&'a str>,
    severity: Severity,
}

impl Names<'_> {
    fn finding(
        &self,
        object: &Object,
        rule: &'static str,
        pointer: &str,
        message: String,
        help: Option<String>,
    ) -> Diagnostic {
        let severity = if rule == RULE {
            self.severity
        } else if rule == RULE_AUDIT {
            Severity::Info
        } else {
            Severity::Error
        };
        let pointer = if pointer.is_empty() {
            "/metadata/name"
        } else {
            pointer
        };
        let mut d = object.diagnostic(
            rule,
            severity,
            pointer,
            match self.constraint {
                Some(constraint) => format!(
                    "{message} (ConstraintTemplate `{}`, constraint `{constraint}`)",
                    self.policy.split('/').next().unwrap_or(self.policy)
                ),
                None => format!(
                    "{message} (ValidatingAdmissionPolicy `{}`, binding `{}`)",
                    self.policy, self.binding
                ),
            },
        );
        d.help = help.map(Into::into);
        let mut extra = serde_json::Map::new();
        extra.insert("policy".into(), json!(self.policy));
        extra.insert("binding".into(), json!(self.binding));
        d.extra = Some(Box::new(extra));
        d
    }
}

fn check_one(
    compiled: &Compiled,
    target: &Target<'_>,
    run: &Run<'_>,
    param: Option<&Json>,
    user: &UserInfo,
    names: &Names<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let object = target.object;
    let mut activation = Activation::new();
    let reads = |name: &str| compiled.reads.contains(&name);
    if reads("object") {
        activation.set(
            "object",
            plimsoll_cel::value::to_value_within(&object.value, &compiled.object_paths),
        );
    }
    // A CREATE request has no old object.
    activation.set("oldObject", Value::Null);
    if reads("request") {
        activation.set_json("request", &request(target, user));
    }
    if reads("params") {
        activation.set("params", param.map_or(Value::Null, plimsoll_cel::to_value));
    }
    let namespace = if target.namespaced {
        object.namespace().unwrap_or("default")
    } else {
        ""
    };
    if reads("namespaceObject") {
        activation.set(
            "namespaceObject",
            run.namespace_values
                .get(namespace)
                .cloned()
                .unwrap_or(Value::Null),
        );
    }
    if reads("authorizer") {
        activation.set(
            "authorizer",
            plimsoll_cel::authz::authorizer(
                run.rbac.clone(),
                &user.username,
                &user.groups,
                [
                    target.group,
                    &target.resource,
                    "",
                    namespace,
                    object.name().unwrap_or_default(),
                ],
            ),
        );
    }
    let failed = |what: &str, expr: &Expr, error: EvalError| -> Option<Diagnostic> {
        compiled.fail_closed.then(|| {
            names.finding(
                object,
                RULE_ERROR,
                "",
                format!("{what} could not be evaluated: {error}"),
                Some(format!("expression: `{}`", expr.source())),
            )
        })
    };
    activation.scope(|scope| {
        for (name, condition) in &compiled.match_conditions {
            match condition.eval_bool_in(scope) {
                Ok(true) => {}
                Ok(false) => return,
                Err(error) => {
                    out.extend(failed(
                        &format!("matchCondition `{name}`"),
                        condition,
                        error,
                    ));
                    return;
                }
            }
        }
        let mut variables = Vec::new();
        for (name, expr) in &compiled.variables {
            scope.set(
                "variables",
                plimsoll_cel::value::from_entries(variables.clone()),
            );
            match expr.eval_in(scope) {
                Ok(value) => variables.push((name.clone(), value)),
                Err(error) => {
                    out.extend(failed(&format!("variable `{name}`"), expr, error));
                    return;
                }
            }
        }
        scope.set("variables", plimsoll_cel::value::from_entries(variables));
        for validation in &compiled.validations {
            match validation.expr.eval_bool_in(scope) {
                Ok(true) => {}
                Ok(false) => {
                    let message = validation
                        .message_expr
                        .as_ref()
                        .and_then(|m| m.eval_string_in(scope).ok())
                        .filter(|m| !m.trim().is_empty())
                        .or_else(|| validation.message.clone())
                        .unwrap_or_else(|| {
                            format!("failed expression: {}", validation.expr.source())
                        });
                    let reason = validation.reason.as_deref().unwrap_or("Invalid");
                    out.push(names.finding(
                        object,
                        RULE,
                        &field_named(validation.expr.source(), &object.value),
                        message,
                        Some(format!(
                            "expression: `{}` ({reason})",
                            validation.expr.source()
                        )),
                    ));
                }
                Err(error) => out.extend(failed("a validation", &validation.expr, error)),
            }
        }
        for (key, expr) in &compiled.audits {
            match expr.eval_in(scope) {
                Ok(Value::String(value)) => out.push(names.finding(
                    object,
                    RULE_AUDIT,
                    "",
                    format!("audit annotation `{}/{key}`: {value}", names.policy),
                    None,
                )),
                Ok(_) => {}
                Err(error) => out.extend(failed(&format!("audit annotation `{key}`"), expr, error)),
            }
        }
    });
}

/// Marks an admission policy made from a Gatekeeper template and constraint: findings name
/// them instead (the annotation's value is the constraint, `Kind/name`).
const FROM_GATEKEEPER: &str = "plimsoll.dev/gatekeeper-constraint";

/// `variables.anyObject`, which Gatekeeper defines for every `K8sNativeValidation` template
/// (the gatekeeper-library's CEL code reads the object through it).
const ANY_OBJECT: &str = r#"has(request.operation) && request.operation == "DELETE" && object == null ? oldObject : object"#;

/// The policy crate's warning that a template (or a constraint of one) has only CEL, which
/// [`from_gatekeeper`] makes moot.
pub fn is_cel_only_warning(warning: &str) -> bool {
    warning.contains("its only engine is CEL") || warning.contains("its template only has CEL")
}

/// Gatekeeper `ConstraintTemplate`s whose only engine is CEL (`K8sNativeValidation`), with
/// their constraints, as admission policies and bindings, the way Gatekeeper turns them into
/// ValidatingAdmissionPolicies: one policy and one binding per constraint, the constraint's
/// `spec.parameters` as `variables.params`, its `spec.match` as match constraints
/// (`kinds`, `namespaces`, `excludedNamespaces`, `labelSelector`, `namespaceSelector`) and
/// its `enforcementAction` as the binding's action (`deny`, `warn`, `dryrun` → Audit).
pub fn from_gatekeeper(values: &[Json]) -> Vec<Json> {
    let mut templates: HashMap<&str, (&str, &Json)> = HashMap::new();
    for value in values {
        if str_at(value, "/kind") != Some("ConstraintTemplate") {
            continue;
        }
        let Some(targets) = value.pointer("/spec/targets").and_then(Json::as_array) else {
            continue;
        };
        let codes: Vec<&Json> = targets
            .iter()
            .filter_map(|t| t.get("code").and_then(Json::as_array))
            .flatten()
            .collect();
        let has_rego = targets.iter().any(|t| t.get("rego").is_some())
            || codes.iter().any(|c| str_at(c, "/engine") == Some("Rego"));
        let cel = codes
            .iter()
            .find(|c| str_at(c, "/engine") == Some("K8sNativeValidation"))
            .and_then(|c| c.get("source"));
        if let (false, Some(cel), Some(kind)) =
            (has_rego, cel, str_at(value, "/spec/crd/spec/names/kind"))
        {
            templates.insert(kind, (str_at(value, "/metadata/name").unwrap_or(kind), cel));
        }
    }
    let mut out = Vec::new();
    for constraint in values {
        let Some(kind) = str_at(constraint, "/kind") else {
            continue;
        };
        let Some((template, source)) = templates.get(kind) else {
            continue;
        };
        let name = str_at(constraint, "/metadata/name").unwrap_or("<unnamed>");
        let id = format!("{kind}/{name}");
        let policy_name = format!("{template}/{name}");
        let parameters = constraint
            .pointer("/spec/parameters")
            .cloned()
            .unwrap_or(Json::Null);
        // JSON is a CEL literal: the parameters become the expression of `variables.params`.
        let mut variables = vec![
            json!({"name": "params", "expression": parameters.to_string()}),
            // Gatekeeper's own variable: the object, or the old one when it is being deleted.
            json!({"name": "anyObject", "expression": ANY_OBJECT}),
        ];
        if let Some(Json::Array(more)) = source.get("variables") {
            variables.extend(more.iter().cloned());
        }
        let m = constraint.pointer("/spec/match");
        let mut rules = Vec::new();
        match m.and_then(|m| m.get("kinds")).and_then(Json::as_array) {
            Some(kinds) => {
                for entry in kinds {
                    let groups = entry.get("apiGroups").cloned().unwrap_or(json!(["*"]));
                    let kinds: Vec<&str> = entry
                        .get("kinds")
                        .and_then(Json::as_array)
                        .map(|k| k.iter().filter_map(Json::as_str).collect())
                        .unwrap_or_default();
                    let resources: Vec<String> = if kinds.is_empty() || kinds.contains(&"*") {
                        vec!["*".into()]
                    } else {
                        RESOURCES
                            .iter()
                            .filter(|(_, k, _, _)| kinds.contains(k))
                            .map(|(_, _, r, _)| (*r).to_owned())
                            .collect()
                    };
                    rules.push(json!({"apiGroups": groups, "apiVersions": ["*"],
                        "operations": ["CREATE", "UPDATE"], "resources": resources}));
                }
            }
            None => rules.push(json!({"apiGroups": ["*"], "apiVersions": ["*"],
                "operations": ["CREATE", "UPDATE"], "resources": ["*"]})),
        }
        let mut namespace_selector = m
            .and_then(|m| m.get("namespaceSelector"))
            .cloned()
            .unwrap_or_else(|| json!({}));
        for (key, operator) in [("namespaces", "In"), ("excludedNamespaces", "NotIn")] {
            if let Some(Json::Array(names)) = m.and_then(|m| m.get(key))
                && let Json::Object(selector) = &mut namespace_selector
            {
                let expressions = selector
                    .entry("matchExpressions")
                    .or_insert_with(|| json!([]));
                if let Json::Array(list) = expressions {
                    list.push(json!({"key": "kubernetes.io/metadata.name",
                            "operator": operator, "values": names}));
                }
            }
        }
        let action = match str_at(constraint, "/spec/enforcementAction").unwrap_or("deny") {
            "warn" => "Warn",
            "dryrun" => "Audit",
            _ => "Deny",
        };
        let mut spec = json!({
            "failurePolicy": source.get("failurePolicy").cloned().unwrap_or(json!("Fail")),
            "matchConstraints": {
                "resourceRules": rules,
                "namespaceSelector": namespace_selector,
                "objectSelector": m.and_then(|m| m.get("labelSelector")).cloned().unwrap_or_else(|| json!({})),
            },
            "variables": variables,
            "validations": source.get("validations").cloned().unwrap_or(json!([])),
        });
        if let Some(conditions) = source.get("matchConditions") {
            spec["matchConditions"] = conditions.clone();
        }
        let metadata = json!({"name": policy_name, "annotations": {FROM_GATEKEEPER: id}});
        out.push(
            json!({"apiVersion": format!("{GROUP}/v1"), "kind": "ValidatingAdmissionPolicy",
            "metadata": metadata, "spec": spec}),
        );
        out.push(
            json!({"apiVersion": format!("{GROUP}/v1"), "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": metadata,
            "spec": {"policyName": policy_name, "validationActions": [action]}}),
        );
    }
    out
}

/// The deepest field of the object that the expression's first `object.a.b…` path reaches.
fn field_named(source: &str, object: &Json) -> String {
    let Some(start) = source.find("object.") else {
        return String::new();
    };
    // Not `oldObject.` or `namespaceObject.`.
    if start > 0 && source.as_bytes()[start - 1].is_ascii_alphanumeric() {
        return String::new();
    }
    let path: String = source[start + "object.".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    let mut pointer = String::new();
    let mut at = object;
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        match at.get(segment) {
            Some(next) => {
                pointer.push('/');
                pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
                at = next;
            }
            None => break,
        }
    }
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_kind_of_the_embedded_schemas_has_a_resource() {
        let resources = resources(&[]);
        let mut missing = Vec::new();
        for version in plimsoll_schemas::versions() {
            let catalog = plimsoll_schemas::Catalog::new(version).unwrap();
            for key in catalog.builtin_kinds() {
                let (api_version, kind) = key.rsplit_once('/').unwrap();
                let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
                // Not resources of their own: discovery documents, and the bodies of
                // subresources (`serviceaccounts/token`, `*/scale`, `pods/eviction`).
                const NOT_RESOURCES: &[&str] = &[
                    "/APIGroup",
                    "/APIVersions",
                    "/Status",
                    "authentication.k8s.io/TokenRequest",
                    "autoscaling/Scale",
                    "policy/Eviction",
                ];
                if kind.ends_with("List")
                    || NOT_RESOURCES.contains(&format!("{group}/{kind}").as_str())
                {
                    continue;
                }
                if !resources.contains_key(&(group.to_owned(), kind.to_owned())) {
                    missing.push(format!("{version} {group}/{kind}"));
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "kinds without a resource: {missing:#?}");
    }

    #[test]
    fn selectors() {
        let labels = json!({"app": "web", "tier": "front"});
        let labels = labels.as_object().unwrap();
        assert!(selector_matches(
            Some(&json!({"matchLabels": {"app": "web"}})),
            labels
        ));
        assert!(!selector_matches(
            Some(&json!({"matchLabels": {"app": "db"}})),
            labels
        ));
        let expr = |op: &str, values: &[&str]| json!({"matchExpressions": [{"key": "tier", "operator": op, "values": values}]});
        assert!(selector_matches(Some(&expr("In", &["front"])), labels));
        assert!(!selector_matches(Some(&expr("NotIn", &["front"])), labels));
        assert!(selector_matches(Some(&expr("Exists", &[])), labels));
        assert!(!selector_matches(Some(&expr("DoesNotExist", &[])), labels));
        assert!(selector_matches(Some(&json!({})), labels));
    }

    #[test]
    fn the_field_an_expression_names() {
        let object = json!({"spec": {"replicas": 3}});
        assert_eq!(
            field_named("object.spec.replicas <= 5", &object),
            "/spec/replicas"
        );
        assert_eq!(field_named("object.spec.missing.x", &object), "/spec");
        assert_eq!(field_named("oldObject.spec", &object), "");
        assert_eq!(field_named("true", &object), "");
    }
}
