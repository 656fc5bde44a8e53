use crate::rules::*;

declare_rule! {
    /// A PodDisruptionBudget sets neither `minAvailable` nor `maxUnavailable`.
    ///
    /// ## What it does
    /// Flags PodDisruptionBudgets whose `spec` has no `minAvailable` and no `maxUnavailable`.
    ///
    /// ## Why is this bad?
    /// Without a budget the object states no availability requirement, so it does not say
    /// how many pods a drain may take down; it usually means a field was lost in a template
    /// or a values file.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// metadata:
    ///   name: web
    /// spec:
    ///   maxUnavailable: 1
    ///   selector:
    ///     matchLabels: {app: web}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Specifying a Disruption Budget](https://kubernetes.io/docs/tasks/run-application/configure-pdb/)
    /// - kube-score `poddisruptionbudget-has-policy`
    id: "pdb-missing-budget",
    category: Reliability,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.object.kind() != "PodDisruptionBudget" || cx.object.group() != "policy" {
        return;
    }
    let spec = cx.object.value.get("spec");
    let set = |field: &str| {
        spec.and_then(|s| s.get(field))
            .is_some_and(|v| !v.is_null())
    };
    if set("minAvailable") || set("maxUnavailable") {
        return;
    }
    out.push(
        cx.missing(
            "/spec/maxUnavailable",
            "/spec",
            "this PodDisruptionBudget sets neither `minAvailable` nor `maxUnavailable`",
        )
        .with_help("set `maxUnavailable` (or `minAvailable`) in `spec`"),
    );
}
