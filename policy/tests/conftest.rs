#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use plimsoll_policy::{
    CombinedInput, PolicyError, PolicyOptions, PolicySetBuilder, PolicySeverity, RULE_POLICY_ERROR,
    RULE_TIME_LIMIT, RegoVersion,
};
use serde_json::json;

#[test]
fn library_finds_each_violation_with_its_field() {
    let set = library();
    let mut evaluator = set.evaluator();
    let objects = documents(&fixtures().join("manifests/violations.yaml"));
    let deployment = evaluator.evaluate(&objects[0]);
    assert_eq!(
        rules_and_pointers(&deployment),
        vec![
            (
                "rego-latest-image-tag".to_owned(),
                Some("/spec/template/spec/containers/0/image".to_owned())
            ),
            (
                "rego-missing-memory-limit".to_owned(),
                Some("/spec/template/spec/containers/1".to_owned())
            ),
            (
                "rego-privileged-container".to_owned(),
                Some("/spec/template/spec/containers/1/securityContext/privileged".to_owned())
            ),
        ]
    );
    let privileged = deployment
        .iter()
        .find(|f| f.rule == "rego-privileged-container")
        .unwrap();
    assert_eq!(privileged.severity, PolicySeverity::Error);
    assert_eq!(
        privileged.message,
        "Deployment web: container \"debug\" is privileged"
    );
    assert!(privileged.extra.is_empty());
    let latest = deployment
        .iter()
        .find(|f| f.rule == "rego-latest-image-tag")
        .unwrap();
    assert_eq!(latest.severity, PolicySeverity::Warning);

    let service = evaluator.evaluate(&objects[1]);
    assert_eq!(
        rules_and_pointers(&service),
        vec![(
            "rego-nodeport-out-of-range".to_owned(),
            Some("/spec/ports/0/nodePort".to_owned())
        )]
    );
}

#[test]
fn library_is_silent_on_clean_objects() {
    let set = library();
    let mut evaluator = set.evaluator();
    for object in documents(&fixtures().join("manifests/clean.yaml")) {
        assert_eq!(evaluator.evaluate(&object), vec![], "{object}");
    }
}

#[test]
fn metadata_gives_ids_severities_and_docs() {
    let set = library();
    let rules = set.rules();
    let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            "rego-nodeport-out-of-range",
            "rego-privileged-container",
            "rego-latest-image-tag",
            "rego-missing-memory-limit",
        ]
    );
    let privileged = &rules[1];
    assert_eq!(privileged.title.as_deref(), Some("Privileged container"));
    assert!(
        privileged
            .description
            .as_deref()
            .unwrap()
            .starts_with("A privileged container runs")
    );
    assert_eq!(
        privileged.related_resources,
        vec!["https://kubernetes.io/docs/concepts/security/pod-security-standards/"]
    );
    assert_eq!(privileged.query, "data.main.deny_privileged_container");
    assert!(privileged.location.path.ends_with("privileged.rego"));
    assert_eq!(privileged.location.line, 16);
    assert_eq!(rules[2].severity, PolicySeverity::Warning);
}

const POD: &str = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
  "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "nginx"}]}}"#;

fn pod() -> serde_json::Value {
    serde_json::from_str(POD).unwrap()
}

#[test]
fn v0_and_v1_modules_mix_and_default_ids_name_package_and_rule() {
    let v0 = r#"package main

import data.main.helpers

deny[msg] {
  input.spec.hostNetwork
  msg := "host network"
}

warn[{"msg": "from v0", "path": "spec.containers[0].image", "hint": "pin it"}] {
  helpers.no_tag(input.spec.containers[0].image)
}
"#;
    let v1 = r#"package main

import rego.v1

violation contains "from v1" if input.kind == "Pod"
"#;
    let helpers = "package main.helpers\n\nno_tag(image) if not contains(image, \":\")\n";
    let set = build(
        PolicyOptions::default(),
        &[("v0.rego", v0), ("v1.rego", v1), ("helpers.rego", helpers)],
    );
    let mut findings = set.evaluator().evaluate(&pod());
    findings.sort_by(|a, b| a.rule.cmp(&b.rule));
    let summary: Vec<_> = findings
        .iter()
        .map(|f| (f.rule.as_str(), f.severity, f.message.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("main.deny", PolicySeverity::Error, "host network"),
            ("main.violation", PolicySeverity::Error, "from v1"),
            ("main.warn", PolicySeverity::Warning, "from v0"),
        ]
    );
    let warn = &findings[2];
    assert_eq!(warn.pointer.as_deref(), Some("/spec/containers/0/image"));
    assert_eq!(warn.extra.get("hint"), Some(&json!("pin it")));
}

