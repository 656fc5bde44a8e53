//! Gatekeeper: `ConstraintTemplate`s compiled one engine each (their
//! packages and `lib.*` modules never collide), constraints matched against
//! objects with `spec.match`, and `input.review` shaped like an admission
//! request for the audit of a `CREATE`.

use std::collections::BTreeMap;

use regorus::Engine;
use serde_json::Value as Json;

use crate::rego::{self, Module};
use crate::results::{self, RuleRef};
use crate::{
    Budget, EvalFailure, PolicyError, PolicyFinding, PolicyOptions, PolicyRuleInfo, PolicySeverity,
    RegoVersion, ReviewContext, ReviewOperation, SourceLocation,
};

const TEMPLATE_GROUP: &str = "templates.gatekeeper.sh/";
const CONSTRAINT_GROUP: &str = "constraints.gatekeeper.sh/";
const ADMISSION_TARGET: &str = "admission.k8s.gatekeeper.sh";

/// Kinds that live outside namespaces. Objects of other kinds without a
/// namespace are taken to be in the default namespace, as `kubectl apply` does.
const CLUSTER_SCOPED_KINDS: &[&str] = &[
    "APIService",
    "CertificateSigningRequest",
    "ClusterIssuer",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "ConstraintTemplate",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// An object given to [`crate::PolicySetBuilder::add_object`].
#[derive(Clone, Debug)]
pub(crate) struct Source {
    pub origin: String,
    pub value: Json,
}

pub(crate) fn is_template(value: &Json) -> bool {
    value["kind"] == "ConstraintTemplate"
        && value["apiVersion"]
            .as_str()
            .is_some_and(|v| v.starts_with(TEMPLATE_GROUP))
}

pub(crate) fn is_constraint(value: &Json) -> bool {
    value["apiVersion"]
        .as_str()
        .is_some_and(|v| v.starts_with(CONSTRAINT_GROUP))
}

#[derive(Clone, Debug)]
struct Template {
    query: String,
    /// Compiled, without inventory.
    base: Engine,
    /// `base` plus the current inventory; what evaluators clone.
    engine: Engine,
    title: Option<String>,
    description: Option<String>,
    /// The template's `spec.crd.spec.validation.openAPIV3Schema`: what its constraints'
    /// `spec.parameters` must satisfy (the API server rejects a constraint that does not).
    parameters: Option<std::sync::Arc<jsonschema::Validator>>,
}

#[derive(Clone, Debug)]
struct Constraint {
    id: String,
    template: usize,
    location: SourceLocation,
    parameters: regorus::Value,
    matcher: Match,
    severity: PolicySeverity,
}

/// All templates and constraints; cloned per evaluator (engines are cheap to clone).
#[derive(Clone, Debug, Default)]
pub(crate) struct Gatekeeper {
    templates: Vec<Template>,
    constraints: Vec<Constraint>,
    namespace_labels: BTreeMap<String, BTreeMap<String, String>>,
    default_namespace: String,
}

fn error(origin: &str, pointer: Option<&str>, message: impl Into<String>) -> PolicyError {
    PolicyError::Gatekeeper {
        origin: origin.to_owned(),
        pointer: pointer.map(str::to_owned),
        message: message.into(),
    }
}

/// The Rego of a template's admission target: (pointer, text, forced syntax) of
/// the main module and of each lib, or whether the target only has CEL.
enum TemplateCode {
    Rego {
        main: (String, String),
        libs: Vec<(String, String)>,
        version: RegoVersion,
    },
    CelOnly,
    None,
}

fn template_code(spec: &Json) -> TemplateCode {
    let targets = spec["targets"].as_array().cloned().unwrap_or_default();
    let mut cel = false;
    for (t, target) in targets.iter().enumerate() {
        let name = target["target"].as_str().unwrap_or(ADMISSION_TARGET);
        if name != ADMISSION_TARGET {
            continue;
        }
        let libs_of = |libs: &Json, base: String| -> Vec<(String, String)> {
            libs.as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(i, l)| Some((format!("{base}/{i}"), l.as_str()?.to_owned())))
                .collect()
        };
        // Gatekeeper prefers a Rego entry under `code` over the legacy `rego` field.
        for (c, code) in target["code"].as_array().into_iter().flatten().enumerate() {
            match code["engine"].as_str() {
                Some("Rego") => {
                    if let Some(text) = code.pointer("/source/rego").and_then(Json::as_str) {
                        let base = format!("/spec/targets/{t}/code/{c}/source");
                        let version = match code.pointer("/source/version").and_then(Json::as_str) {
                            Some("v1") => RegoVersion::V1,
                            Some("v0") => RegoVersion::V0,
                            _ => RegoVersion::Auto,
                        };
                        return TemplateCode::Rego {
                            main: (format!("{base}/rego"), text.to_owned()),
                            libs: libs_of(&code["source"]["libs"], format!("{base}/libs")),
                            version,
                        };
                    }
                }
                Some("K8sNativeValidation") => cel = true,
                _ => {}
            }
        }
        if let Some(text) = target["rego"].as_str() {
            return TemplateCode::Rego {
                main: (format!("/spec/targets/{t}/rego"), text.to_owned()),
                libs: libs_of(&target["libs"], format!("/spec/targets/{t}/libs")),
                version: RegoVersion::Auto,
            };
        }
    }
    if cel {
        TemplateCode::CelOnly
    } else {
        TemplateCode::None
    }
}

