//! Rego policies for plimsoll: conftest-style modules and Gatekeeper
//! `ConstraintTemplate`s with their constraints, compiled once and evaluated
//! against each Kubernetes object with [`regorus`].
//!
//! This crate owns everything between policy text and findings; it reads no
//! files and parses no manifests. The engine walks the `--policy` folders,
//! loads YAML/JSON with the project's span-preserving loader, and hands over
//! texts and `serde_json::Value`s:
//!
//! 1. [`PolicySetBuilder`] collects `.rego` modules ([`PolicySetBuilder::add_module`];
//!    `*_test.rego` files are kept for tests only), data documents
//!    ([`PolicySetBuilder::add_data`], merged at the root of `data` as conftest
//!    does), and objects found among the policy inputs
//!    ([`PolicySetBuilder::add_object`]: `ConstraintTemplate`s and the
//!    constraints of the kinds they define).
//! 2. [`PolicySetBuilder::build`] parses and compiles everything before any
//!    object is checked, and returns every problem at once as
//!    [`PolicyError`]s with file, line and column (for Rego embedded in a
//!    template, the JSON pointer of the string and the line within it).
//!    Calls to functions regorus does not provide (`io.jwt.*`, `crypto.*`,
//!    some `net.cidr_*`) are reported by name here.
//!    [`PolicySetBuilder::run_tests`] instead runs every `test_*` rule
//!    (`plimsoll policy test`) and returns one [`TestOutcome`] per test.
//! 3. [`PolicySet`] is `Send + Sync`. [`PolicySet::set_inventory`] gives it the
//!    objects of the run (Gatekeeper `data.inventory`, and the Namespace
//!    labels `namespaceSelector` matches against). Each worker thread takes an
//!    [`Evaluator`] ([`PolicySet::evaluator`], a cheap clone of the compiled
//!    engines) and calls [`Evaluator::evaluate`] per object, or
//!    [`Evaluator::evaluate_combined`] once with all objects in `combine` mode.
//! 4. Each result becomes a [`PolicyFinding`]: rule id, [`PolicySeverity`],
//!    message, an RFC 6901 pointer into the object when the result names a
//!    field, and the result's other fields. The engine turns the pointer into
//!    a file/line/column span (or points at `metadata.name` when there is none).
//!
//! Conventions, in the order a reader meets them:
//!
//! - **Syntax.** Each module is parsed on its own, so v0 and v1 modules mix
//!   freely (regorus reads its v0 flag when a module is added, not when it is
//!   evaluated). With [`RegoVersion::Auto`] (the default) a module is v1 if it
//!   parses as v1 (which covers `import rego.v1` and `contains`/`if`), and v0
//!   otherwise; [`RegoVersion::V0`] / [`RegoVersion::V1`] force one syntax
//!   for every module.
//! - **Conftest rules.** In the selected packages (`main` by default), rules
//!   named `deny`, `violation`, `warn`, or starting with `deny_`,
//!   `violation_`, `warn_`, as sets, single values or booleans. Results are
//!   strings or objects (`msg`, an optional location under `path` or `_loc`,
//!   anything else kept in [`PolicyFinding::extra`]). `exception` rules work
//!   as in conftest: a value `["foo"]` skips `deny_foo`/`violation_foo`/`warn_foo`.
//! - **Ids and severity.** A `# METADATA` block on a rule sets its id
//!   (`custom.id`), severity (`custom.severity`: error, warning, info) and
//!   docs (`title`, `description`, `related_resources`); otherwise the id is
//!   `PACKAGE.RULE` and the severity error for `deny`/`violation`, warning for
//!   `warn`. Blocks have OPA's scopes (`rule`, the default, for that definition
//!   only; `document` for every definition of the rule; `package` and
//!   `subpackages` for the severity of the rules they cover): a rule defined
//!   several times reports each finding with the metadata of the definition that
//!   produced it (see `annotations.rs`).
//! - **Gatekeeper.** Constraint findings have the id `Kind/name` and the
//!   severity of `enforcementAction` (`deny` error, `warn` warning, `dryrun`
//!   info). Templates with only CEL are listed by [`PolicySet::warnings`].
//! - **Failures at evaluation.** A rule that fails for one object yields a
//!   finding [`RULE_POLICY_ERROR`]; running over the time budget of one object
//!   ([`PolicyOptions::time_limit`], enforced by regorus's execution timer)
//!   yields [`RULE_TIME_LIMIT`] and stops that object's evaluation.

