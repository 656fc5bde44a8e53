//! CEL in the pipeline: CRD `x-kubernetes-validations` and ValidatingAdmissionPolicies.
//! One snapshot per fixture under `fixtures/cel/`: each finding with its line, column, rule,
//! severity, message and help, and the source line it points at.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use plimsoll_engine::{Config, Input};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The findings of the CEL stages (schema rules, admission policies) and of the schema stage.
fn render(paths: &[PathBuf], config: Config) -> String {
    let inputs: Vec<Input> = paths.iter().cloned().map(Input::Path).collect();
    let report = plimsoll_engine::lint(&inputs, config).unwrap();
    let mut out = String::new();
    for d in &report.diagnostics {
        let place = match &d.location {
            Some(l) => {
                let at = l.start();
                // A file read from disk has its text released; it is read again here.
                let source = l.source.reread().expect("the file is unchanged");
                let line = source.line_text(at.line as usize - 1).trim_end().to_owned();
                format!(
                    "{}:{}:{}  | {}",
                    l.source.name().rsplit('/').next().unwrap_or_default(),
                    at.line,
                    at.column,
                    line.trim()
                )
            }
            None => "-".to_owned(),
        };
        out.push_str(&format!(
            "{:?} {}: {}\n    at {place}\n",
            d.severity, d.rule, d.message
        ));
        if let Some(help) = &d.help {
            out.push_str(&format!("    help: {help}\n"));
        }
    }
    out
}

fn config() -> Config {
    Config {
        kubernetes_version: Some("1.34".into()),
        ..Config::default()
    }
}

fn only_schema_and_cel(mut config: Config) -> Config {
    config.rules.only = vec!["duplicate-object".into()];
    config
}

#[test]
fn every_cel_fixture_renders_as_snapshotted() {
    let folder = root().join("fixtures/cel");
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 3, "{names:?}");
    for name in names {
        let text = render(&[folder.join(&name)], only_schema_and_cel(config()));
        insta::assert_snapshot!(name.clone(), text);
    }
}

/// Differential check on the kube-prometheus CRDs of the corpus: the valid custom resources
/// pass, and each invalid one fails on the rule it aims at (and on nothing else).
#[test]
fn kube_prometheus_rules_pass_valid_and_catch_invalid_resources() {
    let crds = root().join("../shared/corpus/kube-prometheus/setup");
    if !crds.is_dir() {
        eprintln!("no corpus at {}: nothing to compare", crds.display());
        return;
    }
    let with_crds = || {
        let mut config = only_schema_and_cel(config());
        config.crds = vec![crds.clone()];
        config
    };
    let fixtures = root().join("fixtures/cel/kube-prometheus");
    let valid = render(&[fixtures.join("valid.yaml")], with_crds());
    assert_eq!(valid, "", "valid resources must pass");
    let invalid = render(&[fixtures.join("invalid.yaml")], with_crds());
    insta::assert_snapshot!("kube-prometheus-invalid", invalid);
    let hits = invalid.matches("schema-validation-rule").count();
    assert_eq!(hits, 7, "{invalid}");
    assert_eq!(invalid.matches("Error ").count(), 7, "{invalid}");
}

#[test]
fn admission_policies_from_policy_folders() {
    let folder = root().join("fixtures/cel/policy-folder");
    let mut config = only_schema_and_cel(config());
    config.policies = vec![folder.join("policies")];
    let text = render(&[folder.join("manifests")], config);
    insta::assert_snapshot!("policy-folder", text);
    assert!(text.starts_with("Warning admission-policy: images must not use the latest tag"));
}

#[test]
fn gatekeeper_templates_with_only_cel_run_as_admission_policies() {
    let folder = root().join("fixtures/cel/gatekeeper");
    let mut config = only_schema_and_cel(config());
    config.policies = vec![folder.join("policies")];
    let engine = plimsoll_engine::Engine::new(config).unwrap();
    assert_eq!(engine.policy_warnings(), Vec::<String>::new());
    let mut config = only_schema_and_cel(crate::config());
    config.policies = vec![folder.join("policies")];
    let text = render(&[folder.join("manifests")], config);
    insta::assert_snapshot!("gatekeeper-cel", text);
    assert_eq!(text.matches("admission-policy:").count(), 1, "{text}");
}