pub(crate) fn build(
    templates: &[Source],
    constraints: &[Source],
    options: &PolicyOptions,
    errors: &mut Vec<PolicyError>,
    warnings: &mut Vec<PolicyError>,
) -> Gatekeeper {
    let mut out = Gatekeeper {
        default_namespace: options.default_namespace.clone(),
        ..Gatekeeper::default()
    };
    let mut by_kind: BTreeMap<String, Option<usize>> = BTreeMap::new();
    for source in templates {
        let origin = source.origin.as_str();
        let value = &source.value;
        let name = value["metadata"]["name"].as_str().unwrap_or("");
        let Some(kind) = value
            .pointer("/spec/crd/spec/names/kind")
            .and_then(Json::as_str)
        else {
            errors.push(error(
                origin,
                Some("/spec/crd/spec/names"),
                format!("ConstraintTemplate {name} does not name its constraint kind (spec.crd.spec.names.kind)"),
            ));
            continue;
        };
        if by_kind.contains_key(kind) {
            errors.push(error(
                origin,
                Some("/spec/crd/spec/names/kind"),
                format!("constraint kind {kind} is defined by more than one ConstraintTemplate"),
            ));
            continue;
        }
        let (main, libs, version) = match template_code(&value["spec"]) {
            TemplateCode::Rego {
                main,
                libs,
                version,
            } => (main, libs, version),
            TemplateCode::CelOnly => {
                warnings.push(error(
                    origin,
                    Some("/spec/targets"),
                    format!(
                        "ConstraintTemplate {name} is not supported: its only engine is CEL (K8sNativeValidation); its {kind} constraints are not evaluated"
                    ),
                ));
                by_kind.insert(kind.to_owned(), None);
                continue;
            }
            TemplateCode::None => {
                errors.push(error(
                    origin,
                    Some("/spec/targets"),
                    format!("ConstraintTemplate {name} has no Rego for target {ADMISSION_TARGET}"),
                ));
                continue;
            }
        };
        let version = if version == RegoVersion::Auto {
            options.rego_version
        } else {
            version
        };
        let mut modules: Vec<Module> = Vec::new();
        let mut failed = false;
        for (pointer, text) in std::iter::once(&main).chain(&libs) {
            let label = format!("{origin}#{name}{pointer}");
            let location = SourceLocation::embedded(origin, pointer.clone());
            match rego::parse_module(&label, &location, text, version) {
                Ok(module) => modules.push(module),
                Err(err) => {
                    errors.push(err);
                    failed = true;
                }
            }
        }
        if failed {
            continue;
        }
        let mut engine = crate::rego::new_engine();
        let load_errors = rego::load_modules(&mut engine, &modules);
        if !load_errors.is_empty() {
            errors.extend(load_errors);
            continue;
        }
        let locations: BTreeMap<String, SourceLocation> = modules
            .iter()
            .map(|m| (m.label.clone(), m.location.clone()))
            .collect();
        let facts = match rego::module_facts(&engine) {
            Ok(facts) => facts,
            Err(message) => {
                errors.push(error(origin, None, message));
                continue;
            }
        };
        let missing = rego::missing_functions(&facts, &locations);
        if !missing.is_empty() {
            errors.extend(missing);
            continue;
        }
        let Some(package) = modules
            .first()
            .and_then(|m| facts.get(&m.label))
            .map(|f| f.package.clone())
        else {
            continue;
        };
        let prepare_errors = rego::prepare(&mut engine, &locations);
        if !prepare_errors.is_empty() {
            errors.extend(prepare_errors);
            continue;
        }
        let annotation = |key: &str| {
            value["metadata"]["annotations"][key]
                .as_str()
                .map(str::to_owned)
        };
        by_kind.insert(kind.to_owned(), Some(out.templates.len()));
        out.templates.push(Template {
            query: rego::rule_path(&package, "violation"),
            base: engine.clone(),
            engine,
            title: annotation("metadata.gatekeeper.sh/title"),
            description: annotation("description"),
            parameters: parameters_schema(origin, name, value, warnings),
        });
    }

    for source in constraints {
        let origin = source.origin.as_str();
        let value = &source.value;
        let kind = value["kind"].as_str().unwrap_or("");
        let name = value["metadata"]["name"].as_str().unwrap_or("");
        let id = format!("{kind}/{name}");
        let template = match by_kind.get(kind) {
            Some(Some(index)) => *index,
            Some(None) => {
                warnings.push(error(
                    origin,
                    None,
                    format!("constraint {id} is not evaluated: its template only has CEL"),
                ));
                continue;
            }
            None => {
                errors.push(error(
                    origin,
                    Some("/kind"),
                    format!("constraint {id}: no ConstraintTemplate defines the kind {kind}"),
                ));
                continue;
            }
        };
        let matcher = match Match::parse(&value["spec"]["match"]) {
            Ok(matcher) => matcher,
            Err((pointer, message)) => {
                errors.push(error(
                    origin,
                    Some(&format!("/spec/match{pointer}")),
                    format!("constraint {id}: {message}"),
                ));
                continue;
            }
        };
        let severity = match value["spec"]["enforcementAction"].as_str() {
            None | Some("deny") | Some("scoped") => PolicySeverity::Error,
            Some("warn") => PolicySeverity::Warning,
            Some("dryrun") => PolicySeverity::Info,
            Some(other) => {
                errors.push(error(
                    origin,
                    Some("/spec/enforcementAction"),
                    format!("constraint {id}: unknown enforcementAction `{other}` (expected deny, warn or dryrun)"),
                ));
                continue;
            }
        };
        let parameters = match value["spec"].get("parameters") {
            Some(p) => match crate::to_regorus(p) {
                Ok(p) => p,
                Err(message) => {
                    errors.push(error(origin, Some("/spec/parameters"), message));
                    continue;
                }
            },
            None => regorus::Value::new_object(),
        };
        if let Some(schema) = &out.templates[template].parameters {
            let empty = Json::Object(serde_json::Map::new());
            let given = value["spec"].get("parameters").unwrap_or(&empty);
            let before = errors.len();
            for problem in schema.iter_errors(given) {
                let path = problem.instance_path().as_str().to_owned();
                errors.push(error(
                    origin,
                    Some(&format!("/spec/parameters{path}")),
                    format!(
                        "constraint {id}: spec.parameters{} does not match the schema of its ConstraintTemplate: {problem}",
                        path.replace('/', ".")
                    ),
                ));
            }
            if errors.len() > before {
                continue;
            }
        }
        out.constraints.push(Constraint {
            id,
            template,
            location: SourceLocation::file(origin),
            parameters,
            matcher,
            severity,
        });
    }
    out
}

