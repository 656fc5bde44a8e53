//! Checking one object at admission: no files, no other objects.
//!
//! The webhook hands the engine the object of an AdmissionReview as a JSON value. It is
//! loaded as an in-memory JSON document (JSON is YAML, so the loader's identity checks and
//! suppression annotations work as for files), validated against its schema, checked by the
//! rules that look at one object, and by the policies (Gatekeeper's `data.inventory` then holds
//! only the context objects of the policy folders). Rules across objects do not run: the other
//! objects are not there. The diagnostics keep their JSON pointer and lose their location,
//! which would point into text that only the engine saw.
//!
//! The settings that only the webhook reads (`webhook:` in `.plimsoll.yaml`) are here too.

use std::collections::BTreeMap;

use plimsoll_core::{Diagnostic, Discovery, Severity};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::Engine;

pub use plimsoll_policy::{ReviewContext, ReviewOperation};

/// The name given to the in-memory document of an admitted object.
const NAME: &str = "<admission>";

/// `webhook:` in `.plimsoll.yaml`: what only `plimsoll webhook` reads.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WebhookConfig {
    /// Requests that are allowed without being checked.
    #[serde(default)]
    pub exempt: Exemptions,
    /// Per-rule enforcement, by rule id (built-in, schema, loader or policy ids): `deny`
    /// denies whatever the severity, `warn` answers a warning, `audit` only logs and counts.
    /// Rules not named here deny at or above `failOn` and warn below it.
    #[serde(default)]
    pub enforcement: BTreeMap<String, Enforcement>,
    /// What to answer when a review runs past its time limit: `allow` or `deny`. When left
    /// out, the webhook answers HTTP 500 and the API server applies its `failurePolicy`.
    pub on_timeout: Option<OnTimeout>,
}

/// Namespaces, users and groups whose requests are not checked.
#[derive(Clone, Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exemptions {
    #[serde(default)]
    pub namespaces: Vec<String>,
    #[serde(default)]
    pub usernames: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// What a finding does at admission.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Enforcement {
    Deny,
    Warn,
    Audit,
}

/// The answer on time-out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnTimeout {
    Allow,
    Deny,
}

/// Whether a rule runs at admission, where only the object under review is known.
pub fn runs_at_admission(rule: &str) -> bool {
    !crate::CROSS_OBJECT_RULES.contains(&rule)
}

/// Policies ready to evaluate one object after another (one per worker thread).
pub struct AdmissionPolicies(plimsoll_policy::Evaluator);

impl Engine {
    /// An evaluator of this engine's policies for admission, with Gatekeeper's inventory made of
    /// the context objects of the policy folders. `None` when no policy is configured.
    pub fn admission_policies(&self) -> Option<AdmissionPolicies> {
        let policies = self.policies.as_ref()?;
        let mut set = policies.clone();
        // An inventory that cannot be built leaves Gatekeeper policies without one; the same
        // error is reported by `plimsoll lint` over the policy folders.
        let _ = set.set_inventory(self.policy_context.iter());
        Some(AdmissionPolicies(set.evaluator()))
    }

    /// Checks one object as admission sees it. `policies` comes from
    /// [`Engine::admission_policies`] (made once per thread and reused). The diagnostics
    /// carry the rule id, severity, message, object and pointer, and no location.
    pub fn admit(
        &self,
        object: &serde_json::Value,
        policies: Option<&mut AdmissionPolicies>,
    ) -> Vec<Diagnostic> {
        self.admit_review(object, policies, None)
    }

