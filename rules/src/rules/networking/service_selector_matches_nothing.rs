use crate::facts::{Detail, Sym, format_labels};
use crate::rules::*;

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
    let facts = cx.facts();
    let Detail::Service(service) = &facts.detail else {
        return;
    };
    if !cx.text(facts.group).is_empty() || !service.spec_is_map || service.external_name {
        return;
    }
    let Some(selector) = service.selector.pairs() else {
        return;
    };
    if selector.is_empty() || !cx.index.map_selects_no_pod(facts, selector) {
        return;
    }
    let mut d = cx.diag_at("/spec/selector", service.selector_loc, format!("the selector `{}` matches no pod of the workloads checked with this Service", format_labels(selector, cx.index.symbols)))
        .with_help("make the selector match the pod template labels of the workload that serves this Service");
    let keys: Vec<Sym> = selector.iter().map(|l| l.key).collect();
    d.related = crate::related::similar_owners(cx.index, facts, selector, &keys);
    out.push(d);
}
