//! Rules about RBAC roles and bindings.

pub(crate) mod cluster_admin_binding;
pub(crate) mod rbac_create_pods;
pub(crate) mod rbac_pod_exec;
pub(crate) mod rbac_secrets_access;
pub(crate) mod rbac_wildcard;

use crate::rules::*;

/// One entry of a Role's or ClusterRole's `rules`.
pub(crate) struct PolicyRule<'a> {
    pub pointer: String,
    pub api_groups: Vec<&'a str>,
    pub resources: Vec<&'a str>,
    pub verbs: Vec<&'a str>,
}

impl PolicyRule<'_> {
    pub fn allows_verb(&self, verbs: &[&str]) -> Option<&str> {
        self.verbs
            .iter()
            .copied()
            .find(|v| *v == "*" || verbs.contains(v))
    }

    /// The first of `verbs` the rule allows and the position of the first resource it lists
    /// that `resource` accepts, when it has both.
    pub fn grants(&self, verbs: &[&str], resource: impl Fn(&str) -> bool) -> Option<(&str, usize)> {
        let verb = self.allows_verb(verbs)?;
        let i = self.resources.iter().position(|r| resource(r))?;
        Some((verb, i))
    }

    /// The pointer to the `i`th resource of the rule.
    pub fn resource_pointer(&self, i: usize) -> String {
        format!("{}/resources/{i}", self.pointer)
    }

    /// Whether the rule covers the core API group (`""` or `*`).
    pub fn core_group(&self) -> bool {
        self.api_groups.iter().any(|g| g.is_empty() || *g == "*")
    }
}

fn strings(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// The policy rules of a Role or ClusterRole of `rbac.authorization.k8s.io`.
pub(crate) fn policy_rules<'a>(cx: &Ctx<'_, 'a>) -> Vec<PolicyRule<'a>> {
    let object = cx.object;
    if object.group() != "rbac.authorization.k8s.io"
        || !matches!(object.kind(), "Role" | "ClusterRole")
    {
        return Vec::new();
    }
    let Some(rules) = object.value.get("rules").and_then(Value::as_array) else {
        return Vec::new();
    };
    rules
        .iter()
        .enumerate()
        .map(|(i, rule)| PolicyRule {
            pointer: format!("/rules/{i}"),
            api_groups: strings(rule.get("apiGroups")),
            resources: strings(rule.get("resources")),
            verbs: strings(rule.get("verbs")),
        })
        .collect()
}
