//! The API server's own checks of built-in kinds, the enum table, and CRD defaulting.

#![allow(clippy::unwrap_used)]

use plimsoll_schemas::{Catalog, apiserver};
use serde_json::{Value, json};

fn rules(object: &Value) -> Vec<(&'static str, String)> {
    Catalog::new("1.37")
        .unwrap()
        .validate(object)
        .findings
        .into_iter()
        .map(|f| (f.rule, f.pointer))
        .collect()
}

fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
}

#[test]
fn enums_of_built_in_fields_are_checked() {
    let object = pod(json!({
        "restartPolicy": "Sometimes",
        "containers": [{"name": "a", "image": "x", "imagePullPolicy": "Sometimes",
            "securityContext": {"procMount": "Other"},
            "ports": [{"containerPort": 80, "protocol": "HTTP"}]}]
    }));
    assert_eq!(
        rules(&object),
        vec![
            (
                "schema-invalid",
                "/spec/containers/0/imagePullPolicy".into()
            ),
            (
                "schema-invalid",
                "/spec/containers/0/ports/0/protocol".into()
            ),
            (
                "schema-invalid",
                "/spec/containers/0/securityContext/procMount".into()
            ),
            ("schema-invalid", "/spec/restartPolicy".into()),
        ]
    );
    let ok = pod(json!({
        "restartPolicy": "",
        "containers": [{"name": "a", "image": "x", "imagePullPolicy": "Never",
            "ports": [{"containerPort": 80, "protocol": "SCTP"}]}]
    }));
    assert_eq!(rules(&ok), vec![]);
}

#[test]
fn enum_messages_list_the_allowed_values_only() {
    let object =
        pod(json!({"containers": [{"name": "a", "image": "x", "imagePullPolicy": "always"}]}));
    let verdict = Catalog::new("1.37").unwrap().validate(&object);
    let f = &verdict.findings[0];
    assert_eq!(
        f.message,
        "`spec.containers[0].imagePullPolicy` must be one of `Always`, `IfNotPresent`, `Never`, got a string (`\"always\"`)"
    );
    assert_eq!(f.help.as_deref(), Some("did you mean `Always`?"));
}

#[test]
fn a_deployment_pod_must_restart_always_and_a_job_pod_must_not() {
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
        "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "a", "image": "x"}]}}}});
    assert_eq!(
        rules(&deployment),
        vec![(
            "schema-restart-policy",
            "/spec/template/spec/restartPolicy".into()
        )]
    );
    let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
        "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x"}]}}}});
    assert_eq!(
        rules(&job),
        vec![("schema-restart-policy", "/spec/template/spec".into())]
    );
}

#[test]
fn names_ports_volumes_and_handlers_are_checked_as_the_api_server_does() {
    let object = pod(json!({
        "volumes": [{"name": "v", "emptyDir": {}}, {"name": "v", "emptyDir": {}}],
        "initContainers": [{"name": "a", "image": "x"}],
        "containers": [{"name": "a", "image": "x",
            "ports": [{"name": "web--ui", "containerPort": 0}, {"name": "http", "containerPort": 80}, {"name": "http", "containerPort": 81, "hostPort": 70000}],
            "volumeMounts": [{"name": "missing", "mountPath": "/m"}, {"name": "v", "mountPath": "/v"}],
            "livenessProbe": {"periodSeconds": 1},
            "readinessProbe": {"tcpSocket": {"port": 80}, "grpc": {"port": 80}},
            "lifecycle": {"preStop": {"sleep": {"seconds": 1}}}}],
        "topologySpreadConstraints": [{"maxSkew": 0, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}]
    }));
    assert_eq!(
        rules(&object),
        vec![
            (
                "schema-probe-handler",
                "/spec/containers/0/livenessProbe".into()
            ),
            ("schema-duplicate-name", "/spec/containers/0/name".into()),
            (
                "schema-invalid-port",
                "/spec/containers/0/ports/0/containerPort".into()
            ),
            (
                "schema-invalid-port",
                "/spec/containers/0/ports/0/name".into()
            ),
            (
                "schema-invalid-port",
                "/spec/containers/0/ports/2/hostPort".into()
            ),
            (
                "schema-duplicate-name",
                "/spec/containers/0/ports/2/name".into()
            ),
            (
                "schema-probe-handler",
                "/spec/containers/0/readinessProbe/grpc".into()
            ),
            (
                "schema-unknown-volume",
                "/spec/containers/0/volumeMounts/0/name".into()
            ),
            (
                "schema-invalid-value",
                "/spec/topologySpreadConstraints/0/maxSkew".into()
            ),
            ("schema-duplicate-name", "/spec/volumes/1/name".into()),
        ]
    );
}

