//! `plimsoll policy test`: every `test_*` rule is a test that passes when it
//! evaluates to true, as with `opa test` and `conftest verify`.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::rego::{self, Module};
use crate::{Budget, EvalFailure, PolicyError, PolicyOptions, SourceLocation};

/// The result of one `test_*` rule.
#[derive(Clone, Debug, PartialEq)]
pub struct TestOutcome {
    /// Dotted package, e.g. `main`.
    pub package: String,
    /// Rule name, e.g. `test_privileged_denied`.
    pub name: String,
    /// Where the test is defined.
    pub location: SourceLocation,
    pub passed: bool,
    /// Why it failed: false, undefined, a runtime error or the time limit.
    pub failure: Option<String>,
    /// Output of `print` calls made by the test.
    pub output: Vec<String>,
}

pub(crate) fn run(
    modules: &[&Module],
    data: &[(String, Json)],
    options: &PolicyOptions,
) -> Result<Vec<TestOutcome>, Vec<PolicyError>> {
    let mut engine = crate::rego::new_engine();
    let mut errors = rego::load_modules(&mut engine, modules.iter().copied());
    errors.extend(crate::add_data(&mut engine, data));
    let locations: BTreeMap<String, SourceLocation> = modules
        .iter()
        .map(|m| (m.label.clone(), m.location.clone()))
        .collect();
    let facts = match rego::module_facts(&engine) {
        Ok(facts) => facts,
        Err(message) => {
            errors.push(PolicyError::Compile {
                location: SourceLocation::file(""),
                message,
            });
            return Err(errors);
        }
    };
    errors.extend(rego::missing_functions(&facts, &locations));
    if errors.is_empty() {
        errors.extend(rego::prepare(&mut engine, &locations));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    engine.set_gather_prints(true);

    let mut outcomes = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for module in modules {
        let Some(module_facts) = facts.get(&module.label) else {
            continue;
        };
        for head in &module_facts.rules {
            if !head.name.starts_with("test_") || head.is_function {
                continue;
            }
            let query = rego::rule_path(&module_facts.package, &head.name);
            if !seen.insert(query.clone()) {
                continue;
            }
            let budget = Budget::new(options.time_limit);
            let result = budget.eval(&mut engine, &query);
            let output = engine.take_prints().unwrap_or_default();
            let failure = match result {
                Ok(regorus::Value::Bool(true)) => None,
                Ok(regorus::Value::Undefined) => Some("the test is undefined".to_owned()),
                Ok(regorus::Value::Bool(false)) => Some("the test is false".to_owned()),
                Ok(other) => Some(format!(
                    "the test evaluated to {} instead of true",
                    crate::to_json(&other)
                )),
                Err(EvalFailure::Error(message)) => Some(format!("error: {message}")),
                Err(EvalFailure::TimeLimit) => Some(format!(
                    "stopped: exceeded the time limit of {} ms",
                    options.time_limit.map_or(0, |l| l.as_millis())
                )),
            };
            outcomes.push(TestOutcome {
                package: module_facts.package.join("."),
                name: head.name.clone(),
                location: SourceLocation {
                    line: head.line,
                    column: head.column,
                    ..module.location.clone()
                },
                passed: failure.is_none(),
                failure,
                output,
            });
        }
    }
    outcomes.sort_by(|a, b| {
        (&a.location.path, a.location.line).cmp(&(&b.location.path, b.location.line))
    });
    Ok(outcomes)
}
