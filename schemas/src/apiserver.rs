//! The API server's own validation of built-in kinds, beyond what their OpenAPI schema says:
//! the checks of `pkg/apis/core/validation` (and apps, batch) that reject an object a JSON
//! Schema validator accepts. Each check has its own rule id (`schema-…`), listed in
//! [`CHECKS`] with the Kubernetes fields it guards.
//!
//! What existing rules already check is left to them, so that a problem gives one finding:
//! object and container names (`invalid-name`), label syntax (`invalid-label`), a selector that
//! does not match its template (`workload-selector-mismatch`), requests above limits
//! (`request-exceeds-limit`). Enums are checked by the schema itself (see `enums.rs`).

use std::collections::HashSet;

use serde_json::Value;

use crate::message::field_path;
use crate::walk::escape;
use crate::{Level, SchemaFinding};

/// A port number or a port name the API server rejects.
pub const INVALID_PORT: &str = "schema-invalid-port";
/// Two entries of a list that must have unique names share one.
pub const DUPLICATE_NAME: &str = "schema-duplicate-name";
/// A volume mount or device that names no volume of the pod.
pub const UNKNOWN_VOLUME: &str = "schema-unknown-volume";
/// A probe or lifecycle hook without exactly one handler.
pub const PROBE_HANDLER: &str = "schema-probe-handler";
/// A pod `restartPolicy` the owning workload does not allow.
pub const RESTART_POLICY: &str = "schema-restart-policy";
/// A number outside the range the API server allows.
pub const INVALID_VALUE: &str = "schema-invalid-value";

/// One check of this stage: its id, the fields it guards, and what it checks.
pub struct ApiServerCheck {
    pub id: &'static str,
    pub fields: &'static str,
    pub doc: &'static str,
}

/// The checks of this stage, documented for `plimsoll explain`.
pub const CHECKS: &[ApiServerCheck] = &[
    ApiServerCheck {
        id: INVALID_PORT,
        fields: "containers[].ports[].containerPort/hostPort/name, Service spec.ports[].port/targetPort/nodePort/name",
        doc: "A port number outside 1-65535, or a port name the API server rejects. Container port names (and named `targetPort`s) are IANA service names: at most 15 characters, lowercase letters, digits and `-`, at least one letter, no `--`, no leading or trailing `-`. Service port names are DNS-1123 labels, and required when a Service has more than one port. `nodePort` 0 means \"allocate one\"; the cluster's own NodePort range is checked by the `nodeport-out-of-range` rule. Kubernetes: validateContainerPorts, validateServicePort.",
    },
    ApiServerCheck {
        id: DUPLICATE_NAME,
        fields: "containers/initContainers/ephemeralContainers[].name, volumes[].name, containers[].ports[].name, Service spec.ports[].name",
        doc: "A name that must be unique is used twice: container names across `containers`, `initContainers` and `ephemeralContainers`; volume names; port names within one container; port names of a Service. The API server rejects the object with `Duplicate value`. Kubernetes: validateContainers, ValidateVolumes, validateContainerPorts, ValidateService.",
    },
    ApiServerCheck {
        id: UNKNOWN_VOLUME,
        fields: "containers[].volumeMounts[].name, containers[].volumeDevices[].name",
        doc: "A volume mount (or device) names a volume the pod does not declare in `volumes`. The API server rejects the pod with `Not found`. Kubernetes: ValidateVolumeMounts, ValidateVolumeDevices.",
    },
    ApiServerCheck {
        id: PROBE_HANDLER,
        fields: "containers[].livenessProbe/readinessProbe/startupProbe, containers[].lifecycle.postStart/preStop",
        doc: "A probe must set exactly one of `exec`, `httpGet`, `tcpSocket` and `grpc`; a lifecycle hook exactly one of `exec`, `httpGet`, `tcpSocket` and `sleep`. None (\"must specify a handler type\") or several (\"may not specify more than 1 handler type\") is rejected. Kubernetes: validateHandler, validateLifecycleHandler.",
    },
    ApiServerCheck {
        id: RESTART_POLICY,
        fields: "spec.template.spec.restartPolicy of workloads",
        doc: "The pod template of a Deployment, ReplicaSet, DaemonSet, StatefulSet or ReplicationController must have `restartPolicy: Always` (the default); that of a Job or CronJob must set `OnFailure` or `Never` (it has no default there). Kubernetes: ValidatePodTemplateSpecForReplicaSet and siblings, validateJobSpec.",
    },
    ApiServerCheck {
        id: INVALID_VALUE,
        fields: "topologySpreadConstraints[].maxSkew/minDomains, spec.replicas, HPA spec.minReplicas/maxReplicas, PDB spec.minAvailable/maxUnavailable",
        doc: "A number outside the range the API server allows: a topology spread constraint's `maxSkew` and `minDomains` must be at least 1; a workload's `replicas` must not be negative; a HorizontalPodAutoscaler's `minReplicas` must be at least 1 and `maxReplicas` at least `minReplicas`; a PodDisruptionBudget sets at most one of `minAvailable` and `maxUnavailable`, each a non-negative integer or a percentage of at most `100%`. Kubernetes: validateTopologySpreadConstraints, ValidateNonnegativeField, validateHorizontalPodAutoscalerSpec, ValidatePodDisruptionBudgetSpec.",
    },
];