mod annotations;
mod caps;
mod compat;
mod deprecated;
mod gatekeeper;
mod rego;
mod results;
mod testing;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use regorus::Engine;
use serde::Deserialize;
use serde_json::{Map, Value as Json};

pub use testing::TestOutcome;

use rego::{Module, ModuleFacts};

/// Rule id of the finding produced when a policy fails at runtime for an object.
pub const RULE_POLICY_ERROR: &str = "policy-error";
/// Rule id of the finding produced when an object's evaluation exceeds the time limit.
pub const RULE_TIME_LIMIT: &str = "policy-time-limit";

/// Which Rego syntax modules are parsed with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RegoVersion {
    /// v1 when the module parses as v1, else v0.
    #[default]
    Auto,
    /// The pre-1.0 syntax (`deny[msg] { … }`) for every module.
    V0,
    /// The 1.0 syntax (`deny contains msg if { … }`) for every module.
    V1,
}

/// How policies are selected and evaluated.
#[derive(Clone, Debug)]
pub struct PolicyOptions {
    /// Packages whose conftest rules are evaluated (`--namespace`); default `["main"]`.
    pub namespaces: Vec<String>,
    /// Evaluate the conftest rules of every package (`--all-namespaces`).
    pub all_namespaces: bool,
    /// Conftest rules see all objects at once (`--combine`); see [`Evaluator::evaluate_combined`].
    pub combine: bool,
    /// Syntax of the modules.
    pub rego_version: RegoVersion,
    /// Evaluation time budget per object (all its rules and constraints together); `None` is unlimited.
    pub time_limit: Option<Duration>,
    /// Namespace of namespaced objects that do not name one, for Gatekeeper matching.
    pub default_namespace: String,
}

impl Default for PolicyOptions {
    fn default() -> Self {
        Self {
            namespaces: vec!["main".to_owned()],
            all_namespaces: false,
            combine: false,
            rego_version: RegoVersion::Auto,
            time_limit: Some(Duration::from_secs(1)),
            default_namespace: "default".to_owned(),
        }
    }
}

/// Severity of a policy finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicySeverity {
    Error,
    Warning,
    Info,
}

impl PolicySeverity {
    /// Reads a severity as written in metadata (`error`, `warning`/`warn`, `info`,
    /// and the `critical`/`high`/`medium`/`low` scale).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "error" | "deny" | "critical" | "high" => Some(Self::Error),
            "warning" | "warn" | "medium" => Some(Self::Warning),
            "info" | "low" | "dryrun" | "note" => Some(Self::Info),
            _ => None,
        }
    }
}

/// Where a piece of policy text is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceLocation {
    /// The path (or origin label) the text was given with.
    pub path: String,
    /// For Rego embedded in an object (a `ConstraintTemplate`), the JSON
    /// pointer of the string holding it; `line` and `column` then count
    /// within that string.
    pub pointer: Option<String>,
    /// 1-based; 0 when unknown.
    pub line: u32,
    /// 1-based, in characters; 0 when unknown.
    pub column: u32,
}

impl SourceLocation {
    fn file(path: &str) -> Self {
        Self {
            path: path.to_owned(),
            ..Self::default()
        }
    }

    fn embedded(path: &str, pointer: String) -> Self {
        Self {
            path: path.to_owned(),
            pointer: Some(pointer),
            ..Self::default()
        }
    }
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path)?;
        if let Some(pointer) = &self.pointer {
            write!(f, " ({pointer})")?;
        }
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        Ok(())
    }
}

/// Why policies could not be loaded. Findings are never errors.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PolicyError {
    /// A module (or METADATA block) that does not parse or compile.
    #[error("{location}: {message}")]
    Compile {
        location: SourceLocation,
        message: String,
    },
    /// A call to a function that is neither a builtin regorus provides nor defined by the policies.
    #[error(
        "{location}: function `{name}` is not available (not a builtin of plimsoll's Rego engine, nor defined by the policies)"
    )]
    UnsupportedFunction {
        location: SourceLocation,
        name: String,
    },
    /// A data document that cannot be merged into `data`.
    #[error("{origin}: {message}")]
    Data { origin: String, message: String },
    /// A malformed or unsupported `ConstraintTemplate` or constraint.
    #[error("{origin}: {message}")]
    Gatekeeper {
        origin: String,
        /// Pointer of the offending field in the object, when there is one.
        pointer: Option<String>,
        message: String,
    },
}

