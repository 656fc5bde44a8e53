//! Findings: what every stage produces and every front end renders.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::source::{LineCol, Source, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The object a finding is about.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl ObjectRef {
    /// `namespace/Kind/name`, the way users search for an object.
    pub fn display_name(&self) -> String {
        let name = self.name.as_deref().unwrap_or("<unnamed>");
        let kind = if self.kind.is_empty() {
            "<no kind>"
        } else {
            &self.kind
        };
        match &self.namespace {
            Some(ns) => format!("{ns}/{kind}/{name}"),
            None => format!("{kind}/{name}"),
        }
    }
}

/// Where a finding is, in a file.
#[derive(Clone, Debug)]
pub struct Location {
    pub source: Arc<Source>,
    pub span: Span,
    /// The Helm template that produced the document (`# Source:` comment), if any.
    pub template: Option<Arc<str>>,
}

impl Location {
    pub fn start(&self) -> LineCol {
        self.source.line_col(self.span.start as usize)
    }

    /// The position just after the last character of the span.
    pub fn end(&self) -> LineCol {
        self.source.line_col(self.span.end as usize)
    }

    pub fn file(&self) -> &str {
        self.source.name()
    }
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Stable, kebab-case rule id (`yaml-duplicate-key`, `latest-image-tag`, `main.deny`).
    pub rule: Cow<'static, str>,
    pub severity: Severity,
    /// What is wrong, naming the object, field and value.
    pub message: String,
    /// What to do, as an imperative sentence (most are fixed texts, kept without a copy).
    pub help: Option<Cow<'static, str>>,
    /// Why, when it is not obvious.
    pub note: Option<Cow<'static, str>>,
    /// Shared by the findings of one object (see [`share_objects`]).
    pub object: Option<Arc<ObjectRef>>,
    /// RFC 6901 pointer into the object.
    pub pointer: Option<Box<str>>,
    pub location: Option<Location>,
    /// Extra fields carried into machine output (policy results).
    pub extra: Option<Box<serde_json::Map<String, serde_json::Value>>>,
    /// Other places that explain the finding: the first copy of a duplicate, the values key
    /// that set a rendered value, the chain of builds that produced the object.
    pub related: Vec<Related>,
}

/// A secondary place for a finding, with what it is (`set by values.yaml`, `via overlays/prod`).
#[derive(Clone, Debug)]
pub struct Related {
    pub message: String,
    pub location: Option<Location>,
}

impl Diagnostic {
    pub fn new(
        rule: impl Into<Cow<'static, str>>,
        severity: Severity,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            rule: rule.into(),
            severity,
            message: message.into(),
            help: None,
            note: None,
            object: None,
            pointer: None,
            location: None,
            extra: None,
            related: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<Cow<'static, str>>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<Cow<'static, str>>) -> Diagnostic {
        self.note = Some(note.into());
        self
    }

    pub fn with_location(mut self, location: Location) -> Diagnostic {
        self.location = Some(location);
        self
    }

    pub fn at(mut self, source: &Arc<Source>, span: Span) -> Diagnostic {
        self.location = Some(Location {
            source: source.clone(),
            span,
            template: None,
        });
        self
    }

    pub fn with_object(mut self, object: impl Into<Arc<ObjectRef>>) -> Diagnostic {
        self.object = Some(object.into());
        self
    }

    pub fn with_pointer(mut self, pointer: impl Into<String>) -> Diagnostic {
        self.pointer = Some(pointer.into().into_boxed_str());
        self
    }

    /// The order of output: file, position, rule id, message.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        match &self.location {
            Some(loc) => (
                loc.source.name(),
                loc.span.start,
                loc.span.end,
                &self.rule,
                &self.message,
            ),
            None => ("", 0, 0, &self.rule, &self.message),
        }
    }
}

/// Let findings about the same object share one copy of its identity: a run keeps every
/// finding to its end, and most objects have several. Findings of one object usually come
/// together, so the last few identities seen are enough to find most copies.
pub fn share_objects(diagnostics: &mut [Diagnostic]) {
    const RECENT: usize = 8;
    let mut recent: Vec<Arc<ObjectRef>> = Vec::with_capacity(RECENT);
    for d in diagnostics {
        let Some(object) = &mut d.object else {
            continue;
        };
        if let Some(seen) = recent.iter().find(|r| **r == *object) {
            if !Arc::ptr_eq(seen, object) {
                *object = seen.clone();
            }
            continue;
        }
        if recent.len() == RECENT {
            recent.remove(0);
        }
        recent.push(object.clone());
    }
}

/// Sort diagnostics into the deterministic output order.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(compare_diagnostics);
}

/// The deterministic output order, for callers that sort with a stable sort of their own
/// (a parallel one gives the same order).
pub fn compare_diagnostics(a: &Diagnostic, b: &Diagnostic) -> std::cmp::Ordering {
    a.sort_key().cmp(&b.sort_key()).then_with(|| {
        let ka = a.object.as_deref().map(ObjectRef::display_name);
        let kb = b.object.as_deref().map(ObjectRef::display_name);
        ka.cmp(&kb)
    })
}
