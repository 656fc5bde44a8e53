//! Validation of built-in kinds against the embedded schemas.

#![allow(clippy::unwrap_used)]

use plimsoll_schemas::{Catalog, Level, SchemaFinding, SchemaOrigin, rule};
use serde_json::{Value, json};

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{
                    "name": "web",
                    "image": "nginx:1.27",
                    "imagePullPolicy": "IfNotPresent",
                    "ports": [{"containerPort": 80}],
                    "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": 0.25}}
                }]}
            }
        }
    })
}

fn catalog() -> Catalog {
    Catalog::new("1.33").unwrap()
}

/// Validate `object` after applying `edit`, and return its findings.
fn findings(edit: impl FnOnce(&mut Value)) -> Vec<SchemaFinding> {
    let mut object = deployment();
    edit(&mut object);
    let verdict = catalog().validate(&object);
    assert_eq!(
        verdict.origin,
        Some(SchemaOrigin::Builtin { version: "1.33" })
    );
    verdict.findings
}

fn only(findings: Vec<SchemaFinding>) -> SchemaFinding {
    assert_eq!(findings.len(), 1, "{findings:#?}");
    findings.into_iter().next().unwrap()
}

fn container(object: &mut Value) -> &mut Value {
    &mut object["spec"]["template"]["spec"]["containers"][0]
}

#[test]
fn valid_deployment_has_no_findings() {
    let verdict = catalog().validate(&deployment());
    assert!(verdict.is_valid(), "{verdict:#?}");
    for version in plimsoll_schemas::versions() {
        let verdict = Catalog::new(version).unwrap().validate(&deployment());
        assert!(verdict.is_valid(), "{version}: {verdict:#?}");
    }
}

#[test]
fn unknown_field_points_at_the_key_with_a_suggestion() {
    let f = only(findings(|o| {
        let c = container(o).as_object_mut().unwrap();
        let v = c.remove("imagePullPolicy").unwrap();
        c.insert("imagePullPolcy".into(), v);
    }));
    assert_eq!(f.rule, rule::UNKNOWN_FIELD);
    assert_eq!(f.pointer, "/spec/template/spec/containers/0/imagePullPolcy");
    assert!(f.at_key);
    assert_eq!(
        f.message,
        "unknown field `spec.template.spec.containers[0].imagePullPolcy`"
    );
    assert_eq!(f.help.as_deref(), Some("did you mean `imagePullPolicy`?"));
}

#[test]
fn unknown_top_level_field() {
    let f = only(findings(|o| {
        o["spce"] = json!({});
    }));
    assert_eq!(f.rule, rule::UNKNOWN_FIELD);
    assert_eq!(f.pointer, "/spce");
    assert_eq!(f.help.as_deref(), Some("did you mean `spec`?"));
}

#[test]
fn wrong_type_points_at_the_value() {
    let f = only(findings(|o| o["spec"]["replicas"] = json!("3")));
    assert_eq!(f.rule, rule::INVALID);
    assert_eq!(f.pointer, "/spec/replicas");
    assert!(!f.at_key);
    assert_eq!(
        f.message,
        "`spec.replicas` must be an integer, got a string (`\"3\"`)"
    );
}

#[test]
fn missing_required_points_at_the_parent() {
    let f = only(findings(|o| {
        container(o).as_object_mut().unwrap().remove("name");
    }));
    assert_eq!(f.rule, rule::MISSING_REQUIRED);
    assert_eq!(f.pointer, "/spec/template/spec/containers/0");
    // A list item has no key: the engine points at the item.
    assert!(!f.at_key);
    assert_eq!(
        f.message,
        "missing required field `spec.template.spec.containers[0].name`"
    );
    assert_eq!(
        f.help.as_deref(),
        Some("add `name` to `spec.template.spec.containers[0]`")
    );

    let f = only(findings(|o| {
        o["spec"].as_object_mut().unwrap().remove("selector");
    }));
    assert_eq!(f.pointer, "/spec");
    assert!(f.at_key);
    assert_eq!(f.message, "missing required field `spec.selector`");
}

#[test]
fn built_in_enums_come_from_the_reviewed_table() {
    // Kubernetes publishes allowed values of fields such as `imagePullPolicy`
    // in descriptions only; `data/enums.tsv` adds them to the schemas.
    let f = only(findings(|o| {
        container(o)["imagePullPolicy"] = json!("always")
    }));
    assert_eq!(f.rule, rule::INVALID);
    assert_eq!(f.help.as_deref(), Some("did you mean `Always`?"));
}

