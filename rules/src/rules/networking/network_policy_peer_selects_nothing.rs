use crate::facts::Detail;
use crate::rules::*;

declare_rule! {
    /// A NetworkPolicy allows traffic from or to a `podSelector` that selects no pod of the run.
    ///
    /// ## What it does
    /// For each peer of `ingress[].from` and `egress[].to` that has a `podSelector` and no
    /// `namespaceSelector` (so it means pods of the policy's own namespace), checks that the
    /// selector matches the pod template labels of at least one workload checked with it.
    /// Peers with a `namespaceSelector` point at other namespaces and are left alone, as is
    /// a run that holds no workload near the policy.
    ///
    /// ## Why is this bad?
    /// The rule allows nothing: a typo in a label (`app: fronted`) silently blocks the
    /// traffic the policy was written to allow.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: frontend
    /// spec:
    ///   selector:
    ///     matchLabels: {app: frontend}
    ///   template:
    ///     metadata:
    ///       labels: {app: frontend}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: example.com/web:1.0
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: api
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: frontend}
    ///   ingress:
    ///     - from:
    ///         - podSelector:
    ///             matchLabels: {app: fronted}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: frontend
    /// spec:
    ///   selector:
    ///     matchLabels: {app: frontend}
    ///   template:
    ///     metadata:
    ///       labels: {app: frontend}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: example.com/web:1.0
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: api
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: frontend}
    ///   ingress:
    ///     - from:
    ///         - podSelector:
    ///             matchLabels: {app: frontend}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Network policies: behaviour of `to` and `from` selectors](https://kubernetes.io/docs/concepts/services-networking/network-policies/#behavior-of-to-and-from-selectors)
    /// - kube-linter `dangling-networkpolicypeer-podselector`
    id: "network-policy-peer-selects-nothing",
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
    if cx.text(facts.group) != "networking.k8s.io" {
        return;
    }
    for peer in &policy.peers {
        if !cx.index.label_selects_no_pod(facts, &peer.selector) {
            continue;
        }
        let (direction, way) = if peer.egress {
            ("egress", "to")
        } else {
            ("ingress", "from")
        };
        let (i, j) = (peer.rule, peer.peer);
        let mut d = cx
            .diag_at(
                &format!("/spec/{direction}/{i}/{way}/{j}/podSelector"),
                peer.loc,
                format!("this NetworkPolicy allows traffic {way} pods that no workload checked with it has"),
            )
            .with_help("make the peer's `podSelector` match the pod template labels of the workloads meant");
        let (pairs, keys) = peer.selector.keys();
        d.related = crate::related::similar_owners(cx.index, facts, pairs, &keys);
        out.push(d);
    }
}
