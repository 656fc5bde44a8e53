//! `--format tap`: TAP version 13 as kubeconform prints it, one test point per object.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

const MANIFESTS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        securityContext:
          privileged: true
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
";

fn tap(dir: &Path, extra: &[&str]) -> (String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(dir)
        .args([
            "lint",
            "app.yaml",
            "broken.yaml",
            "empty.yaml",
            "--no-config",
        ])
        .args(["--format", "tap"])
        .args(extra)
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        output.status.code().unwrap(),
    )
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.yaml"), MANIFESTS).unwrap();
    std::fs::write(
        dir.path().join("broken.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {a: b\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("empty.yaml"), "").unwrap();
    dir
}

#[test]
fn one_test_point_per_object_and_the_plan_last() {
    let dir = setup();
    let (out, code) = tap(dir.path(), &[]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("tap", out);
    // Every line is a version, a test point, a comment or the plan; the plan counts the points.
    let points = out
        .lines()
        .filter(|l| l.starts_with("ok ") || l.starts_with("not ok "))
        .count();
    assert!(out.starts_with("TAP version 13\n"));
    assert!(out.ends_with(&format!("1..{points}\n")), "{out}");
    assert!(
        out.lines().all(|l| l.starts_with("TAP version 13")
            || l.starts_with("ok ")
            || l.starts_with("not ok ")
            || l.starts_with("# ")
            || l.starts_with("1..")),
        "{out}"
    );
}

#[test]
fn the_threshold_decides_what_is_not_ok() {
    let dir = setup();
    // With --fail-on warning, the warnings of the Deployment join its failure.
    let (out, _) = tap(dir.path(), &["--fail-on", "warning"]);
    let line = out
        .lines()
        .find(|l| l.contains("apps/v1/Deployment/shop/web"))
        .unwrap();
    assert!(line.starts_with("not ok 1 - app.yaml"), "{line}");
    assert!(line.contains("privileged-container: "), "{line}");
    assert!(line.contains("; run-as-root: "), "{line}");
}