/// Compiles a template's parameter schema; a schema that does not compile is a warning and
/// leaves parameters unchecked.
fn parameters_schema(
    origin: &str,
    name: &str,
    template: &Json,
    warnings: &mut Vec<PolicyError>,
) -> Option<std::sync::Arc<jsonschema::Validator>> {
    let pointer = "/spec/crd/spec/validation/openAPIV3Schema";
    let schema = template.pointer(pointer)?;
    match jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(schema)
    {
        Ok(validator) => Some(std::sync::Arc::new(validator)),
        Err(problem) => {
            warnings.push(error(
                origin,
                Some(pointer),
                format!("ConstraintTemplate {name}: its parameter schema does not compile ({problem}); parameters are not checked"),
            ));
            None
        }
    }
}

/// What matching needs to know about an object.
struct ObjectFacts<'a> {
    group: &'a str,
    version: &'a str,
    kind: &'a str,
    name: &'a str,
    /// `None` for cluster-scoped objects.
    namespace: Option<&'a str>,
    labels: BTreeMap<String, String>,
}

impl<'a> ObjectFacts<'a> {
    fn of(object: &'a Json, default_namespace: &'a str) -> Self {
        let api_version = object["apiVersion"].as_str().unwrap_or("");
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        let kind = object["kind"].as_str().unwrap_or("");
        let metadata = &object["metadata"];
        let name = metadata["name"].as_str().unwrap_or("");
        let namespace = if CLUSTER_SCOPED_KINDS.contains(&kind) {
            None
        } else {
            Some(metadata["namespace"].as_str().unwrap_or(default_namespace))
        };
        Self {
            group,
            version,
            kind,
            name,
            namespace,
            labels: labels_of(object),
        }
    }
}

