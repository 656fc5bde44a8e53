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

    /// A tree of leaves only, one for each of `spans`, with their ids in order: what a lint
    /// run keeps for objects of which nothing is located after their per-file stages but
    /// the whole (their findings across objects are located beforehand, from their facts).
    pub fn leaves(spans: impl IntoIterator<Item = Span>) -> (SpanTree, Vec<NodeId>) {
        let mut out = SpanTree::default();
        let ids = spans.into_iter().map(|span| out.leaf(span)).collect();
        out.shrink_to_fit();
        (out, ids)
    }

    /// A copy of the tree that holds only what the documents `(root, value)` reach through
    /// their values, with each document's new root in order. Where a value was replaced by a
    /// scalar (a digest standing for a large mapping), its node keeps its span and loses its
    /// descendants: no pointer can lead below it any more. A lint run keeps this copy once a
    /// file's per-object stages are done. Entries shadowed by duplicate keys are left out
    /// (their spans served redaction, which is done by then).
    pub fn compact<'v>(
        &self,
        documents: impl IntoIterator<Item = (NodeId, &'v Value)>,
    ) -> (SpanTree, Vec<NodeId>) {
        let mut out = SpanTree::default();
        let mut exact = HashMap::new();
        let roots = documents
            .into_iter()
            .map(|(root, value)| self.copy_into(&mut out, &mut exact, root, value).0)
            .collect();
        out.shrink_to_fit();
        (out, roots)
    }

    /// Copies `node` as `value` reaches it; the flag tells whether nothing below was left out.
    /// Exact copies are shared, as aliases share their anchor's node.
    fn copy_into(
        &self,
        out: &mut SpanTree,
        exact: &mut HashMap<NodeId, NodeId>,
        node: NodeId,
        value: &Value,
    ) -> (NodeId, bool) {
        if let Some(&copied) = exact.get(&node) {
            return (copied, true);
        }
        let children = self.children(node);
        let values: Vec<&Value> = match value {
            Value::Object(map) => map.values().collect(),
            Value::Array(items) => items.iter().collect(),
            _ => Vec::new(),
        };
        let (id, whole) = if values.len() != children.len() {
            if values.is_empty() {
                (out.leaf(self.span(node)), false)
            } else {
                // Not the shape the loader builds: keep every descendant.
                (self.copy_all(out, node), true)
            }
        } else {
            let mut whole = true;
            let entries: Vec<Entry> = children
                .iter()
                .zip(values)
                .map(|(entry, child)| {
                    let (copied, child_whole) = self.copy_into(out, exact, entry.node, child);
                    whole &= child_whole;
                    Entry {
                        key: entry.key,
                        node: copied,
                    }
                })
                .collect();
            let id = out.push(self.span(node), &entries);
            if let Some(keys) = self.keys.get(&node) {
                out.keys.insert(id, keys.clone());
            }
            (id, whole)
        };
        if whole {
            exact.insert(node, id);
        }
        (id, whole)
    }

    fn copy_all(&self, out: &mut SpanTree, node: NodeId) -> NodeId {
        let entries: Vec<Entry> = self
            .children(node)
            .iter()
            .map(|entry| Entry {
                key: entry.key,
                node: self.copy_all(out, entry.node),
            })
            .collect();
        let id = out.push(self.span(node), &entries);
        if let Some(keys) = self.keys.get(&node) {
            out.keys.insert(id, keys.clone());
        }
        id
    }

    /// The number of nodes (for measuring what a tree costs).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{ParseOptions, parse_stream_general};

    #[test]
    fn a_compact_tree_locates_what_the_values_still_hold() {
        let text = "a: &x {p: 1, q: [1, 2]}\nb: *x\nc:\n  deep: {r: 1, s: 2}\nd: [1, 2, 3]\n";
        let stream = parse_stream_general(text, ParseOptions::default());
        let doc = &stream.documents[0];
        let mut value = doc.value.clone();
        // `c` stands for a digest now, as a slimmed object's content does.
        value["c"] = json!("<content 1234>");
        let (tree, roots) = stream.tree.compact([(doc.root, &value)]);
        assert!(tree.len() < stream.tree.len());
        for pointer in ["", "/a/q/1", "/b/p", "/c", "/d/2"] {
            let before = stream.tree.lookup(doc.root, &doc.value, pointer).unwrap();
            let after = tree.lookup(roots[0], &value, pointer).unwrap();
            assert_eq!(
                (before.key, before.value),
                (after.key, after.value),
                "{pointer}"
            );
        }
        assert!(tree.lookup(roots[0], &value, "/c/deep").is_none());
        assert!(tree.children(roots[0]).len() == 4);
        // The alias shares its anchor's copy.
        let a = tree.lookup(roots[0], &value, "/a").unwrap().node;
        let b = tree.lookup(roots[0], &value, "/b").unwrap().node;
        assert_eq!(a, b);
    }

    #[test]
    fn a_compact_tree_keeps_the_key_index_of_large_mappings() {
        let mut text = String::from("m:\n");
        for i in 0..100 {
            text.push_str(&format!("  k{i}: {i}\n"));
        }
        let stream = parse_stream_general(&text, ParseOptions::default());
        let doc = &stream.documents[0];
        let (tree, roots) = stream.tree.compact([(doc.root, &doc.value)]);
        // Nodes no entry leads to (those of keys) are left out too.
        assert!(tree.len() <= stream.tree.len());
        assert_eq!(tree.keys.len(), 1);
        let found = tree.lookup(roots[0], &doc.value, "/m/k77").unwrap();
        assert_eq!(&text[found.value.range()], "77");
    }
}
