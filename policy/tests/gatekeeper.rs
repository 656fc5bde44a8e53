#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use plimsoll_policy::{
    PolicyError, PolicyOptions, PolicySet, PolicySetBuilder, PolicySeverity, ReviewContext,
    ReviewOperation,
};
use serde_json::{Value, json};

/// The Gatekeeper fixtures, with the Namespace objects as inventory.
fn gatekeeper_set() -> PolicySet {
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    for file in [
        "required-labels.yaml",
        "allowed-repos.yaml",
        "cel-only.yaml",
    ] {
        let path = fixtures().join("gatekeeper").join(file);
        for object in documents(&path) {
            assert!(builder.add_object(&object, &path.display().to_string()));
        }
    }
    let mut set = builder.build().unwrap();
    set.set_inventory(&documents(&fixtures().join("gatekeeper/namespaces.yaml")))
        .unwrap();
    set
}

fn deployment(name: &str, namespace: &str, labels: Value, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}},
    })
}

#[test]
fn constraints_report_kind_and_name_with_enforcement_severity() {
    let set = gatekeeper_set();
    let mut evaluator = set.evaluator();
    let findings = evaluator.evaluate(&deployment(
        "web",
        "shop",
        json!({}),
        "docker.io/nginx:1.27",
    ));
    let summary: Vec<_> = findings
        .iter()
        .map(|f| (f.rule.as_str(), f.severity, f.message.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "K8sRequiredLabels/must-have-owner",
                PolicySeverity::Error,
                "Deployment web must have the labels {\"owner\"}"
            ),
            (
                "K8sAllowedRepos/shop-images",
                PolicySeverity::Warning,
                "container app uses image docker.io/nginx:1.27, which is not from an allowed repository [\"registry.example/\"]"
            ),
        ]
    );
    assert_eq!(
        findings[0].extra["details"],
        json!({"missing_labels": ["owner"]})
    );
    assert_eq!(findings[0].pointer, None);

    let clean = deployment(
        "api",
        "shop",
        json!({"owner": "me"}),
        "registry.example/api:1",
    );
    assert_eq!(evaluator.evaluate(&clean), vec![]);
}

#[test]
fn match_kinds_namespaces_and_selectors() {
    let set = gatekeeper_set();
    let mut evaluator = set.evaluator();
    let rules = |evaluator: &mut plimsoll_policy::Evaluator, object: &Value| -> Vec<String> {
        evaluator
            .evaluate(object)
            .into_iter()
            .map(|f| f.rule)
            .collect()
    };
    // excludedNamespaces with a prefix glob.
    let system = deployment("dns", "kube-system", json!({}), "registry.example/dns:1");
    assert_eq!(rules(&mut evaluator, &system), Vec::<String>::new());
    // namespaceSelector: namespace `tools` is labelled team=platform, not shop.
    let tools = deployment("ci", "tools", json!({"owner": "x"}), "docker.io/ci:1");
    assert_eq!(rules(&mut evaluator, &tools), Vec::<String>::new());
    // A namespace unknown to the run has no labels, so the selector does not match.
    let elsewhere = deployment("ci", "elsewhere", json!({"owner": "x"}), "docker.io/ci:1");
    assert_eq!(rules(&mut evaluator, &elsewhere), Vec::<String>::new());
    // kinds: a ConfigMap matches neither constraint; a core Service matches the first.
    let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "shop"}});
    assert_eq!(rules(&mut evaluator, &config_map), Vec::<String>::new());
    let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "shop"}});
    assert_eq!(
        rules(&mut evaluator, &service),
        vec!["K8sRequiredLabels/must-have-owner"]
    );
    // A Deployment from another group does not match `apiGroups: ["apps"]`.
    let mut other_group = deployment("x", "shop", json!({"owner": "x"}), "registry.example/x:1");
    other_group["apiVersion"] = json!("example.com/v1");
    assert_eq!(rules(&mut evaluator, &other_group), Vec::<String>::new());
}

