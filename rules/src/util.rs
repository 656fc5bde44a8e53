//! Small pieces of the Kubernetes API the rules share: quantities, label selectors, names.

use serde_json::{Map, Value};

/// A resource quantity (`100m`, `0.5`, `128Mi`, `1e3`, `2G`) as a number of base units.
/// `None` when the text is not a quantity Kubernetes accepts.
pub fn parse_quantity(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_quantity_str(s.trim()),
        _ => None,
    }
}

fn parse_quantity_str(s: &str) -> Option<f64> {
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    if s.is_empty() {
        return None;
    }
    for (suffix, factor) in SUFFIXES {
        if let Some(number) = s.strip_suffix(suffix) {
            return parse_decimal(number).map(|n| n * factor);
        }
    }
    // Decimal exponent: `1e3`, `1E-2`.
    if let Some(at) = s.find(['e', 'E']) {
        let (mantissa, exponent) = (&s[..at], &s[at + 1..]);
        let exponent: i32 = exponent.parse().ok()?;
        return parse_decimal(mantissa).map(|m| m * 10f64.powi(exponent));
    }
    parse_decimal(s)
}

fn parse_decimal(s: &str) -> Option<f64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    s.parse().ok()
}

/// Whether `labels` satisfy a Service-style selector (a map of equalities). An empty
/// selector matches nothing here: a Service without a selector has no pods to match.
pub fn map_selector_matches(
    selector: &Map<String, Value>,
    labels: Option<&Map<String, Value>>,
) -> bool {
    if selector.is_empty() {
        return false;
    }
    selector.iter().all(|(key, want)| {
        labels
            .and_then(|l| l.get(key))
            .is_some_and(|have| same_scalar(have, want))
    })
}

/// Whether `labels` satisfy a `LabelSelector` (`matchLabels` and `matchExpressions`). An
/// empty selector matches everything, as in the API. `None` when the selector is malformed.
pub fn label_selector_matches(
    selector: &Value,
    labels: Option<&Map<String, Value>>,
) -> Option<bool> {
    let selector = selector.as_object()?;
    let get = |key: &str| labels.and_then(|l| l.get(key)).map(scalar_text);
    if let Some(match_labels) = selector.get("matchLabels") {
        for (key, want) in match_labels.as_object()? {
            let have = labels.and_then(|l| l.get(key));
            if !have.is_some_and(|have| same_scalar(have, want)) {
                return Some(false);
            }
        }
    }
    if let Some(expressions) = selector.get("matchExpressions") {
        for expression in expressions.as_array()? {
            let key = expression.get("key")?.as_str()?;
            let operator = expression.get("operator")?.as_str()?;
            let values: Vec<String> = expression
                .get("values")
                .and_then(Value::as_array)
                .map(|v| v.iter().map(scalar_text).collect())
                .unwrap_or_default();
            let have = get(key);
            let ok = match operator {
                "In" => have.is_some_and(|h| values.contains(&h)),
                "NotIn" => have.is_none_or(|h| !values.contains(&h)),
                "Exists" => have.is_some(),
                "DoesNotExist" => have.is_none(),
                _ => return None,
            };
            if !ok {
                return Some(false);
            }
        }
    }
    Some(true)
}

/// Whether a `LabelSelector` is empty (selects every pod of the namespace).
pub fn selector_is_empty(selector: &Value) -> bool {
    selector.as_object().is_none_or(|s| {
        s.get("matchLabels")
            .and_then(Value::as_object)
            .is_none_or(Map::is_empty)
            && s.get("matchExpressions")
                .and_then(Value::as_array)
                .is_none_or(Vec::is_empty)
    })
}

/// Whether two label values are equal as text (`true` and `"true"` alike), without allocating
/// in the common case of two strings.
pub fn same_scalar(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x == y,
        _ => scalar_text(a) == scalar_text(b),
    }
}

/// The text of a scalar as a label value is compared (`true` and `"true"` alike).
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A DNS-1123 label: at most 63 lowercase alphanumerics or `-`, starting and ending with an
/// alphanumeric. Returns what is wrong, or `None` when the name is valid.
pub fn dns1123_label_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".into());
    }
    if name.len() > 63 {
        return Some(format!("it is {} characters long, over 63", name.len()));
    }
    let bytes = name.as_bytes();
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Some(format!(
            "it contains `{c}`; only lowercase letters, digits and `-` are allowed"
        ));
    }
    if bytes[0] == b'-' || bytes[bytes.len() - 1] == b'-' {
        return Some("it must start and end with a letter or digit".into());
    }
    None
}

