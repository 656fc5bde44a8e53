//! Baselines: the findings a team has accepted for now, so that a gate fails only on new ones.
//!
//! A finding is identified by its [`fingerprint`]: the rule id, the identity of the object
//! (API group, kind, namespace, name) and the JSON pointer into it. Line numbers, file
//! names and messages are left out on purpose, so that a fingerprint survives unrelated
//! edits, moving an object to another file, and rewording a message. Findings without an
//! object (a file that does not parse) fall back to the file name. Two findings with the
//! same fingerprint are counted, and a baseline accepts as many of them as it recorded.
//!
//! SARIF's `partialFingerprints` use the same function, so that code scanning and
//! baselines agree on what "the same finding" means.

use std::collections::BTreeMap;

use plimsoll_core::Diagnostic;
use serde_json::{Map, Value, json};

/// The version of the baseline file format.
pub const VERSION: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("not a plimsoll baseline: {0}")]
    Invalid(String),
    #[error("baseline version {found} is not supported (this plimsoll reads version {VERSION})")]
    Version { found: u64 },
}

/// A stable, 32-hex-digit identity of a finding.
pub fn fingerprint(diagnostic: &Diagnostic) -> String {
    let mut parts: Vec<&str> = vec!["plimsoll-finding/1", &diagnostic.rule];
    // A finding on a kustomize build: the object as its file has it, not the names overlays
    // give it, so that adding an overlay keeps fingerprints.
    let origin = diagnostic
        .extra
        .as_ref()
        .and_then(|e| e.get(crate::kustomize::ORIGIN_KEY));
    let text = |key: &str| {
        origin
            .and_then(|o| o.get(key))
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
    };
    match &diagnostic.object {
        Some(_) if origin.is_some() => {
            parts.push("origin");
            parts.push(text("file"));
            parts.push(text("kind"));
            parts.push(text("namespace"));
            parts.push(text("name"));
        }
        Some(object) => {
            parts.push("object");
            parts.push(api_group(&object.api_version));
            parts.push(&object.kind);
            parts.push(object.namespace.as_deref().unwrap_or(""));
            parts.push(object.name.as_deref().unwrap_or(""));
        }
        None => {
            parts.push("file");
            parts.push(diagnostic.location.as_ref().map_or("", |l| l.file()));
        }
    }
    parts.push(diagnostic.pointer.as_deref().unwrap_or(""));
    // Each part is followed by a separator that cannot occur in it, so that
    // ("ab", "c") and ("a", "bc") differ.
    let mut bytes = Vec::new();
    for part in parts {
        bytes.extend_from_slice(part.as_bytes());
        bytes.push(0);
    }
    format!(
        "{:016x}{:016x}",
        fnv1a(&bytes, 0xcbf2_9ce4_8422_2325),
        fnv1a(&bytes, 0x6c62_272e_07bb_0142)
    )
}

/// The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``): moving an object to a
/// newer version of the same API keeps its findings' identity.
fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// 64-bit FNV-1a: small, and stable across platforms and Rust versions, unlike the
/// standard library's hasher.
fn fnv1a(bytes: &[u8], offset_basis: u64) -> u64 {
    let mut hash = offset_basis;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// One fingerprint of a baseline, with what a reviewer needs to recognise it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    /// `namespace/Kind/name`, or the file name for findings without an object.
    pub subject: String,
    pub pointer: Option<String>,
    /// How many findings share this fingerprint.
    pub count: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Sorted by rule, subject, pointer, fingerprint, so that the file diffs well.
    pub entries: Vec<Entry>,
}

/// What applying a baseline did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Findings left out because the baseline accepts them.
    pub baselined: usize,
    /// Baseline entries (counting duplicates) that no finding matched any more.
    pub gone: usize,
}

impl Baseline {
    pub fn from_diagnostics(diagnostics: &[Diagnostic]) -> Baseline {
        let mut by_fingerprint: BTreeMap<String, Entry> = BTreeMap::new();
        for diagnostic in diagnostics {
            let fingerprint = fingerprint(diagnostic);
            by_fingerprint
                .entry(fingerprint.clone())
                .or_insert_with(|| Entry {
                    fingerprint,
                    rule: diagnostic.rule.to_string(),
                    subject: match &diagnostic.object {
                        Some(object) => object.display_name(),
                        None => diagnostic
                            .location
                            .as_ref()
                            .map_or_else(String::new, |l| l.file().to_owned()),
                    },
                    pointer: diagnostic.pointer.as_deref().map(str::to_owned),
                    count: 0,
                })
                .count += 1;
        }
        let mut entries: Vec<Entry> = by_fingerprint.into_values().collect();
        entries.sort_by(|a, b| {
            (&a.rule, &a.subject, &a.pointer, &a.fingerprint).cmp(&(
                &b.rule,
                &b.subject,
                &b.pointer,
                &b.fingerprint,
            ))
        });
        Baseline { entries }
    }

    /// The number of findings the baseline accepts.
    pub fn findings(&self) -> usize {
        self.entries.iter().map(|e| e.count).sum()
    }

    pub fn to_json(&self) -> String {
        let entries: Vec<Value> = self
            .entries
            .iter()
            .map(|e| {
                json!({
                    "fingerprint": e.fingerprint,
                    "rule": e.rule,
                    "subject": e.subject,
                    "pointer": e.pointer,
                    "count": e.count,
                })
            })
            .collect();
        let value = json!({
            "version": VERSION,
            "tool": "plimsoll",
            "entries": entries,
        });
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    }

