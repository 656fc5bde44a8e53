use crate::rules::*;

declare_rule! {
    /// A Deployment does not state its update strategy as a rolling update.
    ///
    /// ## What it does
    /// Flags Deployments whose `spec.strategy.type` is not set to `RollingUpdate` explicitly
    /// (absent, or `Recreate`).
    ///
    /// ## Why is this bad?
    /// `Recreate` stops every pod before starting the new ones: each rollout is an outage.
    /// Leaving the type out relies on the default; teams that want every manifest to say how
    /// it rolls out turn this rule on. Off by default.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   strategy:
    ///     type: Recreate
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: example.com/web:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   strategy:
    ///     type: RollingUpdate
    ///     rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: example.com/web:1.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - kube-linter `deployment-strategy` (opt-in there too)
    id: "deployment-strategy",
    category: Reliability,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.object.kind() != "Deployment" || cx.object.group() != "apps" {
        return;
    }
    match cx
        .object
        .value
        .pointer("/spec/strategy/type")
        .and_then(Value::as_str)
    {
        Some("RollingUpdate") => {}
        Some(other) => out.push(
            cx.diag(
                "/spec/strategy/type",
                format!("this Deployment rolls out with `{other}`, not a rolling update"),
            )
            .with_help("set `strategy.type: RollingUpdate`"),
        ),
        None => out.push(
            cx.missing(
                "/spec/strategy/type",
                "/spec",
                "this Deployment does not state its update strategy",
            )
            .with_help("set `strategy.type: RollingUpdate` (with `rollingUpdate` limits)"),
        ),
    }
}