#[test]
fn int32_overflow() {
    let f = only(findings(|o| {
        container(o)["ports"][0]["containerPort"] = json!(4_294_967_296_i64)
    }));
    assert_eq!(f.rule, rule::INVALID);
    assert_eq!(
        f.pointer,
        "/spec/template/spec/containers/0/ports/0/containerPort"
    );
    assert_eq!(
        f.message,
        "`spec.template.spec.containers[0].ports[0].containerPort` is out of range for a 32-bit integer: `4294967296`"
    );
}

#[test]
fn bad_quantity() {
    let f = only(findings(|o| {
        container(o)["resources"]["limits"]["memory"] = json!("12 GB")
    }));
    assert_eq!(f.rule, rule::INVALID);
    assert_eq!(
        f.pointer,
        "/spec/template/spec/containers/0/resources/limits/memory"
    );
    assert_eq!(
        f.message,
        "`spec.template.spec.containers[0].resources.limits.memory` must be a quantity, got a string (`\"12 GB\"`)"
    );
    assert!(f.help.unwrap().contains("`128Mi`"));

    let f = only(findings(|o| {
        container(o)["resources"]["limits"]["cpu"] = json!(true)
    }));
    assert!(f.message.ends_with("must be a quantity (a number, or a string such as `500m` or `1Gi`), got a boolean (`true`)"), "{}", f.message);
}

#[test]
fn int_or_string_message() {
    let f = only(findings(|o| {
        o["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = json!([1])
    }));
    assert_eq!(f.pointer, "/spec/strategy/rollingUpdate/maxSurge");
    assert_eq!(
        f.message,
        "`spec.strategy.rollingUpdate.maxSurge` must be an integer or a string, got a list"
    );
    // `null` is accepted where the API accepts it.
    assert!(
        findings(|o| o["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = Value::Null).is_empty()
    );
}

#[test]
fn keys_with_dots_are_quoted_in_paths() {
    let f = only(findings(|o| {
        o["metadata"]["labels"]["app.kubernetes.io/name"] = json!(3)
    }));
    assert_eq!(f.pointer, "/metadata/labels/app.kubernetes.io~1name");
    assert_eq!(
        f.message,
        "`metadata.labels[\"app.kubernetes.io/name\"]` must be a string, got an integer (`3`)"
    );
}

#[test]
fn secret_values_are_never_quoted() {
    let secret = json!({
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
        "data": {"password": "hunter2!"}, "stringData": {"token": 12345}
    });
    let verdict = catalog().validate(&secret);
    assert_eq!(verdict.findings.len(), 2, "{:#?}", verdict.findings);
    for f in &verdict.findings {
        assert!(
            !f.message.contains("hunter2") && !f.message.contains("12345"),
            "{}",
            f.message
        );
    }
    assert_eq!(
        verdict.findings[0].message,
        "`data.password` must be base64-encoded data, got a string"
    );
    assert_eq!(
        verdict.findings[1].message,
        "`stringData.token` must be a string, got an integer"
    );
}

#[test]
fn env_values_are_never_quoted() {
    let f = only(findings(|o| {
        container(o)["env"] = json!([{"name": "PASSWORD", "value": 424242}])
    }));
    assert_eq!(f.pointer, "/spec/template/spec/containers/0/env/0/value");
    assert!(!f.message.contains("424242"), "{}", f.message);
}

#[test]
fn date_time_and_byte_formats() {
    let event = json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "creationTimestamp": "yesterday"},
        "binaryData": {"blob": "not base64!"}
    });
    let verdict = catalog().validate(&event);
    let messages: Vec<&str> = verdict
        .findings
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "`binaryData.blob` must be base64-encoded data, got a string (`\"not base64!\"`)",
            "`metadata.creationTimestamp` must be an RFC 3339 date-time, got a string (`\"yesterday\"`)",
        ]
    );
}

