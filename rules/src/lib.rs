//! The built-in rules of plimsoll: the checks that run on every loaded object after schema
//! validation, each with its documentation, metadata, typed options and fixtures.
//!
//! A rule is one file under `src/rules/<category>/`, declared with `declare_rule!` (its doc
//! comment becomes [`RuleInfo::docs`], the text `plimsoll explain` prints) and listed on one
//! line of [`registry`]. The engine turns the user's configuration into a [`RulesConfig`];
//! [`RuleSet::new`] validates it once (unknown ids, options, custom pod-template paths) and
//! compiles each enabled rule's options. [`RuleSet::check`] then takes every object of the run,
//! builds an [`index`] of them once (so rules about Services, PodDisruptionBudgets or
//! NetworkPolicies see the workloads of other files), finds each object's pod template with
//! [`pod`], and runs the rules over the objects in parallel. Every finding is a
//! `plimsoll_core::Diagnostic` made by `Object::diagnostic`, so it carries the object's
//! identity, a JSON pointer and a source location.
//!
//! [`facts`] reads, once per object, what the rules across objects read of it (identity, pod
//! labels, selectors, references, and where each finding would point) into a record of a few
//! hundred bytes, with strings interned run-wide: the index and those rules are to read these
//! instead of values, so that a run can drop values and span trees before that stage.
//!
//! [`equivalent`] maps the check names of kube-linter, Polaris and kube-score to rule ids, so
//! that their suppression annotations keep working; [`docs`] renders the rule pages.

#[macro_use]
mod declare;
mod config;
pub mod docs;
pub mod equivalent;
pub mod facts;
pub mod index;
mod info;
pub mod pod;
pub mod registry;
mod related;
mod rules;
mod set;
pub mod util;

pub use config::{
    PodTemplatePath, RuleConfigError, RuleSettings, RulesConfig, deserialize_severity,
};
pub use docs::{rule_markdown, rules_markdown_index};
pub use equivalent::{Tool, equivalent_rule, equivalent_rules};
pub use info::{Category, RuleInfo};
pub use registry::{PROFILES, all_rules, in_profile, rule_info};
pub use set::{READS_ONLY_FACTS, RuleSet};
