//! From findings to an admission decision: enforcement per rule, `failOn`, audit mode, and
//! the limits of `status.message` and `warnings`.

use std::collections::BTreeMap;

use plimsoll_core::{Diagnostic, Severity};
use plimsoll_engine::admission::{Enforcement, Exemptions, field_path};

use crate::review::{Answer, Request};

/// Whether denials are answered (`enforce`) or only logged and counted (`audit`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Enforce,
    Audit,
}

/// A warning should fit a terminal line; the API server cuts longer ones.
pub const WARNING_AIM: usize = 120;
/// No single warning is longer than this.
pub const WARNING_MAX: usize = 256;
/// All warnings together stay within this many bytes.
pub const WARNINGS_TOTAL: usize = 4096;
/// At most this many findings are listed in `status.message`.
const MESSAGE_FINDINGS: usize = 32;

/// What decides the answer.
#[derive(Clone, Debug)]
pub struct Rules {
    pub fail_on: Severity,
    pub mode: Mode,
    pub enforcement: BTreeMap<String, Enforcement>,
}

/// The decision on one review, with the rule ids for logs and metrics.
#[derive(Debug, Default)]
pub struct Decision {
    pub answer: Answer,
    /// Rules whose findings denied the request (or would have, in audit mode).
    pub denied_by: Vec<String>,
    pub warned_by: Vec<String>,
    pub audited: Vec<String>,
}

impl Decision {
    /// An answer that allows, with nothing to say.
    pub fn default_allowed() -> Decision {
        let mut decision = Decision::default();
        decision.answer.allowed = true;
        decision
    }
}

/// Whether a request is exempt from checking.
pub fn exempt(exemptions: &Exemptions, request: &Request) -> bool {
    request
        .namespace
        .as_ref()
        .is_some_and(|n| exemptions.namespaces.contains(n))
        || request
            .username
            .as_ref()
            .is_some_and(|u| exemptions.usernames.contains(u))
        || request.groups.iter().any(|g| exemptions.groups.contains(g))
}

/// `rule-id: field.path: message`.
fn line(d: &Diagnostic) -> String {
    let path = d.pointer.as_deref().map(field_path).unwrap_or_default();
    let message = d.message.replace('\n', " ");
    if path.is_empty() {
        format!("{}: {message}", d.rule)
    } else {
        format!("{}: {path}: {message}", d.rule)
    }
}

/// Cuts `text` to at most `max` bytes, on a character boundary, marking the cut.
fn cut(mut text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push('…');
    text
}

/// Warnings within the limits: one per finding, each at most [`WARNING_MAX`] bytes, all
/// together at most [`WARNINGS_TOTAL`], the last saying how many were left out.
pub fn warnings(lines: Vec<String>) -> Vec<String> {
    let total = lines.len();
    let mut out = Vec::new();
    let mut used = 0;
    for (i, line) in lines.into_iter().enumerate() {
        let line = cut(line, WARNING_MAX);
        let left_after = total - i - 1;
        // Keep room for the closing "and N more" unless this is the last line.
        let reserve = if left_after > 0 { 32 } else { 0 };
        if used + line.len() + reserve > WARNINGS_TOTAL {
            out.push(format!("and {} more", total - i));
            return out;
        }
        used += line.len();
        out.push(line);
    }
    out
}

fn push_unique(list: &mut Vec<String>, id: &str) {
    if !list.iter().any(|x| x == id) {
        list.push(id.to_owned());
    }
}