/// One result of one policy about one object.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyFinding {
    /// `custom.id` from METADATA, else `PACKAGE.RULE`; `Kind/name` for constraints.
    pub rule: String,
    pub severity: PolicySeverity,
    pub message: String,
    /// RFC 6901 pointer into the object when the result names a field.
    pub pointer: Option<String>,
    /// In combined mode, the index of the object the pointer is about.
    pub object_index: Option<usize>,
    /// The result's other fields (`details`, custom keys), for JSON output.
    pub extra: Map<String, Json>,
}

/// A policy rule as `plimsoll explain` shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyRuleInfo {
    pub id: String,
    pub severity: PolicySeverity,
    pub title: Option<String>,
    pub description: Option<String>,
    pub related_resources: Vec<String>,
    /// Where the rule (or the constraint) is defined.
    pub location: SourceLocation,
    /// The Rego rule evaluated, e.g. `data.main.deny`.
    pub query: String,
}

/// Collects policy inputs; see the crate documentation.
#[derive(Debug)]
pub struct PolicySetBuilder {
    options: PolicyOptions,
    modules: Vec<Module>,
    tests: Vec<Module>,
    data: Vec<(String, Json)>,
    templates: Vec<gatekeeper::Source>,
    constraints: Vec<gatekeeper::Source>,
    labels: BTreeSet<String>,
    errors: Vec<PolicyError>,
}

impl PolicySetBuilder {
    pub fn new(options: PolicyOptions) -> Self {
        Self {
            options,
            modules: Vec::new(),
            tests: Vec::new(),
            data: Vec::new(),
            templates: Vec::new(),
            constraints: Vec::new(),
            labels: BTreeSet::new(),
            errors: Vec::new(),
        }
    }

    /// Adds a `.rego` file. Files named `*_test.rego` are only used by
    /// [`run_tests`](Self::run_tests). A parse error is returned and also kept
    /// for [`build`](Self::build).
    pub fn add_module(&mut self, path: &str, text: &str) -> Result<(), PolicyError> {
        let label = self.unique_label(path);
        let location = SourceLocation::file(path);
        match rego::parse_module(&label, &location, text, self.options.rego_version) {
            Ok(module) => {
                if path.ends_with("_test.rego") {
                    self.tests.push(module);
                } else {
                    self.modules.push(module);
                }
                Ok(())
            }
            Err(err) => {
                self.errors.push(err.clone());
                Err(err)
            }
        }
    }

    /// Adds a data document (a JSON or YAML data file); its top-level keys are
    /// merged at the root of `data`, as conftest does.
    pub fn add_data(&mut self, path: &str, value: Json) -> Result<(), PolicyError> {
        if !value.is_object() {
            let err = PolicyError::Data {
                origin: path.to_owned(),
                message: "a data document must be a mapping at its top level".to_owned(),
            };
            self.errors.push(err.clone());
            return Err(err);
        }
        self.data.push((path.to_owned(), value));
        Ok(())
    }

    /// Takes a Gatekeeper `ConstraintTemplate` or constraint found among the
    /// policy inputs; returns whether it was one. `origin` names where it came
    /// from (the file) in errors and rule locations. Problems are reported by
    /// [`build`](Self::build).
    pub fn add_object(&mut self, value: &Json, origin: &str) -> bool {
        let source = gatekeeper::Source {
            origin: origin.to_owned(),
            value: value.clone(),
        };
        if gatekeeper::is_template(value) {
            self.templates.push(source);
            true
        } else if gatekeeper::is_constraint(value) {
            self.constraints.push(source);
            true
        } else {
            false
        }
    }

    fn unique_label(&mut self, path: &str) -> String {
        let mut label = path.to_owned();
        let mut n = 1;
        while !self.labels.insert(label.clone()) {
            n += 1;
            label = format!("{path}#{n}");
        }
        label
    }

