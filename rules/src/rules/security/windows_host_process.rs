use crate::rules::*;

declare_rule! {
    /// A Windows pod or container runs as a host process.
    ///
    /// ## What it does
    /// Flags `securityContext.windowsOptions.hostProcess: true` on the pod or on any
    /// container.
    ///
    /// ## Why is this bad?
    /// A HostProcess container runs directly on the Windows node, with the node's network and
    /// file system and the privileges of its user: it is the Windows equivalent of a
    /// privileged container, and the `baseline` Pod Security Standard forbids it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: agent
    /// spec:
    ///   hostNetwork: true
    ///   securityContext:
    ///     windowsOptions:
    ///       hostProcess: true
    ///       runAsUserName: "NT AUTHORITY\\SYSTEM"
    ///   containers:
    ///     - name: agent
    ///       image: example.com/agent:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: agent
    /// spec:
    ///   securityContext:
    ///     windowsOptions:
    ///       runAsUserName: "ContainerUser"
    ///   containers:
    ///     - name: agent
    ///       image: example.com/agent:1.0
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Create a Windows HostProcess pod](https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/)
    /// - [Pod Security Standards: HostProcess](https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline)
    id: "windows-host-process",
    category: Security,
    severity: Error,
    enabled: true,
}

no_options!(check);

const HELP: &str =
    "remove `hostProcess: true` and run the workload as an ordinary Windows container";

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    let field = "/securityContext/windowsOptions/hostProcess";
    if pod.get(field) == Some(&Value::Bool(true)) {
        out.push(
            cx.diag(&pod.at(field), "the pod runs as a Windows host process")
                .with_help(HELP),
        );
    }
    for c in pod.all_containers() {
        if c.get(field) == Some(&Value::Bool(true)) {
            out.push(
                cx.diag(
                    &c.at(field),
                    format!("{} runs as a Windows host process", c.describe()),
                )
                .with_help(HELP),
            );
        }
    }
}
