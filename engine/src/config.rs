//! The configuration file, `.plimsoll.yaml`.
//!
//! It is found by walking up from the current folder (or named with `--config`), read with
//! the same span-preserving loader as manifests, and deserialised into [`ConfigFile`] with
//! unknown keys refused; every error names the file, line and column. Every command-line flag
//! of `plimsoll lint` has a key here; the command line wins where both are given. The JSON
//! Schema of the file (`docs/config.schema.json`) is generated from these types.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plimsoll_core::{LoadOptions, Severity};
use plimsoll_rules::{PodTemplatePath, RuleSettings};
use schemars::JsonSchema;
use serde::Deserialize;

/// The largest configuration file read (a configuration is a few kilobytes).
pub const MAX_SIZE: u64 = 1024 * 1024;

/// The file names looked for, in this order, in each folder from the current one upward.
pub const FILE_NAMES: &[&str] = &[".plimsoll.yaml", ".plimsoll.yml"];

/// `.plimsoll.yaml`
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "plimsoll configuration")]
pub struct ConfigFile {
    /// The Kubernetes version to validate against, e.g. "1.33" (default: the newest bundled).
    pub kubernetes_version: Option<String>,
    /// Unknown fields are errors (true, like `kubectl apply`) or warnings (false).
    pub strict: Option<bool>,
    /// The lowest severity that makes the run fail: error, warning or info.
    #[schemars(with = "Option<SeverityName>")]
    #[serde(default, deserialize_with = "plimsoll_rules::deserialize_severity")]
    pub fail_on: Option<Severity>,
    /// Globs of files to check when walking folders (default: every .yaml, .yml and .json).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub include: Vec<String>,
    /// Globs of files and folders to leave out.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub exclude: Vec<String>,
    /// Files larger than this many bytes are reported and not read.
    pub max_file_size: Option<u64>,
    /// Documents whose collections nest deeper than this are reported and not checked (default: 1000).
    pub max_depth: Option<usize>,
    /// How many nodes YAML aliases may add over all the files of one run; a file past it is reported and not checked (default: 10000000).
    pub max_alias_nodes: Option<usize>,
    /// Per-rule settings, by rule id: enabled, severity, options.
    #[serde(default, deserialize_with = "null_as_empty")]
    #[schemars(with = "BTreeMap<String, RuleSettingsSchema>")]
    pub rules: BTreeMap<String, RuleSettings>,
    /// Kinds that carry a pod template beyond the built-in ones, and where their pod spec is.
    #[serde(default, deserialize_with = "null_as_empty")]
    #[schemars(with = "Vec<PodTemplatePathSchema>")]
    pub pod_template_paths: Vec<PodTemplatePath>,
    /// Folders (or files) of Rego policies and their data, like `--policy`.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub policies: Vec<PathBuf>,
    /// The user of the CREATE requests that ValidatingAdmissionPolicies see
    /// (`request.userInfo`; default: plimsoll, in the group system:authenticated).
    pub admission_user: Option<crate::vap::UserInfo>,
    /// Rego packages whose rules are evaluated (default: main).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub namespaces: Vec<String>,
    /// Evaluate the rules of every Rego package.
    pub all_namespaces: Option<bool>,
    /// Give policies all objects at once (`input` is the array), as conftest's --combine.
    pub combine: Option<bool>,
    /// Folders of CustomResourceDefinitions to validate custom resources with.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub crds: Vec<PathBuf>,
    /// Schema location templates, kubeconform style.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub schema_locations: Vec<String>,
    /// Read schema locations that are URLs from the cache only, never the network.
    pub offline: Option<bool>,
    /// A baseline file: findings recorded in it are not reported.
    pub baseline: Option<PathBuf>,
    /// How Helm charts are rendered: the helm binary, and the renders of each chart.
    #[serde(default)]
    pub helm: crate::helm::HelmSection,
    /// Folders loaded as context when files are named (their findings are not reported), in
    /// addition to the named files' own folders, like `--context`.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub context: Vec<PathBuf>,
    /// A run that checks no Kubernetes object fails (exit code 1), like `--fail-on-empty`.
    pub fail_on_empty: Option<bool>,
    /// The set of rules on before `rules:`, `--enable` and `--disable`: minimal, default,
    /// strict or all, like `--profile`.
    pub profile: Option<String>,
    /// Settings that only `plimsoll webhook` reads: exemptions, per-rule enforcement,
    /// the answer on time-out.
    #[serde(default)]
    pub webhook: crate::admission::WebhookConfig,
}

/// Names accepted for a severity.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum SeverityName {
    Error,
    Warning,
    Info,
}

