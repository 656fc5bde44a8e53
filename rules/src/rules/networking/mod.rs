//! Rules about Services, Ingresses and NetworkPolicies.

pub(crate) mod gateway_reference_not_granted;
pub(crate) mod ingress_backend_not_found;
pub(crate) mod ingress_missing_tls;
pub(crate) mod missing_network_policy;
pub(crate) mod network_policy_peer_selects_nothing;
pub(crate) mod network_policy_selects_nothing;
pub(crate) mod nodeport_out_of_range;
pub(crate) mod nodeport_service;
pub(crate) mod service_selector_matches_nothing;
pub(crate) mod service_target_port_not_found;

use serde_json::Map;

use crate::rules::*;

/// The `spec` of a core `Service`: `None` for any other object, and for a Service whose
/// `spec` is not a mapping.
fn service_spec<'o>(cx: &Ctx<'_, 'o>) -> Option<&'o Map<String, Value>> {
    if cx.object.kind() != "Service" || !cx.object.group().is_empty() {
        return None;
    }
    cx.object.value.get("spec")?.as_object()
}
