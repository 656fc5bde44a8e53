//! End-to-end: `plimsoll lint --fix`, `--unsafe-fixes` and `--diff` on files in a temp folder.
//! Fixes keep comments and indentation, remove their findings, and never touch a file that a
//! Kustomize build reads or standard input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ci_support;

use std::path::Path;

use ci_support::{Run, plimsoll};

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web # the front end
spec:
  containers:
    - name: web
      image: 'nginx:1.27'
      imagePullPolcy: Always   # keep me
      securityContext:
        readOnlyRootFilesystem: true
";

fn write(root: &Path, name: &str, text: &str) {
    let path = root.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn read(root: &Path, name: &str) -> String {
    std::fs::read_to_string(root.join(name)).unwrap()
}

fn lint(dir: &Path, args: &[&str]) -> Run {
    plimsoll(dir, &[&["lint", "--no-config"], args].concat())
}

#[test]
fn fix_applies_the_safe_fixes_and_keeps_the_rest_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", POD);
    let before = lint(dir.path(), &["pod.yaml"]);
    assert!(
        before.stdout.contains("schema-unknown-field"),
        "{}",
        before.stdout
    );
    assert!(before.stdout.contains("privilege-escalation-allowed"));

    let run = lint(dir.path(), &["--fix", "pod.yaml"]);
    assert!(run.stderr.contains("2 fixes applied"), "{}", run.stderr);
    let text = read(dir.path(), "pod.yaml");
    assert_eq!(
        text,
        POD.replace("imagePullPolcy", "imagePullPolicy").replace(
            "        readOnlyRootFilesystem: true\n",
            "        readOnlyRootFilesystem: true\n        allowPrivilegeEscalation: false\n"
        )
    );
    // What remains is reported: the fixed findings are gone, the unsafe one is left.
    assert!(
        !run.stdout.contains("schema-unknown-field"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("privilege-escalation-allowed"));
    assert!(run.stdout.contains("run-as-root"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let again = lint(dir.path(), &["pod.yaml"]);
    assert!(!again.stdout.contains("schema-unknown-field"));
    assert!(!again.stdout.contains("privilege-escalation-allowed"));
}

#[test]
fn diff_prints_the_changes_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", POD);
    let run = lint(dir.path(), &["--diff", "pod.yaml"]);
    assert_eq!(read(dir.path(), "pod.yaml"), POD);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("--- a/pod.yaml\n+++ b/pod.yaml\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("-      imagePullPolcy: Always   # keep me\n")
    );
    assert!(
        run.stdout
            .contains("+      imagePullPolicy: Always   # keep me\n")
    );
    assert!(
        run.stdout
            .contains("+        allowPrivilegeEscalation: false\n")
    );
    assert!(!run.stdout.contains("runAsNonRoot"));
    assert!(
        run.stderr.contains("2 fixes would be applied"),
        "{}",
        run.stderr
    );

    // Nothing to fix: no diff, exit code 0.
    lint(dir.path(), &["--fix", "pod.yaml"]);
    let run = lint(dir.path(), &["--diff", "pod.yaml"]);
    assert_eq!(run.stdout, "");
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn unsafe_fixes_add_run_as_non_root() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", POD);
    let diff = lint(dir.path(), &["--diff", "--unsafe-fixes", "pod.yaml"]);
    assert!(
        diff.stdout.contains("+        runAsNonRoot: true\n"),
        "{}",
        diff.stdout
    );
    let run = lint(dir.path(), &["--fix", "--unsafe-fixes", "pod.yaml"]);
    let text = read(dir.path(), "pod.yaml");
    assert!(text.contains("        runAsNonRoot: true\n"), "{text}");
    assert!(
        text.contains("        allowPrivilegeEscalation: false\n"),
        "{text}"
    );
    assert!(
        text.contains("      imagePullPolicy: Always   # keep me\n"),
        "{text}"
    );
    assert!(text.contains("  name: web # the front end\n"), "{text}");
    assert!(!run.stdout.contains("run-as-root"), "{}", run.stdout);
    // The file still parses and validates.
    let again = lint(dir.path(), &["pod.yaml"]);
    assert!(!again.stdout.contains("schema-"), "{}", again.stdout);
}

#[test]
fn unsafe_fixes_alone_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", POD);
    let run = lint(dir.path(), &["--unsafe-fixes", "pod.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("add --fix"), "{}", run.stderr);
    assert_eq!(read(dir.path(), "pod.yaml"), POD);
}

#[test]
fn a_kustomize_base_and_standard_input_are_never_edited() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "base/pod.yaml", POD);
    write(
        dir.path(),
        "base/kustomization.yaml",
        "resources:\n  - pod.yaml\n",
    );
    write(
        dir.path(),
        "overlay/kustomization.yaml",
        "resources:\n  - ../base\nnamePrefix: prod-\n",
    );
    let run = lint(dir.path(), &["--fix", "--unsafe-fixes", "."]);
    assert_eq!(read(dir.path(), "base/pod.yaml"), POD);
    assert!(run.stderr.contains("0 fixes applied"), "{}", run.stderr);
    assert!(
        run.stderr.contains("not in a plain file of the run"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("schema-unknown-field"),
        "{}",
        run.stdout
    );
    let diff = lint(dir.path(), &["--diff", "."]);
    assert_eq!(diff.stdout, "");
    assert_eq!(diff.code, 0, "{}", diff.stderr);

    // Standard input reported under a file's name: the file is left as it is.
    write(dir.path(), "plain/pod.yaml", POD);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(dir.path())
        .args([
            "lint",
            "--no-config",
            "--fix",
            "--stdin-filename",
            "plain/pod.yaml",
            "-",
        ])
        .stdin(std::fs::File::open(dir.path().join("plain/pod.yaml")).unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("0 fixes applied"), "{stderr}");
    assert_eq!(read(dir.path(), "plain/pod.yaml"), POD);
}
