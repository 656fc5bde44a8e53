//! Rego that OPA accepts and regorus reads differently runs here as OPA runs it: the policy
//! source is repaired before it is parsed and `sprintf` behaves as Go's does.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use plimsoll_policy::PolicyOptions;
use serde_json::json;

fn messages(modules: &[(&str, &str)], object: serde_json::Value) -> Vec<String> {
    let set = build(PolicyOptions::default(), modules);
    let mut evaluator = set.evaluator();
    let mut found: Vec<String> = evaluator
        .evaluate(&object)
        .into_iter()
        .map(|f| format!("{}: {}", f.rule, f.message))
        .collect();
    found.sort();
    found
}

fn deployment() -> serde_json::Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 3}})
}

#[test]
fn a_rule_with_several_bodies_fires_for_each_body() {
    let policy = "package main\n\ndeny[msg] {\n  input.kind == \"Pod\"\n  msg := \"a pod\"\n} {\n  input.kind == \"Deployment\"\n  msg := \"a deployment\"\n}\n";
    assert_eq!(
        messages(&[("multi.rego", policy)], deployment()),
        vec!["main.deny: a deployment"]
    );
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
    assert_eq!(
        messages(&[("multi.rego", policy)], pod),
        vec!["main.deny: a pod"]
    );
}

#[test]
fn sprintf_with_too_few_arguments_prints_missing_as_opa_does() {
    let policy = "package main\n\ndeny[msg] {\n  msg := sprintf(\"%v has %v replicas and %v\", [input.kind, input.spec.replicas])\n}\n";
    assert_eq!(
        messages(&[("sprintf.rego", policy)], deployment()),
        vec!["main.deny: Deployment has 3 replicas and %!v(MISSING)"]
    );
}

#[test]
fn a_line_that_starts_with_a_parenthesis_is_a_new_expression() {
    let policy = "package main\n\ndeny[msg] {\n  spec := input.spec\n  (spec.replicas > 1)\n  msg := \"replicated\"\n}\n";
    assert_eq!(
        messages(&[("paren.rego", policy)], deployment()),
        vec!["main.deny: replicated"]
    );
}

#[test]
fn an_undefined_argument_of_a_negated_call_leaves_the_rule_undefined() {
    let policy = "package main\n\nsame(a, b) {\n  a == b\n}\n\ndeny[msg] {\n  not same(1, input.spec.missing)\n  msg := \"different\"\n}\n";
    assert_eq!(
        messages(&[("not.rego", policy)], deployment()),
        Vec::<String>::new()
    );
    let defined = "package main\n\nsame(a, b) {\n  a == b\n}\n\ndeny[msg] {\n  not same(1, input.spec.replicas)\n  msg := \"different\"\n}\n";
    assert_eq!(
        messages(&[("not.rego", defined)], deployment()),
        vec!["main.deny: different"]
    );
}

#[test]
fn a_comprehension_may_redeclare_an_outer_variable() {
    let policy = "package main\n\ndeny[msg] {\n  name := input.metadata.name\n  same := [name | some i; input.items[i].name == name; name := input.items[i].id]\n  count(same) > 1\n  msg := sprintf(\"%s is there %d times\", [name, count(same)])\n}\n";
    let object = json!({"apiVersion": "v1", "kind": "List", "metadata": {"name": "a"},
        "items": [{"name": "a", "id": 1}, {"name": "b", "id": 2}, {"name": "a", "id": 3}]});
    assert_eq!(
        messages(&[("combine.rego", policy)], object),
        vec!["main.deny: a is there 2 times"]
    );
}

#[test]
fn the_deprecated_builtins_opa_keeps_for_rego_v0_run() {
    // `re_match` as the gatekeeper-library's uniqueingresshost calls it, and the others
    // OPA still accepts in v0 policies.
    let policy = r#"package main

deny[msg] {
  re_match("^apps/.+$", input.apiVersion)
  any([false, input.spec.replicas > 2])
  all([true, input.kind == "Deployment"])
  not all([true, false])
  not any([])
  set_diff({1, 2, 3}, {2}) == {1, 3}
  cast_set([1, 1, 2]) == {1, 2}
  count(cast_array({"a", "b"})) == 2
  net.cidr_overlap("10.0.0.0/8", "10.1.2.3")
  not re_match("^v1$", input.apiVersion)
  msg := "all deprecated builtins answered as OPA does"
}
"#;
    assert_eq!(
        messages(&[("deprecated.rego", policy)], deployment()),
        vec!["main.deny: all deprecated builtins answered as OPA does"]
    );
}

#[test]
fn a_policy_function_named_like_a_deprecated_builtin_is_the_policy_s() {
    let policy = "package main\n\nall(xs) := \"mine\"\n\ndeny[msg] {\n  msg := all([false])\n}\n";
    assert_eq!(
        messages(&[("shadow.rego", policy)], deployment()),
        vec!["main.deny: mine"]
    );
}

#[test]
fn some_in_a_comprehension_shadows_the_enclosing_variable() {
    // As conftest's examples/combine: the body declares `some i, j`, a comprehension
    // declares its own `some i`.
    let policy = "package main\n\ndeny[msg] {\n  some i, j\n  names := {n | some i; n := input.items[i].name}\n  ids := [x | some i, k; x := input.items[i].ids[k]]\n  pairs := [p | p := input.items[i].ids[j]]\n  count(pairs) > 0\n  msg := sprintf(\"%v %v %v\", [sort(names), count(ids), count(pairs)])\n}\n";
    let object = json!({"apiVersion": "v1", "kind": "List", "metadata": {"name": "a"},
        "items": [{"name": "b", "ids": [1, 2]}, {"name": "a", "ids": [3]}]});
    assert_eq!(
        messages(&[("some.rego", policy)], object),
        vec!["main.deny: [\"a\", \"b\"] 3 3"]
    );
}

#[test]
fn a_variable_declared_with_some_and_bound_only_in_comprehensions_is_local_to_each() {
    // conftest's examples/combine: `some i, j` in the body, then several comprehensions that
    // each iterate with `i` (and `j`); OPA gives each comprehension its own `i`.
    let policy = "package main\n\ndeny[msg] {\n\tsome i, j\n\tkinds := {k | some i; k := input.items[i].kind}\n\towners := [u | input.items[i].kind == \"team\"; u := input.items[i].owner]\n\tmembers := [u | input.items[i].kind == \"team\"; u := input.items[i].member]\n\tall := array.concat(owners, members)\n\tpeople := {p | p := all[i][j]}\n\tmsg := sprintf(\"%v %v\", [sort(people), count(kinds)])\n}\n";
    let object = json!({"apiVersion": "v1", "kind": "List", "metadata": {"name": "a"},
        "items": [{"kind": "team", "owner": ["ann"], "member": ["bob", "cy"]}, {"kind": "user"}]});
    assert_eq!(
        messages(&[("combine.rego", policy)], object),
        vec!["main.deny: [\"ann\", \"bob\", \"cy\"] 2"]
    );
}
