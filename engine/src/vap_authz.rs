//! `authorizer` in admission policies, offline: requests are decided by the RBAC objects of
//! the run (Roles, ClusterRoles with their aggregation rules, RoleBindings,
//! ClusterRoleBindings), as the API server's RBAC authorizer decides them.
//!
//! - A user in `system:masters` is allowed everything (the API server does not ask RBAC).
//! - When the run holds no RBAC object at all, nothing can be decided: the decision is not
//!   allowed and `errored()` is true, with an `error()` that says so. A policy with
//!   `failurePolicy: Fail` whose expression reads a decision that way gets the expression's
//!   verdict; an expression can test `errored()` itself.
//! - Otherwise a request is allowed when a ClusterRoleBinding, or a RoleBinding of the
//!   request's namespace, binds the user (by name, group, or service account) to a role
//!   with a rule covering it (verb, API group, resource or `resource/subresource`,
//!   resource name; non-resource paths, with a trailing `*`, only through
//!   ClusterRoleBindings); the reason names the binding and role as RBAC does.

use plimsoll_cel::authz::{Attributes, Authorize, Decision};
use serde_json::Value as Json;

use crate::vap::selector_matches;

#[derive(Debug)]
pub(crate) struct Rbac {
    roles: Vec<Role>,
    bindings: Vec<Binding>,
}

#[derive(Debug)]
struct Role {
    /// Empty for a ClusterRole.
    namespace: String,
    name: String,
    rules: Vec<Json>,
}

#[derive(Debug)]
struct Binding {
    kind: &'static str,
    /// Empty for a ClusterRoleBinding.
    namespace: String,
    name: String,
    role_kind: String,
    role_name: String,
    subjects: Vec<Json>,
}

fn str_at<'a>(value: &'a Json, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Json::as_str).unwrap_or("")
}

fn is_rbac(value: &Json, kind: &str) -> bool {
    str_at(value, "/kind") == kind
        && str_at(value, "/apiVersion").starts_with("rbac.authorization.k8s.io/")
}

fn rules(value: &Json) -> Vec<Json> {
    value
        .get("rules")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default()
}

impl Rbac {
    pub(crate) fn new(objects: &[&Json]) -> Rbac {
        let mut roles = Vec::new();
        let mut bindings = Vec::new();
        let cluster_roles: Vec<&Json> = objects
            .iter()
            .copied()
            .filter(|o| is_rbac(o, "ClusterRole"))
            .collect();
        for object in objects {
            if is_rbac(object, "Role") {
                roles.push(Role {
                    namespace: str_at(object, "/metadata/namespace").to_owned(),
                    name: str_at(object, "/metadata/name").to_owned(),
                    rules: rules(object),
                });
            } else if is_rbac(object, "ClusterRole") {
                let mut all = rules(object);
                // Aggregated ClusterRoles take the rules of those their selectors pick.
                if let Some(Json::Array(selectors)) =
                    object.pointer("/aggregationRule/clusterRoleSelectors")
                {
                    for other in &cluster_roles {
                        let labels = other
                            .pointer("/metadata/labels")
                            .and_then(Json::as_object)
                            .cloned()
                            .unwrap_or_default();
                        if !std::ptr::eq(*other, *object)
                            && selectors.iter().any(|s| selector_matches(Some(s), &labels))
                        {
                            all.extend(rules(other));
                        }
                    }
                }
                roles.push(Role {
                    namespace: String::new(),
                    name: str_at(object, "/metadata/name").to_owned(),
                    rules: all,
                });
            } else {
                let kind = if is_rbac(object, "RoleBinding") {
                    "RoleBinding"
                } else if is_rbac(object, "ClusterRoleBinding") {
                    "ClusterRoleBinding"
                } else {
                    continue;
                };
                bindings.push(Binding {
                    kind,
                    namespace: if kind == "RoleBinding" {
                        str_at(object, "/metadata/namespace").to_owned()
                    } else {
                        String::new()
                    },
                    name: str_at(object, "/metadata/name").to_owned(),
                    role_kind: str_at(object, "/roleRef/kind").to_owned(),
                    role_name: str_at(object, "/roleRef/name").to_owned(),
                    subjects: object
                        .get("subjects")
                        .and_then(Json::as_array)
                        .cloned()
                        .unwrap_or_default(),
                });
            }
        }
        Rbac { roles, bindings }
    }

