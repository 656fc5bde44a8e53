//! The plimsoll pipeline, the same for the command line, the editor and the admission webhook:
//! discover → load → validate → rules → policies → filter → [`Report`].
//!
//! [`lint`] takes [`Input`]s (paths to walk, or texts already in memory) and a [`Config`].
//! Discovery ([`discover`]) lists the files to read; each is loaded by `plimsoll_core`
//! in parallel (rayon) into objects and diagnostics; the later stages run per object;
//! the result is sorted into a deterministic order, whatever the thread count.
//! Findings are data ([`Diagnostic`]s in the report); an `Err` means the run could not
//! happen at all (an unreadable path named by the user, an invalid glob).

pub mod admission;
pub mod baseline;
pub mod config;
pub mod discover;
pub mod fetch;
pub mod fix;
pub mod gator_test;
pub mod helm;
pub mod kustomize;
pub mod policies;
pub mod schema;
pub mod suppress;
pub mod vap;
mod vap_authz;
mod vap_resources;
pub mod vap_test;
pub mod workspace;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use plimsoll_core::yaml::SpanTree;
use plimsoll_core::{Diagnostic, Discovery, LoadOptions, LoadedFile, Object, Severity, Source};
use plimsoll_rules::facts::{ObjectFacts, Tables};
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
    /// The user of the CREATE requests that admission policies see.
    pub admission_user: vap::UserInfo,
    /// Policy messages keep the Secret values they quote (by default every Secret value the
    /// run holds is replaced by `****` in them).
    pub raw_policy_messages: bool,
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
    /// Read schema locations that are URLs from the cache only, never the network.
    pub offline: bool,
    /// Leave schema validation out (the loader's and the rules' findings remain).
    pub skip_schemas: bool,
    /// How Helm charts are rendered (`helm:`, `--helm`, `--values`, `--no-helm`).
    pub helm: helm::HelmConfig,
    /// Kustomize trees under the inputs are built and their builds checked (`--no-kustomize`
    /// turns it off: their files are then read one by one).
    pub kustomize: bool,
    /// Kinds (`Deployment`) or `apiVersion/kind`s (`apps/v1/Deployment`) left out of the
    /// run, as kubeconform's `--skip`.
    pub skip_kinds: Vec<String>,
    /// Kinds whose objects are reported as `rejected-kind`, as kubeconform's `--reject`.
    pub reject_kinds: Vec<String>,
    /// Regular expressions: files whose path matches one are not read (`--ignore-filename-pattern`).
    pub ignore_filename_patterns: Vec<String>,
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
            admission_user: vap::UserInfo::default(),
            policy: plimsoll_policy::PolicyOptions::default(),
            raw_policy_messages: false,
            today: None,
            kubernetes_version: None,
            strict: true,
            crds: Vec::new(),
            schema_locations: Vec::new(),
            offline: false,
            skip_schemas: false,
            helm: helm::HelmConfig::default(),
            kustomize: true,
            skip_kinds: Vec::new(),
            reject_kinds: Vec::new(),
            ignore_filename_patterns: Vec::new(),
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
    /// Time spent in each stage, summed over batches (for benchmarks: `PLIMSOLL_TIMINGS=1`).
    pub timings: Vec<(&'static str, Duration)>,
    /// The objects checked in each file, in file order (`checked[i]` belongs to `sources[i]`).
    pub checked: Vec<Vec<plimsoll_core::ObjectRef>>,
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

/// Something discovered, to be read.
#[derive(Clone)]
enum Job {
    Path(Candidate),
    Text(String, Vec<u8>),
}

/// A file's bytes, read but not parsed.
struct Read {
    path: Option<PathBuf>,
    name: String,
    discovery: Discovery,
    /// `Err(size)` for a file over the size limit, which is not read.
    bytes: Result<Vec<u8>, u64>,
}

fn jobs(inputs: &[Input], config: &Config) -> Result<Vec<Job>, EngineError> {
    let exclude = discover::compile_globs(&config.exclude)?;
    let include = discover::compile_globs(&config.include)?;
    let ignored = schema::compile_patterns(&config.ignore_filename_patterns)?;
    let mut jobs = Vec::new();
    for input in inputs {
        match input {
            Input::Path(path) => {
                for candidate in discover::discover_with(
                    std::slice::from_ref(path),
                    &include,
                    &exclude,
                    &config.load,
                )? {
                    if schema::is_ignored(&ignored, &candidate.path) {
                        continue;
                    }
                    jobs.push(Job::Path(candidate));
                }
            }
            Input::Text { name, bytes } => jobs.push(Job::Text(name.clone(), bytes.clone())),
        }
    }
    // Files named with their folders as context are read once.
    let keep = discover::dedupe(jobs.iter().map(|job| match job {
        Job::Path(candidate) => Some(candidate),
        Job::Text(..) => None,
    }));
    let mut keep = keep.into_iter();
    jobs.retain(|_| keep.next().unwrap_or(true));
    Ok(jobs)
}

fn read(job: Job, options: &LoadOptions) -> Result<Read, EngineError> {
    match job {
        Job::Text(name, bytes) => Ok(Read {
            path: None,
            name,
            discovery: Discovery::Explicit,
            bytes: Ok(bytes),
        }),
        Job::Path(candidate) => {
            let io_error = |source| EngineError::Io {
                path: candidate.path.clone(),
                source,
            };
            // Check the size before reading, so that a huge file costs nothing; the read
            // itself stops at the limit too (`/dev/zero`, a pipe, a file that grows).
            let size = std::fs::metadata(&candidate.path).map_err(io_error)?.len();
            let limit = options.max_file_size;
            let bytes = if size > limit {
                Err(size)
            } else {
                match plimsoll_core::source::read_file_limited(&candidate.path, limit) {
                    Ok(Some(bytes)) => Ok(bytes),
                    Ok(None) => Err(limit.saturating_add(1)),
                    Err(source) => return Err(io_error(source)),
                }
            };
            Ok(Read {
                name: discover::display_name(&candidate.path),
                path: Some(candidate.path),
                discovery: candidate.discovery,
                bytes,
            })
        }
    }
}

fn parse(read: Read, options: &LoadOptions) -> (Option<PathBuf>, LoadedFile) {
    let file = match read.bytes {
        Ok(bytes) => plimsoll_core::load_bytes(&read.name, bytes, read.discovery, options),
        Err(size) => plimsoll_core::too_large(&read.name, size, options),
    };
    (read.path, file)
}

/// Discovers and loads every input, in parallel, in a deterministic order.
pub fn load(inputs: &[Input], config: &Config) -> Result<Loaded, EngineError> {
    let reads: Vec<Read> = jobs(inputs, config)?
        .into_par_iter()
        .map(|job| read(job, &config.load))
        .collect::<Result<_, _>>()?;
    let load = config.load.for_run();
    let parsed: Vec<(Option<PathBuf>, LoadedFile)> =
        reads.into_par_iter().map(|r| parse(r, &load)).collect();
    let mut files = Vec::with_capacity(parsed.len());
    let mut paths = Vec::with_capacity(parsed.len());
    for (path, file) in parsed {
        if file.relevant {
            files.push(file);
            paths.push(path);
        }
    }
    Ok(Loaded { files, paths })
}

/// Runs the whole pipeline once (see [`Engine`] to run it many times).
pub fn lint(inputs: &[Input], config: Config) -> Result<Report, EngineError> {
    Engine::new(config)?.lint(inputs)
}

/// A configuration compiled once: rule options validated, policies compiled. The LSP and the
/// webhook keep one and run it for every request.
pub struct Engine {
    config: Config,
    /// Rules that look at one object at a time; they run file batch by file batch.
    local_rules: Option<plimsoll_rules::RuleSet>,
    /// Rules that look across objects; they run once every file is read.
    cross_rules: Option<plimsoll_rules::RuleSet>,
    /// The rules that run at admission, where only the object under review is known: the
    /// local ones and those of [`WITH_CROSS_OBJECT_RULES`].
    admission_rules: Option<plimsoll_rules::RuleSet>,
    pods: plimsoll_rules::pod::PodTemplates,
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
        let all = plimsoll_rules::RuleSet::new(&config.rules)?;
        let (cross, local): (Vec<&str>, Vec<&str>) = all.rule_ids().partition(|id| {
            CROSS_OBJECT_RULES.contains(id) || WITH_CROSS_OBJECT_RULES.contains(id)
        });
        let subset = |ids: Vec<&str>| -> Result<Option<plimsoll_rules::RuleSet>, EngineError> {
            if ids.is_empty() {
                return Ok(None);
            }
            let config = plimsoll_rules::RulesConfig {
                rules: config.rules.rules.clone(),
                only: ids.iter().map(|id| (*id).to_owned()).collect(),
                pod_template_paths: config.rules.pod_template_paths.clone(),
                ..plimsoll_rules::RulesConfig::default()
            };
            Ok(Some(plimsoll_rules::RuleSet::new(&config)?))
        };
        let local_rules = subset(local)?;
        let cross_rules = subset(cross)?;
        let admission_rules = subset(
            all.rule_ids()
                .filter(|id| !CROSS_OBJECT_RULES.contains(id))
                .collect(),
        )?;
        let pods = plimsoll_rules::pod::PodTemplates::new(&config.rules.pod_template_paths)?;
        let (policies, policy_context) = if config.policies.is_empty() {
            (None, Vec::new())
        } else {
            let inputs = policies::read(&config.policies, config.policy.clone())?;
            // Gatekeeper templates whose only engine is CEL run as admission policies.
            let mut admission = vap::from_gatekeeper(&inputs.gatekeeper);
            let (set, mut context) = inputs.build()?;
            context.append(&mut admission);
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
                &config.load,
                config.offline,
            )?)
        };
        Ok(Engine {
            config,
            local_rules,
            cross_rules,
            admission_rules,
            pods,
            policies,
            policy_context,
            schemas,
            overrides,
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The bundled schemas of the run's Kubernetes version (`None` with schemas off); fixes
    /// use it to tell whether an apiVersion successor accepts the same fields.
    pub fn catalog(&self) -> Option<&plimsoll_schemas::Catalog> {
        self.schemas.as_ref().map(|s| s.base())
    }

    /// Warnings about the policies themselves (CEL-only templates, unknown namespaces).
    pub fn policy_warnings(&self) -> Vec<String> {
        self.policies
            .as_ref()
            .map(|p| {
                p.warnings()
                    .iter()
                    .map(ToString::to_string)
                    // Templates whose only engine is CEL run as admission policies here.
                    .filter(|w| !vap::is_cel_only_warning(w))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The ids of the rules that policies define, with their documentation.
    pub fn policy_rules(&self) -> Vec<plimsoll_policy::PolicyRuleInfo> {
        self.policies
            .as_ref()
            .map(|p| p.rules())
            .unwrap_or_default()
    }

    /// Runs the pipeline over inputs. Files are read, then checked: files that hold
    /// CustomResourceDefinitions first (so custom resources anywhere meet their CRD), then the
    /// rest, each file parsed and checked on its own in one parallel pass. After its per-object
    /// checks, a file keeps in full only the objects that rules across objects read; the others
    /// keep their identity and metadata, which bounds memory.
    pub fn lint(&self, inputs: &[Input]) -> Result<Report, EngineError> {
        let started = Instant::now();
        // Kustomize trees, the files to read and Helm charts are found in one walk of each
        // folder.
        let (trees, jobs, charts) = discover::one_walk(|| {
            let exclude = discover::compile_globs(&self.config.exclude)?;
            let trees = if self.config.kustomize {
                kustomize::Trees::find(inputs, &exclude, &self.config.load)
            } else {
                kustomize::Trees::default()
            };
            let jobs = jobs(inputs, &self.config)?;
            let charts = helm::find(inputs, &exclude)?;
            Ok::<_, EngineError>((trees, jobs, charts))
        })?;
        let mut jobs = jobs;
        // The files of kustomize trees are checked through their builds; those of a tree
        // whose build fails are not read raw either, unless named on their own.
        let named = wanted_paths(&self.config);
        jobs.retain(|job| {
            !matches!(job, Job::Path(c) if trees.owns(&c.path)
                || (trees.failed(&c.path) && !named.contains(&canonical(&c.path))))
        });
        // The files that hold CustomResourceDefinitions or admission policies are checked
        // first. This look streams each file through a small buffer; every file is read
        // whole where it is used, so that a run never holds the bytes of every file at once.
        let reads: Vec<Result<Job, Job>> = jobs
            .into_par_iter()
            .map(|job| {
                Ok(if goes_first(&job, &self.config.load)? {
                    Ok(job)
                } else {
                    Err(job)
                })
            })
            .collect::<Result<_, EngineError>>()?;
        let read_time = started.elapsed();
        let (crd_files, rest): (Vec<_>, Vec<_>) = reads.into_iter().partition(Result::is_ok);
        let crd_files: Vec<Job> = crd_files.into_iter().filter_map(Result::ok).collect();
        let rest: Vec<Job> = rest.into_iter().filter_map(Result::err).collect();
        let mut run = Run::default();
        run.timings.read = read_time;
        // The facts of every object are built with one set of tables as its file is checked.
        let tables = Tables::default();
        // One alias budget for every file of this run.
        let load = self.config.load.for_run();
        // Texts go at once, without policies (which may read them).
        let release = self.policies.is_none();
        let mut crd_api_versions = Vec::new();
        if !crd_files.is_empty() {
            // The files that hold CRDs are parsed in parallel, each on its own: its CRDs are
            // converted for the run's catalog there, and a file whose objects read nothing of
            // that catalog (built-in kinds only, as most files of CRDs) is checked at once.
            // The others are read again and checked once the catalog is complete. The
            // catalog takes the converted CRDs in file order, on one thread (cheap). No more
            // trees are held at once than there are threads.
            let start = Instant::now();
            let first = self.config.load.for_run();
            let with_charts = !charts.is_empty();
            // The first pass checks files as the second would without policies; a run that
            // turns out to hold admission policies checks them again, kept whole.
            let early = self.policies.is_none();
            // Files are taken up in order on every thread and merged in order on this one
            // as they come, so that only the files in flight wait in memory.
            let mut checked: Vec<Early> = Vec::with_capacity(crd_files.len());
            let mut failed = None;
            let mut merge = |taken: Result<Taken, EngineError>| match taken {
                Ok(file) => {
                    crd_api_versions.extend(file.api_versions);
                    if let Some(schemas) = &self.schemas {
                        schemas.add_prepared(file.crds, &mut run.catalog, &mut run.diagnostics);
                    }
                    run.whole |= file.policy;
                    checked.push(file.checked);
                }
                Err(error) => {
                    failed.get_or_insert(error);
                    checked.push(Early::Again);
                }
            };
            let take =
                |job: &Job| self.take_crds(job, &first, release, early, with_charts, Some(&tables));
            in_order(&crd_files, take, &mut merge);
            if let Some(error) = failed {
                return Err(error);
            }
            run.timings.load += start.elapsed();
            let keep = if self.policies.is_none() && !run.whole {
                Keep::Compact
            } else {
                Keep::Whole
            };
            // A CRD of the run that defines a built-in kind brings its rules to that kind's
            // objects: the files checked early are checked again, as is a run kept whole.
            let again =
                keep != Keep::Compact || run.catalog.as_ref().is_some_and(|c| c.shadows_builtin());
            let catalog = run.catalog.take();
            let checked: Result<Vec<Option<Checked>>, EngineError> = crd_files
                .into_par_iter()
                .zip(checked)
                .map(|(job, early)| {
                    match early {
                        Early::Done(checked) if !again => return Ok(checked.map(|c| *c)),
                        Early::Done(None) => return Ok(None),
                        _ => {}
                    }
                    let start = Instant::now();
                    let (path, mut file) = parse(read(job, &self.config.load)?, &load);
                    if !file.relevant {
                        return Ok(None);
                    }
                    if release {
                        release_text(path.as_deref(), &mut file);
                    }
                    let load_time = start.elapsed();
                    let mut checked = self.check_file(
                        shared(catalog.as_ref(), &tables),
                        path,
                        file,
                        keep,
                        true,
                        true,
                    );
                    checked.timings.load = load_time;
                    Ok(Some(checked))
                })
                .collect();
            run.catalog = catalog;
            run.add_all(checked?.into_iter().flatten().collect());
        }
        // Charts are rendered once the run's CRDs are known (`--api-versions`), those of the
        // `--crds` folders too.
        let mut renders = helm::Renders::default();
        if !charts.is_empty() {
            crd_api_versions.extend(helm::crd_folder_api_versions(
                &self.config.crds,
                &self.config.load,
            ));
            let version = self
                .config
                .kubernetes_version
                .as_deref()
                .unwrap_or(plimsoll_schemas::default_version());
            let rendering = helm::render_all(
                &charts,
                &self.config.helm,
                version,
                &crd_api_versions,
                &self.config.load,
            );
            run.diagnostics.extend(rendering.diagnostics);
            self.add_files(
                &mut run,
                rendering.files,
                Keep::Compact,
                false,
                Some(&tables),
            );
            renders = rendering.renders;
        }
        let mut trees = trees;
        if !trees.is_empty() {
            run.diagnostics.append(&mut trees.diagnostics);
            self.add_files(
                &mut run,
                std::mem::take(&mut trees.files),
                Keep::Compact,
                false,
                Some(&tables),
            );
        }
        // The other files go through every per-object stage in one parallel pass, each file
        // on its own from reading to slimming: no stage waits for the others' files.
        let catalog = run.catalog.take();
        let keep = if self.policies.is_none() && !run.whole {
            Keep::Compact
        } else {
            Keep::Whole
        };
        // Each file joins the run as soon as those before it have: only the files in flight
        // wait in memory, beside the run's lists.
        let check = |job: &Job| {
            let start = Instant::now();
            let (path, file) = parse(read(job.clone(), &self.config.load)?, &load);
            let load_time = start.elapsed();
            let mut checked = self.check_file(
                shared(catalog.as_ref(), &tables),
                path,
                file,
                keep,
                true,
                true,
            );
            checked.timings.load = load_time;
            Ok::<_, EngineError>(checked)
        };
        let mut failed = None;
        in_order(&rest, check, |checked| match checked {
            Ok(checked) => run.add(checked),
            Err(error) => {
                failed.get_or_insert(error);
            }
        });
        run.catalog = catalog;
        if let Some(error) = failed {
            return Err(error);
        }
        let mut report = self.finish(run, Some(tables));
        if !renders.is_empty() {
            report.diagnostics = renders.explain(std::mem::take(&mut report.diagnostics));
        }
        report.diagnostics = trees.explain(std::mem::take(&mut report.diagnostics));
        narrow_outside(&mut report, &self.config);
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// The checking stages over files already loaded.
    pub fn check(&self, loaded: Loaded) -> Report {
        let mut run = Run::default();
        self.add_batch(
            &mut run,
            loaded.paths.into_iter().zip(loaded.files).collect(),
        );
        self.finish(run, None)
    }

    /// The per-object stages over a set of files whose CustomResourceDefinitions join the
    /// run's catalog before any of them is validated.
    fn add_batch(&self, run: &mut Run, files: Vec<(Option<PathBuf>, LoadedFile)>) {
        self.add_files(run, files, Keep::Slim, false, None);
    }

    /// The first look at a file that holds CRDs (see [`Engine::lint`]): its CRDs converted
    /// for the run's catalog, the API versions they serve (for charts), whether it holds an
    /// admission policy, and, when `early` and its objects read nothing of the run's catalog,
    /// its check. A file whose aliases count against the run's budget is parsed for the
    /// catalog with `first`, the budget of this pass, and checked later with the run's,
    /// as every file is.
    fn take_crds(
        &self,
        job: &Job,
        first: &LoadOptions,
        release: bool,
        early: bool,
        with_charts: bool,
        tables: Option<&Tables>,
    ) -> Result<Taken, EngineError> {
        let start = Instant::now();
        // A budget of its own tells whether the file has aliases: without any, a parse
        // is the same under every budget, so this one serves the check too.
        let own = self.config.load.for_run();
        let (mut path, mut file) = parse(read(job.clone(), &self.config.load)?, &own);
        let aliases = own
            .alias_run
            .as_ref()
            .is_some_and(|used| used.load(std::sync::atomic::Ordering::Relaxed) > 0)
            || file
                .diagnostics
                .iter()
                .any(|d| d.rule == "yaml-alias-limit");
        if aliases {
            (path, file) = parse(read(job.clone(), &self.config.load)?, first);
        }
        if release {
            release_text(path.as_deref(), &mut file);
        }
        let load_time = start.elapsed();
        let api_versions = if with_charts {
            helm::crd_api_versions(file.objects.iter())
        } else {
            Vec::new()
        };
        if !file.relevant {
            return Ok(Taken {
                crds: Vec::new(),
                api_versions,
                policy: false,
                checked: if aliases {
                    Early::Again
                } else {
                    Early::Done(None)
                },
            });
        }
        // The kinds it reports are reported when the file is checked.
        let mut filtered = Vec::new();
        schema::filter_kinds(&self.config, &mut file.objects, &mut filtered);
        let crds = match &self.schemas {
            Some(schemas) => schemas.prepare(file.objects.iter()),
            None => Vec::new(),
        };
        let policy = file.objects.iter().any(|o| vap::is_policy(&o.value));
        let alone = early
            && !aliases
            && !policy
            && self
                .schemas
                .as_ref()
                .is_none_or(|schemas| file.objects.iter().all(|o| schemas.needs_no_crds(o)));
        let checked = if alone {
            file.diagnostics.append(&mut filtered);
            let mut checked = self.check_file(
                Shared {
                    catalog: None,
                    tables,
                },
                path,
                file,
                Keep::Compact,
                false,
                true,
            );
            checked.timings.load = load_time;
            Early::Done(Some(Box::new(checked)))
        } else {
            Early::Again
        };
        Ok(Taken {
            crds,
            api_versions,
            policy,
            checked,
        })
    }

    /// `release`: the files were read from disk as they are (their paths are files), so
    /// their texts may be let go (see [`Engine::check_file`]).
    fn add_files(
        &self,
        run: &mut Run,
        files: Vec<(Option<PathBuf>, LoadedFile)>,
        keep: Keep,
        release: bool,
        tables: Option<&Tables>,
    ) {
        let mut files: Vec<(Option<PathBuf>, LoadedFile)> =
            files.into_iter().filter(|(_, f)| f.relevant).collect();
        for (_, file) in &mut files {
            schema::filter_kinds(&self.config, &mut file.objects, &mut file.diagnostics);
        }
        if let Some(schemas) = &self.schemas {
            let start = Instant::now();
            let objects = files.iter().flat_map(|(_, f)| f.objects.iter());
            schemas.catalog_with(objects, &mut run.catalog, &mut run.diagnostics);
            run.timings.schemas += start.elapsed();
        }
        // Policies see whole objects (Gatekeeper's inventory, --combine): keep them all.
        run.whole |= files
            .iter()
            .any(|(_, f)| f.objects.iter().any(|o| vap::is_policy(&o.value)));
        let keep = if self.policies.is_none() && !run.whole {
            keep
        } else {
            Keep::Whole
        };
        let catalog = run.catalog.as_ref();
        let checked: Vec<Checked> = files
            .into_par_iter()
            .map(|(path, file)| {
                self.check_file(Shared { catalog, tables }, path, file, keep, false, release)
            })
            .collect();
        for file in checked {
            run.add(file);
        }
    }

    /// The per-object stages of one file: schemas, the rules that read one object, then the
    /// slimming of what no rule across objects reads. `filter`: `--skip` and `--reject` kinds
    /// are yet to leave. `release`: a file read from disk as it is, whose text a lint run lets
    /// go once these stages are done.
    fn check_file(
        &self,
        shared: Shared<'_>,
        path: Option<PathBuf>,
        file: LoadedFile,
        keep: Keep,
        filter: bool,
        release: bool,
    ) -> Checked {
        let Shared { catalog, tables } = shared;
        let LoadedFile {
            source,
            mut objects,
            mut diagnostics,
            relevant,
        } = file;
        let mut timings = Timings::default();
        if !relevant {
            return Checked {
                path,
                source: None,
                objects,
                facts: Vec::new(),
                diagnostics,
                whole: false,
                timings,
            };
        }
        if filter {
            schema::filter_kinds(&self.config, &mut objects, &mut diagnostics);
        }
        let start = Instant::now();
        if let Some(schemas) = &self.schemas {
            diagnostics.extend(schemas.validate(catalog, &objects));
        }
        let schemas_done = Instant::now();
        timings.schemas = schemas_done - start;
        if let Some(rules) = &self.local_rules {
            // These rules read no other object: no index of the file is built.
            diagnostics.extend(rules.check_alone(&objects));
        }
        let rules_done = Instant::now();
        timings.local_rules = rules_done - schemas_done;
        // A policy found late (its kind spelt with escapes) keeps its own file's objects whole.
        let whole = objects.iter().any(|o| vap::is_policy(&o.value));
        // A suppression comment may name a line inside slimmed content: such a file keeps
        // its whole tree, and its text for the suppression stage.
        let commented =
            memchr::memmem::find(source.text().as_bytes(), b"plimsoll-ignore").is_some();
        let mut source = source;
        let wide = keep == Keep::Compact && !whole;
        // A file of a lint run lets its text go: the later stages need only its line index,
        // and the outputs that show text read it again. Before the facts are built, as they
        // hold the file they locate in.
        if let Some(path) = path
            .as_deref()
            .filter(|_| wide && release && !commented && !keep_whole())
            && let Some(shell) = source.release(path)
        {
            rebind(&source, &shell, &mut objects, &mut diagnostics);
            source = shell;
        }
        // What the rules across objects read of each object, while it is whole.
        let facts = match (&self.cross_rules, tables) {
            (Some(rules), Some(tables)) => objects
                .iter()
                .map(|object| rules.facts_of(object, tables))
                .collect(),
            _ => Vec::new(),
        };
        if keep != Keep::Whole && !whole {
            // Once its facts are built, an object that no later stage reads keeps only its
            // identity and its span (see `hollow_value`).
            let hollow = wide
                && !commented
                && !keep_whole()
                && self
                    .cross_rules
                    .as_ref()
                    .is_none_or(|rules| tables.is_some() && rules.reads_only_facts());
            let mut hollowed = Vec::new();
            let mut leaves = None;
            // An object built from other files (a kustomize base) keeps its tree when a
            // suppression comment in the file it is located in may name a node of it.
            let mut marked: HashMap<*const Source, bool> = HashMap::new();
            let mut commented_elsewhere = |object: &Object| {
                !Arc::ptr_eq(&object.source, &source)
                    && *marked
                        .entry(Arc::as_ptr(&object.source))
                        .or_insert_with(|| {
                            memchr::memmem::find(
                                object.source.text().as_bytes(),
                                b"plimsoll-ignore",
                            )
                            .is_some()
                        })
            };
            for (i, object) in objects.iter_mut().enumerate() {
                if hollow
                    && !suppress::annotated(object)
                    && !commented_elsewhere(object)
                    && hollow_value(object, facts.is_empty())
                {
                    hollowed.push(i);
                } else {
                    self.slim(object, wide);
                }
            }
            if !hollowed.is_empty() {
                let (tree, roots) = SpanTree::leaves(hollowed.iter().map(|&i| objects[i].span()));
                let tree = Arc::new(tree);
                for (&i, root) in hollowed.iter().zip(roots) {
                    objects[i].tree = tree.clone();
                    objects[i].root = root;
                }
                leaves = Some(tree);
            }
            if wide && !commented {
                compact_trees(&mut objects, leaves.as_ref());
            }
        }
        // Kept to the end of the run: findings about one object share its identity.
        plimsoll_core::share_objects(&mut diagnostics);
        timings.slim = rules_done.elapsed();
        Checked {
            path,
            source: Some(source),
            objects,
            facts,
            diagnostics,
            whole,
            timings,
        }
    }

    /// Replaces the content of an object that no rule across objects reads by a digest of it:
    /// identity, metadata and key order stay (so locations still resolve), and two copies that
    /// differ still compare different.
    ///
    /// `wide` (a lint run) slims every kind that rules across objects do not read: mappings at
    /// the top keep their keys (operators' custom resources are told by the keys of their
    /// `spec`) and their large values become digests. CustomResourceDefinitions keep the
    /// group, kind and scope that custom resources are checked with.
    ///
    /// An object with a pod template keeps what rules across objects read of it (identity,
    /// metadata, pod labels, the pod's own scalars, its containers' names and ports, every
    /// field outside the pod spec); in a lint run the rest of its pod spec becomes digests.
    fn slim(&self, object: &mut Object, wide: bool) {
        if self.pods.pod_spec(object).is_some() {
            // Argo Workflows keep their containers under templates: left whole.
            if wide && object.group() != "argoproj.io" && !keep_whole() {
                let pointer = self.pods.spec_pointer(object).map(str::to_owned);
                if let Some(serde_json::Value::Object(spec)) =
                    pointer.and_then(|p| object.value.pointer_mut(&p))
                {
                    slim_pod_spec(spec);
                }
                slim_metadata(&mut object.value, true);
            }
            return;
        }
        if wide && !keep_whole() {
            slim_metadata(&mut object.value, false);
        }
        let kind = object.kind();
        let listed = SLIMMED_KINDS.contains(&kind);
        if !(listed || wide && !READ_KINDS.contains(&kind)) {
            return;
        }
        let crd = kind == "CustomResourceDefinition";
        let large = |value: &serde_json::Value| {
            value.is_object() || value.is_array() || value.as_str().is_some_and(|s| s.len() > 64)
        };
        if let serde_json::Value::Object(map) = &mut object.value {
            for (key, value) in map.iter_mut() {
                if matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                    continue;
                }
                match value {
                    serde_json::Value::Object(inner) if crd || !listed => {
                        for (key, value) in inner.iter_mut() {
                            // A CRD keeps its names and its strings (group, scope: what
                            // its custom resources are checked with), however long.
                            if large(value) && !(crd && (key == "names" || value.is_string())) {
                                *value = digest(value);
                            }
                        }
                    }
                    _ if large(value) => *value = digest(value),
                    _ => {}
                }
            }
        }
    }

    /// The stages across objects, then settings, suppressions and order.
    /// `tables`: those the facts of the run's objects were built with as its files were
    /// checked (`Run::facts`).
    fn finish(&self, run: Run, tables: Option<Tables>) -> Report {
        let Run {
            mut diagnostics,
            sources,
            paths,
            objects,
            facts,
            facts_missing,
            catalog,
            whole: _,
            mut timings,
        } = run;
        // The run's CRDs served the per-file stages, which are done.
        drop(catalog);
        // These grew by doubling as files came in; the later stages hold them to the end.
        let mut objects = objects;
        objects.shrink_to_fit();
        diagnostics.shrink_to_fit();
        let mut facts = facts;
        facts.shrink_to_fit();
        if let Some(schemas) = &self.schemas {
            diagnostics.extend(schemas.startup.iter().cloned());
        }
        let start = Instant::now();
        // The facts of the run's objects, which name those that kept no value.
        let mut kept = None;
        if let Some(rules) = &self.cross_rules {
            // The facts of every object, in run order, that the index of the run is built from:
            // built as the files were checked, else now.
            let (facts, frozen) = match tables {
                Some(tables) if !facts_missing => (facts, tables.freeze()),
                _ => rules.facts(&objects),
            };
            diagnostics.extend(rules.check_facts(&objects, &facts, &frozen));
            kept = Some((facts, frozen));
        }
        let cross_done = Instant::now();
        timings.cross_rules = cross_done - start;
        // The rule ids of policy findings left as they are (`--policy-raw-messages`).
        let mut raw_ids: HashSet<String> = HashSet::new();
        // A policy folder with only admission policies has no Rego to run.
        if let Some(policies) = self.policies.as_ref().filter(|p| !p.is_empty()) {
            let mut found = self.evaluate_policies(policies, &objects);
            if self.config.raw_policy_messages {
                raw_ids.extend(found.iter().map(|d| d.rule.to_string()));
            } else {
                // A policy may quote any object's values, decoded or not.
                let secrets = plimsoll_core::source::run_secrets(&sources);
                plimsoll_core::source::scrub_diagnostics(&mut found, &secrets, |_| true);
            }
            diagnostics.extend(found);
        }
        diagnostics.extend(vap::evaluate(
            &objects,
            &self.policy_context,
            &self.config.admission_user,
            self.config.kubernetes_version.as_deref(),
        ));
        let policies_done = Instant::now();
        timings.policies = policies_done - cross_done;
        self.apply_overrides(&mut diagnostics);
        let mut diagnostics = self.suppress(diagnostics, &sources, &objects);
        // The suppression stage's own findings (`unused-suppression`) take settings too.
        self.apply_overrides(&mut diagnostics);
        if let Some(keep) = reported_sources(&sources, &paths, &self.config) {
            // Findings in files outside the run's inputs (the `--crds` files, the files a build
            // or a render read) are narrowed once the findings of builds and renders are
            // complete (`narrow_outside`).
            let inputs: HashSet<*const Source> = sources.iter().map(Arc::as_ptr).collect();
            diagnostics.retain(|d| {
                d.location.as_ref().is_none_or(|l| {
                    let source = Arc::as_ptr(&l.source);
                    keep.contains(&source) || !inputs.contains(&source)
                })
            });
        }
        // No message quotes a value that is masked in its file (a secret aliased into a label).
        // Each finding on its own: in parallel, a few thousand at a time.
        diagnostics.par_chunks_mut(4096).for_each(|chunk| {
            plimsoll_core::source::scrub_diagnostics(
                chunk
                    .iter_mut()
                    .filter(|d| !raw_ids.contains(d.rule.as_ref())),
                &[],
                |_| false,
            );
        });
        // Stable, as `sort_diagnostics`: the same order on any number of threads.
        sort_diagnostics_in_place(&mut diagnostics);
        // By address, as a number (shared across threads).
        let position: std::collections::HashMap<usize, usize> = sources
            .iter()
            .enumerate()
            .map(|(i, s)| (Arc::as_ptr(s) as usize, i))
            .collect();
        let identities: Vec<(usize, _)> = objects
            .par_iter()
            .enumerate()
            .filter_map(|(n, object)| {
                let &i = position.get(&(Arc::as_ptr(&object.source) as usize))?;
                let identity = match &kept {
                    Some((facts, frozen)) if object.value.is_null() => {
                        facts[n].identity(&frozen.symbols)
                    }
                    _ => object.identity(),
                };
                Some((i, identity))
            })
            .collect();
        drop(kept);
        let mut checked = vec![Vec::new(); sources.len()];
        for (i, identity) in identities {
            checked[i].push(identity);
        }
        let count = objects.len();
        // Freed in parallel: dropping every object's tree on one thread is a serial stretch.
        objects.into_par_iter().for_each(drop);
        timings.finish = policies_done.elapsed();
        Report {
            diagnostics,
            sources,
            objects: count,
            elapsed: Duration::ZERO,
            timings: vec![
                ("read", timings.read),
                ("load", timings.load),
                ("schemas", timings.schemas),
                ("local rules", timings.local_rules),
                ("slimming", timings.slim),
                ("cross-object rules", timings.cross_rules),
                ("policies", timings.policies),
                ("settings, suppressions, order", timings.finish),
            ],
            checked,
        }
    }

    fn evaluate_policies(
        &self,
        policies: &plimsoll_policy::PolicySet,
        objects: &[Object],
    ) -> Vec<Diagnostic> {
        let never = std::sync::atomic::AtomicBool::new(false);
        self.evaluate_policies_until(policies, objects, &never)
            .unwrap_or_default()
    }

    /// [`Engine::evaluate_policies`], given up (`None`) once `cancel` is raised: each object
    /// looks at the flag before it is evaluated (an editor's cancelled request).
    fn evaluate_policies_until(
        &self,
        policies: &plimsoll_policy::PolicySet,
        objects: &[Object],
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Option<Vec<Diagnostic>> {
        let cancelled = || cancel.load(std::sync::atomic::Ordering::Relaxed);
        let mut set = policies.clone();
        let values = objects
            .iter()
            .map(|o| &o.value)
            .chain(self.policy_context.iter());
        let mut out = Vec::new();
        if let Err(error) = set.set_inventory(values) {
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
                    if cancelled() {
                        return Vec::new();
                    }
                    evaluator
                        .evaluate(&object.value)
                        .into_iter()
                        .map(|finding| policies::diagnostic(object, finding))
                        .collect::<Vec<_>>()
                },
            )
            .flatten()
            .collect();
        if cancelled() {
            return None;
        }
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
        Some(out)
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
        // The findings of each file, by position: they are judged where they are, in place.
        let mut by_source: std::collections::HashMap<*const Source, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, d) in diagnostics.iter().enumerate() {
            if let Some(l) = &d.location {
                by_source.entry(Arc::as_ptr(&l.source)).or_default().push(i);
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
        let judge = |source: &Arc<Source>, list: &[usize], file_objects: &[&Object]| {
            let found: Vec<&Diagnostic> = list.iter().map(|&i| &diagnostics[i]).collect();
            suppress::apply(source, file_objects, &found, &names, &today)
        };
        // Files are independent: each is judged on its own, in parallel, in order.
        let files: Vec<_> = sources
            .iter()
            .map(|source| {
                let key = Arc::as_ptr(source);
                let list = by_source.remove(&key).unwrap_or_default();
                let file_objects = objects_by_source.remove(&key).unwrap_or_default();
                (source, list, file_objects)
            })
            .collect();
        let mut verdicts: Vec<(Vec<usize>, suppress::Verdict)> = files
            .into_par_iter()
            .map(|(source, list, file_objects)| {
                let verdict = judge(source, &list, &file_objects);
                (list, verdict)
            })
            .collect();
        // Files reached only through the origins of built objects (a kustomize base): their
        // comments and the annotations of the objects built from them apply too.
        let mut rest: Vec<(*const Source, Vec<usize>)> = by_source.into_iter().collect();
        rest.sort_by_key(|(_, list)| {
            list.first()
                .map(|&i| diagnostics[i].sort_key().0.to_owned())
        });
        for (key, list) in rest {
            let source = list
                .iter()
                .find_map(|&i| diagnostics[i].location.as_ref())
                .map(|l| l.source.clone());
            let file_objects = objects_by_source.remove(&key).unwrap_or_default();
            // Without objects (a Helm template), comments cover lines.
            if let Some(source) = source {
                let verdict = judge(&source, &list, &file_objects);
                verdicts.push((list, verdict));
            }
        }
        let mut silenced = vec![false; diagnostics.len()];
        let mut added = Vec::new();
        for (list, verdict) in verdicts {
            for (i, quiet) in list.into_iter().zip(verdict.silenced) {
                silenced[i] |= quiet;
            }
            added.extend(verdict.added);
        }
        let mut diagnostics = diagnostics;
        let mut position = 0;
        diagnostics.retain(|_| {
            position += 1;
            !silenced[position - 1]
        });
        diagnostics.extend(added);
        diagnostics
    }
}

/// Rule ids of the loader, the schema stage and the policy stage, which suppressions may name.
pub fn is_builtin_id(id: &str) -> bool {
    use plimsoll_schemas::rule;
    const LOADER: &[&str] = &[
        "yaml-syntax",
        "yaml-duplicate-key",
        "yaml-invalid-value",
        "yaml-invalid-key",
        "yaml-alias-limit",
        "yaml-depth-limit",
        "invalid-document",
        "missing-api-version",
        "missing-kind",
        "missing-name",
        "file-not-utf8",
        "file-too-large",
        "not-kubernetes",
        schema::REJECTED_KIND,
    ];
    const OTHERS: &[&str] = &[
        rule::INVALID,
        rule::UNKNOWN_FIELD,
        rule::MISSING_REQUIRED,
        rule::UNKNOWN_KIND,
        rule::DEPRECATED_API_VERSION,
        rule::REMOVED_API_VERSION,
        rule::VALIDATION_RULE,
        vap::RULE,
        vap::RULE_ERROR,
        vap::RULE_AUDIT,
        plimsoll_policy::RULE_POLICY_ERROR,
        plimsoll_policy::RULE_TIME_LIMIT,
        "unused-suppression",
        "expired-suppression",
    ];
    LOADER.contains(&id)
        || OTHERS.contains(&id)
        || helm::rule::ALL.contains(&id)
        || plimsoll_schemas::apiserver::check(id).is_some()
}

/// With `report_only`, a finding located outside the run's inputs stays when it is in a
/// `--crds` file, or when its file or one of its related locations is among the files asked
/// for: a Kustomize base or a Helm template named by the user, or the values file whose key set
/// a rendered value.
fn narrow_outside(report: &mut Report, config: &Config) {
    if config.report_only.is_none() {
        return;
    }
    let inputs: HashSet<*const Source> = report.sources.iter().map(Arc::as_ptr).collect();
    let wanted = wanted_paths(config);
    let crds: Vec<PathBuf> = config.crds.iter().map(|p| canonical(p)).collect();
    let outside = |l: &plimsoll_core::Location| !inputs.contains(&Arc::as_ptr(&l.source));
    let asked = |l: &plimsoll_core::Location| {
        let path = canonical(Path::new(l.source.name()));
        wanted.contains(&path) || crds.iter().any(|c| path.starts_with(c))
    };
    report.diagnostics.retain(|d| {
        let Some(location) = &d.location else {
            return true;
        };
        !outside(location)
            || asked(location)
            || d.related
                .iter()
                .filter_map(|r| r.location.as_ref())
                .any(|l| outside(l) && asked(l))
    });
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// The files `report_only` asks for, canonical.
fn wanted_paths(config: &Config) -> HashSet<PathBuf> {
    config
        .report_only
        .iter()
        .flatten()
        .map(|p| canonical(p))
        .collect()
}

/// The sources whose findings are reported, when `report_only` narrows them.
fn reported_sources(
    sources: &[Arc<Source>],
    paths: &[Option<PathBuf>],
    config: &Config,
) -> Option<HashSet<*const Source>> {
    let wanted: HashSet<PathBuf> = config
        .report_only
        .as_ref()?
        .iter()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .collect();
    let mut keep = HashSet::new();
    for (source, path) in sources.iter().zip(paths) {
        let included = match path {
            Some(path) => wanted.contains(&path.canonicalize().unwrap_or_else(|_| path.clone())),
            None => true,
        };
        if included {
            keep.insert(Arc::as_ptr(source));
        }
    }
    Some(keep)
}

/// Files checked so far in a run.
#[derive(Default)]
struct Run {
    diagnostics: Vec<Diagnostic>,
    sources: Vec<Arc<Source>>,
    paths: Vec<Option<PathBuf>>,
    objects: Vec<Object>,
    /// The facts of `objects`, in order, while every file added came with them.
    facts: Vec<ObjectFacts>,
    /// A file came without the facts of its objects: they are built at the end.
    facts_missing: bool,
    /// The schema catalog with the run's CRDs, once there are any.
    catalog: Option<plimsoll_schemas::Catalog>,
    timings: Timings,
    /// The run holds admission policies: objects stay whole for them.
    whole: bool,
}

impl Run {
    /// [`Run::add`] for many files, with room made for them at once (growing by doubling
    /// copies the run's lists on one thread).
    fn add_all(&mut self, files: Vec<Checked>) {
        let files: Vec<Checked> = files.into_iter().filter(|f| f.source.is_some()).collect();
        self.objects
            .reserve(files.iter().map(|f| f.objects.len()).sum());
        self.facts
            .reserve(files.iter().map(|f| f.facts.len()).sum());
        self.diagnostics
            .reserve(files.iter().map(|f| f.diagnostics.len()).sum());
        self.sources.reserve(files.len());
        self.paths.reserve(files.len());
        for file in files {
            self.add(file);
        }
    }

    /// Adds what the per-object stages left of a file.
    fn add(&mut self, file: Checked) {
        let Some(source) = file.source else {
            return;
        };
        self.diagnostics.extend(file.diagnostics);
        self.sources.push(source);
        self.paths.push(file.path);
        if file.facts.len() == file.objects.len() {
            self.facts.extend(file.facts);
        } else {
            self.facts_missing = true;
        }
        self.objects.extend(file.objects);
        self.whole |= file.whole;
        self.timings.load += file.timings.load;
        self.timings.schemas += file.timings.schemas;
        self.timings.local_rules += file.timings.local_rules;
        self.timings.slim += file.timings.slim;
    }
}

/// What the first look at a file that holds CRDs found (see [`Engine::take_crds`]).
struct Taken {
    crds: Vec<schema::PreparedCrd>,
    api_versions: Vec<String>,
    policy: bool,
    checked: Early,
}

/// A file that holds CRDs: checked in the first pass (`None`: nothing to check), or to be
/// read again and checked once the run's catalog is complete.
enum Early {
    Done(Option<Box<Checked>>),
    Again,
}

/// What a file keeps of its objects after the per-object stages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Everything: policies read whole objects (Gatekeeper's inventory, `--combine`,
    /// admission policies).
    Whole,
    /// The content of [`SLIMMED_KINDS`] becomes digests (the language server).
    Slim,
    /// Every kind that no rule across objects reads is slimmed, and the span tree is copied
    /// down to what the values still reach (a lint run: nothing locates inside digests later).
    Compact,
}

/// Lets the text of a file read from disk go before its per-file stages (see
/// [`Engine::check_file`]), unless a suppression comment or an admission policy needs it.
fn release_text(path: Option<&Path>, file: &mut LoadedFile) {
    let commented = memchr::memmem::find(file.source.text().as_bytes(), b"plimsoll-ignore");
    if keep_whole() || commented.is_some() || file.objects.iter().any(|o| vap::is_policy(&o.value))
    {
        return;
    }
    if let Some(shell) = path.and_then(|p| file.source.release(p)) {
        rebind(
            &file.source,
            &shell,
            &mut file.objects,
            &mut file.diagnostics,
        );
        file.source = shell;
    }
}

/// Points the objects and findings of a file at `to` instead of `from` (its text released).
fn rebind(
    from: &Arc<Source>,
    to: &Arc<Source>,
    objects: &mut [Object],
    diagnostics: &mut [Diagnostic],
) {
    for object in objects {
        if Arc::ptr_eq(&object.source, from) {
            object.source = to.clone();
        }
    }
    let locations = diagnostics.iter_mut().flat_map(|d| {
        d.location
            .iter_mut()
            .chain(d.related.iter_mut().filter_map(|r| r.location.as_mut()))
    });
    for location in locations {
        if Arc::ptr_eq(&location.source, from) {
            location.source = to.clone();
        }
    }
}

/// `PLIMSOLL_KEEP_WHOLE=1` keeps every file's text to the end of a run, as runs did before
/// texts were released: the report must be the same either way (`ci/output-unchanged.sh`).
fn keep_whole() -> bool {
    static KEEP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *KEEP.get_or_init(|| std::env::var_os("PLIMSOLL_KEEP_WHOLE").is_some_and(|v| v == "1"))
}

/// Whether a file is checked before the others: it holds a CustomResourceDefinition (custom
/// resources anywhere then meet it) or an admission policy (no object is slimmed before the
/// policies are known).
/// A file over the size limit goes with the others (it is reported, not read). A file is
/// read in blocks into one small buffer, not whole: a whole copy of every file, read only to
/// be dropped, cost a tenth of a run's CPU.
fn goes_first(job: &Job, options: &LoadOptions) -> Result<bool, EngineError> {
    const MARKS: [&[u8]; 2] = [b"CustomResourceDefinition", b"ValidatingAdmissionPolicy"];
    let marked = |bytes: &[u8]| {
        MARKS
            .iter()
            .any(|mark| memchr::memmem::find(bytes, mark).is_some())
    };
    let candidate = match job {
        Job::Text(_, bytes) => return Ok(marked(bytes)),
        Job::Path(candidate) => candidate,
    };
    let io_error = |source| EngineError::Io {
        path: candidate.path.clone(),
        source,
    };
    let limit = options.max_file_size;
    if std::fs::metadata(&candidate.path).map_err(io_error)?.len() > limit {
        return Ok(false);
    }
    let mut file = std::fs::File::open(&candidate.path).map_err(io_error)?;
    // Each block is scanned with the end of the one before, so that a mark across two
    // blocks is found.
    const KEPT: usize = 32;
    let mut buffer = vec![0u8; KEPT + (64 << 10)];
    let (mut kept, mut total) = (0usize, 0u64);
    loop {
        let read = match std::io::Read::read(&mut file, &mut buffer[kept..]) {
            Ok(0) => return Ok(false),
            Ok(read) => read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(io_error(error)),
        };
        total += read as u64;
        if total > limit {
            return Ok(false);
        }
        let end = kept + read;
        if marked(&buffer[..end]) {
            return Ok(true);
        }
        kept = end.min(KEPT);
        buffer.copy_within(end - kept..end, 0);
    }
}

/// Leaves of `object` what the stages after the per-file ones read of an object whose facts
/// are built and which carries no suppression annotation: nothing (`null`) when its facts are
/// kept, which name it; else its identity (`apiVersion`, `kind`, `metadata.name`,
/// `generateName`, `namespace`). `false` (and nothing changed) for a document that is not a
/// mapping.
fn hollow_value(object: &mut Object, identity: bool) -> bool {
    let serde_json::Value::Object(map) = &mut object.value else {
        return false;
    };
    if !identity {
        object.value = serde_json::Value::Null;
        return true;
    }
    let mut kept = serde_json::Map::new();
    for key in ["apiVersion", "kind"] {
        if let Some(value) = map.remove(key) {
            kept.insert(key.to_owned(), value);
        }
    }
    if let Some(serde_json::Value::Object(metadata)) = map.get_mut("metadata") {
        let mut identity = serde_json::Map::new();
        for key in ["name", "generateName", "namespace"] {
            if let Some(value) = metadata.remove(key) {
                identity.insert(key.to_owned(), value);
            }
        }
        kept.insert("metadata".to_owned(), serde_json::Value::Object(identity));
    }
    object.value = serde_json::Value::Object(kept);
    true
}

/// Replaces the span trees of a file's objects by copies that hold only what their values
/// reach (objects of one document stream share one tree, so one copy each).
fn compact_trees(objects: &mut [Object], leaves: Option<&Arc<SpanTree>>) {
    let mut start = 0;
    while let Some(first) = objects.get(start) {
        let tree = first.tree.clone();
        let len = objects[start..]
            .iter()
            .take_while(|o| Arc::ptr_eq(&o.tree, &tree))
            .count();
        if leaves.is_some_and(|leaves| Arc::ptr_eq(leaves, &tree)) {
            // Hollow objects: nothing below their roots is left to compact.
            start += len;
            continue;
        }
        let group = &mut objects[start..start + len];
        let (compact, roots) = tree.compact(group.iter().map(|o| (o.root, &o.value)));
        let compact = Arc::new(compact);
        for (object, root) in group.iter_mut().zip(roots) {
            object.tree = compact.clone();
            object.root = root;
        }
        start += len;
    }
}

/// Sorts findings as `sort_diagnostics` does (stable, the same order on any number of
/// threads), in place: their positions are sorted, in parallel, then the findings are moved
/// along the cycles of that order. A parallel sort of the findings themselves would copy them
/// all into a buffer as large as the list.
fn sort_diagnostics_in_place(diagnostics: &mut [Diagnostic]) {
    let mut order: Vec<u32> = (0..diagnostics.len())
        .map(|i| u32::try_from(i).unwrap_or(u32::MAX))
        .collect();
    order.par_sort_by(|&a, &b| {
        plimsoll_core::compare_diagnostics(&diagnostics[a as usize], &diagnostics[b as usize])
    });
    // `order[j]` is the position of the finding that goes to `j`.
    let mut done = vec![false; diagnostics.len()];
    for start in 0..diagnostics.len() {
        let mut j = start;
        while !done[j] {
            done[j] = true;
            let k = order[j] as usize;
            if k == start {
                break;
            }
            diagnostics.swap(j, k);
            j = k;
        }
    }
}

/// Runs `work` on every item, in parallel, and hands each result to `merge` on this thread in
/// the order of `items`, as soon as those before it are merged: only the items in flight wait
/// in memory. Called from a thread of the pool, which the merge would hold while it waits, it
/// takes a few items at a time instead.
fn in_order<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(&T) -> R + Sync,
    mut merge: impl FnMut(R),
) {
    if rayon::current_thread_index().is_some() {
        let chunk = rayon::current_num_threads().max(1) * 2;
        for batch in items.chunks(chunk) {
            let done: Vec<R> = batch.par_iter().map(&work).collect();
            done.into_iter().for_each(&mut merge);
        }
        return;
    }
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        let work = &work;
        let producer = scope.spawn(move || {
            items
                .iter()
                .enumerate()
                .par_bridge()
                .for_each_with(sender, |sender, (i, item)| {
                    // The receiver stays until every sender is gone.
                    let _ = sender.send((i, work(item)));
                });
        });
        let mut waiting = std::collections::BTreeMap::new();
        let mut next = 0;
        for (i, done) in receiver {
            waiting.insert(i, done);
            while let Some(done) = waiting.remove(&next) {
                merge(done);
                next += 1;
            }
        }
        if let Err(panic) = producer.join() {
            std::panic::resume_unwind(panic);
        }
    });
}

/// What the per-file stages of a run share: the run's schema catalog, and the tables the
/// facts of its objects are built with (`None`: they are built at the end of the run).
#[derive(Clone, Copy)]
struct Shared<'a> {
    catalog: Option<&'a plimsoll_schemas::Catalog>,
    tables: Option<&'a Tables>,
}

fn shared<'a>(catalog: Option<&'a plimsoll_schemas::Catalog>, tables: &'a Tables) -> Shared<'a> {
    Shared {
        catalog,
        tables: Some(tables),
    }
}

/// One file after its per-object stages (`source` is `None` for a file left out of the run).
struct Checked {
    path: Option<PathBuf>,
    source: Option<Arc<Source>>,
    objects: Vec<Object>,
    /// The facts of `objects`, in order, when the run builds them as files are checked.
    facts: Vec<ObjectFacts>,
    diagnostics: Vec<Diagnostic>,
    /// The file holds an admission policy.
    whole: bool,
    timings: Timings,
}

/// Time spent per stage; the per-file stages sum the time of each file (on whichever thread).
#[derive(Default)]
struct Timings {
    read: Duration,
    load: Duration,
    schemas: Duration,
    local_rules: Duration,
    slim: Duration,
    cross_rules: Duration,
    policies: Duration,
    finish: Duration,
}

/// Rules that read other objects of the run (through the rules' index).
pub const CROSS_OBJECT_RULES: &[&str] = &[
    "automount-service-account-token",
    "binding-grants-pod-exec",
    "binding-grants-wildcard",
    "duplicate-object",
    "gateway-reference-not-granted",
    "hpa-conflicts-with-replicas",
    "hpa-target-not-found",
    "ingress-backend-not-found",
    "missing-namespace",
    "missing-network-policy",
    "missing-pod-disruption-budget",
    "network-policy-peer-selects-nothing",
    "network-policy-selects-nothing",
    "pdb-blocks-eviction",
    "pdb-selects-nothing",
    "service-account-not-found",
    "service-selector-matches-nothing",
    "service-target-port-not-found",
    "statefulset-service-mismatch",
];

/// Rules that judge one object, and so run at admission, but that another object of a run can
/// silence or raise (an autoscaler in another file exempts a single replica; a Service in
/// another file sends traffic to pods that declare no port): in a run they wait for every
/// file, with the rules across objects.
const WITH_CROSS_OBJECT_RULES: &[&str] = &["single-replica", "missing-readiness-probe"];

/// Kinds whose content (beyond identity and metadata) no rule across objects reads, and that
/// are often large (dashboards in ConfigMaps, CRD schemas): slimmed in every run without
/// policies, the language server's too.
/// Kinds whose content rules across objects read (besides every object with a pod template):
/// never slimmed. A rule across objects that reads another kind's content adds it here.
const READ_KINDS: &[&str] = &[
    "Service",
    "Ingress",
    "Route",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
    "ServiceAccount",
    "Namespace",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "StatefulSet",
    "ReferenceGrant",
    "Gateway",
    "HTTPRoute",
    "GRPCRoute",
    "TLSRoute",
    "TCPRoute",
    "UDPRoute",
];

const SLIMMED_KINDS: &[&str] = &[
    "ConfigMap",
    "Secret",
    "CustomResourceDefinition",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "StorageClass",
    "PriorityClass",
    "LimitRange",
    "ResourceQuota",
];

/// Fields of a pod spec that no rule across objects reads (they are often most of an object:
/// volumes, affinities, tolerations).
const POD_DIGESTED: &[&str] = &[
    "volumes",
    "affinity",
    "tolerations",
    "securityContext",
    "topologySpreadConstraints",
    "imagePullSecrets",
    "dnsConfig",
    "hostAliases",
    "readinessGates",
    "resourceClaims",
    "schedulingGates",
    "overhead",
    "nodeSelector",
];

/// The lists of containers of a pod spec: each container keeps its scalars and its `ports`
/// (Services' target ports are looked for there); its other mappings and lists (env,
/// resources, probes, mounts, security context) become digests.
const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

/// Replaces what no rule across objects reads of an object's metadata by digests: its name
/// and namespace stay (its identity), and its annotations (the suppression stage reads them);
/// its owner references, finalizers and managed fields become digests, and so do its labels
/// unless `labels` (an object that creates pods: a Pod's own labels are its pod labels).
/// The rules across objects read only the labels of pods.
fn slim_metadata(value: &mut serde_json::Value, labels: bool) {
    let Some(serde_json::Value::Object(meta)) = value.get_mut("metadata") else {
        return;
    };
    for (key, value) in meta.iter_mut() {
        let kept = matches!(
            key.as_str(),
            "name" | "namespace" | "generateName" | "annotations"
        ) || labels && key == "labels";
        if !kept && (value.is_object() || value.is_array()) {
            *value = digest(value);
        }
    }
}

/// Replaces what no rule across objects reads of a pod spec by digests (see [`Engine::slim`]).
fn slim_pod_spec(spec: &mut serde_json::Map<String, serde_json::Value>) {
    let nested = |value: &serde_json::Value| value.is_object() || value.is_array();
    for (key, value) in spec.iter_mut() {
        if CONTAINER_LISTS.contains(&key.as_str()) {
            let containers = value.as_array_mut().into_iter().flatten();
            for fields in containers.filter_map(serde_json::Value::as_object_mut) {
                for (field, value) in fields.iter_mut() {
                    if field != "ports" && nested(value) {
                        *value = digest(value);
                    }
                }
            }
        } else if POD_DIGESTED.contains(&key.as_str()) && nested(value) {
            *value = digest(value);
        }
    }
}

/// A value standing for `value` in a slimmed object: its 64-bit digest, the one the facts of
/// objects compare copies with ([`plimsoll_rules::facts::digest`]), as a number (no allocation
/// of its own: millions of digests in a large run).
fn digest(value: &serde_json::Value) -> serde_json::Value {
    serde_json::Value::Number(plimsoll_rules::facts::digest(value).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first look at a file streams it in blocks: a mark that straddles two blocks is
    /// found, a file without one or over the size limit goes with the others.
    #[test]
    fn a_file_goes_first_by_a_mark_wherever_it_falls() {
        let dir = tempfile::tempdir().unwrap();
        let options = LoadOptions::default();
        let job = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            Job::Path(discover::Candidate {
                path,
                discovery: Discovery::Explicit,
            })
        };
        let filler = |n: usize| format!("# {}\n", "x".repeat(n));
        for before in [0, 100, (64 << 10) - 10, (64 << 10) + 20, (128 << 10) - 3] {
            let text = format!("{}kind: CustomResourceDefinition\n", filler(before));
            assert!(
                goes_first(&job("crd.yaml", &text), &options).unwrap(),
                "{before}"
            );
            let text = format!("{}kind: ValidatingAdmissionPolicy\n", filler(before));
            assert!(
                goes_first(&job("vap.yaml", &text), &options).unwrap(),
                "{before}"
            );
            let text = format!("{}kind: CustomResource\n", filler(before));
            assert!(
                !goes_first(&job("cr.yaml", &text), &options).unwrap(),
                "{before}"
            );
        }
        let small = LoadOptions {
            max_file_size: 64,
            ..LoadOptions::default()
        };
        let text = format!("{}kind: CustomResourceDefinition\n", filler(100));
        assert!(!goes_first(&job("large.yaml", &text), &small).unwrap());
        let text = "kind: CustomResourceDefinition\n".to_owned();
        assert!(goes_first(&Job::Text("stdin".into(), text.into_bytes()), &options).unwrap());
        let missing = Job::Path(discover::Candidate {
            path: dir.path().join("missing.yaml"),
            discovery: Discovery::Explicit,
        });
        assert!(goes_first(&missing, &options).is_err());
    }

    #[test]
    fn findings_sorted_in_place_are_in_the_order_of_a_stable_sort() {
        // Ties (the same place and rule) keep the order they came in.
        let finding = |file: &str, at: usize, rule: &'static str, n: usize| {
            let source = Source::new(file.to_owned(), "a: 1\nb: 2\nc: 3\n".to_owned());
            Diagnostic::new(rule, Severity::Warning, "same")
                .with_location(plimsoll_core::Location {
                    source,
                    span: plimsoll_core::Span::new(at, at + 1),
                    template: None,
                })
                .with_pointer(format!("/{n}"))
        };
        let mut findings = Vec::new();
        for n in 0..200 {
            let file = ["b.yaml", "a.yaml", "c.yaml"][n % 3];
            let rule = ["r2", "r1"][n % 2];
            findings.push(finding(file, (n * 7) % 12, rule, n));
        }
        let mut expected = findings.clone();
        expected.sort_by(plimsoll_core::compare_diagnostics);
        sort_diagnostics_in_place(&mut findings);
        let text = |list: &[Diagnostic]| format!("{list:?}");
        assert_eq!(text(&findings), text(&expected));
    }

    /// Every rule across objects reads only facts, so a lint run keeps no value of the
    /// objects they judge (a rule that read values would keep every object's).
    #[test]
    fn every_rule_across_objects_reads_only_facts() {
        for id in CROSS_OBJECT_RULES.iter().chain(WITH_CROSS_OBJECT_RULES) {
            assert!(
                plimsoll_rules::READS_ONLY_FACTS.contains(id),
                "{id} reads values: lint runs keep every object's"
            );
        }
    }

    /// A lint run's per-file stage builds the facts of every object, then keeps no value of
    /// an object when every rule across objects reads only facts and no annotation of it may
    /// silence a finding.
    #[test]
    fn objects_keep_their_identity_alone_once_their_facts_are_built() {
        let text = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {replicas: 1, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: a, image: a:1}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, annotations: {plimsoll.dev/ignore: single-replica}}
spec: {replicas: 1, template: {spec: {containers: [{name: a, image: a:1}]}}}
";
        let check = |only: &[&str]| {
            let mut config = Config::default();
            config.rules.only = only.iter().map(|id| (*id).to_owned()).collect();
            let engine = Engine::new(config).unwrap();
            let file = plimsoll_core::load_text(
                "apps.yaml",
                text.to_owned(),
                Discovery::Walked,
                &LoadOptions::default(),
            );
            let tables = Tables::default();
            let shared = shared(None, &tables);
            let checked = engine.check_file(shared, None, file, Keep::Compact, false, false);
            (checked, tables.freeze())
        };
        let (checked, frozen) = check(&["single-replica"]);
        assert_eq!(checked.facts.len(), 2);
        let values: Vec<&serde_json::Value> = checked.objects.iter().map(|o| &o.value).collect();
        // Its facts name it.
        assert_eq!(values[0], &serde_json::Value::Null);
        assert_eq!(
            checked.facts[0].identity(&frozen.symbols).display_name(),
            "shop/Deployment/web"
        );
        assert_eq!(
            checked.objects[0]
                .tree
                .children(checked.objects[0].root)
                .len(),
            0
        );
        assert!(checked.objects[0].span().end > checked.objects[0].span().start);
        // Annotated: the suppression stage reads it.
        assert!(values[1].pointer("/metadata/annotations").is_some());
        assert!(values[1].pointer("/spec/replicas").is_some());
    }

    #[test]
    fn a_pod_spec_keeps_what_rules_across_objects_read() {
        let mut spec = serde_json::json!({
            "serviceAccountName": "web",
            "automountServiceAccountToken": false,
            "volumes": [{"name": "data", "emptyDir": {}}],
            "containers": [{
                "name": "app",
                "image": "web:1",
                "ports": [{"name": "http", "containerPort": 8080}],
                "env": [{"name": "A", "value": "1"}],
                "resources": {"limits": {"cpu": "1"}},
            }],
        });
        let before = spec.clone();
        slim_pod_spec(spec.as_object_mut().unwrap());
        let kept = ["/serviceAccountName", "/automountServiceAccountToken"];
        let kept = kept
            .iter()
            .chain(&["/containers/0/name", "/containers/0/image"]);
        for pointer in kept.chain(&["/containers/0/ports"]) {
            assert_eq!(spec.pointer(pointer), before.pointer(pointer), "{pointer}");
        }
        for pointer in ["/volumes", "/containers/0/env", "/containers/0/resources"] {
            let digest = spec.pointer(pointer);
            assert!(digest.is_some_and(serde_json::Value::is_u64), "{pointer}");
        }
    }

    #[test]
    fn metadata_keeps_identity_and_annotations_and_digests_compare_as_values() {
        let mut a = serde_json::json!({
            "kind": "ConfigMap",
            "metadata": {
                "name": "a",
                "namespace": "n",
                "labels": {"x": "1", "y": "2"},
                "annotations": {"plimsoll.dev/ignore": "r"},
            },
        });
        let mut b = serde_json::json!({
            "kind": "ConfigMap",
            "metadata": {
                "name": "a",
                "namespace": "n",
                "labels": {"y": "2", "x": "1"},
                "annotations": {"plimsoll.dev/ignore": "r"},
            },
        });
        let mut c = b.clone();
        c["metadata"]["labels"]["x"] = "3".into();
        let before = a.clone();
        let mut pod = a.clone();
        slim_metadata(&mut pod, true);
        assert_eq!(pod["metadata"]["labels"], before["metadata"]["labels"]);
        for value in [&mut a, &mut b, &mut c] {
            slim_metadata(value, false);
        }
        for pointer in [
            "/metadata/name",
            "/metadata/namespace",
            "/metadata/annotations",
        ] {
            assert_eq!(a.pointer(pointer), before.pointer(pointer), "{pointer}");
        }
        assert!(
            a.pointer("/metadata/labels")
                .is_some_and(serde_json::Value::is_u64)
        );
        // Equal maps in another order stay equal; different ones stay different.
        assert_eq!(a, b);
        assert_ne!(b, c);
    }

    #[test]
    fn the_other_rules_read_no_other_object() {
        // Run without an index of the run (`RuleSet::check_alone`), they find what they find
        // with one, on every rule's fixtures.
        let local: Vec<String> = plimsoll_rules::all_rules()
            .map(|info| info.id)
            .filter(|id| !CROSS_OBJECT_RULES.contains(id) && !WITH_CROSS_OBJECT_RULES.contains(id))
            .map(str::to_owned)
            .collect();
        let config = plimsoll_rules::RulesConfig {
            only: local,
            ..plimsoll_rules::RulesConfig::default()
        };
        let rules = plimsoll_rules::RuleSet::new(&config).unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/rules");
        let mut files = 0;
        for dir in std::fs::read_dir(root).unwrap() {
            for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let options = plimsoll_core::LoadOptions::default();
                let name = path.display().to_string();
                let discovery = plimsoll_core::Discovery::Explicit;
                let objects = plimsoll_core::load_text(&name, text, discovery, &options).objects;
                let found = |d: Vec<Diagnostic>| format!("{d:?}");
                let alone = found(rules.check_alone(&objects));
                assert_eq!(alone, found(rules.check(&objects)), "{name}");
                files += 1;
            }
        }
        assert!(files > 100, "{files} fixtures");
    }

    #[test]
    fn cross_object_rules_exist() {
        for id in CROSS_OBJECT_RULES.iter().chain(WITH_CROSS_OBJECT_RULES) {
            assert!(plimsoll_rules::rule_info(id).is_some(), "{id}");
        }
    }

    /// A rule that reads facts runs where the engine builds them: per-file runs and admission
    /// hand the other rules blank facts. The rules' sources say which read them.
    #[test]
    fn every_rule_reading_facts_waits_for_the_run() {
        fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/src/rules"),
            &mut files,
        );
        let mut reading = Vec::new();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            if !["cx.facts()", "role_ref(cx)"]
                .iter()
                .any(|m| text.contains(m))
            {
                continue;
            }
            // Helpers (a module's `mod.rs`) declare no rule; the rules calling them are found by
            // the call.
            let Some(start) = text.find("    id: \"") else {
                continue;
            };
            let id = text[start + 9..].split('"').next().unwrap().to_owned();
            assert!(
                CROSS_OBJECT_RULES.contains(&id.as_str())
                    || WITH_CROSS_OBJECT_RULES.contains(&id.as_str()),
                "{id} reads facts but runs per file ({})",
                path.display()
            );
            reading.push(id);
        }
        assert!(reading.len() >= 12, "{reading:?}");
    }
}
