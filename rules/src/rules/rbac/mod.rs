//! Rules about RBAC roles and bindings.

pub(crate) mod binding_grants_pod_exec;
pub(crate) mod binding_grants_wildcard;
pub(crate) mod cluster_admin_binding;
pub(crate) mod rbac_create_pods;
pub(crate) mod rbac_escalation_verbs;
pub(crate) mod rbac_pod_exec;
pub(crate) mod rbac_secrets_access;
pub(crate) mod rbac_wildcard;

use crate::facts::{Detail, Loc, RoleFacts};
use crate::index::Entry;
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

/// The policy rules of a Role or ClusterRole of `rbac.authorization.k8s.io`, for the rules
/// that judge roles: none for the roles Kubernetes bootstraps and reconciles itself, those
/// named `system:…` and the ClusterRoles of [`DEFAULT_ROLES`] (a binding to one is still
/// judged, through [`rules_of`]).
pub(crate) fn policy_rules<'a>(cx: &Ctx<'_, 'a>) -> Vec<PolicyRule<'a>> {
    let name = cx.object.name().unwrap_or("");
    let default = cx.object.kind() == "ClusterRole" && DEFAULT_ROLES.contains(&name);
    if default || name.starts_with("system:") {
        return Vec::new();
    }
    rules_of(cx.object)
}

/// The policy rules of `object` when it is a Role or ClusterRole (none otherwise).
pub(crate) fn rules_of(object: &plimsoll_core::Object) -> Vec<PolicyRule<'_>> {
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

/// The verbs that, with `*` resources, make a rule an administrator's (Polaris counts these
/// seven as "all verbs" too). The facts read it as `RoleFacts::admin`; their tests compare.
#[cfg(test)]
const ALL_VERBS: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];

#[cfg(test)]
impl PolicyRule<'_> {
    /// The position of `*` in the rule's resources when the rule also allows every verb
    /// (`*`, or all of [`ALL_VERBS`]): an administrator's rule.
    pub fn administers(&self) -> Option<usize> {
        let i = self.resources.iter().position(|r| *r == "*")?;
        let every_verb =
            self.verbs.contains(&"*") || ALL_VERBS.iter().all(|v| self.verbs.contains(v));
        every_verb.then_some(i)
    }
}

/// What a RoleBinding's or ClusterRoleBinding's `roleRef` names.
pub(crate) struct RoleRef<'f> {
    /// `Role` or `ClusterRole`.
    pub kind: &'f str,
    pub name: &'f str,
    /// The facts of the role among the objects of the run, if it is there.
    pub role: Option<&'f RoleFacts>,
}

impl RoleRef<'_> {
    /// Kubernetes' own user-facing ClusterRole of this name (`cluster-admin`, `admin`,
    /// `edit`, `view`), when the run does not define it: every cluster has them.
    pub fn default_role(&self) -> Option<&'static str> {
        if self.kind != "ClusterRole" || self.role.is_some() {
            return None;
        }
        DEFAULT_ROLES.iter().copied().find(|r| *r == self.name)
    }

    /// `ClusterRole `edit``, for messages.
    pub fn describe(&self) -> String {
        format!("{} `{}`", self.kind, self.name)
    }
}

/// The user-facing ClusterRoles every cluster bootstraps.
pub(crate) const DEFAULT_ROLES: &[&str] = &["cluster-admin", "admin", "edit", "view"];

/// The default roles that let their subjects run commands in pods (`create` on `pods/exec`
/// and `pods/attach`, through the `system:aggregate-to-edit` rules they aggregate).
pub(crate) const DEFAULT_EXEC_ROLES: &[&str] = &["admin", "edit"];

/// The role a binding of `rbac.authorization.k8s.io` refers to: a Role in the binding's
/// namespace, or a ClusterRole anywhere in the run, read from facts. Bindings named
/// `system:…` (Kubernetes' own) have none.
pub(crate) fn role_ref<'f>(cx: &Ctx<'f, '_>) -> Option<RoleRef<'f>> {
    let facts = cx.facts();
    let (kind, name) = facts.role_ref(cx.index.symbols)?;
    // `ObjectFacts::role_ref` names a Role only from a RoleBinding.
    let role = if cx.text(kind) == "Role" {
        cx.index
            .named_kind_near(kind, name, facts)
            .find_map(role_of)
    } else {
        cx.index.named_kind(kind, name).find_map(role_of)
    };
    Some(RoleRef {
        kind: cx.text(kind),
        name: cx.text(name),
        role,
    })
}

/// The facts of the role of `entry`, when it is an RBAC Role or ClusterRole.
fn role_of<'o>(entry: &Entry<'o>) -> Option<&'o RoleFacts> {
    match &entry.facts.detail {
        Detail::Role(role) => Some(role),
        _ => None,
    }
}

/// A location in the role, for the finding on the binding: "Role `x` grants it here".
pub(crate) fn related_in_role(
    cx: &Ctx<'_, '_>,
    loc: Loc,
    message: String,
) -> plimsoll_core::Related {
    plimsoll_core::Related {
        message,
        location: cx.location(loc),
    }
}
