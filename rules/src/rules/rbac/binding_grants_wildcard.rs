use super::{related_in_role, role_ref, rules_of};
use crate::rules::*;

declare_rule! {
    /// A binding gives its subjects a role with `*` verbs or `*` resources.
    ///
    /// ## What it does
    /// Follows the `roleRef` of RoleBindings and ClusterRoleBindings to the Role (in the
    /// binding's namespace) or ClusterRole among the objects checked, and flags the binding
    /// when a rule of that role has `*` in its `verbs` or its `resources`, whatever the role
    /// is called. The finding is on the binding's `roleRef`, with the wildcard in the role as
    /// a related location. Kubernetes' own `cluster-admin` is reported by
    /// `cluster-admin-binding`, not here; a role that is neither in the run nor one of
    /// Kubernetes' defaults is not judged.
    ///
    /// ## Why is this bad?
    /// A role with wildcards is an administrator role under another name: it grants today's
    /// verbs and resources and every one added later (custom resources, `pods/exec`,
    /// `secrets`). `rbac-wildcard` flags the role, this rule flags every grant of it, which
    /// is where its reach is decided (a RoleBinding to a wildcard Role makes its subjects
    /// administrators of the namespace).
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
    let Some(object) = role.object else { return };
    if role.kind == "ClusterRole" && role.name == "cluster-admin" {
        return;
    }
    let kind = cx.object.kind();
    for rule in rules_of(object) {
        for (field, list) in [("verbs", &rule.verbs), ("resources", &rule.resources)] {
            if let Some(i) = list.iter().position(|v| *v == "*") {
                let mut d = cx
                    .diag(
                        "/roleRef/name",
                        format!(
                            "this {kind} grants {}, which has `*` {field}",
                            role.describe()
                        ),
                    )
                    .with_help(format!(
                        "bind a role that lists the {field} the subjects need instead of `*`"
                    ));
                d.related.push(related_in_role(
                    object,
                    &format!("{}/{field}/{i}", rule.pointer),
                    format!("{} grants `*` {field} here", role.describe()),
                ));
                out.push(d);
                return;
            }
        }
    }
}
