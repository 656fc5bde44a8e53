//! What the API server rejects, plimsoll rejects: enums of built-in fields, the API server's
//! own checks, damaged objects, and the flags kubeconform users reach for. Each case is a
//! folder under `fixtures/fidelity/`, walked, so that the snapshot shows exactly its files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Runs `plimsoll lint` with the loader and schema stages only (no built-in rule fires on
/// these fixtures but `duplicate-object`): stdout, stderr and the exit code.
fn lint(args: &[&str]) -> (String, String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(workspace())
        .arg("lint")
        .args([
            "--no-config",
            "--only",
            "duplicate-object",
            "--color",
            "never",
        ])
        .args(["--kubernetes-version", "1.37"])
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code().unwrap_or(-1),
    )
}

fn snapshot(case: &str) -> String {
    let (out, _, code) = lint(&["--quiet", &format!("fixtures/fidelity/{case}")]);
    format!("exit: {code}\n{out}")
}

fn ids(case: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["--format", "json"];
    args.extend(extra);
    let path = format!("fixtures/fidelity/{case}");
    args.push(&path);
    let (out, _, _) = lint(&args);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn enums_of_built_in_fields() {
    insta::assert_snapshot!("fidelity-enums", snapshot("enums"));
    let rules = ids("enums", &[]);
    assert_eq!(rules.len(), 7, "{rules:?}");
    assert!(rules.iter().all(|r| r == "schema-invalid"), "{rules:?}");
    assert_eq!(snapshot("enums-valid"), "exit: 0\n");
}

#[test]
fn the_api_servers_own_checks() {
    insta::assert_snapshot!("fidelity-api-server-checks", snapshot("api-server-checks"));
    assert_eq!(snapshot("api-server-checks-valid"), "exit: 0\n");
}

#[test]
fn broken_objects_are_errors_even_when_walked() {
    insta::assert_snapshot!("fidelity-broken-objects", snapshot("broken-objects"));
    let rules = ids("broken-objects", &[]);
    assert_eq!(
        rules,
        [
            "missing-kind",
            "missing-api-version",
            "missing-api-version",
            "missing-kind"
        ]
    );
}

#[test]
fn files_known_not_to_be_objects_stay_silent() {
    assert_eq!(ids("not-objects", &[]), Vec::<String>::new());
    let (_, _, code) = lint(&["fixtures/fidelity/not-objects"]);
    assert_eq!(code, 0);
}

#[test]
fn the_api_server_checks_are_explained_and_configurable() {
    let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(["explain", "schema-probe-handler"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("exactly one of"), "{text}");
    // Lowered by a `rules:` entry like any stage id.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("plimsoll.yaml");
    std::fs::write(
        &config,
        "rules:\n  schema-invalid-value: {severity: warning}\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(workspace())
        .args(["lint", "--format", "json", "--only", "duplicate-object"])
        .arg("--config")
        .arg(&config)
        .arg("fixtures/fidelity/api-server-checks")
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let severities: Vec<(&str, &str)> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["rule"].as_str().unwrap(), d["severity"].as_str().unwrap()))
        .filter(|(rule, _)| *rule == "schema-invalid-value")
        .collect();
    assert_eq!(severities.len(), 3, "{severities:?}");
    assert!(severities.iter().all(|(_, s)| *s == "warning"));
}

#[test]
fn skip_and_reject_kinds() {
    let all = ids("api-server-checks", &[]);
    assert!(all.iter().any(|r| r == "schema-restart-policy"));
    // Skipped kinds leave the run: the Job and the HorizontalPodAutoscaler findings go.
    let skipped = ids(
        "api-server-checks",
        &["--skip", "Job,autoscaling/v2/HorizontalPodAutoscaler"],
    );
    assert!(
        skipped.iter().any(|r| r == "schema-restart-policy"),
        "{skipped:?}"
    );
    assert_eq!(all.len() - skipped.len(), 3, "{all:?}\n{skipped:?}");
    let rejected = ids("api-server-checks-valid", &["--reject", "Service"]);
    assert_eq!(rejected, ["rejected-kind"]);
    let (_, err, code) = lint(&[
        "--reject",
        "Service",
        "--summary",
        "fixtures/fidelity/api-server-checks-valid",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("Summary: 4 resources found in 1 file - Valid: 3, Invalid: 0, Errors: 1"),
        "{err}"
    );
}

#[test]
fn the_summary_sorts_resources_as_kubeconform_does() {
    let (_, err, code) = lint(&["--quiet", "--summary", "fixtures/fidelity/summary"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("Summary: 4 resources found in 1 file - Valid: 1, Invalid: 1, Errors: 2"),
        "{err}"
    );
    // `--disable all` leaves the loader and the schema checks: kubeconform's verdict.
    let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(workspace())
        .args([
            "lint",
            "--no-config",
            "--disable",
            "all",
            "--format",
            "json",
        ])
        .args(["--summary", "fixtures/fidelity/summary"])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut rules: Vec<&str> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    rules.sort_unstable();
    assert_eq!(rules, ["missing-kind", "schema-invalid", "unknown-kind"]);
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(
        err.contains("Summary: 4 resources found in 1 file - Valid: 1, Invalid: 1, Errors: 2"),
        "{err}"
    );
    // Standard input is `parsing stdin`; one resource is `resource`.
    let mut child = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(workspace())
        .args(["lint", "--no-config", "--quiet", "--summary", "-"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(
        err.contains("Summary: 1 resource found parsing stdin - Valid: 1, Invalid: 0, Errors: 0"),
        "{err}"
    );
}

#[test]
fn gateway_references_are_judged_across_files() {
    let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(workspace())
        .args([
            "lint",
            "--no-config",
            "--only",
            "gateway-reference-not-granted",
        ])
        .args(["--format", "json", "fixtures/fidelity/gateway-grants"])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let found: Vec<String> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "gateway-reference-not-granted")
        .map(|d| d["object"]["name"].as_str().unwrap().to_owned())
        .collect();
    // The grant in the other file allows `cart`, not `payments`.
    assert_eq!(found, ["payments"]);
}

#[test]
fn ignore_filename_pattern_and_strict_before_a_path() {
    let (_, err, code) = lint(&[
        "--ignore-filename-pattern",
        "pod-and-service",
        "--summary",
        "fixtures/fidelity/enums",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("Summary: 0 resource found in 0 file - Valid: 0"),
        "{err}"
    );
    // `--strict` takes no value unless written `--strict=false`: the path stays a path.
    let (out, err, code) = lint(&["--strict", "--quiet", "fixtures/fidelity/enums-valid"]);
    assert_eq!((out.as_str(), code), ("", 0), "{err}");
    let (_, err, code) = lint(&["--ignore-filename-pattern", "(", "fixtures/fidelity/enums"]);
    assert_eq!(code, 2);
    assert!(err.contains("--ignore-filename-pattern"), "{err}");
}

#[test]
fn a_schema_location_that_names_one_file() {
    let (out, _, code) = lint(&[
        "--quiet",
        "--schema-location",
        "fixtures/fidelity/schema-file/schema.json",
        "fixtures/fidelity/schema-file",
    ]);
    assert_eq!(code, 1);
    // The Widget breaks `minimum`; the Gadget, of another kind, is checked by the same file.
    assert_eq!(out.matches("schema-invalid").count(), 1, "{out}");
    assert!(out.contains("spec.size"), "{out}");
    assert!(!out.contains("unknown-kind"), "{out}");
}
