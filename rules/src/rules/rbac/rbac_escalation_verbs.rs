use super::policy_rules;
use crate::rules::*;

declare_rule! {
    /// A role grants a verb that escalates privileges: `bind`, `escalate` or `impersonate`.
    ///
    /// ## What it does
    /// Flags Role and ClusterRole rules that allow `bind` or `escalate` on `roles` or
    /// `clusterroles` (of the `rbac.authorization.k8s.io` group), or `impersonate` on `users`,
    /// `groups`, `serviceaccounts`, `uids` or `userextras/…`, without `resourceNames` that
    /// limit them to named objects. Verbs and resources given as `*` are left to
    /// `rbac-wildcard`, so one problem gives one finding. Kubernetes' own roles (`system:…`,
    /// and the default `admin`, `edit`, `view`, `cluster-admin`) are skipped.
    ///
    /// ## Why is this bad?
    /// RBAC stops a subject from granting permissions it does not hold, unless it holds one of
    /// these verbs: `escalate` lets it write a role with any permission, `bind` lets it bind
    /// any role (`cluster-admin` included) to itself, and `impersonate` lets it act as any
    /// user, group or ServiceAccount. Each is as good as cluster administration.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: team-lead
    /// rules:
    ///   - apiGroups: [rbac.authorization.k8s.io]
    ///     resources: [clusterroles]
    ///     verbs: [get, list, bind]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: team-lead
    /// rules:
    ///   - apiGroups: [rbac.authorization.k8s.io]
    ///     resources: [clusterroles]
    ///     verbs: [get, list]
    ///   - apiGroups: [rbac.authorization.k8s.io]
    ///     resources: [clusterroles]
    ///     resourceNames: [view]
    ///     verbs: [bind]
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Privilege escalation prevention and bootstrapping](https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping)
    /// - kube-linter `bind-verb-in-role`, `escalate-verb-in-role`, `impersonate-without-resource-names`
    id: "rbac-escalation-verbs",
    category: Rbac,
    severity: Warning,
    enabled: true,
}

no_options!(check);

/// A verb, the API groups it applies in, and whether a resource is one it escalates through.
type Escalation = (&'static str, &'static [&'static str], fn(&str) -> bool);

const ESCALATIONS: &[Escalation] = &[
    ("escalate", &["rbac.authorization.k8s.io"], is_role),
    ("bind", &["rbac.authorization.k8s.io"], is_role),
    ("impersonate", &["", "authentication.k8s.io"], is_identity),
];

fn is_role(resource: &str) -> bool {
    matches!(resource, "roles" | "clusterroles")
}

fn is_identity(resource: &str) -> bool {
    matches!(resource, "users" | "groups" | "serviceaccounts" | "uids")
        || resource.starts_with("userextras/")
}

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let kind = cx.object.kind();
    for rule in policy_rules(cx) {
        let limited = cx
            .object
            .value
            .pointer(&format!("{}/resourceNames", rule.pointer))
            .and_then(Value::as_array)
            .is_some_and(|names| !names.is_empty());
        if limited {
            continue;
        }
        for (verb, groups, escalates) in ESCALATIONS {
            let in_group = rule
                .api_groups
                .iter()
                .any(|g| *g == "*" || groups.contains(g));
            let Some(v) = rule.verbs.iter().position(|x| x == verb) else {
                continue;
            };
            let Some(r) = rule.resources.iter().position(|x| escalates(x)) else {
                continue;
            };
            if !in_group {
                continue;
            }
            out.push(
                cx.diag(
                    &format!("{}/verbs/{v}", rule.pointer),
                    format!(
                        "this {kind} allows `{verb}` on `{}`, which escalates to any permission",
                        rule.resources[r]
                    ),
                )
                .with_help(format!(
                    "remove `{verb}`, or limit it to named objects with `resourceNames`"
                )),
            );
        }
    }
}