fn inline_set(constraint_match: Value, objects: &[Value]) -> PolicySet {
    let template = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8sdeny"},
        "spec": {
            "crd": {"spec": {"names": {"kind": "K8sDeny"}}},
            "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": "package k8sdeny\n\nviolation[{\"msg\": \"matched\"}] { true }\n"}],
        },
    });
    let constraint = json!({
        "apiVersion": "constraints.gatekeeper.sh/v1beta1",
        "kind": "K8sDeny",
        "metadata": {"name": "all"},
        "spec": {"enforcementAction": "dryrun", "match": constraint_match},
    });
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    assert!(builder.add_object(&template, "t.yaml"));
    assert!(builder.add_object(&constraint, "c.yaml"));
    assert!(!builder.add_object(&json!({"apiVersion": "v1", "kind": "ConfigMap"}), "x.yaml"));
    let mut set = builder.build().unwrap();
    set.set_inventory(objects).unwrap();
    set
}

fn matched(set: &PolicySet, object: &Value) -> bool {
    let findings = set.evaluator().evaluate(object);
    assert!(findings.iter().all(|f| f.severity == PolicySeverity::Info));
    !findings.is_empty()
}

#[test]
fn match_scope_name_label_selector_and_namespace_objects() {
    let pod = |name: &str, labels: Value| json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels}});
    let cluster_role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "admin"}});

    let set = inline_set(json!({"scope": "Cluster"}), &[]);
    assert!(matched(&set, &cluster_role));
    assert!(!matched(&set, &pod("p", json!({}))));
    let set = inline_set(json!({"scope": "Namespaced"}), &[]);
    assert!(!matched(&set, &cluster_role));
    assert!(matched(&set, &pod("p", json!({}))));

    let set = inline_set(json!({"name": "web-*"}), &[]);
    assert!(matched(&set, &pod("web-1", json!({}))));
    assert!(!matched(&set, &pod("api-1", json!({}))));

    let set = inline_set(
        json!({"labelSelector": {"matchLabels": {"tier": "front"}, "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "staging"]},
            {"key": "legacy", "operator": "DoesNotExist"},
        ]}}),
        &[],
    );
    assert!(matched(
        &set,
        &pod("a", json!({"tier": "front", "env": "prod"}))
    ));
    assert!(!matched(
        &set,
        &pod("b", json!({"tier": "front", "env": "dev"}))
    ));
    assert!(!matched(
        &set,
        &pod("c", json!({"tier": "front", "env": "prod", "legacy": "1"}))
    ));

    // Objects without a namespace are in the default namespace, whose labels
    // come from the Namespace objects of the run; cluster-scoped objects pass
    // namespace criteria, except Namespaces, which are matched by their own name.
    let namespaces = [
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default", "labels": {"env": "prod"}}}),
    ];
    let set = inline_set(
        json!({"namespaceSelector": {"matchLabels": {"env": "prod"}}, "namespaces": ["default", "prod-*"]}),
        &namespaces,
    );
    assert!(matched(&set, &pod("p", json!({}))));
    assert!(matched(&set, &cluster_role));
    assert!(matched(&set, &namespaces[0]));
    let other_ns =
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod-eu"}});
    assert!(
        !matched(&set, &other_ns),
        "no env=prod label on the Namespace itself"
    );
}

#[test]
fn inventory_is_available_to_referential_templates() {
    let template = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8suniqueservicename"},
        "spec": {
            "crd": {"spec": {"names": {"kind": "K8sUniqueServiceName"}}},
            "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": r#"package k8suniqueservicename

violation[{"msg": msg}] {
  name := input.review.object.metadata.name
  other := data.inventory.namespace[ns]["v1"]["Service"][name]
  ns != input.review.namespace
  msg := sprintf("Service %v also exists in namespace %v", [name, ns])
}

violation[{"msg": "cluster inventory"}] {
  data.inventory.cluster["v1"]["Namespace"]["shop"]
  input.review.object.metadata.name == "check-cluster"
}
"#}],
        },
    });
    let constraint = json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sUniqueServiceName", "metadata": {"name": "unique"}});
    let service = |name: &str, namespace: &str| json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace}});
    let objects = vec![
        service("web", "shop"),
        service("web", "tools"),
        service("check-cluster", "shop"),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}),
    ];
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    builder.add_object(&template, "t.yaml");
    builder.add_object(&constraint, "c.yaml");
    let mut set = builder.build().unwrap();
    set.set_inventory(&objects).unwrap();
    let mut evaluator = set.evaluator();
    let messages: Vec<_> = evaluator
        .evaluate(&objects[0])
        .into_iter()
        .map(|f| f.message)
        .collect();
    assert_eq!(messages, vec!["Service web also exists in namespace tools"]);
    let messages: Vec<_> = evaluator
        .evaluate(&objects[2])
        .into_iter()
        .map(|f| f.message)
        .collect();
    assert_eq!(messages, vec!["cluster inventory"]);
}

