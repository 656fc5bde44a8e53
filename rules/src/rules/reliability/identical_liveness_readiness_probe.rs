use crate::rules::*;

declare_rule! {
    /// A container's liveness probe checks the same thing as its readiness probe.
    ///
    /// ## What it does
    /// Flags long-running containers whose `livenessProbe` and `readinessProbe` use the same
    /// handler (the same `httpGet`, `tcpSocket`, `exec` or `grpc`, field for field), whatever
    /// their timings, as kube-score's `pod-probes-identical` does.
    ///
    /// ## Why is this bad?
    /// Readiness answers "can I take traffic now?", liveness "am I broken beyond repair?".
    /// With one check for both, a pod that is only busy, or whose database is down, is
    /// restarted instead of being taken out of rotation, and restarts cascade under load.
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
    ///       livenessProbe:
    ///         httpGet: {path: /health, port: 80}
    ///       readinessProbe:
    ///         httpGet: {path: /health, port: 80}
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
    ///       livenessProbe:
    ///         httpGet: {path: /livez, port: 80}
    ///       readinessProbe:
    ///         httpGet: {path: /readyz, port: 80}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Configure probes](https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/)
    /// - kube-score `pod-probes-identical`
    id: "identical-liveness-readiness-probe",
    category: Reliability,
    severity: Warning,
    enabled: false,
}

no_options!(check);

const HANDLERS: &[&str] = &["httpGet", "tcpSocket", "exec", "grpc"];

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    for c in pod.long_running_containers() {
        let (Some(live), Some(ready)) = (c.get("/livenessProbe"), c.get("/readinessProbe")) else {
            continue;
        };
        let same = HANDLERS
            .iter()
            .any(|h| live.get(*h).is_some_and(|l| Some(l) == ready.get(*h)));
        if same {
            out.push(
                cx.key_diag(&c.at("/livenessProbe"), format!("{} uses the same check for liveness and readiness", c.describe()))
                    .with_help("make the liveness probe check only that the process is alive, and the readiness probe that it can serve"),
            );
        }
    }
}
