use crate::facts::Detail;
use crate::rules::*;

declare_rule! {
    /// A NetworkPolicy selects no pod of the run.
    ///
    /// ## What it does
    /// Flags NetworkPolicies whose `spec.podSelector` is not empty and matches the pod labels
    /// of no workload in the same namespace among the files checked together. An empty
    /// selector (every pod of the namespace) is not reported; when the run holds no workload in
    /// the namespace at all, or a custom resource that an operator probably turns into pods
    /// (see `service-selector-matches-nothing`), the rule stays silent.
    ///
    /// ## Why is this bad?
    /// A policy that selects nothing isolates nothing: the pods it was written for accept
    /// traffic from everywhere. It is usually a label renamed on one side only.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: web
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: website}
    ///   policyTypes: [Ingress]
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
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: web
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: web}
    ///   policyTypes: [Ingress]
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
    /// - [Network policies](https://kubernetes.io/docs/concepts/services-networking/network-policies/)
    /// - kube-linter `dangling-networkpolicy`, kube-score `networkpolicy-targets-pod`
    id: "network-policy-selects-nothing",
    category: Networking,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let facts = cx.facts();
    let Detail::NetworkPolicy(policy) = &facts.detail else {
        return;
    };
    let Some(selector) = &policy.pod_selector else {
        return;
    };
    if cx.index.label_selects_no_pod(facts, selector) {
        let mut d = cx
            .diag_at(
                "/spec/podSelector",
                policy.pod_selector_loc,
                "this NetworkPolicy selects no pod of the workloads checked with it",
            )
            .with_help(
                "make `podSelector` match the pod template labels of the workloads it should isolate",
            );
        let (pairs, keys) = selector.keys();
        d.related = crate::related::similar_owners(cx.index, facts, pairs, &keys);
        out.push(d);
    }
}
