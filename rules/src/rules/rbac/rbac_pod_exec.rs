use super::policy_rules;
use crate::rules::*;

declare_rule! {
    /// An RBAC role lets its subjects run commands in pods.
    ///
    /// ## What it does
    /// Flags rules of Roles and ClusterRoles in the core API group that allow `create` or
    /// `get` (or `*`) on `pods/exec`, `pods/attach` or `pods/*`. `get` counts because the
    /// WebSocket form of exec is reached with it.
    /// Kubernetes' own roles are not judged: those named `system:…`, and the ClusterRoles
    /// `cluster-admin`, `admin`, `edit` and `view`.
    ///
    /// ## Why is this bad?
    /// Running commands in a pod gives its service account token, its Secrets and its network
    /// position to the subject; it is a common step from a narrow account to a broad one.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata:
    ///   name: debugger
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods", "pods/exec"]
    ///     verbs: ["get", "create"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata:
    ///   name: debugger
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods", "pods/log"]
    ///     verbs: ["get", "list"]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [RBAC good practices: exec](https://kubernetes.io/docs/concepts/security/rbac-good-practices/)
    /// - Polaris `clusterrolePodExecAttach` and `rolePodExecAttach`
    id: "rbac-pod-exec",
    category: Rbac,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let kind = cx.object.kind();
    for rule in policy_rules(cx).iter().filter(|r| r.core_group()) {
        let exec = |r: &str| matches!(r, "pods/exec" | "pods/attach" | "pods/*");
        if let Some((verb, i)) = rule.grants(&["create", "get"], exec) {
            out.push(
                cx.diag(
                    &rule.resource_pointer(i),
                    format!(
                        "this {kind} allows `{verb}` on `{}`, which runs commands in pods",
                        rule.resources[i]
                    ),
                )
                .with_help(
                    "remove `pods/exec` and `pods/attach`; grant them only to a break-glass role",
                ),
            );
        }
    }
}
