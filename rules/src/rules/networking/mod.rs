//! Rules about Services, Ingresses and NetworkPolicies.

pub(crate) mod ingress_backend_not_found;
pub(crate) mod missing_network_policy;
pub(crate) mod network_policy_selects_nothing;
pub(crate) mod nodeport_out_of_range;
pub(crate) mod nodeport_service;
pub(crate) mod service_selector_matches_nothing;
pub(crate) mod service_target_port_not_found;
