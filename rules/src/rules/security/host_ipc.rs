use crate::rules::*;

declare_rule! {
    /// A pod shares the node's IPC namespace.
    ///
    /// ## What it does
    /// Flags pod templates with `hostIPC: true`.
    ///
    /// ## Why is this bad?
    /// The pod can read and write the shared memory and message queues of every process on
    /// the node, including other pods that use the host IPC namespace.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: shm
    /// spec:
    ///   hostIPC: true
    ///   containers:
    ///     - name: app
    ///       image: example.com/app:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: shm
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: example.com/app:1.0
    ///       volumeMounts:
    ///         - name: shm
    ///           mountPath: /dev/shm
    ///   volumes:
    ///     - name: shm
    ///       emptyDir:
    ///         medium: Memory
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Pod Security Standards: host namespaces](https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline)
    /// - kube-linter `host-ipc`, Polaris `hostIPCSet`
    id: "host-ipc",
    category: Security,
    severity: Error,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    if let Some(d) = super::pod_flag_set(
        cx,
        "hostIPC",
        "the pod shares the node's IPC namespace (`hostIPC: true`)",
    ) {
        out.push(d.with_help("remove `hostIPC: true`; share memory between the pod's containers with an `emptyDir` of medium `Memory`"));
    }
}
