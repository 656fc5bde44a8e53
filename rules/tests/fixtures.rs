#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Runs every fixture under `fixtures/rules/<rule-id>/`: `fire*.yaml` must produce at least one
//! finding of that rule, `pass*.yaml` none; the rendered findings are snapshots. A fixture may
//! start with `# options: {json}` to configure the rule.

mod common;

use std::fs;

use plimsoll_rules::all_rules;

#[test]
fn fixtures() {
    let root = common::workspace_root().join("fixtures/rules");
    let mut failures = Vec::new();
    let mut count = 0;
    for info in all_rules() {
        let dir = root.join(info.id);
        let mut files: Vec<_> = fs::read_dir(&dir)
            .unwrap_or_else(|e| {
                panic!(
                    "rule {} has no fixtures folder {}: {e}",
                    info.id,
                    dir.display()
                )
            })
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        for path in files {
            count += 1;
            let file_name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let text = fs::read_to_string(&path).unwrap();
            let options = text
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# options:"))
                .map(|json| serde_json::from_str(json.trim()).unwrap());
            let objects = common::load(&format!("{}/{file_name}", info.id), &text);
            let set = common::only(info.id, options);
            let found: Vec<_> = set
                .check(&objects)
                .into_iter()
                .filter(|d| d.rule == info.id)
                .collect();
            let fire = file_name.starts_with("fire");
            assert!(
                fire || file_name.starts_with("pass"),
                "{}: fixture names start with fire or pass",
                path.display()
            );
            if fire && found.is_empty() {
                failures.push(format!(
                    "{}/{file_name}: expected findings, got none",
                    info.id
                ));
            }
            if !fire && !found.is_empty() {
                failures.push(format!(
                    "{}/{file_name}: expected no findings, got:\n{}",
                    info.id,
                    common::render(&found)
                ));
            }
            let stem = file_name.trim_end_matches(".yaml");
            insta::with_settings!({ prepend_module_to_snapshot => false, omit_expression => true }, {
                insta::assert_snapshot!(format!("{}__{stem}", info.id), common::render(&found));
            });
        }
    }
    assert!(count > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_fire_and_pass_fixtures_and_no_stray_folders() {
    let root = common::workspace_root().join("fixtures/rules");
    let ids: Vec<&str> = all_rules().map(|r| r.id).collect();
    for id in &ids {
        let names: Vec<String> = fs::read_dir(root.join(id))
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("fire") && n.ends_with(".yaml")),
            "{id} has no fire*.yaml fixture"
        );
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("pass") && n.ends_with(".yaml")),
            "{id} has no pass*.yaml fixture"
        );
    }
    for entry in fs::read_dir(&root).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            ids.contains(&name.as_str()),
            "fixtures/rules/{name} is not a rule id"
        );
    }
}