    /// Compiles everything; on failure returns every error found.
    pub fn build(self) -> Result<PolicySet, Vec<PolicyError>> {
        let mut errors = self.errors;
        let mut warnings = Vec::new();

        let conftest = if self.modules.is_empty() {
            None
        } else {
            let mut engine = crate::rego::new_engine();
            errors.extend(rego::load_modules(&mut engine, &self.modules));
            errors.extend(add_data(&mut engine, &self.data));
            let locations = locations(&self.modules);
            match rego::module_facts(&engine) {
                Ok(facts) => {
                    errors.extend(rego::missing_functions(&facts, &locations));
                    let (mut namespaces, split) =
                        select_namespaces(&self.options, &self.modules, &facts, &mut errors, true);
                    for wanted in &self.options.namespaces {
                        let found = namespaces.iter().any(|n| &n.package == wanted);
                        if !found && !self.options.all_namespaces {
                            warnings.push(PolicyError::Data {
                                origin: wanted.clone(),
                                message: format!(
                                    "no policy module declares `package {wanted}` with deny, violation or warn rules"
                                ),
                            });
                        }
                    }
                    if errors.is_empty() {
                        errors.extend(rego::prepare(&mut engine, &locations));
                    }
                    // Rules whose definitions take different metadata: each group of
                    // definitions is evaluated on its own, from rewritten modules.
                    if errors.is_empty() && !split.is_empty() {
                        let rules: Vec<&annotations::RuleDefinitions> = split.iter().collect();
                        let rewritten =
                            annotations::split_modules(&self.modules, &rules).and_then(|modules| {
                                let mut engine = crate::rego::new_engine();
                                let mut problems = rego::load_modules(&mut engine, &modules);
                                problems.extend(add_data(&mut engine, &self.data));
                                problems.extend(rego::prepare(&mut engine, &locations));
                                problems.is_empty().then_some(engine)
                            });
                        match rewritten {
                            Some(split_engine) => engine = split_engine,
                            // Not expected; the rules are then evaluated whole, as written.
                            None => {
                                namespaces = select_namespaces(
                                    &self.options,
                                    &self.modules,
                                    &facts,
                                    &mut Vec::new(),
                                    false,
                                )
                                .0;
                            }
                        }
                    }
                    Some((engine, namespaces))
                }
                Err(message) => {
                    errors.push(PolicyError::Compile {
                        location: SourceLocation::file(""),
                        message,
                    });
                    None
                }
            }
        };

        let gatekeeper = gatekeeper::build(
            &self.templates,
            &self.constraints,
            &self.options,
            &mut errors,
            &mut warnings,
        );

        if !errors.is_empty() {
            return Err(errors);
        }
        let (conftest_engine, namespaces) = match conftest {
            Some((engine, namespaces)) => (Some(engine), namespaces),
            None => (None, Vec::new()),
        };
        Ok(PolicySet {
            shared: Arc::new(Shared {
                options: self.options,
                namespaces,
            }),
            conftest: conftest_engine,
            gatekeeper,
            warnings,
        })
    }

    /// Runs every `test_*` rule of every module (test files included) and
    /// returns one outcome per test, in file and line order; `Err` when the
    /// modules do not compile.
    pub fn run_tests(&self) -> Result<Vec<TestOutcome>, Vec<PolicyError>> {
        if !self.errors.is_empty() {
            return Err(self.errors.clone());
        }
        let modules: Vec<&Module> = self.modules.iter().chain(&self.tests).collect();
        testing::run(&modules, &self.data, &self.options)
    }
}

fn locations(modules: &[Module]) -> BTreeMap<String, SourceLocation> {
    modules
        .iter()
        .map(|m| (m.label.clone(), m.location.clone()))
        .collect()
}

pub(crate) fn add_data(engine: &mut Engine, data: &[(String, Json)]) -> Vec<PolicyError> {
    let mut errors = Vec::new();
    for (origin, value) in data {
        let result =
            to_regorus(value).and_then(|v| engine.add_data(v).map_err(|e| format!("{e:#}")));
        if let Err(message) = result {
            errors.push(PolicyError::Data {
                origin: origin.clone(),
                message: format!("cannot merge into `data`: {message}"),
            });
        }
    }
    errors
}

pub(crate) fn to_regorus(value: &Json) -> Result<regorus::Value, String> {
    regorus::Value::deserialize(value).map_err(|e| e.to_string())
}

pub(crate) fn to_json(value: &regorus::Value) -> Json {
    serde_json::to_value(value).unwrap_or(Json::Null)
}