#[test]
fn unknown_kind() {
    let verdict = catalog().validate(
        &json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}),
    );
    assert_eq!(verdict.origin, None);
    let f = only(verdict.findings);
    assert_eq!(f.rule, rule::UNKNOWN_KIND);
    assert_eq!(f.pointer, "/kind");
    assert_eq!(
        f.message,
        "no schema for kind `Widget` in `apiVersion: example.com/v1` (Kubernetes 1.33)"
    );

    let f = only(
        catalog()
            .validate(&json!({"apiVersion": "v1", "kind": "Deployment"}))
            .findings,
    );
    assert_eq!(f.rule, rule::UNKNOWN_KIND);
    assert_eq!(
        f.help.as_deref(),
        Some("`Deployment` is served as `apiVersion: apps/v1` in Kubernetes 1.33")
    );

    let f = only(
        catalog()
            .validate(&json!({"apiVersion": "v1", "kind": "ConfigMpa"}))
            .findings,
    );
    assert_eq!(f.help.as_deref(), Some("did you mean `ConfigMap`?"));
}

#[test]
fn objects_without_identity_are_left_to_the_caller() {
    let verdict = catalog().validate(&json!({"metadata": {"name": "x"}}));
    assert_eq!(verdict.origin, None);
    assert!(verdict.findings.is_empty());
}

#[test]
fn unknown_version_lists_the_available_ones() {
    let err = Catalog::new("1.12").unwrap_err().to_string();
    assert_eq!(
        err,
        "unknown Kubernetes version `1.12`; available: 1.25, 1.26, 1.27, 1.28, 1.29, 1.30, 1.31, 1.32, 1.33, 1.34, 1.35, 1.36, 1.37"
    );
    assert!(Catalog::new("banana").is_err());
    assert_eq!(Catalog::new("v1.30.2").unwrap().version(), "1.30");
    assert_eq!(plimsoll_schemas::default_version(), "1.37");
}

#[test]
fn findings_have_default_levels() {
    let f = only(findings(|o| o["spec"]["replicas"] = json!("3")));
    assert_eq!(f.level, Level::Error);
}

#[test]
fn descriptions_for_hover() {
    let c = catalog();
    let text = c
        .describe("apps/v1", "Deployment", "/spec/replicas")
        .unwrap();
    assert!(text.contains("Number of desired pods"), "{text}");
    let text = c
        .describe(
            "apps/v1",
            "Deployment",
            "/spec/template/spec/containers/0/imagePullPolicy",
        )
        .unwrap();
    assert!(text.contains("Image pull policy"), "{text}");
    assert!(c.describe("apps/v1", "Deployment", "/spec/nope").is_none());
}

#[test]
fn catalog_is_shared_across_threads() {
    let c = catalog();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| assert!(c.validate(&deployment()).is_valid()));
        }
    });
}

#[test]
fn every_builtin_kind_compiles() {
    for version in ["1.25", "1.37"] {
        let catalog = Catalog::new(version).unwrap();
        let kinds = catalog.builtin_kinds();
        assert!(kinds.len() > 100, "{version}: {}", kinds.len());
        for key in kinds {
            let (api_version, kind) = key.rsplit_once('/').unwrap();
            let verdict = catalog.validate(
                &json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}}),
            );
            assert!(verdict.origin.is_some(), "{version} {key}");
            for f in &verdict.findings {
                assert!(
                    !f.message.starts_with("cannot check"),
                    "{version} {key}: {}",
                    f.message
                );
            }
        }
    }
}

#[test]
fn type_mistakes_that_yaml_makes_easy_get_advice() {
    let f = only(findings(|o| {
        container(o)["env"] = json!([{"name": "DEBUG", "value": true}])
    }));
    assert_eq!(f.pointer, "/spec/template/spec/containers/0/env/0/value");
    assert_eq!(
        f.message,
        "`spec.template.spec.containers[0].env[0].value` must be a string, got a boolean"
    );
    assert!(f.help.unwrap().starts_with("quote the value"));

    let f = only(findings(|o| {
        o["spec"]["template"]["spec"]["containers"] = json!({"name": "web", "image": "nginx"})
    }));
    assert_eq!(
        f.message,
        "`spec.template.spec.containers` must be a list, got a mapping"
    );
    assert_eq!(
        f.help.as_deref(),
        Some("write it as a list: start each item with `- `")
    );
}

#[test]
fn catalog_and_verdicts_can_move_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Catalog>();
    send_sync::<plimsoll_schemas::Verdict>();
    send_sync::<plimsoll_schemas::SchemaError>();
}
