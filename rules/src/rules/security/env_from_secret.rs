use crate::rules::*;

declare_rule! {
    /// A container reads a Secret into environment variables.
    ///
    /// ## What it does
    /// Flags `env[].valueFrom.secretKeyRef` and `envFrom[].secretRef` in any container.
    ///
    /// ## Why is this bad?
    /// Environment variables leak: they are inherited by child processes, printed by crash
    /// reports and debug endpoints, and readable in `/proc`. A Secret mounted as a file (with
    /// `defaultMode: 0400`) is read only by the code that needs it. Off by default: many
    /// teams accept the trade-off.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: app
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: example.com/app:1.0
    ///       env:
    ///         - name: DB_PASSWORD
    ///           valueFrom:
    ///             secretKeyRef: {name: db, key: password}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: app
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: example.com/app:1.0
    ///       volumeMounts:
    ///         - name: db
    ///           mountPath: /etc/db
    ///           readOnly: true
    ///   volumes:
    ///     - name: db
    ///       secret: {secretName: db, defaultMode: 0400}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - kube-score `environment-variable-secret` (opt-in), Polaris and Checkov's secrets-as-files checks
    id: "env-from-secret",
    category: Security,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    let help = "mount the Secret as a read-only volume and read the file instead";
    for c in pod.all_containers() {
        if let Some(env) = c.get("/env").and_then(Value::as_array) {
            for (i, var) in env.iter().enumerate() {
                let Some(secret) = var.pointer("/valueFrom/secretKeyRef") else {
                    continue;
                };
                let name = var.get("name").and_then(Value::as_str).unwrap_or("?");
                let from = secret.get("name").and_then(Value::as_str).unwrap_or("?");
                out.push(
                    cx.key_diag(
                        &c.at(&format!("/env/{i}/valueFrom/secretKeyRef")),
                        format!(
                            "{} reads Secret `{from}` into the environment variable `{name}`",
                            c.describe()
                        ),
                    )
                    .with_help(help),
                );
            }
        }
        if let Some(sources) = c.get("/envFrom").and_then(Value::as_array) {
            for (i, source) in sources.iter().enumerate() {
                let Some(secret) = source.get("secretRef") else {
                    continue;
                };
                let from = secret.get("name").and_then(Value::as_str).unwrap_or("?");
                out.push(
                    cx.key_diag(
                        &c.at(&format!("/envFrom/{i}/secretRef")),
                        format!(
                            "{} reads every key of Secret `{from}` into its environment",
                            c.describe()
                        ),
                    )
                    .with_help(help),
                );
            }
        }
    }
}
