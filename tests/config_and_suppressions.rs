//! End-to-end: `.plimsoll.yaml`, rule selection flags, suppressions, and the small commands.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn plimsoll(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
        code: output.status.code().unwrap_or(-1),
    }
}

fn rules_of(run: &Run) -> Vec<String> {
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_owned())
        .collect()
}

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
  - name: web
    image: nginx:latest
";

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn only_enable_and_disable_choose_rules() {
    let dir = dir_with(&[("pod.yaml", POD)]);
    let only = plimsoll(
        dir.path(),
        &[
            "lint",
            "--format",
            "json",
            "--only",
            "latest-image-tag",
            "pod.yaml",
        ],
    );
    assert_eq!(rules_of(&only), vec!["latest-image-tag"]);
    let all = plimsoll(dir.path(), &["lint", "--format", "json", "pod.yaml"]);
    assert!(rules_of(&all).contains(&"latest-image-tag".to_owned()));
    let disabled = plimsoll(
        dir.path(),
        &[
            "lint",
            "--format",
            "json",
            "--disable",
            "latest-image-tag",
            "pod.yaml",
        ],
    );
    assert!(!rules_of(&disabled).contains(&"latest-image-tag".to_owned()));
    let unknown = plimsoll(dir.path(), &["lint", "--only", "latest-tag", "pod.yaml"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("latest-tag"), "{}", unknown.stderr);
}

#[test]
fn the_configuration_file_is_found_upward_and_applied() {
    let dir = dir_with(&[
        (
            ".plimsoll.yaml",
            "failOn: warning\nrules:\n  latest-image-tag:\n    severity: error\n  missing-liveness-probe:\n    enabled: false\n",
        ),
        ("pod.yaml", POD),
    ]);
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let run = plimsoll(
        &dir.path().join("sub"),
        &["lint", "--format", "json", "../pod.yaml"],
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let latest = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "latest-image-tag")
        .unwrap();
    assert_eq!(latest["severity"], "error");
    assert!(!rules_of(&run).contains(&"missing-liveness-probe".to_owned()));
    let ignored = plimsoll(
        &dir.path().join("sub"),
        &["lint", "--no-config", "--format", "json", "../pod.yaml"],
    );
    assert!(rules_of(&ignored).contains(&"missing-liveness-probe".to_owned()));
}

#[test]
fn stage_findings_take_settings_too() {
    let crd_less = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n";
    let typo = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labls: {}\n";
    let dir = dir_with(&[("widget.yaml", crd_less), ("typo.yaml", typo)]);
    let severity = |run: &Run| -> Vec<String> {
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d["rule"].as_str().unwrap(),
                    d["severity"].as_str().unwrap()
                )
            })
            .collect()
    };
    let run = plimsoll(dir.path(), &["lint", "--format", "json", "widget.yaml"]);
    assert_eq!(severity(&run), vec!["unknown-kind error"]);
    assert_eq!(run.code, 1);
    std::fs::write(
        dir.path().join(".plimsoll.yaml"),
        "rules:\n  unknown-kind:\n    severity: warning\n",
    )
    .unwrap();
    let run = plimsoll(dir.path(), &["lint", "--format", "json", "widget.yaml"]);
    assert_eq!(severity(&run), vec!["unknown-kind warning"]);
    assert_eq!(run.code, 0);
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "--format",
            "json",
            "--disable",
            "unknown-kind",
            "widget.yaml",
        ],
    );
    assert!(severity(&run).is_empty());
    let strict = plimsoll(dir.path(), &["lint", "--format", "json", "typo.yaml"]);
    assert_eq!(severity(&strict), vec!["schema-unknown-field error"]);
    let lax = plimsoll(
        dir.path(),
        &["lint", "--format", "json", "--strict=false", "typo.yaml"],
    );
    assert_eq!(severity(&lax), vec!["schema-unknown-field warning"]);
}

