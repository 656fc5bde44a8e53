use crate::pod::PodSpec;
use crate::rules::*;
use crate::util::{has_several_replicas, label_selector_matches};

declare_rule! {
    /// A replicated workload does not ask for its pods to be spread across nodes.
    ///
    /// ## What it does
    /// Flags Deployments, StatefulSets, ReplicaSets, ReplicationControllers, Rollouts and
    /// CloneSets with two or more replicas whose pod template has neither a
    /// `podAntiAffinity` rule nor a `topologySpreadConstraints` entry over
    /// `kubernetes.io/hostname`. An anti-affinity term counts only when it selects the
    /// workload's own pods (its `labelSelector` matches the template's labels, its
    /// `namespaces`, if listed, include the workload's): otherwise it spreads nothing and is
    /// reported as such. kube-linter's `no-anti-affinity` asks the same with two replicas;
    /// topology spread is accepted as the modern equivalent.
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
    let terms = anti_affinity_terms(pod);
    if terms.iter().any(|t| selects_own_pods(cx, pod, t)) {
        return;
    }
    if !terms.is_empty() {
        out.push(
            cx.diag(
                &pod.at("/affinity/podAntiAffinity"),
                "the podAntiAffinity terms of the pod template select none of its own pods, so they keep no replicas apart",
            )
            .with_help("make a term's `labelSelector` match the template's labels (and its `namespaces`, if set, include the workload's)"),
        );
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

/// The pod affinity terms of `podAntiAffinity`, required and preferred.
fn anti_affinity_terms<'o>(pod: &PodSpec<'o>) -> Vec<&'o Value> {
    let mut terms: Vec<&Value> = Vec::new();
    let list = |pointer: &str| {
        pod.get(pointer)
            .and_then(Value::as_array)
            .map(|a| a.iter().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    terms.extend(list(
        "/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution",
    ));
    terms.extend(
        list("/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution")
            .into_iter()
            .filter_map(|weighted| weighted.get("podAffinityTerm")),
    );
    terms
}

/// Whether a term selects the workload's own pods: its `labelSelector` matches the template's
/// labels, and its `namespaces`, when listed, include the workload's namespace (a
/// `namespaceSelector` cannot be judged here and is taken as including it).
fn selects_own_pods(cx: &Ctx<'_, '_>, pod: &PodSpec<'_>, term: &Value) -> bool {
    let Some(selector) = term.get("labelSelector").filter(|s| !s.is_null()) else {
        return false;
    };
    if label_selector_matches(selector, pod.labels()) != Some(true) {
        return false;
    }
    let listed: Vec<&str> = term
        .get("namespaces")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    listed.is_empty() || cx.object.namespace().is_none_or(|ns| listed.contains(&ns))
}
