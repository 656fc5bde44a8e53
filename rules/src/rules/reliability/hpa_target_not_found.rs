use crate::facts::Detail;
use crate::rules::*;

declare_rule! {
    /// A HorizontalPodAutoscaler scales an object that is not in the run.
    ///
    /// ## What it does
    /// Flags HorizontalPodAutoscalers whose `spec.scaleTargetRef` (`kind` and `name`) names no
    /// object of the files checked together, in the same namespace. When the run holds no
    /// object of that kind in the namespace at all, the target may live elsewhere and the rule
    /// stays silent.
    ///
    /// ## Why is this bad?
    /// An autoscaler without its target does nothing (its status says `FailedGetScale`), so the
    /// workload it was meant to scale runs at a fixed size. It is usually a rename that missed
    /// the autoscaler.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: web
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web-v1}
    ///   minReplicas: 2
    ///   maxReplicas: 10
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
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: web
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
    ///   minReplicas: 2
    ///   maxReplicas: 10
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
    /// - [Horizontal Pod Autoscaling](https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/)
    /// - kube-linter `dangling-horizontalpodautoscaler`, kube-score `horizontalpodautoscaler-has-target`
    id: "hpa-target-not-found",
    category: Reliability,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let facts = cx.facts();
    let Detail::Hpa(hpa) = &facts.detail else {
        return;
    };
    let (Some(kind), Some(name)) = (hpa.target_kind, hpa.target_name) else {
        return;
    };
    if cx.index.kind_near(kind, facts).next().is_none() {
        return;
    }
    if cx.index.named_kind_near(kind, name, facts).next().is_some() {
        return;
    }
    let (kind_text, name_text) = (cx.text(kind), cx.text(name));
    let mut d = cx
        .diag_at(
            "/spec/scaleTargetRef/name",
            hpa.target_name_loc,
            format!(
                "this autoscaler targets {kind_text} `{name_text}`, which is not among the objects checked"
            ),
        )
        .with_help(format!(
            "point `scaleTargetRef` at an existing {kind_text}, or add the missing {kind_text}"
        ));
    d.related =
        crate::related::entries_named_like(cx.index, cx.index.kind_near(kind, facts), name_text);
    out.push(d);
}
