use super::{DEFAULT_EXEC_ROLES, related_in_role, role_ref};
use crate::facts::Detail;
use crate::rules::*;

declare_rule! {
    /// A binding gives its subjects a role that runs commands in pods.
    ///
    /// ## What it does
    /// Follows the `roleRef` of RoleBindings and ClusterRoleBindings to the Role (in the
    /// binding's namespace) or ClusterRole among the objects checked, and flags the binding
    /// when that role allows `create` or `get` (or `*`) on `pods/exec`, `pods/attach`,
    /// `pods/*` or `*` in the core API group (a role that allows every verb on `*` resources
    /// is reported by `binding-grants-wildcard` instead). Kubernetes' own `admin` and `edit`
    /// ClusterRoles allow both, so bindings to them count even though no manifest defines
    /// them (`view` does not; `cluster-admin`, defined in the run or not, is reported by
    /// `cluster-admin-binding`). The finding is on the binding's `roleRef`, with the rule of
    /// the role that grants it as a related location. A role that is neither in the run nor
    /// one of Kubernetes' defaults is not judged, and bindings named `system:…` are
    /// Kubernetes' own.
    ///
    /// ## Why is this bad?
    /// Running commands in a pod gives its service account token, its mounted Secrets and its
    /// network position to the subject. The binding is what hands that power to someone:
    /// `rbac-pod-exec` flags the role, this rule flags every grant of it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata:
    ///   name: support
    ///   namespace: shop
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: edit
    /// subjects:
    ///   - kind: Group
    ///     name: support
    ///     apiGroup: rbac.authorization.k8s.io
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: RoleBinding
    /// metadata:
    ///   name: support
    ///   namespace: shop
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: view
    /// subjects:
    ///   - kind: Group
    ///     name: support
    ///     apiGroup: rbac.authorization.k8s.io
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [RBAC good practices](https://kubernetes.io/docs/concepts/security/rbac-good-practices/)
    /// - [Default user-facing roles](https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles)
    /// - Polaris `clusterrolebindingPodExecAttach`, `rolebindingClusterRolePodExecAttach` and
    ///   `rolebindingRolePodExecAttach`
    id: "binding-grants-pod-exec",
    category: Rbac,
    severity: Warning,
    enabled: true,
}

no_options!(check);

const HELP: &str =
    "bind a role without `pods/exec` and `pods/attach`; keep those for a break-glass role";

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(role) = role_ref(cx) else { return };
    // `cluster-admin` is cluster-admin-binding's, even when the run defines it.
    if role.kind == "ClusterRole" && role.name == "cluster-admin" {
        return;
    }
    let facts = cx.facts();
    let kind = cx.text(facts.kind);
    let Detail::Binding(binding) = &facts.detail else {
        return;
    };
    if let Some(default) = role.default_role() {
        if DEFAULT_EXEC_ROLES.contains(&default) {
            out.push(
                cx.diag_at(
                    "/roleRef/name",
                    binding.loc,
                    format!(
                        "this {kind} grants Kubernetes' default ClusterRole `{default}`, which allows `create` on `pods/exec` and `pods/attach`"
                    ),
                )
                .with_help(HELP)
                .with_note("the default `admin` and `edit` roles let their subjects run commands in every pod of the namespace"),
            );
        }
        return;
    }
    let Some(facts) = role.role else { return };
    // An administrator's role is binding-grants-wildcard's: one finding per binding.
    if facts.admin.is_some() {
        return;
    }
    let Some((verb, resource, loc)) = facts.exec else {
        return;
    };
    let (verb, resource) = (cx.text(verb), cx.text(resource));
    let mut d = cx
        .diag_at(
            "/roleRef/name",
            binding.loc,
            format!(
                "this {kind} grants {}, which allows `{verb}` on `{resource}` (running commands in pods)",
                role.describe()
            ),
        )
        .with_help(HELP);
    d.related.push(related_in_role(
        cx,
        loc,
        format!("{} allows `{verb}` on `{resource}` here", role.describe()),
    ));
    out.push(d);
}
