//! End-to-end: `plimsoll baseline`, `lint --baseline` and `lint --changed-since`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ci_support;

use ci_support::{git, plimsoll, repository};
use serde_json::Value;

#[test]
fn baseline_round_trip() {
    let repo = repository();
    let dir = repo.path();
    let run = plimsoll(dir, &["baseline", "plimsoll-baseline.json", "deploy"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr.trim_end(),
        "plimsoll: wrote 2 entries (2 findings) to plimsoll-baseline.json"
    );
    let baseline: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plimsoll-baseline.json")).unwrap())
            .unwrap();
    assert_eq!(baseline["version"], 1);
    let entries = baseline["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["subject"], "shop/ConfigMap/settings");
    assert_eq!(entries[1]["subject"], "shop/Deployment/web");
    assert_eq!(entries[1]["pointer"], "/spec/replicas");
    assert_eq!(entries[1]["count"], 1);

    // Everything known: the gate passes, and says so.
    let args = [
        "lint",
        "deploy",
        "--baseline",
        "plimsoll-baseline.json",
        "--color",
        "never",
    ];
    let run = plimsoll(dir, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("0 errors, 0 warnings in "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("(2 baselined, 0 baseline entries gone)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stderr.trim_end(),
        "plimsoll: baseline plimsoll-baseline.json: 2 findings baselined, 0 baseline entries gone"
    );

    // Unrelated edits (lines moved) keep the baseline; a new finding fails the gate alone.
    let bad = dir.join("deploy/bad.yaml");
    let text = std::fs::read_to_string(&bad).unwrap();
    let text =
        format!("# moved down\n\n{text}").replace("  key: value\n", "  key: value\n  key: again\n");
    std::fs::write(&bad, text).unwrap();
    let run = plimsoll(dir, &[&args[..], &["--format", "json"]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        report["baseline"],
        serde_json::json!({ "baselined": 2, "gone": 0 })
    );
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0]["object"]["name"], "clean");
    assert!(
        run.stderr
            .contains("failing: 1 error at or above --fail-on error")
    );

    // Fixing a baselined finding leaves a gone entry, which is reported.
    let text = std::fs::read_to_string(&bad).unwrap();
    std::fs::write(&bad, text.replace("  replicas: 1\n", "")).unwrap();
    let run = plimsoll(dir, &args);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            "baseline plimsoll-baseline.json: 1 finding baselined, 1 baseline entry gone (fixed or changed; run `plimsoll baseline` again to drop them)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_or_broken_baseline_is_a_usage_error() {
    let repo = repository();
    let run = plimsoll(repo.path(), &["lint", "deploy", "--baseline", "nope.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("reading baseline nope.json"),
        "{}",
        run.stderr
    );
    std::fs::write(
        repo.path().join("b.json"),
        "{\"version\": 9, \"entries\": []}",
    )
    .unwrap();
    let run = plimsoll(repo.path(), &["lint", "deploy", "--baseline", "b.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("baseline version 9 is not supported"),
        "{}",
        run.stderr
    );
}

#[test]
fn changed_since_reports_only_changed_and_untracked_files() {
    let repo = repository();
    let dir = repo.path();
    // A second bad file, committed: nothing changed since HEAD.
    std::fs::write(dir.join("deploy/old.yaml"), ci_support::fixture("bad.yaml")).unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "old"]);
    let run = plimsoll(
        dir,
        &[
            "lint",
            "deploy",
            "--changed-since",
            "HEAD",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 0);
    // Every file was still read.
    assert_eq!(report["summary"]["files"], 3);

    // An edit to one file and a new untracked file: only their findings are reported.
    let old = dir.join("deploy/old.yaml");
    let text = std::fs::read_to_string(&old).unwrap();
    std::fs::write(&old, format!("# edited\n{text}")).unwrap();
    std::fs::write(dir.join("deploy/new.yaml"), ci_support::fixture("bad.yaml")).unwrap();
    let run = plimsoll(
        &dir.join("deploy"),
        &["lint", ".", "--changed-since", "HEAD", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let mut files: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    files.dedup();
    assert_eq!(files, ["new.yaml", "old.yaml"]);

    let run = plimsoll(dir, &["lint", "deploy", "--changed-since", "no-such-rev"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown revision `no-such-rev`"),
        "{}",
        run.stderr
    );
}

#[test]
fn changed_since_outside_a_repository_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), ci_support::fixture("good.yaml")).unwrap();
    let run = plimsoll(dir.path(), &["lint", ".", "--changed-since", "HEAD"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("--changed-since needs a git repository"),
        "{}",
        run.stderr
    );
}
