use crate::rules::*;

declare_rule! {
    /// A long-running container has no liveness probe.
    ///
    /// ## What it does
    /// Flags main containers and sidecars (init containers with `restartPolicy: Always`)
    /// without `livenessProbe`. Workloads that run to completion (Job, CronJob, KEDA
    /// ScaledJob, Argo workflows, Pods with `restartPolicy` `Never` or `OnFailure`) are
    /// skipped, as Polaris and kube-score do; init and ephemeral containers cannot have one.
    ///
    /// ## Why is this bad?
    /// Without a liveness probe, a process that deadlocks or hangs but does not exit keeps its
    /// pod `Running` forever: the kubelet only restarts containers that exit or fail the probe.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: nginx:1.27
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: nginx:1.27
    ///           livenessProbe:
    ///             httpGet:
    ///               path: /healthz
    ///               port: 80
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Configure liveness, readiness and startup probes](https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/)
    /// - kube-linter `no-liveness-probe`, Polaris `livenessProbeMissing`, kube-score `pod-probes`
    id: "missing-liveness-probe",
    category: Reliability,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    super::report_missing_probe(
        cx,
        out,
        "livenessProbe",
        "liveness probe",
        "add a `livenessProbe` that fails when the process can no longer serve, so the kubelet restarts it",
    );
}
