//! The flags that shape a check, shared by `lint` and `baseline`, and how they combine with
//! the configuration file (the command line wins).

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use plimsoll_core::Severity;
use plimsoll_engine::config::{self, ConfigFile};
use plimsoll_engine::{Config, Input};

#[derive(Args, Debug, Clone, Default)]
pub struct CheckArgs {
    /// The configuration file (default: the nearest .plimsoll.yaml from the current folder up).
    #[arg(long, value_name = "FILE", help_heading = "Configuration")]
    pub config: Option<PathBuf>,

    /// Do not read any configuration file.
    #[arg(long, conflicts_with = "config", help_heading = "Configuration")]
    pub no_config: bool,

    /// Leave out files and folders matching this glob (repeatable).
    #[arg(long, value_name = "GLOB", help_heading = "Inputs")]
    pub exclude: Vec<String>,

    /// When walking folders, check only files matching this glob (repeatable; default: every .yaml, .yml and .json).
    #[arg(long, value_name = "GLOB", help_heading = "Inputs")]
    pub include: Vec<String>,

    /// Files larger than this many bytes are reported and not read [default: 16777216].
    #[arg(long, value_name = "BYTES", help_heading = "Inputs")]
    pub max_file_size: Option<u64>,

    /// Documents whose collections nest deeper than this are reported and not checked [default: 1000].
    #[arg(long, value_name = "LEVELS", help_heading = "Inputs")]
    pub max_depth: Option<usize>,

    /// How many nodes YAML aliases may add over all the files of one run; a file past it is reported and not checked [default: 10000000].
    #[arg(long, value_name = "NODES", help_heading = "Inputs")]
    pub max_alias_nodes: Option<usize>,

    /// The Kubernetes version to validate against, e.g. 1.33 (default: the newest bundled).
    #[arg(long, value_name = "VERSION", help_heading = "Schemas")]
    pub kubernetes_version: Option<String>,

    /// Unknown fields are errors (true, the default) or warnings (`--strict=false`).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true", help_heading = "Schemas")]
    pub strict: Option<bool>,

    /// A folder (or file) of CustomResourceDefinitions to validate custom resources with (repeatable).
    #[arg(long, value_name = "DIR", help_heading = "Schemas")]
    pub crds: Vec<PathBuf>,

    /// A schema location template, kubeconform style (repeatable); a `.json` file is the
    /// schema of every object no other schema covers.
    #[arg(long, value_name = "TEMPLATE", help_heading = "Schemas")]
    pub schema_location: Vec<String>,

    /// Never fetch schema locations that are URLs: read them from the schema cache only.
    #[arg(long, help_heading = "Schemas")]
    pub offline: bool,

    /// Leave objects of these kinds out of the run: `Secret` or `v1/Secret`, comma-separated (repeatable).
    #[arg(
        long,
        value_name = "KIND,...",
        value_delimiter = ',',
        help_heading = "Inputs"
    )]
    pub skip: Vec<String>,

    /// Report objects of these kinds as errors (`rejected-kind`), comma-separated (repeatable).
    #[arg(
        long,
        value_name = "KIND,...",
        value_delimiter = ',',
        help_heading = "Inputs"
    )]
    pub reject: Vec<String>,

    /// Do not read files whose path matches this regular expression (repeatable).
    #[arg(long, value_name = "REGEX", help_heading = "Inputs")]
    pub ignore_filename_pattern: Vec<String>,

    /// Also print kubeconform's summary line (resources found, valid, invalid, errors) on standard error.
    #[arg(long)]
    pub summary: bool,

    /// The set of rules on before `rules:`, `--enable` and `--disable`: minimal, default,
    /// strict or all (docs/profiles.md lists each) [default: default, or `profile` in the configuration].
    #[arg(long, value_name = "PROFILE", help_heading = "Rules")]
    pub profile: Option<String>,

    /// Turn on a rule, opt-in ones included (repeatable); `all` turns on every rule.
    #[arg(long, value_name = "RULE", help_heading = "Rules")]
    pub enable: Vec<String>,

    /// Turn off a rule (repeatable; wins over `--enable`); `all` turns off every built-in rule,
    /// leaving the loader, the schema checks and policies (kubeconform's verdict; `--only RULE`
    /// keeps some rules instead).
    #[arg(long, value_name = "RULE", help_heading = "Rules")]
    pub disable: Vec<String>,

    /// Run only these built-in rules (repeatable).
    #[arg(long, value_name = "RULE", help_heading = "Rules")]
    pub only: Vec<String>,

    /// The path to report for standard input (`-`), in every format, as if the text had been read from it.
    #[arg(long, value_name = "PATH", help_heading = "Inputs")]
    pub stdin_filename: Option<PathBuf>,

    /// A folder (or file) of Rego policies, data files, Gatekeeper templates and constraints (repeatable).
    #[arg(long, value_name = "DIR", help_heading = "Policies")]
    pub policy: Vec<PathBuf>,

    /// A Rego package whose rules are evaluated (repeatable; default: main).
    #[arg(long, value_name = "PACKAGE", help_heading = "Policies")]
    pub namespace: Vec<String>,

    /// Evaluate the rules of every Rego package.
    #[arg(long, help_heading = "Policies")]
    pub all_namespaces: bool,

    /// Give policies every object at once (`input` is an array), as conftest's --combine.
    #[arg(long, help_heading = "Policies")]
    pub combine: bool,

    /// Keep Secret values in policy messages (by default each is replaced by `****`).
    #[arg(long, help_heading = "Policies")]
    pub policy_raw_messages: bool,

    /// A values file for every chart rendered, after the chart's own (repeatable; the last wins).
    #[arg(
        long = "values",
        short = 'f',
        value_name = "FILE",
        help_heading = "Helm charts"
    )]
    pub helm_values: Vec<PathBuf>,

    /// A value for every chart rendered, `key.path=value` as `helm --set` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", help_heading = "Helm charts")]
    pub helm_set: Vec<String>,

    /// The release name charts are rendered with (default: the chart's name).
    #[arg(long, value_name = "NAME", help_heading = "Helm charts")]
    pub release: Option<String>,

    /// The namespace charts are rendered in (`helm template --namespace`).
    #[arg(long, value_name = "NAMESPACE", help_heading = "Helm charts")]
    pub helm_namespace: Option<String>,

    /// The helm binary that renders charts (default: `helm` on PATH).
    #[arg(long = "helm", value_name = "PATH", help_heading = "Helm charts")]
    pub helm_binary: Option<PathBuf>,

    /// Leave Helm charts out (neither rendered nor read as files).
    #[arg(long, conflicts_with = "helm_binary", help_heading = "Helm charts")]
    pub no_helm: bool,

    /// Do not build kustomizations: read their files one by one instead.
    #[arg(long)]
    pub no_kustomize: bool,
}

