#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The configuration surface: which rules run, errors that name the rule and the option,
//! custom pod-template paths, and the other tools' check names.

mod common;

use plimsoll_core::Severity;
use plimsoll_rules::{
    PodTemplatePath, RuleConfigError, RuleSet, RuleSettings, RulesConfig, Tool, all_rules,
    equivalent_rule, equivalent_rules, rule_info,
};

fn settings(json: serde_json::Value) -> RuleSettings {
    serde_json::from_value(json).unwrap()
}

#[test]
fn defaults_enable_and_disable() {
    let set = RuleSet::new(&RulesConfig::default()).unwrap();
    let ids: Vec<_> = set.rule_ids().collect();
    assert!(ids.contains(&"privileged-container"));
    assert!(!ids.contains(&"missing-cpu-limit"));
    let defaults = all_rules().filter(|r| r.default_enabled).count();
    assert_eq!(ids.len(), defaults);

    let config = RulesConfig {
        enable: vec!["missing-cpu-limit".into()],
        disable: vec!["privileged-container".into()],
        ..RulesConfig::default()
    };
    let set = RuleSet::new(&config).unwrap();
    assert!(set.rule_ids().any(|id| id == "missing-cpu-limit"));
    assert!(!set.rule_ids().any(|id| id == "privileged-container"));

    let mut config = RulesConfig::default();
    config.rules.insert(
        "host-port".into(),
        settings(serde_json::json!({"enabled": false})),
    );
    config.rules.insert(
        "missing-cpu-request".into(),
        settings(serde_json::json!({"severity": "error"})),
    );
    let set = RuleSet::new(&config).unwrap();
    assert!(!set.rule_ids().any(|id| id == "host-port"));
    assert_eq!(set.severity("missing-cpu-request"), Some(Severity::Error));
}

#[test]
fn only_runs_exactly_those() {
    let config = RulesConfig {
        only: vec!["missing-cpu-limit".into(), "host-pid".into()],
        ..RulesConfig::default()
    };
    let set = RuleSet::new(&config).unwrap();
    assert_eq!(
        set.rule_ids().collect::<Vec<_>>(),
        vec!["missing-cpu-limit", "host-pid"]
    );
}

#[test]
fn errors_name_the_rule_and_the_option() {
    let config = RulesConfig {
        enable: vec!["privileged-containers".into()],
        ..RulesConfig::default()
    };
    let error = RuleSet::new(&config).unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown rule `privileged-containers` in --enable (did you mean `privileged-container`?)"
    );

    let mut config = RulesConfig::default();
    config.rules.insert(
        "nodeport-out-of-range".into(),
        settings(serde_json::json!({"options": {"rnage": "1-2"}})),
    );
    let error = RuleSet::new(&config).unwrap_err();
    assert!(matches!(
        error,
        RuleConfigError::InvalidOptions {
            rule: "nodeport-out-of-range",
            ..
        }
    ));
    assert!(
        error.to_string().contains("unknown field `rnage`"),
        "{error}"
    );

    // Options of a disabled rule are still checked.
    let mut config = RulesConfig::default();
    config.rules.insert(
        "nodeport-out-of-range".into(),
        settings(serde_json::json!({"enabled": false, "options": {"range": "32767-30000"}})),
    );
    let error = RuleSet::new(&config).unwrap_err().to_string();
    assert!(
        error.contains("nodeport-out-of-range") && error.contains("range"),
        "{error}"
    );

    let mut config = RulesConfig::default();
    config.rules.insert(
        "host-pid".into(),
        settings(serde_json::json!({"options": {"x": 1}})),
    );
    assert!(RuleSet::new(&config).is_err());

    let bad: Result<RuleSettings, _> =
        serde_json::from_value(serde_json::json!({"severity": "fatal"}));
    assert!(
        bad.unwrap_err()
            .to_string()
            .contains("unknown severity `fatal`")
    );
    let bad: Result<RuleSettings, _> = serde_json::from_value(serde_json::json!({"enable": true}));
    assert!(bad.is_err());
}

#[test]
fn custom_pod_template_paths() {
    let text = "apiVersion: example.com/v1\nkind: Worker\nmetadata:\n  name: w\nspec:\n  pod:\n    hostPID: true\n    containers:\n      - name: w\n        image: w:1\n";
    let objects = common::load("worker.yaml", text);
    let set = common::only("host-pid", None);
    assert!(
        set.check(&objects).is_empty(),
        "unknown kinds carry no pod template"
    );
    let config = RulesConfig {
        only: vec!["host-pid".into()],
        pod_template_paths: vec![PodTemplatePath {
            api_version: Some("example.com/v1".into()),
            kind: "Worker".into(),
            pointer: "/spec/pod".into(),
        }],
        ..RulesConfig::default()
    };
    let found = RuleSet::new(&config).unwrap().check(&objects);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].pointer.as_deref(), Some("/spec/pod/hostPID"));
    let location = found[0].location.as_ref().unwrap();
    assert_eq!((location.start().line, location.start().column), (7, 14));

    let config = RulesConfig {
        pod_template_paths: vec![PodTemplatePath {
            api_version: None,
            kind: "Worker".into(),
            pointer: "spec/pod".into(),
        }],
        ..RulesConfig::default()
    };
    assert!(matches!(
        RuleSet::new(&config),
        Err(RuleConfigError::InvalidPodTemplatePath { .. })
    ));
}

#[test]
fn other_tools_check_names_map_to_rules() {
    assert_eq!(
        equivalent_rule(Tool::KubeLinter, "no-read-only-root-fs"),
        Some("writable-root-filesystem")
    );
    assert_eq!(
        equivalent_rule(Tool::KubeLinter, "latest-tag"),
        Some("latest-image-tag")
    );
    assert_eq!(
        equivalent_rule(Tool::Polaris, "runAsRootAllowed"),
        Some("run-as-root")
    );
    assert_eq!(
        equivalent_rule(Tool::Polaris, "cpuRequestsMissing"),
        Some("missing-cpu-request")
    );
    assert_eq!(
        equivalent_rule(Tool::KubeScore, "container-image-tag"),
        Some("latest-image-tag")
    );
    assert_eq!(
        equivalent_rules(Tool::KubeScore, "pod-probes"),
        &["missing-liveness-probe", "missing-readiness-probe"]
    );
    assert_eq!(equivalent_rule(Tool::KubeScore, "no-such-check"), None);
    for (_, check, rules) in plimsoll_rules::equivalent::EQUIVALENTS {
        for rule in *rules {
            assert!(
                rule_info(rule).is_some(),
                "{check} maps to unknown rule {rule}"
            );
        }
    }
}

#[test]
fn rule_set_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<RuleSet>();
}
