//! The span tree: for every node of a YAML stream, the span of its value and of its key.
//!
//! The tree mirrors the `serde_json::Value` built beside it: the children of a mapping node
//! are in the same order as the entries of the JSON object (insertion order, which
//! `preserve_order` keeps), so a JSON pointer is resolved by walking both at once. Aliases
//! share the node of their anchor, so a tree never grows with alias expansion.

use std::collections::HashMap;

use serde_json::Value;

use crate::source::Span;

pub type NodeId = u32;

#[derive(Clone, Copy, Debug)]
struct NodeData {
    span: Span,
    first: u32,
    len: u32,
}

/// A child of a collection: the key's span (empty for sequence items) and the value's node.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub key: Span,
    pub node: NodeId,
}

#[derive(Debug, Default)]
pub struct SpanTree {
    nodes: Vec<NodeData>,
    entries: Vec<Entry>,
    /// Entries replaced by a later duplicate key, with the mapping they were in: still text
    /// in the file, so still to be redacted when secret.
    shadowed: Vec<(NodeId, Entry)>,
    /// The position of each key of the large mappings, so that locating a finding in a
    /// mapping of 50,000 keys does not scan it.
    keys: HashMap<NodeId, KeyIndex>,
}

/// The position of each key of a mapping.
pub(crate) type KeyIndex = HashMap<Box<str>, u32>;

/// Mappings with more keys than this get an index of their keys.
pub(crate) const INDEXED_MAPPING: usize = 32;

/// What a pointer resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    /// The key's span when the last token names a mapping entry.
    pub key: Option<Span>,
    pub value: Span,
    pub node: NodeId,
}

impl SpanTree {
    pub(crate) fn leaf(&mut self, span: Span) -> NodeId {
        self.push(span, &[])
    }

    pub(crate) fn push(&mut self, span: Span, children: &[Entry]) -> NodeId {
        let first = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        self.entries.extend_from_slice(children);
        let id = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        self.nodes.push(NodeData {
            span,
            first,
            len: u32::try_from(children.len()).unwrap_or(u32::MAX),
        });
        id
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.nodes.shrink_to_fit();
        self.entries.shrink_to_fit();
        self.keys.shrink_to_fit();
    }

    pub(crate) fn index_keys(&mut self, node: NodeId, keys: KeyIndex) {
        self.keys.insert(node, keys);
    }

    pub(crate) fn shadow(&mut self, parent: NodeId, entries: &[Entry]) {
        self.shadowed.extend(entries.iter().map(|e| (parent, *e)));
    }

    /// Entries of `node` that a later duplicate key replaced.
    pub fn shadowed(&self, node: NodeId) -> impl Iterator<Item = &Entry> {
        self.shadowed
            .iter()
            .filter(move |(p, _)| *p == node)
            .map(|(_, e)| e)
    }

    pub fn span(&self, node: NodeId) -> Span {
        self.nodes
            .get(node as usize)
            .map_or_else(Span::default, |n| n.span)
    }

    pub fn children(&self, node: NodeId) -> &[Entry] {
        match self.nodes.get(node as usize) {
            Some(n) => {
                let start = n.first as usize;
                self.entries
                    .get(start..start + n.len as usize)
                    .unwrap_or(&[])
            }
            None => &[],
        }
    }

    /// Resolves an RFC 6901 pointer, walking `value` (the JSON of `root`) alongside.
    pub fn lookup(&self, root: NodeId, value: &Value, pointer: &str) -> Option<Found> {
        let mut found = Found {
            key: None,
            value: self.span(root),
            node: root,
        };
        if pointer.is_empty() {
            return Some(found);
        }
        let mut value = value;
        for token in pointer.strip_prefix('/')?.split('/') {
            let token = unescape(token);
            let (index, next) = match value {
                Value::Object(map) => {
                    let next = map.get(token.as_ref())?;
                    let index = match self.keys.get(&found.node) {
                        Some(keys) => *keys.get(token.as_ref())? as usize,
                        None => map.keys().position(|k| *k == token)?,
                    };
                    (index, next)
                }
                Value::Array(items) => {
                    let index: usize = token.parse().ok()?;
                    (index, items.get(index)?)
                }
                _ => return None,
            };
            let entry = *self.children(found.node).get(index)?;
            found = Found {
                key: matches!(value, Value::Object(_)).then_some(entry.key),
                value: self.span(entry.node),
                node: entry.node,
            };
            value = next;
        }
        Some(found)
    }

    /// Like [`SpanTree::lookup`], but falls back to the deepest ancestor that exists, so that a
    /// finding about a missing field points at the object that lacks it.
    pub fn lookup_nearest(&self, root: NodeId, value: &Value, pointer: &str) -> (Found, bool) {
        if let Some(found) = self.lookup(root, value, pointer) {
            return (found, true);
        }
        let mut prefix = pointer;
        while let Some(cut) = prefix.rfind('/') {
            prefix = &prefix[..cut];
            if let Some(found) = self.lookup(root, value, prefix) {
                return (found, false);
            }
        }
        (
            Found {
                key: None,
                value: self.span(root),
                node: root,
            },
            false,
        )
    }
}

fn unescape(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~").into()
    } else {
        token.into()
    }
}

/// Escapes one reference token for a JSON pointer.
pub fn escape_token(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1").into()
    } else {
        token.into()
    }
}
