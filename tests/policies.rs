//! End-to-end: Rego policies in `plimsoll lint`, and `plimsoll policy test`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn plimsoll(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code().unwrap_or(-1),
    )
}

fn findings(json: &str) -> Vec<(String, String, String)> {
    let report: Value = serde_json::from_str(json).unwrap();
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_owned(),
                d["object"]["name"].as_str().unwrap_or("").to_owned(),
                d["pointer"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

const CHECKS: [&str; 4] = [
    "privileged-container",
    "latest-image-tag",
    "missing-memory-limit",
    "nodeport-out-of-range",
];

fn lint_with_library(manifests: &str) -> Vec<(String, String, String)> {
    let mut args = vec![
        "lint",
        "--no-config",
        "--format",
        "json",
        "--policy",
        "fixtures/policies/conftest",
    ];
    for check in CHECKS {
        args.extend(["--only", check]);
    }
    args.push(manifests);
    let (stdout, stderr, _) = plimsoll(&workspace(), &args);
    assert!(
        stderr.is_empty() || stderr.starts_with("plimsoll: failing"),
        "{stderr}"
    );
    findings(&stdout)
}

#[test]
fn the_rego_library_and_the_built_in_rules_agree() {
    let all = lint_with_library("fixtures/policies/manifests/violations.yaml");
    for check in CHECKS {
        let builtin: Vec<_> = all.iter().filter(|f| f.0 == check).collect();
        let rego: Vec<_> = all
            .iter()
            .filter(|f| f.0 == format!("rego-{check}"))
            .collect();
        assert!(!builtin.is_empty(), "{check} found nothing: {all:?}");
        assert_eq!(builtin.len(), rego.len(), "{check}: {all:?}");
        for (b, r) in builtin.iter().zip(&rego) {
            assert_eq!(b.1, r.1, "{check}: not the same object");
            // The policy may point at the container, the rule at the field inside it.
            assert!(
                b.2.starts_with(&r.2),
                "{check}: {} is not within {}",
                b.2,
                r.2
            );
        }
    }
    assert!(lint_with_library("fixtures/policies/manifests/clean.yaml").is_empty());
}

#[test]
fn gatekeeper_constraints_report_with_their_enforcement_action() {
    let (stdout, _, code) = plimsoll(
        &workspace(),
        &[
            "lint",
            "--no-config",
            "--format",
            "json",
            "--only",
            "duplicate-object",
            "--policy",
            "fixtures/policies/gatekeeper",
            "fixtures/policies/manifests/violations.yaml",
        ],
    );
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let rules: Vec<(&str, &str)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["rule"].as_str().unwrap(), d["severity"].as_str().unwrap()))
        .collect();
    assert!(
        rules.contains(&("K8sRequiredLabels/must-have-owner", "error")),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("K8sAllowedRepos/shop-images", "warning")),
        "{rules:?}"
    );
}

#[test]
fn policy_test_runs_every_test_rule() {
    let (stdout, _, code) = plimsoll(
        &workspace(),
        &["policy", "test", "fixtures/policies/conftest"],
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("PASS main.test_privileged_container_is_denied"),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with(" passed, 0 failed"), "{stdout}");
}

#[test]
fn a_failing_policy_test_fails_the_run_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.rego"),
        "package main\n\ndeny contains \"no\" if input.kind == \"Pod\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p_test.rego"),
        "package main\n\ntest_pods_pass if {\n  count(deny) == 0 with input as {\"kind\": \"Pod\"}\n}\n",
    )
    .unwrap();
    let (stdout, _, code) = plimsoll(dir.path(), &["policy", "test", "."]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("FAIL main.test_pods_pass (p_test.rego:3:1)"),
        "{stdout}"
    );
    assert!(stdout.contains("0 passed, 1 failed"), "{stdout}");
}

#[test]
fn a_policy_that_does_not_compile_stops_the_run_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.rego"),
        "package main\n\ndeny contains msg if {\n  msg := \n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    )
    .unwrap();
    let (_, stderr, code) = plimsoll(dir.path(), &["lint", "--policy", "bad.rego", "a.yaml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("bad.rego:"), "{stderr}");
}

#[test]
fn gatekeeper_suites_run_as_gator_verify_runs_them() {
    let (stdout, _, code) = plimsoll(&workspace(), &["policy", "test", "fixtures/policies/gator"]);
    assert_eq!(code, 0, "{stdout}");
    for case in [
        "owner-label/labelled",
        "owner-label/unlabelled",
        "owner-label/admission-review",
        "parameters-of-the-wrong-type (invalid constraint)",
    ] {
        assert!(
            stdout.contains(&format!(
                "PASS fixtures/policies/gator/required-labels/suite.yaml: {case}"
            )),
            "{case}: {stdout}"
        );
    }
    assert!(
        stdout.trim_end().ends_with("4 passed, 0 failed"),
        "{stdout}"
    );
}

#[test]
fn a_failing_gatekeeper_case_says_what_was_found() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = workspace().join("fixtures/policies/gator/required-labels");
    for file in [
        "template.yaml",
        "samples/constraint.yaml",
        "samples/disallowed.yaml",
    ] {
        let name = Path::new(file).file_name().unwrap();
        std::fs::copy(fixtures.join(file), dir.path().join(name)).unwrap();
    }
    std::fs::write(
        dir.path().join("suite.yaml"),
        "apiVersion: test.gatekeeper.sh/v1alpha1\nkind: Suite\ntests:\n- name: t\n  template: template.yaml\n  constraint: constraint.yaml\n  cases:\n  - name: expects-none\n    object: disallowed.yaml\n    assertions:\n    - violations: no\n",
    )
    .unwrap();
    let (stdout, _, code) = plimsoll(dir.path(), &["policy", "test", "."]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("FAIL ./suite.yaml: t/expects-none: got 1 violations but want none"),
        "{stdout}"
    );
    assert!(stdout.contains("0 passed, 1 failed"), "{stdout}");
}

#[test]
fn a_policy_folder_with_nothing_to_read_fails_as_conftest_fails() {
    // conftest's acceptance tests: `-p internal/` (a folder without policies) fails, both
    // for `test` and for `verify`; without policies every object would pass unchecked.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    std::fs::write(dir.path().join("empty/README.txt"), "no policies here\n").unwrap();
    std::fs::write(
        dir.path().join("a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    )
    .unwrap();
    let (_, stderr, code) = plimsoll(dir.path(), &["lint", "--policy", "empty", "a.yaml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("empty: no policy files here"), "{stderr}");
    let (stdout, stderr, code) = plimsoll(dir.path(), &["policy", "test", "empty"]);
    assert_eq!(code, 2, "{stdout}{stderr}");
    assert!(stderr.contains("empty: no policy files here"), "{stderr}");
    // Policies without a single test: nothing was tested, which fails as `opa test` fails.
    std::fs::write(
        dir.path().join("empty/p.rego"),
        "package main

deny contains \"x\" if false
",
    )
    .unwrap();
    let (stdout, stderr, code) = plimsoll(dir.path(), &["policy", "test", "empty"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("no test_* rules"), "{stderr}");
}
