use crate::rules::*;

declare_rule! {
    /// A container has none of the Linux hardening settings.
    ///
    /// ## What it does
    /// Flags containers of Linux pods that have none of: a seccomp profile, an AppArmor
    /// profile (field or annotation), SELinux options, or dropped capabilities, on the
    /// container or (for the first three) on the pod. A profile counts when the one in effect
    /// confines (a container's `Unconfined` seccomp profile undoes the pod's `RuntimeDefault`,
    /// and `Unconfined` on the pod confines nothing); SELinux options count when they set
    /// something; dropped capabilities do not count when the container adds `ALL` back.
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
        // A profile counts when the one in effect (the container's, else the pod's) confines:
        // a container's `Unconfined` undoes the pod's profile, and the pod's `Unconfined`
        // confines nothing.
        let confines = |field: &str| {
            pod.effective_security(&c, field)
                .and_then(|(profile, _)| profile.get("type"))
                .and_then(Value::as_str)
                .is_some_and(|kind| !kind.is_empty() && kind != "Unconfined")
        };
        let selinux = pod
            .effective_security(&c, "seLinuxOptions")
            .is_some_and(|(options, _)| options.as_object().is_some_and(|o| !o.is_empty()));
        let name = c.name;
        let apparmor_annotation = annotations.is_some_and(|a| {
            a.get(&format!(
                "container.apparmor.security.beta.kubernetes.io/{name}"
            ))
            .and_then(Value::as_str)
            .is_some_and(|profile| profile != "unconfined")
        });
        // Dropping capabilities hardens nothing when the container adds them all back.
        let capabilities = |list: &str| {
            c.get(&format!("/securityContext/capabilities/{list}"))
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default()
        };
        let adds_all = capabilities("add")
            .iter()
            .filter_map(Value::as_str)
            .any(|cap| cap.eq_ignore_ascii_case("ALL"));
        let drops = !capabilities("drop").is_empty() && !adds_all;
        if confines("seccompProfile")
            || confines("appArmorProfile")
            || selinux
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