/// A conftest rule ready to evaluate.
#[derive(Clone, Debug)]
struct ConftestRule {
    /// The rule evaluated: the rule itself, or one group of its definitions.
    query: String,
    /// The rule as written (`data.main.deny`), for messages and listings.
    name_query: String,
    id: String,
    severity: PolicySeverity,
    title: Option<String>,
    description: Option<String>,
    related_resources: Vec<String>,
    location: SourceLocation,
    /// `foo` for `deny_foo`: the name an `exception` uses.
    exception_key: Option<String>,
    fallback_message: String,
}

#[derive(Clone, Debug)]
struct Namespace {
    package: String,
    exception_query: Option<String>,
    rules: Vec<ConftestRule>,
}

fn rule_kind(name: &str) -> Option<(PolicySeverity, Option<&str>)> {
    for (prefix, severity) in [
        ("deny", PolicySeverity::Error),
        ("violation", PolicySeverity::Error),
        ("warn", PolicySeverity::Warning),
    ] {
        if name == prefix {
            return Some((severity, None));
        }
        if let Some(rest) = name.strip_prefix(prefix).and_then(|r| r.strip_prefix('_'))
            && !rest.is_empty()
        {
            return Some((severity, Some(rest)));
        }
    }
    None
}

/// The conftest rules of the selected packages, with their metadata (see [`annotations`]),
/// and the rules whose definitions take different metadata. With `split`, each group of such
/// a rule's definitions is a rule of its own (the modules must then be rewritten with
/// [`annotations::split_modules`]); without, the rule takes its first group's metadata.
fn select_namespaces(
    options: &PolicyOptions,
    modules: &[Module],
    facts: &BTreeMap<String, ModuleFacts>,
    errors: &mut Vec<PolicyError>,
    split: bool,
) -> (Vec<Namespace>, Vec<annotations::RuleDefinitions>) {
    let selected = |package: &[String]| {
        options.all_namespaces || options.namespaces.contains(&package.join("."))
    };
    let mut packages: BTreeMap<String, Namespace> = BTreeMap::new();
    for facts in facts.values() {
        if !selected(&facts.package) {
            continue;
        }
        let package = facts.package.join(".");
        let namespace = packages
            .entry(package.clone())
            .or_insert_with(|| Namespace {
                package,
                exception_query: None,
                rules: Vec::new(),
            });
        if facts
            .rules
            .iter()
            .any(|h| h.name == "exception" && !h.is_function)
        {
            namespace.exception_query = Some(rego::rule_path(&facts.package, "exception"));
        }
    }
    let rules = annotations::definitions(
        modules,
        facts,
        |package, head| selected(package) && !head.is_function && rule_kind(&head.name).is_some(),
        errors,
    );
    let mut split_rules = Vec::new();
    for rule in rules {
        let Some((severity, exception_key)) = rule_kind(&rule.name) else {
            continue;
        };
        let package = rule.package.join(".");
        let Some(namespace) = packages.get_mut(&package) else {
            continue;
        };
        let groups = rule.groups();
        let apart = groups.len() > 1 && rule.splittable();
        let groups: Vec<_> = if apart && split {
            groups.into_iter().enumerate().collect()
        } else {
            // One document: the first group's metadata (or none, for a rule with only a
            // `default`), reported at the first definition.
            let first = groups
                .into_iter()
                .next()
                .unwrap_or_else(|| (annotations::Meta::default(), Vec::new()));
            vec![(usize::MAX, first)]
        };
        let name_query = rego::rule_path(&rule.package, &rule.name);
        for (group, (meta, members)) in groups {
            let definition = members.first().copied().or(rule.definitions.first());
            let location = match definition {
                Some(d) => SourceLocation {
                    line: d.head.line,
                    column: d.head.column,
                    ..modules[d.module].location.clone()
                },
                None => SourceLocation::file(""),
            };
            let query = if group == usize::MAX {
                name_query.clone()
            } else {
                rego::rule_path(&rule.package, &annotations::group_name(group, &rule.name))
            };
            let mut conftest_rule = ConftestRule {
                query,
                name_query: name_query.clone(),
                id: format!("{package}.{}", rule.name),
                severity,
                title: None,
                description: None,
                related_resources: Vec::new(),
                location,
                exception_key: exception_key.map(str::to_owned),
                fallback_message: String::new(),
            };
            conftest_rule.fallback_message =
                format!("policy rule {} is true for this object", conftest_rule.id);
            apply_metadata(&mut conftest_rule, &meta);
            namespace.rules.push(conftest_rule);
        }
        if apart && split {
            split_rules.push(rule);
        }
    }
    let mut out: Vec<Namespace> = packages
        .into_values()
        .filter(|n| !n.rules.is_empty())
        .collect();
    for namespace in &mut out {
        namespace.rules.sort_by(|a, b| {
            (&a.name_query, &a.location.path, a.location.line).cmp(&(
                &b.name_query,
                &b.location.path,
                b.location.line,
            ))
        });
    }
    (out, split_rules)
}

