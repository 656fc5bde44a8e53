//! Custom resources validated against the schemas of their CRDs.

#![allow(clippy::unwrap_used)]

use plimsoll_schemas::{Catalog, SchemaError, SchemaOrigin, rule};
use serde_json::{Value, json};

fn crd() -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [
                {"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                    "type": "object",
                    "description": "A widget.",
                    "properties": {
                        "spec": {
                            "type": "object",
                            "required": ["size"],
                            "properties": {
                                "size": {"type": "integer", "format": "int32", "minimum": 1, "description": "How big."},
                                "colour": {"type": "string", "enum": ["red", "green", "blue"]},
                                "port": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]},
                                "note": {"type": "string", "nullable": true},
                                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                                "template": {"type": "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true},
                                "ratio": {"type": "number", "maximum": 1, "exclusiveMaximum": true},
                                "selector": {"type": "object"},
                                "interval": {"type": "string", "format": "duration"}
                            }
                        },
                        "metadata": {"type": "object"}
                    }
                }}},
                {"name": "v1alpha1", "served": false, "storage": false, "schema": {"openAPIV3Schema": {"type": "object"}}}
            ]
        }
    })
}

fn widget(spec: Value) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "labels": {"a": "b"}}, "spec": spec})
}

fn catalog() -> Catalog {
    let mut catalog = Catalog::new("1.37").unwrap();
    catalog.add_crd(&crd()).unwrap();
    catalog
}

#[test]
fn valid_custom_resource() {
    let verdict = catalog().validate(&widget(json!({
        "size": 3, "colour": "red", "port": "http", "note": null,
        "extra": {"anything": {"goes": 1}},
        "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}},
        "ratio": 0.5, "interval": "1m30s"
    })));
    assert_eq!(
        verdict.origin,
        Some(SchemaOrigin::Crd {
            name: "widgets.example.com".into()
        })
    );
    assert!(verdict.findings.is_empty(), "{:#?}", verdict.findings);
}

#[test]
fn custom_resource_findings() {
    let verdict = catalog().validate(&widget(json!({
        "colour": "purple", "port": 1.5, "sise": 2, "ratio": 1
    })));
    let got: Vec<(&str, &str, bool, &str)> = verdict
        .findings
        .iter()
        .map(|f| (f.rule, f.pointer.as_str(), f.at_key, f.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                rule::MISSING_REQUIRED,
                "/spec",
                true,
                "missing required field `spec.size`"
            ),
            (
                rule::INVALID,
                "/spec/colour",
                false,
                "`spec.colour` must be one of `red`, `green`, `blue`, got a string (`\"purple\"`)"
            ),
            (
                rule::INVALID,
                "/spec/port",
                false,
                "`spec.port` must be an integer or a string, got a number (`1.5`)"
            ),
            (
                rule::INVALID,
                "/spec/ratio",
                false,
                "`spec.ratio` must be less than 1: `1`"
            ),
            (
                rule::UNKNOWN_FIELD,
                "/spec/sise",
                true,
                "unknown field `spec.sise`"
            ),
        ]
    );
    let unknown = verdict
        .findings
        .iter()
        .find(|f| f.rule == rule::UNKNOWN_FIELD)
        .unwrap();
    assert_eq!(unknown.help.as_deref(), Some("did you mean `size`?"));
}

#[test]
fn enum_violation_suggests_the_closest_value() {
    let verdict = catalog().validate(&widget(json!({"size": 1, "colour": "gren"})));
    assert_eq!(verdict.findings.len(), 1, "{:#?}", verdict.findings);
    assert_eq!(
        verdict.findings[0].help.as_deref(),
        Some("did you mean `green`?")
    );
}

#[test]
fn int32_range_and_minimum_in_custom_resources() {
    let verdict = catalog().validate(&widget(json!({"size": 3_000_000_000_i64})));
    assert_eq!(verdict.findings.len(), 1);
    assert_eq!(
        verdict.findings[0].message,
        "`spec.size` is out of range for a 32-bit integer: `3000000000`"
    );
    let verdict = catalog().validate(&widget(json!({"size": 0})));
    assert_eq!(
        verdict.findings[0].message,
        "`spec.size` must be at least 1: `0`"
    );
}

