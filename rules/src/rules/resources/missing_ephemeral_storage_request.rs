use crate::rules::*;

declare_rule! {
    /// A container has no ephemeral-storage request.
    ///
    /// ## What it does
    /// Flags main containers without `resources.requests.ephemeral-storage` (a limit alone
    /// counts, since Kubernetes then requests the limit). Containers without any `resources`
    /// are left to `missing-resources`.
    ///
    /// ## Why is this bad?
    /// The scheduler places pods by their requests: without one, a pod that writes logs,
    /// `emptyDir` data or layers to disk lands on a node whose disk is already full, and is
    /// evicted there. Off by default, like the limit rule.
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
    ///         requests: {cpu: 100m}
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
    ///         requests: {cpu: 100m, ephemeral-storage: 1Gi}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Local ephemeral storage](https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#local-ephemeral-storage)
    /// - kube-score `container-ephemeral-storage-request-and-limit`
    id: "missing-ephemeral-storage-request",
    category: Resources,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    super::report_missing(
        cx,
        out,
        "requests",
        "ephemeral-storage",
        "ephemeral-storage request",
        "set `resources.requests.ephemeral-storage` to the disk the container writes",
    );
}
