use crate::rules::*;

declare_rule! {
    /// A pod shares the node's process namespace.
    ///
    /// ## What it does
    /// Flags pod templates with `hostPID: true`.
    ///
    /// ## Why is this bad?
    /// The pod sees every process of the node; with `SYS_PTRACE` or as root it can read their
    /// memory and environment (secrets of other pods included) or signal them.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: top
    /// spec:
    ///   hostPID: true
    ///   containers:
    ///     - name: top
    ///       image: busybox:1.36
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: top
    /// spec:
    ///   shareProcessNamespace: true
    ///   containers:
    ///     - name: top
    ///       image: busybox:1.36
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Pod Security Standards: host namespaces](https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline)
    /// - kube-linter `host-pid`, Polaris `hostPIDSet`
    id: "host-pid",
    category: Security,
    severity: Error,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    if let Some(d) = super::pod_flag_set(
        cx,
        "hostPID",
        "the pod shares the node's process namespace (`hostPID: true`)",
    ) {
        out.push(
            d.with_help("remove `hostPID: true`; to see the processes of the pod's own containers, use `shareProcessNamespace: true`")
                .with_note("the pod can see, and possibly trace or signal, every process of the node"),
        );
    }
}
