//! Every `plimsoll` command in docs/ci.md runs, in a repository shaped like the recipes
//! expect, and writes the files the recipes upload.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ci_support;

use ci_support::{fixture, git, plimsoll, repository, workspace};

/// The `plimsoll …` command lines inside the fenced code blocks of a Markdown text.
fn commands(markdown: &str) -> Vec<String> {
    let mut in_block = false;
    let mut out = Vec::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        for marker in ["plimsoll lint", "plimsoll baseline"] {
            if let Some(at) = line.find(marker) {
                out.push(line[at..].trim_end().to_owned());
            }
        }
    }
    out
}

#[test]
fn every_recipe_command_runs() {
    let doc = std::fs::read_to_string(workspace().join("docs/ci.md")).unwrap();
    let commands = commands(&doc);
    assert!(commands.len() >= 6, "{commands:#?}");

    let repo = repository();
    let dir = repo.path();
    std::fs::write(dir.join("deploy/web.yaml"), fixture("good.yaml")).unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "web"]);
    // What `actions/checkout` with `fetch-depth: 0` gives.
    git(dir, &["update-ref", "refs/remotes/origin/main", "HEAD"]);

    for command in &commands {
        assert!(
            !command.contains(['"', '\'', '$', '|', '>', '<', '&', ';']),
            "keep doc commands free of shell syntax, so that this test runs them as written: {command}"
        );
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let run = plimsoll(dir, &args);
        assert!(
            run.code == 0 || run.code == 1,
            "`{command}` exited with {}: {}",
            run.code,
            run.stderr
        );
        // Files the recipes upload are written.
        for arg in &args {
            if let Some((_, file)) = arg.split_once('=') {
                assert!(dir.join(file).is_file(), "`{command}` did not write {file}");
            }
        }
        if args.first() == Some(&"baseline") {
            assert!(dir.join(args[1]).is_file());
        }
    }

    // The baseline recipe makes the gate pass on today's findings.
    let run = plimsoll(
        dir,
        &["lint", "deploy", "--baseline", "plimsoll-baseline.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn the_pre_commit_recipe_names_a_hook_that_exists() {
    let doc = std::fs::read_to_string(workspace().join("docs/ci.md")).unwrap();
    let hooks = std::fs::read_to_string(workspace().join(".pre-commit-hooks.yaml")).unwrap();
    let ids: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("- id: "))
        .collect();
    assert_eq!(ids, ["plimsoll-system"]);
    for id in ids {
        assert!(hooks.contains(&format!("- id: {id}\n")), "no hook `{id}`");
    }
    // The hook runs the command the recipe documents.
    assert!(hooks.contains("entry: plimsoll lint --ignore-non-kubernetes\n"));
    assert!(doc.contains("plimsoll lint --ignore-non-kubernetes --fail-on error deploy/web.yaml"));
}

#[test]
fn every_json_field_is_documented() {
    let doc = std::fs::read_to_string(workspace().join("docs/json-output.md")).unwrap();
    let repo = repository();
    std::fs::write(
        repo.path().join("b.json"),
        "{\"version\": 1, \"entries\": []}",
    )
    .unwrap();
    let run = plimsoll(
        repo.path(),
        &["lint", "deploy", "--format", "json", "--baseline", "b.json"],
    );
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let mut missing = Vec::new();
    let mut check = |path: String| {
        if !doc.contains(&format!("`{path}`")) {
            missing.push(path);
        }
    };
    for (key, value) in report.as_object().unwrap() {
        check(key.clone());
        if key == "tool" {
            for sub in value.as_object().unwrap().keys() {
                check(format!("tool.{sub}"));
            }
        } else if let (false, Some(fields)) = (key == "diagnostics", value.as_object()) {
            for sub in fields.keys() {
                check(sub.clone());
            }
        }
    }
    for diagnostic in report["diagnostics"].as_array().unwrap() {
        for key in diagnostic.as_object().unwrap().keys() {
            check(key.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "not in docs/json-output.md: {missing:?}"
    );
}
