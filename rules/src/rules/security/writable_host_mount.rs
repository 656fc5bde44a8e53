use crate::rules::*;

declare_rule! {
    /// A container mounts a host path writable.
    ///
    /// ## What it does
    /// Flags volume mounts of `hostPath` volumes that are not `readOnly: true`.
    ///
    /// ## Why is this bad?
    /// The container can change files on the node: plant binaries, alter configuration
    /// other pods or the kubelet read, fill the node's disk. `host-path-volume` reports every
    /// host path; this rule singles out the writable ones, for teams that accept read-only
    /// host mounts (log and metrics agents). Off by default.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: agent
    /// spec:
    ///   containers:
    ///     - name: agent
    ///       image: example.com/agent:1.0
    ///       volumeMounts:
    ///         - name: logs
    ///           mountPath: /host/logs
    ///   volumes:
    ///     - name: logs
    ///       hostPath: {path: /var/log}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: agent
    /// spec:
    ///   containers:
    ///     - name: agent
    ///       image: example.com/agent:1.0
    ///       volumeMounts:
    ///         - name: logs
    ///           mountPath: /host/logs
    ///           readOnly: true
    ///   volumes:
    ///     - name: logs
    ///       hostPath: {path: /var/log}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - kube-linter `writable-host-mount`
    id: "writable-host-mount",
    category: Security,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    let host_volumes: Vec<(&str, &str)> = pod
        .get("/volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| {
            let path = v.pointer("/hostPath/path")?.as_str()?;
            Some((v.get("name")?.as_str()?, path))
        })
        .collect();
    if host_volumes.is_empty() {
        return;
    }
    for c in pod.all_containers() {
        let Some(mounts) = c.get("/volumeMounts").and_then(Value::as_array) else {
            continue;
        };
        for (i, mount) in mounts.iter().enumerate() {
            let Some(name) = mount.get("name").and_then(Value::as_str) else {
                continue;
            };
            let Some((_, path)) = host_volumes.iter().find(|(n, _)| *n == name) else {
                continue;
            };
            if mount.get("readOnly") == Some(&Value::Bool(true)) {
                continue;
            }
            out.push(
                cx.diag(
                    &c.at(&format!("/volumeMounts/{i}/name")),
                    format!(
                        "{} mounts the node's `{path}` writable (volume `{name}`)",
                        c.describe()
                    ),
                )
                .with_help(
                    "add `readOnly: true` to the mount, or use a volume that is not on the node",
                ),
            );
        }
    }
}
