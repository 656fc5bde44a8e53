#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The rules that read only facts find the same when the objects they are given hold no
//! value: their facts, built from the real objects, are all they read.

mod common;

use std::fs;

use plimsoll_core::Object;
use plimsoll_rules::{RuleSet, RulesConfig};

/// The rules whose checks read facts and no `serde_json::Value` of any object.
use plimsoll_rules::READS_ONLY_FACTS as FACTS_ONLY;

fn rules() -> RuleSet {
    RuleSet::new(&RulesConfig {
        only: FACTS_ONLY.iter().map(|id| (*id).to_owned()).collect(),
        ..RulesConfig::default()
    })
    .unwrap()
}

/// What the rules find on `objects`, then on copies of them whose values are empty maps,
/// checked with the facts of the originals.
fn both(rules: &RuleSet, objects: &[Object]) -> (String, String) {
    let (facts, frozen) = rules.facts(objects);
    let found = format!("{:?}", rules.check_facts(objects, &facts, &frozen));
    let hollow: Vec<Object> = objects
        .iter()
        .map(|o| Object {
            value: serde_json::Value::Object(serde_json::Map::new()),
            ..o.clone()
        })
        .collect();
    let hollow = format!("{:?}", rules.check_facts(&hollow, &facts, &frozen));
    (found, hollow)
}

#[test]
fn fixtures_are_judged_from_facts_alone() {
    let rules = rules();
    let root = common::workspace_root().join("fixtures/rules");
    let mut run = Vec::new();
    let mut findings = 0;
    for id in FACTS_ONLY {
        let mut files: Vec<_> = fs::read_dir(root.join(id))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        for path in files {
            let name = format!("{id}/{}", path.file_name().unwrap().to_str().unwrap());
            let objects = common::load(&name, &fs::read_to_string(&path).unwrap());
            let (found, hollow) = both(&rules, &objects);
            assert_eq!(found, hollow, "{name}");
            findings += rules.check(&objects).len();
            run.extend(objects);
        }
    }
    assert!(findings > FACTS_ONLY.len(), "{findings} findings");
    // Every fixture in one run: autoscalers and targets of other files, across folders.
    let (found, hollow) = both(&rules, &run);
    assert_eq!(found, hollow);
}

#[test]
fn duplicates_across_the_files_of_a_folder_are_judged_from_facts_alone() {
    let map = |mode: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: {mode}\n"
        )
    };
    let mut run = Vec::new();
    for (name, text) in [
        ("app/a.yaml", map("fast")),
        ("app/b.yaml", map("safe")),
        ("app/c.yaml", map("fast")),
        ("other/d.yaml", map("slow")),
    ] {
        run.extend(common::load(name, &text));
    }
    let rules = rules();
    let found = rules.check(&run);
    let duplicates: Vec<String> = found
        .iter()
        .filter(|d| d.rule == "duplicate-object")
        .map(|d| d.location.as_ref().unwrap().file().to_owned())
        .collect();
    // b differs from a in the same folder; c is a's copy; d is in another folder.
    assert_eq!(duplicates, ["app/b.yaml"]);
    let (found, hollow) = both(&rules, &run);
    assert_eq!(found, hollow);
}

#[test]
fn a_set_with_a_rule_that_reads_values_says_so() {
    let only = |ids: &[&str]| {
        RuleSet::new(&RulesConfig {
            only: ids.iter().map(|id| (*id).to_owned()).collect(),
            ..RulesConfig::default()
        })
        .unwrap()
    };
    assert!(only(&["single-replica", "duplicate-object"]).reads_only_facts());
    assert!(!only(&["single-replica", "latest-image-tag"]).reads_only_facts());
}