/// The documentation of a check of this stage, by id.
pub fn check(id: &str) -> Option<&'static ApiServerCheck> {
    CHECKS.iter().find(|c| c.id == id)
}

struct Out<'a> {
    object: &'a Value,
    findings: &'a mut Vec<SchemaFinding>,
}

impl Out<'_> {
    fn push(&mut self, rule: &'static str, pointer: String, message: String, help: Option<&str>) {
        self.findings.push(SchemaFinding {
            rule,
            level: Level::Error,
            pointer,
            at_key: false,
            message,
            help: help.map(str::to_owned),
        });
    }

    fn field(&self, pointer: &str) -> String {
        field_path(self.object, pointer)
    }
}

/// Where the pod spec of a built-in kind is, and what `restartPolicy` its owner allows.
fn pod_spec(
    api_version: &str,
    kind: &str,
) -> Option<(&'static str, Option<&'static [&'static str]>)> {
    const ALWAYS: &[&str] = &["Always"];
    const JOB: &[&str] = &["OnFailure", "Never"];
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    Some(match (group, kind) {
        ("", "Pod") => ("/spec", None),
        ("", "PodTemplate") => ("/template/spec", None),
        ("", "ReplicationController") => ("/spec/template/spec", Some(ALWAYS)),
        ("apps" | "extensions", "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet") => {
            ("/spec/template/spec", Some(ALWAYS))
        }
        ("batch", "Job") => ("/spec/template/spec", Some(JOB)),
        ("batch", "CronJob") => ("/spec/jobTemplate/spec/template/spec", Some(JOB)),
        _ => return None,
    })
}

/// Runs every check on one object of a built-in kind.
pub(crate) fn validate(
    object: &Value,
    api_version: &str,
    kind: &str,
    findings: &mut Vec<SchemaFinding>,
) {
    let mut out = Out { object, findings };
    if let Some((pointer, restart)) = pod_spec(api_version, kind)
        && let Some(spec) = object.pointer(pointer).filter(|s| s.is_object())
    {
        // A StatefulSet's claim templates become volumes of its pods.
        let claims: Vec<&str> = object
            .pointer("/spec/volumeClaimTemplates")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.pointer("/metadata/name").and_then(Value::as_str))
            .collect();
        check_pod_spec(&mut out, spec, pointer, &claims);
        if let Some(allowed) = restart {
            check_restart_policy(&mut out, spec, pointer, kind, allowed);
        }
    }
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    match (group, kind) {
        ("", "Service") => check_service(&mut out),
        ("autoscaling", "HorizontalPodAutoscaler") => check_hpa(&mut out),
        ("policy", "PodDisruptionBudget") => check_pdb(&mut out),
        _ => {}
    }
    if let Some(replicas) = object.pointer("/spec/replicas").and_then(Value::as_i64)
        && replicas < 0
        && pod_spec(api_version, kind).is_some()
    {
        let field = out.field("/spec/replicas");
        out.push(
            INVALID_VALUE,
            "/spec/replicas".into(),
            format!("`{field}` must not be negative, got {replicas}"),
            None,
        );
    }
}

const CONTAINER_LISTS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];

