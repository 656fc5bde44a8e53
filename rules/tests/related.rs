#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Cross-object rules name the objects that explain their finding as related locations:
//! the workloads a selector nearly selects, the Services an Ingress could mean, the objects
//! an autoscaler could target, the first copy of a duplicate.

mod common;

use std::fs;

/// (related message, line) of each finding of `rule` on its fixture.
fn related(rule: &str, fixture: &str) -> Vec<(String, u32)> {
    let root = common::workspace_root().join("fixtures/rules");
    let text = fs::read_to_string(root.join(rule).join(fixture)).unwrap();
    let objects = common::load(fixture, &text);
    let found = common::only(rule, None).check(&objects);
    assert!(!found.is_empty(), "{rule} did not fire on {fixture}");
    found
        .iter()
        .flat_map(|d| {
            d.related.iter().map(|r| {
                let location = r.location.as_ref().unwrap();
                (r.message.clone(), location.start().line)
            })
        })
        .collect()
}

#[test]
fn a_selector_that_selects_nothing_names_the_workloads_near_it() {
    let expected = vec![(
        "Deployment `web` has the pod labels `app=web`".to_owned(),
        19,
    )];
    assert_eq!(
        related("service-selector-matches-nothing", "fire.yaml"),
        expected
    );
    assert_eq!(related("pdb-selects-nothing", "fire.yaml")[0].1, 20);
    assert!(!related("network-policy-selects-nothing", "fire.yaml").is_empty());
    assert!(!related("network-policy-peer-selects-nothing", "fire.yaml").is_empty());
}

#[test]
fn a_missing_target_names_the_candidates() {
    assert_eq!(
        related("ingress-backend-not-found", "fire.yaml"),
        [("Service `web` is checked with it".to_owned(), 17)]
    );
    assert_eq!(
        related("hpa-target-not-found", "fire.yaml"),
        [("Deployment `web` is checked with it".to_owned(), 13)]
    );
}

#[test]
fn a_duplicate_names_its_first_copy_and_a_scaled_workload_its_autoscaler() {
    let found = related("duplicate-object", "fire.yaml");
    assert_eq!(
        found,
        [("the first definition of ConfigMap `settings`".to_owned(), 4)]
    );
    let found = related("hpa-conflicts-with-replicas", "fire.yaml");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].0.starts_with("the HorizontalPodAutoscaler"),
        "{found:?}"
    );
}

#[test]
fn a_missing_target_port_names_the_ports_the_selected_pods_declare() {
    assert_eq!(
        related("service-target-port-not-found", "fire.yaml"),
        [(
            "Deployment `web`: container `web` names its ports `http`".to_owned(),
            26
        )]
    );
}
