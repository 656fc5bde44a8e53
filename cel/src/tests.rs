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

/// The compile errors of rules at `spec` of a schema whose `spec` is `spec`.
fn problems_at_spec(spec: serde_json::Value, rules: &[&str]) -> Vec<String> {
    let mut spec = spec;
    spec["x-kubernetes-validations"] = rules.iter().map(|r| json!({"rule": r})).collect();
    let schema = json!({"type": "object", "properties": {"spec": spec}});
    SchemaRules::compile(&schema)
        .1
        .into_iter()
        .map(|p| p.message)
        .collect()
}

#[test]
fn rules_are_type_checked_against_the_schema() {
    let spec = json!({"type": "object", "properties": {
        "replicas": {"type": "integer"},
        "name": {"type": "string", "maxLength": 63},
        "ratio": {"type": "number"},
        "port": {"x-kubernetes-int-or-string": true},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "ports": {"type": "array", "maxItems": 8, "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "port": {"type": "integer"}}}},
        "config": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
        "raw": {"x-kubernetes-preserve-unknown-fields": true},
        "template": {"type": "object", "x-kubernetes-embedded-resource": true,
            "properties": {"spec": {"type": "object"}}}
    }});
    // Fine: declared fields, map keys, int-or-string against both, embedded resources'
    // apiVersion, kind and metadata.name.
    let fine = [
        "self.replicas > 0 && self.name.startsWith('a')",
        "self.labels.app == 'web' && 'app' in self.labels",
        "self.ports.all(p, p.port > 0 && p.name.size() < 16)",
        "self.port == 80 || self.port == 'http'",
        "self.ratio < 1 && self.replicas < 2.5",
        "has(self.template.metadata) && self.template.metadata.name != '' && self.template.kind == 'Pod'",
        "self.ports.map(p, p.port).all(x, x > 0)",
        "self.name == null || self.replicas == null",
    ];
    for rule in fine {
        assert_eq!(
            problems_at_spec(spec.clone(), &[rule]),
            Vec::<String>::new(),
            "{rule}"
        );
    }
    let wrong = [
        ("self.replcas > 0", "undefined field 'replcas'"),
        ("has(self.nmae)", "undefined field 'nmae'"),
        ("self.ports.all(p, p.prot > 0)", "undefined field 'prot'"),
        (
            "self.replicas == 'three'",
            "found no matching overload for '_==_' applied to '(int, string)'",
        ),
        (
            "self.name && true",
            "found no matching overload for '_&&_' applied to '(string, bool)'",
        ),
        (
            "self.replicas.startsWith('1')",
            "found no matching overload for 'startsWith' applied to 'int.(string)'",
        ),
        (
            "self.replicas.all(x, x > 0)",
            "expression of type 'int' cannot be range of a comprehension",
        ),
        (
            "self.name.first",
            "type 'string' does not support field selection",
        ),
        // Fields without schema are not visible to rules, as on the API server.
        ("self.config.anything == 1", "undefined field 'anything'"),
        ("has(self.raw)", "undefined field 'raw'"),
        (
            "self.template.metadata.labels.size() > 0",
            "undefined field 'labels'",
        ),
    ];
    for (rule, expected) in wrong {
        let problems = problems_at_spec(spec.clone(), &[rule]);
        assert_eq!(problems.len(), 1, "{rule}: {problems:?}");
        assert!(
            problems[0].starts_with("the rule does not compile: compilation failed: ")
                && problems[0].contains(expected),
            "{rule}: {}",
            problems[0]
        );
    }
}

#[test]
fn static_cost_from_the_schema_bounds() {
    let unbounded = json!({"type": "object", "properties": {"hosts": {"type": "array",
        "items": {"type": "string"}}}});
    let bounded = json!({"type": "object", "properties": {"hosts": {"type": "array",
        "maxItems": 16, "items": {"type": "string", "maxLength": 253}}}});
    let rule = "self.hosts.all(h, self.hosts.exists_one(o, o == h) && h.matches('^[a-z0-9.-]+$'))";
    let problems = problems_at_spec(unbounded, &[rule]);
    assert_eq!(
        problems,
        vec!["estimated rule cost exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)".to_owned()]
    );
    assert_eq!(problems_at_spec(bounded, &[rule]), Vec::<String>::new());
    // A cheap rule under unbounded lists stays within the CRD's total.
    let nested = json!({"type": "object", "properties": {"items": {"type": "array",
        "items": {"type": "object", "x-kubernetes-validations": [{"rule": "has(self.a) || !has(self.b)"}],
            "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}}}});
    assert!(SchemaRules::compile(&nested).1.is_empty());
}

#[test]
fn set_and_map_lists_compare_ignoring_order() {
    let schema = json!({"type": "object", "properties": {
        "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
        "order": {"type": "array", "items": {"type": "string"}},
        "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
            "items": {"type": "object", "properties": {"name": {"type": "string"}, "port": {"type": "integer"}}}}
    }, "x-kubernetes-validations": [
        {"rule": "self.tags == ['b', 'a']", "message": "set equality"},
        {"rule": "self.order == ['b', 'a']", "message": "atomic equality"},
        {"rule": "self.tags + ['c', 'a'] == ['a', 'b', 'c'] && (self.tags + ['c', 'a']).size() == 3", "message": "set union"},
        {"rule": "self.ports + [{'name': 'http', 'port': 8080}, {'name': 'dns', 'port': 53}] == [{'name': 'dns', 'port': 53}, {'name': 'http', 'port': 8080}, {'name': 'https', 'port': 443}]", "message": "map merge"},
        {"rule": "self.ports != [{'name': 'https', 'port': 443}, {'name': 'http', 'port': 80}]", "message": "map inequality"}
    ]});
    let (rules, problems) = SchemaRules::compile(&schema);
    assert!(problems.is_empty(), "{problems:?}");
    let object = json!({"tags": ["a", "b"], "order": ["a", "b"],
        "ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}]});
    let messages: Vec<String> = rules
        .unwrap()
        .check(&object)
        .into_iter()
        .map(|v| v.message)
        .collect();
    assert_eq!(messages, vec!["atomic equality", "map inequality"]);
}

#[test]
fn rules_under_junctors_are_refused() {
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
        "anyOf": [{"x-kubernetes-validations": [{"rule": "true"}]}],
        "properties": {"a": {"type": "string",
            "not": {"x-kubernetes-validations": [{"rule": "true"}]}}}}}});
    let pointers: Vec<String> = SchemaRules::compile(&schema)
        .1
        .into_iter()
        .map(|p| p.pointer)
        .collect();
    assert_eq!(
        pointers,
        vec![
            "/properties/spec/anyOf/0/x-kubernetes-validations",
            "/properties/spec/properties/a/not/x-kubernetes-validations"
        ]
    );
}

#[derive(Debug)]
struct OnlyGetPods;

impl crate::authz::Authorize for OnlyGetPods {
    fn authorize(&self, a: &crate::authz::Attributes) -> crate::authz::Decision {
        let allowed = (a.resource == "pods" && a.group.is_empty() && a.verb == "get")
            || a.path.as_deref() == Some("/healthz")
            || a.user == "system:serviceaccount:ops:admin";
        crate::authz::Decision {
            allowed,
            reason: if allowed {
                "by test".into()
            } else {
                String::new()
            },
            error: (a.namespace == "broken").then(|| "cannot decide".into()),
        }
    }
}

#[test]
fn authorizer_checks() {
    let mut activation = Activation::new();
    activation.set(
        "authorizer",
        crate::authz::authorizer(
            std::sync::Arc::new(OnlyGetPods),
            "alice",
            &[],
            ["", "pods", "", "default", "web"],
        ),
    );
    let truth = |source: &str| compile(source).unwrap().eval_bool(&activation).unwrap();
    assert!(truth(
        "authorizer.group('').resource('pods').namespace('default').check('get').allowed()"
    ));
    assert!(!truth(
        "authorizer.group('').resource('pods').check('delete').allowed()"
    ));
    assert!(!truth(
        "authorizer.group('apps').resource('deployments').name('x').check('get').allowed()"
    ));
    assert!(truth("authorizer.requestResource.check('get').allowed()"));
    assert!(truth(
        "authorizer.requestResource.check('get').reason() == 'by test'"
    ));
    assert!(truth("authorizer.path('/healthz').check('get').allowed()"));
    assert!(truth(
        "authorizer.serviceAccount('ops', 'admin').group('apps').resource('deployments').check('delete').allowed()"
    ));
    assert!(truth(
        "authorizer.resource('pods').namespace('broken').check('get').errored()"
    ));
    assert!(truth(
        "authorizer.resource('pods').namespace('broken').check('get').error() == 'cannot decide'"
    ));
    assert!(
        compile("authorizer.check('get')")
            .unwrap()
            .eval(&activation)
            .is_err()
    );
}

#[test]
fn only_the_parts_read_are_converted() {
    let expr = compile(
        "has(object.metadata.name) && object.?spec.?replicas.orValue(1) < 3 && object.spec.template.spec.containers.all(c, c.image != '')",
    )
    .unwrap();
    let paths = expr.read_paths("object");
    let object = json!({"metadata": {"name": "web", "labels": {"a": "b"}},
        "spec": {"replicas": 2, "selector": {}, "template": {"metadata": {}, "spec": {"containers": [{"image": "x", "name": "c"}]}}},
        "status": {}});
    let value = crate::value::to_value_within(&object, &paths);
    assert_eq!(
        to_json(&value),
        json!({"metadata": {"name": "web"}, "spec": {"replicas": 2,
            "template": {"spec": {"containers": [{"image": "x", "name": "c"}]}}}})
    );
    let mut activation = Activation::new();
    activation.set("object", value);
    assert!(expr.eval_bool(&activation).unwrap());
    // A whole use reads everything.
    assert!(
        compile("size(object) > 0")
            .unwrap()
            .read_paths("object")
            .is_everything()
    );
}

#[test]
fn property_names_are_read_under_their_escape() {
    let schema = json!({"type": "object", "properties": {"spec": {"type": "object",
    "properties": {"max-size": {"type": "integer"}, "if": {"type": "string"}, "a.b": {"type": "string"}},
    "x-kubernetes-validations": [
        {"rule": "self.max__dash__size <= 10 && self.__if__ == 'x' && self.a__dot__b == 'y'", "message": "escaped"}
    ]}}});
    let (rules, problems) = SchemaRules::compile(&schema);
    assert!(problems.is_empty(), "{problems:?}");
    let rules = rules.unwrap();
    let check = |size: i64| {
        rules
            .check(&json!({"spec": {"max-size": size, "if": "x", "a.b": "y"}}))
            .len()
    };
    assert_eq!(check(5), 0);
    assert_eq!(check(50), 1);
    assert_eq!(
        problems_at_spec(
            json!({"type": "object", "properties": {"max-size": {"type": "integer"}}}),
            &["self.max_size > 0"]
        )
        .len(),
        1
    );
}
