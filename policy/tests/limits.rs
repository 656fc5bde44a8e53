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

/// One finding per expression: `x` evaluated for a Pod.
fn outcome(expression: &str) -> (String, String) {
    let text = format!(
        "package main\n\nimport rego.v1\n\ndeny contains msg if {{\n  x := {expression}\n  msg := sprintf(\"%v\", [x])\n}}\n"
    );
    let set = build(PolicyOptions::default(), &[("p.rego", &text)]);
    let findings = set
        .evaluator()
        .evaluate(&json!({"kind": "Pod", "metadata": {"name": "p"}}));
    assert_eq!(findings.len(), 1, "{expression}: {findings:?}");
    (findings[0].rule.clone(), findings[0].message.clone())
}

/// Builtins whose cost grows with an argument's value: a single call cannot be stopped by
/// the time limit, so each is refused past its cap, as a policy error for that object.
#[test]
fn builtins_that_allocate_with_an_argument_are_capped() {
    let long = r#"concat("", [s | some i in numbers.range(1, 100000); s := "a"])"#;
    let cases = [
        (
            r#"sprintf("%999999999d", [1])"#.to_owned(),
            "a width of 999999999",
        ),
        (
            r#"sprintf("%.999999999f", [1.5])"#.to_owned(),
            "a precision of 999999999",
        ),
        (
            r#"net.cidr_expand("10.0.0.0/8")"#.to_owned(),
            "2^24 addresses",
        ),
        (r#"net.cidr_expand("::/0")"#.to_owned(), "2^128 addresses"),
        (
            "bits.lsh(1, 1000000000)".to_owned(),
            "a shift over 4096 bits",
        ),
        (
            r#"units.parse("1e100000000")"#.to_owned(),
            "an exponent of 100000000",
        ),
        (
            r#"units.parse_bytes("1e100000000")"#.to_owned(),
            "an exponent of 100000000",
        ),
        (
            format!(r#"replace({long}, "a", {long})"#),
            "replace: the result would be",
        ),
        (
            format!(r#"regex.replace({long}, "a", {long})"#),
            "regex.replace: the result could reach",
        ),
        (
            format!(r#"strings.replace_n({{"a": {long}}}, {long})"#),
            "strings.replace_n: the result",
        ),
        (
            format!(r#"concat({long}, [s | some i in numbers.range(1, 1000); s := "x"])"#),
            "concat: the result would be",
        ),
    ];
    for (expression, reason) in cases {
        let (rule, message) = outcome(&expression);
        assert_eq!(rule, RULE_POLICY_ERROR, "{expression}: {message}");
        assert!(message.contains(reason), "{expression}: {message}");
        assert!(message.contains("limit"), "{expression}: {message}");
    }
}

#[test]
fn capped_builtins_still_give_their_answers() {
    let (_, message) = outcome(
        r#"[sprintf("%5d|%-4s|%.2f", [42, "ab", 3.14159]), net.cidr_expand("10.0.0.0/30"), bits.lsh(3, 4), units.parse("1.5Gi"), units.parse_bytes("2Ki"), units.parse("5e3"), replace("a.b.c", ".", "-"), replace("ab", "", "-"), strings.replace_n({"a": "1", "b": "2"}, "abc"), regex.replace("a1b22", "[0-9]+", "<$0>"), concat("/", ["x", "y"]), concat(",", {"b", "a"})]"#,
    );
    assert_eq!(
        message,
        r#"["   42|ab  |3.14", ["10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3"], 48, 1610612736, 2048, 5000, "a-b-c", "-a-b-", "12c", "a<1>b<22>", "x/y", "a,b"]"#
    );
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