#[test]
fn service_ports_and_hpa_ranges() {
    let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
        "spec": {"ports": [{"port": 80, "targetPort": "Http"}, {"name": "b", "port": 81, "nodePort": 70000},
            {"name": "b", "port": 82, "targetPort": 8080}]}});
    assert_eq!(
        rules(&service),
        vec![
            ("schema-invalid-port", "/spec/ports/0".into()),
            ("schema-invalid-port", "/spec/ports/0/targetPort".into()),
            ("schema-invalid-port", "/spec/ports/1/nodePort".into()),
            ("schema-duplicate-name", "/spec/ports/2/name".into()),
        ]
    );
    let hpa = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "d"}, "minReplicas": 3, "maxReplicas": 2}});
    assert_eq!(
        rules(&hpa),
        vec![("schema-invalid-value", "/spec/maxReplicas".into())]
    );
}

#[test]
fn disruption_budgets_as_the_api_server_validates_them() {
    let pdb = |spec: Value| {
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "b"},
            "spec": spec})
    };
    let selector = json!({"matchLabels": {"app": "a"}});
    for good in [json!(0), json!(3), json!("0%"), json!("100%")] {
        let object = pdb(json!({"minAvailable": good, "selector": selector}));
        assert_eq!(rules(&object), vec![], "{object}");
    }
    assert_eq!(
        rules(&pdb(json!({"minAvailable": "150%", "selector": selector}))),
        vec![("schema-invalid-value", "/spec/minAvailable".into())]
    );
    assert_eq!(
        rules(&pdb(
            json!({"maxUnavailable": "half", "selector": selector})
        )),
        vec![("schema-invalid-value", "/spec/maxUnavailable".into())]
    );
    assert_eq!(
        rules(&pdb(json!({"maxUnavailable": -1, "selector": selector}))),
        vec![("schema-invalid-value", "/spec/maxUnavailable".into())]
    );
    assert_eq!(
        rules(&pdb(
            json!({"minAvailable": 1, "maxUnavailable": 1, "selector": selector})
        )),
        vec![("schema-invalid-value", "/spec/maxUnavailable".into())]
    );
}

#[test]
fn every_check_is_documented() {
    for check in apiserver::CHECKS {
        assert!(check.id.starts_with("schema-"), "{}", check.id);
        assert!(check.doc.contains("Kubernetes:"), "{}", check.id);
        assert!(!check.fields.is_empty());
    }
    assert!(apiserver::check("schema-probe-handler").is_some());
    // Every entry of the enum table names the validation code it was checked against.
    assert!(plimsoll_schemas::enum_entries().len() >= 60);
}

#[test]
fn custom_resources_are_defaulted_before_validation() {
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gateways.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
            "names": {"kind": "Gateway", "plural": "gateways"},
            "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {"spec": {"type": "object", "properties": {"addresses": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"type": {"type": "string", "default": "IPAddress"}, "value": {"type": "string"}},
                    "oneOf": [
                        {"properties": {"type": {"enum": ["IPAddress"]}, "value": {"pattern": "^[0-9.]+$"}}, "required": ["type"]},
                        {"properties": {"type": {"enum": ["Hostname"]}}, "required": ["type"]}
                    ]
                }}}}}
            }}}]
        }
    });
    let mut catalog = Catalog::new("1.37").unwrap();
    catalog.add_crd(&crd).unwrap();
    let gateway = json!({"apiVersion": "example.com/v1", "kind": "Gateway", "metadata": {"name": "g"},
        "spec": {"addresses": [{"value": "10.0.0.1"}]}});
    let verdict = catalog.validate(&gateway);
    assert!(verdict.is_valid(), "{:?}", verdict.findings);
}

#[test]
fn a_statefulsets_claim_templates_are_volumes_of_its_pods() {
    let object = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
        "spec": {"serviceName": "db", "selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "db", "image": "x",
                "volumeMounts": [{"name": "data", "mountPath": "/d"}, {"name": "logs", "mountPath": "/l"}]}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}}]}});
    assert_eq!(
        rules(&object),
        vec![(
            "schema-unknown-volume",
            "/spec/template/spec/containers/0/volumeMounts/1/name".into()
        )]
    );
}