    fn role(&self, binding: &Binding) -> Option<&Role> {
        let namespace = if binding.role_kind == "Role" {
            binding.namespace.as_str()
        } else {
            ""
        };
        self.roles
            .iter()
            .find(|r| r.name == binding.role_name && r.namespace == namespace)
    }
}

fn listed(list: Option<&Json>, wanted: &str) -> bool {
    list.and_then(Json::as_array).is_some_and(|items| {
        items
            .iter()
            .filter_map(Json::as_str)
            .any(|i| i == "*" || i == wanted)
    })
}

/// The subject (`User`, `Group`, `ServiceAccount`) the binding names, if it is the user.
fn subject_matches(subject: &Json, binding: &Binding, a: &Attributes) -> Option<String> {
    let name = str_at(subject, "/name");
    match str_at(subject, "/kind") {
        "User" if name == a.user => Some(format!("User \"{name}\"")),
        "Group" if a.groups.iter().any(|g| g == name) => Some(format!("Group \"{name}\"")),
        "ServiceAccount" => {
            let namespace = match str_at(subject, "/namespace") {
                "" => binding.namespace.as_str(),
                n => n,
            };
            (a.user == format!("system:serviceaccount:{namespace}:{name}"))
                .then(|| format!("ServiceAccount \"{namespace}/{name}\""))
        }
        _ => None,
    }
}

fn rule_covers(rule: &Json, a: &Attributes) -> bool {
    if !listed(rule.get("verbs"), &a.verb) {
        return false;
    }
    if let Some(path) = &a.path {
        return rule
            .get("nonResourceURLs")
            .and_then(Json::as_array)
            .is_some_and(|urls| {
                urls.iter().filter_map(Json::as_str).any(|u| {
                    u == "*"
                        || u == path
                        || u.strip_suffix('*').is_some_and(|p| path.starts_with(p))
                })
            });
    }
    let resource_ok = rule
        .get("resources")
        .and_then(Json::as_array)
        .is_some_and(|items| {
            items.iter().filter_map(Json::as_str).any(|r| {
                if a.subresource.is_empty() {
                    r == "*" || r == a.resource
                } else {
                    r == "*"
                        || r == format!("{}/{}", a.resource, a.subresource)
                        || r == format!("*/{}", a.subresource)
                }
            })
        });
    let names_ok = match rule.get("resourceNames").and_then(Json::as_array) {
        Some(names) if !names.is_empty() => names.iter().any(|n| n.as_str() == Some(&a.name)),
        _ => true,
    };
    listed(rule.get("apiGroups"), &a.group) && resource_ok && names_ok
}

