use crate::facts::Detail;
use crate::index::Entry;
use crate::rules::*;

declare_rule! {
    /// No NetworkPolicy applies to a workload's pods.
    ///
    /// ## What it does
    /// Flags workloads whose pod labels no NetworkPolicy among the checked files selects in
    /// the same namespace (a policy with an empty `podSelector` selects every pod). Opt-in,
    /// because policies are often managed apart from the applications.
    ///
    /// ## Why is this bad?
    /// Pods that no policy selects accept traffic from every pod of the cluster and may
    /// connect anywhere: one compromised pod can reach them all.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    ///   labels: {app: web}
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
    ///   labels: {app: web}
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    /// ---
    /// apiVersion: networking.k8s.io/v1
    /// kind: NetworkPolicy
    /// metadata:
    ///   name: web
    /// spec:
    ///   podSelector:
    ///     matchLabels: {app: web}
    ///   policyTypes: [Ingress, Egress]
    /// ```
    ///
    /// ## Options
    /// - `policyTypes` (list of `Ingress`, `Egress`; default none): the pods must also be
    ///   isolated in each of these directions by a policy that selects them (a policy isolates
    ///   the directions its `policyTypes` lists; without `policyTypes`, ingress, and egress
    ///   when it has `egress` rules). `[Ingress, Egress]` asks what Polaris's
    ///   `missingNetworkPolicy` asks, except that a policy with no rules for a direction
    ///   (deny all) counts as isolating it.
    ///
    /// ## References
    /// - [Network policies](https://kubernetes.io/docs/concepts/services-networking/network-policies/)
    /// - kube-linter `non-isolated-pod`, Polaris `missingNetworkPolicy`, kube-score `pod-networkpolicy`
    id: "missing-network-policy",
    category: Networking,
    severity: Warning,
    enabled: false,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Options {
    #[serde(default)]
    policy_types: Vec<String>,
}

const DIRECTIONS: &[&str] = &["Ingress", "Egress"];

pub(crate) fn build(options: Options) -> Result<Box<dyn Check>, String> {
    let mut required: Vec<&'static str> = Vec::new();
    for wanted in &options.policy_types {
        let Some(direction) = DIRECTIONS.iter().find(|d| d.eq_ignore_ascii_case(wanted)) else {
            return Err(format!(
                "`policyTypes` lists `{wanted}`; the policy types are `Ingress` and `Egress`"
            ));
        };
        if !required.contains(direction) {
            required.push(direction);
        }
    }
    Ok(Box::new(
        move |cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>| check(cx, &required, out),
    ))
}

/// Whether a NetworkPolicy isolates the pods it selects in `direction`, as the API server
/// defaults `policyTypes` (its facts say).
fn isolates(policy: &Entry<'_>, direction: &str) -> bool {
    let Detail::NetworkPolicy(policy) = &policy.facts.detail else {
        return false;
    };
    match direction {
        "Ingress" => policy.isolates_ingress,
        _ => policy.isolates_egress,
    }
}

fn check(cx: &Ctx<'_, '_>, required: &[&str], out: &mut Vec<Diagnostic>) {
    let facts = cx.facts();
    let Some(pod) = &facts.pod else { return };
    let kind = cx.text(facts.kind);
    let mut policies = cx
        .index
        .selected_by_labels("NetworkPolicy", facts, pod.labels.as_deref())
        .peekable();
    if policies.peek().is_none() {
        out.push(
            cx.diag_at("/metadata/name", facts.name_loc, format!("no NetworkPolicy selects the pods of this {kind}"))
                .with_help("add a NetworkPolicy whose `podSelector` matches these pods and allows only the traffic they need"),
        );
        return;
    }
    if required.is_empty() {
        return;
    }
    let mut open: Vec<&str> = required.to_vec();
    for policy in policies {
        open.retain(|direction| !isolates(policy, direction));
        if open.is_empty() {
            return;
        }
    }
    let directions = open
        .iter()
        .map(|d| d.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" and ");
    out.push(
        cx.diag_at(
            "/metadata/name",
            facts.name_loc,
            format!(
                "no NetworkPolicy that selects the pods of this {kind} restricts their {directions} traffic"
            ),
        )
        .with_help(format!(
            "list {} in the `policyTypes` of a NetworkPolicy that selects these pods",
            open.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(" and ")
        )),
    );
}