#[test]
fn cel_only_templates_are_reported_not_skipped() {
    let set = gatekeeper_set();
    let warnings: Vec<String> = set.warnings().iter().map(|w| w.to_string()).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains(
            "ConstraintTemplate k8sreplicalimits is not supported: its only engine is CEL"
        )
    );
    let ids: Vec<_> = set.rules().into_iter().map(|r| (r.id, r.title)).collect();
    assert_eq!(
        ids,
        vec![
            (
                "K8sRequiredLabels/must-have-owner".to_owned(),
                Some("Required labels".to_owned())
            ),
            (
                "K8sAllowedRepos/shop-images".to_owned(),
                Some("Allowed image repositories".to_owned())
            ),
        ]
    );
}

#[test]
fn template_errors_point_into_the_embedded_rego() {
    let template = json!({
        "apiVersion": "templates.gatekeeper.sh/v1beta1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "broken"},
        "spec": {
            "crd": {"spec": {"names": {"kind": "Broken"}}},
            "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": "package broken\n\nviolation[{\"msg\": msg}] {\n  msg := \n}\n"}],
        },
    });
    let orphan = json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "NoSuchKind", "metadata": {"name": "x"}});
    let bad_action = json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "Broken", "metadata": {"name": "y"}, "spec": {"enforcementAction": "block"}});
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    builder.add_object(&template, "templates.yaml");
    builder.add_object(&orphan, "constraints.yaml");
    builder.add_object(&bad_action, "constraints.yaml");
    let errors = builder.build().unwrap_err();
    assert_eq!(errors.len(), 3, "{errors:?}");
    match &errors[0] {
        PolicyError::Compile { location, message } => {
            assert_eq!(message, "expecting }");
            assert_eq!(location.path, "templates.yaml");
            assert_eq!(location.pointer.as_deref(), Some("/spec/targets/0/rego"));
            // regorus places this error at the opening brace of the body.
            assert_eq!((location.line, location.column), (3, 25));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        errors[1]
            .to_string()
            .contains("no ConstraintTemplate defines the kind NoSuchKind")
    );
    // The broken template's constraint is reported as unknown too, after the template error.
    assert!(errors[2].to_string().contains("constraint Broken/y"));
}

#[test]
fn a_template_that_imports_a_library_it_does_not_ship_is_refused_as_opa_refuses_it() {
    // The library's `disallowinteractive` template once imported lib.exempt_container
    // without listing it in `libs`: OPA rejects the template at compile time.
    let rego = "package tty\n\nimport data.lib.exempt_container.is_exempt\n\nviolation[{\"msg\": msg}] {\n  c := input.review.object.spec.containers[_]\n  not is_exempt(c)\n  c.tty\n  msg := \"tty\"\n}\n";
    let lib = "package lib.exempt_container\n\nis_exempt(container) {\n  container.image == \"safe\"\n}\n";
    let template = |libs: Value| {
        json!({
            "apiVersion": "templates.gatekeeper.sh/v1",
            "kind": "ConstraintTemplate",
            "metadata": {"name": "tty"},
            "spec": {
                "crd": {"spec": {"names": {"kind": "Tty"}}},
                "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": rego, "libs": libs}],
            },
        })
    };
    let constraint = json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "Tty", "metadata": {"name": "no-tty"}});
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    builder.add_object(&template(json!([])), "template.yaml");
    builder.add_object(&constraint, "constraint.yaml");
    let errors = builder.build().unwrap_err();
    assert!(
        errors[0]
            .to_string()
            .contains("function `data.lib.exempt_container.is_exempt` is not available"),
        "{errors:?}"
    );
    assert!(errors[0].to_string().contains(":7:7"), "{errors:?}");
    // With the library shipped, the same template compiles and runs.
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    builder.add_object(&template(json!([lib])), "template.yaml");
    builder.add_object(&constraint, "constraint.yaml");
    let set = builder.build().unwrap();
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "a", "image": "x", "tty": true}, {"name": "b", "image": "safe", "tty": true}]}});
    assert_eq!(set.evaluator().evaluate(&pod).len(), 1);
}

