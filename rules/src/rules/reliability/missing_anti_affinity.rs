use crate::rules::*;
use crate::util::has_several_replicas;

declare_rule! {
    /// A replicated workload does not ask for its pods to be spread across nodes.
    ///
    /// ## What it does
    /// Flags Deployments, StatefulSets, ReplicaSets, ReplicationControllers, Rollouts and
    /// CloneSets with two or more replicas whose pod template has neither a
    /// `podAntiAffinity` rule nor a `topologySpreadConstraints` entry over
    /// `kubernetes.io/hostname`. kube-linter's `no-anti-affinity` asks the same with two
    /// replicas; topology spread is accepted as the modern equivalent.
    ///
    /// ## Why is this bad?
    /// The scheduler may put every replica on the same node; losing that node loses the
    /// service, whatever the replica count.
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
    ///       affinity:
    ///         podAntiAffinity:
    ///           preferredDuringSchedulingIgnoredDuringExecution:
    ///             - weight: 100
    ///               podAffinityTerm:
    ///                 topologyKey: kubernetes.io/hostname
    ///                 labelSelector:
    ///                   matchLabels: {app: web}
    ///       containers:
    ///         - name: web
    ///           image: nginx:1.27
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Inter-pod affinity and anti-affinity](https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity)
    /// - kube-linter `no-anti-affinity`, kube-score `deployment-has-host-podantiaffinity`
    id: "missing-anti-affinity",
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
        .get("/affinity/podAntiAffinity")
        .is_some_and(|a| a.as_object().is_some_and(|m| !m.is_empty()))
    {
        return;
    }
    let spread_by_host = pod
        .get("/topologySpreadConstraints")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter().any(|c| {
                c.get("topologyKey").and_then(Value::as_str) == Some("kubernetes.io/hostname")
            })
        });
    if spread_by_host {
        return;
    }
    out.push(
        cx.missing_in_pod(pod, "/affinity/podAntiAffinity", "the pod template does not keep replicas off the same node")
            .with_help("add a `podAntiAffinity` term on `kubernetes.io/hostname` that selects the workload's own pods"),
    );
}
