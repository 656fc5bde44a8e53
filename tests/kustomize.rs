//! End-to-end behaviour of Kustomize trees: `plimsoll kustomize build` and `plimsoll lint` on
//! kustomizations (roots, origins, the chain of kustomizations, errors at their line).

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

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn documents(text: &str) -> Vec<Value> {
    plimsoll_core::yaml::parse_stream(text, Default::default())
        .documents
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect()
}

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: app
        image: nginx:1.27
";

/// A base and two overlays; prod sets `:latest` through `images:`.
fn tree(root: &Path) {
    write(root, "base/deploy.yaml", DEPLOY);
    write(
        root,
        "base/kustomization.yaml",
        "resources:\n- deploy.yaml\n",
    );
    write(
        root,
        "overlays/prod/kustomization.yaml",
        "resources:\n- ../../base\nnamePrefix: prod-\nimages:\n- name: nginx\n  newTag: latest\n",
    );
    write(
        root,
        "overlays/staging/kustomization.yaml",
        "resources:\n- ../../base\nnamePrefix: staging-\n",
    );
}

#[test]
fn build_prints_what_kubectl_prints() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"));
    for case in [
        "generator-refs-prefix-hash",
        "components-nested-overlay",
        "yaml-quirks",
    ] {
        let run = plimsoll(
            workspace,
            &["kustomize", "build", &format!("fixtures/kustomize/{case}")],
        );
        assert_eq!(run.code, 0, "{case}: {}", run.stderr);
        let expected = std::fs::read_to_string(
            workspace.join(format!("kustomize/tests/expected/{case}.yaml")),
        )
        .unwrap();
        assert_eq!(documents(&run.stdout), documents(&expected), "{case}");
    }
    // A tree kustomize refuses: nothing on standard output, the error at its line, exit 1.
    let run = plimsoll(
        workspace,
        &[
            "kustomize",
            "build",
            "fixtures/kustomize/error-unknown-field",
        ],
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("unknown kustomization field `resource`")
            && run
                .stderr
                .contains("fixtures/kustomize/error-unknown-field/kustomization.yaml:1:1")
            && run.stderr.contains("did you mean `resources`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_overlay_finding_points_at_the_kustomization_line_that_set_the_value() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "overlays/prod",
            "--only",
            "latest-image-tag",
            "--format",
            "json",
        ],
    );
    let report = json(&run);
    let found = report["diagnostics"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{report}");
    let d = &found[0];
    assert_eq!(d["file"], "overlays/prod/kustomization.yaml");
    assert_eq!(d["start"]["line"], 6);
    assert_eq!(d["object"]["name"], "prod-web");
    let related: Vec<&str> = d["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        related,
        vec![
            "set by images in overlays/prod",
            "built by kustomize overlays/prod → base"
        ]
    );
}

#[test]
fn lint_finds_roots_builds_each_once_and_reports_a_shared_finding_once() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            ".",
            "--only",
            "missing-liveness-probe",
            "--format",
            "json",
        ],
    );
    let report = json(&run);
    let found: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "missing-liveness-probe")
        .collect();
    // Both overlays build the base Deployment: one finding, at the base line, naming both.
    assert_eq!(found.len(), 1, "{report}");
    assert_eq!(found[0]["file"], "base/deploy.yaml");
    assert_eq!(found[0]["start"]["line"], 16);
    let related: Vec<&str> = found[0]["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        related,
        vec![
            "built by kustomize overlays/prod → base",
            "built by kustomize overlays/staging → base"
        ]
    );
    // Two builds, the base not read raw.
    assert_eq!(report["summary"]["objects"], 2, "{report}");
    let infos: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "kustomize-built-through")
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        infos,
        vec![
            "overlays/prod/kustomization.yaml",
            "overlays/staging/kustomization.yaml"
        ]
    );
    // --no-kustomize reads the files one by one: the base Deployment alone.
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            ".",
            "--only",
            "missing-liveness-probe",
            "--format",
            "json",
            "--no-kustomize",
        ],
    );
    let report = json(&run);
    assert_eq!(report["summary"]["objects"], 1, "{report}");
}

#[test]
fn components_are_built_only_through_a_kustomization() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "base/deploy.yaml", DEPLOY);
    write(
        root,
        "base/kustomization.yaml",
        "resources:\n- deploy.yaml\n",
    );
    let component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n- name: nginx\n  newTag: latest\n";
    write(root, "components/latest/kustomization.yaml", component);
    write(root, "components/unused/kustomization.yaml", component);
    write(root, "components/unused/stray.yaml", DEPLOY);
    write(
        root,
        "app/kustomization.yaml",
        "resources:\n- ../base\ncomponents:\n- ../components/latest\n",
    );
    let run = plimsoll(
        root,
        &[
            "lint",
            ".",
            "--only",
            "latest-image-tag",
            "--format",
            "json",
        ],
    );
    let report = json(&run);
    let by_rule = |rule: &str| -> Vec<String> {
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == rule)
            .map(|d| d["file"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        by_rule("latest-image-tag"),
        vec!["components/latest/kustomization.yaml"]
    );
    assert_eq!(
        by_rule("kustomize-unused-component"),
        vec!["components/unused/kustomization.yaml"]
    );
    assert_eq!(report["summary"]["objects"], 1, "{report}");
}

