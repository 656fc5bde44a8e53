use crate::rules::*;

declare_rule! {
    /// A container asks for an unmasked `/proc`.
    ///
    /// ## What it does
    /// Flags main, init and ephemeral containers with `securityContext.procMount: Unmasked`.
    ///
    /// ## Why is this bad?
    /// Container runtimes mask and make read-only parts of `/proc` (`/proc/kcore`,
    /// `/proc/sys`, `/proc/sysrq-trigger`…) that expose or change the host kernel. `Unmasked`
    /// removes that protection; the `baseline` Pod Security Standard forbids it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: nested
    /// spec:
    ///   hostUsers: false
    ///   containers:
    ///     - name: builder
    ///       image: example.com/builder:1.0
    ///       securityContext:
    ///         procMount: Unmasked
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: nested
    /// spec:
    ///   hostUsers: false
    ///   containers:
    ///     - name: builder
    ///       image: example.com/builder:1.0
    ///       securityContext:
    ///         procMount: Default
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Pod Security Standards: /proc mount type](https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline)
    /// - kube-linter `unsafe-proc-mount`, Polaris `procMount`
    id: "unsafe-proc-mount",
    category: Security,
    severity: Error,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    for c in pod.all_containers() {
        if c.get("/securityContext/procMount").and_then(Value::as_str) == Some("Unmasked") {
            out.push(
                cx.diag(
                    &c.at("/securityContext/procMount"),
                    format!(
                        "{} mounts /proc unmasked (`procMount: Unmasked`)",
                        c.describe()
                    ),
                )
                .with_help("remove `procMount` or set it to `Default`"),
            );
        }
    }
}
