//! Limits that keep hostile policies cheap: capped allocating builtins, bracket nesting
//! checked before parsing, builtins that need the network refused.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use plimsoll_policy::{PolicyError, PolicyOptions, PolicySetBuilder, RULE_POLICY_ERROR};
use serde_json::json;

fn errors(text: &str) -> Vec<PolicyError> {
    let mut builder = PolicySetBuilder::new(PolicyOptions::default());
    if let Err(e) = builder.add_module("p.rego", text) {
        return vec![e];
    }
    builder.build().err().unwrap_or_default()
}

#[test]
fn a_huge_numbers_range_is_a_policy_error_not_an_abort() {
    let set = build(
        PolicyOptions::default(),
        &[(
            "p.rego",
            "package main\n\ndeny contains msg if {\n  n := count(numbers.range(1, 1e9))\n  msg := sprintf(\"%d\", [n])\n}\n",
        )],
    );
    let mut evaluator = set.evaluator();
    let findings = evaluator.evaluate(&json!({"kind": "Pod", "metadata": {"name": "p"}}));
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].rule, RULE_POLICY_ERROR);
    assert!(
        findings[0].message.contains("limit"),
        "{}",
        findings[0].message
    );
}

#[test]
fn small_ranges_still_work() {
    let set = build(
        PolicyOptions::default(),
        &[(
            "p.rego",
            "package main\n\ndeny contains msg if {\n  numbers.range(3, 1) == [3, 2, 1]\n  numbers.range_step(0, 10, 5) == [0, 5, 10]\n  count(numbers.range(1, 1000)) == 1000\n  msg := \"ranges\"\n}\n",
        )],
    );
    let mut evaluator = set.evaluator();
    let findings = evaluator.evaluate(&json!({"kind": "Pod", "metadata": {"name": "p"}}));
    let messages: Vec<_> = findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(messages, vec!["ranges"]);
}

#[test]
fn deeply_nested_brackets_are_refused_before_parsing() {
    let depth = 40;
    let text = format!(
        "package main\n\nx := {}1{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let errors = errors(&text);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let message = errors[0].to_string();
    assert!(message.contains("nest more than"), "{message}");
    // Brackets in strings and comments do not count.
    let text = format!(
        "package main\n\n# {}\nx := \"{}\"\n",
        "[".repeat(depth),
        "{".repeat(depth)
    );
    assert!(self::errors(&text).is_empty());
    // Parentheses parse in linear time and do not count.
    let text = format!(
        "package main\n\nx := {}1{}\n",
        "(".repeat(20),
        ")".repeat(20)
    );
    let errors = self::errors(&text);
    assert!(errors.is_empty(), "{errors:?}");
    // Below the limit, a policy parses.
    let text = format!("package main\n\nx := {}1{}\n", "[".repeat(8), "]".repeat(8));
    assert!(self::errors(&text).is_empty());
}

#[test]
fn http_send_is_a_clear_error() {
    let errors = errors(
        "package main\n\ndeny contains msg if {\n  r := http.send({\"method\": \"get\", \"url\": \"http://x\"})\n  msg := r.body\n}\n",
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    let message = errors[0].to_string();
    assert!(
        message.contains("`http.send` is not available"),
        "{message}"
    );
    assert!(message.contains("p.rego:4"), "{message}");
}
