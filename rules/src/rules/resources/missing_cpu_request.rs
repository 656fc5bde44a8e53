use crate::rules::*;

declare_rule! {
    /// A container does not request CPU.
    ///
    /// ## What it does
    /// Flags main and init containers without `resources.requests.cpu`. A container that sets `limits.cpu` is not reported: the API server copies the limit into the missing request.
    ///
    /// ## Why is this bad?
    /// The scheduler places pods by their requests: without one, the container is scheduled as if it needed no CPU, lands on busy nodes and is the first to be starved (its pod is `BestEffort` or `Burstable`).
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
    ///           cpu: 100m
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Resource management for pods and containers](https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/)
    /// - kube-linter `unset-cpu-requirements`, Polaris `cpuRequestsMissing`, kube-score `container-resources`
    id: "missing-cpu-request",
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
        "cpu",
        "CPU request",
        "set `resources.requests.cpu` to the CPU the container uses under normal load",
    );
}
