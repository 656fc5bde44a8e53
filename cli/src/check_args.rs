//! The flags that shape a check, shared by `lint` and `baseline`, and how they combine with
//! the configuration file (the command line wins).

use std::io::Read;
use std::path::PathBuf;

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

    /// The Kubernetes version to validate against, e.g. 1.33 (default: the newest bundled).
    #[arg(long, value_name = "VERSION", help_heading = "Schemas")]
    pub kubernetes_version: Option<String>,

    /// Unknown fields are errors (true, the default) or warnings (false).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", help_heading = "Schemas")]
    pub strict: Option<bool>,

    /// A folder (or file) of CustomResourceDefinitions to validate custom resources with (repeatable).
    #[arg(long, value_name = "DIR", help_heading = "Schemas")]
    pub crds: Vec<PathBuf>,

    /// A schema location template, kubeconform style (repeatable).
    #[arg(long, value_name = "TEMPLATE", help_heading = "Schemas")]
    pub schema_location: Vec<String>,

    /// Turn on a rule, opt-in ones included (repeatable).
    #[arg(long, value_name = "RULE", help_heading = "Rules")]
    pub enable: Vec<String>,

    /// Turn off a rule (repeatable).
    #[arg(long, value_name = "RULE", help_heading = "Rules")]
    pub disable: Vec<String>,

    /// Run only these built-in rules (repeatable).
    #[arg(long, value_name = "RULE", help_heading = "Rules")]
    pub only: Vec<String>,

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
}

/// The engine configuration and the settings the front end applies itself.
pub struct Settings {
    pub config: Config,
    pub fail_on: Option<Severity>,
    pub baseline: Option<PathBuf>,
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
            rules: plimsoll_rules::RulesConfig {
                rules: file.rules.clone(),
                enable: self.enable.clone(),
                disable: self.disable.clone(),
                only: self.only.clone(),
                pod_template_paths: file.pod_template_paths.clone(),
            },
            policies,
            ..Config::default()
        };
        if let Some(size) = self.max_file_size.or(file.max_file_size) {
            config.load.max_file_size = size;
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
        Ok(Settings {
            config,
            fail_on: file.fail_on,
            baseline: file.baseline,
        })
    }
}

/// Paths as inputs; `-` reads standard input. No path means the current folder.
pub fn inputs(paths: &[PathBuf]) -> anyhow::Result<Vec<Input>> {
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
                .read_to_end(&mut bytes)
                .context("reading standard input")?;
            inputs.push(Input::Text {
                name: "<stdin>".to_owned(),
                bytes,
            });
        } else {
            inputs.push(Input::Path(path));
        }
    }
    Ok(inputs)
}
