use crate::rules::*;

declare_rule! {
    /// A container runs without a seccomp profile.
    ///
    /// ## What it does
    /// Flags containers of Linux pods for which neither the container's nor the pod's
    /// `securityContext.seccompProfile.type` is set (`Unconfined` is reported by
    /// `seccomp-unconfined`).
    ///
    /// ## Why is this bad?
    /// Unless the kubelet runs with `--seccomp-default`, such a container runs unconfined:
    /// every system call is open to it, including those container escapes use. The Pod
    /// Security Standard `restricted` requires a profile. Off by default.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: app
    /// spec:
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
    ///     seccompProfile: {type: RuntimeDefault}
    ///   containers:
    ///     - name: app
    ///       image: example.com/app:1.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Pod Security Standards: restricted](https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted)
    /// - kube-score `pod-seccomp` (opt-in there too), Gatekeeper library `psp-seccomp`
    id: "missing-seccomp-profile",
    category: Security,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    if pod.is_windows() {
        return;
    }
    for c in pod.all_containers() {
        if pod.effective_security(&c, "seccompProfile").is_some() {
            continue;
        }
        out.push(
            cx.missing(
                &c.at("/securityContext/seccompProfile"),
                &c.at("/name"),
                format!("{} has no seccomp profile", c.describe()),
            )
            .with_help("set `securityContext.seccompProfile.type: RuntimeDefault` on the pod or the container"),
        );
    }
}
