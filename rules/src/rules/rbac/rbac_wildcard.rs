use super::policy_rules;
use crate::rules::*;

declare_rule! {
    /// An RBAC role grants `*` verbs or `*` resources.
    ///
    /// ## What it does
    /// Flags `*` in the `verbs` or `resources` of a rule of a Role or ClusterRole (one finding
    /// per wildcard). A `*` in `apiGroups` alone is not reported: with named resources and
    /// verbs it stays bounded.
    /// Kubernetes' own roles are not judged: those named `system:…`, and the ClusterRoles
    /// `cluster-admin`, `admin`, `edit` and `view`.
    ///
    /// ## Why is this bad?
    /// A wildcard grants today's verbs and resources and every one added later, including
    /// custom resources and subresources such as `pods/exec`: the role's reach grows without
    /// anyone changing it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata:
    ///   name: deployer
    /// rules:
    ///   - apiGroups: ["apps"]
    ///     resources: ["deployments"]
    ///     verbs: ["*"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata:
    ///   name: deployer
    /// rules:
    ///   - apiGroups: ["apps"]
    ///     resources: ["deployments"]
    ///     verbs: ["get", "list", "watch", "create", "update", "patch"]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [RBAC good practices: avoid wildcards](https://kubernetes.io/docs/concepts/security/rbac-good-practices/#least-privilege)
    /// - kube-linter `wildcard-in-rules`
    id: "rbac-wildcard",
    category: Rbac,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let kind = cx.object.kind();
    for rule in policy_rules(cx) {
        for (field, list) in [("verbs", &rule.verbs), ("resources", &rule.resources)] {
            if let Some(i) = list.iter().position(|v| *v == "*") {
                out.push(
                    cx.diag(
                        &format!("{}/{field}/{i}", rule.pointer),
                        format!("this {kind} grants `*` {field}"),
                    )
                    .with_help(format!("list the {field} the subject needs instead of `*`")),
                );
            }
        }
    }
}
