#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The rule documentation: required sections, executed examples, and the generated pages
//! under `docs/rules/` (regenerate with `UPDATE_DOCS=1`).

mod common;

use std::collections::BTreeSet;
use std::fs;

use plimsoll_rules::docs::example_blocks;
use plimsoll_rules::{all_rules, rule_markdown, rules_markdown_index};

#[test]
fn ids_are_unique_and_kebab_case() {
    let mut seen = BTreeSet::new();
    for info in all_rules() {
        assert!(seen.insert(info.id), "duplicate rule id {}", info.id);
        let ok = !info.id.is_empty()
            && info.id.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
        assert!(ok, "rule id {} is not kebab-case", info.id);
    }
    assert!(seen.len() >= 50, "only {} rules", seen.len());
}

#[test]
fn docs_have_the_fixed_sections() {
    for info in all_rules() {
        let docs = info.docs();
        assert!(!info.summary().is_empty(), "{} has no summary", info.id);
        assert!(
            info.summary().ends_with('.'),
            "{}: the summary is a sentence",
            info.id
        );
        let mut at = 0;
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Options",
            "## References",
        ] {
            let found = docs[at..].find(heading).map(|i| i + at);
            assert!(
                found.is_some(),
                "{}: missing or misplaced `{heading}`",
                info.id
            );
            at = found.unwrap();
        }
        assert_eq!(
            example_blocks(docs).len(),
            2,
            "{}: the example has a bad and a good yaml block",
            info.id
        );
    }
}

#[test]
fn doc_examples_run() {
    let mut failures = Vec::new();
    for info in all_rules() {
        let blocks = example_blocks(info.docs());
        let set = common::only(info.id, None);
        for (i, block) in blocks.iter().enumerate() {
            let name = format!("{}-{}.yaml", info.id, if i == 0 { "bad" } else { "good" });
            let objects = common::load(&name, block);
            let found: Vec<_> = set
                .check(&objects)
                .into_iter()
                .filter(|d| d.rule == info.id)
                .collect();
            let want = usize::from(i == 0);
            if found.len() != want {
                failures.push(format!(
                    "{name}: expected {want} finding(s), got {}:\n{}",
                    found.len(),
                    common::render(&found)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn generated_pages_are_current() {
    let dir = common::workspace_root().join("docs/rules");
    let mut expected = vec![("README.md".to_owned(), rules_markdown_index())];
    for info in all_rules() {
        expected.push((format!("{}.md", info.id), rule_markdown(info.id).unwrap()));
    }
    if std::env::var_os("UPDATE_DOCS").is_some() {
        fs::create_dir_all(&dir).unwrap();
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") && !is_stage_page(&path) {
                fs::remove_file(path).unwrap();
            }
        }
        for (name, text) in &expected {
            fs::write(dir.join(name), text).unwrap();
        }
    }
    let mut stale = Vec::new();
    for (name, text) in &expected {
        if fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    let names: BTreeSet<String> = expected.iter().map(|(n, _)| n.clone()).collect();
    for entry in fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !names.contains(&name) && !is_stage_page(&dir.join(&name)) {
            stale.push(format!("{name} (no such rule)"));
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is stale ({}); regenerate with `UPDATE_DOCS=1 cargo test -p plimsoll-rules --test docs`",
        stale.join(", ")
    );
}

/// The pages of the loader, schema, suppression and policy ids, which the command's tests
/// generate (`tests/everyday.rs`): their category is a stage, not a rule category.
fn is_stage_page(path: &std::path::Path) -> bool {
    let text = fs::read_to_string(path).unwrap_or_default();
    text.lines().nth(2).is_some_and(|line| {
        ["loader", "schema", "suppression", "policy"]
            .iter()
            .any(|stage| line.starts_with(&format!("Category: {stage} ")))
    })
}
