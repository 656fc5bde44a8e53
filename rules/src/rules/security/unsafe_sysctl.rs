use crate::rules::*;
use serde::Deserialize;

declare_rule! {
    /// A pod sets a sysctl outside the safe set.
    ///
    /// ## What it does
    /// Flags entries of `securityContext.sysctls` of a pod template whose name is not one of
    /// the sysctls Kubernetes considers safe: `kernel.shm_rmid_forced`,
    /// `net.ipv4.ip_local_port_range`, `net.ipv4.ip_unprivileged_port_start`,
    /// `net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range`,
    /// `net.ipv4.ip_local_reserved_ports`, `net.ipv4.tcp_keepalive_time`,
    /// `net.ipv4.tcp_fin_timeout`, `net.ipv4.tcp_keepalive_intvl` and
    /// `net.ipv4.tcp_keepalive_probes`.
    ///
    /// ## Why is this bad?
    /// Unsafe sysctls are not isolated between pods or can exhaust the node. The kubelet
    /// refuses such pods unless the node was started with `--allowed-unsafe-sysctls`, so the
    /// pod may never run; where it runs, it can disturb its neighbours.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: db
    /// spec:
    ///   securityContext:
    ///     sysctls:
    ///       - name: kernel.msgmax
    ///         value: "65536"
    ///   containers:
    ///     - name: db
    ///       image: example.com/db:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: db
    /// spec:
    ///   securityContext:
    ///     sysctls:
    ///       - name: net.ipv4.ip_local_port_range
    ///         value: "1024 65535"
    ///   containers:
    ///     - name: db
    ///       image: example.com/db:1.0
    /// ```
    ///
    /// ## Options
    /// - `allowed` (list of strings): more sysctls to accept, as your nodes'
    ///   `--allowed-unsafe-sysctls` does. A trailing `*` matches a prefix (`kernel.msg*`).
    ///
    /// ## References
    /// - [Using sysctls in a Kubernetes cluster](https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/)
    /// - kube-linter `unsafe-sysctls`
    id: "unsafe-sysctl",
    category: Security,
    severity: Warning,
    enabled: true,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Options {
    #[serde(default)]
    allowed: Vec<String>,
}

const SAFE: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

pub(crate) fn build(options: Options) -> Result<Box<dyn Check>, String> {
    let allowed = options.allowed;
    Ok(Box::new(
        move |cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>| {
            let Some(pod) = cx.pod else { return };
            let Some(sysctls) = pod
                .get("/securityContext/sysctls")
                .and_then(Value::as_array)
            else {
                return;
            };
            for (i, sysctl) in sysctls.iter().enumerate() {
                let Some(name) = sysctl.get("name").and_then(Value::as_str) else {
                    continue;
                };
                // The kubelet accepts `/` as well as `.` as the separator.
                let dotted = name.replace('/', ".");
                let ok = SAFE.contains(&dotted.as_str())
                    || allowed.iter().any(|a| match a.strip_suffix('*') {
                        Some(prefix) => dotted.starts_with(prefix),
                        None => *a == dotted,
                    });
                if !ok {
                    out.push(
                    cx.diag(
                        &pod.at(&format!("/securityContext/sysctls/{i}/name")),
                        format!("the pod sets the unsafe sysctl `{name}`"),
                    )
                    .with_help("remove the sysctl, or list it under this rule's `allowed` option if your nodes allow it")
                    .with_note("the kubelet rejects pods with unsafe sysctls unless the node allows them with `--allowed-unsafe-sysctls`"),
                );
                }
            }
        },
    ))
}
