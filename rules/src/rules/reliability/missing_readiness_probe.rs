use crate::facts::ContainerFacts;
use crate::rules::*;

declare_rule! {
    /// A long-running container has no readiness probe.
    ///
    /// ## What it does
    /// Flags main containers and sidecars (init containers with `restartPolicy: Always`)
    /// that declare `ports` but no `readinessProbe`. Declaring ports is optional, so a pod
    /// whose containers declare none is still asked when a Service among the checked objects
    /// selects it (as kube-score does): then each main container is flagged, unless one of
    /// them has a readiness probe. Workloads that run to completion (Job, CronJob, KEDA
    /// ScaledJob, Argo workflows, Pods with `restartPolicy` `Never` or `OnFailure`) are
    /// skipped, as Polaris and kube-score do. Other containers that expose no port (config
    /// reloaders, log shippers) are skipped too, a deliberate difference from Polaris and
    /// kube-linter, which ask every container: readiness only decides whether a pod receives
    /// Service traffic.
    ///
    /// ## Why is this bad?
    /// Without a readiness probe, a pod receives Service traffic as soon as its containers
    /// start, before the application listens, and keeps receiving it while it is overloaded or
    /// shutting down; rolling updates cannot tell a broken new version from a working one.
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
    ///           ports:
    ///             - containerPort: 80
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
    ///           ports:
    ///             - containerPort: 80
    ///           readinessProbe:
    ///             httpGet:
    ///               path: /ready
    ///               port: 80
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Configure liveness, readiness and startup probes](https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/)
    /// - kube-linter `no-readiness-probe`, Polaris `readinessProbeMissing`, kube-score `pod-probes`
    id: "missing-readiness-probe",
    category: Reliability,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let facts = cx.facts();
    let Some(pod) = &facts.pod else { return };
    if pod.runs_to_completion {
        return;
    }
    let containers: Vec<&ContainerFacts> = pod.long_running().collect();
    // Declaring ports is optional: a pod whose containers declare none but that a Service
    // of the run selects still receives traffic, and then its main containers are asked for
    // a readiness probe unless one of them has it.
    let selected_by_service = !containers.iter().any(|c| c.declares_ports)
        && !containers.iter().any(|c| c.has_readiness)
        && cx
            .index
            .selected_by_labels("Service", facts, pod.labels.as_deref())
            .any(|e| cx.text(e.facts.group).is_empty());
    for c in containers {
        // Readiness gates Service traffic: a container that exposes no port (a config
        // reloader, a log shipper) receives none, so it is not asked for a readiness probe.
        let serves = c.declares_ports || (selected_by_service && !c.init);
        if !serves || c.has_readiness {
            continue;
        }
        let (field, label) = if c.init {
            ("initContainers", "init container")
        } else {
            ("containers", "container")
        };
        let name = c.name.map_or("<unnamed>", |n| cx.text(n));
        out.push(
            cx.diag_at(
                &format!(
                    "{}/{field}/{}/readinessProbe",
                    cx.text(pod.pointer),
                    c.index
                ),
                c.readiness_loc,
                format!("{label} \"{name}\" has no readiness probe"),
            )
            .with_help(
                "add a `readinessProbe` that succeeds only when the container can serve requests",
            ),
        );
    }
}
