use crate::facts::Detail;
use crate::rules::*;

declare_rule! {
    /// A PodDisruptionBudget selects no pod of the run.
    ///
    /// ## What it does
    /// Flags PodDisruptionBudgets whose `spec.selector` matches the pod labels of no workload
    /// in the same namespace among all the files checked together. When the run has no
    /// workload in that namespace at all (a PodDisruptionBudget checked alone), the rule stays
    /// silent, and so it does when the namespace holds a custom resource that an operator
    /// probably turns into pods (see `service-selector-matches-nothing`). An empty selector
    /// (which selects every pod of the namespace) is not reported.
    ///
    /// ## Why is this bad?
    /// A budget that selects nothing protects nothing: voluntary disruptions (node drains,
    /// upgrades) can take down every replica at once. It is usually a label that was renamed
    /// on one side only.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: web
    /// spec:
    ///   minAvailable: 1
    ///   selector:
    ///     matchLabels: {app: website}
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   replicas: 2
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
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: web
    /// spec:
    ///   minAvailable: 1
    ///   selector:
    ///     matchLabels: {app: web}
    /// ---
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   replicas: 2
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
    /// - [Specifying a disruption budget](https://kubernetes.io/docs/tasks/run-application/configure-pdb/)
    id: "pdb-selects-nothing",
    category: Reliability,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let facts = cx.facts();
    let Detail::Pdb(pdb) = &facts.detail else {
        return;
    };
    let Some(selector) = &pdb.selector else {
        return;
    };
    if cx.index.label_selects_no_pod(facts, selector) {
        let mut d = cx
            .diag_at(
                "/spec/selector",
                pdb.selector_loc,
                "this PodDisruptionBudget selects no pod of the workloads checked with it",
            )
            .with_help(
                "make the selector match the pod template labels of the workload it protects",
            );
        let (pairs, keys) = selector.keys();
        d.related = crate::related::similar_owners(cx.index, facts, pairs, &keys);
        out.push(d);
    }
}
