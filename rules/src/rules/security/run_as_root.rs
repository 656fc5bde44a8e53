use crate::rules::*;

declare_rule! {
    /// A container may run as root.
    ///
    /// ## What it does
    /// Flags main, init and ephemeral containers that run as user 0 or may do so: their
    /// `runAsUser` (the container's, else the pod's) is `0`, or it is not set and neither is
    /// `runAsNonRoot: true`. This is what kube-linter, Polaris and kube-score agree on. An
    /// explicit `runAsNonRoot: false` on the container overrides the pod's `true`.
    /// Windows pods are skipped (they use `windowsOptions.runAsUserName`).
    ///
    /// ## Why is this bad?
    /// Root in a container is root on the node's kernel: with any other weakness (a writable
    /// host path, a kernel bug, an added capability) it becomes root on the node.
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
    ///   securityContext:
    ///     runAsNonRoot: true
    ///     runAsUser: 10001
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Configure a security context](https://kubernetes.io/docs/tasks/configure-pod-container/security-context/)
    /// - kube-linter `run-as-non-root`, Polaris `runAsRootAllowed`, kube-score `container-security-context-user-group-id`
    id: "run-as-root",
    category: Security,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    if pod.is_windows() {
        return;
    }
    for c in pod.all_containers() {
        let user = pod.effective_security(&c, "runAsUser");
        if let Some((value, pointer)) = &user {
            if value.as_i64() == Some(0) {
                out.push(
                    cx.diag(
                        pointer,
                        format!("{} runs as root (`runAsUser: 0`)", c.describe()),
                    )
                    .with_help("set `runAsUser` to a non-zero user id and `runAsNonRoot: true`"),
                );
                continue;
            }
            if value.as_i64().is_some_and(|u| u > 0) {
                continue;
            }
        }
        let non_root = pod.effective_security(&c, "runAsNonRoot");
        if matches!(non_root, Some((Value::Bool(true), _))) {
            continue;
        }
        let d = match non_root {
            Some((_, pointer)) => cx.diag(
                &pointer,
                format!("{} may run as root: `runAsNonRoot` is false and no `runAsUser` is set", c.describe()),
            ),
            None => cx.missing(
                &c.at("/securityContext/runAsNonRoot"),
                &c.at("/name"),
                format!(
                    "{} may run as root: neither `runAsNonRoot: true` nor a non-zero `runAsUser` is set",
                    c.describe()
                ),
            ),
        };
        out.push(
            d.with_help("set `securityContext.runAsNonRoot: true` and a non-zero `runAsUser` on the pod or the container")
                .with_note("without them the container runs as the image's user, which is root for most images"),
        );
    }
}
