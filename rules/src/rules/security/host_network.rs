use crate::rules::*;

declare_rule! {
    /// A pod shares the node's network namespace.
    ///
    /// ## What it does
    /// Flags pod templates with `hostNetwork: true`.
    ///
    /// ## Why is this bad?
    /// With the host's network, the pod sees every interface of the node, can bind any of its
    /// ports, reach services listening on localhost (the kubelet, metadata endpoints) and
    /// sniff traffic with `NET_RAW`. NetworkPolicies no longer apply to it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: agent
    /// spec:
    ///   hostNetwork: true
    ///   containers:
    ///     - name: agent
    ///       image: example.com/agent:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: agent
    /// spec:
    ///   containers:
    ///     - name: agent
    ///       image: example.com/agent:1.0
    ///       ports:
    ///         - containerPort: 9100
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Pod Security Standards: host namespaces](https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline)
    /// - kube-linter `host-network`, Polaris `hostNetworkSet`
    id: "host-network",
    category: Security,
    severity: Error,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    if let Some(d) = super::pod_flag_set(
        cx,
        "hostNetwork",
        "the pod shares the node's network namespace (`hostNetwork: true`)",
    ) {
        out.push(
            d.with_help("remove `hostNetwork: true` and expose ports through a Service")
                .with_note("the pod can reach everything that listens on the node, and NetworkPolicies do not apply to it"),
        );
    }
}
