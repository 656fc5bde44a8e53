use crate::rules::*;

declare_rule! {
    /// A container lets its processes gain more privileges than their parent.
    ///
    /// ## What it does
    /// Flags main, init and ephemeral containers whose `securityContext.allowPrivilegeEscalation`
    /// is not `false`. Left out, it defaults to `true`, so a missing field is reported too (as
    /// Polaris does and as the `restricted` Pod Security Standard requires); kube-linter
    /// reports only containers that set it to `true`. Windows pods (`spec.os.name: windows`)
    /// are skipped: the field does not apply to them.
    ///
    /// ## Why is this bad?
    /// With escalation allowed, a setuid binary or file capabilities inside the image can give
    /// a process root or capabilities it was not started with (`no_new_privs` is not set).
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
    ///         allowPrivilegeEscalation: false
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Configure a security context](https://kubernetes.io/docs/tasks/configure-pod-container/security-context/)
    /// - [Pod Security Standards: restricted](https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted)
    /// - kube-linter `privilege-escalation-container`, Polaris `privilegeEscalationAllowed`
    id: "privilege-escalation-allowed",
    category: Security,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    if pod.is_windows() {
        return;
    }
    for c in pod.all_containers() {
        let pointer = "/securityContext/allowPrivilegeEscalation";
        let d = match c.get(pointer) {
            Some(Value::Bool(false)) => continue,
            Some(Value::Bool(true)) => cx.diag(
                &c.at(pointer),
                format!("{} allows privilege escalation", c.describe()),
            ),
            _ => cx.missing(
                &c.at(pointer),
                &c.at("/name"),
                format!(
                    "{} allows privilege escalation: `allowPrivilegeEscalation` is not set and defaults to true",
                    c.describe()
                ),
            ),
        };
        out.push(
            d.with_help("set `securityContext.allowPrivilegeEscalation: false` on the container"),
        );
    }
}
