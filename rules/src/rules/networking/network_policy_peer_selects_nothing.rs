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
    if cx.object.kind() != "NetworkPolicy" || cx.object.group() != "networking.k8s.io" {
        return;
    }
    for (direction, peers_key) in [("ingress", "from"), ("egress", "to")] {
        let Some(rules) = cx
            .object
            .value
            .pointer(&format!("/spec/{direction}"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        for (i, rule) in rules.iter().enumerate() {
            let Some(peers) = rule.get(peers_key).and_then(Value::as_array) else {
                continue;
            };
            for (j, peer) in peers.iter().enumerate() {
                let Some(selector) = peer.get("podSelector") else {
                    continue;
                };
                if peer.get("namespaceSelector").is_some_and(|n| !n.is_null()) {
                    continue;
                }
                if cx.index.label_selector_matches_no_pod(cx.object, selector) {
                    let way = if direction == "ingress" { "from" } else { "to" };
                    let mut d = cx
                        .diag(
                            &format!("/spec/{direction}/{i}/{peers_key}/{j}/podSelector"),
                            format!("this NetworkPolicy allows traffic {way} pods that no workload checked with it has"),
                        )
                        .with_help("make the peer's `podSelector` match the pod template labels of the workloads meant");
                    let (pairs, keys) = crate::related::selector_keys(selector);
                    d.related =
                        crate::related::similar_pod_owners(cx.index, cx.object, &pairs, &keys);
                    out.push(d);
                }
            }
        }
    }
}