fn labels_of(object: &Json) -> BTreeMap<String, String> {
    object["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect()
}

impl Gatekeeper {
    pub(crate) fn is_empty(&self) -> bool {
        self.constraints.is_empty()
    }

    pub(crate) fn set_inventory<'a>(
        &mut self,
        objects: impl IntoIterator<Item = &'a Json>,
        default_namespace: &str,
    ) -> Result<(), PolicyError> {
        // Without templates nothing reads the inventory: building it would be wasted.
        if self.templates.is_empty() {
            return Ok(());
        }
        let mut namespaced: BTreeMap<String, Json> = BTreeMap::new();
        let mut cluster = serde_json::Map::new();
        self.namespace_labels.clear();
        for object in objects {
            let facts = ObjectFacts::of(object, default_namespace);
            let api_version = object["apiVersion"].as_str().unwrap_or("");
            if facts.kind.is_empty() || facts.name.is_empty() {
                continue;
            }
            if facts.kind == "Namespace" {
                self.namespace_labels
                    .insert(facts.name.to_owned(), facts.labels.clone());
            }
            let root = match facts.namespace {
                Some(ns) => namespaced
                    .entry(ns.to_owned())
                    .or_insert_with(|| Json::Object(serde_json::Map::new())),
                None => {
                    let entry = cluster
                        .entry(api_version.to_owned())
                        .or_insert_with(|| Json::Object(serde_json::Map::new()));
                    insert_path(entry, &[facts.kind, facts.name], object.clone());
                    continue;
                }
            };
            insert_path(root, &[api_version, facts.kind, facts.name], object.clone());
        }
        let inventory = serde_json::json!({
            "inventory": {
                "namespace": namespaced,
                "cluster": cluster,
            }
        });
        let inventory = crate::to_regorus(&inventory).map_err(|message| PolicyError::Data {
            origin: "inventory".to_owned(),
            message,
        })?;
        for template in &mut self.templates {
            let mut engine = template.base.clone();
            engine
                .add_data(inventory.clone())
                .map_err(|e| PolicyError::Data {
                    origin: "inventory".to_owned(),
                    message: format!("{e:#}"),
                })?;
            // Compile once here, not once per evaluator.
            let _ = engine.eval_query("true".to_owned(), false);
            template.engine = engine;
        }
        Ok(())
    }

    pub(crate) fn rules(&self) -> Vec<PolicyRuleInfo> {
        self.constraints
            .iter()
            .filter_map(|c| {
                let template = self.templates.get(c.template)?;
                Some(PolicyRuleInfo {
                    id: c.id.clone(),
                    severity: c.severity,
                    title: template.title.clone(),
                    description: template.description.clone(),
                    related_resources: Vec::new(),
                    location: c.location.clone(),
                    query: template.query.clone(),
                })
            })
            .collect()
    }

    pub(crate) fn evaluate(
        &mut self,
        object: &Json,
        input: &regorus::Value,
        context: Option<&ReviewContext<'_>>,
        budget: &Budget,
        out: &mut Vec<PolicyFinding>,
    ) {
        if self.constraints.is_empty() {
            return;
        }
        let facts = ObjectFacts::of(object, &self.default_namespace);
        let mut review_value = None;
        for constraint in &self.constraints {
            if !constraint.matcher.matches(&facts, &self.namespace_labels) {
                continue;
            }
            review_value = match review(&facts, input, context) {
                Ok(review) => Some(review),
                Err(message) => {
                    out.push(
                        budget.failure_finding(EvalFailure::Error(message), "reading the review"),
                    );
                    return;
                }
            };
            break;
        }
        // No constraint covers the object: nothing to evaluate.
        let Some(review) = review_value else {
            return;
        };
        for constraint in &self.constraints {
            if !constraint.matcher.matches(&facts, &self.namespace_labels) {
                continue;
            }
            let Some(template) = self.templates.get_mut(constraint.template) else {
                continue;
            };
            let mut shell = BTreeMap::new();
            shell.insert(regorus::Value::from("review"), review.clone());
            shell.insert(
                regorus::Value::from("parameters"),
                constraint.parameters.clone(),
            );
            template.engine.set_input(regorus::Value::from(shell));
            match budget.eval(&mut template.engine, &template.query) {
                Ok(value) => {
                    if value == regorus::Value::Undefined {
                        continue;
                    }
                    let fallback = format!("{} is violated", constraint.id);
                    let reference = RuleRef {
                        id: &constraint.id,
                        severity: constraint.severity,
                        fallback_message: &fallback,
                    };
                    results::push_findings(&crate::to_json(&value), &reference, out);
                }
                Err(failure) => {
                    let stop = matches!(failure, EvalFailure::TimeLimit);
                    let what = format!("constraint {}", constraint.id);
                    out.push(budget.failure_finding(failure, &what));
                    if stop {
                        return;
                    }
                }
            }
        }
    }
}