#[test]
fn runtime_errors_in_templates_are_findings() {
    let template = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8sreplicas"},
        "spec": {
            "crd": {"spec": {"names": {"kind": "K8sReplicas"}}},
            "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": "package k8sreplicas\n\nviolation[{\"msg\": \"too many\"}] {\n  to_number(input.review.object.spec.replicas) > input.parameters.max\n}\n"}],
        },
    });
    let constraint = json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sReplicas", "metadata": {"name": "max"}, "spec": {"parameters": {"max": 3}}});
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    builder.add_object(&template, "t.yaml");
    builder.add_object(&constraint, "c.yaml");
    let set = builder.build().unwrap();
    let mut evaluator = set.evaluator();
    let bad = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": "lots"}});
    let findings = evaluator.evaluate(&bad);
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].rule, plimsoll_policy::RULE_POLICY_ERROR);
    assert!(
        findings[0]
            .message
            .starts_with("constraint K8sReplicas/max failed: "),
        "{}",
        findings[0].message
    );
    let many = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 5}});
    assert_eq!(evaluator.evaluate(&many)[0].message, "too many");
}

#[test]
fn constraint_parameters_must_match_the_template_schema() {
    let template = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8srequiredlabels"},
        "spec": {
            "crd": {"spec": {
                "names": {"kind": "K8sRequiredLabels"},
                "validation": {"openAPIV3Schema": {"type": "object", "properties": {
                    "labels": {"type": "array", "items": {"type": "string"}}}}},
            }},
            "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": "package k8srequiredlabels\n\nviolation[{\"msg\": \"x\"}] {\n  false\n}\n"}],
        },
    });
    let constraint = |name: &str, parameters: Value| {
        json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sRequiredLabels",
            "metadata": {"name": name}, "spec": {"parameters": parameters}})
    };
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    builder.add_object(&template, "templates.yaml");
    builder.add_object(
        &constraint("good", json!({"labels": ["owner"]})),
        "constraints.yaml",
    );
    builder.add_object(
        &constraint("bad", json!({"labels": "owner"})),
        "constraints.yaml",
    );
    let errors = builder.build().unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let message = errors[0].to_string();
    assert!(
        message.contains("constraint K8sRequiredLabels/bad"),
        "{message}"
    );
    assert!(message.contains("spec.parameters.labels"), "{message}");
    match &errors[0] {
        PolicyError::Gatekeeper {
            origin, pointer, ..
        } => {
            assert_eq!(origin, "constraints.yaml");
            assert_eq!(pointer.as_deref(), Some("/spec/parameters/labels"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// A template that reports each field of `input.review` it reads, for Deployments only.
fn review_echo_set() -> PolicySet {
    let rego = r#"package k8sreviewecho

violation[{"msg": msg}] {
  msg := sprintf("operation=%s", [input.review.operation])
}

violation[{"msg": msg}] {
  msg := sprintf("object=%s", [input.review.object.metadata.labels.v])
}

violation[{"msg": msg}] {
  msg := sprintf("old=%s", [input.review.oldObject.metadata.labels.v])
}

violation[{"msg": msg}] {
  msg := sprintf("user=%s groups=%v", [input.review.userInfo.username, input.review.userInfo.groups])
}

violation[{"msg": msg}] {
  msg := sprintf("dryRun=%v", [input.review.dryRun])
}

violation[{"msg": msg}] {
  msg := sprintf("uid=%s name=%s namespace=%s kind=%s", [input.review.uid, input.review.name, input.review.namespace, input.review.kind.kind])
}
"#;
    let template = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8sreviewecho"},
        "spec": {
            "crd": {"spec": {"names": {"kind": "K8sReviewEcho"}}},
            "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": rego}],
        },
    });
    let constraint = json!({
        "apiVersion": "constraints.gatekeeper.sh/v1beta1",
        "kind": "K8sReviewEcho",
        "metadata": {"name": "echo"},
        "spec": {"match": {"kinds": [{"apiGroups": ["apps"], "kinds": ["Deployment"]}]}},
    });
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    assert!(builder.add_object(&template, "templates.yaml"));
    assert!(builder.add_object(&constraint, "constraints.yaml"));
    builder.build().unwrap()
}

fn messages(findings: &[plimsoll_policy::PolicyFinding]) -> Vec<&str> {
    let mut out: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
    out.sort_unstable();
    out
}

