use crate::rules::*;

declare_rule! {
    /// A container binds a port of the node (`hostPort`).
    ///
    /// ## What it does
    /// Flags container ports (main, init and ephemeral containers) that set a non-zero
    /// `hostPort`. Pods with `hostNetwork: true` are left to `host-network`.
    ///
    /// ## Why is this bad?
    /// A host port ties the pod to nodes where that port is free, so two replicas cannot land on
    /// the same node and rollouts can stall; it also exposes the container on the node's
    /// address, around Services and NetworkPolicies.
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
    ///       ports:
    ///         - containerPort: 80
    ///           hostPort: 8080
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
    ///       ports:
    ///         - containerPort: 80
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Configuration best practices: services](https://kubernetes.io/docs/concepts/configuration/overview/#services)
    /// - Polaris `hostPortSet`
    id: "host-port",
    category: Security,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    if pod.get("/hostNetwork") == Some(&Value::Bool(true)) {
        return;
    }
    for c in pod.all_containers() {
        let Some(ports) = c.get("/ports").and_then(Value::as_array) else {
            continue;
        };
        for (i, port) in ports.iter().enumerate() {
            let Some(host) = port
                .get("hostPort")
                .and_then(Value::as_i64)
                .filter(|p| *p != 0)
            else {
                continue;
            };
            out.push(
                cx.diag(
                    &c.at(&format!("/ports/{i}/hostPort")),
                    format!("{} binds port {host} of the node", c.describe()),
                )
                .with_help("remove `hostPort` and reach the container through a Service"),
            );
        }
    }
}
