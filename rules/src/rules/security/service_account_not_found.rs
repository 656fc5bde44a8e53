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
    let facts = cx.facts();
    let Some(pod) = &facts.pod else { return };
    let Some((field, name, loc)) = [
        (
            "/serviceAccountName",
            pod.service_account_name,
            pod.service_account_name_loc,
        ),
        (
            "/serviceAccount",
            pod.service_account,
            pod.service_account_loc,
        ),
    ]
    .into_iter()
    .find_map(|(f, field, loc)| {
        field
            .str()
            .filter(|n| !cx.text(*n).is_empty())
            .map(|n| (f, n, loc))
    }) else {
        return;
    };
    let text = cx.text(name);
    if text == "default" {
        return;
    }
    let Some(kind) = cx.index.symbols.get("ServiceAccount") else {
        return;
    };
    if cx.index.kind_near(kind, facts).next().is_none() {
        return;
    }
    if cx.index.named_kind_near(kind, name, facts).next().is_some() {
        return;
    }
    out.push(
        cx.diag_at(
            &format!("{}{field}", cx.text(pod.pointer)),
            loc,
            format!(
                "the pod runs under ServiceAccount `{text}`, which is not among the objects checked"
            ),
        )
        .with_help(format!(
            "add the ServiceAccount `{text}`, or correct the name"
        )),
    );
}
