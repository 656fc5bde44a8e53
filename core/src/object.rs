//! Kubernetes objects as loaded: the JSON value plus where each of its keys and values is.

use std::sync::Arc;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Location, ObjectRef, Severity};
use crate::origin::Provenance;
use crate::source::{Source, Span};
use crate::yaml::{Found, NodeId, SpanTree};

/// One Kubernetes object (a document, or an item of a `List`).
#[derive(Clone, Debug)]
pub struct Object {
    pub value: Value,
    pub source: Arc<Source>,
    pub tree: Arc<SpanTree>,
    pub root: NodeId,
    /// Zero-based index of the document in its file.
    pub document: usize,
    /// Index in the enclosing `List`, when the object is a list item.
    pub item: Option<usize>,
    /// The Helm template that produced the document (`# Source:` comment).
    pub template: Option<Arc<str>>,
    /// For an object that a tool built or rendered: where each value came from. `None` for an
    /// object read from a file as it is.
    pub provenance: Option<Arc<Provenance>>,
}

impl Object {
    pub fn api_version(&self) -> &str {
        self.str_at("apiVersion")
    }

    pub fn kind(&self) -> &str {
        self.str_at("kind")
    }

    /// `metadata.name`, or `metadata.generateName` when there is no name.
    pub fn name(&self) -> Option<&str> {
        let meta = self.value.get("metadata")?;
        meta.get("name")
            .and_then(Value::as_str)
            .or_else(|| meta.get("generateName").and_then(Value::as_str))
    }

    pub fn namespace(&self) -> Option<&str> {
        self.value.get("metadata")?.get("namespace")?.as_str()
    }

    /// The API group (`""` for the core group).
    pub fn group(&self) -> &str {
        match self.api_version().rsplit_once('/') {
            Some((group, _)) => group,
            None => "",
        }
    }

    fn str_at(&self, key: &str) -> &str {
        self.value.get(key).and_then(Value::as_str).unwrap_or("")
    }

    pub fn identity(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version().to_owned(),
            kind: self.kind().to_owned(),
            namespace: self.namespace().map(str::to_owned),
            name: self.name().map(str::to_owned),
        }
    }

    /// The key and value spans of the node at `pointer`, if it exists.
    pub fn find(&self, pointer: &str) -> Option<Found> {
        self.tree.lookup(self.root, &self.value, pointer)
    }

    pub fn value_span(&self, pointer: &str) -> Option<Span> {
        self.find(pointer).map(|f| f.value)
    }

    pub fn key_span(&self, pointer: &str) -> Option<Span> {
        self.find(pointer).and_then(|f| f.key)
    }

    /// The JSON pointer of the deepest key or value that covers byte `offset` (for the LSP's
    /// hover, and for placing YAML problems in their object).
    pub fn pointer_at(&self, offset: usize) -> String {
        let mut pointer = String::new();
        let mut node = self.root;
        let mut value = &self.value;
        loop {
            let children = self.tree.children(node);
            let step = children
                .iter()
                .enumerate()
                .find(|(_, e)| e.key.contains(offset) || self.tree.span(e.node).contains(offset));
            let Some((index, entry)) = step else {
                return pointer;
            };
            let next = match value {
                Value::Object(map) => map.iter().nth(index).map(|(k, v)| {
                    pointer.push('/');
                    pointer.push_str(&crate::yaml::escape_token(k));
                    v
                }),
                Value::Array(items) => items.get(index).inspect(|_| {
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                }),
                _ => None,
            };
            match next {
                Some(v) => {
                    value = v;
                    node = entry.node;
                }
                None => return pointer,
            }
        }
    }

    /// The span of the whole object.
    pub fn span(&self) -> Span {
        self.tree.span(self.root)
    }

    /// Where to point for a finding about `pointer`: the value when it exists; for a missing
    /// field, the key of the nearest ancestor that exists (the mapping that lacks it).
    /// A built or rendered object is located at the origin of the value.
    pub fn locate(&self, pointer: &str, at_key: bool) -> Location {
        if let Some(resolved) = self
            .provenance
            .as_ref()
            .and_then(|p| p.tree.resolve(pointer, at_key))
        {
            return resolved.location;
        }
        let (found, exact) = self.tree.lookup_nearest(self.root, &self.value, pointer);
        let span = match (exact && !at_key, found.key) {
            _ if found.node == self.root => self.name_or_start(found),
            (true, _) => found.value,
            (false, Some(key)) => key,
            (false, None) => self.name_or_start(found),
        };
        Location {
            source: self.source.clone(),
            span,
            template: self.template.clone(),
        }
    }

    /// For the object itself, point at `metadata.name` (or at the first line of the object).
    fn name_or_start(&self, found: Found) -> Span {
        if found.node == self.root {
            if let Some(span) = self
                .find("/metadata/name")
                .or_else(|| self.find("/kind"))
                .map(|f| f.value)
            {
                return span;
            }
            let start = found.value.start as usize;
            let line = self.source.line_index(start);
            let end = self.source.line_range(line).end.max(start);
            return Span::new(start, end);
        }
        found.value
    }

    /// A diagnostic about this object, located at the value at `pointer`.
    pub fn diagnostic(
        &self,
        rule: impl Into<std::borrow::Cow<'static, str>>,
        severity: Severity,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.diagnostic_at(rule.into(), severity, pointer, message.into(), false)
    }

    /// Like [`Object::diagnostic`], underlining the key at `pointer` rather than its value.
    pub fn key_diagnostic(
        &self,
        rule: impl Into<std::borrow::Cow<'static, str>>,
        severity: Severity,
        pointer: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.diagnostic_at(rule.into(), severity, pointer, message.into(), true)
    }

    fn diagnostic_at(
        &self,
        rule: std::borrow::Cow<'static, str>,
        severity: Severity,
        pointer: &str,
        message: String,
        at_key: bool,
    ) -> Diagnostic {
        let mut d = Diagnostic::new(rule, severity, message)
            .with_object(self.identity())
            .with_pointer(pointer);
        d.location = Some(self.locate(pointer, at_key));
        d
    }
}
