use crate::facts::Count;
use crate::rules::*;
use crate::util::is_replicated_kind;

declare_rule! {
    /// A replicated workload runs a single pod.
    ///
    /// ## What it does
    /// Flags Deployments, StatefulSets, ReplicaSets, ReplicationControllers, Argo Rollouts and
    /// OpenKruise CloneSets whose `spec.replicas` is 1, or is left out (it defaults to 1).
    /// A workload that a HorizontalPodAutoscaler among the checked files scales is skipped, and
    /// so is `replicas: 0` (a workload switched off on purpose). Opt-in, as kube-linter keeps
    /// it: many workloads run one replica on purpose (a controller with leader election, a
    /// development environment), and on real repositories it is among the most frequent
    /// findings.
    ///
    /// ## Why is this bad?
    /// With one pod, every node drain, eviction, rollout or crash is an outage of the service.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   replicas: 1
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
    ///   replicas: 2
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
    /// ## Options
    /// - `minReplicas` (integer, default 2): the smallest replica count that passes.
    ///
    /// ## References
    /// - [Deployments](https://kubernetes.io/docs/concepts/workloads/controllers/deployment/)
    /// - kube-linter `minimum-three-replicas`, Polaris `deploymentMissingReplicas`
    id: "single-replica",
    category: Reliability,
    severity: Warning,
    enabled: false,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Options {
    min_replicas: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options { min_replicas: 2 }
    }
}

pub(crate) fn build(options: Options) -> Result<Box<dyn Check>, String> {
    if options.min_replicas < 1 {
        return Err(format!(
            "`minReplicas` must be at least 1, got {}",
            options.min_replicas
        ));
    }
    let min = options.min_replicas;
    Ok(Box::new(
        move |cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>| {
            let facts = cx.facts();
            let kind = cx.text(facts.kind);
            if !is_replicated_kind(kind) || facts.pod.is_none() {
                return;
            }
            let Some(count) = facts.replicas.replicas() else {
                return;
            };
            if count == 0
                || count >= min
                || super::hpa_conflicts_with_replicas::autoscaler_of(cx).is_some()
            {
                return;
            }
            let message = if facts.replicas == Count::Absent {
                format!("this {kind} runs 1 replica: `replicas` is not set and defaults to 1")
            } else {
                format!("this {kind} runs {count} replica(s), fewer than {min}")
            };
            out.push(
                cx.diag_at("/spec/replicas", facts.replicas_loc, message)
                    .with_help(format!("set `spec.replicas` to at least {min}, or scale the workload with a HorizontalPodAutoscaler")),
            );
        },
    ))
}