#[test]
fn build_problems_are_diagnostics_at_their_kustomization_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app/deploy.yaml", DEPLOY);
    write(
        root,
        "app/kustomization.yaml",
        "resources:\n- deploy.yaml\n- https://github.com/example/repo//deploy?ref=v1\nhelmCharts:\n- name: redis\npatches:\n- target:\n    kind: StatefulSet\n  patch: |-\n    - op: remove\n      path: /spec/replicas\n",
    );
    let run = plimsoll(root, &["lint", "app", "--format", "json"]);
    let report = json(&run);
    let build: Vec<(String, u64, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"].as_str().unwrap().starts_with("kustomize-"))
        .map(|d| {
            (
                d["severity"].as_str().unwrap().to_owned(),
                d["start"]["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(build.len(), 3, "{build:?}");
    assert_eq!((build[0].0.as_str(), build[0].1), ("warning", 3));
    assert!(build[0].2.contains("cannot be fetched offline"));
    assert_eq!((build[1].0.as_str(), build[1].1), ("warning", 4));
    assert!(build[1].2.contains("Helm charts"));
    assert_eq!((build[2].0.as_str(), build[2].1), ("warning", 8));
    assert!(build[2].2.contains("matches no resource"));
    // The build itself went on: the Deployment was checked.
    assert_eq!(report["summary"]["objects"], 1, "{report}");

    write(
        root,
        "broken/kustomization.yaml",
        "resources:\n- missing.yaml\n- pod.yaml\nnamePrefx: a-\n",
    );
    write(
        root,
        "broken/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: true\n  containers:\n  - name: c\n    image: nginx:latest\n",
    );
    let run = plimsoll(root, &["lint", "broken", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    // The tree's files are not read raw while its build fails: the failure, and one note.
    let notes: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "info")
        .collect();
    assert_eq!(notes.len(), 1, "{report}");
    assert_eq!(notes[0]["rule"], "kustomize-not-checked");
    let errors: Vec<(u64, String, Option<String>)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] != "info")
        .map(|d| {
            (
                d["start"]["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_owned(),
                d["help"].as_str().map(str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![(
            4,
            "unknown kustomization field `namePrefx`".to_owned(),
            Some("did you mean `namePrefix`?".to_owned())
        )]
    );
}

#[test]
fn a_baseline_holds_across_overlays() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let only = ["--only", "missing-liveness-probe"];
    let run = plimsoll(
        dir.path(),
        &[
            &["baseline", "baseline.json", "overlays/prod"][..],
            &only[..],
        ]
        .concat(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The staging overlay names the Deployment differently: the finding at the base line is
    // the same finding, so the baseline covers it.
    let run = plimsoll(
        dir.path(),
        &[
            &["lint", "overlays/staging", "--baseline", "baseline.json"][..],
            &only[..],
            &["--format", "json"][..],
        ]
        .concat(),
    );
    let report = json(&run);
    let found: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "missing-liveness-probe")
        .collect();
    assert!(found.is_empty(), "{report}");
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Without the baseline the finding is there, with the object as the base file has it.
    let run = plimsoll(
        dir.path(),
        &[
            &["lint", "overlays/staging", "--format", "json"][..],
            &only[..],
        ]
        .concat(),
    );
    let report = json(&run);
    let d = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "missing-liveness-probe")
        .unwrap();
    assert_eq!(d["object"]["name"], "staging-web");
    assert_eq!(d["extra"]["kustomizeOrigin"]["name"], "web");
    assert_eq!(d["extra"]["kustomizeOrigin"]["file"], "base/deploy.yaml");
}

#[test]
fn a_comment_in_a_base_silences_the_finding_in_every_build() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    write(
        dir.path(),
        "base/deploy.yaml",
        &DEPLOY.replace(
            "      containers:\n",
            "      containers: # plimsoll-ignore missing-liveness-probe -- probed by the mesh\n",
        ),
    );
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            ".",
            "--only",
            "missing-liveness-probe",
            "--format",
            "json",
        ],
    );
    let report = json(&run);
    let rules: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .filter(|r| !r.starts_with("kustomize-"))
        .collect();
    assert!(rules.is_empty(), "{report}");
}

#[test]
fn plugin_configurations_are_read_by_the_build_not_linted_as_objects() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "app/deploy.yaml", DEPLOY);
    write(
        root,
        "app/plugins/labels.yaml",
        "apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: labels\nlabels:\n  team: blue\nfieldSpecs:\n- path: metadata/labels\n  create: true\n",
    );
    write(
        root,
        "app/plugins/kustomization.yaml",
        "resources:\n- labels.yaml\n",
    );
    write(
        root,
        "app/kustomization.yaml",
        "resources:\n- deploy.yaml\ntransformers:\n- plugins\n- |-\n  apiVersion: builtin\n  kind: ImageTagTransformer\n  metadata:\n    name: image\n  imageTag:\n    name: nginx\n    newTag: latest\n",
    );
    let run = plimsoll(root, &["kustomize", "build", "app"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let built = documents(&run.stdout);
    assert_eq!(built.len(), 1);
    assert_eq!(built[0]["metadata"]["labels"]["team"], "blue");
    let run = plimsoll(root, &["lint", ".", "--format", "json"]);
    let report = json(&run);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    // The configurations are not objects to check: no unknown kind `LabelTransformer`.
    assert!(
        !diagnostics.iter().any(|d| d["rule"] == "unknown-kind"),
        "{report}"
    );
    // The `latest` tag the inline plugin sets is reported at its line inside the block.
    let latest = diagnostics
        .iter()
        .find(|d| d["rule"] == "latest-image-tag")
        .expect("latest-image-tag");
    assert_eq!(latest["file"], "app/kustomization.yaml", "{latest}");
    assert_eq!(latest["start"]["line"], 12, "{latest}");
    assert!(
        latest["related"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("set by ImageTagTransformer"),
        "{latest}"
    );
}
