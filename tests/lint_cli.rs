//! End-to-end behaviour of `plimsoll lint`: exit codes, standard input, folders, ignore files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const GOOD: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\ndata:\n  a: b\n";
const BAD: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  name: worse\n";

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn plimsoll(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let output = child.wait_with_output().unwrap();
    Run {
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
        code: output.status.code().unwrap_or(-1),
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn files_in(report: &serde_json::Value) -> Vec<String> {
    let mut files: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap().to_owned())
        .collect();
    files.dedup();
    files
}

#[test]
fn exit_codes_follow_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "good.yaml", GOOD);
    write(dir.path(), "bad.yaml", BAD);
    assert_eq!(plimsoll(dir.path(), &["lint", "good.yaml"], None).code, 0);
    assert_eq!(plimsoll(dir.path(), &["lint", "bad.yaml"], None).code, 1);
    let missing = plimsoll(dir.path(), &["lint", "missing.yaml"], None);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("missing.yaml"),
        "{}",
        missing.stderr
    );
    let usage = plimsoll(dir.path(), &["lint", "--format", "nope", "good.yaml"], None);
    assert_eq!(usage.code, 2);
}

#[test]
fn warnings_fail_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ci.yaml", "stages: [build]\n");
    assert_eq!(plimsoll(dir.path(), &["lint", "ci.yaml"], None).code, 0);
    assert_eq!(
        plimsoll(
            dir.path(),
            &["lint", "--fail-on", "warning", "ci.yaml"],
            None
        )
        .code,
        1
    );
}

#[test]
fn standard_input_is_read_with_dash() {
    let dir = tempfile::tempdir().unwrap();
    let run = plimsoll(dir.path(), &["lint", "--format", "json", "-"], Some(BAD));
    assert_eq!(run.code, 1);
    let report = json(&run);
    assert_eq!(files_in(&report), vec!["<stdin>"]);
    assert_eq!(report["diagnostics"][0]["rule"], "yaml-duplicate-key");
    assert_eq!(report["diagnostics"][0]["start"]["line"], 5);
    assert_eq!(report["diagnostics"][0]["start"]["column"], 3);
}

#[test]
fn folders_are_walked_respecting_gitignore_and_hidden_entries() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "apps/a.yaml", BAD);
    write(root, "apps/nested/b.yml", BAD);
    write(
        root,
        "apps/c.json",
        r#"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "name": "d"}}"#,
    );
    write(root, "apps/notes.txt", BAD);
    write(root, "apps/generated/x.yaml", BAD);
    write(root, "apps/.hidden/y.yaml", BAD);
    write(root, ".gitignore", "generated/\n");
    write(
        root,
        "apps/values.yaml",
        "replicaCount: 1\nimage: {tag: latest}\n",
    );
    let run = plimsoll(root, &["lint", "--format", "json", "."], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(
        files_in(&report),
        vec!["apps/a.yaml", "apps/c.json", "apps/nested/b.yml"]
    );
    // values.yaml holds no object and was found by walking: it is not counted either.
    assert_eq!(report["summary"]["files"], 3);
}

#[test]
fn exclude_globs_leave_files_out() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "keep/a.yaml", BAD);
    write(dir.path(), "vendor/b.yaml", BAD);
    write(dir.path(), "keep/c.test.yaml", BAD);
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "--format",
            "json",
            "--exclude",
            "vendor",
            "--exclude",
            "*.test.yaml",
            ".",
        ],
        None,
    );
    assert_eq!(files_in(&json(&run)), vec!["keep/a.yaml"]);
}

#[test]
fn include_globs_narrow_walked_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy/a.yaml", BAD);
    write(dir.path(), "other/b.yaml", BAD);
    let run = plimsoll(
        dir.path(),
        &["lint", "--format", "json", "--include", "deploy/**", "."],
        None,
    );
    assert_eq!(files_in(&json(&run)), vec!["deploy/a.yaml"]);
}

#[test]
fn kustomize_patches_are_not_checked_as_objects_when_walking() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "overlay/kustomization.yaml",
        "resources: [../base]\npatches:\n- path: replicas.yaml\npatchesStrategicMerge:\n- ./memory.yaml\n",
    );
    let fragment =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n";
    write(root, "overlay/replicas.yaml", fragment);
    write(root, "overlay/memory.yaml", fragment);
    write(root, "overlay/extra.yaml", BAD);
    // Read file by file (the build itself is tested in tests/kustomize.rs).
    let run = plimsoll(
        root,
        &["lint", "--format", "json", "--no-kustomize", "."],
        None,
    );
    assert_eq!(files_in(&json(&run)), vec!["overlay/extra.yaml"]);
    // Named explicitly, a patch is checked like any file.
    let run = plimsoll(
        root,
        &["lint", "--format", "json", "overlay/replicas.yaml"],
        None,
    );
    assert_eq!(files_in(&json(&run)), vec!["overlay/replicas.yaml"]);
}

#[test]
fn a_broken_file_does_not_hide_the_others() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", "apiVersion: v1\nkind: [\n");
    write(dir.path(), "b.yaml", BAD);
    let run = plimsoll(dir.path(), &["lint", "--format", "json", "."], None);
    let report = json(&run);
    let rules: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, vec!["yaml-syntax", "yaml-duplicate-key"]);
}

#[test]
fn oversized_files_are_reported_not_read() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "big.yaml", GOOD);
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "--format",
            "json",
            "--max-file-size",
            "10",
            "big.yaml",
        ],
        None,
    );
    assert_eq!(run.code, 1);
    assert_eq!(json(&run)["diagnostics"][0]["rule"], "file-too-large");
}

#[test]
fn human_output_ends_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.yaml", BAD);
    let run = plimsoll(dir.path(), &["lint", "--color", "never", "bad.yaml"], None);
    let last = run.stdout.lines().last().unwrap();
    assert!(
        last.starts_with("1 file, 1 object, 1 error, 0 warnings in "),
        "{last}"
    );
    let quiet = plimsoll(
        dir.path(),
        &["lint", "--color", "never", "--quiet", "bad.yaml"],
        None,
    );
    assert!(!quiet.stdout.contains(" in ") || !quiet.stdout.contains("1 file,"));
    assert!(quiet.stdout.contains("bad.yaml:5:3"), "{}", quiet.stdout);
}

#[test]
fn output_order_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..40 {
        write(dir.path(), &format!("f{i:02}.yaml"), BAD);
    }
    let first = plimsoll(dir.path(), &["lint", "--format", "json", "."], None);
    let second = plimsoll(dir.path(), &["lint", "--format", "json", "."], None);
    let mut a = json(&first);
    let mut b = json(&second);
    a["summary"]["durationMs"] = 0.into();
    b["summary"]["durationMs"] = 0.into();
    assert_eq!(a, b);
    assert_eq!(files_in(&a).len(), 40);
    assert_eq!(files_in(&a)[0], "f00.yaml");
}
