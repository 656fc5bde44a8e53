//! `--combine`, as conftest gives it: `input` is one array of `{path, contents}`, an entry per
//! document of every file, ordered by path; a result is reported at the entry its location
//! names, or with the first entry when it names none.

#![allow(clippy::unwrap_used)]

use std::process::Command;

const POLICY: &str = r#"package main

import rego.v1

deny contains {"msg": msg, "path": sprintf("[%d].contents.spec.selector.matchLabels.app", [i])} if {
  some i, entry in input
  entry.contents.kind == "Deployment"
  app := entry.contents.spec.selector.matchLabels.app
  not selected(app)
  msg := sprintf("Deployment %s in %s: no Service selects app %s", [entry.contents.metadata.name, entry.path, app])
}

selected(app) if {
  some entry in input
  entry.contents.kind == "Service"
  entry.contents.spec.selector.app == app
}

warn contains sprintf("%d entries: %s", [count(input), concat(", ", [e.path | some e in input])]) if true
"#;

const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: hello\nspec:\n  selector:\n    app: goodbye\n  ports:\n  - port: 80\n";
const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hello\nspec:\n  selector:\n    matchLabels:\n      app: hello\n  template:\n    metadata:\n      labels:\n        app: hello\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.27\n";

#[test]
fn combined_results_are_reported_at_the_document_they_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policy")).unwrap();
    std::fs::write(dir.path().join("policy/combine.rego"), POLICY).unwrap();
    // Two documents in one file and one in another: three entries.
    std::fs::write(
        dir.path().join("b-all.yaml"),
        format!("{SERVICE}---\n{DEPLOYMENT}"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a-extra.yaml"),
        SERVICE.replace("name: hello", "name: extra"),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(dir.path())
        .args([
            "lint",
            "b-all.yaml",
            "a-extra.yaml",
            "--no-config",
            "--policy",
            "policy",
        ])
        .args(["--combine", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"].as_str().unwrap().starts_with("main."))
        .collect();
    assert_eq!(findings.len(), 2, "{report:#}");
    let deny = findings.iter().find(|d| d["rule"] == "main.deny").unwrap();
    assert_eq!(
        deny["message"],
        "Deployment hello in b-all.yaml: no Service selects app hello"
    );
    // At the field it names, in the document it came from.
    assert_eq!(deny["file"], "b-all.yaml");
    assert_eq!(deny["start"]["line"], 18);
    // Entries by path, as conftest orders them; a result naming none goes to the first.
    let warn = findings.iter().find(|d| d["rule"] == "main.warn").unwrap();
    assert_eq!(
        warn["message"],
        "3 entries: a-extra.yaml, b-all.yaml, b-all.yaml"
    );
    assert_eq!(warn["file"], "a-extra.yaml");
}
