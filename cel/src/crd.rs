//! `x-kubernetes-validations`: the CEL rules of a CRD's structural schema, compiled once
//! per CRD version ([`SchemaRules::compile`]) and evaluated on each custom resource at the
//! nodes that carry them ([`SchemaRules::check`]), as the API server does on create:
//! `self` is the node's value (read through its schema, with defaults applied), rules that
//! read `oldSelf` are transition rules and are skipped (there is no old object offline)
//! unless `optionalOldSelf: true`, where `oldSelf` is `optional.none()`.

use std::sync::Arc;

use serde_json::Value as Json;

use crate::check::{self, Type};
use crate::value::{embedded, typed};
use crate::{Activation, EvalError, Expr, Scope};

/// The compiled rules of one structural schema, or nothing when it has none.
#[derive(Debug)]
pub struct SchemaRules {
    schema: Arc<Json>,
    root: Node,
}

#[derive(Debug, Default)]
struct Node {
    rules: Vec<Rule>,
    /// Only the children whose subtree holds rules.
    properties: Vec<(String, Node)>,
    items: Option<Box<Node>>,
    additional: Option<Box<Node>>,
}

#[derive(Debug)]
struct Rule {
    expr: Arc<Expr>,
    message: Option<String>,
    message_expr: Option<Arc<Expr>>,
    reason: Option<String>,
    field_path: Option<Vec<Step>>,
    /// Reads `oldSelf` (a transition rule).
    transition: bool,
    optional_old_self: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A rule of the schema that cannot be used, with the RFC 6901 pointer (into the schema
/// given to [`SchemaRules::compile`]) of the offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    pub pointer: String,
    pub message: String,
}

/// A rule that an object breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// RFC 6901 pointer into the object: the `fieldPath` when given and present, else the
    /// node that carries the rule.
    pub pointer: String,
    /// The rule's message, its evaluated `messageExpression`, or what went wrong.
    pub message: String,
    /// The rule's text.
    pub rule: String,
    /// `reason` (`FieldValueInvalid` when not given).
    pub reason: String,
    /// True when the rule could not be evaluated (runtime error, cost budget).
    pub error: bool,
}

const REASONS: &[&str] = &[
    "FieldValueInvalid",
    "FieldValueForbidden",
    "FieldValueRequired",
    "FieldValueDuplicate",
];

impl SchemaRules {
    /// Compile every rule of `schema` (a CRD version's `openAPIV3Schema`). `None` when it
    /// has no rule; problems name the rule's pointer and leave the rule out.
    pub fn compile(schema: &Json) -> (Option<SchemaRules>, Vec<RuleProblem>) {
        let mut problems = Vec::new();
        let mut total = 0u64;
        let root = compile_node(schema, "", true, Some(1), &mut total, &mut problems);
        if total > check::STATIC_CRD_COST_LIMIT {
            problems.push(RuleProblem {
                pointer: String::new(),
                message: check::cost_message(
                    "x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema",
                    total,
                    check::STATIC_CRD_COST_LIMIT,
                ),
            });
        }
        let rules = root.map(|root| SchemaRules {
            schema: Arc::new(schema.clone()),
            root,
        });
        (rules, problems)
    }

    /// The structural schema the rules were compiled from.
    pub fn schema(&self) -> &Json {
        &self.schema
    }

