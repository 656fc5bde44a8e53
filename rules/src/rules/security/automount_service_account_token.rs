use crate::rules::*;

declare_rule! {
    /// A pod gets an API token mounted without asking for one.
    ///
    /// ## What it does
    /// Flags pod templates that do not set `automountServiceAccountToken: false`, unless the
    /// ServiceAccount they use is in the run and sets it to `false` itself (the pod's field
    /// wins over the ServiceAccount's, as in the API).
    ///
    /// ## Why is this bad?
    /// Most applications never call the Kubernetes API, yet every pod gets a token at
    /// `/var/run/secrets/kubernetes.io/serviceaccount`: whoever gets code execution in the pod
    /// gets whatever its ServiceAccount may do.
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
    ///   automountServiceAccountToken: false
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Opt out of API credential automounting](https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting)
    /// - Polaris `automountServiceAccountToken`
    id: "automount-service-account-token",
    category: Security,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    match pod.get("/automountServiceAccountToken") {
        Some(Value::Bool(false)) => return,
        Some(Value::Bool(true)) => {}
        _ => {
            let account = pod
                .get("/serviceAccountName")
                .or_else(|| pod.get("/serviceAccount"))
                .and_then(Value::as_str)
                .unwrap_or("default");
            let opted_out = cx
                .index
                .named_near("ServiceAccount", account, cx.object)
                .any(|sa| {
                    sa.object.value.get("automountServiceAccountToken") == Some(&Value::Bool(false))
                });
            if opted_out {
                return;
            }
        }
    }
    out.push(
        cx.missing_in_pod(
            pod,
            "/automountServiceAccountToken",
            "the pod mounts a service account token: `automountServiceAccountToken` is not false",
        )
        .with_help("set `automountServiceAccountToken: false` on the pod unless it calls the Kubernetes API"),
    );
}
