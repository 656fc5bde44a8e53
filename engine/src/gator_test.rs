//! Gatekeeper's own test format for `plimsoll policy test`: the `Suite` files that `gator verify`
//! reads, so that a team moving from gator keeps its tests (the gatekeeper-library ships one per
//! template).
//!
//! ```yaml
//! apiVersion: test.gatekeeper.sh/v1alpha1
//! kind: Suite
//! tests:
//!   - name: required-labels
//!     template: template.yaml              # paths relative to the Suite file
//!     constraint: samples/constraint.yaml
//!     cases:
//!       - name: allowed
//!         object: samples/allowed.yaml
//!         assertions: [{violations: no}]
//!       - name: disallowed
//!         object: samples/disallowed.yaml
//!         inventory: [samples/other-namespace.yaml]   # data.inventory, for referential templates
//!         assertions:
//!           - violations: 1                 # exactly 1; or yes (at least one) / no (none)
//!             message: "must have"          # a regular expression matched against each message
//!   - name: bad-parameters
//!     template: template.yaml
//!     constraint: samples/invalid-constraint.yaml
//!     invalid: true                         # the constraint must be rejected
//! ```
//!
//! As in gator: an assertion without `violations` means `yes`; a case without assertions
//! expects no violation; `skip: true` skips a suite, test or case; an object that is an
//! `AdmissionReview` is reviewed as its `request.object`. A template whose only engine is CEL
//! (`K8sNativeValidation`) is evaluated as `plimsoll lint` evaluates it, through CEL as an
//! admission policy (see docs/cel.md); its cases' `inventory` is not read (CEL has none).

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::EngineError;

/// The outcome of one case (or of one `invalid` test).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatorOutcome {
    /// `<suite file>: <test>/<case>`.
    pub name: String,
    /// `None` when the case passed; else why it failed.
    pub failure: Option<String>,
    /// The case was skipped (`skip: true`, or a CEL-only template).
    pub skipped: bool,
}

/// Runs every Gatekeeper `Suite` found under `paths` (YAML files whose document is a `Suite` of
/// `test.gatekeeper.sh`).
pub fn run_tests(paths: &[PathBuf]) -> Result<Vec<GatorOutcome>, EngineError> {
    let mut files = Vec::new();
    for path in paths {
        suite_files(path, &mut files)?;
    }
    files.sort();
    let mut outcomes = Vec::new();
    for file in files {
        for suite in documents(&file)? {
            if is_suite(&suite) && !flag(&suite, "skip") {
                run_suite(&file, &suite, &mut outcomes);
            }
        }
    }
    Ok(outcomes)
}

fn is_suite(value: &Json) -> bool {
    value.get("kind").and_then(Json::as_str) == Some("Suite")
        && value
            .get("apiVersion")
            .and_then(Json::as_str)
            .is_some_and(|v| v.starts_with("test.gatekeeper.sh/"))
}

fn flag(value: &Json, key: &str) -> bool {
    value.get(key).and_then(Json::as_bool).unwrap_or(false)
}

fn text<'a>(value: &'a Json, key: &str) -> &'a str {
    value.get(key).and_then(Json::as_str).unwrap_or("")
}

fn suite_files(root: &Path, out: &mut Vec<PathBuf>) -> Result<(), EngineError> {
    let is_yaml = |p: &Path| p.extension().is_some_and(|e| e == "yaml" || e == "yml");
    if root.is_file() {
        if is_yaml(root) {
            out.push(root.to_path_buf());
        }
        return Ok(());
    }
    // Only files that can hold a Suite are parsed.
    out.extend(crate::policies::files_under(root, |path| {
        is_yaml(path)
            && std::fs::read_to_string(path).is_ok_and(|text| text.contains("test.gatekeeper.sh"))
    })?);
    Ok(())
}