/// A DNS-1123 subdomain: at most 253 characters, dot-separated DNS-1123 labels.
pub fn dns1123_subdomain_error(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".into());
    }
    if name.len() > 253 {
        return Some(format!("it is {} characters long, over 253", name.len()));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Some(format!(
            "it contains `{c}`; only lowercase letters, digits, `-` and `.` are allowed"
        ));
    }
    for part in name.split('.') {
        if part.is_empty() || part.starts_with('-') || part.ends_with('-') {
            return Some(
                "each dot-separated part must start and end with a letter or digit".into(),
            );
        }
    }
    None
}

/// A label value, or the name part of a label key: at most 63 characters, alphanumerics,
/// `-`, `_`, `.`, starting and ending with an alphanumeric (a value may be empty).
pub fn label_name_error(text: &str, allow_empty: bool) -> Option<String> {
    if text.is_empty() {
        return (!allow_empty).then(|| "it is empty".into());
    }
    if text.len() > 63 {
        return Some(format!("it is {} characters long, over 63", text.len()));
    }
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Some(format!(
            "it contains `{c}`; only letters, digits, `-`, `_` and `.` are allowed"
        ));
    }
    let first = text.chars().next().unwrap_or('a');
    let last = text.chars().last().unwrap_or('a');
    if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
        return Some("it must start and end with a letter or digit".into());
    }
    None
}

/// A label or annotation key: an optional DNS subdomain prefix and `/`, then a name.
pub fn label_key_error(key: &str) -> Option<String> {
    match key.split_once('/') {
        Some((prefix, name)) => {
            if let Some(error) = dns1123_subdomain_error(prefix) {
                return Some(format!(
                    "its prefix `{prefix}` is not a DNS subdomain: {error}"
                ));
            }
            label_name_error(name, false).map(|e| format!("its name part `{name}` is invalid: {e}"))
        }
        None => label_name_error(key, false),
    }
}

/// The replicas a workload asks for: `spec.replicas`, or 1 when it is left out.
pub fn replicas(object: &plimsoll_core::Object) -> Option<i64> {
    match object.value.pointer("/spec/replicas") {
        None | Some(Value::Null) => Some(1),
        Some(v) => v.as_i64(),
    }
}

/// Kinds that keep a number of identical pods running and have `spec.replicas`.
pub fn is_replicated_kind(kind: &str) -> bool {
    matches!(
        kind,
        "Deployment"
            | "StatefulSet"
            | "ReplicaSet"
            | "ReplicationController"
            | "DeploymentConfig"
            | "Rollout"
            | "CloneSet"
    )
}

/// Whether a workload keeps several identical pods running: a replicated kind that asks for
/// two replicas or more.
pub fn has_several_replicas(object: &plimsoll_core::Object) -> bool {
    is_replicated_kind(object.kind()) && replicas(object).is_some_and(|r| r >= 2)
}

/// Whether an API group is one that Kubernetes itself serves (`""` is the core group).
pub fn is_kubernetes_group(group: &str) -> bool {
    const GROUPS: &[&str] = &[
        "",
        "apps",
        "batch",
        "autoscaling",
        "policy",
        "networking.k8s.io",
        "storage.k8s.io",
        "scheduling.k8s.io",
        "admissionregistration.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "certificates.k8s.io",
        "node.k8s.io",
        "events.k8s.io",
        "rbac.authorization.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "flowcontrol.apiserver.k8s.io",
        "extensions",
    ];
    GROUPS.contains(&group)
}

/// Escapes a JSON-pointer token.
pub fn token(text: &str) -> String {
    text.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity(&json!("100m")), Some(0.1));
        assert_eq!(
            parse_quantity(&json!("1Gi")),
            parse_quantity(&json!("1024Mi"))
        );
        assert_eq!(parse_quantity(&json!(2)), Some(2.0));
        assert_eq!(parse_quantity(&json!("1e3")), Some(1000.0));
        assert_eq!(parse_quantity(&json!("129M")), Some(129e6));
        assert_eq!(parse_quantity(&json!("lots")), None);
        assert_eq!(parse_quantity(&json!("")), None);
    }

    #[test]
    fn names() {
        assert_eq!(dns1123_label_error("web-1"), None);
        assert!(dns1123_label_error("Web").is_some());
        assert!(dns1123_subdomain_error("a..b").is_some());
        assert_eq!(dns1123_subdomain_error("a.b-c"), None);
        assert_eq!(label_key_error("app.kubernetes.io/name"), None);
        assert!(label_key_error("app/").is_some());
        assert_eq!(label_name_error("", true), None);
        assert!(label_name_error("-x", true).is_some());
    }

    #[test]
    fn selectors() {
        let labels = json!({"app": "web", "tier": "front"});
        let labels = labels.as_object();
        let sel = json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front"]}]});
        assert_eq!(label_selector_matches(&sel, labels), Some(true));
        let sel = json!({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]});
        assert_eq!(label_selector_matches(&sel, labels), Some(false));
        assert!(selector_is_empty(&json!({})));
    }
}
