//! End-to-end behaviour of the peer rules that read several objects or hide values: a binding
//! finds its role in another file of a walked folder (roles are kept whole for the rules
//! across objects), with the role's rule as a related location; values that are credentials
//! by their shape never appear in any output format.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

fn plimsoll(dir: &Path, args: &[&str]) -> (String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        output.status.code().unwrap_or(-1),
    )
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The findings of `rule` alone when linting `paths` in `dir` (JSON report), and the report.
fn findings_of(dir: &Path, rule: &str, paths: &[&str]) -> (Vec<serde_json::Value>, String) {
    let mut args = vec!["lint"];
    args.extend_from_slice(paths);
    args.extend_from_slice(&["--no-config", "--only", rule, "--format", "json"]);
    let (out, _) = plimsoll(dir, &args);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == rule)
        .cloned()
        .collect();
    (found, out)
}

const ROLE: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: debugger
  namespace: shop
rules:
  - apiGroups: [\"\"]
    resources: [\"pods\", \"pods/exec\"]
    verbs: [\"get\", \"create\"]
";

const BINDING: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: debugger
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: debugger
subjects:
  - kind: User
    name: alice
    apiGroup: rbac.authorization.k8s.io
";

#[test]
fn a_binding_finds_its_role_in_another_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "rbac/role.yaml", ROLE);
    write(dir.path(), "rbac/binding.yaml", BINDING);
    let (found, out) = findings_of(dir.path(), "binding-grants-pod-exec", &["."]);
    assert_eq!(found.len(), 1, "{out}");
    assert_eq!(found[0]["file"], "rbac/binding.yaml", "{out}");
    assert!(
        out.contains("rbac/role.yaml"),
        "the role's rule is a related location: {out}"
    );
}

/// An OpenShift Route is read whole by the rules across objects (its kind is not slimmed):
/// it finds its Service in another file, and a port the Service does not have is reported.
#[test]
fn a_route_is_checked_against_its_service_in_another_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/service.yaml",
        "apiVersion: v1
kind: Service
metadata:
  name: console
spec:
  selector: {app: console}
  ports:
    - name: https
      port: 443
      targetPort: 8443
",
    );
    write(
        dir.path(),
        "app/route.yaml",
        "apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: console
spec:
  to: {kind: Service, name: console}
  port: {targetPort: https}
---
apiVersion: route.openshift.io/v1
kind: Route
metadata:
  name: console-metrics
spec:
  to: {kind: Service, name: console}
  port: {targetPort: metrics}
",
    );
    let (found, out) = findings_of(dir.path(), "ingress-backend-not-found", &["."]);
    assert_eq!(found.len(), 1, "{out}");
    assert_eq!(found[0]["file"], "app/route.yaml", "{out}");
    assert_eq!(found[0]["object"]["name"], "console-metrics", "{out}");
    assert_eq!(found[0]["pointer"], "/spec/port/targetPort", "{out}");
}

/// A pod whose containers declare no port is asked for a readiness probe when a Service in
/// another file of the run selects it: the rule waits for every file.
#[test]
fn a_service_in_another_file_asks_a_portless_pod_for_readiness() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/worker.yaml",
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  selector:
    matchLabels: {app: worker}
  template:
    metadata:
      labels: {app: worker}
    spec:
      containers:
        - name: worker
          image: example.com/worker:2.4
",
    );
    write(
        dir.path(),
        "app/service.yaml",
        "apiVersion: v1
kind: Service
metadata:
  name: worker
spec:
  selector: {app: worker}
  ports:
    - port: 80
      targetPort: 9000
",
    );
    let found = |paths: &[&str]| {
        let (found, _) = findings_of(dir.path(), "missing-readiness-probe", paths);
        found
            .iter()
            .map(|d| d["file"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(found(&["."]), ["app/worker.yaml"]);
    // Named alone, without its folder as context, the pod has no Service and no port.
    assert!(found(&["app/worker.yaml", "--no-context"]).is_empty());
}

#[test]
fn credentials_by_shape_are_masked_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.yaml",
        "apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: example.com/api:1.0
      env:
        - name: SIGNING
          value: |
            -----BEGIN EC PRIVATE KEY-----
            MHcCAQEEIBpQ0cWm7UniqueKeyMaterial0123456789
            -----END EC PRIVATE KEY-----
        - name: UPLOADS
          value: AKIAIOSFODNN7EXAMPLE
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: api
data:
  DB_PASSWORD: correct-horse-battery
",
    );
    for format in [
        "human", "compact", "json", "sarif", "github", "junit", "html", "tap",
    ] {
        let (out, _) = plimsoll(
            dir.path(),
            &[
                "lint",
                "app.yaml",
                "--no-config",
                "--enable",
                "secret-in-config-map",
                "--format",
                format,
            ],
        );
        for secret in [
            "UniqueKeyMaterial",
            "AKIAIOSFODNN7EXAMPLE",
            "correct-horse-battery",
        ] {
            assert!(!out.contains(secret), "{format} shows {secret}:\n{out}");
        }
        assert!(out.contains("SIGNING"), "{format}: {out}");
    }
}
