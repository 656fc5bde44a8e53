//! The part of the user's configuration that concerns rules, and its errors.

use std::collections::BTreeMap;

use plimsoll_core::Severity;
use serde::{Deserialize, Deserializer};

/// The settings of one rule under `rules:` in `.plimsoll.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSettings {
    /// Turns the rule on or off, whatever its default.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Replaces the rule's default severity (`error`, `warning`, `info`).
    #[serde(default, deserialize_with = "deserialize_severity")]
    pub severity: Option<Severity>,
    /// The rule's options, checked against its typed options when the rule set is built.
    #[serde(default)]
    pub options: Option<serde_json::Value>,
}

/// Reads an optional severity (`error`, `warning` or `warn`, `info`) with a clear error.
pub fn deserialize_severity<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Severity>, D::Error> {
    let text: Option<String> = Option::deserialize(deserializer)?;
    match text {
        None => Ok(None),
        Some(text) => Severity::parse(&text).map(Some).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown severity `{text}`, expected `error`, `warning` or `info`"
            ))
        }),
    }
}

/// A kind whose objects carry a pod template, and where: `{ apiVersion, kind, pointer }`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PodTemplatePath {
    /// `group/version` or just `group/`-less `version`; any version of the group matches when
    /// it is left out, and any group matches when the whole field is left out.
    #[serde(default)]
    pub api_version: Option<String>,
    pub kind: String,
    /// RFC 6901 pointer to the pod spec (not the template), e.g. `/spec/template/spec`.
    pub pointer: String,
}

/// Everything that decides which rules run and how.
#[derive(Clone, Debug, Default)]
pub struct RulesConfig {
    /// Per-rule settings from the configuration file, by rule id.
    pub rules: BTreeMap<String, RuleSettings>,
    /// `--enable ID`: turn these on (opt-in rules included).
    pub enable: Vec<String>,
    /// `--disable ID`: turn these off; wins over `enable`.
    pub disable: Vec<String>,
    /// `--only ID`: run these rules and no other, opt-in or not.
    pub only: Vec<String>,
    /// Custom workload kinds and where their pod spec is.
    pub pod_template_paths: Vec<PodTemplatePath>,
}

/// Why a rule set could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleConfigError {
    #[error("unknown rule `{id}` in {origin}{}", suggestion(.similar))]
    UnknownRule {
        id: String,
        /// Where the id was given: `rules`, `--enable`, `--disable` or `--only`.
        origin: &'static str,
        similar: Option<&'static str>,
    },
    #[error("invalid options for rule `{rule}`: {message}")]
    InvalidOptions { rule: &'static str, message: String },
    #[error("invalid pod template path for kind `{kind}`: {message}")]
    InvalidPodTemplatePath { kind: String, message: String },
}

fn suggestion(similar: &Option<&'static str>) -> String {
    match similar {
        Some(id) => format!(" (did you mean `{id}`?)"),
        None => String::new(),
    }
}

impl RuleConfigError {
    /// The rule the error is about, when there is one.
    pub fn rule(&self) -> Option<&str> {
        match self {
            RuleConfigError::UnknownRule { id, .. } => Some(id),
            RuleConfigError::InvalidOptions { rule, .. } => Some(rule),
            RuleConfigError::InvalidPodTemplatePath { .. } => None,
        }
    }
}