/// Every document of a YAML file, as Kubernetes reads YAML.
fn documents(path: &Path) -> Result<Vec<Json>, EngineError> {
    let text = std::fs::read_to_string(path).map_err(|source| EngineError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let stream = plimsoll_core::yaml::parse_stream(&text, Default::default());
    Ok(stream
        .documents
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect())
}

fn run_suite(file: &Path, suite: &Json, outcomes: &mut Vec<GatorOutcome>) {
    let dir = file.parent().unwrap_or(Path::new("."));
    let label = file.display().to_string();
    let tests = suite.get("tests").and_then(Json::as_array);
    for (t, test) in tests.into_iter().flatten().enumerate() {
        let test_name = match text(test, "name") {
            "" => format!("test {}", t + 1),
            name => name.to_owned(),
        };
        let mut outcome = |case: &str, failure: Option<String>, skipped: bool| {
            outcomes.push(GatorOutcome {
                name: format!("{label}: {test_name}{case}"),
                failure,
                skipped,
            });
        };
        if flag(test, "skip") {
            outcome("", None, true);
            continue;
        }
        let set = policy_set(dir, test);
        if flag(test, "invalid") {
            let failure = match set {
                Err(_) => None,
                Ok(_) => {
                    Some("the constraint was accepted, but the test says it is invalid".to_owned())
                }
            };
            outcome(" (invalid constraint)", failure, false);
            continue;
        }
        let set = match set {
            Ok(Some(set)) => Some(set),
            Ok(None) => None,
            Err(why) => {
                outcome("", Some(why), false);
                continue;
            }
        };
        let cases = test.get("cases").and_then(Json::as_array);
        for (c, case) in cases.into_iter().flatten().enumerate() {
            let case_name = match text(case, "name") {
                "" => format!("/case {}", c + 1),
                name => format!("/{name}"),
            };
            if flag(case, "skip") {
                outcome(&case_name, None, true);
                continue;
            }
            let result = match &set {
                Some(set) => run_case(dir, set, case),
                None => run_cel_case(dir, test, case),
            };
            outcome(&case_name, result.err(), false);
        }
    }
}

/// The template and constraint of a test, compiled; `Ok(None)` for a template with only CEL.
fn policy_set(dir: &Path, test: &Json) -> Result<Option<plimsoll_policy::PolicySet>, String> {
    let mut builder =
        plimsoll_policy::PolicySetBuilder::new(plimsoll_policy::PolicyOptions::default());
    for key in ["template", "constraint"] {
        let path = dir.join(text(test, key));
        let objects = documents(&path).map_err(|e| format!("{key}: {e}"))?;
        if objects.is_empty() {
            return Err(format!("{key}: {} holds no object", path.display()));
        }
        for object in &objects {
            builder.add_object(object, &path.display().to_string());
        }
    }
    let set = builder.build().map_err(|errors| {
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    let cel_only = set
        .warnings()
        .iter()
        .any(|w| w.to_string().contains("its only engine is CEL"));
    Ok((!cel_only).then_some(set))
}

fn run_case(dir: &Path, set: &plimsoll_policy::PolicySet, case: &Json) -> Result<(), String> {
    let object_path = dir.join(text(case, "object"));
    let objects = documents(&object_path).map_err(|e| e.to_string())?;
    let [object] = objects.as_slice() else {
        return Err(format!(
            "{} must hold exactly one object, it holds {}",
            object_path.display(),
            objects.len()
        ));
    };
    let object = match object.get("kind").and_then(Json::as_str) {
        Some("AdmissionReview") => object.pointer("/request/object").unwrap_or(object),
        _ => object,
    };
    let mut inventory = Vec::new();
    let paths = case.get("inventory").and_then(Json::as_array);
    for path in paths.into_iter().flatten().filter_map(Json::as_str) {
        inventory.extend(documents(&dir.join(path)).map_err(|e| e.to_string())?);
    }
    let mut set = set.clone();
    set.set_inventory(&inventory)
        .map_err(|e| format!("inventory: {e}"))?;
    let messages: Vec<String> = set
        .evaluator()
        .evaluate(object)
        .into_iter()
        .map(|f| f.message)
        .collect();
    check_all(case, &messages)
}

/// A case of a template whose only engine is CEL: the object is linted with the template and
/// constraint as its policies (schemas and built-in rules off), as `plimsoll lint` runs them,
/// and each `admission-policy` finding is a violation.
fn run_cel_case(dir: &Path, test: &Json, case: &Json) -> Result<(), String> {
    let object_path = dir.join(text(case, "object"));
    let mut config = crate::Config {
        skip_schemas: true,
        policies: vec![
            dir.join(text(test, "template")),
            dir.join(text(test, "constraint")),
        ],
        ..crate::Config::default()
    };
    config.rules.only = vec!["duplicate-object".into()];
    let report =
        crate::lint(&[crate::Input::Path(object_path)], config).map_err(|e| e.to_string())?;
    let messages: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule == crate::vap::RULE)
        .map(|d| d.message.clone())
        .collect();
    if let Some(error) = report
        .diagnostics
        .iter()
        .find(|d| d.rule == "admission-policy-error")
    {
        return Err(error.message.clone());
    }
    check_all(case, &messages)
}

/// Every assertion of a case (none means "no violation").
fn check_all(case: &Json, messages: &[String]) -> Result<(), String> {
    let assertions = case.get("assertions").and_then(Json::as_array);
    let no_violation = [serde_json::json!({"violations": "no"})];
    let assertions = match assertions {
        Some(list) if !list.is_empty() => list.as_slice(),
        _ => &no_violation,
    };
    for assertion in assertions {
        check(assertion, messages)?;
    }
    Ok(())
}

/// One assertion against the messages of the violations found.
fn check(assertion: &Json, messages: &[String]) -> Result<(), String> {
    let pattern = match assertion.get("message").and_then(Json::as_str) {
        Some(p) => Some(regex::Regex::new(p).map_err(|e| format!("message `{p}`: {e}"))?),
        None => None,
    };
    let matching = messages
        .iter()
        .filter(|m| pattern.as_ref().is_none_or(|r| r.is_match(m)))
        .count();
    let containing = match assertion.get("message").and_then(Json::as_str) {
        Some(p) => format!(" matching {p:?}"),
        None => String::new(),
    };
    // `violations: yes` reads as a boolean in YAML 1.1; gator accepts either spelling.
    let wanted = assertion.get("violations");
    let ok = match wanted {
        None | Some(Json::Bool(true)) => matching > 0,
        Some(Json::Bool(false)) => matching == 0,
        Some(Json::String(s)) if s == "yes" => matching > 0,
        Some(Json::String(s)) if s == "no" => matching == 0,
        Some(Json::Number(n)) if n.as_u64().is_some() => Some(matching as u64) == n.as_u64(),
        Some(other) => {
            return Err(format!(
                "assertion.violations must be a non-negative integer, yes or no, not {other}"
            ));
        }
    };
    if ok {
        return Ok(());
    }
    let want = match wanted {
        None | Some(Json::Bool(true)) => "at least 1".to_owned(),
        Some(Json::Bool(false)) => "none".to_owned(),
        Some(Json::String(s)) if s == "yes" => "at least 1".to_owned(),
        Some(Json::String(_)) => "none".to_owned(),
        Some(n) => format!("exactly {n}"),
    };
    Err(format!(
        "got {matching} violations{containing} but want {want}; messages: {messages:?}"
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn assertions_count_matching_messages() {
        let messages = vec!["a is bad".to_owned(), "b is bad".to_owned()];
        assert!(check(&json!({}), &messages).is_ok());
        assert!(check(&json!({"violations": 2}), &messages).is_ok());
        assert!(check(&json!({"violations": 1, "message": "^a"}), &messages).is_ok());
        assert!(check(&json!({"violations": false, "message": "c"}), &messages).is_ok());
        assert!(check(&json!({"violations": "no"}), &messages).is_err());
        let failure = check(&json!({"violations": 3}), &messages).unwrap_err();
        assert!(
            failure.starts_with("got 2 violations but want exactly 3"),
            "{failure}"
        );
        assert!(check(&json!({"violations": -1}), &messages).is_err());
        assert!(check(&json!({"message": "("}), &messages).is_err());
    }
}
