use super::policy_rules;
use crate::rules::*;

declare_rule! {
    /// An RBAC role lets its subjects read Secrets.
    ///
    /// ## What it does
    /// Flags rules of Roles and ClusterRoles in the core API group that allow `get`, `list` or
    /// `watch` (or `*`) on `secrets`. (`*` resources are reported by `rbac-wildcard`.)
    /// Kubernetes' own roles are not judged: those named `system:…`, and the ClusterRoles
    /// `cluster-admin`, `admin`, `edit` and `view`.
    ///
    /// ## Why is this bad?
    /// `list` and `watch` return the content of every Secret in scope, not just names: service
    /// account tokens, database passwords, TLS keys. Few workloads need more than one named
    /// Secret, which `resourceNames` can express.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: reader
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["secrets"]
    ///     verbs: ["get", "list", "watch"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: reader
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["configmaps"]
    ///     verbs: ["get", "list", "watch"]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [RBAC good practices: listing secrets](https://kubernetes.io/docs/concepts/security/rbac-good-practices/#listing-secrets)
    /// - kube-linter `access-to-secrets`
    id: "rbac-secrets-access",
    category: Rbac,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let kind = cx.object.kind();
    for rule in policy_rules(cx).iter().filter(|r| r.core_group()) {
        if let Some((verb, i)) = rule.grants(&["get", "list", "watch"], |r| r == "secrets") {
            out.push(
                cx.diag(
                    &rule.resource_pointer(i),
                    format!("this {kind} allows `{verb}` on Secrets"),
                )
                .with_help(
                    "grant access to named Secrets only, with `resourceNames`, or remove it",
                ),
            );
        }
    }
}
