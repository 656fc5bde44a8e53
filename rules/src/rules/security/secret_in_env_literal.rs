use crate::rules::*;

declare_rule! {
    /// An environment variable holds a secret written in the manifest.
    ///
    /// ## What it does
    /// Flags `env` entries of main, init and ephemeral containers that carry a literal
    /// `value` instead of `valueFrom` when either the name looks sensitive (it contains
    /// `password`, `passwd`, `pwd`, `secret`, `token`, `apikey`, `api_key`, `credential`,
    /// `private_key`, `access_key`…, in any case) and the value is not empty, or the value
    /// itself is a credential whatever the name: a PEM private key (`-----BEGIN … PRIVATE
    /// KEY-----`), an AWS access key id, a GitHub, GitLab or Slack token, a Slack webhook
    /// URL, a Google API key, a Stripe secret key, a JSON Web Token, or a URL with a
    /// password (`postgres://app:hunter2@db/app`). Values that are references rather than
    /// secrets are skipped under sensitive names: a path (`/var/run/secrets/…`), a URL without
    /// a password (`DATABASE_URL: postgres://db:5432/app`) or a `$(VAR)` expansion. The message names the variable and the kind of credential, never the value,
    /// and the value is masked (`********`) wherever plimsoll shows the source.
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
    /// - kube-linter `env-var-secret`, Polaris `sensitiveContainerEnvVar`, kube-score
    ///   `environment-variable-secret`
    id: "secret-in-env-literal",
    category: Security,
    severity: Warning,
    enabled: true,
}

no_options!(check);

/// Values that point at a secret rather than hold one.
fn is_reference(value: &str) -> bool {
    let v = value.trim();
    // A URL with a password is reported by its shape before this is asked.
    v.starts_with('/') || v.contains("://") || (v.starts_with("$(") && v.ends_with(')'))
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
            let shape = var.get("value").and_then(Value::as_str).and_then(|v| {
                plimsoll_core::yaml::secrets::secret_shape(v).or_else(|| {
                    plimsoll_core::load::has_url_credentials(v).then_some("a URL with a password")
                })
            });
            if shape.is_none() && !plimsoll_core::is_sensitive_name(name) {
                continue;
            }
            let literal = shape.is_some()
                || match var.get("value") {
                    Some(Value::String(s)) => !s.is_empty() && !is_reference(s),
                    Some(Value::Number(_) | Value::Bool(_)) => true,
                    _ => false,
                };
            if literal {
                let message = match shape {
                    Some(shape) => format!(
                        "{} sets `{name}` to a literal value that looks like {shape}",
                        c.describe()
                    ),
                    None => format!("{} sets `{name}` to a literal value", c.describe()),
                };
                // Point at the name: the value is redacted and must not be shown.
                out.push(
                    cx.diag(&c.at(&format!("/env/{i}/name")), message)
                    .with_help(format!("store the value in a Secret and read it with `valueFrom.secretKeyRef` in `{name}`"))
                    .with_note("a value written in a manifest ends up in version control and in every copy of the object"),
                );
            }
        }
    }
}
