use crate::rules::*;

declare_rule! {
    /// A container has none of the Linux hardening settings.
    ///
    /// ## What it does
    /// Flags containers of Linux pods that have none of: a seccomp profile, an AppArmor
    /// profile (field or annotation), SELinux options, or dropped capabilities, on the
    /// container or (for the first three) on the pod.
    ///
    /// ## Why is this bad?
    /// Each of these narrows what a compromised process can do to the kernel; a container
    /// with none of them relies on the runtime's defaults alone. Off by default: the more
    /// specific rules (`capabilities-not-dropped`, `missing-seccomp-profile`) say what to add.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: app
    /// spec:
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
    ///   name: app
    /// spec:
    ///   containers:
    ///     - name: app
    ///       image: example.com/app:1.0
    ///       securityContext:
    ///         capabilities: {drop: [ALL]}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - Polaris `linuxHardening`
    id: "linux-hardening",
    category: Security,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    if pod.is_windows() {
        return;
    }
    let annotations = pod.annotations();
    for c in pod.all_containers() {
        let set = |field: &str| pod.effective_security(&c, field).is_some();
        let name = c.name;
        let apparmor_annotation = annotations.is_some_and(|a| {
            a.contains_key(&format!(
                "container.apparmor.security.beta.kubernetes.io/{name}"
            ))
        });
        let drops = c
            .get("/securityContext/capabilities/drop")
            .and_then(Value::as_array)
            .is_some_and(|d| !d.is_empty());
        if set("seccompProfile")
            || set("appArmorProfile")
            || set("seLinuxOptions")
            || apparmor_annotation
            || drops
        {
            continue;
        }
        out.push(
            cx.missing(
                &c.at("/securityContext"),
                &c.at("/name"),
                format!(
                    "{} has no Linux hardening: no seccomp or AppArmor profile, no SELinux options, no dropped capabilities",
                    c.describe()
                ),
            )
            .with_help("drop capabilities (`capabilities: {drop: [ALL]}`) or set a seccomp profile such as `RuntimeDefault`"),
        );
    }
}