fn apply_metadata(rule: &mut ConftestRule, meta: &annotations::Meta) {
    rule.title = meta.title.clone();
    rule.description = meta.description.clone();
    if let Some(id) = &meta.id {
        rule.id = id.clone();
    }
    if let Some(severity) = meta.severity {
        rule.severity = severity;
    }
    rule.related_resources = meta.related_resources.clone();
    if let Some(title) = &rule.title {
        rule.fallback_message = title.clone();
    }
}

#[derive(Debug)]
struct Shared {
    options: PolicyOptions,
    namespaces: Vec<Namespace>,
}

/// Compiled policies; clone an [`Evaluator`] per worker thread.
#[derive(Debug, Clone)]
pub struct PolicySet {
    shared: Arc<Shared>,
    conftest: Option<Engine>,
    gatekeeper: gatekeeper::Gatekeeper,
    warnings: Vec<PolicyError>,
}

impl PolicySet {
    /// Gives Gatekeeper policies the objects of the run (and context-only
    /// objects): `data.inventory`, and the Namespace objects whose labels
    /// `namespaceSelector` matches. Replaces any earlier inventory.
    pub fn set_inventory<'a>(
        &mut self,
        objects: impl IntoIterator<Item = &'a Json>,
    ) -> Result<(), PolicyError> {
        self.gatekeeper
            .set_inventory(objects, &self.shared.options.default_namespace)
    }

    /// An evaluator for one thread.
    pub fn evaluator(&self) -> Evaluator {
        Evaluator {
            shared: Arc::clone(&self.shared),
            conftest: self.conftest.clone(),
            gatekeeper: self.gatekeeper.clone(),
        }
    }

    /// The rules that can produce findings, for `plimsoll explain` and listings.
    pub fn rules(&self) -> Vec<PolicyRuleInfo> {
        let mut out: Vec<PolicyRuleInfo> = self
            .shared
            .namespaces
            .iter()
            .flat_map(|n| &n.rules)
            .map(|r| PolicyRuleInfo {
                id: r.id.clone(),
                severity: r.severity,
                title: r.title.clone(),
                description: r.description.clone(),
                related_resources: r.related_resources.clone(),
                location: r.location.clone(),
                query: r.name_query.clone(),
            })
            .collect();
        out.extend(self.gatekeeper.rules());
        out
    }

    /// Non-fatal problems: CEL-only templates and their constraints (not
    /// evaluated), selected namespaces that no module declares.
    pub fn warnings(&self) -> &[PolicyError] {
        &self.warnings
    }

    /// Whether there is anything to evaluate.
    pub fn is_empty(&self) -> bool {
        self.shared.namespaces.is_empty() && self.gatekeeper.is_empty()
    }
}

/// Evaluates policies for one thread; see [`PolicySet::evaluator`].
#[derive(Debug)]
pub struct Evaluator {
    shared: Arc<Shared>,
    conftest: Option<Engine>,
    gatekeeper: gatekeeper::Gatekeeper,
}

/// One object of a combined evaluation.
#[derive(Clone, Copy, Debug)]
pub struct CombinedInput<'a> {
    /// The file the object came from (`input[i].path`).
    pub path: &'a str,
    /// The object (`input[i].contents`).
    pub object: &'a Json,
}

/// The time budget of one object.
pub(crate) struct Budget {
    start: Instant,
    limit: Option<Duration>,
}

pub(crate) enum EvalFailure {
    TimeLimit,
    Error(String),
}

