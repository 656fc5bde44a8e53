//! Rules about names, labels, namespaces and duplicates.

pub(crate) mod app_label_mismatch;
pub(crate) mod deprecated_service_account_field;
pub(crate) mod duplicate_env_var;
pub(crate) mod duplicate_object;
pub(crate) mod invalid_label;
pub(crate) mod invalid_name;
pub(crate) mod missing_namespace;
