use serde_json::json;

use super::*;
use crate::crd::SchemaRules;

fn eval(source: &str, this: serde_json::Value) -> Result<Value, EvalError> {
    let expr = compile(source).map_err(|e| EvalError::Runtime(e.message))?;
    let mut activation = Activation::new();
    activation.set_json("self", &this);
    expr.eval(&activation)
}

fn truth(source: &str, this: serde_json::Value) -> bool {
    match eval(source, this) {
        Ok(Value::Bool(b)) => b,
        other => panic!("{source}: {other:?}"),
    }
}

#[test]
fn standard_functions_and_macros() {
    let this = json!({"a": [1, 2, 3], "s": "hello", "m": {"k": "v"}});
    assert!(truth(
        "self.a.all(x, x > 0) && self.a.exists(x, x == 2)",
        this.clone()
    ));
    assert!(truth("self.a.exists_one(x, x == 3)", this.clone()));
    assert!(truth("self.a.map(x, x * 2) == [2, 4, 6]", this.clone()));
    assert!(truth("self.a.filter(x, x > 1).size() == 2", this.clone()));
    assert!(truth("has(self.m.k) && !has(self.m.z)", this.clone()));
    assert!(truth(
        "self.s.startsWith('he') && self.s.matches('^h.*o$')",
        this.clone()
    ));
    assert!(truth("'k' in self.m && 2 in self.a", this.clone()));
    assert!(truth("self.?missing.orValue('d') == 'd'", this.clone()));
    assert!(truth("self.?s.hasValue()", this.clone()));
    assert!(truth(
        "type(self.s) == string && type(self.a[0]) == int",
        this
    ));
}

#[test]
fn kubernetes_libraries() {
    let this = json!({});
    // Lists, sets, regex, URLs, IP and CIDR, quantity, semver, format, strings.
    assert!(truth(
        "[1, 2, 3].isSorted() && [1, 2].sum() == 3",
        this.clone()
    ));
    assert!(truth("sets.contains([1, 2, 3], [1, 2])", this.clone()));
    assert!(truth("'abc 123'.find('[0-9]+') == '123'", this.clone()));
    assert!(truth(
        "url('https://example.com:8443/x').getPort() == '8443'",
        this.clone()
    ));
    assert!(truth(
        "isIP('10.0.0.1') && cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))",
        this.clone()
    ));
    assert!(truth(
        "quantity('1Gi').isGreaterThan(quantity('512Mi'))",
        this.clone()
    ));
    assert!(truth(
        "isQuantity('100m') && !isQuantity('1.0.0')",
        this.clone()
    ));
    assert!(truth(
        "semver('1.2.3').isLessThan(semver('1.10.0'))",
        this.clone()
    ));
    assert!(truth("'%s-%d'.format(['a', 1]) == 'a-1'", this.clone()));
    assert!(truth(
        "'Hello'.lowerAscii() == 'hello' && 'a,b'.split(',').size() == 2",
        this
    ));
}

#[test]
fn compile_errors_are_errors_not_panics() {
    assert!(compile("self.a ==").is_err());
    assert!(compile("").is_err());
    assert!(compile("((((").is_err());
    let expr = compile("self.a == other").unwrap();
    let error = expr.check_variables(&["self", "oldSelf"]).unwrap_err();
    assert!(error.message.contains("`other`"), "{error}");
    // Comprehension variables are bound, not free.
    let expr = compile("self.all(k, self[k] > 0)").unwrap();
    assert!(expr.check_variables(&["self"]).is_ok());
}

#[test]
fn runtime_errors_are_values() {
    let error = eval("self.missing.x == 1", json!({})).unwrap_err();
    assert!(matches!(error, EvalError::Runtime(_)), "{error:?}");
    let error = eval("1 / self.zero", json!({"zero": 0})).unwrap_err();
    assert!(matches!(error, EvalError::Runtime(_)), "{error:?}");
}

#[test]
fn cost_is_bounded_before_evaluation() {
    let items: Vec<i64> = (0..2000).collect();
    // One level over 2,000 items: fine.
    assert!(truth("self.all(x, x >= 0)", json!(items.clone())));
    // Two nested levels over 2,000 items: about 4 million steps, refused unevaluated.
    let error = eval("self.all(x, self.all(y, x + y >= 0))", json!(items)).unwrap_err();
    assert!(matches!(error, EvalError::CostExceeded { .. }), "{error:?}");
}

#[test]
fn compiled_once_and_shared() {
    let a = compile("self.x > 1").unwrap();
    let b = compile("self.x > 1").unwrap();
    assert!(Arc::ptr_eq(&a, &b));
}

