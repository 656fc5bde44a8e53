use crate::rules::*;

declare_rule! {
    /// A container has no ephemeral-storage limit.
    ///
    /// ## What it does
    /// Flags main and init containers without `resources.limits.ephemeral-storage`.
    ///
    /// ## Why is this bad?
    /// Logs, `emptyDir` volumes and writes to the container's filesystem use the node's disk; without a limit one container can fill it, and the kubelet then evicts pods that did nothing wrong.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    ///       resources:
    ///         limits: {}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    ///       resources:
    ///         limits:
    ///           ephemeral-storage: 1Gi
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Resource management for pods and containers](https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/)
    /// - kube-score `container-ephemeral-storage-request-and-limit`
    id: "missing-ephemeral-storage-limit",
    category: Resources,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    super::report_missing(
        cx,
        out,
        "limits",
        "ephemeral-storage",
        "ephemeral-storage limit",
        "set `resources.limits.ephemeral-storage`",
    );
}
