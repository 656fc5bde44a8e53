//! Schemas found through schema-location templates.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use plimsoll_schemas::{Catalog, SchemaError, SchemaOrigin, rule};
use serde_json::json;

fn certificate(spec: serde_json::Value) -> serde_json::Value {
    json!({"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "c"}, "spec": spec})
}

#[test]
fn catalog_layout_folder_with_references() {
    let dir = tempfile::tempdir().unwrap();
    let group = dir.path().join("cert-manager.io");
    std::fs::create_dir(&group).unwrap();
    std::fs::write(
        group.join("certificate_v1.json"),
        json!({
            "type": "object",
            "properties": {
                "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
                "spec": {"$ref": "spec.json"}
            },
            "additionalProperties": false
        })
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        group.join("spec.json"),
        json!({"type": "object", "required": ["secretName"], "properties": {"secretName": {"type": "string"}}, "additionalProperties": false})
            .to_string(),
    )
    .unwrap();

    let mut catalog = Catalog::new("1.37").unwrap();
    let template = format!(
        "{}/{{{{ .Group }}}}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json",
        dir.path().display()
    );
    catalog.add_schema_location(&template).unwrap();

    let verdict = catalog.validate(&certificate(json!({"secretName": "tls"})));
    assert_eq!(
        verdict.origin,
        Some(SchemaOrigin::File {
            path: group.join("certificate_v1.json")
        })
    );
    assert!(verdict.findings.is_empty(), "{:#?}", verdict.findings);

    let verdict = catalog.validate(&certificate(json!({"secretNme": "tls"})));
    let rules: Vec<&str> = verdict.findings.iter().map(|f| f.rule).collect();
    assert_eq!(
        rules,
        [rule::MISSING_REQUIRED, rule::UNKNOWN_FIELD],
        "{:#?}",
        verdict.findings
    );

    // A kind with no file stays unknown.
    let verdict = catalog.validate(&json!({"apiVersion": "cert-manager.io/v1", "kind": "Issuer"}));
    assert_eq!(verdict.findings[0].rule, rule::UNKNOWN_KIND);
}

#[test]
fn reader_can_be_replaced() {
    let mut catalog = Catalog::new("1.37").unwrap();
    catalog.add_schema_location("/virtual").unwrap();
    catalog.set_schema_reader(|path: &Path| {
        Ok(
            (path == Path::new("/virtual/certificate-cert-manager-v1.json")).then(|| {
                json!({"type": "object", "properties": {"spec": {"type": "object"}}}).to_string()
            }),
        )
    });
    let verdict = catalog.validate(&certificate(json!("oops")));
    assert_eq!(verdict.findings.len(), 1, "{:#?}", verdict.findings);
    assert_eq!(
        verdict.findings[0].message,
        "`spec` must be a mapping, got a string (`\"oops\"`)"
    );
}

#[test]
fn unreadable_or_broken_files_are_reported_on_the_object() {
    let mut catalog = Catalog::new("1.37").unwrap();
    catalog.add_schema_location("/virtual").unwrap();
    catalog.set_schema_reader(|_: &Path| Ok(Some("{ not json".to_owned())));
    let verdict = catalog.validate(&certificate(json!({})));
    assert_eq!(verdict.findings.len(), 1);
    assert!(
        verdict.findings[0]
            .message
            .starts_with("cannot check `cert-manager.io/v1/Certificate`")
    );
}

#[test]
fn templates_of_other_schemes_are_refused() {
    let mut catalog = Catalog::new("1.37").unwrap();
    let err = catalog
        .add_schema_location("ftp://example.com/{{ .ResourceKind }}.json")
        .unwrap_err();
    assert!(matches!(err, SchemaError::SchemaLocation { .. }));
}

#[test]
fn url_templates_are_read_through_the_reader() {
    let mut catalog = Catalog::new("1.37").unwrap();
    catalog
        .add_schema_location(
            "https://example.com/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json",
        )
        .unwrap();
    catalog.set_schema_reader(|path| {
        assert_eq!(
            path.to_str(),
            Some("https://example.com/example.com/widget_v1.json")
        );
        Ok(Some(
            r#"{"type":"object","properties":{"spec":{"type":"object","properties":{"size":{"type":"integer"}}}}}"#
                .to_owned(),
        ))
    });
    let object = serde_json::json!({
        "apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w"}, "spec": {"size": "big"}
    });
    let verdict = catalog.validate(&object);
    assert_eq!(verdict.findings.len(), 1, "{:?}", verdict.findings);
    assert_eq!(
        catalog.schema_location_targets("example.com/v1", "Widget"),
        vec![std::path::PathBuf::from(
            "https://example.com/example.com/widget_v1.json"
        )]
    );
}