#[test]
fn boolean_rules_string_rules_and_loc() {
    let policy = r#"package main

import rego.v1

# METADATA
# title: Pods must not use the host network
deny_host_network if input.spec.hostNetwork

deny_single := "one message" if input.kind == "Pod"

warn_loc contains {"msg": "located", "_loc": {"path": "/metadata/name"}} if true

deny_never if false
"#;
    let set = build(PolicyOptions::default(), &[("p.rego", policy)]);
    let mut findings = set.evaluator().evaluate(&pod());
    findings.sort_by(|a, b| a.rule.cmp(&b.rule));
    let summary: Vec<_> = findings
        .iter()
        .map(|f| (f.rule.as_str(), f.message.as_str(), f.pointer.as_deref()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "main.deny_host_network",
                "Pods must not use the host network",
                None
            ),
            ("main.deny_single", "one message", None),
            ("main.warn_loc", "located", Some("/metadata/name")),
        ]
    );
}

#[test]
fn exceptions_skip_named_rules() {
    let policy = r#"package main

import rego.v1

deny_host_network contains "host network" if input.spec.hostNetwork

deny_untagged contains "untagged" if not contains(input.spec.containers[0].image, ":")

exception contains rules if {
  input.metadata.name == "p"
  rules := ["host_network"]
}
"#;
    let set = build(PolicyOptions::default(), &[("p.rego", policy)]);
    let findings = set.evaluator().evaluate(&pod());
    let rules: Vec<_> = findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, vec!["main.deny_untagged"]);
}

#[test]
fn namespaces_select_packages() {
    let a = "package main\n\ndeny contains \"main\" if true\n";
    let b = "package security.pods\n\ndeny contains \"security\" if true\n";
    let messages = |options: PolicyOptions| {
        let set = build(options, &[("a.rego", a), ("b.rego", b)]);
        let mut out: Vec<String> = set
            .evaluator()
            .evaluate(&pod())
            .into_iter()
            .map(|f| format!("{}: {}", f.rule, f.message))
            .collect();
        out.sort();
        out
    };
    assert_eq!(messages(PolicyOptions::default()), vec!["main.deny: main"]);
    assert_eq!(
        messages(PolicyOptions {
            namespaces: vec!["security.pods".to_owned()],
            ..PolicyOptions::default()
        }),
        vec!["security.pods.deny: security"]
    );
    assert_eq!(
        messages(PolicyOptions {
            all_namespaces: true,
            ..PolicyOptions::default()
        }),
        vec!["main.deny: main", "security.pods.deny: security"]
    );

    let set = build(
        PolicyOptions {
            namespaces: vec!["typo".to_owned()],
            ..PolicyOptions::default()
        },
        &[("a.rego", a)],
    );
    assert!(set.warnings()[0].to_string().contains("package typo"));
}

#[test]
fn forced_syntax_rejects_the_other_one() {
    let v0 = "package main\n\ndeny[msg] {\n  msg := \"x\"\n}\n";
    let mut builder = PolicySetBuilder::new(PolicyOptions {
        rego_version: RegoVersion::V1,
        ..PolicyOptions::default()
    });
    assert!(builder.add_module("v0.rego", v0).is_err());
    let mut builder = PolicySetBuilder::new(PolicyOptions {
        rego_version: RegoVersion::V0,
        ..PolicyOptions::default()
    });
    builder.add_module("v0.rego", v0).unwrap();
    assert_eq!(
        builder.build().unwrap().evaluator().evaluate(&pod()).len(),
        1
    );
}

