use crate::facts::Automount;
use crate::rules::*;

declare_rule! {
    /// A pod gets an API token mounted without asking for one.
    ///
    /// ## What it does
    /// Flags pod templates that do not set `automountServiceAccountToken: false`, unless the
    /// ServiceAccount they use is in the run and sets it to `false` itself (the pod's field
    /// wins over the ServiceAccount's, as in the API).
    ///
    /// ## Why is this bad?
    /// Most applications never call the Kubernetes API, yet every pod gets a token at
    /// `/var/run/secrets/kubernetes.io/serviceaccount`: whoever gets code execution in the pod
    /// gets whatever its ServiceAccount may do.
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
    ///   automountServiceAccountToken: false
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Opt out of API credential automounting](https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting)
    /// - Polaris `automountServiceAccountToken`
    id: "automount-service-account-token",
    category: Security,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let facts = cx.facts();
    let Some(pod) = &facts.pod else { return };
    match pod.automount {
        Automount::False => return,
        Automount::True => {}
        Automount::Absent | Automount::Other => {
            let account = pod
                .automount_account()
                .or_else(|| cx.index.symbols.get("default"));
            let kind = cx.index.symbols.get("ServiceAccount");
            let opted_out = kind.zip(account).is_some_and(|(kind, account)| {
                cx.index
                    .named_kind_near(kind, account, facts)
                    .any(|sa| sa.facts.automount_false())
            });
            if opted_out {
                return;
            }
        }
    }
    out.push(
        cx.diag_at(
            &format!("{}/automountServiceAccountToken", cx.text(pod.pointer)),
            pod.automount_loc,
            "the pod mounts a service account token: `automountServiceAccountToken` is not false",
        )
        .with_help("set `automountServiceAccountToken: false` on the pod unless it calls the Kubernetes API"),
    );
}
