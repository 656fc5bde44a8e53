//! The policy stage: reading `--policy` folders into a `plimsoll_policy::PolicySet`, and
//! turning policy findings into diagnostics located in the manifests.
//!
//! A policy folder holds `.rego` modules (tests included, for `plimsoll policy test`), data
//! files (`.json`, `.yaml`: merged into `data` as conftest does) and Gatekeeper
//! `ConstraintTemplate`s and constraints (YAML objects). YAML here is read with the same
//! span-preserving loader, so an error in Rego embedded in a template is reported at its line
//! in the YAML file.

use std::path::{Path, PathBuf};

use plimsoll_core::yaml::{self, ParseOptions};
use plimsoll_core::{Diagnostic, Object, Severity, Source};
use plimsoll_policy::{
    PolicyError, PolicyFinding, PolicyOptions, PolicySet, PolicySetBuilder, PolicySeverity,
    SourceLocation,
};

use crate::EngineError;

/// A YAML file of a policy folder, kept to place errors of embedded Rego.
struct PolicyYaml {
    path: String,
    source: std::sync::Arc<Source>,
    stream: yaml::Stream,
}

/// The files of the policy folders, read and handed to a builder.
pub struct PolicyInputs {
    builder: PolicySetBuilder,
    yaml: Vec<PolicyYaml>,
    /// Kubernetes objects found among the policy files that are neither templates nor
    /// constraints (Namespaces, say): context for `data.inventory` and `namespaceSelector`.
    pub context: Vec<serde_json::Value>,
    /// Gatekeeper templates and constraints, for those whose only engine is CEL
    /// (`crate::vap::from_gatekeeper`).
    pub gatekeeper: Vec<serde_json::Value>,
}

/// The largest policy or data file read.
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Reads every policy input under `paths`.
pub fn read(paths: &[PathBuf], options: PolicyOptions) -> Result<PolicyInputs, EngineError> {
    // A policy folder with nothing to read is a mistake in the command (conftest refuses it
    // too): without this, every object would pass unchecked.
    let mut empty = Vec::new();
    for root in paths {
        if root.is_dir() && policy_files(root)?.is_empty() {
            empty.push(format!(
                "{}: no policy files here (.rego, or .yaml/.yml/.json for templates, admission policies and data)",
                crate::discover::display_name(root)
            ));
        }
    }
    if !empty.is_empty() {
        return Err(EngineError::Policy(empty));
    }
    read_with(paths, options, &std::collections::HashMap::new())
}

/// Reads every policy input under `paths`, with the texts of `buffers` (the editor's unsaved
/// files) in place of those files.
pub fn read_with(
    paths: &[PathBuf],
    options: PolicyOptions,
    buffers: &std::collections::HashMap<PathBuf, String>,
) -> Result<PolicyInputs, EngineError> {
    let mut builder = PolicySetBuilder::new(options);
    let mut yaml_files = Vec::new();
    let mut context = Vec::new();
    let mut gatekeeper = Vec::new();
    let mut problems = Vec::new();
    for root in paths {
        for path in policy_files(root)? {
            let name = crate::discover::display_name(&path);
            let io = |source| EngineError::Io {
                path: path.clone(),
                source,
            };
            let buffer = buffers.get(&path).map(|text| text.clone().into_bytes());
            let Some(bytes) = (match buffer {
                Some(bytes) => Some(bytes),
                None => {
                    plimsoll_core::source::read_file_limited(&path, MAX_FILE_SIZE).map_err(io)?
                }
            }) else {
                problems.push(format!(
                    "{name}: this file holds more than {MAX_FILE_SIZE} bytes, the limit for policy files; it was not read"
                ));
                continue;
            };
            let text = String::from_utf8(bytes)
                .map_err(|e| io(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
            let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if extension == "rego" {
                if let Err(e) = builder.add_module(&name, &text) {
                    problems.push(e.to_string());
                }
                continue;
            }
            let stream = yaml::parse_stream(&text, ParseOptions::default());
            let source = Source::new(name.clone(), text);
            if let Some(error) = stream.errors.first() {
                let at = source.line_col(error.span.start as usize);
                problems.push(format!(
                    "{name}:{}:{}: {}",
                    at.line, at.column, error.message
                ));
                continue;
            }
            for document in &stream.documents {
                if builder.add_object(&document.value, &name) {
                    gatekeeper.push(document.value.clone());
                    continue;
                }
                let is_object = ["apiVersion", "kind"].iter().all(|k| {
                    document
                        .value
                        .get(k)
                        .is_some_and(serde_json::Value::is_string)
                });
                if is_object {
                    context.push(document.value.clone());
                } else if let Err(e) = builder.add_data(&name, document.value.clone()) {
                    problems.push(e.to_string());
                }
            }
            yaml_files.push(PolicyYaml {
                path: name,
                source,
                stream,
            });
        }
    }
    if !problems.is_empty() {
        return Err(EngineError::Policy(problems));
    }
    Ok(PolicyInputs {
        builder,
        yaml: yaml_files,
        context,
        gatekeeper,
    })
}

impl PolicyInputs {
    /// Compiles every module; all errors at once, with file, line and column.
    pub fn build(self) -> Result<(PolicySet, Vec<serde_json::Value>), EngineError> {
        let PolicyInputs {
            builder,
            yaml,
            context,
            ..
        } = self;
        let set = builder.build().map_err(|errors| {
            EngineError::Policy(errors.iter().map(|e| describe(e, &yaml)).collect())
        })?;
        Ok((set, context))
    }

    /// Runs the `test_*` rules (`plimsoll policy test`).
    pub fn run_tests(&self) -> Result<Vec<plimsoll_policy::TestOutcome>, EngineError> {
        self.builder.run_tests().map_err(|errors| {
            EngineError::Policy(errors.iter().map(|e| describe(e, &self.yaml)).collect())
        })
    }
}

fn policy_files(root: &Path) -> Result<Vec<PathBuf>, EngineError> {
    let meta = std::fs::metadata(root).map_err(|source| EngineError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Ok(vec![root.to_path_buf()]);
    }
    let mut files = files_under(root, |path| {
        path.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "rego" | "json" | "yaml" | "yml"))
    })?;
    files.sort();
    Ok(files)
}

