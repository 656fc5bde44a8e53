//! `plimsoll lint CHART` end to end: the flags, exit codes, and the render labels and values keys
//! in the machine formats. With `PLIMSOLL_HELM` unset, the runs must say that helm is missing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ci_support;

use ci_support::{plimsoll, workspace};

fn helm() -> String {
    std::env::var("PLIMSOLL_HELM").unwrap_or_else(|_| "/nonexistent/helm".to_owned())
}

fn has_helm() -> bool {
    std::env::var_os("PLIMSOLL_HELM").is_some()
}

#[test]
fn a_chart_in_json_and_sarif_names_its_renders_and_values_keys() {
    let dir = workspace();
    let helm = helm();
    let json = plimsoll(
        &dir,
        &[
            "lint",
            "fixtures/helm/shop",
            "--no-config",
            "--helm",
            &helm,
            "--set",
            "replicaCount=1",
            "--enable",
            "single-replica",
            "--format",
            "json",
        ],
    );
    assert_eq!(json.code, 1, "{}", json.stderr);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let diagnostics = report["diagnostics"].as_array().unwrap();
    if !has_helm() {
        assert_eq!(diagnostics.len(), 1, "{}", json.stdout);
        assert_eq!(diagnostics[0]["rule"], "helm-not-found");
        assert_eq!(diagnostics[0]["file"], "fixtures/helm/shop/Chart.yaml");
        return;
    }
    let replicas = diagnostics
        .iter()
        .find(|d| d["rule"] == "single-replica" && d["object"]["kind"] == "Deployment")
        .expect("single-replica on the Deployment");
    assert_eq!(
        replicas["file"],
        "fixtures/helm/shop/templates/deployment.yaml"
    );
    assert_eq!(replicas["start"]["line"], 8);
    let related = replicas["related"].as_array().unwrap();
    assert!(
        related
            .iter()
            .any(|r| r["message"] == "`replicaCount` set here" && r["file"] == "--set"),
        "{related:?}"
    );
    assert!(
        related
            .iter()
            .any(|r| r["message"] == "rendered by helm as shop@default"),
        "{related:?}"
    );
    let sarif = plimsoll(
        &dir,
        &[
            "lint",
            "fixtures/helm/shop",
            "--no-config",
            "--helm",
            &helm,
            "--format",
            "sarif",
        ],
    );
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let tag = results
        .iter()
        .find(|r| {
            r["ruleId"] == "latest-image-tag"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    == "fixtures/helm/shop/templates/deployment.yaml"
        })
        .expect("latest-image-tag in the template");
    let related = tag["relatedLocations"].as_array().unwrap();
    assert_eq!(
        related[0]["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/helm/shop/values.yaml"
    );
    assert_eq!(related[0]["physicalLocation"]["region"]["startLine"], 5);
}

#[test]
fn no_helm_leaves_charts_out_and_a_missing_helm_says_what_to_do() {
    let dir = workspace();
    let run = plimsoll(
        &dir,
        &["lint", "fixtures/helm/shop", "--no-config", "--no-helm"],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = plimsoll(
        &dir,
        &[
            "lint",
            "fixtures/helm/shop",
            "--no-config",
            "--helm",
            "/nonexistent/helm",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("helm-not-found"), "{}", run.stdout);
    assert!(run.stdout.contains("helm template shop"), "{}", run.stdout);
}

/// Every id of the Helm stage has a page in `plimsoll explain` and in docs/rules.
#[test]
fn every_helm_id_is_explained() {
    let dir = workspace();
    for id in [
        "helm-not-found",
        "helm-template-error",
        "helm-values-schema",
        "helm-missing-dependencies",
        "helm-render-error",
    ] {
        let run = plimsoll(&dir, &["explain", id]);
        assert_eq!(run.code, 0, "{id}: {}", run.stderr);
        assert!(
            run.stdout.starts_with(&format!("# {id}\n\n")),
            "{}",
            run.stdout
        );
        assert!(
            dir.join("docs/rules").join(format!("{id}.md")).is_file(),
            "{id}: no page"
        );
    }
    let run = plimsoll(&dir, &["explain", "helm-missing-dependencies"]);
    assert!(
        run.stdout.contains("helm dependency build"),
        "{}",
        run.stdout
    );
    let run = plimsoll(&dir, &["rules"]);
    assert!(run.stdout.contains("helm-values-schema"), "{}", run.stdout);
}

/// A chart of the test's own, in a temporary folder.
fn chart(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join("app").join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const CHART_YAML: &str = "apiVersion: v2\nname: app\nversion: 0.1.0\n";

/// The terminal shows the values lines that set a value under the template's, with the values of
/// sensitive keys masked.
#[test]
fn the_human_output_shows_the_values_snippet_with_secrets_masked() {
    let dir = chart(&[
        ("Chart.yaml", CHART_YAML),
        (
            "values.yaml",
            "db:\n  password: hunter2\n  image: postgres:latest\ntokenSidecar:\n  image: busybox:latest\n",
        ),
        (
            "templates/pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n    - name: db\n      image: {{ .Values.db.image }}\n    - name: sidecar\n      image: {{ .Values.tokenSidecar.image }}\n",
        ),
    ]);
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "app",
            "--no-config",
            "--only",
            "latest-image-tag",
            "--helm",
            &helm(),
            "--set",
            "db.password=s3cr3t",
        ],
    );
    assert_eq!(run.code, if has_helm() { 0 } else { 1 }, "{}", run.stderr);
    if !has_helm() {
        assert!(run.stdout.contains("helm-not-found"), "{}", run.stdout);
        return;
    }
    let out = &run.stdout;
    assert!(out.contains("☞ `db.image` set here"), "{out}");
    assert!(out.contains("╭─[app/values.yaml:3:3]"), "{out}");
    assert!(out.contains("│   image: postgres:latest"), "{out}");
    // The line above, in context, is a password: masked.
    assert!(out.contains("│   password: *******\n"), "{out}");
    // Everything under a key named like a token is masked too.
    assert!(out.contains("☞ `tokenSidecar.image` set here"), "{out}");
    assert!(out.contains("│   image: **************\n"), "{out}");
    assert!(!out.contains("hunter2") && !out.contains("s3cr3t"), "{out}");
}