/// The settings of one rule.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RuleSettingsSchema {
    /// Turns the rule on or off, whatever its default.
    enabled: Option<bool>,
    /// Replaces the rule's default severity.
    severity: Option<SeverityName>,
    /// The rule's options (see `plimsoll explain RULE`).
    options: Option<BTreeMap<String, serde_json::Value>>,
}

/// A kind that carries a pod template.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[allow(dead_code)]
struct PodTemplatePathSchema {
    /// `group/version`; any version of any group matches when left out.
    api_version: Option<String>,
    kind: String,
    /// JSON pointer to the pod spec, e.g. `/spec/template/spec`.
    pointer: String,
}

/// `rules:` with every entry commented out is null in YAML: read it as empty.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A configuration file that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// The nearest configuration file from `start` upward.
pub fn find(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        for name in FILE_NAMES {
            let candidate = d.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        dir = d.parent();
    }
    None
}

/// Reads and checks a configuration file. Relative paths in it are made relative to its folder.
pub fn read(path: &Path) -> Result<ConfigFile, ConfigError> {
    let name = path.display().to_string();
    let fail = |message: String| ConfigError {
        file: name.clone(),
        line: 1,
        column: 1,
        message,
    };
    let bytes = plimsoll_core::source::read_file_limited(path, MAX_SIZE)
        .map_err(|e| fail(format!("cannot read the configuration file: {e}")))?
        .ok_or_else(|| {
            fail(format!(
                "the configuration file holds more than {MAX_SIZE} bytes, the limit; it was not read"
            ))
        })?;
    let text = String::from_utf8(bytes)
        .map_err(|e| fail(format!("the configuration file is not UTF-8: {e}")))?;
    let mut config = parse(&name, text)?;
    let base = path.parent().unwrap_or(Path::new("."));
    config.helm.resolve(base);
    for list in [&mut config.policies, &mut config.crds, &mut config.context] {
        for p in list.iter_mut() {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
    }
    if let Some(b) = &mut config.baseline
        && b.is_relative()
    {
        *b = base.join(&*b);
    }
    Ok(config)
}

/// Parses the text of a configuration file.
pub fn parse(name: &str, text: String) -> Result<ConfigFile, ConfigError> {
    let at = |source: &plimsoll_core::Source, offset: usize, message: String| {
        let pos = source.line_col(offset);
        ConfigError {
            file: name.to_owned(),
            line: pos.line,
            column: pos.column,
            message,
        }
    };
    let stream = plimsoll_core::yaml::parse_stream(&text, LoadOptions::default().parse);
    let source = plimsoll_core::Source::new(name, text.clone());
    if let Some(error) = stream.errors.first() {
        return Err(at(
            &source,
            error.span.start as usize,
            error.message.clone(),
        ));
    }
    let Some(document) = stream.documents.into_iter().next() else {
        return Ok(ConfigFile::default());
    };
    if !document.value.is_object() {
        return Err(at(
            &source,
            document.span.start as usize,
            "the configuration must be a mapping".to_owned(),
        ));
    }
    let value = document.value.clone();
    match serde_path_to_error::deserialize::<_, ConfigFile>(value) {
        Ok(config) => {
            // An unknown rule id is shown at its key, with the file and line.
            for id in config.rules.keys() {
                if plimsoll_rules::rule_info(id).is_none() && !crate::is_builtin_id(id) {
                    let pointer = format!("/rules/{}", plimsoll_core::yaml::escape_token(id));
                    let (found, _) =
                        stream
                            .tree
                            .lookup_nearest(document.root, &document.value, &pointer);
                    let offset = found.key.unwrap_or(found.value).start;
                    return Err(at(
                        &source,
                        offset as usize,
                        format!("unknown rule `{id}` under `rules:` (`plimsoll rules` lists them)"),
                    ));
                }
            }
            Ok(config)
        }
        Err(error) => {
            let pointer = to_pointer(error.path());
            let (found, exact) =
                stream
                    .tree
                    .lookup_nearest(document.root, &document.value, &pointer);
            let mut message = error.inner().to_string();
            // An unknown field is shown at its key, a bad value at the value.
            let offset = match (exact, found.key) {
                (true, Some(key)) if message.starts_with("unknown field") => key.start,
                _ => found.value.start,
            };
            // serde names the field that failed only through the path.
            if !pointer.is_empty() {
                message = format!("`{}`: {message}", error.path());
            }
            // YAML reads `1.33` as a number; the version is text.
            if pointer == "/kubernetesVersion" && message.contains("expected a string") {
                message.push_str(
                    "; quote the version (`kubernetesVersion: \"1.33\"`): unquoted, YAML reads it as a number",
                );
            }
            Err(at(&source, offset as usize, message))
        }
    }
}

fn to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_str(&plimsoll_core::yaml::escape_token(key));
            }
            Segment::Unknown => pointer.pop().map_or((), |_| ()),
        }
    }
    pointer
}