#[test]
fn gatekeeper_cel_templates_read_the_object_through_variables_any_object() {
    let folder = root().join("fixtures/cel/gatekeeper-any-object");
    let mut config = only_schema_and_cel(config());
    config.policies = vec![folder.join("policies")];
    let text = render(&[folder.join("manifests")], config);
    insta::assert_snapshot!("gatekeeper-any-object", text);
    assert_eq!(text.matches("admission-policy:").count(), 1, "{text}");
    assert!(
        text.contains("pod on-the-node-network shares the node network"),
        "{text}"
    );
    assert!(!text.contains("admission-policy-error"), "{text}");
}

#[test]
fn gator_suites_of_cel_only_templates_run_through_cel() {
    let outcomes =
        plimsoll_engine::gator_test::run_tests(&[root().join("fixtures/cel/gator")]).unwrap();
    let summary: Vec<(String, bool, bool)> = outcomes
        .iter()
        .map(|o| {
            let case = o.name.rsplit(": ").next().unwrap_or_default().to_owned();
            (case, o.failure.is_none(), o.skipped)
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("at-most-five/three".to_owned(), true, false),
            ("at-most-five/eight".to_owned(), true, false),
            ("at-most-five/eight-expecting-none".to_owned(), false, false),
        ],
        "{outcomes:?}"
    );
    let failure = outcomes[2].failure.as_deref().unwrap();
    assert!(
        failure.contains("got 1 violations but want none")
            && failure.contains("at most 5 replicas, not 8"),
        "{failure}"
    );
}

#[test]
fn admission_policy_tests_in_the_kyverno_layout() {
    let outcomes =
        plimsoll_engine::vap_test::run_tests(&[root().join("fixtures/cel/policy-test")]).unwrap();
    let summary: Vec<(String, String, bool)> = outcomes
        .iter()
        .map(|o| {
            let name = o.name.rsplit(": ").next().unwrap_or_default().to_owned();
            (name, o.actual.clone(), o.passed())
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "test-replica-limits Deployment/too-many".into(),
                "fail".into(),
                true
            ),
            (
                "test-replica-limits Deployment/just-right".into(),
                "pass".into(),
                true
            ),
            (
                "test-replica-limits Deployment/shop/small".into(),
                "pass".into(),
                true
            ),
            (
                "test-replica-limits StatefulSet/database".into(),
                "pass".into(),
                true
            ),
        ]
    );
}

#[test]
fn the_request_user_comes_from_the_configuration() {
    let path = root().join("fixtures/cel/vap-basic.yaml");
    let default = render(std::slice::from_ref(&path), only_schema_and_cel(config()));
    assert!(default.contains("admission-policy:"), "{default}");
    // The policy's match condition leaves out system users.
    let mut config = only_schema_and_cel(config());
    config.admission_user = plimsoll_engine::vap::UserInfo {
        username: "system:serviceaccount:ci:deployer".into(),
        groups: vec!["system:serviceaccounts".into()],
    };
    assert_eq!(render(&[path], config), "");
}

#[test]
fn rules_of_schema_location_files_run() {
    let folder = root().join("fixtures/cel/schema-location");
    let mut config = only_schema_and_cel(config());
    config.schema_locations = vec![format!(
        "{}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json",
        folder.join("schemas").display()
    )];
    let text = render(&[folder.join("gadgets.yaml")], config);
    assert_eq!(
        text,
        "Error schema-validation-rule: min must not exceed max\n    at gadgets.yaml:11:8  | spec: {min: 5, max: 3}\n    help: rule: `self.min <= self.max` (FieldValueInvalid)\n"
    );
}
