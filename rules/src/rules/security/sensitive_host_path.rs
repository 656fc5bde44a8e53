use crate::rules::*;
use serde::Deserialize;

declare_rule! {
    /// A pod mounts a host path that gives control of the node.
    ///
    /// ## What it does
    /// Flags `hostPath` volumes whose path is one of the sensitive paths of the node: by
    /// default `/`, `/boot`, `/dev`, `/etc`, `/lib`, `/proc`, `/sys`, `/usr`, `/root`,
    /// `/run`, `/var/run`, `/var/lib/kubelet`, `/var/lib/docker`, `/var/lib/containerd`, and
    /// any container runtime socket (a path ending in `docker.sock`, `containerd.sock`,
    /// `crio.sock` or `dockershim.sock`). Paths are compared after removing a trailing `/`;
    /// subdirectories of these paths are not reported (they are `host-path-volume` findings).
    /// The mount is reported even when it is read-only, as kube-linter does: reading `/etc`
    /// or `/proc` already leaks the node's secrets.
    ///
    /// ## Why is this bad?
    /// The runtime socket lets the pod start privileged containers on the node; `/etc`, `/`
    /// and `/var/lib/kubelet` hold credentials and configuration the node trusts; `/proc` and
    /// `/sys` expose the kernel.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: builder
    /// spec:
    ///   containers:
    ///     - name: builder
    ///       image: docker:27
    ///       volumeMounts:
    ///         - name: docker
    ///           mountPath: /var/run/docker.sock
    ///   volumes:
    ///     - name: docker
    ///       hostPath:
    ///         path: /var/run/docker.sock
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: builder
    /// spec:
    ///   containers:
    ///     - name: builder
    ///       image: gcr.io/kaniko-project/executor:v1.23.2
    /// ```
    ///
    /// ## Options
    /// - `paths` (list of strings): exact paths to report, replacing the default list (runtime
    ///   sockets are always reported).
    ///
    /// ## References
    /// - [Volumes: hostPath](https://kubernetes.io/docs/concepts/storage/volumes/#hostpath)
    /// - kube-linter `sensitive-host-mounts` and `docker-sock`
    id: "sensitive-host-path",
    category: Security,
    severity: Error,
    enabled: true,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Options {
    paths: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        let paths = [
            "/",
            "/boot",
            "/dev",
            "/etc",
            "/lib",
            "/proc",
            "/sys",
            "/usr",
            "/root",
            "/run",
            "/var/run",
            "/var/lib/kubelet",
            "/var/lib/docker",
            "/var/lib/containerd",
        ];
        Options {
            paths: paths.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

const SOCKETS: &[&str] = &[
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "dockershim.sock",
];

fn normalize(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() && path.starts_with('/') {
        "/"
    } else {
        trimmed
    }
}

pub(crate) fn build(options: Options) -> Result<Box<dyn Check>, String> {
    if let Some(bad) = options.paths.iter().find(|p| !p.starts_with('/')) {
        return Err(format!("`paths` entries must be absolute, got `{bad}`"));
    }
    let paths: Vec<String> = options
        .paths
        .iter()
        .map(|p| normalize(p).to_owned())
        .collect();
    Ok(Box::new(
        move |cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>| {
            let Some(pod) = cx.pod else { return };
            let Some(volumes) = pod.get("/volumes").and_then(Value::as_array) else {
                return;
            };
            for (i, volume) in volumes.iter().enumerate() {
                let Some(path) = volume.pointer("/hostPath/path").and_then(Value::as_str) else {
                    continue;
                };
                let normalized = normalize(path);
                let socket = SOCKETS.iter().any(|s| normalized.ends_with(s));
                if !socket && !paths.iter().any(|p| p == normalized) {
                    continue;
                }
                let name = volume
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("<unnamed>");
                let what = if socket {
                    "the container runtime socket lets the pod start privileged containers on the node"
                } else {
                    "this path holds the node's configuration, credentials or kernel interfaces"
                };
                out.push(
                cx.diag(
                    &pod.at(&format!("/volumes/{i}/hostPath/path")),
                    format!("volume \"{name}\" mounts the sensitive host path `{path}`"),
                )
                .with_help("remove the volume, or mount only the narrow subdirectory the pod needs, read-only")
                .with_note(what),
            );
            }
        },
    ))
}
