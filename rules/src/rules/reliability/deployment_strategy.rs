use crate::rules::*;

declare_rule! {
    /// A Deployment does not state its update strategy as a rolling update.
    ///
    /// ## What it does
    /// Flags Deployments whose `spec.strategy.type` is not set to `RollingUpdate` explicitly
    /// (absent, or `Recreate`), and OpenShift DeploymentConfigs whose `spec.strategy.type` is
    /// not `Rolling` (absent, `Recreate` or `Custom`), as kube-linter's
    /// `no-rolling-update-strategy` does.
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
    /// - kube-linter `no-rolling-update-strategy` (opt-in there too)
    id: "deployment-strategy",
    category: Reliability,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    // OpenShift's DeploymentConfig (served in the core group by OpenShift 3) calls its
    // rolling update `Rolling`, with limits under `rollingParams`.
    let (kind, rolling, limits) = match (cx.object.kind(), cx.object.group()) {
        ("Deployment", "apps") => ("Deployment", "RollingUpdate", "rollingUpdate"),
        ("DeploymentConfig", "apps.openshift.io" | "") => {
            ("DeploymentConfig", "Rolling", "rollingParams")
        }
        _ => return,
    };
    match cx
        .object
        .value
        .pointer("/spec/strategy/type")
        .and_then(Value::as_str)
    {
        Some(t) if t == rolling => {}
        Some(other) => out.push(
            cx.diag(
                "/spec/strategy/type",
                format!("this {kind} rolls out with `{other}`, not a rolling update"),
            )
            .with_help(format!("set `strategy.type: {rolling}`")),
        ),
        None => out.push(
            cx.missing(
                "/spec/strategy/type",
                "/spec",
                format!("this {kind} does not state its update strategy"),
            )
            .with_help(format!(
                "set `strategy.type: {rolling}` (with `{limits}` limits)"
            )),
        ),
    }
}
