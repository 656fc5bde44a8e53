//! Every built-in rule, one line each, in the order `plimsoll rules` lists them.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::info::RuleInfo;
use crate::rules::*;
use crate::set::Check;

/// Parses and validates a rule's options (`None`: defaults) and compiles the rule.
pub(crate) type Build = fn(Option<&Value>) -> Result<Box<dyn Check>, String>;

pub(crate) struct Registered {
    pub info: &'static RuleInfo,
    pub build: Build,
}

fn build_with<O: DeserializeOwned + Default>(
    options: Option<&Value>,
    build: fn(O) -> Result<Box<dyn Check>, String>,
) -> Result<Box<dyn Check>, String> {
    let options = match options {
        None | Some(Value::Null) => O::default(),
        Some(value) => O::deserialize(value).map_err(|e| e.to_string())?,
    };
    build(options)
}

macro_rules! rule {
    ($category:ident :: $rule:ident) => {
        Registered {
            info: &$category::$rule::INFO,
            build: |options| build_with(options, $category::$rule::build),
        }
    };
}

static RULES: &[Registered] = &[
    // Probes.
    rule!(reliability::missing_liveness_probe),
    rule!(reliability::missing_readiness_probe),
    rule!(reliability::probe_port_not_exposed),
    rule!(reliability::identical_liveness_readiness_probe),
    // Resources.
    rule!(resources::missing_resources),
    rule!(resources::missing_cpu_request),
    rule!(resources::missing_memory_request),
    rule!(resources::missing_memory_limit),
    rule!(resources::missing_cpu_limit),
    rule!(resources::request_exceeds_limit),
    rule!(resources::request_below_limit),
    rule!(resources::missing_ephemeral_storage_limit),
    // Images.
    rule!(reliability::latest_image_tag),
    rule!(reliability::image_pull_policy_not_always),
    // Security.
    rule!(security::privileged_container),
    rule!(security::privilege_escalation_allowed),
    rule!(security::run_as_root),
    rule!(security::writable_root_filesystem),
    rule!(security::dangerous_capability),
    rule!(security::capabilities_not_dropped),
    rule!(security::host_network),
    rule!(security::host_pid),
    rule!(security::host_ipc),
    rule!(security::host_port),
    rule!(security::host_path_volume),
    rule!(security::sensitive_host_path),
    rule!(security::unsafe_proc_mount),
    rule!(security::unsafe_sysctl),
    rule!(security::seccomp_unconfined),
    rule!(security::windows_host_process),
    rule!(security::secret_in_env_literal),
    rule!(security::ssh_port_exposed),
    rule!(security::automount_service_account_token),
    rule!(security::default_service_account),
    // Networking.
    rule!(networking::nodeport_out_of_range),
    rule!(networking::service_selector_matches_nothing),
    rule!(networking::service_target_port_not_found),
    rule!(networking::ingress_backend_not_found),
    rule!(networking::network_policy_selects_nothing),
    rule!(networking::missing_network_policy),
    rule!(networking::nodeport_service),
    // Selectors and references.
    rule!(reliability::workload_selector_mismatch),
    rule!(reliability::pdb_selects_nothing),
    rule!(reliability::hpa_target_not_found),
    rule!(reliability::hpa_conflicts_with_replicas),
    // Availability.
    rule!(reliability::single_replica),
    rule!(reliability::pdb_blocks_eviction),
    rule!(reliability::missing_pod_disruption_budget),
    rule!(reliability::missing_anti_affinity),
    rule!(reliability::missing_topology_spread),
    rule!(reliability::statefulset_missing_service_name),
    rule!(reliability::cronjob_missing_deadline),
    rule!(reliability::job_missing_ttl),
    rule!(reliability::missing_priority_class),
    // Metadata and structure.
    rule!(metadata::duplicate_object),
    rule!(metadata::duplicate_env_var),
    rule!(metadata::invalid_name),
    rule!(metadata::invalid_label),
    rule!(metadata::missing_namespace),
    // RBAC.
    rule!(rbac::rbac_wildcard),
    rule!(rbac::cluster_admin_binding),
    rule!(rbac::rbac_pod_exec),
    rule!(rbac::rbac_secrets_access),
    rule!(rbac::rbac_create_pods),
    rule!(rbac::rbac_escalation_verbs),
    rule!(security::privileged_ports),
    rule!(security::run_as_group_root),
    rule!(security::env_from_secret),
    rule!(metadata::deprecated_service_account_field),
    rule!(reliability::pdb_missing_budget),
    rule!(reliability::probe_on_udp_port),
    rule!(reliability::hpa_min_replicas),
    rule!(networking::ingress_missing_tls),
    rule!(resources::missing_ephemeral_storage_request),
    rule!(security::writable_host_mount),
    rule!(security::missing_seccomp_profile),
    rule!(security::linux_hardening),
    rule!(networking::network_policy_peer_selects_nothing),
    rule!(security::service_account_not_found),
    rule!(reliability::statefulset_service_mismatch),
    rule!(reliability::topology_spread_selects_other_pods),
    rule!(reliability::deployment_strategy),
    rule!(rbac::binding_grants_pod_exec),
    rule!(rbac::binding_grants_wildcard),
    rule!(security::secret_in_config_map),
    rule!(security::webhook_fails_open),
    rule!(metadata::app_label_mismatch),
    rule!(networking::gateway_reference_not_granted),
];

/// The named sets of rules (`--profile`, `profile:`), from the fewest to every rule.
pub const PROFILES: &[&str] = &["minimal", "default", "strict", "all"];

/// Opt-in rules that `strict` leaves off too: conventions more than problems (a team's
/// namespace and priority-class habits, a pull policy most registries make moot, requests
/// held equal to limits).
const NOT_STRICT: &[&str] = &[
    "missing-namespace",
    "image-pull-policy-not-always",
    "missing-priority-class",
    "nodeport-service",
    "request-below-limit",
];

/// Whether a rule belongs to a profile; `None` for an unknown profile name.
///
/// - `minimal`: the rules on by default whose findings are errors (objects the API server
///   rejects, or that are unsafe whatever the team's conventions);
/// - `default`: the rules on by default;
/// - `strict`: every rule but a few conventions ([`NOT_STRICT`]);
/// - `all`: every rule.
pub fn in_profile(profile: &str, info: &RuleInfo) -> Option<bool> {
    Some(match profile {
        "minimal" => {
            info.default_enabled && info.default_severity == plimsoll_core::Severity::Error
        }
        "default" => info.default_enabled,
        "strict" => info.default_enabled || !NOT_STRICT.contains(&info.id),
        "all" => true,
        _ => return None,
    })
}

pub(crate) fn entries() -> &'static [Registered] {
    RULES
}

pub(crate) fn find(id: &str) -> Option<&'static Registered> {
    RULES.iter().find(|r| r.info.id == id)
}

/// Every built-in rule, in registry order.
pub fn all_rules() -> impl Iterator<Item = &'static RuleInfo> {
    RULES.iter().map(|r| r.info)
}

pub fn rule_info(id: &str) -> Option<&'static RuleInfo> {
    find(id).map(|r| r.info)
}

/// The closest rule id to a misspelt one, for "did you mean".
pub(crate) fn similar(id: &str) -> Option<&'static str> {
    RULES
        .iter()
        .map(|r| (distance(id, r.info.id), r.info.id))
        .filter(|(d, candidate)| *d <= 3.max(candidate.len() / 5))
        .min()
        .map(|(_, id)| id)
}

use plimsoll_core::text::edit_distance as distance;
