use crate::rules::*;
use crate::util::has_several_replicas;

declare_rule! {
    /// A replicated workload sets no topology spread constraints.
    ///
    /// ## What it does
    /// Flags Deployments, StatefulSets, ReplicaSets, ReplicationControllers, Rollouts and
    /// CloneSets with two or more replicas whose pod template has no
    /// `topologySpreadConstraints`.
    ///
    /// ## Why is this bad?
    /// Without constraints, the scheduler may pack the replicas into one zone or onto one
    /// node; a zone outage then takes the whole service down.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   replicas: 3
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
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   replicas: 3
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       topologySpreadConstraints:
    ///         - maxSkew: 1
    ///           topologyKey: topology.kubernetes.io/zone
    ///           whenUnsatisfiable: ScheduleAnyway
    ///           labelSelector:
    ///             matchLabels: {app: web}
    ///       containers:
    ///         - name: web
    ///           image: nginx:1.27
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Pod topology spread constraints](https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/)
    /// - Polaris `topologySpreadConstraint`, kube-score `pod-topology-spread-constraints`
    id: "missing-topology-spread",
    category: Reliability,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    if !has_several_replicas(cx.object) {
        return;
    }
    if pod
        .get("/topologySpreadConstraints")
        .and_then(Value::as_array)
        .is_some_and(|l| !l.is_empty())
    {
        return;
    }
    out.push(
        cx.missing_in_pod(pod, "/topologySpreadConstraints", "the pod template sets no topology spread constraints")
            .with_help("add `topologySpreadConstraints` over `topology.kubernetes.io/zone` (and the node) that select the workload's pods"),
    );
}