/// The engine configuration and the settings the front end applies itself.
pub struct Settings {
    pub config: Config,
    pub fail_on: Option<Severity>,
    pub baseline: Option<PathBuf>,
    /// Folders loaded as context when files are named (`context:`).
    pub context: Vec<PathBuf>,
    /// `failOnEmpty:`.
    pub fail_on_empty: bool,
}

impl CheckArgs {
    /// Reads the configuration file (unless told not to) and lays the flags over it.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let file = match (&self.config, self.no_config) {
            (_, true) => ConfigFile::default(),
            (Some(path), false) => config::read(path)?,
            (None, false) => {
                let cwd = std::env::current_dir().context("finding the current folder")?;
                match config::find(&cwd) {
                    Some(path) => config::read(&path)?,
                    None => ConfigFile::default(),
                }
            }
        };
        let mut exclude = file.exclude.clone();
        exclude.extend(self.exclude.iter().cloned());
        let mut include = file.include.clone();
        include.extend(self.include.iter().cloned());
        let mut crds = file.crds.clone();
        crds.extend(self.crds.iter().cloned());
        let mut schema_locations = file.schema_locations.clone();
        schema_locations.extend(self.schema_location.iter().cloned());
        let mut policies = file.policies.clone();
        policies.extend(self.policy.iter().cloned());
        let mut config = Config {
            exclude,
            include,
            kubernetes_version: self
                .kubernetes_version
                .clone()
                .or(file.kubernetes_version.clone()),
            strict: self.strict.or(file.strict).unwrap_or(true),
            crds,
            schema_locations,
            offline: self.offline || file.offline.unwrap_or(false),
            rules: plimsoll_rules::RulesConfig {
                rules: profile_rules(self.profile.as_ref().or(file.profile.as_ref()), &file)?,
                enable: with_all_expanded(&self.enable),
                disable: with_all_expanded(&self.disable),
                only: self.only.clone(),
                pod_template_paths: file.pod_template_paths.clone(),
            },
            policies,
            skip_kinds: self.skip.clone(),
            reject_kinds: self.reject.clone(),
            ignore_filename_patterns: self.ignore_filename_pattern.clone(),
            ..Config::default()
        };
        if let Some(user) = &file.admission_user {
            config.admission_user = user.clone();
        }
        if let Some(size) = self.max_file_size.or(file.max_file_size) {
            config.load.max_file_size = size;
        }
        if let Some(depth) = self.max_depth.or(file.max_depth) {
            config.load.parse.max_depth = depth;
        }
        if let Some(nodes) = self.max_alias_nodes.or(file.max_alias_nodes) {
            config.load.alias_run_limit = nodes;
        }
        let namespaces = if self.namespace.is_empty() {
            file.namespaces.clone()
        } else {
            self.namespace.clone()
        };
        if !namespaces.is_empty() {
            config.policy.namespaces = namespaces;
        }
        config.policy.all_namespaces = self.all_namespaces || file.all_namespaces.unwrap_or(false);
        config.policy.combine = self.combine || file.combine.unwrap_or(false);
        config.raw_policy_messages = self.policy_raw_messages;
        config.kustomize = !self.no_kustomize;
        config.helm = plimsoll_engine::helm::HelmConfig {
            enabled: !self.no_helm && file.helm.enabled.unwrap_or(true),
            binary: self.helm_binary.clone().or(file.helm.binary.clone()),
            values: self.helm_values.clone(),
            set: self.helm_set.clone(),
            release: self.release.clone(),
            namespace: self.helm_namespace.clone(),
            charts: file.helm.renders(),
        };
        Ok(Settings {
            config,
            fail_on: file.fail_on,
            baseline: file.baseline,
            context: file.context,
            fail_on_empty: file.fail_on_empty.unwrap_or(false),
        })
    }
}

