//! The rules, one file each, grouped by category.

pub(crate) mod metadata;
pub(crate) mod networking;
pub(crate) mod rbac;
pub(crate) mod reliability;
pub(crate) mod resources;
pub(crate) mod security;

use serde::Deserialize;

/// The options of a rule that has none: any key is an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoOptions {}

pub(crate) use crate::set::{Check, Ctx};
pub(crate) use plimsoll_core::Diagnostic;
pub(crate) use serde_json::Value;