fn items<'v>(value: &'v Value, key: &str) -> impl Iterator<Item = (usize, &'v Value)> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

fn name_of(value: &Value) -> Option<&str> {
    value
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
}

fn check_pod_spec(out: &mut Out<'_>, spec: &Value, base: &str, claims: &[&str]) {
    let mut container_names = HashSet::new();
    let volumes: HashSet<&str> = items(spec, "volumes")
        .filter_map(|(_, v)| name_of(v))
        .chain(claims.iter().copied())
        .collect();
    let mut volume_names = HashSet::new();
    for (i, volume) in items(spec, "volumes") {
        if let Some(name) = name_of(volume)
            && !volume_names.insert(name)
        {
            let pointer = format!("{base}/volumes/{i}/name");
            let field = out.field(&pointer);
            out.push(
                DUPLICATE_NAME,
                pointer,
                format!("`{field}`: the volume name `{name}` is used twice"),
                Some("give each volume of the pod its own name"),
            );
        }
    }
    for list in CONTAINER_LISTS {
        for (i, container) in items(spec, list) {
            let at = format!("{base}/{list}/{i}");
            if let Some(name) = name_of(container)
                && !container_names.insert(name)
            {
                let pointer = format!("{at}/name");
                let field = out.field(&pointer);
                out.push(
                    DUPLICATE_NAME,
                    pointer,
                    format!("`{field}`: the container name `{name}` is used twice in the pod"),
                    Some(
                        "give each container, init container and ephemeral container its own name",
                    ),
                );
            }
            check_container_ports(out, container, &at);
            check_mounts(out, container, &at, &volumes);
            check_handlers(out, container, &at);
        }
    }
    for (i, constraint) in items(spec, "topologySpreadConstraints") {
        for key in ["maxSkew", "minDomains"] {
            if let Some(n) = constraint.get(key).and_then(Value::as_i64)
                && n < 1
            {
                let pointer = format!("{base}/topologySpreadConstraints/{i}/{key}");
                let field = out.field(&pointer);
                out.push(
                    INVALID_VALUE,
                    pointer,
                    format!("`{field}` must be at least 1, got {n}"),
                    None,
                );
            }
        }
    }
}

fn check_port_number(out: &mut Out<'_>, value: &Value, pointer: String, zero_allowed: bool) {
    let Some(n) = value.as_i64() else {
        return;
    };
    // Out of the 32-bit range, the schema's own finding says it.
    if (zero_allowed && n == 0) || (1..=65535).contains(&n) || i32::try_from(n).is_err() {
        return;
    }
    let field = out.field(&pointer);
    out.push(
        INVALID_PORT,
        pointer,
        format!("`{field}` must be a port number between 1 and 65535, got {n}"),
        None,
    );
}

/// Why `name` is not an IANA service name (`IsValidPortName`), if it is not.
pub(crate) fn port_name_error(name: &str) -> Option<&'static str> {
    if name.len() > 15 {
        Some("it is longer than 15 characters")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some("only lowercase letters, digits and `-` are allowed")
    } else if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        Some("it must contain at least one letter")
    } else if name.contains("--") {
        Some("it must not contain `--`")
    } else if name.starts_with('-') || name.ends_with('-') {
        Some("it must not start or end with `-`")
    } else {
        None
    }
}

fn dns1123_label_error(name: &str) -> Option<&'static str> {
    if name.len() > 63 {
        Some("it is longer than 63 characters")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some("only lowercase letters, digits and `-` are allowed")
    } else if name.starts_with('-') || name.ends_with('-') {
        Some("it must start and end with a letter or digit")
    } else {
        None
    }
}

fn check_container_ports(out: &mut Out<'_>, container: &Value, at: &str) {
    let mut names = HashSet::new();
    for (j, port) in items(container, "ports") {
        let here = format!("{at}/ports/{j}");
        if let Some(n) = port.get("containerPort") {
            check_port_number(out, n, format!("{here}/containerPort"), false);
        }
        if let Some(n) = port.get("hostPort") {
            check_port_number(out, n, format!("{here}/hostPort"), true);
        }
        let Some(name) = name_of(port) else {
            continue;
        };
        let pointer = format!("{here}/name");
        if let Some(why) = port_name_error(name) {
            let field = out.field(&pointer);
            out.push(
                INVALID_PORT,
                pointer,
                format!("`{field}`: `{name}` is not a valid port name: {why}"),
                Some("use an IANA service name such as `http`, `metrics` or `grpc-web` (at most 15 characters)"),
            );
        } else if !names.insert(name) {
            let field = out.field(&pointer);
            out.push(
                DUPLICATE_NAME,
                pointer,
                format!("`{field}`: the port name `{name}` is used twice in this container"),
                Some("give each port of the container its own name"),
            );
        }
    }
}

