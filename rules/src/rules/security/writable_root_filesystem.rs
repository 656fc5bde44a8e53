use crate::rules::*;

declare_rule! {
    /// A container can write to its root filesystem.
    ///
    /// ## What it does
    /// Flags main, init and ephemeral containers whose `securityContext.readOnlyRootFilesystem`
    /// is not `true` (it defaults to `false`), as kube-linter, Polaris and kube-score do.
    ///
    /// ## Why is this bad?
    /// An attacker who gets code execution can drop tools and change binaries inside a
    /// writable root filesystem. A read-only root, with `emptyDir` volumes mounted where the
    /// application writes (`/tmp`, caches), removes that foothold and makes drift visible.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    ///       securityContext:
    ///         readOnlyRootFilesystem: true
    ///       volumeMounts:
    ///         - name: tmp
    ///           mountPath: /tmp
    ///   volumes:
    ///     - name: tmp
    ///       emptyDir: {}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Configure a security context](https://kubernetes.io/docs/tasks/configure-pod-container/security-context/)
    /// - kube-linter `no-read-only-root-fs`, Polaris `notReadOnlyRootFilesystem`, kube-score `container-security-context-readonlyrootfilesystem`
    id: "writable-root-filesystem",
    category: Security,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    for c in pod.all_containers() {
        let pointer = "/securityContext/readOnlyRootFilesystem";
        let d = match c.get(pointer) {
            Some(Value::Bool(true)) => continue,
            Some(_) => cx.diag(
                &c.at(pointer),
                format!("{} has a writable root filesystem", c.describe()),
            ),
            None => cx.missing(
                &c.at(pointer),
                &c.at("/name"),
                format!(
                    "{} has a writable root filesystem: `readOnlyRootFilesystem` is not set",
                    c.describe()
                ),
            ),
        };
        out.push(d.with_help(
            "set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` where the container writes",
        ));
    }
}