/// The files under `root` (hidden entries left out, `.gitignore` honoured even outside git)
/// that `wanted` keeps, in walking order: policy folders and the test layouts of
/// `plimsoll policy test` are walked alike.
pub(crate) fn files_under(
    root: &Path,
    wanted: impl Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, EngineError> {
    let mut files = Vec::new();
    for entry in ignore::WalkBuilder::new(root)
        .hidden(true)
        .require_git(false)
        .build()
    {
        let entry = entry.map_err(|e| EngineError::Walk {
            path: root.to_path_buf(),
            message: e.to_string(),
        })?;
        if entry.file_type().is_some_and(|t| t.is_file()) && wanted(entry.path()) {
            files.push(entry.path().to_path_buf());
        }
    }
    Ok(files)
}

/// An error message; Rego embedded in YAML is placed at its line and column in the file.
fn describe(error: &PolicyError, yaml: &[PolicyYaml]) -> String {
    let location = match error {
        PolicyError::Compile { location, .. }
        | PolicyError::UnsupportedFunction { location, .. } => location,
        _ => return error.to_string(),
    };
    let Some(pointer) = &location.pointer else {
        return error.to_string();
    };
    let Some((file, line, column)) = place_embedded(location, pointer, yaml) else {
        return error.to_string();
    };
    let text = error.to_string();
    // Replace the location prefix written by the policy crate with the file position.
    let prefix = location.to_string();
    let message = text
        .strip_prefix(&prefix)
        .unwrap_or(&text)
        .trim_start_matches(':')
        .trim_start();
    format!("{file}:{line}:{column}: {message} (in `{pointer}`)")
}

fn place_embedded(
    location: &SourceLocation,
    pointer: &str,
    yaml: &[PolicyYaml],
) -> Option<(String, u32, u32)> {
    let file = yaml.iter().find(|f| f.path == location.path)?;
    for document in &file.stream.documents {
        let Some(found) = file
            .stream
            .tree
            .lookup(document.root, &document.value, pointer)
        else {
            continue;
        };
        let start = found.value.start as usize;
        let text = file.source.slice(found.value);
        let block = text.starts_with('|') || text.starts_with('>');
        // In a block scalar, line 1 of the Rego is the line after the indicator.
        let first_line = file.source.line_index(start) + usize::from(block);
        let line_index = first_line + location.line.saturating_sub(1) as usize;
        let indent = if block {
            let line_text = file.source.line_text(line_index);
            line_text.len() - line_text.trim_start().len()
        } else {
            file.source.line_col(start).column as usize
        };
        let column = indent as u32 + location.column;
        return Some((file.path.clone(), line_index as u32 + 1, column));
    }
    None
}

/// A policy finding about `object`, as a diagnostic at the field it names.
pub fn diagnostic(object: &Object, finding: PolicyFinding) -> Diagnostic {
    let severity = match finding.severity {
        PolicySeverity::Error => Severity::Error,
        PolicySeverity::Warning => Severity::Warning,
        PolicySeverity::Info => Severity::Info,
    };
    let pointer = finding
        .pointer
        .unwrap_or_else(|| "/metadata/name".to_owned());
    let mut d = object.diagnostic(finding.rule, severity, &pointer, finding.message);
    if !finding.extra.is_empty() {
        d.extra = Some(Box::new(finding.extra));
    }
    d
}
