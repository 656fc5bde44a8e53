#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use plimsoll_policy::{PolicyOptions, PolicySetBuilder};

#[test]
fn fixture_library_tests_pass() {
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    add_rego_dir(&mut builder, &fixtures().join("conftest"));
    let outcomes = builder.run_tests().unwrap();
    let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(outcomes.len(), 11);
    let first = &outcomes[0];
    assert!(first.location.path.ends_with("image_tag_test.rego"));
    assert_eq!(
        (first.name.as_str(), first.location.line),
        ("test_latest_tag_warns", 11)
    );
    assert_eq!(first.package, "main");
}

#[test]
fn failing_tests_report_why_and_where() {
    let policy =
        "package main\n\nimport rego.v1\n\ndeny contains \"no\" if input.kind == \"Pod\"\n";
    let tests = r#"package main

import rego.v1

test_pod_denied if {
  deny["no"] with input as {"kind": "Pod"}
}

test_wrong_expectation if {
  print("deny is", deny) with input as {"kind": "Service"}
  count(deny) == 1 with input as {"kind": "Service"}
}

test_false := false

test_error if {
  to_number("x") == 1
}

todo_helper := 1
"#;
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    builder.add_module("p.rego", policy).unwrap();
    builder.add_module("p_test.rego", tests).unwrap();
    let outcomes = builder.run_tests().unwrap();
    let summary: Vec<_> = outcomes
        .iter()
        .map(|o| (o.name.as_str(), o.location.line, o.passed))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("test_pod_denied", 5, true),
            ("test_wrong_expectation", 9, false),
            ("test_false", 14, false),
            ("test_error", 16, false),
        ]
    );
    assert_eq!(
        outcomes[1].failure.as_deref(),
        Some("the test is undefined")
    );
    assert_eq!(outcomes[1].output.len(), 1, "{:?}", outcomes[1].output);
    assert!(outcomes[1].output[0].contains("deny is"));
    assert_eq!(outcomes[2].failure.as_deref(), Some("the test is false"));
    assert!(
        outcomes[3]
            .failure
            .as_deref()
            .unwrap()
            .starts_with("error: ")
    );

    // Test files are not linted.
    let set = builder.build().unwrap();
    assert_eq!(set.rules().len(), 1);
}

#[test]
fn tests_do_not_run_when_policies_do_not_compile() {
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    builder
        .add_module("x_test.rego", "package main\n\ntest_x if {\n")
        .unwrap_err();
    let errors = builder.run_tests().unwrap_err();
    assert_eq!(errors.len(), 1);
}
