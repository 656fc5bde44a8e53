use crate::facts::{Count, Detail, ObjectFacts};
use crate::rules::*;

declare_rule! {
    /// A workload scaled by a HorizontalPodAutoscaler also sets `replicas`.
    ///
    /// ## What it does
    /// Flags `spec.replicas` of a workload that a HorizontalPodAutoscaler among the checked
    /// files targets (same namespace, `scaleTargetRef` kind and name).
    ///
    /// ## Why is this bad?
    /// Every `kubectl apply` of the manifest resets the replica count to the fixed number, then
    /// the autoscaler moves it back: under load, a deploy can scale the workload down to a size
    /// that cannot take the traffic.
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
    /// ---
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: web
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
    ///   minReplicas: 3
    ///   maxReplicas: 10
    /// ```
    ///
    /// Use instead:
    /// ```yaml
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
    /// ---
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: web
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
    ///   minReplicas: 3
    ///   maxReplicas: 10
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Migrating Deployments to horizontal scaling](https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling)
    /// - kube-score `deployment-targeted-by-hpa-does-not-have-replicas-configured`
    id: "hpa-conflicts-with-replicas",
    category: Reliability,
    severity: Warning,
    enabled: true,
}

no_options!(check);

/// The first HorizontalPodAutoscaler that targets this object, with its name: none when that
/// one has no name.
fn autoscaler<'a>(cx: &Ctx<'a, '_>) -> Option<(&'a ObjectFacts, &'a str)> {
    let hpa = cx.index.autoscalers_near(cx.facts()).next()?.facts;
    Some((hpa, cx.text(hpa.name()?)))
}

/// The name of the HorizontalPodAutoscaler that targets this object, if any.
pub(crate) fn autoscaler_of<'a>(cx: &Ctx<'a, '_>) -> Option<&'a str> {
    autoscaler(cx).map(|(_, name)| name)
}

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let facts = cx.facts();
    if matches!(facts.replicas, Count::Absent | Count::Null) {
        return;
    }
    let Some((entry, hpa)) = autoscaler(cx) else {
        return;
    };
    let mut d = cx
        .diag_at(
            "/spec/replicas",
            facts.replicas_loc,
            format!(
                "`replicas` is set, but the HorizontalPodAutoscaler `{hpa}` scales this {}",
                cx.text(facts.kind)
            ),
        )
        .with_help("remove `spec.replicas` and let the autoscaler own the replica count")
        .with_note("each apply resets the replica count to this value until the autoscaler reacts");
    if let Detail::Hpa(scaler) = &entry.detail {
        d.related.push(plimsoll_core::Related {
            message: format!("the HorizontalPodAutoscaler `{hpa}` that scales it"),
            location: cx.location(scaler.target_loc),
        });
    }
    out.push(d);
}
