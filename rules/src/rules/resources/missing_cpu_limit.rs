use crate::rules::*;

declare_rule! {
    /// A container has no CPU limit.
    ///
    /// ## What it does
    /// Flags main and init containers without `resources.limits.cpu`. Opt-in: CPU limits cause throttling, and requests alone already protect neighbours.
    ///
    /// ## Why is this bad?
    /// Without a limit, a busy container may use all the idle CPU of its node, and its latency then depends on its neighbours. Many teams prefer no CPU limit (throttling hurts latency too), which is why this rule is opt-in.
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
    ///           cpu: 500m
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Resource management for pods and containers](https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/)
    /// - kube-linter `unset-cpu-requirements`, Polaris `cpuLimitsMissing`, kube-score `container-resources`
    id: "missing-cpu-limit",
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
        "cpu",
        "CPU limit",
        "set `resources.limits.cpu`",
    );
}