fn check_mounts(out: &mut Out<'_>, container: &Value, at: &str, volumes: &HashSet<&str>) {
    for list in ["volumeMounts", "volumeDevices"] {
        for (j, mount) in items(container, list) {
            let Some(name) = name_of(mount) else {
                continue;
            };
            if volumes.contains(name) {
                continue;
            }
            let pointer = format!("{at}/{list}/{j}/name");
            let field = out.field(&pointer);
            out.push(
                UNKNOWN_VOLUME,
                pointer,
                format!("`{field}`: the pod has no volume named `{name}`"),
                Some("add the volume to the pod's `volumes`, or correct the name"),
            );
        }
    }
}

fn check_handlers(out: &mut Out<'_>, container: &Value, at: &str) {
    const PROBE: &[&str] = &["exec", "httpGet", "tcpSocket", "grpc"];
    const HOOK: &[&str] = &["exec", "httpGet", "tcpSocket", "sleep"];
    let mut places: Vec<(String, &Value, &[&str])> = Vec::new();
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = container.get(probe).filter(|p| p.is_object()) {
            places.push((format!("{at}/{probe}"), p, PROBE));
        }
    }
    for hook in ["postStart", "preStop"] {
        if let Some(h) = container
            .get("lifecycle")
            .and_then(|l| l.get(hook))
            .filter(|h| h.is_object())
        {
            places.push((format!("{at}/lifecycle/{hook}"), h, HOOK));
        }
    }
    for (pointer, handler, kinds) in places {
        let set: Vec<&str> = kinds
            .iter()
            .copied()
            .filter(|k| handler.get(*k).is_some_and(|v| !v.is_null()))
            .collect();
        let field = out.field(&pointer);
        let options = kinds
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        match set.len() {
            1 => {}
            0 => out.push(
                PROBE_HANDLER,
                pointer,
                format!("`{field}` must specify a handler type"),
                Some(&format!("set exactly one of {options}")),
            ),
            _ => {
                let pointer = format!("{pointer}/{}", escape(set[1]));
                out.push(
                    PROBE_HANDLER,
                    pointer,
                    format!(
                        "`{field}` may not specify more than one handler type (it sets {})",
                        set.iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                    Some(&format!("keep exactly one of {options}")),
                )
            }
        }
    }
}

fn check_restart_policy(out: &mut Out<'_>, spec: &Value, base: &str, kind: &str, allowed: &[&str]) {
    let policy = spec
        .get("restartPolicy")
        .and_then(Value::as_str)
        .unwrap_or("");
    let effective = if policy.is_empty() && allowed.contains(&"Always") {
        "Always"
    } else {
        policy
    };
    if allowed.contains(&effective) {
        return;
    }
    let options = allowed
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(" or ");
    if policy.is_empty() {
        let field = out.field(base);
        out.push(
            RESTART_POLICY,
            base.to_owned(),
            format!("`{field}.restartPolicy` is required in a {kind}: {options}"),
            Some(&format!("set `restartPolicy` to {options}")),
        );
        return;
    }
    let pointer = format!("{base}/restartPolicy");
    let field = out.field(&pointer);
    out.push(
        RESTART_POLICY,
        pointer,
        format!("`{field}` must be {options} in a {kind}, got `{policy}`"),
        Some(&format!("set it to {options}")),
    );
}

