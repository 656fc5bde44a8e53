use crate::rules::*;
use crate::util::is_replicated_kind;

declare_rule! {
    /// A replicated workload has no PodDisruptionBudget.
    ///
    /// ## What it does
    /// Flags Deployments, StatefulSets, ReplicaSets, ReplicationControllers, Rollouts and
    /// CloneSets with two or more replicas (or scaled by an autoscaler) whose pod labels no
    /// PodDisruptionBudget among the checked files selects, in the same namespace. Opt-in,
    /// because the budget may live in another repository.
    ///
    /// ## Why is this bad?
    /// Without a budget, a node drain may evict all replicas at once, and the service is down
    /// until they are rescheduled and ready.
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
    ///       containers:
    ///         - name: web
    ///           image: nginx:1.27
    /// ---
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: web
    /// spec:
    ///   maxUnavailable: 1
    ///   selector:
    ///     matchLabels: {app: web}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Specifying a disruption budget](https://kubernetes.io/docs/tasks/run-application/configure-pdb/)
    /// - Polaris `missingPodDisruptionBudget`, kube-score `deployment-has-poddisruptionbudget`
    id: "missing-pod-disruption-budget",
    category: Reliability,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let facts = cx.facts();
    let kind = cx.text(facts.kind);
    let Some(pod) = &facts.pod else { return };
    if !is_replicated_kind(kind) {
        return;
    }
    let scaled = super::hpa_conflicts_with_replicas::autoscaler_of(cx).is_some();
    if !scaled && facts.replicas.replicas().is_none_or(|r| r < 2) {
        return;
    }
    let covered = cx
        .index
        .selected_by_labels("PodDisruptionBudget", facts, pod.labels.as_deref())
        .next()
        .is_some();
    if !covered {
        out.push(
            cx.diag_at("/metadata/name", facts.name_loc, format!("no PodDisruptionBudget covers the pods of this {kind}"))
                .with_help("add a PodDisruptionBudget whose selector matches the pod template labels, e.g. with `maxUnavailable: 1`"),
        );
    }
}