/// The JSON Schema of `.plimsoll.yaml`, as committed in docs/config.schema.json.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(ConfigFile);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// A commented starter configuration, written by `plimsoll init`.
pub const STARTER: &str = r#"# plimsoll configuration. Every key is optional; the command line wins over this file.
# The JSON Schema of this file: docs/config.schema.json in the plimsoll repository.

# The Kubernetes version to validate against (default: the newest bundled).
# kubernetesVersion: "1.33"

# Unknown fields are errors, as with `kubectl apply` (false: warnings).
strict: true

# The lowest severity that fails the run: error, warning or info.
failOn: error

# Files and folders to leave out when walking.
exclude:
  - "charts/**/templates/**"

# Per-rule settings: `plimsoll rules` lists the ids, `plimsoll explain ID` documents each.
rules:
  # latest-image-tag:
  #   severity: error
  # missing-cpu-limit:
  #   enabled: true
  # nodeport-out-of-range:
  #   options:
  #     range: "30000-32767"

# Kinds with a pod template that plimsoll does not know, and where their pod spec is.
# podTemplatePaths:
#   - apiVersion: example.com/v1
#     kind: Worker
#     pointer: /spec/template/spec

# Rego policies (conftest conventions, Gatekeeper templates and constraints).
# policies:
#   - policy/
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_parses() {
        let text = "kubernetesVersion: '1.31'\nstrict: false\nfailOn: warning\nexclude: [vendor]\nrules:\n  latest-image-tag:\n    severity: error\n    enabled: true\n";
        let config = parse("c.yaml", text.to_owned()).unwrap();
        assert_eq!(config.kubernetes_version.as_deref(), Some("1.31"));
        assert_eq!(config.strict, Some(false));
        assert_eq!(config.fail_on, Some(Severity::Warning));
        assert_eq!(
            config.rules["latest-image-tag"].severity,
            Some(Severity::Error)
        );
    }

    #[test]
    fn unknown_keys_are_errors_with_their_position() {
        let error = parse("c.yaml", "strict: true\nfailon: error\n".to_owned()).unwrap_err();
        assert_eq!((error.line, error.column), (2, 1));
        assert!(
            error.message.contains("unknown field `failon`"),
            "{}",
            error.message
        );
        let error = parse(
            "c.yaml",
            "rules:\n  latest-image-tag:\n    severty: error\n".to_owned(),
        )
        .unwrap_err();
        assert_eq!((error.line, error.column), (3, 5));
        assert!(error.message.contains("severty"), "{}", error.message);
    }

    #[test]
    fn bad_values_point_at_the_value() {
        let error = parse("c.yaml", "failOn: loud\n".to_owned()).unwrap_err();
        assert_eq!((error.line, error.column), (1, 9));
        assert!(
            error.message.contains("unknown severity"),
            "{}",
            error.message
        );
    }

    #[test]
    fn the_starter_file_is_valid() {
        parse("starter.yaml", STARTER.to_owned()).unwrap();
    }

    /// Each commented example of the starter, uncommented, is accepted: keys, rule ids and
    /// rule options.
    #[test]
    fn the_starter_file_examples_are_valid() {
        let uncommented: String = STARTER
            .lines()
            .map(|line| {
                let example = line.trim_start().strip_prefix('#').and_then(|rest| {
                    let rest = rest.strip_prefix(' ').unwrap_or(rest);
                    let item = rest.trim_start();
                    let item = item.strip_prefix("- ").unwrap_or(item);
                    let (key, _) = item.split_once(':')?;
                    let is_key = !key.is_empty()
                        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                    let indent = &line[..line.len() - line.trim_start().len()];
                    is_key.then(|| format!("{indent}{rest}"))
                });
                example.unwrap_or_else(|| line.to_owned()) + "\n"
            })
            .collect();
        assert!(uncommented.contains("\n    options:\n      range: \"30000-32767\""));
        let file = parse("starter.yaml", uncommented).unwrap();
        assert_eq!(file.rules.len(), 3);
        assert_eq!(file.pod_template_paths.len(), 1);
        plimsoll_rules::RuleSet::new(&plimsoll_rules::RulesConfig {
            rules: file.rules,
            ..plimsoll_rules::RulesConfig::default()
        })
        .unwrap();
    }
}
