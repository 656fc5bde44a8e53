use crate::rules::*;

declare_rule! {
    /// A pod mounts a directory or file of the node (`hostPath`).
    ///
    /// ## What it does
    /// Flags every `hostPath` volume of a pod template. Paths that give control of the node
    /// (`/`, `/etc`, the container runtime socket…) are also reported, as errors, by
    /// `sensitive-host-path`.
    ///
    /// ## Why is this bad?
    /// A host path couples the pod to one node's disk, survives the pod, and is a way out of
    /// the container: a writable host path lets the pod plant files the node will run. The
    /// `baseline` Pod Security Standard forbids them.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: cache
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: example.com/app:1.0
    ///       volumeMounts:
    ///         - name: cache
    ///           mountPath: /cache
    ///   volumes:
    ///     - name: cache
    ///       hostPath:
    ///         path: /var/cache/app
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: cache
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: example.com/app:1.0
    ///       volumeMounts:
    ///         - name: cache
    ///           mountPath: /cache
    ///   volumes:
    ///     - name: cache
    ///       emptyDir: {}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Volumes: hostPath](https://kubernetes.io/docs/concepts/storage/volumes/#hostpath)
    /// - kube-linter `writable-host-mount`, Polaris `hostPathSet`
    id: "host-path-volume",
    category: Security,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    let Some(volumes) = pod.get("/volumes").and_then(Value::as_array) else {
        return;
    };
    for (i, volume) in volumes.iter().enumerate() {
        let Some(path) = volume.pointer("/hostPath/path").and_then(Value::as_str) else {
            continue;
        };
        let name = volume
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("<unnamed>");
        out.push(
            cx.diag(
                &pod.at(&format!("/volumes/{i}/hostPath/path")),
                format!("volume \"{name}\" mounts the host path `{path}`"),
            )
            .with_help("use an `emptyDir`, a ConfigMap or a PersistentVolumeClaim instead of a path of the node"),
        );
    }
}