impl Budget {
    fn new(limit: Option<Duration>) -> Self {
        Self {
            start: Instant::now(),
            limit,
        }
    }

    /// Evaluates one rule within what is left of the budget.
    pub(crate) fn eval(
        &self,
        engine: &mut Engine,
        query: &str,
    ) -> Result<regorus::Value, EvalFailure> {
        if let Some(limit) = self.limit {
            let remaining = limit.saturating_sub(self.start.elapsed());
            if remaining.is_zero() {
                return Err(EvalFailure::TimeLimit);
            }
            engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
                limit: remaining,
                check_interval: NonZeroU32::MIN.saturating_add(63),
            });
        }
        engine.eval_rule(query.to_owned()).map_err(|err| {
            let limit = err
                .chain()
                .any(|c| c.downcast_ref::<regorus::LimitError>().is_some())
                || format!("{err:#}").contains("exceeded time limit");
            if limit {
                EvalFailure::TimeLimit
            } else {
                let (line, column, message) = rego::split_located(&format!("{err:#}"));
                EvalFailure::Error(match line.zip(column) {
                    Some((line, column)) => format!("{message} (line {line}, column {column})"),
                    None => message,
                })
            }
        })
    }

    pub(crate) fn failure_finding(&self, failure: EvalFailure, what: &str) -> PolicyFinding {
        let (rule, message) = match failure {
            EvalFailure::TimeLimit => (
                RULE_TIME_LIMIT,
                format!(
                    "policy evaluation stopped at {what}: this object exceeded the time limit of {} ms",
                    self.limit.map_or(0, |l| l.as_millis())
                ),
            ),
            EvalFailure::Error(message) => (RULE_POLICY_ERROR, format!("{what} failed: {message}")),
        };
        PolicyFinding {
            rule: rule.to_owned(),
            severity: PolicySeverity::Error,
            message,
            pointer: None,
            object_index: None,
            extra: Map::new(),
        }
    }
}

/// The operation of an admission request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReviewOperation {
    #[default]
    Create,
    Update,
    Delete,
}

impl ReviewOperation {
    /// The name admission gives it (`CREATE`, `UPDATE`, `DELETE`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewOperation::Create => "CREATE",
            ReviewOperation::Update => "UPDATE",
            ReviewOperation::Delete => "DELETE",
        }
    }
}

/// What an admission request says besides its object: what Gatekeeper policies read in
/// `input.review` (`operation`, `oldObject`, `userInfo`, `dryRun`, `uid`). Without one, a
/// review is a `CREATE`, as for files.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReviewContext<'a> {
    pub operation: ReviewOperation,
    /// The object before an `UPDATE`, or the one being deleted.
    pub old_object: Option<&'a Json>,
    /// The request's `userInfo` as sent (`username`, `uid`, `groups`, `extra`).
    pub user_info: Option<&'a Json>,
    pub dry_run: bool,
    pub uid: Option<&'a str>,
    /// The request's other fields as sent (`resource`, `subResource`, `requestKind`,
    /// `requestResource`, `requestSubResource`, `options`), copied into `input.review`.
    pub request_fields: Option<&'a serde_json::Map<String, Json>>,
}

impl Evaluator {
    /// Evaluates the policies for one object: conftest rules (unless in
    /// `combine` mode) and every constraint whose `spec.match` selects it.
    pub fn evaluate(&mut self, object: &Json) -> Vec<PolicyFinding> {
        self.evaluate_review(object, None)
    }

    /// [`Self::evaluate`] for an admission request: Gatekeeper constraints get `input.review`
    /// with the context's operation, `oldObject`, `userInfo`, `dryRun` and `uid`. conftest
    /// rules get the object as `input`, as always. A `DELETE` is checked by the Gatekeeper
    /// constraints whose match covers the deleted object alone, with that object as both
    /// `object` and `oldObject` (as Gatekeeper does); `object` is then the deleted object.
    pub fn evaluate_review(
        &mut self,
        object: &Json,
        context: Option<&ReviewContext<'_>>,
    ) -> Vec<PolicyFinding> {
        let budget = Budget::new(self.shared.options.time_limit);
        let delete = context.is_some_and(|c| c.operation == ReviewOperation::Delete);
        let mut out = Vec::new();
        let input = match to_regorus(object) {
            Ok(input) => input,
            Err(message) => {
                out.push(budget.failure_finding(EvalFailure::Error(message), "reading the object"));
                return out;
            }
        };
        let mut stopped = false;
        if !self.shared.options.combine && !delete {
            stopped = self.conftest(input.clone(), &budget, &mut out);
        }
        if !stopped {
            self.gatekeeper
                .evaluate(object, &input, context, &budget, &mut out);
        }
        out
    }

