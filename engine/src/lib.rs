//! The plimsoll pipeline, the same for the command line, the editor and the admission webhook:
//! discover → load → validate → rules → policies → filter → [`Report`].
//!
//! [`lint`] takes [`Input`]s (paths to walk, or texts already in memory) and a [`Config`].
//! Discovery ([`discover`]) lists the files to read; each is loaded by `plimsoll_core`
//! in parallel (rayon) into objects and diagnostics; the later stages run per object;
//! the result is sorted into a deterministic order, whatever the thread count.
//! Findings are data ([`Diagnostic`]s in the report); an `Err` means the run could not
//! happen at all (an unreadable path named by the user, an invalid glob).

pub mod baseline;
pub mod config;
pub mod discover;
pub mod policies;
pub mod schema;
pub mod suppress;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use plimsoll_core::{Diagnostic, LoadOptions, LoadedFile, Object, Origin, Severity, Source};
use rayon::prelude::*;

pub use discover::{Candidate, Input};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot walk {path}: {message}")]
    Walk { path: PathBuf, message: String },
    #[error("invalid glob `{glob}`: {message}")]
    Glob { glob: String, message: String },
    #[error("{0}")]
    Rules(#[from] plimsoll_rules::RuleConfigError),
    #[error("{}", .0.join("\n"))]
    Policy(Vec<String>),
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("{0}")]
    Schema(String),
}

/// Everything that shapes a run.
#[derive(Debug)]
pub struct Config {
    /// Globs of files and folders to leave out when walking.
    pub exclude: Vec<String>,
    /// When not empty, walked files must match one of these globs.
    pub include: Vec<String>,
    pub load: LoadOptions,
    /// When set, only findings in these files are reported (`--changed-since`); every file
    /// is still loaded, so cross-object checks see the whole set.
    pub report_only: Option<Vec<PathBuf>>,
    /// Which built-in rules run, with what severity and options.
    pub rules: plimsoll_rules::RulesConfig,
    /// Folders and files of Rego policies, data, Gatekeeper templates and constraints.
    pub policies: Vec<PathBuf>,
    pub policy: plimsoll_policy::PolicyOptions,
    /// The date suppressions with `until=` are compared with (`YYYY-MM-DD`); default: today.
    pub today: Option<String>,
    /// The Kubernetes version to validate against (default: the newest bundled).
    pub kubernetes_version: Option<String>,
    /// Unknown fields are errors (true) or warnings (false).
    pub strict: bool,
    /// Folders and files of CustomResourceDefinitions to validate custom resources with.
    pub crds: Vec<PathBuf>,
    /// kubeconform-style schema location templates.
    pub schema_locations: Vec<String>,
    /// Leave schema validation out (the loader's and the rules' findings remain).
    pub skip_schemas: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            exclude: Vec::new(),
            include: Vec::new(),
            load: LoadOptions::default(),
            report_only: None,
            rules: plimsoll_rules::RulesConfig::default(),
            policies: Vec::new(),
            policy: plimsoll_policy::PolicyOptions::default(),
            today: None,
            kubernetes_version: None,
            strict: true,
            crds: Vec::new(),
            schema_locations: Vec::new(),
            skip_schemas: false,
        }
    }
}

/// The outcome of a run.
#[derive(Debug, Default)]
pub struct Report {
    /// Sorted by file, position, rule id.
    pub diagnostics: Vec<Diagnostic>,
    /// Every file that took part (Kubernetes files, and files named explicitly).
    pub sources: Vec<Arc<Source>>,
    pub objects: usize,
    pub elapsed: Duration,
}

