//! `# METADATA` scopes as OPA defines them: a block on a rule definition belongs to that
//! definition only; `scope: document` to every definition of the rule; `scope: package` and
//! `scope: subpackages` give their severity to the rules of the packages they cover.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use plimsoll_policy::{PolicyOptions, PolicySetBuilder, PolicySeverity};

fn findings(options: PolicyOptions) -> Vec<(String, PolicySeverity, String)> {
    let mut builder = PolicySetBuilder::new(options);
    add_rego_dir(&mut builder, &fixtures().join("metadata"));
    let set = builder.build().unwrap();
    let pod = &documents(&fixtures().join("metadata/pod.yaml"))[0];
    let mut out: Vec<_> = set
        .evaluator()
        .evaluate(pod)
        .into_iter()
        .map(|f| (f.rule, f.severity, f.message))
        .collect();
    out.sort();
    out
}

fn finding(
    rule: &str,
    severity: PolicySeverity,
    message: &str,
) -> (String, PolicySeverity, String) {
    (rule.to_owned(), severity, message.to_owned())
}

#[test]
fn each_definition_takes_its_own_metadata() {
    use PolicySeverity::*;
    let got = findings(PolicyOptions::default());
    let want = vec![
        finding(
            "host-namespaces",
            Info,
            "the pod uses the host PID namespace",
        ),
        finding("host-namespaces", Info, "the pod uses the host network"),
        // The plain definition in labels.rego is not taken for an annotated one.
        finding("main.deny", Error, "the object has no owner label"),
        // Every definition still makes up `deny` for the rules that read it.
        finding("main.warn_many", Warning, "3 denials for one object"),
        finding("no-privileged", Error, "container app runs privileged"),
        finding(
            "pinned-images",
            Warning,
            "container app uses the latest tag",
        ),
    ];
    assert_eq!(got, want);
}

#[test]
fn package_and_subpackages_scopes_give_their_severity() {
    let options = PolicyOptions {
        namespaces: vec!["checks.volumes".to_owned()],
        ..PolicyOptions::default()
    };
    assert_eq!(
        findings(options),
        vec![finding(
            "checks.volumes.deny",
            PolicySeverity::Info,
            "volume root mounts a host path"
        )]
    );
}

#[test]
fn rules_are_listed_per_definition_group() {
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    add_rego_dir(&mut builder, &fixtures().join("metadata"));
    let set = builder.build().unwrap();
    let mut rules: Vec<(String, String, u32)> = set
        .rules()
        .into_iter()
        .map(|r| {
            let file = r.location.path.rsplit('/').next().unwrap().to_owned();
            (r.id, file, r.location.line)
        })
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        vec![
            ("host-namespaces".to_owned(), "host.rego".to_owned(), 10),
            ("main.deny".to_owned(), "labels.rego".to_owned(), 5),
            ("main.warn_many".to_owned(), "labels.rego".to_owned(), 11),
            ("no-privileged".to_owned(), "containers.rego".to_owned(), 12),
            ("pinned-images".to_owned(), "containers.rego".to_owned(), 23),
        ]
    );
    // Each is listed under the rule as written.
    assert!(set.rules().iter().all(|r| !r.query.contains("plimsoll_")));
}

#[test]
fn a_rule_defined_once_with_a_block_is_unchanged() {
    let set = build(
        PolicyOptions::default(),
        &[(
            "one.rego",
            "package main\n\nimport rego.v1\n\n# METADATA\n# custom:\n#   id: only\n#   severity: warning\ndeny contains \"x\" if input.kind == \"Pod\"\n",
        )],
    );
    let found = set
        .evaluator()
        .evaluate(&serde_json::json!({"kind": "Pod"}));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule, "only");
    assert_eq!(found[0].severity, PolicySeverity::Warning);
}

#[test]
fn an_unknown_scope_is_an_error() {
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    builder
        .add_module(
            "bad.rego",
            "package main\n\n# METADATA\n# scope: everywhere\ndeny[\"x\"] { true }\n",
        )
        .unwrap();
    let errors = builder.build().unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("scope `everywhere`")),
        "{errors:?}"
    );
}
