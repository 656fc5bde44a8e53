//! Rules about probes, images, selectors and availability: whether the workload keeps running.

pub(crate) mod cronjob_missing_deadline;
pub(crate) mod hpa_conflicts_with_replicas;
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
pub(crate) mod pdb_selects_nothing;
pub(crate) mod probe_port_not_exposed;
pub(crate) mod single_replica;
pub(crate) mod statefulset_missing_service_name;
pub(crate) mod workload_selector_mismatch;
