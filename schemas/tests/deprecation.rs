//! Deprecated and removed API versions.

#![allow(clippy::unwrap_used)]

use plimsoll_schemas::{Catalog, DeprecationStatus, Level, deprecation, rule};
use serde_json::json;

fn verdict(version: &str, api_version: &str, kind: &str) -> plimsoll_schemas::Verdict {
    Catalog::new(version).unwrap().validate(
        &json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "spec": {}}),
    )
}

#[test]
fn removed_api_versions_name_the_replacement() {
    let cases = [
        (
            "1.37",
            "extensions/v1beta1",
            "Deployment",
            "1.16",
            "apps/v1",
        ),
        (
            "1.25",
            "policy/v1beta1",
            "PodDisruptionBudget",
            "1.25",
            "policy/v1",
        ),
        ("1.25", "batch/v1beta1", "CronJob", "1.25", "batch/v1"),
        (
            "1.26",
            "autoscaling/v2beta2",
            "HorizontalPodAutoscaler",
            "1.26",
            "autoscaling/v2",
        ),
        (
            "1.32",
            "flowcontrol.apiserver.k8s.io/v1beta3",
            "FlowSchema",
            "1.32",
            "flowcontrol.apiserver.k8s.io/v1",
        ),
    ];
    for (target, api_version, kind, removed_in, replacement) in cases {
        let v = verdict(target, api_version, kind);
        assert_eq!(v.origin, None);
        assert_eq!(
            v.findings.len(),
            1,
            "{target} {api_version}: {:#?}",
            v.findings
        );
        let f = &v.findings[0];
        assert_eq!(f.rule, rule::REMOVED_API_VERSION);
        assert_eq!(f.level, Level::Error);
        assert_eq!(f.pointer, "/apiVersion");
        assert_eq!(
            f.message,
            format!(
                "`{api_version}` {kind} was removed in Kubernetes {removed_in} (target: {target})"
            )
        );
        assert_eq!(f.help, Some(format!("use `apiVersion: {replacement}`")));
    }
}

#[test]
fn deprecated_api_versions_are_validated_and_warned_about() {
    // Served by 1.31, deprecated since 1.29, removed in 1.32.
    let v = verdict("1.31", "flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema");
    assert!(v.origin.is_some());
    let f = &v.findings[0];
    assert_eq!(f.rule, rule::DEPRECATED_API_VERSION);
    assert_eq!(f.level, Level::Warning);
    assert_eq!(
        f.message,
        "`flowcontrol.apiserver.k8s.io/v1beta3` FlowSchema is deprecated since Kubernetes 1.29 and will be removed in 1.32"
    );
    assert_eq!(
        f.help.as_deref(),
        Some("use `apiVersion: flowcontrol.apiserver.k8s.io/v1`")
    );
}

#[test]
fn replacement_is_one_the_target_serves() {
    // v1beta1 went away in 1.26, when `v1` did not exist yet.
    let v = verdict("1.26", "flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema");
    assert_eq!(
        v.findings[0].help.as_deref(),
        Some("use `apiVersion: flowcontrol.apiserver.k8s.io/v1beta3`")
    );
}

#[test]
fn pod_security_policy_has_a_note_instead() {
    let v = verdict("1.30", "policy/v1beta1", "PodSecurityPolicy");
    assert!(
        v.findings[0]
            .help
            .as_deref()
            .unwrap()
            .contains("Pod Security Admission")
    );
}

#[test]
fn table_lookup() {
    let (entry, status) = deprecation("batch/v1beta1", "CronJob", "1.25").unwrap();
    assert_eq!(status, DeprecationStatus::Removed);
    assert_eq!(entry.replacement, Some("batch/v1"));
    let (_, status) =
        deprecation("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.25").unwrap();
    assert_eq!(status, DeprecationStatus::Deprecated);
    assert!(deprecation("apps/v1", "Deployment", "1.37").is_none());
    assert!(deprecation("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.28").is_none());
}

/// Every apiVersion the table calls removed in a release is absent from the
/// schemas of that release, and every one it calls deprecated but served is present.
#[test]
fn table_agrees_with_the_embedded_schemas() {
    for version in plimsoll_schemas::versions() {
        let catalog = Catalog::new(version).unwrap();
        let kinds = catalog.builtin_kinds();
        for entry in plimsoll_schemas::DEPRECATIONS {
            let key = format!("{}/{}", entry.api_version, entry.kind);
            match deprecation(entry.api_version, entry.kind, version).map(|(_, s)| s) {
                Some(DeprecationStatus::Removed) => {
                    assert!(!kinds.contains(&key.as_str()), "{version}: {key}")
                }
                Some(DeprecationStatus::Deprecated) => {
                    assert!(kinds.contains(&key.as_str()), "{version}: {key}")
                }
                None => {}
            }
        }
    }
}

#[test]
fn deprecated_kinds_without_removal() {
    let v = Catalog::new("1.33")
        .unwrap()
        .validate(&json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "x"}}));
    assert!(v.origin.is_some());
    assert_eq!(v.findings.len(), 1, "{:#?}", v.findings);
    assert_eq!(v.findings[0].rule, rule::DEPRECATED_API_VERSION);
    assert_eq!(
        v.findings[0].message,
        "`v1` Endpoints is deprecated since Kubernetes 1.33"
    );
    assert_eq!(
        v.findings[0].help.as_deref(),
        Some("use `EndpointSlice` objects (`apiVersion: discovery.k8s.io/v1`) instead")
    );
    let v = Catalog::new("1.32")
        .unwrap()
        .validate(&json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "x"}}));
    assert!(v.findings.is_empty());
}
