use crate::rules::*;

declare_rule! {
    /// A pod sets no priority class.
    ///
    /// ## What it does
    /// Flags pod templates without `priorityClassName`.
    ///
    /// ## Why is this bad?
    /// Without a priority class, every pod gets the cluster's default priority (usually 0):
    /// when the cluster is full, the scheduler cannot preempt a batch job to place a critical
    /// service, and the kubelet evicts them in no useful order.
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
    ///   priorityClassName: business-critical
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Pod priority and preemption](https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/)
    /// - kube-linter `priority-class-name`, Polaris `priorityClassNotSet`
    id: "missing-priority-class",
    category: Reliability,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    if pod
        .get("/priorityClassName")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty())
    {
        return;
    }
    out.push(
        cx.missing_in_pod(
            pod,
            "/priorityClassName",
            "the pod sets no `priorityClassName`",
        )
        .with_help(
            "set `priorityClassName` to a PriorityClass that reflects how critical the workload is",
        ),
    );
}