/// Decides on the findings of a review.
pub fn decide(rules: &Rules, diagnostics: &[Diagnostic]) -> Decision {
    let mut decision = Decision::default();
    let mut denials = Vec::new();
    let mut warns = Vec::new();
    for d in diagnostics {
        let enforcement = match rules.enforcement.get(d.rule.as_ref()) {
            Some(e) => *e,
            None if d.severity >= rules.fail_on => Enforcement::Deny,
            None if d.severity >= Severity::Warning => Enforcement::Warn,
            // Info findings stay out of answers; the logs name them.
            None => Enforcement::Audit,
        };
        match (enforcement, rules.mode) {
            (Enforcement::Deny, Mode::Enforce) => {
                push_unique(&mut decision.denied_by, &d.rule);
                denials.push(line(d));
            }
            (Enforcement::Deny, Mode::Audit) => {
                push_unique(&mut decision.denied_by, &d.rule);
                push_unique(&mut decision.audited, &d.rule);
            }
            (Enforcement::Warn, _) => {
                push_unique(&mut decision.warned_by, &d.rule);
                warns.push(line(d));
            }
            (Enforcement::Audit, _) => push_unique(&mut decision.audited, &d.rule),
        }
    }
    decision.answer.allowed = denials.is_empty();
    if !denials.is_empty() {
        let count = denials.len();
        let mut message = format!(
            "plimsoll found {count} problem{}:",
            if count == 1 { "" } else { "s" }
        );
        for l in denials.iter().take(MESSAGE_FINDINGS) {
            message.push_str("\n- ");
            message.push_str(&cut(l.clone(), 1024));
        }
        if count > MESSAGE_FINDINGS {
            message.push_str(&format!("\n- and {} more", count - MESSAGE_FINDINGS));
        }
        decision.answer.message = Some(message);
    }
    decision.answer.warnings = warnings(warns);
    decision
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &'static str, severity: Severity) -> Diagnostic {
        Diagnostic::new(rule, severity, "container `web` has a problem")
            .with_pointer("/spec/template/spec/containers/0/image")
    }

    fn rules(mode: Mode) -> Rules {
        Rules {
            fail_on: Severity::Error,
            mode,
            enforcement: BTreeMap::new(),
        }
    }

    #[test]
    fn errors_deny_and_warnings_warn() {
        let d = decide(
            &rules(Mode::Enforce),
            &[
                finding("a-rule", Severity::Error),
                finding("b-rule", Severity::Warning),
                finding("c-rule", Severity::Info),
            ],
        );
        assert!(!d.answer.allowed);
        let message = d.answer.message.unwrap();
        assert_eq!(
            message,
            "plimsoll found 1 problem:\n- a-rule: spec.template.spec.containers[0].image: container `web` has a problem"
        );
        assert_eq!(
            d.answer.warnings,
            ["b-rule: spec.template.spec.containers[0].image: container `web` has a problem"]
        );
        assert_eq!(d.audited, ["c-rule"]);
    }

    #[test]
    fn enforcement_and_audit_mode() {
        let mut r = rules(Mode::Enforce);
        r.enforcement.insert("a-rule".into(), Enforcement::Warn);
        r.enforcement.insert("b-rule".into(), Enforcement::Deny);
        let found = [
            finding("a-rule", Severity::Error),
            finding("b-rule", Severity::Warning),
        ];
        let d = decide(&r, &found);
        assert!(!d.answer.allowed);
        assert_eq!(d.denied_by, ["b-rule"]);
        assert_eq!(d.warned_by, ["a-rule"]);
        r.mode = Mode::Audit;
        let d = decide(&r, &found);
        assert!(d.answer.allowed);
        assert_eq!(d.denied_by, ["b-rule"]);
        assert_eq!(d.audited, ["b-rule"]);
    }

    #[test]
    fn warnings_stay_within_limits() {
        let lines: Vec<String> = (0..100)
            .map(|i| format!("r{i}: {}", "x".repeat(300)))
            .collect();
        let out = warnings(lines);
        assert!(out.iter().all(|w| w.len() <= WARNING_MAX));
        assert!(out.iter().map(String::len).sum::<usize>() <= WARNINGS_TOTAL);
        let last = out.last().unwrap();
        assert_eq!(last, &format!("and {} more", 100 - (out.len() - 1)));
        assert_eq!(warnings(vec!["short".into()]), ["short"]);
    }
}
