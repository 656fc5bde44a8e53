use crate::rules::*;

declare_rule! {
    /// A StatefulSet names no governing Service.
    ///
    /// ## What it does
    /// Flags StatefulSets whose `spec.serviceName` is missing or empty.
    ///
    /// ## Why is this bad?
    /// The governing (headless) Service gives each pod its stable DNS name
    /// (`web-0.web.ns.svc`), which is the point of a StatefulSet: without it, peers cannot
    /// find each other by ordinal.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: StatefulSet
    /// metadata:
    ///   name: db
    /// spec:
    ///   selector:
    ///     matchLabels: {app: db}
    ///   template:
    ///     metadata:
    ///       labels: {app: db}
    ///     spec:
    ///       containers:
    ///         - name: db
    ///           image: postgres:17
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: StatefulSet
    /// metadata:
    ///   name: db
    /// spec:
    ///   serviceName: db
    ///   selector:
    ///     matchLabels: {app: db}
    ///   template:
    ///     metadata:
    ///       labels: {app: db}
    ///     spec:
    ///       containers:
    ///         - name: db
    ///           image: postgres:17
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [StatefulSets: stable network ID](https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id)
    /// - kube-score `statefulset-has-servicename`
    id: "statefulset-missing-service-name",
    category: Reliability,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.object.kind() != "StatefulSet" || cx.object.group() != "apps" {
        return;
    }
    let name = cx
        .object
        .value
        .pointer("/spec/serviceName")
        .and_then(Value::as_str);
    if name.is_some_and(|n| !n.is_empty()) {
        return;
    }
    out.push(
        cx.missing("/spec/serviceName", "/metadata/name", "this StatefulSet has no `serviceName`")
            .with_help("create a headless Service (`clusterIP: None`) that selects the pods and name it in `spec.serviceName`"),
    );
}
