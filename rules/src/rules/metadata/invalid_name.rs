use crate::rules::*;
use crate::util::{dns1123_label_error, dns1123_subdomain_error, is_kubernetes_group};

declare_rule! {
    /// An object or container name is one the API server rejects.
    ///
    /// ## What it does
    /// Checks `metadata.name` against the rule of its kind: a DNS-1035 label for Services
    /// (lowercase letters, digits and `-`, starting with a letter, at most 63 characters), a
    /// DNS-1123 label for Namespaces, a path segment for RBAC objects (no `/`, no `%`, not
    /// `.` or `..`), and a DNS-1123 subdomain (lowercase letters, digits, `-` and `.`, at most
    /// 253 characters) for the other built-in kinds. Custom resources are only held to the path
    /// segment rule, since their names are validated by their own definitions. Container names
    /// must be DNS-1123 labels.
    ///
    /// ## Why is this bad?
    /// The API server rejects the object; the error arrives at deploy time rather than in review.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: App_Settings
    /// data:
    ///   mode: fast
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: app-settings
    /// data:
    ///   mode: fast
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Object names and IDs](https://kubernetes.io/docs/concepts/overview/working-with-objects/names/)
    id: "invalid-name",
    category: Metadata,
    severity: Error,
    enabled: true,
}

no_options!(check);

fn dns1035_label_error(name: &str) -> Option<String> {
    if let Some(error) = dns1123_label_error(name) {
        return Some(error);
    }
    (!name.starts_with(|c: char| c.is_ascii_lowercase()))
        .then(|| "it must start with a lowercase letter".into())
}

fn path_segment_error(name: &str) -> Option<String> {
    if name == "." || name == ".." {
        return Some(format!("`{name}` is not allowed"));
    }
    name.chars()
        .find(|c| *c == '/' || *c == '%')
        .map(|c| format!("it contains `{c}`"))
}

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    if let Some(name) = cx
        .object
        .value
        .pointer("/metadata/name")
        .and_then(Value::as_str)
    {
        let group = cx.object.group();
        let kind = cx.object.kind();
        let (what, error) = match (group, kind) {
            ("", "Service") => ("a DNS-1035 label", dns1035_label_error(name)),
            ("", "Namespace") => ("a DNS-1123 label", dns1123_label_error(name)),
            ("rbac.authorization.k8s.io" | "apiextensions.k8s.io", _) => {
                ("a path segment", path_segment_error(name))
            }
            _ if is_kubernetes_group(group) => {
                ("a DNS-1123 subdomain", dns1123_subdomain_error(name))
            }
            _ => ("a path segment", path_segment_error(name)),
        };
        if let Some(error) = error {
            out.push(
                cx.diag("/metadata/name", format!("the name `{name}` is not {what}: {error}"))
                    .with_help("use lowercase letters, digits and `-`, starting and ending with a letter or digit")
                    .with_note(format!("the API server requires the name of a {kind} to be {what}")),
            );
        }
    }
    let Some(pod) = cx.pod else { return };
    for c in pod.all_containers() {
        if c.get("/name").and_then(Value::as_str).is_none() {
            continue;
        }
        if let Some(error) = dns1123_label_error(c.name) {
            out.push(
                cx.diag(
                    &c.at("/name"),
                    format!(
                        "the {} name `{}` is not a DNS-1123 label: {error}",
                        c.kind.label(),
                        c.name
                    ),
                )
                .with_help("use lowercase letters, digits and `-`, at most 63 characters"),
            );
        }
    }
}
