use crate::rules::*;
use crate::util::label_selector_matches;

declare_rule! {
    /// A topology spread constraint does not select the workload's own pods.
    ///
    /// ## What it does
    /// Flags `topologySpreadConstraints` entries whose `labelSelector` is missing or does
    /// not match the labels of the pod template it belongs to. (A `maxSkew` below 1 and an
    /// unknown `whenUnsatisfiable` are rejected by the API server: `schema-invalid-value`,
    /// `schema-invalid`.)
    ///
    /// ## Why is this bad?
    /// The scheduler counts only the pods the selector matches: a constraint without a
    /// selector, or with one for other pods, does not spread this workload at all, while
    /// it reads as if it did.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    ///   labels: {app: web}
    /// spec:
    ///   topologySpreadConstraints:
    ///     - maxSkew: 1
    ///       topologyKey: topology.kubernetes.io/zone
    ///       whenUnsatisfiable: ScheduleAnyway
    ///       labelSelector:
    ///         matchLabels: {app: webapp}
    ///   containers:
    ///     - name: web
    ///       image: example.com/web:1.0
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
    ///   topologySpreadConstraints:
    ///     - maxSkew: 1
    ///       topologyKey: topology.kubernetes.io/zone
    ///       whenUnsatisfiable: ScheduleAnyway
    ///       labelSelector:
    ///         matchLabels: {app: web}
    ///   containers:
    ///     - name: web
    ///       image: example.com/web:1.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Pod topology spread constraints](https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/)
    /// - kube-score `pod-topology-spread-constraints` (its label selector check)
    id: "topology-spread-selects-other-pods",
    category: Reliability,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    let Some(constraints) = pod
        .get("/topologySpreadConstraints")
        .and_then(Value::as_array)
    else {
        return;
    };
    for (i, constraint) in constraints.iter().enumerate() {
        let base = pod.at(&format!("/topologySpreadConstraints/{i}"));
        match constraint.get("labelSelector").filter(|s| !s.is_null()) {
            None => out.push(
                cx.missing(
                    &format!("{base}/labelSelector"),
                    &format!("{base}/topologyKey"),
                    "this topology spread constraint has no `labelSelector`, so it counts no pods and spreads nothing",
                )
                .with_help("add a `labelSelector` that matches the pod template's labels"),
            ),
            Some(selector) => {
                if label_selector_matches(selector, pod.labels()) == Some(false) {
                    out.push(
                        cx.diag(
                            &format!("{base}/labelSelector"),
                            "this topology spread constraint selects other pods, not the workload's own: it does not spread them",
                        )
                        .with_help("make the `labelSelector` match the pod template's labels"),
                    );
                }
            }
        }
    }
}
