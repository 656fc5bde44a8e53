use crate::rules::*;

declare_rule! {
    /// A binding grants the `cluster-admin` role.
    ///
    /// ## What it does
    /// Flags ClusterRoleBindings and RoleBindings whose `roleRef` is the ClusterRole
    /// `cluster-admin`.
    ///
    /// ## Why is this bad?
    /// `cluster-admin` may do anything to any object: its subjects can read every Secret, run
    /// privileged pods on any node and grant themselves anything else. A RoleBinding limits
    /// that to one namespace, which is still every Secret and workload in it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata:
    ///   name: ci
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: cluster-admin
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: ci
    ///     namespace: ci
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata:
    ///   name: ci
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: ci-deployer
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: ci
    ///     namespace: ci
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [RBAC good practices](https://kubernetes.io/docs/concepts/security/rbac-good-practices/)
    /// - kube-linter `cluster-admin-role-binding`, Polaris `clusterrolebindingClusterAdmin`
    id: "cluster-admin-binding",
    category: Rbac,
    severity: Error,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let kind = cx.object.kind();
    if cx.object.group() != "rbac.authorization.k8s.io"
        || !matches!(kind, "RoleBinding" | "ClusterRoleBinding")
    {
        return;
    }
    let role = |f: &str| {
        cx.object
            .value
            .pointer(&format!("/roleRef/{f}"))
            .and_then(Value::as_str)
    };
    if role("kind") == Some("ClusterRole") && role("name") == Some("cluster-admin") {
        out.push(
            cx.diag(
                "/roleRef/name",
                format!("this {kind} grants `cluster-admin`"),
            )
            .with_help("bind a role that grants only the verbs and resources the subjects need")
            .with_note("cluster-admin may read every Secret and run privileged pods on any node"),
        );
    }
}
