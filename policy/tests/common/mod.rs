//! Helpers shared by the integration tests: fixture loading with regorus's
//! YAML reader (this crate has no YAML loader of its own).
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use plimsoll_policy::{PolicyFinding, PolicyOptions, PolicySet, PolicySetBuilder};
use serde_json::Value;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/policies")
}

/// Every document of a YAML file.
pub fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    yaml_documents(&text)
}

pub fn yaml_documents(text: &str) -> Vec<Value> {
    text.split("\n---\n")
        .filter(|d| {
            d.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .map(|d| serde_json::to_value(regorus::Value::from_yaml_str(d).unwrap()).unwrap())
        .collect()
}

/// Adds every `.rego` file under `dir` (recursively).
pub fn add_rego_dir(builder: &mut PolicySetBuilder, dir: &Path) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            add_rego_dir(builder, &path);
        } else if path.extension().is_some_and(|e| e == "rego") {
            let text = std::fs::read_to_string(&path).unwrap();
            builder
                .add_module(&path.display().to_string(), &text)
                .unwrap();
        }
    }
}

/// The conftest-style library of fixtures/policies/conftest.
pub fn library() -> PolicySet {
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    add_rego_dir(&mut builder, &fixtures().join("conftest"));
    builder.build().unwrap()
}

/// A policy set from inline modules.
pub fn build(options: PolicyOptions, modules: &[(&str, &str)]) -> PolicySet {
    let mut builder = PolicySetBuilder::new(options);
    for (path, text) in modules {
        builder.add_module(path, text).unwrap();
    }
    builder.build().unwrap()
}

/// Findings as (rule, pointer) pairs, sorted, for compact assertions.
pub fn rules_and_pointers(findings: &[PolicyFinding]) -> Vec<(String, Option<String>)> {
    let mut out: Vec<_> = findings
        .iter()
        .map(|f| (f.rule.clone(), f.pointer.clone()))
        .collect();
    out.sort();
    out
}