impl Report {
    pub fn files(&self) -> usize {
        self.sources.len()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Whether any finding is at or above `threshold`.
    pub fn fails(&self, threshold: Severity) -> bool {
        self.diagnostics.iter().any(|d| d.severity >= threshold)
    }
}

/// Files loaded, with their objects, before the checking stages.
pub struct Loaded {
    pub files: Vec<LoadedFile>,
    /// The path each file was read from (`None` for standard input and editor buffers).
    pub paths: Vec<Option<PathBuf>>,
}

impl Loaded {
    pub fn objects(&self) -> impl Iterator<Item = &Object> {
        self.files.iter().flat_map(|f| f.objects.iter())
    }
}

/// Discovers and loads every input, in parallel, in a deterministic order.
pub fn load(inputs: &[Input], config: &Config) -> Result<Loaded, EngineError> {
    let exclude = discover::compile_globs(&config.exclude)?;
    let include = discover::compile_globs(&config.include)?;
    enum Job {
        Path(Candidate),
        Text(String, Vec<u8>),
    }
    let mut jobs = Vec::new();
    for input in inputs {
        match input {
            Input::Path(path) => {
                for candidate in discover::discover(std::slice::from_ref(path), &include, &exclude)? {
                    jobs.push(Job::Path(candidate));
                }
            }
            Input::Text { name, bytes } => jobs.push(Job::Text(name.clone(), bytes.clone())),
        }
    }
    let results: Vec<(Option<PathBuf>, Result<LoadedFile, EngineError>)> = jobs
        .into_par_iter()
        .map(|job| match job {
            Job::Path(candidate) => {
                let file = load_path(&candidate, &config.load);
                (Some(candidate.path), file)
            }
            Job::Text(name, bytes) => (
                None,
                Ok(plimsoll_core::load_bytes(
                    &name,
                    bytes,
                    Origin::Explicit,
                    &config.load,
                )),
            ),
        })
        .collect();
    let mut files = Vec::with_capacity(results.len());
    let mut paths = Vec::with_capacity(results.len());
    for (path, result) in results {
        let file = result?;
        if file.relevant {
            files.push(file);
            paths.push(path);
        }
    }
    Ok(Loaded { files, paths })
}

fn load_path(candidate: &Candidate, options: &LoadOptions) -> Result<LoadedFile, EngineError> {
    let name = discover::display_name(&candidate.path);
    let io_error = |source| EngineError::Io {
        path: candidate.path.clone(),
        source,
    };
    // Check the size before reading, so that a huge file costs nothing.
    let size = std::fs::metadata(&candidate.path).map_err(io_error)?.len();
    if size > options.max_file_size {
        return Ok(plimsoll_core::too_large(&name, size, options));
    }
    let bytes = std::fs::read(&candidate.path).map_err(io_error)?;
    Ok(plimsoll_core::load_bytes(
        &name,
        bytes,
        candidate.origin,
        options,
    ))
}

/// Runs the whole pipeline once (see [`Engine`] to run it many times).
pub fn lint(inputs: &[Input], config: Config) -> Result<Report, EngineError> {
    Engine::new(config)?.lint(inputs)
}

/// A configuration compiled once: rule options validated, policies compiled. The LSP and the
/// webhook keep one and run it for every request.
pub struct Engine {
    config: Config,
    rules: plimsoll_rules::RuleSet,
    policies: Option<plimsoll_policy::PolicySet>,
    /// Objects from the policy folders that serve only as context (Namespaces for selectors).
    policy_context: Vec<serde_json::Value>,
    schemas: Option<schema::SchemaStage>,
    /// `rules:` settings and `--disable` for the ids of the loader, schema and policy stages
    /// (`unknown-kind: {severity: warning}`, as kubeconform's -ignore-missing-schemas).
    overrides: std::collections::BTreeMap<String, plimsoll_rules::RuleSettings>,
}

impl Engine {
    pub fn new(mut config: Config) -> Result<Engine, EngineError> {
        let mut overrides = std::collections::BTreeMap::new();
        let stage_id = |id: &str| plimsoll_rules::rule_info(id).is_none() && is_builtin_id(id);
        let ids: Vec<String> = config
            .rules
            .rules
            .keys()
            .filter(|id| stage_id(id))
            .cloned()
            .collect();
        for id in ids {
            if let Some(settings) = config.rules.rules.remove(&id) {
                overrides.insert(id, settings);
            }
        }
        for id in config.rules.disable.iter().filter(|id| stage_id(id)) {
            overrides.entry(id.clone()).or_default().enabled = Some(false);
        }
        config.rules.disable.retain(|id| !stage_id(id));
        config.rules.enable.retain(|id| !stage_id(id));
        let rules = plimsoll_rules::RuleSet::new(&config.rules)?;
        let (policies, policy_context) = if config.policies.is_empty() {
            (None, Vec::new())
        } else {
            let (set, context) =
                policies::read(&config.policies, config.policy.clone())?.build()?;
            (Some(set), context)
        };
        let schemas = if config.skip_schemas {
            None
        } else {
            Some(schema::SchemaStage::new(
                config.kubernetes_version.as_deref(),
                config.strict,
                &config.schema_locations,
                &config.crds,
            )?)
        };
        Ok(Engine {
            config,
            rules,
            policies,
            policy_context,
            schemas,
            overrides,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Warnings about the policies themselves (CEL-only templates, unknown namespaces).
    pub fn policy_warnings(&self) -> Vec<String> {
        self.policies
            .as_ref()
            .map(|p| p.warnings().iter().map(ToString::to_string).collect())
            .unwrap_or_default()
    }

    /// The ids of the rules that policies define, with their documentation.
    pub fn policy_rules(&self) -> Vec<plimsoll_policy::PolicyRuleInfo> {
        self.policies
            .as_ref()
            .map(|p| p.rules())
            .unwrap_or_default()
    }

    pub fn lint(&self, inputs: &[Input]) -> Result<Report, EngineError> {
        let started = Instant::now();
        let loaded = load(inputs, &self.config)?;
        let mut report = self.check(loaded);
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// The checking stages over loaded files.
    pub fn check(&self, loaded: Loaded) -> Report {
        let keep = reported_sources(&loaded, &self.config);
        let mut sources = Vec::with_capacity(loaded.files.len());
        let mut diagnostics = Vec::new();
        let mut objects = Vec::new();
        for file in loaded.files {
            diagnostics.extend(file.diagnostics);
            sources.push(file.source);
            objects.extend(file.objects);
        }
        if let Some(schemas) = &self.schemas {
            diagnostics.extend(schemas.startup.iter().cloned());
            diagnostics.extend(schemas.check(&objects));
        }
        diagnostics.extend(self.rules.check(&objects));
        if let Some(policies) = &self.policies {
            diagnostics.extend(self.evaluate_policies(policies, &objects));
        }
        self.apply_overrides(&mut diagnostics);
        let diagnostics = self.suppress(diagnostics, &sources, &objects);
        let mut diagnostics = diagnostics;
        if let Some(keep) = keep {
            diagnostics.retain(|d| {
                d.location
                    .as_ref()
                    .is_none_or(|l| keep.contains(&Arc::as_ptr(&l.source)))
            });
        }
        plimsoll_core::sort_diagnostics(&mut diagnostics);
        Report {
            diagnostics,
            sources,
            objects: objects.len(),
            elapsed: Duration::ZERO,
        }
    }

    fn evaluate_policies(
        &self,
        policies: &plimsoll_policy::PolicySet,
        objects: &[Object],
    ) -> Vec<Diagnostic> {
        let mut set = policies.clone();
        let mut values: Vec<serde_json::Value> = objects.iter().map(|o| o.value.clone()).collect();
        values.extend(self.policy_context.iter().cloned());
        let mut out = Vec::new();
        if let Err(error) = set.set_inventory(&values) {
            out.push(Diagnostic::new(
                "policy-error",
                Severity::Error,
                error.to_string(),
            ));
        }
        let per_object: Vec<Diagnostic> = objects
            .par_iter()
            .map_init(
                || set.evaluator(),
                |evaluator, object| {
                    evaluator
                        .evaluate(&object.value)
                        .into_iter()
                        .map(|finding| policies::diagnostic(object, finding))
                        .collect::<Vec<_>>()
                },
            )
            .flatten()
            .collect();
        out.extend(per_object);
        if self.config.policy.combine && !objects.is_empty() {
            let inputs: Vec<plimsoll_policy::CombinedInput<'_>> = objects
                .iter()
                .map(|o| plimsoll_policy::CombinedInput {
                    path: o.source.name(),
                    object: &o.value,
                })
                .collect();
            let mut evaluator = set.evaluator();
            for finding in evaluator.evaluate_combined(&inputs) {
                let object = &objects[finding.object_index.unwrap_or(0).min(objects.len() - 1)];
                out.push(policies::diagnostic(object, finding));
            }
        }
        out
    }

    /// Severity and on/off settings for the findings of the loader, schema and policy stages.
    fn apply_overrides(&self, diagnostics: &mut Vec<Diagnostic>) {
        if self.overrides.is_empty() {
            return;
        }
        diagnostics.retain_mut(|d| match self.overrides.get(d.rule.as_ref()) {
            Some(settings) => {
                if let Some(severity) = settings.severity {
                    d.severity = severity;
                }
                settings.enabled != Some(false)
            }
            None => true,
        });
    }

    /// Applies suppressions file by file.
    fn suppress(
        &self,
        diagnostics: Vec<Diagnostic>,
        sources: &[Arc<Source>],
        objects: &[Object],
    ) -> Vec<Diagnostic> {
        let today = self.config.today.clone().unwrap_or_else(suppress::today);
        let policy_ids: HashSet<String> = self.policy_rules().into_iter().map(|r| r.id).collect();
        let known = |id: &str| {
            plimsoll_rules::rule_info(id).is_some() || policy_ids.contains(id) || is_builtin_id(id)
        };
        let names = suppress::RuleNames { known: &known };
        let mut by_source: std::collections::HashMap<*const Source, Vec<Diagnostic>> =
            std::collections::HashMap::new();
        let mut without = Vec::new();
        for d in diagnostics {
            match &d.location {
                Some(l) => by_source.entry(Arc::as_ptr(&l.source)).or_default().push(d),
                None => without.push(d),
            }
        }
        let mut objects_by_source: std::collections::HashMap<*const Source, Vec<&Object>> =
            std::collections::HashMap::new();
        for o in objects {
            objects_by_source
                .entry(Arc::as_ptr(&o.source))
                .or_default()
                .push(o);
        }
        let mut out = without;
        for source in sources {
            let key = Arc::as_ptr(source);
            let mut list = by_source.remove(&key).unwrap_or_default();
            let file_objects = objects_by_source.remove(&key).unwrap_or_default();
            suppress::apply(source, &file_objects, &mut list, &names, &today);
            out.extend(list);
        }
        for (_, rest) in by_source {
            out.extend(rest);
        }
        out
    }
}

/// Rule ids of the loader, the schema stage and the policy stage, which suppressions may name.
pub fn is_builtin_id(id: &str) -> bool {
    const IDS: &[&str] = &[
        "yaml-syntax",
        "yaml-duplicate-key",
        "yaml-invalid-value",
        "yaml-invalid-key",
        "yaml-alias-limit",
        "invalid-document",
        "missing-api-version",
        "missing-kind",
        "missing-name",
        "file-not-utf8",
        "file-too-large",
        "not-kubernetes",
        "schema-invalid",
        "schema-unknown-field",
        "schema-missing-required",
        "unknown-kind",
        "deprecated-api-version",
        "removed-api-version",
        "policy-error",
        "policy-time-limit",
        "unused-suppression",
        "expired-suppression",
    ];
    IDS.contains(&id)
}

/// The sources whose findings are reported, when `report_only` narrows them.
fn reported_sources(loaded: &Loaded, config: &Config) -> Option<HashSet<*const Source>> {
    let wanted: HashSet<PathBuf> = config
        .report_only
        .as_ref()?
        .iter()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .collect();
    let mut keep = HashSet::new();
    for (file, path) in loaded.files.iter().zip(&loaded.paths) {
        let included = match path {
            Some(path) => wanted.contains(&path.canonicalize().unwrap_or_else(|_| path.clone())),
            None => true,
        };
        if included {
            keep.insert(Arc::as_ptr(&file.source));
        }
    }
    Some(keep)
}
