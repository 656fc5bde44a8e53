use crate::rules::*;
use serde::Deserialize;

declare_rule! {
    /// A container adds a Linux capability that gives control of the node.
    ///
    /// ## What it does
    /// Flags main, init and ephemeral containers whose `securityContext.capabilities.add`
    /// holds a dangerous capability: by default `ALL`, `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`,
    /// `SYS_MODULE`, `SYS_RAWIO`, `SYS_BOOT`, `SYS_TIME`, `BPF`, `PERFMON` and
    /// `DAC_READ_SEARCH`. Names are compared without case and without a `CAP_` prefix, the
    /// way container runtimes read them.
    ///
    /// ## Why is this bad?
    /// These capabilities reach past the container: `SYS_ADMIN` is nearly root on the node,
    /// `SYS_MODULE` loads kernel code, `SYS_PTRACE` reads other processes' memory, `NET_ADMIN`
    /// rewrites the node's network. Adding `ALL` is as good as `privileged`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: vpn
    /// spec:
    ///   containers:
    ///     - name: vpn
    ///       image: example.com/vpn:2.1
    ///       securityContext:
    ///         capabilities:
    ///           add: ["SYS_ADMIN"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: vpn
    /// spec:
    ///   containers:
    ///     - name: vpn
    ///       image: example.com/vpn:2.1
    ///       securityContext:
    ///         capabilities:
    ///           drop: ["ALL"]
    ///           add: ["NET_BIND_SERVICE"]
    /// ```
    ///
    /// ## Options
    /// - `capabilities` (list of strings): the capabilities to report, replacing the default
    ///   list.
    ///
    /// ## References
    /// - [Linux capabilities](https://man7.org/linux/man-pages/man7/capabilities.7.html)
    /// - [Pod Security Standards: capabilities](https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline)
    /// - Polaris `dangerousCapabilities`
    id: "dangerous-capability",
    category: Security,
    severity: Error,
    enabled: true,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Options {
    capabilities: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        let list = [
            "ALL",
            "SYS_ADMIN",
            "NET_ADMIN",
            "SYS_PTRACE",
            "SYS_MODULE",
            "SYS_RAWIO",
            "SYS_BOOT",
            "SYS_TIME",
            "BPF",
            "PERFMON",
            "DAC_READ_SEARCH",
        ];
        Options {
            capabilities: list.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

/// `cap_sys_admin` → `SYS_ADMIN`.
pub(crate) fn normalize(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    upper
        .strip_prefix("CAP_")
        .map(str::to_owned)
        .unwrap_or(upper)
}

pub(crate) fn build(options: Options) -> Result<Box<dyn Check>, String> {
    let dangerous: Vec<String> = options.capabilities.iter().map(|c| normalize(c)).collect();
    if let Some(empty) = options.capabilities.iter().find(|c| c.trim().is_empty()) {
        return Err(format!("`capabilities` holds an empty name ({empty:?})"));
    }
    Ok(Box::new(
        move |cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>| {
            let Some(pod) = cx.pod else { return };
            for c in pod.all_containers() {
                let Some(added) = c
                    .get("/securityContext/capabilities/add")
                    .and_then(Value::as_array)
                else {
                    continue;
                };
                for (i, cap) in added.iter().enumerate() {
                    let Some(name) = cap.as_str() else { continue };
                    if dangerous.contains(&normalize(name)) {
                        out.push(
                        cx.diag(
                            &c.at(&format!("/securityContext/capabilities/add/{i}")),
                            format!("{} adds the capability `{name}`", c.describe()),
                        )
                        .with_help("remove the capability, or grant a narrower one that covers what the process needs")
                        .with_note("this capability reaches past the container and can be used to take over the node"),
                    );
                    }
                }
            }
        },
    ))
}