#[test]
fn a_bad_configuration_is_an_error_with_its_position() {
    let dir = dir_with(&[
        (
            ".plimsoll.yaml",
            "rules:\n  latest-image-tag:\n    severity: loud\n",
        ),
        ("pod.yaml", POD),
    ]);
    let run = plimsoll(dir.path(), &["lint", "pod.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains(".plimsoll.yaml:3:15"), "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown severity `loud`"),
        "{}",
        run.stderr
    );
}

#[test]
fn annotations_and_comments_suppress_findings() {
    let annotated = POD.replace(
        "  namespace: shop\n",
        "  namespace: shop\n  annotations:\n    plimsoll.dev/ignore: \"latest-image-tag -- pinned by the release job\"\n",
    );
    let commented = POD.replace(
        "    image: nginx:latest\n",
        "    image: nginx:latest # plimsoll-ignore latest-image-tag\n",
    );
    let own_line = POD.replace(
        "  - name: web\n",
        "  # plimsoll-ignore latest-image-tag -- whole container\n  - name: web\n",
    );
    let kube_linter = POD.replace(
        "  namespace: shop\n",
        "  namespace: shop\n  annotations:\n    ignore-check.kube-linter.io/latest-tag: \"reason\"\n",
    );
    for (name, text) in [
        ("annotated.yaml", annotated),
        ("commented.yaml", commented),
        ("own-line.yaml", own_line),
        ("kube-linter.yaml", kube_linter),
    ] {
        let dir = dir_with(&[(name, &text)]);
        let run = plimsoll(
            dir.path(),
            &[
                "lint",
                "--format",
                "json",
                "--only",
                "latest-image-tag",
                name,
            ],
        );
        assert_eq!(rules_of(&run), Vec::<String>::new(), "{name}");
    }
}

#[test]
fn stale_suppressions_are_reported() {
    let unused = POD.replace(
        "    image: nginx:latest\n",
        "    image: nginx:1.27 # plimsoll-ignore latest-image-tag\n",
    );
    let expired = POD.replace(
        "    image: nginx:latest\n",
        "    image: nginx:latest # plimsoll-ignore latest-image-tag until=2020-01-01\n",
    );
    let dir = dir_with(&[("unused.yaml", &unused), ("expired.yaml", &expired)]);
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "--format",
            "json",
            "--only",
            "latest-image-tag",
            "unused.yaml",
        ],
    );
    assert_eq!(rules_of(&run), vec!["unused-suppression"]);
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "--format",
            "json",
            "--only",
            "latest-image-tag",
            "expired.yaml",
        ],
    );
    let mut rules = rules_of(&run);
    rules.sort();
    assert_eq!(rules, vec!["expired-suppression", "latest-image-tag"]);
}

#[test]
fn rules_explain_and_init() {
    let dir = tempfile::tempdir().unwrap();
    let rules = plimsoll(dir.path(), &["rules"]);
    assert!(rules.stdout.lines().count() > 50, "{}", rules.stdout);
    assert!(rules.stdout.contains("latest-image-tag"));
    let explain = plimsoll(dir.path(), &["explain", "latest-image-tag"]);
    assert!(
        explain.stdout.contains("## Why is this bad?"),
        "{}",
        explain.stdout
    );
    for id in [
        "yaml-duplicate-key",
        "schema-unknown-field",
        "unknown-kind",
        "removed-api-version",
    ] {
        let builtin = plimsoll(dir.path(), &["explain", id]);
        assert_eq!(builtin.code, 0, "{id}");
        assert!(
            builtin.stdout.starts_with(&format!("# {id}\n")),
            "{}",
            builtin.stdout
        );
    }
    let missing = plimsoll(dir.path(), &["explain", "no-such-rule"]);
    assert_eq!(missing.code, 2);
    let init = plimsoll(dir.path(), &["init"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(dir.path().join(".plimsoll.yaml").exists());
    assert_eq!(plimsoll(dir.path(), &["init"]).code, 2);
    std::fs::write(dir.path().join("pod.yaml"), POD).unwrap();
    // The starter file is a valid configuration.
    assert_eq!(plimsoll(dir.path(), &["lint", "pod.yaml"]).code, 0);
}

#[test]
fn the_committed_config_schema_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf();
    let run = plimsoll(&root, &["config-schema"]);
    let path = root.join("docs/config.schema.json");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &run.stdout).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        committed, run.stdout,
        "docs/config.schema.json is stale: run UPDATE_DOCS=1 cargo test"
    );
}
