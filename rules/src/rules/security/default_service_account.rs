use crate::rules::*;

declare_rule! {
    /// A pod runs under the namespace's `default` ServiceAccount.
    ///
    /// ## What it does
    /// Flags pod templates whose `serviceAccountName` (or the deprecated `serviceAccount`) is
    /// not set or is `default`.
    ///
    /// ## Why is this bad?
    /// Every pod of the namespace that names no account shares `default`: a permission granted
    /// to one of them is granted to all, and it is impossible to tell them apart in audit logs.
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
    ///   serviceAccountName: web
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Configure service accounts for pods](https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/)
    /// - kube-linter `default-service-account`
    id: "default-service-account",
    category: Security,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    let field = if pod.get("/serviceAccountName").is_some() {
        "/serviceAccountName"
    } else {
        "/serviceAccount"
    };
    match pod.get(field).and_then(Value::as_str) {
        Some("default") => out.push(
            cx.diag(
                &pod.at(field),
                "the pod runs as the `default` ServiceAccount",
            )
            .with_help(
                "create a ServiceAccount for this workload and set `serviceAccountName` to it",
            ),
        ),
        Some(name) if !name.is_empty() => {}
        _ => out.push(
            cx.missing_in_pod(
                pod,
                "/serviceAccountName",
                "the pod runs as the `default` ServiceAccount: `serviceAccountName` is not set",
            )
            .with_help(
                "create a ServiceAccount for this workload and set `serviceAccountName` to it",
            ),
        ),
    }
}