#[test]
fn review_context_reaches_the_template() {
    let set = review_echo_set();
    let mut evaluator = set.evaluator();
    let new = deployment("web", "shop", json!({"v": "new"}), "nginx:1.27");
    let old = deployment("web", "shop", json!({"v": "old"}), "nginx:1.27");
    let user = json!({"username": "alice", "uid": "1", "groups": ["devs"]});

    // Files (no context): a CREATE with no oldObject, userInfo, dryRun or uid, as before.
    assert_eq!(
        messages(&evaluator.evaluate(&new)),
        vec!["object=new", "operation=CREATE"]
    );

    // An UPDATE: the old object, the user, dry-run and the request's uid.
    let update = ReviewContext {
        operation: ReviewOperation::Update,
        old_object: Some(&old),
        user_info: Some(&user),
        dry_run: true,
        uid: Some("u-1"),
        request_fields: None,
    };
    assert_eq!(
        messages(&evaluator.evaluate_review(&new, Some(&update))),
        vec![
            "dryRun=true",
            "object=new",
            "old=old",
            "operation=UPDATE",
            "uid=u-1 name=web namespace=shop kind=Deployment",
            "user=alice groups=[\"devs\"]",
        ]
    );

    // A DELETE: the deleted object is both object and oldObject.
    let delete = ReviewContext {
        operation: ReviewOperation::Delete,
        old_object: Some(&old),
        user_info: Some(&user),
        dry_run: false,
        uid: Some("u-2"),
        request_fields: None,
    };
    assert_eq!(
        messages(&evaluator.evaluate_review(&old, Some(&delete))),
        vec![
            "dryRun=false",
            "object=old",
            "old=old",
            "operation=DELETE",
            "uid=u-2 name=web namespace=shop kind=Deployment",
            "user=alice groups=[\"devs\"]",
        ]
    );

    // A DELETE of an object no constraint covers is not evaluated.
    let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "shop", "labels": {"v": "old"}}});
    assert!(
        evaluator
            .evaluate_review(&config_map, Some(&delete))
            .is_empty()
    );
}

#[test]
fn conftest_rules_do_not_review_deletes() {
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    builder
        .add_module(
            "deny.rego",
            "package main\n\ndeny[msg] {\n  msg := sprintf(\"kind %s\", [input.kind])\n}\n",
        )
        .unwrap();
    let set = builder.build().unwrap();
    let mut evaluator = set.evaluator();
    let object = deployment("web", "shop", json!({}), "nginx:1.27");
    assert_eq!(
        messages(&evaluator.evaluate(&object)),
        vec!["kind Deployment"]
    );
    let update = ReviewContext {
        operation: ReviewOperation::Update,
        old_object: Some(&object),
        ..ReviewContext::default()
    };
    // conftest rules get the object as `input`, at admission too.
    assert_eq!(
        messages(&evaluator.evaluate_review(&object, Some(&update))),
        vec!["kind Deployment"]
    );
    let delete = ReviewContext {
        operation: ReviewOperation::Delete,
        old_object: Some(&object),
        ..ReviewContext::default()
    };
    assert!(evaluator.evaluate_review(&object, Some(&delete)).is_empty());
}

#[test]
fn the_request_fields_reach_input_review_as_sent() {
    let template = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8sreviewfields"},
        "spec": {
            "crd": {"spec": {"names": {"kind": "K8sReviewFields"}}},
            "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": "package k8sreviewfields\n\nviolation[{\"msg\": msg}] {\n  msg := sprintf(\"%v %v %v\", [input.review.resource.resource, input.review.requestKind.kind, input.review.subResource])\n}\n"}],
        },
    });
    let constraint = json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sReviewFields", "metadata": {"name": "fields"}});
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    builder.add_object(&template, "t.yaml");
    builder.add_object(&constraint, "c.yaml");
    let set = builder.build().unwrap();
    let mut evaluator = set.evaluator();
    let object = deployment("web", "shop", json!({}), "nginx:1.27");
    let fields = json!({
        "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
        "requestKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "subResource": "scale",
    });
    let context = ReviewContext {
        operation: ReviewOperation::Update,
        old_object: Some(&object),
        request_fields: fields.as_object(),
        ..ReviewContext::default()
    };
    let messages: Vec<String> = evaluator
        .evaluate_review(&object, Some(&context))
        .into_iter()
        .map(|f| f.message)
        .collect();
    assert_eq!(messages, vec!["deployments Deployment scale"]);
    // From files (no request), those fields are absent and the rule is undefined.
    assert!(evaluator.evaluate(&object).is_empty());
}
