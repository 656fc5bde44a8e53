use crate::rules::*;

declare_rule! {
    /// A pod names its ServiceAccount with the deprecated `serviceAccount` field.
    ///
    /// ## What it does
    /// Flags `serviceAccount` in a pod spec. The field is a deprecated alias of
    /// `serviceAccountName`.
    ///
    /// ## Why is this bad?
    /// Tools that read only `serviceAccountName` (policies, linters, audits) see the default
    /// ServiceAccount; when both are set and differ, which one wins is easy to get wrong.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: app
    /// spec:
    ///   serviceAccount: app
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
    ///   serviceAccountName: app
    ///   containers:
    ///     - name: app
    ///       image: example.com/app:1.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [PodSpec `serviceAccount`](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#security)
    /// - kube-linter `deprecated-service-account-field`
    id: "deprecated-service-account-field",
    category: Metadata,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    let Some(name) = pod.get("/serviceAccount").and_then(Value::as_str) else {
        return;
    };
    if name.is_empty() {
        return;
    }
    out.push(
        cx.key_diag(
            &pod.at("/serviceAccount"),
            format!(
                "the pod names ServiceAccount `{name}` with the deprecated field `serviceAccount`"
            ),
        )
        .with_help(format!("write `serviceAccountName: {name}` instead")),
    );
}
