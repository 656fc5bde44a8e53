//! Rules about probes, images, selectors and availability: whether the workload keeps running.

pub(crate) mod cronjob_missing_deadline;
pub(crate) mod deployment_strategy;
pub(crate) mod hpa_conflicts_with_replicas;
pub(crate) mod hpa_min_replicas;
pub(crate) mod hpa_target_not_found;
pub(crate) mod identical_liveness_readiness_probe;
pub(crate) mod image_pull_policy_not_always;
pub(crate) mod job_missing_ttl;
pub(crate) mod latest_image_tag;
pub(crate) mod missing_anti_affinity;
pub(crate) mod missing_liveness_probe;
pub(crate) mod missing_pod_disruption_budget;
pub(crate) mod missing_priority_class;
pub(crate) mod missing_readiness_probe;
pub(crate) mod missing_topology_spread;
pub(crate) mod pdb_blocks_eviction;
pub(crate) mod pdb_missing_budget;
pub(crate) mod pdb_selects_nothing;
pub(crate) mod probe_on_udp_port;
pub(crate) mod probe_port_not_exposed;
pub(crate) mod single_replica;
pub(crate) mod statefulset_missing_service_name;
pub(crate) mod statefulset_service_mismatch;
pub(crate) mod topology_spread_selects_other_pods;
pub(crate) mod workload_selector_mismatch;

use crate::rules::*;

/// Reports each container that runs for the life of the pod (main containers and sidecars)
/// without the probe `field`. Workloads that run to completion are not probed.
fn report_missing_probe(
    cx: &Ctx<'_, '_>,
    out: &mut Vec<Diagnostic>,
    field: &str,
    what: &str,
    help: &'static str,
) {
    let Some(pod) = cx.pod else { return };
    if pod.runs_to_completion() {
        return;
    }
    let relative = format!("/{field}");
    for c in pod.long_running_containers() {
        if c.get(&relative).is_none_or(Value::is_null) {
            out.push(
                cx.missing(
                    &c.at(&relative),
                    &c.at("/name"),
                    format!("{} has no {what}", c.describe()),
                )
                .with_help(help),
            );
        }
    }
}

/// Reports a `batch` object of `kind` without `spec.<field>`.
fn report_missing_batch_field(
    cx: &Ctx<'_, '_>,
    out: &mut Vec<Diagnostic>,
    kind: &str,
    field: &str,
    help: &'static str,
) {
    if cx.object.kind() != kind || cx.object.group() != "batch" {
        return;
    }
    let pointer = format!("/spec/{field}");
    if cx
        .object
        .value
        .pointer(&pointer)
        .is_some_and(|v| !v.is_null())
    {
        return;
    }
    out.push(
        cx.missing(
            &pointer,
            "/metadata/name",
            format!("this {kind} has no `{field}`"),
        )
        .with_help(help),
    );
}