    pub fn parse(text: &str) -> Result<Baseline, BaselineError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| BaselineError::Invalid(e.to_string()))?;
        let root = value
            .as_object()
            .ok_or_else(|| BaselineError::Invalid("expected a JSON object".into()))?;
        let version = root
            .get("version")
            .and_then(Value::as_u64)
            .ok_or_else(|| BaselineError::Invalid("missing `version`".into()))?;
        if version != VERSION {
            return Err(BaselineError::Version { found: version });
        }
        let list = root
            .get("entries")
            .and_then(Value::as_array)
            .ok_or_else(|| BaselineError::Invalid("missing `entries` array".into()))?;
        let mut entries = Vec::with_capacity(list.len());
        for (index, item) in list.iter().enumerate() {
            let empty = Map::new();
            let item = item.as_object().unwrap_or(&empty);
            let text = |key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
            let fingerprint = text("fingerprint").ok_or_else(|| {
                BaselineError::Invalid(format!("entry {index} has no `fingerprint`"))
            })?;
            let count = match item.get("count") {
                None => 1,
                Some(count) => count
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                        BaselineError::Invalid(format!(
                            "entry {index}: `count` must be a non-negative integer"
                        ))
                    })?,
            };
            entries.push(Entry {
                fingerprint,
                rule: text("rule").unwrap_or_default(),
                subject: text("subject").unwrap_or_default(),
                pointer: text("pointer"),
                count,
            });
        }
        Ok(Baseline { entries })
    }

    /// Removes from `diagnostics` the findings this baseline accepts, keeping the order of
    /// the rest. When a fingerprint occurs more often than recorded, the first ones (in
    /// output order) are taken as the baselined ones.
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>) -> Applied {
        let mut remaining: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in &self.entries {
            *remaining.entry(entry.fingerprint.as_str()).or_default() += entry.count;
        }
        let mut baselined = 0;
        diagnostics.retain(|d| match remaining.get_mut(fingerprint(d).as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                baselined += 1;
                false
            }
            _ => true,
        });
        Applied {
            baselined,
            gone: remaining.values().sum(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use plimsoll_core::{ObjectRef, Severity, Source, Span};
    use std::sync::Arc;

    fn finding(rule: &'static str, name: &str, pointer: &str, at: usize) -> Diagnostic {
        let source = Source::new("a.yaml", "kind: Deployment\nmetadata:\n  name: web\n");
        Diagnostic::new(rule, Severity::Error, format!("message at {at}"))
            .with_object(ObjectRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: Some("prod".into()),
                name: Some(name.into()),
            })
            .with_pointer(pointer)
            .at(&source, Span::new(at, at + 1))
    }

    #[test]
    fn fingerprint_ignores_position_message_and_api_version() {
        let a = finding("latest-image-tag", "web", "/spec/replicas", 3);
        let mut b = finding("latest-image-tag", "web", "/spec/replicas", 20);
        b.message = "reworded".into();
        if let Some(object) = &mut b.object {
            Arc::make_mut(object).api_version = "apps/v1beta2".into();
        }
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_eq!(fingerprint(&a).len(), 32);
    }

    #[test]
    fn fingerprint_depends_on_rule_object_and_pointer() {
        let base = fingerprint(&finding("r", "web", "/a", 0));
        assert_ne!(base, fingerprint(&finding("s", "web", "/a", 0)));
        assert_ne!(base, fingerprint(&finding("r", "api", "/a", 0)));
        assert_ne!(base, fingerprint(&finding("r", "web", "/b", 0)));
    }

    #[test]
    fn fingerprint_is_stable_across_releases() {
        // A changed value here breaks every committed baseline: bump the format instead.
        assert_eq!(
            fingerprint(&finding("r", "web", "/a", 0)),
            "965f923fb13f91a401db9137d501c70f"
        );
    }

    #[test]
    fn round_trip_and_apply_with_counts() {
        let findings = vec![
            finding("r", "web", "/a", 0),
            finding("r", "web", "/a", 5),
            finding("r", "api", "/a", 0),
        ];
        let baseline = Baseline::from_diagnostics(&findings);
        assert_eq!(baseline.entries.len(), 2);
        assert_eq!(baseline.findings(), 3);
        let parsed = Baseline::parse(&baseline.to_json()).unwrap();
        assert_eq!(parsed, baseline);

        // One more duplicate, one fixed, one new.
        let mut now = vec![
            finding("r", "web", "/a", 0),
            finding("r", "web", "/a", 5),
            finding("r", "web", "/a", 9),
            finding("r", "db", "/a", 0),
        ];
        let applied = parsed.apply(&mut now);
        assert_eq!(
            applied,
            Applied {
                baselined: 2,
                gone: 1
            }
        );
        assert_eq!(now.len(), 2);
        assert_eq!(now[0].location.as_ref().unwrap().span.start, 9);
        assert_eq!(now[1].object.as_ref().unwrap().name.as_deref(), Some("db"));
    }

    #[test]
    fn parse_rejects_other_versions_and_shapes() {
        assert!(matches!(
            Baseline::parse(r#"{"version": 2, "entries": []}"#),
            Err(BaselineError::Version { found: 2 })
        ));
        assert!(Baseline::parse("[]").is_err());
        assert!(Baseline::parse(r#"{"version": 1, "entries": [{}]}"#).is_err());
        assert!(Baseline::parse("not json").is_err());
    }
}
