//! Rules about the compute resources containers ask for.

pub(crate) mod missing_cpu_limit;
pub(crate) mod missing_cpu_request;
pub(crate) mod missing_ephemeral_storage_limit;
pub(crate) mod missing_ephemeral_storage_request;
pub(crate) mod missing_memory_limit;
pub(crate) mod missing_memory_request;
pub(crate) mod missing_resources;
pub(crate) mod request_below_limit;
pub(crate) mod request_exceeds_limit;

use crate::rules::*;

/// Reports the main and init containers (ephemeral containers take no resources) that do
/// not set `resources.<section>.<resource>`. A missing request is not reported when the
/// limit is set: the API server then defaults the request to the limit.
fn report_missing(
    cx: &Ctx<'_, '_>,
    out: &mut Vec<Diagnostic>,
    section: &str,
    resource: &str,
    what: &str,
    help: &'static str,
) {
    let Some(pod) = cx.pod else { return };
    for c in pod.regular_containers() {
        let set = |s: &str| {
            c.get(&format!("/resources/{s}/{resource}"))
                .is_some_and(|v| !v.is_null())
        };
        if set(section) || (section == "requests" && set("limits")) {
            continue;
        }
        out.push(
            cx.missing(
                &c.at(&format!("/resources/{section}/{resource}")),
                &c.at("/name"),
                format!("{} has no {what}", c.describe()),
            )
            .with_help(help),
        );
    }
}

/// The per-field rules that `missing-resources` stands for on a container without any
/// `resources`: where it fires, their findings are dropped ([`crate::RuleSet::check`]).
pub(crate) const FIELD_RULES: &[&str] = &[
    "missing-cpu-request",
    "missing-memory-request",
    "missing-memory-limit",
    "missing-cpu-limit",
    "missing-ephemeral-storage-limit",
];

/// Whether a container has no `resources` at all: absent, `null` or `{}`.
fn has_no_resources(c: &crate::pod::Container<'_>) -> bool {
    match c.get("/resources") {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::Object(map)) => map.is_empty(),
        Some(_) => false,
    }
}