    /// [`Engine::admit`] for an admission request: Gatekeeper policies get `input.review` with
    /// the request's operation, `oldObject`, `userInfo`, `dryRun` and `uid` (without a context,
    /// a `CREATE`, as [`Engine::admit`]). For a `DELETE`, `object` is the deleted object (the
    /// request's `oldObject`): only the Gatekeeper constraints whose match covers it review it;
    /// schemas, built-in rules and conftest policies are about what is created or changed and
    /// do not run.
    pub fn admit_review(
        &self,
        object: &serde_json::Value,
        policies: Option<&mut AdmissionPolicies>,
        context: Option<&ReviewContext<'_>>,
    ) -> Vec<Diagnostic> {
        let delete = context.is_some_and(|c| c.operation == ReviewOperation::Delete);
        let bytes = match serde_json::to_vec(object) {
            Ok(bytes) => bytes,
            Err(error) => {
                return vec![Diagnostic::new(
                    "object-invalid",
                    Severity::Error,
                    format!("the object cannot be read: {error}"),
                )];
            }
        };
        let file = plimsoll_core::load_bytes(NAME, bytes, Discovery::Explicit, &self.config.load);
        let mut diagnostics = file.diagnostics;
        let objects = file.objects;
        if let Some(schemas) = &self.schemas
            && !delete
        {
            let mut catalog = None;
            schemas.catalog_with(objects.iter(), &mut catalog, &mut diagnostics);
            diagnostics.extend(schemas.validate(catalog.as_ref(), &objects));
        }
        if delete {
            // What the loader says about the deleted object is not the request's concern.
            diagnostics.clear();
        } else if let Some(rules) = &self.admission_rules {
            diagnostics.extend(rules.check(&objects));
        }
        if let Some(AdmissionPolicies(evaluator)) = policies {
            for object in &objects {
                diagnostics.extend(
                    evaluator
                        .evaluate_review(&object.value, context)
                        .into_iter()
                        .map(|finding| crate::policies::diagnostic(object, finding)),
                );
            }
        }
        self.apply_overrides(&mut diagnostics);
        let sources = [file.source];
        let mut diagnostics = self.suppress(diagnostics, &sources, &objects);
        plimsoll_core::sort_diagnostics(&mut diagnostics);
        for d in &mut diagnostics {
            d.location = None;
            d.related.clear();
        }
        diagnostics
    }
}

/// A JSON pointer as a field path: `/spec/containers/0/image` → `spec.containers[0].image`.
pub fn field_path(pointer: &str) -> String {
    let mut out = String::new();
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            out.push('[');
            out.push_str(&token);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment(image: &str) -> serde_json::Value {
        json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": image}]}
                }
            }
        })
    }

    #[test]
    fn one_object_is_checked_with_pointers_and_no_location() {
        let engine = Engine::new(crate::Config::default()).unwrap();
        let found = engine.admit(&deployment("nginx:latest"), None);
        let latest = found.iter().find(|d| d.rule == "latest-image-tag").unwrap();
        assert_eq!(
            latest.pointer.as_deref(),
            Some("/spec/template/spec/containers/0/image")
        );
        assert!(found.iter().all(|d| d.location.is_none()));
        // Rules across objects need the other objects: they do not run at admission.
        assert!(found.iter().all(|d| runs_at_admission(&d.rule)));
    }

    #[test]
    fn schema_findings_and_annotations_apply() {
        let engine = Engine::new(crate::Config::default()).unwrap();
        let mut object = deployment("nginx:latest");
        object["spec"]["replicass"] = json!(2);
        object["metadata"]["annotations"] = json!({"plimsoll.dev/ignore": "latest-image-tag"});
        let found = engine.admit(&object, None);
        assert!(found.iter().any(|d| d.rule == "schema-unknown-field"));
        assert!(!found.iter().any(|d| d.rule == "latest-image-tag"));
    }

    #[test]
    fn field_paths_read_like_kubectl() {
        assert_eq!(
            field_path("/spec/template/spec/containers/0/image"),
            "spec.template.spec.containers[0].image"
        );
        assert_eq!(
            field_path("/metadata/annotations/a~1b"),
            "metadata.annotations.a/b"
        );
        assert_eq!(field_path(""), "");
    }
}