    /// The number of rules compiled.
    pub fn len(&self) -> usize {
        count(&self.root)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Evaluate every rule on `object` (the whole custom resource).
    pub fn check(&self, object: &Json) -> Vec<Violation> {
        let mut out = Vec::new();
        visit(
            &self.root,
            &self.schema,
            object,
            &mut String::new(),
            true,
            &mut out,
        );
        out
    }
}

fn count(node: &Node) -> usize {
    node.rules.len()
        + node.properties.iter().map(|(_, n)| count(n)).sum::<usize>()
        + node.items.as_deref().map_or(0, count)
        + node.additional.as_deref().map_or(0, count)
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// `x-kubernetes-validations` under `allOf`, `anyOf`, `oneOf` or `not`: the API server
/// refuses them (a structural schema keeps only value validations there).
fn junctor_rules(schema: &Json, pointer: &str, problems: &mut Vec<RuleProblem>) {
    let Json::Object(map) = schema else {
        return;
    };
    for (key, value) in map {
        let at = format!("{pointer}/{}", escape(key));
        match (key.as_str(), value) {
            ("x-kubernetes-validations", Json::Array(rules)) if !rules.is_empty() => {
                problems.push(RuleProblem {
                    pointer: at,
                    message: "x-kubernetes-validations must be empty under allOf, anyOf, oneOf and not to be structural: the API server refuses this schema (move the rule to the node that holds the junctor)".into(),
                })
            }
            ("properties", Json::Object(properties)) => {
                for (name, child) in properties {
                    junctor_rules(child, &format!("{at}/{}", escape(name)), problems);
                }
            }
            ("allOf" | "anyOf" | "oneOf", Json::Array(branches)) => {
                for (i, branch) in branches.iter().enumerate() {
                    junctor_rules(branch, &format!("{at}/{i}"), problems);
                }
            }
            ("not" | "items" | "additionalProperties", child) => {
                junctor_rules(child, &at, problems)
            }
            _ => {}
        }
    }
}

fn compile_node(
    schema: &Json,
    pointer: &str,
    resource: bool,
    cardinality: Option<u64>,
    total: &mut u64,
    problems: &mut Vec<RuleProblem>,
) -> Option<Node> {
    let Json::Object(map) = schema else {
        return None;
    };
    let mut node = Node::default();
    for junctor in ["allOf", "anyOf", "oneOf"] {
        if let Some(Json::Array(branches)) = map.get(junctor) {
            for (i, branch) in branches.iter().enumerate() {
                junctor_rules(branch, &format!("{pointer}/{junctor}/{i}"), problems);
            }
        }
    }
    if let Some(not) = map.get("not") {
        junctor_rules(not, &format!("{pointer}/not"), problems);
    }
    if let Some(Json::Array(rules)) = map.get("x-kubernetes-validations") {
        for (i, rule) in rules.iter().enumerate() {
            let at = format!("{pointer}/x-kubernetes-validations/{i}");
            match compile_rule(rule, &at, schema, resource) {
                Ok((rule, cost)) => {
                    let times = check::max_cardinality(schema, resource, cardinality);
                    *total = total.saturating_add(cost.saturating_mul(times));
                    node.rules.push(rule)
                }
                Err(problem) => problems.push(problem),
            }
        }
    }
    if let Some(Json::Object(properties)) = map.get("properties") {
        for (key, child) in properties {
            let at = format!("{pointer}/properties/{}", escape(key));
            if let Some(child) = compile_node(
                child,
                &at,
                embedded(Some(child)),
                cardinality,
                total,
                problems,
            ) {
                node.properties.push((key.clone(), child));
            }
        }
    }
    let inner = cardinality
        .zip(check::bound(schema))
        .map(|(a, b)| a.saturating_mul(b));
    if let Some(items) = map.get("items") {
        node.items = compile_node(
            items,
            &format!("{pointer}/items"),
            embedded(Some(items)),
            inner,
            total,
            problems,
        )
        .map(Box::new);
    }
    if let Some(additional) = map.get("additionalProperties") {
        node.additional = compile_node(
            additional,
            &format!("{pointer}/additionalProperties"),
            embedded(Some(additional)),
            inner,
            total,
            problems,
        )
        .map(Box::new);
    }
    let empty = node.rules.is_empty()
        && node.properties.is_empty()
        && node.items.is_none()
        && node.additional.is_none();
    (!empty).then_some(node)
}

fn compile_rule(
    rule: &Json,
    pointer: &str,
    schema: &Json,
    resource: bool,
) -> Result<(Rule, u64), RuleProblem> {
    let problem = |field: &str, message: String| RuleProblem {
        pointer: format!("{pointer}{field}"),
        message,
    };
    let text = rule
        .get("rule")
        .and_then(Json::as_str)
        .ok_or_else(|| problem("", "a validation rule has no `rule`".into()))?;
    let optional_old_self = rule.get("optionalOldSelf").and_then(Json::as_bool) == Some(true);
    let self_type = Type::from_schema(schema, resource).unwrap_or(Type::Dyn);
    let old_type = if optional_old_self {
        Type::Dyn
    } else {
        self_type.clone()
    };
    let types = [("self", self_type), ("oldSelf", old_type)];
    let compile = |source: &str| -> Result<(Arc<Expr>, u64), crate::CompileError> {
        let (expr, cost) = crate::compile_typed(source, &types)?;
        expr.check_variables(&["self", "oldSelf"])?;
        Ok((expr, cost))
    };
    let (expr, cost) =
        compile(text).map_err(|e| problem("/rule", format!("the rule does not compile: {e}")))?;
    if cost > check::STATIC_COST_LIMIT {
        return Err(problem(
            "/rule",
            check::cost_message("estimated rule cost", cost, check::STATIC_COST_LIMIT),
        ));
    }
    let message_expr = match rule.get("messageExpression").and_then(Json::as_str) {
        Some(source) => {
            let (compiled, cost) = compile(source).map_err(|e| {
                problem(
                    "/messageExpression",
                    format!("the messageExpression does not compile: {e}"),
                )
            })?;
            if cost > check::STATIC_COST_LIMIT {
                return Err(problem(
                    "/messageExpression",
                    check::cost_message(
                        "messageExpression estimated cost",
                        cost,
                        check::STATIC_COST_LIMIT,
                    ),
                ));
            }
            compiled
                .check_variables(&["self", "oldSelf"])
                .map_err(|e| {
                    problem(
                        "/messageExpression",
                        format!("the messageExpression does not compile: {e}"),
                    )
                })?;
            Some(compiled)
        }
        None => None,
    };
    let reason = rule.get("reason").and_then(Json::as_str).map(str::to_owned);
    if let Some(reason) = &reason
        && !REASONS.contains(&reason.as_str())
    {
        return Err(problem(
            "/reason",
            format!(
                "unsupported reason `{reason}`; use one of {}",
                REASONS.join(", ")
            ),
        ));
    }
    let field_path = match rule.get("fieldPath").and_then(Json::as_str) {
        Some(path) => Some(parse_field_path(path).ok_or_else(|| {
            problem(
                "/fieldPath",
                format!("`{path}` is not a valid field path (`.a.b`, `.a['b']`, `.a[0]`)"),
            )
        })?),
        None => None,
    };
    let transition = expr.uses("oldSelf");
    Ok((
        Rule {
            transition,
            optional_old_self,
            expr,
            message: rule
                .get("message")
                .and_then(Json::as_str)
                .filter(|m| !m.trim().is_empty())
                .map(str::to_owned),
            message_expr,
            reason,
            field_path,
        },
        cost,
    ))
}

/// `.spec.ports[0]`, `.metadata['a.b']`: the JSONPath subset `fieldPath` allows.
fn parse_field_path(path: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    let mut rest = path;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            if end == 0 {
                return None;
            }
            steps.push(Step::Key(after[..end].to_owned()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix("['") {
            let end = after.find("']")?;
            steps.push(Step::Key(after[..end].to_owned()));
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            steps.push(Step::Index(after[..end].parse().ok()?));
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

fn visit(
    node: &Node,
    schema: &Json,
    value: &Json,
    pointer: &mut String,
    resource: bool,
    out: &mut Vec<Violation>,
) {
    if !node.rules.is_empty() {
        let mut activation = Activation::new();
        activation.set("self", typed(value, Some(schema), resource));
        activation.scope(|scope| {
            let mut old_self = false;
            for rule in &node.rules {
                if rule.transition {
                    if !rule.optional_old_self {
                        continue;
                    }
                    if !old_self {
                        scope.set("oldSelf", crate::optional_none());
                        old_self = true;
                    }
                }
                if let Some(violation) = evaluate(rule, scope, value, pointer) {
                    out.push(violation);
                }
            }
        });
    }
    let len = pointer.len();
    match value {
        Json::Object(map) => {
            for (key, child) in &node.properties {
                if let (Some(v), Some(s)) = (
                    map.get(key),
                    schema.get("properties").and_then(|p| p.get(key)),
                ) {
                    pointer.push('/');
                    pointer.push_str(&escape(key));
                    visit(child, s, v, pointer, embedded(Some(s)), out);
                    pointer.truncate(len);
                }
            }
            if let (Some(child), Some(s)) = (&node.additional, schema.get("additionalProperties")) {
                for (key, v) in map {
                    pointer.push('/');
                    pointer.push_str(&escape(key));
                    visit(child, s, v, pointer, embedded(Some(s)), out);
                    pointer.truncate(len);
                }
            }
        }
        Json::Array(items) => {
            if let (Some(child), Some(s)) = (&node.items, schema.get("items")) {
                for (i, v) in items.iter().enumerate() {
                    pointer.push('/');
                    pointer.push_str(&i.to_string());
                    visit(child, s, v, pointer, embedded(Some(s)), out);
                    pointer.truncate(len);
                }
            }
        }
        _ => {}
    }
}

fn evaluate(rule: &Rule, scope: &Scope<'_>, value: &Json, pointer: &str) -> Option<Violation> {
    let violation = |message: String, error: bool| Violation {
        pointer: field_pointer(rule, value, pointer),
        message,
        rule: rule.expr.source().to_owned(),
        reason: rule
            .reason
            .clone()
            .unwrap_or_else(|| "FieldValueInvalid".to_owned()),
        error,
    };
    match rule.expr.eval_bool_in(scope) {
        Ok(true) => None,
        Ok(false) => {
            let from_expression = rule
                .message_expr
                .as_ref()
                .and_then(|m| m.eval_string_in(scope).ok())
                .filter(|m| !m.trim().is_empty());
            let message = from_expression
                .or_else(|| rule.message.clone())
                .unwrap_or_else(|| format!("failed rule: {}", rule.expr.source()));
            Some(violation(message, false))
        }
        Err(EvalError::CostExceeded { estimate, limit }) => Some(violation(
            format!(
                "the rule was not evaluated: its estimated cost over this value ({estimate}) exceeds the budget ({limit})"
            ),
            true,
        )),
        Err(EvalError::Runtime(error)) => Some(violation(
            format!("the rule could not be evaluated: {error}"),
            true,
        )),
    }
}

fn field_pointer(rule: &Rule, value: &Json, pointer: &str) -> String {
    let Some(steps) = &rule.field_path else {
        return pointer.to_owned();
    };
    let mut at = value;
    let mut out = pointer.to_owned();
    for step in steps {
        let next = match (step, at) {
            (Step::Key(k), Json::Object(map)) => {
                out.push('/');
                out.push_str(&escape(k));
                map.get(k)
            }
            (Step::Index(i), Json::Array(items)) => {
                out.push('/');
                out.push_str(&i.to_string());
                items.get(*i)
            }
            _ => None,
        };
        match next {
            Some(n) => at = n,
            // A field that is absent: point at the node that carries the rule.
            None => return pointer.to_owned(),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths() {
        assert_eq!(
            parse_field_path(".spec.ports[0]['a.b']"),
            Some(vec![
                Step::Key("spec".into()),
                Step::Key("ports".into()),
                Step::Index(0),
                Step::Key("a.b".into())
            ])
        );
        assert_eq!(parse_field_path("spec"), None);
        assert_eq!(parse_field_path(".a..b"), None);
        assert_eq!(parse_field_path(""), None);
    }
}
