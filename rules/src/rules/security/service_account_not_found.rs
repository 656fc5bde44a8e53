use crate::rules::*;

declare_rule! {
    /// A pod runs under a ServiceAccount that is not among the objects checked.
    ///
    /// ## What it does
    /// For pod templates that name a `serviceAccountName` (or the deprecated
    /// `serviceAccount`) other than `default`, checks that a ServiceAccount of that name is
    /// in the run, in the same namespace. Only runs that hold at least one ServiceAccount near
    /// the workload are checked: otherwise the accounts are managed elsewhere.
    ///
    /// ## Why is this bad?
    /// The API server refuses to create pods for a ServiceAccount that does not exist: the
    /// Deployment is accepted, its ReplicaSet stays at zero pods, and the error shows only in
    /// events.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: web
    /// ---
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   serviceAccountName: wbe
    ///   containers:
    ///     - name: web
    ///       image: example.com/web:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ServiceAccount
    /// metadata:
    ///   name: web
    /// ---
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   serviceAccountName: web
    ///   containers:
    ///     - name: web
    ///       image: example.com/web:1.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - kube-linter `non-existent-service-account`
    id: "service-account-not-found",
    category: Security,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    let (field, name) = ["/serviceAccountName", "/serviceAccount"]
        .iter()
        .find_map(|f| {
            pod.get(f)
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .map(|n| (*f, n))
        })
        .unwrap_or(("", "default"));
    if name == "default" {
        return;
    }
    if cx
        .index
        .of_kind_near("ServiceAccount", cx.object)
        .next()
        .is_none()
    {
        return;
    }
    if cx
        .index
        .named_near("ServiceAccount", name, cx.object)
        .next()
        .is_some()
    {
        return;
    }
    out.push(
        cx.diag(
            &pod.at(field),
            format!(
                "the pod runs under ServiceAccount `{name}`, which is not among the objects checked"
            ),
        )
        .with_help(format!(
            "add the ServiceAccount `{name}`, or correct the name"
        )),
    );
}
