use crate::rules::*;

declare_rule! {
    /// No NetworkPolicy applies to a workload's pods.
    ///
    /// ## What it does
    /// Flags workloads whose pod labels no NetworkPolicy among the checked files selects in
    /// the same namespace (a policy with an empty `podSelector` selects every pod). Opt-in,
    /// because policies are often managed apart from the applications.
    ///
    /// ## Why is this bad?
    /// Pods that no policy selects accept traffic from every pod of the cluster and may
    /// connect anywhere: one compromised pod can reach them all.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    ///   labels: {app: web}
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    ///   labels: {app: web}
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: web
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: web}
    ///   policyTypes: [Ingress, Egress]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Network policies](https://kubernetes.io/docs/concepts/services-networking/network-policies/)
    /// - kube-linter `non-isolated-pod`, Polaris `missingNetworkPolicy`, kube-score `pod-networkpolicy`
    id: "missing-network-policy",
    category: Networking,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    let covered = cx
        .index
        .selected_by("NetworkPolicy", cx.object, pod.labels())
        .next()
        .is_some();
    if !covered {
        out.push(
            cx.diag("/metadata/name", format!("no NetworkPolicy selects the pods of this {}", cx.object.kind()))
                .with_help("add a NetworkPolicy whose `podSelector` matches these pods and allows only the traffic they need"),
        );
    }
}
