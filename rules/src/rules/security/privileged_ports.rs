use crate::rules::*;

declare_rule! {
    /// A container listens on a privileged port (below 1024).
    ///
    /// ## What it does
    /// Flags `containerPort` values from 1 to 1023 in any container of a pod template.
    ///
    /// ## Why is this bad?
    /// Binding a port below 1024 inside the container needs root or the `NET_BIND_SERVICE`
    /// capability, so the image cannot run with `runAsNonRoot` and every capability dropped.
    /// A Service can expose port 80 while the container listens on 8080.
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
    ///       image: example.com/web:1.0
    ///       ports:
    ///         - containerPort: 80
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
    ///       image: example.com/web:1.0
    ///       ports:
    ///         - containerPort: 8080
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - kube-linter `privileged-ports` (opt-in there too)
    id: "privileged-ports",
    category: Security,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    for c in pod.all_containers() {
        let Some(ports) = c.get("/ports").and_then(Value::as_array) else {
            continue;
        };
        for (i, port) in ports.iter().enumerate() {
            let Some(n) = port.get("containerPort").and_then(Value::as_i64) else {
                continue;
            };
            if (1..1024).contains(&n) {
                out.push(
                    cx.diag(
                        &c.at(&format!("/ports/{i}/containerPort")),
                        format!("{} listens on privileged port {n}", c.describe()),
                    )
                    .with_help("listen on a port from 1024 up, and map the Service's `port` to it"),
                );
            }
        }
    }
}