#[test]
fn versions_that_are_not_served_are_unknown() {
    let mut object = widget(json!({"size": 1}));
    object["apiVersion"] = json!("example.com/v1alpha1");
    let verdict = catalog().validate(&object);
    assert_eq!(verdict.origin, None);
    assert_eq!(verdict.findings[0].rule, rule::UNKNOWN_KIND);
    assert_eq!(
        verdict.findings[0].help.as_deref(),
        Some("`Widget` is served as `apiVersion: example.com/v1` in Kubernetes 1.37")
    );
}

#[test]
fn descriptions_of_custom_resources() {
    assert_eq!(
        catalog()
            .describe("example.com/v1", "Widget", "/spec/size")
            .as_deref(),
        Some("How big.")
    );
}

#[test]
fn a_crd_added_later_replaces_the_schema() {
    let mut catalog = catalog();
    assert!(
        catalog
            .validate(&widget(json!({"size": 1})))
            .findings
            .is_empty()
    );
    let mut changed = crd();
    changed["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["required"] =
        json!(["colour"]);
    catalog.add_crd(&changed).unwrap();
    let verdict = catalog.validate(&widget(json!({"size": 1})));
    assert_eq!(
        verdict.findings[0].message,
        "missing required field `spec.colour`"
    );
}

#[test]
fn objects_that_are_not_crds_are_errors() {
    let mut catalog = Catalog::new("1.37").unwrap();
    let err = catalog
        .add_crd(&json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}))
        .unwrap_err();
    assert!(matches!(err, SchemaError::InvalidCrd { .. }));
    assert_eq!(
        err.to_string(),
        "CustomResourceDefinition `c`: not an apiextensions.k8s.io CustomResourceDefinition"
    );
    let mut broken = crd();
    broken["spec"].as_object_mut().unwrap().remove("group");
    assert_eq!(
        catalog.add_crd(&broken).unwrap_err().to_string(),
        "CustomResourceDefinition `widgets.example.com`: `spec.group` is missing"
    );
}

#[test]
fn a_crd_whose_schema_does_not_compile_is_reported_on_its_objects() {
    let mut catalog = Catalog::new("1.37").unwrap();
    let mut bad = crd();
    bad["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["colour"]
        ["pattern"] = json!("([a-z");
    catalog.add_crd(&bad).unwrap();
    let verdict = catalog.validate(&widget(json!({"size": 1})));
    assert_eq!(verdict.findings.len(), 1);
    assert_eq!(verdict.findings[0].rule, rule::INVALID);
    assert!(verdict.findings[0].message.starts_with(
        "cannot check `example.com/v1/Widget`: its schema (CustomResourceDefinition widgets.example.com) does not compile"
    ), "{}", verdict.findings[0].message);
}

#[test]
fn objects_without_declared_fields_reject_every_field() {
    // The API server prunes (and in strict mode rejects) fields of an object
    // schema that declares none and does not preserve unknown fields.
    let verdict = catalog().validate(&widget(json!({"size": 1, "selector": {"app": "x"}})));
    assert_eq!(verdict.findings.len(), 1, "{:#?}", verdict.findings);
    let f = &verdict.findings[0];
    assert_eq!(
        (f.rule, f.pointer.as_str(), f.at_key),
        (rule::UNKNOWN_FIELD, "/spec/selector/app", true)
    );
    assert_eq!(f.message, "unknown field `spec.selector.app`");
}

#[test]
fn durations_are_read_the_way_go_reads_them() {
    let verdict = catalog().validate(&widget(json!({"size": 1, "interval": "PT30S"})));
    assert_eq!(verdict.findings.len(), 1, "{:#?}", verdict.findings);
    assert_eq!(
        verdict.findings[0].message,
        "`spec.interval` must be a duration, got a string (`\"PT30S\"`)"
    );
}

#[test]
fn has_schema_and_clone() {
    let with_crd = catalog();
    assert!(with_crd.has_schema("example.com/v1", "Widget"));
    assert!(with_crd.has_schema("apps/v1", "Deployment"));
    assert!(!with_crd.has_schema("example.com/v1alpha1", "Widget"));
    let copy = with_crd.clone();
    assert!(copy.validate(&widget(json!({"size": 1}))).is_valid());
    assert!(
        !Catalog::new("1.37")
            .unwrap()
            .has_schema("example.com/v1", "Widget")
    );
}
