use crate::rules::*;
use crate::util::format_selector;

declare_rule! {
    /// A Service selects no pod of the run.
    ///
    /// ## What it does
    /// Flags Services whose `spec.selector` matches the pod labels of no workload (Pod,
    /// Deployment, StatefulSet, DaemonSet, Job, CronJob, custom workloads…) in the same
    /// namespace among the files checked together. When the run holds no workload in that
    /// namespace at all (a Service checked alone), the rule stays silent rather than guess.
    /// Services without a selector (endpoints managed by hand) and `ExternalName` Services are
    /// skipped. So are namespaces holding a custom resource that an operator probably turns
    /// into pods (a `spec` with `replicas`, `podMetadata`, `template`…, like the Prometheus
    /// operator's `Prometheus`): their pods' labels cannot be known.
    ///
    /// ## Why is this bad?
    /// A Service that selects nothing has no endpoints: clients get connection refused or
    /// time out. It is usually a label renamed on one side only.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector: {app: website}
    ///   ports:
    ///     - port: 80
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: nginx:1.27
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector: {app: web}
    ///   ports:
    ///     - port: 80
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: nginx:1.27
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Services](https://kubernetes.io/docs/concepts/services-networking/service/)
    /// - kube-linter `dangling-service`, kube-score `service-targets-pod`
    id: "service-selector-matches-nothing",
    category: Networking,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(spec) = super::service_spec(cx) else {
        return;
    };
    if spec.get("type").and_then(Value::as_str) == Some("ExternalName") {
        return;
    }
    let Some(selector) = spec.get("selector").and_then(Value::as_object) else {
        return;
    };
    if selector.is_empty() || !cx.index.map_selector_matches_no_pod(cx.object, selector) {
        return;
    }
    let mut d = cx.diag("/spec/selector", format!("the selector `{}` matches no pod of the workloads checked with this Service", format_selector(selector)))
        .with_help("make the selector match the pod template labels of the workload that serves this Service");
    let keys: Vec<&str> = selector.keys().map(String::as_str).collect();
    d.related = crate::related::similar_pod_owners(cx.index, cx.object, selector, &keys);
    out.push(d);
}
