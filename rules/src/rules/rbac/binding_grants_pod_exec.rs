use super::{DEFAULT_EXEC_ROLES, related_in_role, role_ref, rules_of};
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
    let kind = cx.object.kind();
    if let Some(default) = role.default_role() {
        if DEFAULT_EXEC_ROLES.contains(&default) {
            out.push(
                cx.diag(
                    "/roleRef/name",
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
    let Some(object) = role.object else { return };
    let rules = rules_of(object);
    // An administrator's role is binding-grants-wildcard's: one finding per binding.
    if rules.iter().any(|r| r.administers().is_some()) {
        return;
    }
    let exec = |r: &str| matches!(r, "pods/exec" | "pods/attach" | "pods/*" | "*");
    for rule in rules.iter().filter(|r| r.core_group()) {
        let grant = rule
            .grants(&["create"], exec)
            .or_else(|| rule.grants(&["get"], exec));
        if let Some((verb, i)) = grant {
            let resource = rule.resources[i];
            let mut d = cx
                .diag(
                    "/roleRef/name",
                    format!(
                        "this {kind} grants {}, which allows `{verb}` on `{resource}` (running commands in pods)",
                        role.describe()
                    ),
                )
                .with_help(HELP);
            d.related.push(related_in_role(
                object,
                &rule.resource_pointer(i),
                format!("{} allows `{verb}` on `{resource}` here", role.describe()),
            ));
            out.push(d);
            return;
        }
    }
}
