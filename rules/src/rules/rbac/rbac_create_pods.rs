use super::policy_rules;
use crate::rules::*;

declare_rule! {
    /// An RBAC role lets its subjects create pods or workloads.
    ///
    /// ## What it does
    /// Flags rules of Roles and ClusterRoles that allow `create` (or `*`) on `pods`,
    /// `deployments`, `statefulsets`, `daemonsets`, `replicasets`, `replicationcontrollers`,
    /// `jobs` or `cronjobs`.
    /// Kubernetes' own roles are not judged: those named `system:…`, and the ClusterRoles
    /// `cluster-admin`, `admin`, `edit` and `view`.
    ///
    /// ## Why is this bad?
    /// Whoever can create a pod can run it with any ServiceAccount of the namespace and mount
    /// any of its Secrets; without an admission policy, also privileged and on the host
    /// network. It is a path to every permission in the namespace.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata:
    ///   name: runner
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods"]
    ///     verbs: ["create"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: Role
    /// metadata:
    ///   name: runner
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods"]
    ///     verbs: ["get", "list", "watch"]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [RBAC good practices: workload creation](https://kubernetes.io/docs/concepts/security/rbac-good-practices/#workload-creation)
    /// - kube-linter `access-to-create-pods`
    id: "rbac-create-pods",
    category: Rbac,
    severity: Warning,
    enabled: false,
}

no_options!(check);

const WORKLOADS: &[&str] = &[
    "pods",
    "deployments",
    "statefulsets",
    "daemonsets",
    "replicasets",
    "replicationcontrollers",
    "jobs",
    "cronjobs",
];

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let kind = cx.object.kind();
    for rule in policy_rules(cx) {
        if let Some((verb, i)) = rule.grants(&["create"], |r| WORKLOADS.contains(&r)) {
            out.push(
                cx.diag(
                    &rule.resource_pointer(i),
                    format!("this {kind} allows `{verb}` on `{}`", rule.resources[i]),
                )
                .with_help("leave pod and workload creation to controllers and CI accounts guarded by admission policies"),
            );
        }
    }
}
