use crate::rules::*;

declare_rule! {
    /// An environment variable with a secret-looking name has its value written in the manifest.
    ///
    /// ## What it does
    /// Flags `env` entries of main, init and ephemeral containers whose name looks sensitive
    /// (it contains `password`, `passwd`, `pwd`, `secret`, `token`, `apikey`, `api_key`,
    /// `credential`, `private_key`, `access_key`…, in any case) and that carry a non-empty
    /// literal `value` instead of `valueFrom`. Values that are references rather than secrets
    /// are skipped: a path (`/var/run/secrets/…`) or a `$(VAR)` expansion. The message names
    /// the variable, never its value.
    ///
    /// ## Why is this bad?
    /// A secret in a manifest is a secret in version control, in CI logs and in the object any
    /// user with `get` on the workload can read. A Secret referenced through
    /// `valueFrom.secretKeyRef` keeps it out of all of them.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: api
    /// spec:
    ///   containers:
    ///     - name: api
    ///       image: example.com/api:1.0
    ///       env:
    ///         - name: DB_PASSWORD
    ///           value: hunter2
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: api
    /// spec:
    ///   containers:
    ///     - name: api
    ///       image: example.com/api:1.0
    ///       env:
    ///         - name: DB_PASSWORD
    ///           valueFrom:
    ///             secretKeyRef:
    ///               name: api-db
    ///               key: password
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Secrets as environment variables](https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables)
    /// - kube-linter `env-var-secret`, Polaris `sensitiveContainerEnvVar`
    id: "secret-in-env-literal",
    category: Security,
    severity: Warning,
    enabled: true,
}

no_options!(check);

/// Values that point at a secret rather than hold one.
fn is_reference(value: &str) -> bool {
    let v = value.trim();
    v.starts_with('/') || (v.starts_with("$(") && v.ends_with(')'))
}

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    for c in pod.all_containers() {
        let Some(env) = c.get("/env").and_then(Value::as_array) else {
            continue;
        };
        for (i, var) in env.iter().enumerate() {
            let Some(name) = var.get("name").and_then(Value::as_str) else {
                continue;
            };
            if !plimsoll_core::is_sensitive_name(name) {
                continue;
            }
            let literal = match var.get("value") {
                Some(Value::String(s)) => !s.is_empty() && !is_reference(s),
                Some(Value::Number(_) | Value::Bool(_)) => true,
                _ => false,
            };
            if literal {
                // Point at the name: the value is redacted and must not be shown.
                out.push(
                    cx.diag(
                        &c.at(&format!("/env/{i}/name")),
                        format!("{} sets `{name}` to a literal value", c.describe()),
                    )
                    .with_help(format!("store the value in a Secret and read it with `valueFrom.secretKeyRef` in `{name}`"))
                    .with_note("a value written in a manifest ends up in version control and in every copy of the object"),
                );
            }
        }
    }
}
