use crate::rules::*;

declare_rule! {
    /// A container does not request memory.
    ///
    /// ## What it does
    /// Flags main and init containers without `resources.requests.memory`. A container that sets `limits.memory` is not reported: the API server copies the limit into the missing request.
    ///
    /// ## Why is this bad?
    /// The scheduler places pods by their requests: without one, the container may land on a node that has no memory left for it, and it is among the first evicted under memory pressure.
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
    ///         requests: {}
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
    ///         requests:
    ///           memory: 128Mi
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Resource management for pods and containers](https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/)
    /// - kube-linter `unset-memory-requirements`, Polaris `memoryRequestsMissing`, kube-score `container-resources`
    id: "missing-memory-request",
    category: Resources,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    super::report_missing(
        cx,
        out,
        "requests",
        "memory",
        "memory request",
        "set `resources.requests.memory` to the memory the container uses under normal load",
    );
}
