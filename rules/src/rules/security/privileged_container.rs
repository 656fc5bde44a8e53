use crate::rules::*;

declare_rule! {
    /// A container runs in privileged mode.
    ///
    /// ## What it does
    /// Flags every container (init and ephemeral containers included) whose
    /// `securityContext.privileged` is `true`.
    ///
    /// ## Why is this bad?
    /// A privileged container holds every Linux capability and sees the host's devices: a
    /// process that breaks out of it, or simply writes to `/dev`, owns the node. The Pod
    /// Security Standards forbid it from the `baseline` level up.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: debug
    /// spec:
    ///   containers:
    ///     - name: shell
    ///       image: busybox:1.36
    ///       securityContext:
    ///         privileged: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: debug
    /// spec:
    ///   containers:
    ///     - name: shell
    ///       image: busybox:1.36
    ///       securityContext:
    ///         privileged: false
    ///         capabilities:
    ///           add: ["NET_BIND_SERVICE"]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Pod Security Standards: privileged containers](https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline)
    /// - kube-linter `privileged-container`, Polaris `runAsPrivileged`, kube-score `container-security-context-privileged`
    id: "privileged-container",
    category: Security,
    severity: Error,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    for c in pod.all_containers() {
        if c.get("/securityContext/privileged") == Some(&Value::Bool(true)) {
            out.push(
                cx.diag(
                    &c.at("/securityContext/privileged"),
                    format!("{} runs privileged", c.describe()),
                )
                .with_help("remove `privileged: true` and add only the capabilities the container needs")
                .with_note("a privileged container has every capability and the host's devices: escaping it gives the node"),
            );
        }
    }
}