fn insert_path(root: &mut Json, path: &[&str], value: Json) {
    let mut node = root;
    for key in path {
        if !node.is_object() {
            *node = Json::Object(serde_json::Map::new());
        }
        let Json::Object(map) = node else { return };
        node = map
            .entry((*key).to_owned())
            .or_insert_with(|| Json::Object(serde_json::Map::new()));
    }
    *node = value;
}

/// The fields of an AdmissionRequest that `input.review` carries as they were sent.
const REQUEST_FIELDS: &[&str] = &[
    "resource",
    "subResource",
    "requestKind",
    "requestResource",
    "requestSubResource",
    "options",
];

/// `input.review` as Gatekeeper gives it: for an object being created when there is no
/// context (files), else for the context's operation. For a `DELETE`, `object` is the deleted
/// object, which is also `oldObject`.
fn review(
    facts: &ObjectFacts<'_>,
    object: &regorus::Value,
    context: Option<&ReviewContext<'_>>,
) -> Result<regorus::Value, String> {
    let mut kind = BTreeMap::new();
    kind.insert(
        regorus::Value::from("group"),
        regorus::Value::from(facts.group),
    );
    kind.insert(
        regorus::Value::from("version"),
        regorus::Value::from(facts.version),
    );
    kind.insert(
        regorus::Value::from("kind"),
        regorus::Value::from(facts.kind),
    );
    let mut review = BTreeMap::new();
    review.insert(regorus::Value::from("kind"), regorus::Value::from(kind));
    review.insert(
        regorus::Value::from("name"),
        regorus::Value::from(facts.name),
    );
    if let Some(namespace) = facts.namespace {
        review.insert(
            regorus::Value::from("namespace"),
            regorus::Value::from(namespace),
        );
    }
    let given = context.is_some();
    let context = context.copied().unwrap_or_default();
    review.insert(
        regorus::Value::from("operation"),
        regorus::Value::from(context.operation.as_str()),
    );
    review.insert(regorus::Value::from("object"), object.clone());
    let old = match context.operation {
        ReviewOperation::Create => None,
        ReviewOperation::Update => context
            .old_object
            .filter(|o| !o.is_null())
            .map(crate::to_regorus)
            .transpose()?,
        ReviewOperation::Delete => Some(object.clone()),
    };
    if let Some(old) = old {
        review.insert(regorus::Value::from("oldObject"), old);
    }
    if let Some(user) = context.user_info.filter(|u| !u.is_null()) {
        review.insert(regorus::Value::from("userInfo"), crate::to_regorus(user)?);
    }
    if given {
        review.insert(
            regorus::Value::from("dryRun"),
            regorus::Value::from(context.dry_run),
        );
    }
    if let Some(uid) = context.uid {
        review.insert(regorus::Value::from("uid"), regorus::Value::from(uid));
    }
    for (key, value) in context.request_fields.into_iter().flatten() {
        if REQUEST_FIELDS.contains(&key.as_str()) && !value.is_null() {
            review.insert(
                regorus::Value::from(key.as_str()),
                crate::to_regorus(value)?,
            );
        }
    }
    Ok(regorus::Value::from(review))
}

