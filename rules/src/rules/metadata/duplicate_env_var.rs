use crate::rules::*;

declare_rule! {
    /// A container defines the same environment variable twice.
    ///
    /// ## What it does
    /// Flags every `env` entry of a main, init or ephemeral container whose `name` is the
    /// name of an earlier entry of the same container.
    ///
    /// ## Why is this bad?
    /// The last definition wins, silently: whoever edits the first one sees no effect. Tools
    /// that merge manifests (kustomize patches, `kubectl apply`'s strategic merge) key `env`
    /// by name and may drop or reorder one of them.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    ///       env:
    ///         - name: LOG_LEVEL
    ///           value: info
    ///         - name: LOG_LEVEL
    ///           value: debug
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    ///       env:
    ///         - name: LOG_LEVEL
    ///           value: debug
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Define environment variables for a container](https://kubernetes.io/docs/tasks/inject-data-application/define-environment-variable-container/)
    /// - kube-linter `duplicate-env-var`, kube-score `environment-variable-key-duplication`
    id: "duplicate-env-var",
    category: Metadata,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    for c in pod.all_containers() {
        let Some(env) = c.get("/env").and_then(Value::as_array) else {
            continue;
        };
        let mut seen: Vec<&str> = Vec::new();
        for (i, var) in env.iter().enumerate() {
            let Some(name) = var.get("name").and_then(Value::as_str) else {
                continue;
            };
            if seen.contains(&name) {
                out.push(
                    cx.diag(&c.at(&format!("/env/{i}/name")), format!("{} defines `{name}` twice", c.describe()))
                        .with_help("keep one definition of the variable; the last one is the one that takes effect"),
                );
            } else {
                seen.push(name);
            }
        }
    }
}
