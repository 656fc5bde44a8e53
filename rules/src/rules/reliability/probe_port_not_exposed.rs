use crate::rules::*;

declare_rule! {
    /// A probe checks a port the container does not declare.
    ///
    /// ## What it does
    /// Looks at the `httpGet`, `tcpSocket` and `grpc` ports of the liveness, readiness and
    /// startup probes of every container. A named port (`port: http`) must be the `name` of
    /// one of the container's `ports`; otherwise the probe can never succeed. A numbered port
    /// is reported only when the container declares ports and none of them has that number
    /// (declaring ports is optional, so a container with no `ports` list is not judged), as
    /// kube-linter's `liveness-port` and `readiness-port` do.
    ///
    /// ## Why is this bad?
    /// The kubelet cannot resolve a named port the container does not declare: the probe fails
    /// every time, so the pod is never ready (readiness) or restarted in a loop (liveness). A
    /// numbered port missing from a declared list is usually a typo or a stale port.
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
    ///         - name: http
    ///           containerPort: 80
    ///       readinessProbe:
    ///         httpGet:
    ///           path: /
    ///           port: web
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
    ///         - name: http
    ///           containerPort: 80
    ///       readinessProbe:
    ///         httpGet:
    ///           path: /
    ///           port: http
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Configure probes](https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/)
    /// - kube-linter `liveness-port`, `readiness-port`, `startup-port`
    id: "probe-port-not-exposed",
    category: Reliability,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    for c in pod.all_containers() {
        let ports: Vec<(Option<&str>, i64)> = c.ports().collect();
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            for handler in ["httpGet", "tcpSocket", "grpc"] {
                let relative = format!("/{probe}/{handler}/port");
                let Some(port) = c.get(&relative) else {
                    continue;
                };
                let number = port
                    .as_i64()
                    .or_else(|| port.as_str().and_then(|s| s.parse().ok()));
                let message = match (number, port.as_str()) {
                    (Some(n), _) => {
                        if ports.is_empty() || ports.iter().any(|(_, p)| *p == n) {
                            continue;
                        }
                        format!(
                            "the {probe} of {} checks port {n}, which the container does not declare",
                            c.describe()
                        )
                    }
                    (None, Some(name)) => {
                        if ports.iter().any(|(n, _)| *n == Some(name)) {
                            continue;
                        }
                        format!(
                            "the {probe} of {} checks the port named `{name}`, which the container does not declare",
                            c.describe()
                        )
                    }
                    (None, None) => continue,
                };
                out.push(
                    cx.diag(&c.at(&relative), message)
                        .with_help("point the probe at one of the container's `ports`, or declare the port it checks"),
                );
            }
        }
    }
}