fn check_service(out: &mut Out<'_>) {
    let object = out.object;
    let Some(spec) = object.get("spec") else {
        return;
    };
    let ports: Vec<(usize, &Value)> = items(spec, "ports").collect();
    let mut names = HashSet::new();
    for (i, port) in &ports {
        let here = format!("/spec/ports/{i}");
        if let Some(n) = port.get("port") {
            check_port_number(out, n, format!("{here}/port"), false);
        }
        if let Some(n) = port.get("nodePort") {
            check_port_number(out, n, format!("{here}/nodePort"), true);
        }
        match port.get("targetPort") {
            Some(Value::String(name)) => {
                if let Some(why) = port_name_error(name) {
                    let pointer = format!("{here}/targetPort");
                    let field = out.field(&pointer);
                    out.push(
                        INVALID_PORT,
                        pointer,
                        format!("`{field}`: `{name}` is not a valid port name: {why}"),
                        Some("name a container port (an IANA service name) or give a number"),
                    );
                }
            }
            Some(n) => check_port_number(out, n, format!("{here}/targetPort"), true),
            None => {}
        }
        let pointer = format!("{here}/name");
        match name_of(port) {
            None if ports.len() > 1 => {
                let field = out.field(&format!("/spec/ports/{i}"));
                out.push(
                    INVALID_PORT,
                    format!("/spec/ports/{i}"),
                    format!("`{field}.name` is required when a Service has more than one port"),
                    Some("name every port of the Service"),
                );
            }
            None => {}
            Some(name) => {
                if let Some(why) = dns1123_label_error(name) {
                    let field = out.field(&pointer);
                    out.push(
                        INVALID_PORT,
                        pointer,
                        format!("`{field}`: `{name}` is not a valid Service port name: {why}"),
                        None,
                    );
                } else if !names.insert(name) {
                    let field = out.field(&pointer);
                    out.push(
                        DUPLICATE_NAME,
                        pointer,
                        format!("`{field}`: the port name `{name}` is used twice in this Service"),
                        Some("give each port of the Service its own name"),
                    );
                }
            }
        }
    }
}

fn check_hpa(out: &mut Out<'_>) {
    let object = out.object;
    let min = object.pointer("/spec/minReplicas").and_then(Value::as_i64);
    let max = object.pointer("/spec/maxReplicas").and_then(Value::as_i64);
    if let Some(m) = min.filter(|m| *m < 1) {
        let field = out.field("/spec/minReplicas");
        out.push(
            INVALID_VALUE,
            "/spec/minReplicas".into(),
            format!("`{field}` must be at least 1, got {m}"),
            None,
        );
    }
    if let Some(m) = max
        && (m < 1 || m < min.unwrap_or(1))
    {
        let field = out.field("/spec/maxReplicas");
        out.push(
            INVALID_VALUE,
            "/spec/maxReplicas".into(),
            format!(
                "`{field}` must be at least 1 and at least `minReplicas` ({}), got {m}",
                min.unwrap_or(1)
            ),
            None,
        );
    }
}

fn check_pdb(out: &mut Out<'_>) {
    let object = out.object;
    let set = |f: &str| {
        object
            .pointer(&format!("/spec/{f}"))
            .filter(|v| !v.is_null())
    };
    if set("minAvailable").is_some() && set("maxUnavailable").is_some() {
        out.push(
            INVALID_VALUE,
            "/spec/maxUnavailable".into(),
            "`minAvailable` and `maxUnavailable` cannot both be set".into(),
            Some("keep one of them: a budget is either a floor of available pods or a ceiling of unavailable ones"),
        );
    }
    for key in ["minAvailable", "maxUnavailable"] {
        let Some(value) = set(key) else { continue };
        let pointer = format!("/spec/{key}");
        let problem = match value {
            Value::Number(n) => n
                .as_i64()
                .filter(|n| *n < 0)
                .map(|n| format!("must not be negative, got {n}")),
            Value::String(text) => match text.strip_suffix('%') {
                Some(digits)
                    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    digits
                        .parse::<u64>()
                        .map_or(true, |p| p > 100)
                        .then(|| format!("must not be greater than 100%, got `{text}`"))
                }
                _ => Some(format!(
                    "must be an integer or a percentage such as `50%`, got `{text}`"
                )),
            },
            _ => None,
        };
        if let Some(problem) = problem {
            let field = out.field(&pointer);
            out.push(INVALID_VALUE, pointer, format!("`{field}` {problem}"), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_names_follow_iana_service_names() {
        for good in [
            "http",
            "metrics",
            "grpc-web",
            "h2c",
            "a1",
            "abcdefghijklmno",
        ] {
            assert_eq!(port_name_error(good), None, "{good}");
        }
        for bad in [
            "HTTP",
            "8080",
            "http--alt",
            "-http",
            "http-",
            "abcdefghijklmnop",
            "my_port",
            "",
        ] {
            assert!(port_name_error(bad).is_some(), "{bad}");
        }
    }
}