#[test]
fn crd_rules_at_their_nodes() {
    let schema = json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "x-kubernetes-validations": [
                    {"rule": "self.min <= self.max", "message": "min must not exceed max", "fieldPath": ".min"},
                    {"rule": "self.max < 100", "messageExpression": "'max is ' + string(self.max)", "reason": "FieldValueForbidden"},
                    {"rule": "self.max == oldSelf.max", "message": "immutable"},
                    {"rule": "!oldSelf.hasValue() || self.max == oldSelf.value().max", "optionalOldSelf": true, "message": "optional"}
                ],
                "properties": {
                    "min": {"type": "integer"},
                    "max": {"type": "integer"},
                    "mode": {"type": "string", "default": "A"},
                    "ports": {"type": "array", "items": {
                        "type": "object",
                        "x-kubernetes-validations": [{"rule": "self.port > 0"}],
                        "properties": {"port": {"type": "integer"}}
                    }}
                }
            }
        }
    });
    let (rules, problems) = SchemaRules::compile(&schema);
    assert!(problems.is_empty(), "{problems:?}");
    let rules = rules.unwrap();
    assert_eq!(rules.len(), 5);
    let object = json!({"spec": {"min": 5, "max": 200, "ports": [{"port": 1}, {"port": 0}]}});
    let found = rules.check(&object);
    let summary: Vec<(String, String, String)> = found
        .iter()
        .map(|v| (v.pointer.clone(), v.message.clone(), v.reason.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "/spec".into(),
                "max is 200".into(),
                "FieldValueForbidden".into()
            ),
            (
                "/spec/ports/1".into(),
                "failed rule: self.port > 0".into(),
                "FieldValueInvalid".into()
            ),
        ]
    );
    let object = json!({"spec": {"min": 50, "max": 20}});
    let found = rules.check(&object);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].pointer, "/spec/min");
    // Defaults are applied before the rules see the value.
    let schema = json!({"type": "object", "properties": {"spec": {
        "type": "object",
        "x-kubernetes-validations": [{"rule": "self.mode == 'A'"}],
        "properties": {"mode": {"type": "string", "default": "A"}}
    }}});
    let rules = SchemaRules::compile(&schema).0.unwrap();
    assert!(rules.check(&json!({"spec": {}})).is_empty());
}

#[test]
fn crd_rule_problems_name_the_rule() {
    let schema = json!({"type": "object", "properties": {"spec": {
        "type": "object",
        "x-kubernetes-validations": [
            {"rule": "self.a =="},
            {"rule": "self.a == b"},
            {"rule": "true", "reason": "Nope"},
            {"rule": "true", "fieldPath": "a"}
        ]
    }}});
    let (rules, problems) = SchemaRules::compile(&schema);
    assert!(rules.is_none());
    let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        vec![
            "/properties/spec/x-kubernetes-validations/0/rule",
            "/properties/spec/x-kubernetes-validations/1/rule",
            "/properties/spec/x-kubernetes-validations/2/reason",
            "/properties/spec/x-kubernetes-validations/3/fieldPath",
        ]
    );
}

#[test]
fn typed_values_follow_the_schema() {
    let schema = json!({"type": "object", "properties": {
        "at": {"type": "string", "format": "date-time"},
        "every": {"type": "string", "format": "duration"},
        "ratio": {"type": "number"},
        "metadata": {"type": "object"}
    }});
    let value = value::typed(
        &json!({"at": "2024-01-02T03:04:05Z", "every": "1h30m", "ratio": 2, "metadata": {"name": "a", "labels": {"x": "y"}}}),
        Some(&schema),
        true,
    );
    let mut activation = Activation::new();
    activation.set("self", value);
    let check = |source: &str| compile(source).unwrap().eval_bool(&activation).unwrap();
    assert!(check("self.at < timestamp('2025-01-01T00:00:00Z')"));
    assert!(check("self.every == duration('90m')"));
    assert!(check("self.ratio == 2.0"));
    assert!(check(
        "self.metadata.name == 'a' && !has(self.metadata.labels)"
    ));
}

#[test]
fn optional_chains() {
    let this = json!({"m": {"labels": {"team": "a"}}, "n": {}});
    assert!(truth("self.m.?labels.?team.hasValue()", this.clone()));
    assert!(!truth("self.n.?labels.?team.hasValue()", this.clone()));
    assert!(truth("self.m.?labels.team.hasValue()", this.clone()));
    assert!(!truth("self.n.?labels.team.hasValue()", this));
}