#[test]
fn parse_errors_carry_file_line_and_column() {
    let broken_v1 = "package main\n\nimport rego.v1\n\ndeny contains msg if {\n  msg := \"x\"\n";
    let broken_v0 = "package main\n\ndeny[msg] {\n  msg := \"x\"\n  input.spec.[0]\n}\n";
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    let first = builder
        .add_module("policies/broken_v1.rego", broken_v1)
        .unwrap_err();
    builder
        .add_module("policies/broken_v0.rego", broken_v0)
        .unwrap_err();
    builder
        .add_module(
            "policies/fine.rego",
            "package main\n\nwarn contains \"w\" if true\n",
        )
        .unwrap();
    let errors = builder.build().unwrap_err();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0], first);
    let positions: Vec<_> = errors
        .iter()
        .map(|e| match e {
            PolicyError::Compile { location, .. } => {
                (location.path.as_str(), location.line, location.column)
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    // The v0 file is reported with its v0 parse error (the parse that got further).
    assert_eq!(
        positions,
        vec![
            ("policies/broken_v1.rego", 7, 1),
            ("policies/broken_v0.rego", 5, 14)
        ]
    );
    assert!(
        errors[0]
            .to_string()
            .starts_with("policies/broken_v1.rego:7:1: expecting `}`")
    );
}

#[test]
fn unsupported_builtins_are_reported_by_name() {
    let policy = r#"package main

import rego.v1

deny contains "bad token" if {
  [_, payload, _] := io.jwt.decode(input.token)
  payload.admin
}

warn contains msg if {
  msg := crypto.sha256(input.metadata.name)
}

warn contains "fine" if count(input.spec.containers) > 0
"#;
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    builder.add_module("jwt.rego", policy).unwrap();
    let errors = builder.build().unwrap_err();
    let names: Vec<_> = errors
        .iter()
        .map(|e| match e {
            PolicyError::UnsupportedFunction { name, location } => {
                (name.as_str(), location.line, location.column)
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        vec![("io.jwt.decode", 6, 22), ("crypto.sha256", 11, 10)]
    );
}

#[test]
fn runtime_errors_become_findings_and_evaluation_goes_on() {
    let policy = r#"package main

import rego.v1

deny contains msg if {
  msg := sprintf("replicas: %d", [to_number(input.spec.replicas)])
}

warn contains "still evaluated" if true
"#;
    let set = build(PolicyOptions::default(), &[("p.rego", policy)]);
    let mut evaluator = set.evaluator();
    let object =
        json!({"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": "many"}});
    let findings = evaluator.evaluate(&object);
    let rules: Vec<_> = findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, vec![RULE_POLICY_ERROR, "main.warn"]);
    assert!(
        findings[0].message.starts_with("data.main.deny failed: "),
        "{}",
        findings[0].message
    );
    // The next object is evaluated normally.
    let good = json!({"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 3}});
    let rules: Vec<_> = evaluator
        .evaluate(&good)
        .into_iter()
        .map(|f| f.message)
        .collect();
    assert_eq!(rules, vec!["replicas: 3", "still evaluated"]);
}

#[test]
fn runaway_policies_stop_at_the_time_limit() {
    let policy = r#"package main

import rego.v1

deny contains "slow" if {
  n := count([x | some a in numbers.range(1, 4000); some b in numbers.range(1, 4000); x := a * b])
  n < 0
}

warn contains "never reached" if true
"#;
    let options = PolicyOptions {
        time_limit: Some(Duration::from_millis(20)),
        ..PolicyOptions::default()
    };
    let set = build(options, &[("slow.rego", policy)]);
    let findings = set.evaluator().evaluate(&pod());
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].rule, RULE_TIME_LIMIT);
    assert!(
        findings[0].message.contains("20 ms"),
        "{}",
        findings[0].message
    );
}

#[test]
fn combine_mode_sees_all_objects_and_points_into_one() {
    let policy = r#"package main

import rego.v1

services := {name | some item in input; item.contents.kind == "Service"; name := item.contents.spec.selector.app}

deny contains {"msg": msg, "path": sprintf("[%d].contents.metadata.labels.app", [i])} if {
  some i, item in input
  item.contents.kind == "Deployment"
  app := item.contents.metadata.labels.app
  not services[app]
  msg := sprintf("Deployment %s (%s) has no Service", [item.contents.metadata.name, item.path])
}

warn contains sprintf("%d objects", [count(input)]) if true
"#;
    let options = PolicyOptions {
        combine: true,
        ..PolicyOptions::default()
    };
    let set = build(options, &[("combine.rego", policy)]);
    let objects = documents(&fixtures().join("manifests/clean.yaml"));
    let lonely = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "lonely", "labels": {"app": "lonely"}}});
    let inputs = vec![
        CombinedInput {
            path: "clean.yaml",
            object: &objects[0],
        },
        CombinedInput {
            path: "clean.yaml",
            object: &objects[1],
        },
        CombinedInput {
            path: "lonely.yaml",
            object: &lonely,
        },
    ];
    let mut evaluator = set.evaluator();
    let mut findings = evaluator.evaluate_combined(&inputs);
    findings.sort_by(|a, b| a.rule.cmp(&b.rule));
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert_eq!(
        findings[0].message,
        "Deployment lonely (lonely.yaml) has no Service"
    );
    assert_eq!(findings[0].object_index, Some(2));
    assert_eq!(findings[0].pointer.as_deref(), Some("/metadata/labels/app"));
    assert_eq!(findings[1].message, "3 objects");
    // Naming no entry, it is reported with the first (conftest reports it for `Combined`).
    assert_eq!(findings[1].object_index, Some(0));
    // In combine mode, per-object evaluation leaves conftest rules out.
    assert_eq!(evaluator.evaluate(&lonely), vec![]);
}

