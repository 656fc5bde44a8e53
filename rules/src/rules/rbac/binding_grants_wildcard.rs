use super::{related_in_role, role_ref};
use crate::facts::Detail;
use crate::rules::*;

declare_rule! {
    /// A binding gives its subjects a role that allows every verb on `*` resources.
    ///
    /// ## What it does
    /// Follows the `roleRef` of RoleBindings and ClusterRoleBindings to the Role (in the
    /// binding's namespace) or ClusterRole among the objects checked, and flags the binding
    /// when a rule of that role has `*` in its `resources` and `*` in its `verbs` (or all of
    /// `get`, `list`, `watch`, `create`, `update`, `patch` and `delete`): an administrator's
    /// role, whatever it is called. Unlike Polaris, a rule limited to some API groups counts
    /// too (`*` resources of the core group include Secrets and `pods/exec`). The finding is
    /// on the binding's `roleRef`, with the wildcard in the role as a related location.
    /// Kubernetes' own `cluster-admin` is reported by `cluster-admin-binding`, not here; a
    /// role that is neither in the run nor one of Kubernetes' defaults is not judged, and
    /// bindings named `system:…` are Kubernetes' own. A
    /// narrower wildcard (`*` verbs on named resources) is `rbac-wildcard`'s, on the role.
    ///
    /// ## Why is this bad?
    /// Such a role is an administrator role under another name: it grants every resource
    /// there is and every one added later (custom resources, `pods/exec`, `secrets`).
    /// `rbac-wildcard` flags the role, this rule flags every grant of it, which is where its
    /// reach is decided (a RoleBinding to it makes its subjects administrators of the
    /// namespace).
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata:
    ///   name: deployer
    ///   namespace: shop
    /// rules:
    ///   - apiGroups: ["apps"]
    ///     resources: ["*"]
    ///     verbs: ["*"]
    /// ---
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata:
    ///   name: deployer
    ///   namespace: shop
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: Role
    ///   name: deployer
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: ci
    ///     namespace: shop
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata:
    ///   name: deployer
    ///   namespace: shop
    /// rules:
    ///   - apiGroups: ["apps"]
    ///     resources: ["deployments"]
    ///     verbs: ["get", "list", "patch", "update"]
    /// ---
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata:
    ///   name: deployer
    ///   namespace: shop
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: Role
    ///   name: deployer
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: ci
    ///     namespace: shop
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [RBAC good practices: least privilege](https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege)
    /// - Polaris `rolebindingClusterAdminRole` and `rolebindingClusterAdminClusterRole`
    id: "binding-grants-wildcard",
    category: Rbac,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(role) = role_ref(cx) else { return };
    let Some(admin) = role.role.and_then(|r| r.admin) else {
        return;
    };
    if role.kind == "ClusterRole" && role.name == "cluster-admin" {
        return;
    }
    let facts = cx.facts();
    let Detail::Binding(binding) = &facts.detail else {
        return;
    };
    let kind = cx.text(facts.kind);
    let mut d = cx
        .diag_at(
            "/roleRef/name",
            binding.loc,
            format!(
                "this {kind} grants {}, which allows every verb on `*` resources",
                role.describe()
            ),
        )
        .with_help("bind a role that lists the resources and verbs the subjects need")
        .with_note("every verb on `*` resources makes the subjects administrators of the role's scope, including Secrets and `pods/exec`");
    d.related.push(related_in_role(
        cx,
        admin,
        format!("{} grants `*` resources here", role.describe()),
    ));
    out.push(d);
}
