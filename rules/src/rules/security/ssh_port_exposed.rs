use crate::rules::*;

declare_rule! {
    /// A container exposes port 22 (SSH).
    ///
    /// ## What it does
    /// Flags container ports (main, init and ephemeral containers) whose `containerPort` is 22
    /// over TCP (the default protocol).
    ///
    /// ## Why is this bad?
    /// An SSH server in a container is a second way in that bypasses Kubernetes' access
    /// control and audit (`kubectl exec` is logged, SSH logins are not), and its keys must be
    /// managed by hand. Something else listening on 22 will confuse every scanner.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: box
    /// spec:
    ///   containers:
    ///     - name: box
    ///       image: example.com/box:1.0
    ///       ports:
    ///         - containerPort: 22
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: box
    /// spec:
    ///   containers:
    ///     - name: box
    ///       image: example.com/box:1.0
    ///       ports:
    ///         - containerPort: 8080
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [kubectl exec](https://kubernetes.io/docs/reference/kubectl/generated/kubectl_exec/)
    /// - kube-linter `ssh-port`
    id: "ssh-port-exposed",
    category: Security,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    for c in pod.all_containers() {
        let Some(ports) = c.get("/ports").and_then(Value::as_array) else {
            continue;
        };
        for (i, port) in ports.iter().enumerate() {
            let tcp = port
                .get("protocol")
                .and_then(Value::as_str)
                .is_none_or(|p| p == "TCP");
            if tcp && port.get("containerPort").and_then(Value::as_i64) == Some(22) {
                out.push(
                    cx.diag(
                        &c.at(&format!("/ports/{i}/containerPort")),
                        format!("{} exposes port 22 (SSH)", c.describe()),
                    )
                    .with_help("remove the SSH server and use `kubectl exec` or `kubectl debug` to get a shell"),
                );
            }
        }
    }
}
