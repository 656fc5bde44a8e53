//! Tests of admission policies for `plimsoll policy test`, in the Kyverno CLI's layout: a
//! file named `kyverno-test.yaml` (found under the folders given) lists `policies` and
//! `resources` (paths relative to it) and the expected `results`:
//!
//! ```yaml
//! apiVersion: cli.kyverno.io/v1alpha1
//! kind: Test
//! metadata: {name: replica-limits}
//! policies: [policy.yaml]          # ValidatingAdmissionPolicies and their bindings
//! resources: [resources.yaml]
//! results:
//!   - policy: replica-limits       # the policy's name
//!     isValidatingAdmissionPolicy: true
//!     kind: Deployment
//!     resources: [too-many]        # object names (`namespace/name` also accepted)
//!     result: fail                 # fail: a validation rejects it; pass or skip: none does
//! ```
//!
//! The policies and resources are linted together (schemas and built-in rules off); a
//! resource fails when an `admission-policy` finding of that policy is reported on it,
//! whatever the binding's action.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::{Config, EngineError, Input};

/// The outcome of one expected result for one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VapTestOutcome {
    /// `<test file>: <policy> <Kind>/<name>`.
    pub name: String,
    pub expected: String,
    pub actual: String,
}

impl VapTestOutcome {
    pub fn passed(&self) -> bool {
        self.expected == self.actual || (self.expected == "skip" && self.actual == "pass")
    }
}

fn test_files(root: &Path, out: &mut Vec<PathBuf>) -> Result<(), EngineError> {
    if root.is_file() {
        if root.file_name().is_some_and(|n| n == "kyverno-test.yaml") {
            out.push(root.to_path_buf());
        }
        return Ok(());
    }
    out.extend(crate::policies::files_under(root, |path| {
        path.file_name().is_some_and(|n| n == "kyverno-test.yaml")
    })?);
    Ok(())
}

fn strings(value: Option<&Json>) -> Vec<String> {
    match value {
        Some(Json::Array(items)) => items
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Json::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Runs every `kyverno-test.yaml` under `paths`.
pub fn run_tests(paths: &[PathBuf]) -> Result<Vec<VapTestOutcome>, EngineError> {
    let mut files = Vec::new();
    for path in paths {
        test_files(path, &mut files)?;
    }
    files.sort();
    let mut outcomes = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| EngineError::Io {
            path: file.clone(),
            source,
        })?;
        let stream = plimsoll_core::yaml::parse_stream(&text, Default::default());
        let Some(test) = stream.documents.first().map(|d| &d.value) else {
            continue;
        };
        let dir = file.parent().unwrap_or(Path::new("."));
        let inputs: Vec<Input> = strings(test.get("policies"))
            .into_iter()
            .chain(strings(test.get("resources")))
            .map(|p| Input::Path(dir.join(p)))
            .collect();
        let mut config = Config {
            skip_schemas: true,
            ..Config::default()
        };
        config.rules.only = vec!["duplicate-object".into()];
        let report = crate::lint(&inputs, config)?;
        let denied: Vec<(String, String, String, String)> = report
            .diagnostics
            .iter()
            .filter(|d| d.rule == crate::vap::RULE)
            .filter_map(|d| {
                let object = d.object.as_ref()?;
                let policy = d.extra.as_ref()?.get("policy")?.as_str()?.to_owned();
                Some((
                    policy,
                    object.kind.clone(),
                    object.namespace.clone().unwrap_or_default(),
                    object.name.clone().unwrap_or_default(),
                ))
            })
            .collect();
        let label = crate::discover::display_name(&file);
        for result in test
            .get("results")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let policy = result
                .get("policy")
                .and_then(Json::as_str)
                .unwrap_or_default();
            let kind = result
                .get("kind")
                .and_then(Json::as_str)
                .unwrap_or_default();
            let expected = result
                .get("result")
                .and_then(Json::as_str)
                .unwrap_or("pass")
                .to_owned();
            let mut resources = strings(result.get("resources"));
            resources.extend(strings(result.get("resource")));
            for resource in resources {
                let (namespace, name) = match resource.split_once('/') {
                    Some((ns, n)) => (Some(ns), n),
                    None => (None, resource.as_str()),
                };
                let failed = denied.iter().any(|(p, k, ns, n)| {
                    p == policy
                        && (kind.is_empty() || k == kind)
                        && n == name
                        && namespace.is_none_or(|wanted| wanted == ns)
                });
                outcomes.push(VapTestOutcome {
                    name: format!("{label}: {policy} {kind}/{resource}"),
                    expected: expected.clone(),
                    actual: if failed { "fail" } else { "pass" }.to_owned(),
                });
            }
        }
    }
    Ok(outcomes)
}
