use crate::rules::*;
use crate::util::map_selector_matches;

declare_rule! {
    /// A StatefulSet's governing Service is not a headless Service that selects its pods.
    ///
    /// ## What it does
    /// For StatefulSets whose `spec.serviceName` is set, looks the Service up among the
    /// objects checked in the same namespace (only when the run holds Services there) and
    /// flags it when it is missing, when it is not headless (`clusterIP: None`), or when its
    /// selector does not match the StatefulSet's pod template labels.
    ///
    /// ## Why is this bad?
    /// The stable per-pod DNS names (`db-0.db.ns.svc`) come from a headless Service that
    /// selects the pods; with a missing, ordinary or mis-selecting Service the names do not
    /// resolve and peers cannot find each other.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: db
    /// spec:
    ///   selector: {app: db}
    ///   ports:
    ///     - port: 5432
    /// ---
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
    ///           image: example.com/db:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: db
    /// spec:
    ///   clusterIP: None
    ///   selector: {app: db}
    ///   ports:
    ///     - port: 5432
    /// ---
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
    ///           image: example.com/db:1.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [StatefulSet: stable network ID](https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id)
    /// - kube-score `statefulset-has-servicename`
    id: "statefulset-service-mismatch",
    category: Reliability,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.object.kind() != "StatefulSet" {
        return;
    }
    let Some(pod) = cx.pod else { return };
    let Some(name) = cx
        .object
        .value
        .pointer("/spec/serviceName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        return;
    };
    if cx.index.of_kind_near("Service", cx.object).next().is_none() {
        return;
    }
    let services: Vec<&Value> = cx
        .index
        .named_near("Service", name, cx.object)
        .filter(|e| e.object.group().is_empty())
        .map(|e| &e.object.value)
        .collect();
    let Some(service) = services.first() else {
        out.push(
            cx.diag(
                "/spec/serviceName",
                format!("the governing Service `{name}` is not among the objects checked"),
            )
            .with_help(format!(
                "add a headless Service `{name}` (`clusterIP: None`) that selects the pods"
            )),
        );
        return;
    };
    if service.pointer("/spec/clusterIP").and_then(Value::as_str) != Some("None") {
        out.push(
            cx.diag(
                "/spec/serviceName",
                format!("the governing Service `{name}` is not headless, so the pods get no stable DNS names"),
            )
            .with_help(format!("set `clusterIP: None` on Service `{name}`, or name a headless Service")),
        );
        return;
    }
    let selects = service
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .is_some_and(|s| !s.is_empty() && map_selector_matches(s, pod.labels()));
    if !selects {
        out.push(
            cx.diag(
                "/spec/serviceName",
                format!(
                    "the governing Service `{name}` does not select the pods of this StatefulSet"
                ),
            )
            .with_help(format!(
                "make the selector of Service `{name}` match the pod template labels"
            )),
        );
    }
}
