//! Rules about what a workload may do to the node and the cluster.

pub(crate) mod automount_service_account_token;
pub(crate) mod capabilities_not_dropped;
pub(crate) mod dangerous_capability;
pub(crate) mod default_service_account;
pub(crate) mod env_from_secret;
pub(crate) mod host_ipc;
pub(crate) mod host_network;
pub(crate) mod host_path_volume;
pub(crate) mod host_pid;
pub(crate) mod host_port;
pub(crate) mod linux_hardening;
pub(crate) mod missing_seccomp_profile;
pub(crate) mod privilege_escalation_allowed;
pub(crate) mod privileged_container;
pub(crate) mod privileged_ports;
pub(crate) mod run_as_group_root;
pub(crate) mod run_as_root;
pub(crate) mod seccomp_unconfined;
pub(crate) mod secret_in_config_map;
pub(crate) mod secret_in_env_literal;
pub(crate) mod sensitive_host_path;
pub(crate) mod service_account_not_found;
pub(crate) mod ssh_port_exposed;
pub(crate) mod unsafe_proc_mount;
pub(crate) mod unsafe_sysctl;
pub(crate) mod webhook_fails_open;
pub(crate) mod windows_host_process;
pub(crate) mod writable_host_mount;
pub(crate) mod writable_root_filesystem;

use crate::rules::*;

/// A finding at the pod spec's boolean `field` (`hostNetwork`, `hostPID`, `hostIPC`) when
/// it is `true`.
fn pod_flag_set(cx: &Ctx<'_, '_>, field: &str, message: &str) -> Option<Diagnostic> {
    let pod = cx.pod?;
    let pointer = format!("/{field}");
    (pod.get(&pointer) == Some(&Value::Bool(true))).then(|| cx.diag(&pod.at(&pointer), message))
}
