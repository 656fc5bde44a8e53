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
    let containers = pod.long_running_containers();
    let declares_ports = |c: &crate::pod::Container<'_>| {
        c.get("/ports")
            .and_then(Value::as_array)
            .is_some_and(|ports| !ports.is_empty())
    };
    // Declaring ports is optional: a pod whose containers declare none but that a Service
    // of the run selects still receives traffic, and then its main containers are asked for
    // a readiness probe unless one of them has it.
    let selected_by_service = field == "readinessProbe"
        && !containers.iter().any(declares_ports)
        && !containers
            .iter()
            .any(|c| c.get(&relative).is_some_and(|v| !v.is_null()))
        && selected_by_a_service(cx, pod.labels());
    for c in containers {
        // Readiness gates Service traffic: a container that exposes no port (a config
        // reloader, a log shipper) receives none, so it is not asked for a readiness probe.
        let serves = declares_ports(&c)
            || (selected_by_service && c.kind == crate::pod::ContainerKind::Main);
        if field == "readinessProbe" && !serves {
            continue;
        }
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

/// Whether a Service near the object (same namespace) selects pods with `labels`.
fn selected_by_a_service(
    cx: &Ctx<'_, '_>,
    labels: Option<&serde_json::Map<String, Value>>,
) -> bool {
    cx.index
        .selected_by("Service", cx.object, labels)
        .any(|e| e.object.group().is_empty())
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