#[derive(Clone, Debug, Default)]
struct Selector {
    labels: BTreeMap<String, String>,
    /// (key, operator, values)
    expressions: Vec<(String, String, Vec<String>)>,
}

impl Selector {
    fn parse(value: &Json) -> Result<Self, String> {
        let mut out = Self::default();
        if let Some(labels) = value.get("matchLabels") {
            let labels = labels.as_object().ok_or("matchLabels must be a mapping")?;
            for (k, v) in labels {
                let v = v.as_str().ok_or("matchLabels values must be strings")?;
                out.labels.insert(k.clone(), v.to_owned());
            }
        }
        for expression in value["matchExpressions"].as_array().into_iter().flatten() {
            let key = expression["key"]
                .as_str()
                .ok_or("a matchExpression needs a key")?;
            let operator = expression["operator"].as_str().unwrap_or("");
            if !matches!(operator, "In" | "NotIn" | "Exists" | "DoesNotExist") {
                return Err(format!(
                    "unknown matchExpressions operator `{operator}` (expected In, NotIn, Exists or DoesNotExist)"
                ));
            }
            let values = expression["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            out.expressions
                .push((key.to_owned(), operator.to_owned(), values));
        }
        Ok(out)
    }

    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.expressions.iter().all(|(key, op, values)| {
                let value = labels.get(key);
                match op.as_str() {
                    "In" => value.is_some_and(|v| values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !values.contains(v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Scope {
    #[default]
    All,
    Cluster,
    Namespaced,
}

/// A constraint's `spec.match`.
#[derive(Clone, Debug, Default)]
struct Match {
    /// (apiGroups, kinds) pairs; empty matches every kind.
    kinds: Vec<(Vec<String>, Vec<String>)>,
    namespaces: Option<Vec<String>>,
    excluded_namespaces: Vec<String>,
    label_selector: Option<Selector>,
    namespace_selector: Option<Selector>,
    scope: Scope,
    name: Option<String>,
}

fn strings(value: &Json, pointer: &str) -> Result<Vec<String>, (String, String)> {
    match value {
        Json::Null => Ok(Vec::new()),
        Json::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| (pointer.to_owned(), "expected a list of strings".to_owned()))
            })
            .collect(),
        _ => Err((pointer.to_owned(), "expected a list of strings".to_owned())),
    }
}

impl Match {
    /// Reads `spec.match`; the error carries a pointer relative to it.
    fn parse(value: &Json) -> Result<Self, (String, String)> {
        let mut out = Self::default();
        if value.is_null() {
            return Ok(out);
        }
        for (i, entry) in value["kinds"].as_array().into_iter().flatten().enumerate() {
            out.kinds.push((
                strings(&entry["apiGroups"], &format!("/kinds/{i}/apiGroups"))?,
                strings(&entry["kinds"], &format!("/kinds/{i}/kinds"))?,
            ));
        }
        if value.get("namespaces").is_some() {
            out.namespaces = Some(strings(&value["namespaces"], "/namespaces")?);
        }
        out.excluded_namespaces = strings(&value["excludedNamespaces"], "/excludedNamespaces")?;
        if let Some(selector) = value.get("labelSelector") {
            out.label_selector =
                Some(Selector::parse(selector).map_err(|m| ("/labelSelector".to_owned(), m))?);
        }
        if let Some(selector) = value.get("namespaceSelector") {
            out.namespace_selector =
                Some(Selector::parse(selector).map_err(|m| ("/namespaceSelector".to_owned(), m))?);
        }
        out.scope = match value["scope"].as_str() {
            None | Some("*") => Scope::All,
            Some("Cluster") => Scope::Cluster,
            Some("Namespaced") => Scope::Namespaced,
            Some(other) => {
                return Err((
                    "/scope".to_owned(),
                    format!("unknown scope `{other}` (expected *, Cluster or Namespaced)"),
                ));
            }
        };
        out.name = value["name"].as_str().map(str::to_owned);
        Ok(out)
    }

    fn matches(
        &self,
        object: &ObjectFacts<'_>,
        namespace_labels: &BTreeMap<String, BTreeMap<String, String>>,
    ) -> bool {
        let kind_ok = self.kinds.is_empty()
            || self.kinds.iter().any(|(groups, kinds)| {
                (groups.is_empty() || groups.iter().any(|g| g == "*" || g == object.group))
                    && (kinds.is_empty() || kinds.iter().any(|k| k == "*" || k == object.kind))
            });
        if !kind_ok {
            return false;
        }
        match (self.scope, object.namespace) {
            (Scope::Cluster, Some(_)) | (Scope::Namespaced, None) => return false,
            _ => {}
        }
        if let Some(pattern) = &self.name
            && !glob_match(pattern, object.name)
        {
            return false;
        }
        // Namespace criteria apply to namespaced objects and to Namespaces
        // themselves (by their own name); other cluster-scoped objects pass.
        let namespace = match object.namespace {
            Some(ns) => Some(ns),
            None if object.kind == "Namespace" => Some(object.name),
            None => None,
        };
        if let Some(namespace) = namespace {
            if let Some(list) = &self.namespaces
                && !list.iter().any(|p| glob_match(p, namespace))
            {
                return false;
            }
            if self
                .excluded_namespaces
                .iter()
                .any(|p| glob_match(p, namespace))
            {
                return false;
            }
            if let Some(selector) = &self.namespace_selector {
                let empty = BTreeMap::new();
                let labels = if object.kind == "Namespace" {
                    &object.labels
                } else {
                    namespace_labels.get(namespace).unwrap_or(&empty)
                };
                if !selector.matches(labels) {
                    return false;
                }
            }
        }
        if let Some(selector) = &self.label_selector
            && !selector.matches(&object.labels)
        {
            return false;
        }
        true
    }
}

/// Gatekeeper's name globs: an exact name, `prefix*` or `*suffix`.
fn glob_match(pattern: &str, name: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix('*') {
        name.starts_with(prefix)
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        name.ends_with(suffix)
    } else {
        pattern == name
    }
}