    /// Evaluates the conftest rules once with `input` set to the array of all
    /// objects, each as `{"path": FILE, "contents": OBJECT}`: conftest's
    /// `--combine` shape, one entry per document (a file of three documents
    /// gives three entries with its path), ordered by path as conftest orders
    /// them (documents of one file in file order). A finding whose location
    /// starts with an index (`[2].contents.spec…` or `/2/contents/spec…`) gets
    /// the [`PolicyFinding::object_index`] of that entry's object in `objects`
    /// and a pointer into it; a finding that names no entry (conftest reports it
    /// for the whole `Combined` input) gets the first entry's.
    /// Gatekeeper constraints are still evaluated per object by [`Self::evaluate`].
    pub fn evaluate_combined(&mut self, objects: &[CombinedInput<'_>]) -> Vec<PolicyFinding> {
        let budget = Budget::new(self.shared.options.time_limit);
        let mut out = Vec::new();
        let mut order: Vec<usize> = (0..objects.len()).collect();
        order.sort_by(|&a, &b| objects[a].path.cmp(objects[b].path));
        let mut items = Vec::with_capacity(objects.len());
        for item in order.iter().map(|&i| &objects[i]) {
            match to_regorus(item.object) {
                Ok(contents) => {
                    let mut entry = BTreeMap::new();
                    entry.insert(
                        regorus::Value::from("path"),
                        regorus::Value::from(item.path),
                    );
                    entry.insert(regorus::Value::from("contents"), contents);
                    items.push(regorus::Value::from(entry));
                }
                Err(message) => {
                    out.push(
                        budget.failure_finding(EvalFailure::Error(message), "reading the object"),
                    );
                    return out;
                }
            }
        }
        let start = out.len();
        self.conftest(regorus::Value::from(items), &budget, &mut out);
        for finding in &mut out[start..] {
            results::split_combined(finding, objects.len());
            // From the entry of `input` back to the object it came from.
            finding.object_index = order.get(finding.object_index.unwrap_or(0)).copied();
        }
        out
    }

    /// Returns whether evaluation stopped on the time limit.
    fn conftest(
        &mut self,
        input: regorus::Value,
        budget: &Budget,
        out: &mut Vec<PolicyFinding>,
    ) -> bool {
        let Some(engine) = self.conftest.as_mut() else {
            return false;
        };
        engine.set_input(input);
        for namespace in &self.shared.namespaces {
            let mut exceptions = BTreeSet::new();
            if let Some(query) = &namespace.exception_query {
                match budget.eval(engine, query) {
                    Ok(value) => collect_exceptions(&to_json(&value), &mut exceptions),
                    Err(failure) => {
                        let stop = matches!(failure, EvalFailure::TimeLimit);
                        out.push(budget.failure_finding(failure, query));
                        if stop {
                            return true;
                        }
                    }
                }
            }
            for rule in &namespace.rules {
                if rule
                    .exception_key
                    .as_ref()
                    .is_some_and(|k| exceptions.contains(k))
                {
                    continue;
                }
                match budget.eval(engine, &rule.query) {
                    Ok(value) => {
                        if value == regorus::Value::Undefined {
                            continue;
                        }
                        let reference = results::RuleRef {
                            id: &rule.id,
                            severity: rule.severity,
                            fallback_message: &rule.fallback_message,
                        };
                        results::push_findings(&to_json(&value), &reference, out);
                    }
                    Err(failure) => {
                        let stop = matches!(failure, EvalFailure::TimeLimit);
                        out.push(budget.failure_finding(failure, &rule.name_query));
                        if stop {
                            return true;
                        }
                    }
                }
            }
        }
        false
    }
}

fn collect_exceptions(value: &Json, out: &mut BTreeSet<String>) {
    match value {
        Json::String(s) => {
            out.insert(s.clone());
        }
        Json::Array(items) => {
            for item in items {
                collect_exceptions(item, out);
            }
        }
        _ => {}
    }
}