/// conftest's own `--combine` example: a Service and a Deployment in one file are two
/// entries with the same path; entries are ordered by path as conftest orders them.
#[test]
fn combine_gives_one_entry_per_document_ordered_by_path() {
    let policy = r#"package main

deny[msg] {
  input[i].contents.kind == "Deployment"
  deployment := input[i].contents
  not service_selects_app(deployment.spec.selector.matchLabels.app)
  msg := sprintf("Deployment %v with selector %v does not match any Services", [deployment.metadata.name, deployment.spec.selector.matchLabels])
}

service_selects_app(app) {
  input[service].contents.kind == "Service"
  input[service].contents.spec.selector.app == app
}

warn[msg] {
  msg := concat(" ", [sprintf("%v:%v", [e.path, e.contents.kind]) | e := input[_]])
}
"#;
    let options = PolicyOptions {
        combine: true,
        ..PolicyOptions::default()
    };
    let set = build(options, &[("combine.rego", policy)]);
    let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "hello-kubernetes"}, "spec": {"selector": {"app": "goodbye-kubernetes"}}});
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "hello-kubernetes"}, "spec": {"selector": {"matchLabels": {"app": "hello-kubernetes"}}}});
    let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
    // In the run's order: z.yaml first, then the two documents of manifests.yaml.
    let inputs = [
        CombinedInput {
            path: "z.yaml",
            object: &config,
        },
        CombinedInput {
            path: "manifests.yaml",
            object: &service,
        },
        CombinedInput {
            path: "manifests.yaml",
            object: &deployment,
        },
    ];
    let mut findings = set.evaluator().evaluate_combined(&inputs);
    findings.sort_by(|a, b| a.rule.cmp(&b.rule));
    let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "Deployment hello-kubernetes with selector {\"app\": \"hello-kubernetes\"} does not match any Services",
            "manifests.yaml:Service manifests.yaml:Deployment z.yaml:ConfigMap",
        ]
    );
    // No entry named: reported with the first entry, the Service of manifests.yaml.
    assert_eq!(findings[0].object_index, Some(1));
}

#[test]
fn data_files_are_merged_under_data() {
    let policy = r#"package main

import rego.v1

deny contains sprintf("kind %s is banned", [input.kind]) if input.kind in data.banned.kinds
"#;
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    builder.add_module("p.rego", policy).unwrap();
    builder
        .add_data("data.yaml", json!({"banned": {"kinds": ["Pod"]}}))
        .unwrap();
    assert!(builder.add_data("list.json", json!([1, 2])).is_err());
    assert!(builder.build().is_err());

    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    builder.add_module("p.rego", policy).unwrap();
    builder
        .add_data("data.yaml", json!({"banned": {"kinds": ["Pod"]}}))
        .unwrap();
    let set = builder.build().unwrap();
    let findings = set.evaluator().evaluate(&pod());
    assert_eq!(findings[0].message, "kind Pod is banned");
}

#[test]
fn policy_sets_are_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<plimsoll_policy::PolicySet>();
    let set = library();
    let objects = documents(&fixtures().join("manifests/violations.yaml"));
    let counts: Vec<usize> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let set = &set;
                let objects = &objects;
                scope.spawn(move || {
                    let mut evaluator = set.evaluator();
                    objects.iter().map(|o| evaluator.evaluate(o).len()).sum()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(counts, vec![4, 4]);
}
