#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The binding rules point at the binding's `roleRef` and give the rule of the role that
//! grants the power as a related location.

mod common;

use std::fs;

fn related(rule: &str, fixture: &str) -> Vec<(String, String, u32)> {
    let root = common::workspace_root().join("fixtures/rules");
    let text = fs::read_to_string(root.join(rule).join(fixture)).unwrap();
    let objects = common::load(fixture, &text);
    common::only(rule, None)
        .check(&objects)
        .iter()
        .flat_map(|d| {
            d.related.iter().map(|r| {
                let location = r.location.as_ref().unwrap();
                (d.message.clone(), r.message.clone(), location.start().line)
            })
        })
        .collect()
}

#[test]
fn exec_grants_point_at_the_role_rule() {
    let found = related("binding-grants-pod-exec", "fire.yaml");
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(
        found[0].0.contains("allows `create` on `pods/exec`"),
        "{found:?}"
    );
    assert_eq!(
        (found[0].1.as_str(), found[0].2),
        ("Role `debugger` allows `create` on `pods/exec` here", 10)
    );
    assert_eq!(
        (found[1].1.as_str(), found[1].2),
        (
            "ClusterRole `attacher` allows `*` on `pods/attach` here",
            33
        )
    );
}

#[test]
fn default_roles_have_no_related_location() {
    assert!(related("binding-grants-pod-exec", "fire-default-roles.yaml").is_empty());
}

#[test]
fn wildcard_grants_point_at_the_wildcard() {
    let found = related("binding-grants-wildcard", "fire.yaml");
    assert_eq!(
        found
            .iter()
            .map(|f| (f.1.as_str(), f.2))
            .collect::<Vec<_>>(),
        [
            ("Role `deployer` grants `*` resources here", 11),
            ("ClusterRole `config-manager` grants `*` resources here", 34),
        ]
    );
}
