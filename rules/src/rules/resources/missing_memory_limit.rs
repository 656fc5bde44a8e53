use crate::rules::*;

declare_rule! {
    /// A container has no memory limit.
    ///
    /// ## What it does
    /// Flags main and init containers without `resources.limits.memory`.
    ///
    /// ## Why is this bad?
    /// Without a limit, a leak in one container takes memory from every pod on the node until the kernel's out-of-memory killer picks a victim, which need not be the leaking one.
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
    ///           memory: 256Mi
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Resource management for pods and containers](https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/)
    /// - kube-linter `unset-memory-requirements`, Polaris `memoryLimitsMissing`, kube-score `container-resources`
    id: "missing-memory-limit",
    category: Resources,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    super::report_missing(
        cx,
        out,
        "limits",
        "memory",
        "memory limit",
        "set `resources.limits.memory`, usually equal to the memory request",
    );
}
