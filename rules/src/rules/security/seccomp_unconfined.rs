use crate::rules::*;

declare_rule! {
    /// A pod or container turns seccomp off.
    ///
    /// ## What it does
    /// Flags `seccompProfile.type: Unconfined` in the pod's or a container's `securityContext`,
    /// and the legacy annotations `seccomp.security.alpha.kubernetes.io/pod` and
    /// `container.seccomp.security.alpha.kubernetes.io/<name>` set to `unconfined`. A profile
    /// that is simply not set is not reported: the rule names an explicit choice (kube-score's
    /// `container-seccomp-profile` also asks for a profile to be set).
    ///
    /// ## Why is this bad?
    /// Seccomp filters the system calls a container may make; without it, the whole kernel
    /// surface is exposed, including the calls most container escapes use.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   securityContext:
    ///     seccompProfile:
    ///       type: Unconfined
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
    ///   securityContext:
    ///     seccompProfile:
    ///       type: RuntimeDefault
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Restrict a container's syscalls with seccomp](https://kubernetes.io/docs/tutorials/security/seccomp/)
    /// - kube-score `container-seccomp-profile`
    id: "seccomp-unconfined",
    category: Security,
    severity: Warning,
    enabled: true,
}

no_options!(check);

const HELP: &str =
    "set `seccompProfile.type: RuntimeDefault` (or a `Localhost` profile) instead of `Unconfined`";

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    let unconfined = |v: Option<&Value>| v.and_then(Value::as_str) == Some("Unconfined");
    if unconfined(pod.get("/securityContext/seccompProfile/type")) {
        out.push(
            cx.diag(
                &pod.at("/securityContext/seccompProfile/type"),
                "the pod runs without seccomp (`Unconfined`)",
            )
            .with_help(HELP),
        );
    }
    for c in pod.all_containers() {
        if unconfined(c.get("/securityContext/seccompProfile/type")) {
            out.push(
                cx.diag(
                    &c.at("/securityContext/seccompProfile/type"),
                    format!("{} runs without seccomp (`Unconfined`)", c.describe()),
                )
                .with_help(HELP),
            );
        }
    }
    if let Some(annotations) = pod.annotations() {
        for (key, value) in annotations {
            let legacy = key == "seccomp.security.alpha.kubernetes.io/pod"
                || key.starts_with("container.seccomp.security.alpha.kubernetes.io/");
            if legacy && value.as_str() == Some("unconfined") {
                out.push(
                    cx.diag(
                        &format!(
                            "{}/annotations/{}",
                            pod.meta_pointer,
                            crate::util::token(key)
                        ),
                        format!("the annotation `{key}` turns seccomp off"),
                    )
                    .with_help(HELP),
                );
            }
        }
    }
}
