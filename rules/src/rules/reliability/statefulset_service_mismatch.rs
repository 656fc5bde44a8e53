use crate::facts::Detail;
use crate::rules::*;

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
    let facts = cx.facts();
    if cx.text(facts.kind) != "StatefulSet" {
        return;
    }
    let Some(pod) = &facts.pod else { return };
    let Some((name_sym, loc)) = pod.service_name else {
        return;
    };
    let Some(kind) = cx.index.symbols.get("Service") else {
        return;
    };
    if cx.index.kind_near(kind, facts).next().is_none() {
        return;
    }
    let name = cx.text(name_sym);
    let service = cx
        .index
        .named_kind_near(kind, name_sym, facts)
        .find(|e| cx.text(e.facts.group).is_empty());
    let Some(Detail::Service(service)) = service.map(|e| &e.facts.detail) else {
        out.push(
            cx.diag_at(
                "/spec/serviceName",
                loc,
                format!("the governing Service `{name}` is not among the objects checked"),
            )
            .with_help(format!(
                "add a headless Service `{name}` (`clusterIP: None`) that selects the pods"
            )),
        );
        return;
    };
    if !service.headless {
        out.push(
            cx.diag_at(
                "/spec/serviceName",
                loc,
                format!("the governing Service `{name}` is not headless, so the pods get no stable DNS names"),
            )
            .with_help(format!("set `clusterIP: None` on Service `{name}`, or name a headless Service")),
        );
        return;
    }
    if !service.selector.matches(pod.labels.as_deref()) {
        out.push(
            cx.diag_at(
                "/spec/serviceName",
                loc,
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
