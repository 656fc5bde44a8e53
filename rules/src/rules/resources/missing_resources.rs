use crate::rules::*;

declare_rule! {
    /// A container sets no resources at all.
    ///
    /// ## What it does
    /// Flags main and init containers with no `resources` (absent, `null` or `{}`): one finding
    /// per container, in place of one finding per missing request and limit. Where it fires,
    /// the per-field rules (`missing-cpu-request`, `missing-memory-request`,
    /// `missing-memory-limit`, `missing-cpu-limit`, `missing-ephemeral-storage-limit`) stay
    /// silent on that container (turned off, they report as usual), and a suppression of any
    /// of them silences this rule too. This is a deliberate
    /// difference from kube-linter, Polaris and kube-score, which report every missing field.
    ///
    /// ## Why is this bad?
    /// Without requests the scheduler places the pod as if it needed nothing, and without a
    /// memory limit one container can take a node's memory: the pod is `BestEffort`, the
    /// first to be evicted under pressure.
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
    ///           memory: 128Mi
    ///         limits:
    ///           memory: 128Mi
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Resource management for pods and containers](https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/)
    /// - kube-linter `unset-cpu-requirements` and `unset-memory-requirements`, Polaris `cpuRequestsMissing` and `memoryLimitsMissing`, kube-score `container-resources`
    id: "missing-resources",
    category: Resources,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    for c in pod.regular_containers() {
        if !super::has_no_resources(&c) {
            continue;
        }
        out.push(
            cx.missing(
                &c.at("/resources"),
                &c.at("/name"),
                format!("{} sets no resources", c.describe()),
            )
            .with_help(
                "set `resources.requests` (cpu, memory) to what the container uses under normal load, and `resources.limits.memory`",
            ),
        );
    }
}
