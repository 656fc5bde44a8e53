use crate::rules::*;

declare_rule! {
    /// A pod or container sets `runAsGroup: 0`, the root group.
    ///
    /// ## What it does
    /// Flags `runAsGroup: 0` in the pod's `securityContext` or in a container's.
    ///
    /// ## Why is this bad?
    /// Processes in group 0 can read and write every file owned by the root group, on the
    /// image and on mounted volumes; a non-root user in the root group keeps much of root's reach.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: app
    /// spec:
    ///   securityContext:
    ///     runAsUser: 1000
    ///     runAsGroup: 0
    ///   containers:
    ///     - name: app
    ///       image: example.com/app:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: app
    /// spec:
    ///   securityContext:
    ///     runAsUser: 1000
    ///     runAsGroup: 1000
    ///   containers:
    ///     - name: app
    ///       image: example.com/app:1.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Gatekeeper library `psp-users` (`runAsGroup` rule `MustRunAs` with non-zero ranges)
    /// - kube-score `container-security-context-user-group-id`
    id: "run-as-group-root",
    category: Security,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    let help = "set `runAsGroup` to a non-zero group id";
    if pod
        .get("/securityContext/runAsGroup")
        .and_then(Value::as_i64)
        == Some(0)
    {
        out.push(
            cx.diag(
                &pod.at("/securityContext/runAsGroup"),
                "the pod runs its containers in the root group (`runAsGroup: 0`)",
            )
            .with_help(help),
        );
    }
    for c in pod.all_containers() {
        if c.get("/securityContext/runAsGroup").and_then(Value::as_i64) == Some(0) {
            out.push(
                cx.diag(
                    &c.at("/securityContext/runAsGroup"),
                    format!("{} runs in the root group (`runAsGroup: 0`)", c.describe()),
                )
                .with_help(help),
            );
        }
    }
}