impl Authorize for Rbac {
    fn authorize(&self, a: &Attributes) -> Decision {
        if a.groups.iter().any(|g| g == "system:masters") {
            return Decision {
                allowed: true,
                reason: "the user is in system:masters".into(),
                error: None,
            };
        }
        if self.roles.is_empty() && self.bindings.is_empty() {
            return Decision {
                allowed: false,
                reason: String::new(),
                error: Some(
                    "the run holds no Role, ClusterRole or binding: the authorizer cannot decide offline"
                        .into(),
                ),
            };
        }
        for binding in &self.bindings {
            let applies = binding.kind == "ClusterRoleBinding"
                || (a.path.is_none()
                    && !a.namespace.is_empty()
                    && binding.namespace == a.namespace);
            if !applies {
                continue;
            }
            let Some(subject) = binding
                .subjects
                .iter()
                .find_map(|s| subject_matches(s, binding, a))
            else {
                continue;
            };
            let Some(role) = self.role(binding) else {
                continue;
            };
            if role.rules.iter().any(|r| rule_covers(r, a)) {
                let at = if binding.kind == "RoleBinding" {
                    format!(" in namespace \"{}\"", binding.namespace)
                } else {
                    String::new()
                };
                return Decision {
                    allowed: true,
                    reason: format!(
                        "RBAC: allowed by {} \"{}\" of {} \"{}\" to {subject}{at}",
                        binding.kind, binding.name, binding.role_kind, binding.role_name
                    ),
                    error: None,
                };
            }
        }
        Decision::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ask(rbac: &Rbac, user: &str, groups: &[&str], f: impl FnOnce(&mut Attributes)) -> Decision {
        let mut a = Attributes {
            user: user.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            ..Attributes::default()
        };
        f(&mut a);
        rbac.authorize(&a)
    }

    #[test]
    fn rbac_decisions() {
        let objects = [
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": {"name": "reader", "namespace": "web"},
                "rules": [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list"]}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                "metadata": {"name": "alice-reads", "namespace": "web"},
                "roleRef": {"kind": "Role", "name": "reader"},
                "subjects": [{"kind": "User", "name": "alice"}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "deployer"},
                "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"deploy": "true"}}]}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                "metadata": {"name": "deploy-apps", "labels": {"deploy": "true"}},
                "rules": [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"], "resourceNames": ["web"]},
                          {"nonResourceURLs": ["/metrics*"], "verbs": ["get"]}]}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                "metadata": {"name": "ci-deploys"},
                "roleRef": {"kind": "ClusterRole", "name": "deployer"},
                "subjects": [{"kind": "Group", "name": "ci"}, {"kind": "ServiceAccount", "name": "bot", "namespace": "ops"}]}),
        ];
        let refs: Vec<&Json> = objects.iter().collect();
        let rbac = Rbac::new(&refs);
        let d = ask(&rbac, "alice", &[], |a| {
            a.resource = "pods".into();
            a.namespace = "web".into();
            a.verb = "get".into();
        });
        assert!(d.allowed);
        assert_eq!(
            d.reason,
            "RBAC: allowed by RoleBinding \"alice-reads\" of Role \"reader\" to User \"alice\" in namespace \"web\""
        );
        // Another namespace, verb or subresource: not allowed.
        for (ns, verb, sub) in [
            ("db", "get", ""),
            ("web", "delete", ""),
            ("web", "get", "exec"),
        ] {
            assert!(
                !ask(&rbac, "alice", &[], |a| {
                    a.resource = "pods".into();
                    a.namespace = ns.into();
                    a.verb = verb.into();
                    a.subresource = sub.into();
                })
                .allowed
            );
        }
        assert!(
            ask(&rbac, "alice", &[], |a| {
                a.resource = "pods".into();
                a.subresource = "log".into();
                a.namespace = "web".into();
                a.verb = "list".into();
            })
            .allowed
        );
        let deploy = |user: &str, groups: &[&str], name: &str| {
            ask(&rbac, user, groups, |a| {
                a.group = "apps".into();
                a.resource = "deployments".into();
                a.name = name.into();
                a.verb = "update".into();
            })
            .allowed
        };
        assert!(deploy("carol", &["ci"], "web"));
        assert!(!deploy("carol", &["ci"], "db"));
        assert!(deploy("system:serviceaccount:ops:bot", &[], "web"));
        assert!(!deploy("system:serviceaccount:web:bot", &[], "web"));
        assert!(deploy("root", &["system:masters"], "db"));
        assert!(
            ask(&rbac, "carol", &["ci"], |a| {
                a.path = Some("/metrics/cadvisor".into());
                a.verb = "get".into();
            })
            .allowed
        );
        let nothing = Rbac::new(&[]);
        let d = ask(&nothing, "alice", &[], |a| a.verb = "get".into());
        assert!(!d.allowed && d.error.is_some());
    }
}