/// The `rules:` settings with a profile laid under them: each rule the file does not turn on
/// or off is on exactly when the profile holds it.
fn profile_rules(
    profile: Option<&String>,
    file: &ConfigFile,
) -> anyhow::Result<std::collections::BTreeMap<String, plimsoll_rules::RuleSettings>> {
    let mut rules = file.rules.clone();
    let Some(profile) = profile else {
        return Ok(rules);
    };
    for info in plimsoll_rules::all_rules() {
        let Some(member) = plimsoll_rules::in_profile(profile, info) else {
            anyhow::bail!(
                "unknown profile `{profile}` (expected one of: {})",
                plimsoll_rules::PROFILES.join(", ")
            );
        };
        let settings = rules.entry(info.id.to_owned()).or_default();
        if settings.enabled.is_none() {
            settings.enabled = Some(member);
        }
    }
    Ok(rules)
}

/// Paths as inputs; `-` reads standard input. No path means the current folder.
pub fn inputs(paths: &[PathBuf], limit: u64) -> anyhow::Result<Vec<Input>> {
    inputs_named(paths, None, limit)
}

/// [`inputs`], standard input named `stdin_name` (`--stdin-filename`) instead of `<stdin>`.
/// Standard input is read up to one byte past `limit` (`--max-file-size`): the loader then
/// reports it as too large instead of reading an endless stream.
pub fn inputs_named(
    paths: &[PathBuf],
    stdin_name: Option<&Path>,
    limit: u64,
) -> anyhow::Result<Vec<Input>> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let mut inputs = Vec::with_capacity(paths.len());
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(limit.saturating_add(1))
                .read_to_end(&mut bytes)
                .context("reading standard input")?;
            inputs.push(Input::Text {
                name: stdin_name.map_or_else(
                    || "<stdin>".to_owned(),
                    plimsoll_engine::discover::display_name,
                ),
                bytes,
            });
        } else {
            inputs.push(Input::Path(path));
        }
    }
    Ok(inputs)
}

/// kubeconform's `--summary` line. As kubeconform sorts resources, an object is valid, invalid
/// (an error finding about its content), or an error (it could not be validated: no `kind` or
/// `apiVersion`, no schema for its kind, a `--reject`ed kind); an error finding with no object
/// (a file that is not YAML) is an error too. Plural forms as kubeconform writes them (`0
/// resource`, `2 resources`), and `parsing stdin` when standard input is the only source.
pub fn summary_line(report: &plimsoll_engine::Report) -> String {
    use std::collections::HashSet;
    const CANNOT_VALIDATE: &[&str] = &[
        "missing-kind",
        "missing-api-version",
        "unknown-kind",
        plimsoll_engine::schema::REJECTED_KIND,
    ];
    let mut invalid = HashSet::new();
    let mut errored = HashSet::new();
    // Documents without `kind` or `apiVersion` (and rejected objects) are not among the
    // objects checked, but kubeconform counts them as found.
    let mut uncounted = HashSet::new();
    let mut file_errors = 0;
    for d in report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
    {
        let Some(object) = &d.object else {
            file_errors += 1;
            continue;
        };
        let file = d.location.as_ref().map(|l| l.source.name().to_owned());
        let key = (file, object.clone());
        if CANNOT_VALIDATE.iter().any(|id| d.rule == *id) {
            if d.rule != "unknown-kind" {
                uncounted.insert(key.clone());
            }
            errored.insert(key);
        } else {
            invalid.insert(key);
        }
    }
    invalid.retain(|key| !errored.contains(key));
    let found = report.objects + uncounted.len() + file_errors;
    let errors = (errored.len() + file_errors).min(found);
    let invalid = invalid.len().min(found - errors);
    let plural = |n: usize| if n > 1 { "s" } else { "" };
    let stdin = !report.sources.is_empty() && report.sources.iter().all(|s| s.name() == "<stdin>");
    let place = if stdin {
        "parsing stdin".to_owned()
    } else {
        format!("in {} file{}", report.files(), plural(report.files()))
    };
    format!(
        "Summary: {found} resource{} found {place} - Valid: {}, Invalid: {invalid}, Errors: {errors}",
        plural(found),
        found - errors - invalid,
    )
}

/// Rule ids as given to `--enable`/`--disable`, with `all` standing for every built-in rule.
fn with_all_expanded(ids: &[String]) -> Vec<String> {
    ids.iter()
        .flat_map(|id| {
            if id == "all" {
                plimsoll_rules::all_rules()
                    .map(|r| r.id.to_owned())
                    .collect()
            } else {
                vec![id.clone()]
            }
        })
        .collect()
}
