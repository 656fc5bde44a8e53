//! The fast path of the loader: block-style YAML, read straight from the bytes.
//!
//! Manifests are written in a small part of YAML: block mappings and sequences, plain and
//! quoted scalars (folded over several lines in CRD descriptions), `|`/`>` block scalars,
//! comments, `---` between documents, and the odd `[]`, `{}` or `["get", "list"]`. This
//! reader takes exactly that part, line by line. On anything else (anchors, aliases, tags,
//! flow collections beyond one line of scalars, an escaped line break, explicit indentation
//! of a block scalar, odd indentation, duplicate keys, values JSON cannot carry, nesting past
//! a small depth, any syntax error) it hands the document to the general parser alone, up
//! to the next `---` line, and goes on with the next one; it gives up the whole text (returns
//! `None`) when that could read differently from the whole text: tabs, carriage returns,
//! directives, `...`, aliases, a syntax error. Every error message and every exotic construct
//! still comes from the general parser.
//!
//! What it produces is what the general path produces for the same text: the same values
//! (scalars resolved by [`super::resolve`]), the same spans for every node and key (including
//! saphyr's own conventions: a quoted scalar's span runs over the spaces and comment after it,
//! an indentless sequence starts at its first item, an empty value sits on its `:`), the same
//! errors and document indexes. Mapping keys get no node of their own (nothing looks them
//! up). [`agreement`] checks all of it for one text; `core/tests/yaml_fast.rs` runs it over
//! the corpus and the fixtures, the fuzz target `yaml_fast` over arbitrary input.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::resolve::{Style, key_string, resolve};
use super::tree::{self, Entry, NodeId, SpanTree};
use super::{Document, ParseOptions, Stream, YamlError};
use crate::source::Span;

/// Nesting the fast path takes; deeper files go to the general parser (which applies
/// `max_depth`), so the recursion here stays shallow whatever the input.
const MAX_DEPTH: usize = 64;

/// Implicit keys longer than this (in bytes) go to the general parser, which refuses keys
/// over 1,024 characters.
const MAX_KEY: usize = 1000;

/// Whether the fast path is on: `PLIMSOLL_YAML_GENERAL=1` turns it off for a whole process
/// (to compare outputs and timings with the general parser alone).
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("PLIMSOLL_YAML_GENERAL").is_none_or(|v| v == "0"))
}

/// Reads a whole text on the fast path, or `None` when it holds anything the fast path does
/// not take (the caller then uses the general parser).
pub fn parse(text: &str, options: ParseOptions) -> Option<Stream> {
    read(text, options).map(|(stream, _)| stream)
}

/// [`parse`], with how many documents the fast path read itself (the others went to the
/// general parser one by one).
fn read(text: &str, options: ParseOptions) -> Option<(Stream, usize)> {
    if u32::try_from(text.len()).is_err() || !plain_text(text.as_bytes()) {
        return None;
    }
    let mut reader = Reader {
        text,
        b: text.as_bytes(),
        pos: 0,
        tree: SpanTree::default(),
        depth_limit: options.max_depth.min(MAX_DEPTH),
        max_depth: options.max_depth,
        entries: Vec::new(),
        items: Vec::new(),
        pairs: Vec::new(),
        fast_documents: 0,
        errors: Vec::new(),
        peeked: None,
    };
    let documents = reader.stream().ok()?;
    let fast_documents = reader.fast_documents;
    let errors = std::mem::take(&mut reader.errors);
    let mut tree = reader.tree;
    tree.shrink_to_fit();
    let stream = Stream {
        tree,
        documents,
        errors,
        alias_nodes: 0,
    };
    Some((stream, fast_documents))
}

/// Compares the fast path with the general parser on one text: `Ok(n)` when both agree on
/// every document, value, span, key span, index and error, `n` being how many documents the
/// fast path read itself (0 when it left the text to the general parser), `Err` with the
/// first difference otherwise.
pub fn agreement(text: &str, options: ParseOptions) -> Result<usize, String> {
    let Some((fast, taken)) = read(text, options) else {
        return Ok(0);
    };
    let general = super::parse_stream_general(text, options);
    if fast.errors != general.errors {
        return Err(format!(
            "errors differ: fast {:?}, general {:?}",
            fast.errors, general.errors
        ));
    }
    if fast.alias_nodes != general.alias_nodes {
        return Err("alias counts differ".to_owned());
    }
    if fast.documents.len() != general.documents.len() {
        return Err(format!(
            "{} documents on the fast path, {} on the general one",
            fast.documents.len(),
            general.documents.len()
        ));
    }
    for (f, g) in fast.documents.iter().zip(&general.documents) {
        if f.index != g.index || f.span != g.span {
            return Err(format!(
                "document {} at {:?}: the general parser has document {} at {:?}",
                f.index, f.span, g.index, g.span
            ));
        }
        if f.value != g.value {
            return Err(format!(
                "document {}: fast value {}, general value {}",
                f.index, f.value, g.value
            ));
        }
        same_nodes(&fast.tree, f.root, &general.tree, g.root, &f.value, "")?;
    }
    Ok(taken)
}

/// Walks two span trees of the same value together.
fn same_nodes(
    fast: &SpanTree,
    f: NodeId,
    general: &SpanTree,
    g: NodeId,
    value: &Value,
    pointer: &str,
) -> Result<(), String> {
    if fast.span(f) != general.span(g) {
        return Err(format!(
            "{pointer}: span {:?} on the fast path, {:?} on the general one",
            fast.span(f),
            general.span(g)
        ));
    }
    let fs: Vec<(Span, Span)> = fast
        .shadowed(f)
        .map(|e| (e.key, fast.span(e.node)))
        .collect();
    let gs: Vec<(Span, Span)> = general
        .shadowed(g)
        .map(|e| (e.key, general.span(e.node)))
        .collect();
    if fs != gs {
        return Err(format!(
            "{pointer}: entries replaced by duplicate keys {fs:?} on the fast path, {gs:?} on the general one"
        ));
    }
    let (fc, gc) = (fast.children(f), general.children(g));
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (tree::escape_token(k).into_owned(), v))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => Vec::new(),
    };
    if fc.len() != gc.len() || fc.len() != children.len() {
        return Err(format!(
            "{pointer}: {} children on the fast path, {} on the general one",
            fc.len(),
            gc.len()
        ));
    }
    for ((fe, ge), (token, child)) in fc.iter().zip(gc).zip(children) {
        let pointer = format!("{pointer}/{token}");
        if fe.key != ge.key {
            return Err(format!(
                "{pointer}: key span {:?} on the fast path, {:?} on the general one",
                fe.key, ge.key
            ));
        }
        same_nodes(fast, fe.node, general, ge.node, child, &pointer)?;
    }
    Ok(())
}

/// Whether the bytes hold only what the fast path reads as the general parser does: no tab,
/// no carriage return, no control character, no byte order mark, none of the line and
/// paragraph separators YAML 1.1 knows, no non-characters.
fn plain_text(b: &[u8]) -> bool {
    // Most manifests are printable ASCII: check 64 bytes at a time without branches, and
    // look closer only at a block that holds anything else.
    for (n, block) in b.chunks(64).enumerate() {
        let odd = block.iter().fold(false, |odd, &c| {
            odd | ((c < 0x20) & (c != b'\n')) | (c >= 0x7f)
        });
        if odd && !plain_block(b, n * 64, n * 64 + block.len()) {
            return false;
        }
    }
    true
}

fn plain_block(b: &[u8], from: usize, to: usize) -> bool {
    for i in from..to {
        match b[i] {
            b'\n' | 0x20..=0x7e | 0x80..=0xc1 | 0xc3..=0xe1 | 0xe3..=0xee | 0xf0..=0xff => {}
            0xc2 => {
                // U+0080 to U+009F (NEL among them).
                if matches!(b.get(i + 1), Some(0x80..=0x9f)) {
                    return false;
                }
            }
            0xe2 => {
                // U+2028, U+2029.
                if b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xa8 | 0xa9)) {
                    return false;
                }
            }
            0xef => {
                // U+FEFF, U+FFFE, U+FFFF.
                match (b.get(i + 1), b.get(i + 2)) {
                    (Some(0xbb), Some(0xbf)) | (Some(0xbf), Some(0xbe | 0xbf)) => return false,
                    _ => {}
                }
            }
            _ => return false,
        }
    }
    true
}

/// Whether the text may hold an anchor (`&name` where a node can start).
fn has_anchor(b: &[u8]) -> bool {
    memchr::memchr_iter(b'&', b).any(|i| {
        (i == 0 || matches!(b[i - 1], b' ' | b'\n' | b'[' | b'{' | b','))
            && b.get(i + 1)
                .is_some_and(|c| !matches!(c, b' ' | b'\n' | b',' | b']' | b'}'))
    })
}

fn shifted(span: Span, by: usize) -> Span {
    Span::new(span.start as usize + by, span.end as usize + by)
}

/// The fast path does not take this text.
struct Bail;

type Fast<T> = Result<T, Bail>;

/// A finished node.
struct Done {
    value: Value,
    node: NodeId,
    span: Span,
}

/// What the next line that is neither blank nor a comment is.
#[derive(Clone, Copy)]
enum Next {
    Eof,
    /// A `---` line (its start).
    Marker(usize),
    Line {
        indent: usize,
        /// The offset of its first character after the indentation.
        content: usize,
    },
}

/// A mapping key, read up to its `:`.
struct Key {
    text: KeyText,
    span: Span,
    colon: usize,
}

enum KeyText {
    Plain(usize, usize),
    Quoted(String),
}

#[derive(Clone, Copy, PartialEq)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

struct Reader<'t> {
    text: &'t str,
    b: &'t [u8],
    /// The start of the first line not read yet.
    pos: usize,
    tree: SpanTree,
    depth_limit: usize,
    /// The limit of the general parser, for the documents it reads.
    max_depth: usize,
    /// Scratch stacks shared by all collections being read: each takes its own from a base
    /// and gives them back when it closes.
    entries: Vec<Entry>,
    items: Vec<Value>,
    pairs: Vec<(String, Value)>,
    /// Documents read on the fast path (not handed to the general parser).
    fast_documents: usize,
    /// Errors of the documents the general parser read.
    errors: Vec<YamlError>,
    /// The last answer of [`Reader::peek`]: from where, up to where, what.
    peeked: Option<(usize, usize, Next)>,
}

impl Reader<'_> {
    fn stream(&mut self) -> Fast<Vec<Document>> {
        let mut documents = Vec::new();
        let mut index = 0;
        // A directive applies to the documents after it: with one in the text, documents
        // cannot be read one by one.
        let one_by_one =
            !self.b.starts_with(b"%") && memchr::memmem::find(self.b, b"\n%").is_none();
        loop {
            let region = self.pos;
            let (content, indent, opener) = match self.peek()? {
                Next::Eof => break,
                Next::Marker(at) => {
                    let end = self.line_end(at);
                    if self.rest_is_blank(at + 3, end).is_none() {
                        return Err(Bail);
                    }
                    self.pos = self.next_line(end);
                    match self.peek()? {
                        Next::Eof | Next::Marker(_) => {
                            // An empty document still counts.
                            index += 1;
                            continue;
                        }
                        Next::Line { indent, content } => (content, indent, at),
                    }
                }
                Next::Line { indent, content } => (content, indent, region),
            };
            match self.document(content, indent) {
                Ok(root) => {
                    self.fast_documents += 1;
                    documents.push(Document {
                        value: root.value,
                        root: root.node,
                        span: root.span,
                        index,
                    });
                }
                Err(Bail) if one_by_one => {
                    // This document goes to the general parser alone, up to the next line
                    // that opens a document; the fast path goes on from there.
                    self.entries.clear();
                    self.items.clear();
                    self.pairs.clear();
                    let end = self.next_document(opener);
                    if region == 0 && end == self.b.len() {
                        // The text is one document: the caller reads it directly.
                        return Err(Bail);
                    }
                    documents.extend(self.general(region, end, index)?);
                    self.pos = end;
                }
                Err(Bail) => return Err(Bail),
            }
            index += 1;
        }
        Ok(documents)
    }

    /// The root of a document and the check that nothing but a new document follows it.
    fn document(&mut self, content: usize, indent: usize) -> Fast<Done> {
        let root = self.block_node(content, indent, 0)?;
        if let Next::Line { .. } = self.peek()? {
            return Err(Bail);
        }
        Ok(root)
    }

    /// The start of the first line after the line of `after` that opens a document, or the
    /// end of the text.
    fn next_document(&self, after: usize) -> usize {
        let b = self.b;
        let mut at = after;
        while let Some(i) = memchr::memchr(b'\n', &b[at..]) {
            at += i + 1;
            if b[at..].starts_with(b"---") && matches!(b.get(at + 3), None | Some(b' ' | b'\n')) {
                return at;
            }
        }
        b.len()
    }

    /// Reads `text[start..end]`, one document of the text, with the general parser, and
    /// moves its nodes into this tree. The whole text goes to the general parser instead
    /// when the region holds anything that might read differently alone: an error, an
    /// alias (the alias limits count over the whole text), more than one document.
    fn general(&mut self, start: usize, end: usize, index: usize) -> Fast<Option<Document>> {
        let options = ParseOptions {
            max_depth: self.max_depth,
            ..ParseOptions::default()
        };
        // The region keeps the `---` that ends it: what ends at the end of the text (an
        // empty block scalar, an indentless sequence) is read differently.
        let stop = if end < self.b.len() { end + 3 } else { end };
        let region = &self.text[start..stop];
        if has_anchor(region.as_bytes()) {
            // Aliases count against limits of the whole text, and expanding them twice (alone,
            // then in the whole text) is no saving.
            return Err(Bail);
        }
        // The general parser repairs some syntax errors (see `lenient`), and a repair made in
        // a document alone may not be the one made in the whole text: only a document the
        // parser reads without any error is read alone.
        if saphyr_parser::Parser::new_from_str(region).any(|event| event.is_err()) {
            return Err(Bail);
        }
        let stream = super::parse_stream_general(region, options);
        // Errors found in a document alone are the same in the whole text, except syntax
        // errors (after which the general parser restarts at the next `---` of the text)
        // and the alias and depth limits.
        let alone = |e: &YamlError| {
            matches!(
                e.rule,
                "yaml-duplicate-key" | "yaml-invalid-value" | "yaml-invalid-key"
            )
        };
        if !stream.errors.iter().all(alone) || stream.alias_nodes > 0 || stream.documents.len() > 1
        {
            return Err(Bail);
        }
        self.errors
            .extend(stream.errors.into_iter().map(|e| YamlError {
                span: shifted(e.span, start),
                related: e.related.map(|r| shifted(r, start)),
                ..e
            }));
        let Some(document) = stream.documents.into_iter().next() else {
            return Ok(None);
        };
        if document.index != 0 || document.span.end as usize > end {
            // A block scalar at the root of a document reads the `---` lines after it as
            // text: the document does not end there.
            return Err(Bail);
        }
        let root = self.graft(&stream.tree, document.root, &document.value, start);
        Ok(Some(Document {
            value: document.value,
            root,
            span: shifted(document.span, start),
            index,
        }))
    }

    /// Copies the nodes under `root` of another tree into this one, their spans moved by
    /// `shift` (children before parents, as the parsers push them).
    fn graft(&mut self, from: &SpanTree, root: NodeId, value: &Value, shift: usize) -> NodeId {
        struct Frame<'v> {
            node: NodeId,
            value: &'v Value,
            values: Vec<&'v Value>,
            next: usize,
            entries: Vec<Entry>,
        }
        fn open(node: NodeId, value: &Value) -> Frame<'_> {
            Frame {
                node,
                value,
                values: match value {
                    Value::Object(map) => map.values().collect(),
                    Value::Array(items) => items.iter().collect(),
                    _ => Vec::new(),
                },
                next: 0,
                entries: Vec::new(),
            }
        }
        let mut stack = vec![open(root, value)];
        loop {
            let Some(top) = stack.last_mut() else {
                return 0;
            };
            let children = from.children(top.node);
            if let (Some(entry), Some(child)) = (children.get(top.next), top.values.get(top.next)) {
                top.next += 1;
                let frame = open(entry.node, child);
                stack.push(frame);
                continue;
            }
            let Some(done) = stack.pop() else {
                return 0;
            };
            let node = self
                .tree
                .push(shifted(from.span(done.node), shift), &done.entries);
            // Entries a duplicate key replaced: only their spans are ever read.
            let shadowed: Vec<Entry> = from
                .shadowed(done.node)
                .map(|e| Entry {
                    key: shifted(e.key, shift),
                    node: self.tree.leaf(shifted(from.span(e.node), shift)),
                })
                .collect();
            if !shadowed.is_empty() {
                self.tree.shadow(node, &shadowed);
            }
            if let Value::Object(map) = done.value
                && map.len() > tree::INDEXED_MAPPING
            {
                let keys = map
                    .keys()
                    .enumerate()
                    .map(|(i, k)| (k.as_str().into(), u32::try_from(i).unwrap_or(u32::MAX)))
                    .collect();
                self.tree.index_keys(node, keys);
            }
            let Some(parent) = stack.last_mut() else {
                return node;
            };
            let key = from
                .children(parent.node)
                .get(parent.next - 1)
                .map_or_else(Span::default, |e| shifted(e.key, shift));
            parent.entries.push(Entry { key, node });
        }
    }

    fn line_end(&self, from: usize) -> usize {
        memchr::memchr(b'\n', &self.b[from..]).map_or(self.b.len(), |i| from + i)
    }

    fn next_line(&self, line_end: usize) -> usize {
        (line_end + 1).min(self.b.len())
    }

    fn skip_spaces(&self, mut i: usize, end: usize) -> usize {
        while i < end && self.b[i] == b' ' {
            i += 1;
        }
        i
    }

    /// Where the parser's "skip white space and a comment to the end of the line" stops
    /// from `from` (a comment needs a space before it), or `None` when other content follows.
    fn rest_is_blank(&self, from: usize, end: usize) -> Option<usize> {
        let s = self.skip_spaces(from, end);
        if s == end {
            Some(s)
        } else if self.b[s] == b'#' && s > from {
            Some(end)
        } else {
            None
        }
    }

    /// Finds the next line with content, from `self.pos`, skipping blank and comment lines.
    fn peek(&mut self) -> Fast<Next> {
        // A line is usually looked at twice: after the value before it, and by its
        // collection.
        if let Some((from, to, next)) = self.peeked
            && from == self.pos
        {
            self.pos = to;
            return Ok(next);
        }
        let from = self.pos;
        let next = self.find_next()?;
        self.peeked = Some((from, self.pos, next));
        Ok(next)
    }

    fn find_next(&mut self) -> Fast<Next> {
        let b = self.b;
        loop {
            let start = self.pos;
            if start >= b.len() {
                return Ok(Next::Eof);
            }
            let end = self.line_end(start);
            let content = self.skip_spaces(start, end);
            if content == end || b[content] == b'#' {
                self.pos = self.next_line(end);
                continue;
            }
            if content == start
                && (b[start..].starts_with(b"---") || b[start..].starts_with(b"..."))
            {
                let marker = matches!(b.get(start + 3), None | Some(b' ' | b'\n'));
                if marker && b[start] == b'-' {
                    return Ok(Next::Marker(start));
                }
                // `...`, or a plain scalar that starts like a marker.
                return Err(Bail);
            }
            return Ok(Next::Line {
                indent: content - start,
                content,
            });
        }
    }

    fn check_depth(&self, depth: usize) -> Fast<()> {
        if depth >= self.depth_limit {
            Err(Bail)
        } else {
            Ok(())
        }
    }

    fn is_entry(&self, at: usize) -> bool {
        self.b[at] == b'-' && matches!(self.b.get(at + 1), None | Some(b' ' | b'\n'))
    }

    /// A collection that starts a line (or follows `- ` on one): a sequence or a mapping.
    fn block_node(&mut self, at: usize, col: usize, depth: usize) -> Fast<Done> {
        if self.is_entry(at) {
            return self.sequence(at, col, false, depth);
        }
        match self.key_at(at)? {
            Some(key) => self.mapping(at, col, key, depth),
            None => Err(Bail),
        }
    }

    /// A node on the lines after its key or `-`, at column `indent`, in a collection at
    /// column `col`.
    fn nested(&mut self, at: usize, indent: usize, col: usize, depth: usize) -> Fast<Done> {
        if self.is_entry(at) {
            return self.sequence(at, indent, false, depth);
        }
        match self.key_at(at)? {
            Some(key) => self.mapping(at, indent, key, depth),
            None => {
                let end = self.line_end(at);
                self.inline_value(at, end, col, depth)
            }
        }
    }

    fn leaf(&mut self, value: Value, span: Span) -> Done {
        let node = self.tree.leaf(span);
        Done { value, node, span }
    }

    /// An empty node (`key:` with nothing, `-` with nothing) sits where the parser puts it.
    fn null_at(&mut self, at: usize) -> Done {
        self.leaf(Value::Null, Span::empty_at(at))
    }

    fn mapping(&mut self, start: usize, col: usize, first: Key, depth: usize) -> Fast<Done> {
        self.check_depth(depth)?;
        let entry_base = self.entries.len();
        let pair_base = self.pairs.len();
        let mut key = first;
        let mut end;
        loop {
            let name = self.key_name(&key.text)?;
            let value = self.mapping_value(key.colon, col, depth + 1)?;
            end = value.span.end;
            self.entries.push(Entry {
                key: key.span,
                node: value.node,
            });
            self.pairs.push((name, value.value));
            match self.peek()? {
                Next::Line { indent, content } if indent == col => match self.key_at(content)? {
                    Some(next) => key = next,
                    None => return Err(Bail),
                },
                Next::Line { indent, .. } if indent > col => return Err(Bail),
                _ => break,
            }
        }
        let count = self.pairs.len() - pair_base;
        let object: Map<String, Value> = self.pairs.drain(pair_base..).collect();
        if object.len() != count {
            // A duplicate key: the general parser reports it.
            return Err(Bail);
        }
        let span = Span::new(start, end as usize);
        let node = self.tree.push(span, &self.entries[entry_base..]);
        self.entries.truncate(entry_base);
        if object.len() > tree::INDEXED_MAPPING {
            let keys = object
                .keys()
                .enumerate()
                .map(|(i, k)| (k.as_str().into(), u32::try_from(i).unwrap_or(u32::MAX)))
                .collect();
            self.tree.index_keys(node, keys);
        }
        Ok(Done {
            value: Value::Object(object),
            node,
            span,
        })
    }

    /// The JSON key a mapping key becomes.
    fn key_name(&self, key: &KeyText) -> Fast<String> {
        match key {
            KeyText::Quoted(s) => Ok(s.clone()),
            KeyText::Plain(start, end) => {
                let text = &self.text[*start..*end];
                if text == "<<" {
                    // A merge key.
                    return Err(Bail);
                }
                match resolve(text, Style::Plain, None) {
                    Ok(Value::String(s)) => Ok(s),
                    Ok(other) => Ok(key_string(&other)),
                    Err(_) => Err(Bail),
                }
            }
        }
    }

    /// Reads the key that starts at `at`, if the line holds one there.
    fn key_at(&self, at: usize) -> Fast<Option<Key>> {
        let b = self.b;
        let end = self.line_end(at);
        if matches!(b[at], b'"' | b'\'') {
            let mut text = String::new();
            let Some(after) = self.quoted_segment(at, at + 1, end, &mut text)? else {
                return Ok(None);
            };
            let s = self.skip_spaces(after, end);
            if s < end && b[s] == b':' && matches!(b.get(s + 1), None | Some(b' ' | b'\n')) {
                if s - at > MAX_KEY {
                    return Err(Bail);
                }
                return Ok(Some(Key {
                    text: KeyText::Quoted(text),
                    span: Span::new(at, s),
                    colon: s,
                }));
            }
            return Ok(None);
        }
        if !self.plain_start(at, false) {
            return Ok(None);
        }
        let mut last = at + 1;
        let mut i = at + 1;
        while i < end {
            match b[i] {
                b':' if matches!(b.get(i + 1), None | Some(b' ' | b'\n')) => {
                    if i - at > MAX_KEY {
                        return Err(Bail);
                    }
                    return Ok(Some(Key {
                        text: KeyText::Plain(at, last),
                        span: Span::new(at, last),
                        colon: i,
                    }));
                }
                b' ' => {
                    if b.get(i + 1) == Some(&b'#') {
                        return Ok(None);
                    }
                }
                _ => last = i + 1,
            }
            i += 1;
        }
        Ok(None)
    }

    /// Whether a plain scalar may start at `at` (the parser's choice of token there).
    fn plain_start(&self, at: usize, flow: bool) -> bool {
        let b = self.b;
        let next = b.get(at + 1).copied();
        match b[at] {
            b'-' => match next {
                None | Some(b' ' | b'\n') => false,
                Some(b',' | b'[' | b']' | b'{' | b'}') => !flow,
                Some(_) => true,
            },
            b'?' | b':' => !flow && !matches!(next, None | Some(b' ' | b'\n')),
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`' | b' ' | b'\n' => false,
            _ => true,
        }
    }

    /// The value after a mapping key's `:` at `colon`, in a mapping at column `col`.
    fn mapping_value(&mut self, colon: usize, col: usize, depth: usize) -> Fast<Done> {
        let end = self.line_end(colon);
        let q = self.skip_spaces(colon + 1, end);
        if q < end && self.b[q] != b'#' {
            return self.inline_value(q, end, col, depth);
        }
        self.pos = self.next_line(end);
        match self.peek()? {
            Next::Line { indent, content } if indent > col => {
                self.nested(content, indent, col, depth)
            }
            Next::Line { indent, content } if indent == col && self.is_entry(content) => {
                self.sequence(content, col, true, depth)
            }
            _ => Ok(self.null_at(colon)),
        }
    }

    /// A value that starts on the line of its key or `-`: a scalar, a block scalar or a flow
    /// collection, in a collection at column `col`.
    fn inline_value(&mut self, q: usize, end: usize, col: usize, depth: usize) -> Fast<Done> {
        let b = self.b;
        let mut end = end;
        let done = match b[q] {
            b'|' | b'>' => return self.block_scalar(q, end, col),
            b'"' | b'\'' => {
                let (text, after, close_end) = self.quoted_value(q, end, col)?;
                end = close_end;
                let stop = self.rest_is_blank(after, end).ok_or(Bail)?;
                self.leaf(Value::String(text), Span::new(q, stop))
            }
            b'[' | b'{' => self.flow(q, end, depth)?,
            _ if self.plain_start(q, false) => {
                let (mut last, mut commented) = self.plain_line(q, end)?;
                // Lines indented past the collection continue the scalar, folded.
                let mut folded: Option<String> = None;
                let mut breaks = 0;
                let mut line_end = end;
                while line_end < b.len() {
                    let line = line_end + 1;
                    let le = self.line_end(line);
                    let content = self.skip_spaces(line, le);
                    if content == le {
                        if le >= b.len() {
                            break;
                        }
                        breaks += 1;
                        line_end = le;
                        continue;
                    }
                    if content - line <= col || b[content] == b'#' {
                        break;
                    }
                    if commented {
                        // A comment inside a plain scalar is an error.
                        return Err(Bail);
                    }
                    let (line_last, line_commented) = self.plain_line(content, le)?;
                    let text = folded.get_or_insert_with(|| self.text[q..last].to_owned());
                    if breaks == 0 {
                        text.push(' ');
                    }
                    text.extend(std::iter::repeat_n('\n', breaks));
                    text.push_str(&self.text[content..line_last]);
                    breaks = 0;
                    last = line_last;
                    commented = line_commented;
                    line_end = le;
                    end = le;
                }
                let value = match folded {
                    None => resolve(&self.text[q..last], Style::Plain, None),
                    Some(text) => resolve(&text, Style::Plain, None),
                };
                self.leaf(value.map_err(|_| Bail)?, Span::new(q, last))
            }
            _ => return Err(Bail),
        };
        self.pos = self.next_line(end);
        // A more indented line would continue the scalar (or be an error).
        if let Next::Line { indent, .. } = self.peek()?
            && indent > col
        {
            return Err(Bail);
        }
        Ok(done)
    }

    /// One line of a plain scalar in a block, from `at`: where its text ends, and whether a
    /// comment follows it. A `: ` in it makes it a key, which the caller did not expect.
    fn plain_line(&self, at: usize, end: usize) -> Fast<(usize, bool)> {
        let b = self.b;
        let mut last = at;
        let mut i = at;
        while i < end {
            match b[i] {
                b':' if matches!(b.get(i + 1), None | Some(b' ' | b'\n')) => return Err(Bail),
                b' ' => {
                    if b.get(i + 1) == Some(&b'#') {
                        return Ok((last, true));
                    }
                }
                _ => last = i + 1,
            }
            i += 1;
        }
        Ok((last, false))
    }

    /// A block sequence whose first `-` is at `first`, in column `col`. An indentless
    /// sequence (a mapping value at the mapping's own column) starts at its first item.
    fn sequence(&mut self, first: usize, col: usize, indentless: bool, depth: usize) -> Fast<Done> {
        self.check_depth(depth)?;
        let entry_base = self.entries.len();
        let item_base = self.items.len();
        let mut dash = first;
        let mut start = first;
        let mut end;
        loop {
            let line_end = self.line_end(dash);
            let q = self.skip_spaces(dash + 1, line_end);
            let item = if q == line_end || self.b[q] == b'#' {
                // The item is on the following lines, or empty (then it sits at the end of
                // the `-` line, where the parser's entry token is).
                if indentless && dash == first {
                    start = line_end;
                }
                self.pos = self.next_line(line_end);
                match self.peek()? {
                    Next::Line { indent, content } if indent > col => {
                        self.nested(content, indent, col, depth + 1)?
                    }
                    _ => self.null_at(line_end),
                }
            } else {
                if indentless && dash == first {
                    start = q;
                }
                let inner = col + (q - dash);
                if self.is_entry(q) {
                    self.sequence(q, inner, false, depth + 1)?
                } else if let Some(key) = self.key_at(q)? {
                    self.mapping(q, inner, key, depth + 1)?
                } else {
                    self.inline_value(q, line_end, col, depth + 1)?
                }
            };
            end = item.span.end;
            self.entries.push(Entry {
                key: Span::empty_at(item.span.start as usize),
                node: item.node,
            });
            self.items.push(item.value);
            let next = match self.peek()? {
                Next::Line { indent, content } if indent == col && self.is_entry(content) => {
                    dash = content;
                    continue;
                }
                Next::Line { indent, .. } if indent > col || (indent == col && !indentless) => {
                    return Err(Bail);
                }
                Next::Line { content, .. } => content,
                Next::Marker(at) => at,
                Next::Eof => self.b.len(),
            };
            if indentless && matches!(self.b.get(start), Some(b'[' | b'{')) {
                // The general parser takes an indentless sequence that starts with a flow
                // collection for a flow collection, and ends it where the next token starts.
                end = u32::try_from(next).map_err(|_| Bail)?;
            }
            break;
        }
        let mut items: Vec<Value> = self.items.drain(item_base..).collect();
        items.shrink_to_fit();
        let span = Span::new(start, end as usize);
        let node = self.tree.push(span, &self.entries[entry_base..]);
        self.entries.truncate(entry_base);
        Ok(Done {
            value: Value::Array(items),
            node,
            span,
        })
    }

    /// A quoted scalar that closes on its line: its text and the offset after the closing
    /// quote.
    fn quoted(&self, at: usize, end: usize) -> Fast<(String, usize)> {
        let mut out = String::new();
        match self.quoted_segment(at, at + 1, end, &mut out)? {
            Some(after) => Ok((out, after)),
            None => Err(Bail),
        }
    }

    /// A quoted scalar that may go on over the following lines (each indented past the
    /// collection's column `col`), folded: its text, the offset after the closing quote and
    /// the end of the line that holds it.
    fn quoted_value(&self, at: usize, end: usize, col: usize) -> Fast<(String, usize, usize)> {
        let b = self.b;
        let mut out = String::new();
        let mut from = at + 1;
        let mut end = end;
        loop {
            if let Some(after) = self.quoted_segment(at, from, end, &mut out)? {
                return Ok((out, after, end));
            }
            // The spaces that end a line are not part of the text.
            let trimmed = self.text[from..end].trim_end_matches(' ').len() + from;
            if trimmed > from && b[trimmed - 1] == b'\\' {
                return Err(Bail);
            }
            out.truncate(out.len() - (end - trimmed));
            let mut breaks = 0;
            loop {
                if end >= b.len() {
                    return Err(Bail);
                }
                let line = end + 1;
                end = self.line_end(line);
                let content = self.skip_spaces(line, end);
                if content == end {
                    breaks += 1;
                    continue;
                }
                if content - line <= col {
                    return Err(Bail);
                }
                from = content;
                break;
            }
            if breaks == 0 {
                out.push(' ');
            }
            out.extend(std::iter::repeat_n('\n', breaks));
        }
    }

    /// Reads the text of the quoted scalar opened at `at` from `from` to `end` (within one
    /// line) into `out`: the offset after the closing quote if it is there.
    fn quoted_segment(
        &self,
        at: usize,
        from: usize,
        end: usize,
        out: &mut String,
    ) -> Fast<Option<usize>> {
        let b = self.b;
        let mut i = from;
        let mut run = i;
        if b[at] == b'\'' {
            loop {
                let Some(rel) = memchr::memchr(b'\'', &b[i..end]) else {
                    out.push_str(&self.text[run..end]);
                    return Ok(None);
                };
                let quote = i + rel;
                if quote + 1 < end && b[quote + 1] == b'\'' {
                    out.push_str(&self.text[run..=quote]);
                    i = quote + 2;
                    run = i;
                } else {
                    out.push_str(&self.text[run..quote]);
                    return Ok(Some(quote + 1));
                }
            }
        }
        loop {
            let Some(rel) = memchr::memchr2(b'"', b'\\', &b[i..end]) else {
                out.push_str(&self.text[run..end]);
                return Ok(None);
            };
            let stop = i + rel;
            out.push_str(&self.text[run..stop]);
            if b[stop] == b'"' {
                return Ok(Some(stop + 1));
            }
            let (c, len) = match b
                .get(stop + 1)
                .copied()
                .filter(|_| stop + 1 < end)
                .ok_or(Bail)?
            {
                b'0' => ('\0', 2),
                b'a' => ('\x07', 2),
                b'b' => ('\x08', 2),
                b't' => ('\t', 2),
                b'n' => ('\n', 2),
                b'v' => ('\x0b', 2),
                b'f' => ('\x0c', 2),
                b'r' => ('\r', 2),
                b'e' => ('\x1b', 2),
                b' ' => (' ', 2),
                b'"' => ('"', 2),
                b'/' => ('/', 2),
                b'\\' => ('\\', 2),
                b'N' => ('\u{85}', 2),
                b'_' => ('\u{a0}', 2),
                b'L' => ('\u{2028}', 2),
                b'P' => ('\u{2029}', 2),
                kind @ (b'x' | b'u' | b'U') => {
                    let digits = match kind {
                        b'x' => 2,
                        b'u' => 4,
                        _ => 8,
                    };
                    let hex = self.text.get(stop + 2..stop + 2 + digits).ok_or(Bail)?;
                    if stop + 2 + digits > end || !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                        return Err(Bail);
                    }
                    let code = u32::from_str_radix(hex, 16).map_err(|_| Bail)?;
                    (char::from_u32(code).ok_or(Bail)?, 2 + digits)
                }
                // An escaped line break or an unknown escape.
                _ => return Err(Bail),
            };
            out.push(c);
            i = stop + len;
            run = i;
        }
    }

    /// A flow collection on one line: `{}` or a sequence of scalars.
    fn flow(&mut self, at: usize, end: usize, depth: usize) -> Fast<Done> {
        self.check_depth(depth)?;
        let b = self.b;
        let close;
        let value = if b[at] == b'{' {
            close = self.skip_spaces(at + 1, end);
            if close == end || b[close] != b'}' {
                return Err(Bail);
            }
            Value::Object(Map::new())
        } else {
            let entry_base = self.entries.len();
            let mut items = Vec::new();
            let mut i = self.skip_spaces(at + 1, end);
            loop {
                if i == end {
                    return Err(Bail);
                }
                if b[i] == b']' {
                    close = i;
                    break;
                }
                let (value, span, after) = if matches!(b[i], b'"' | b'\'') {
                    let (text, after) = self.quoted(i, end)?;
                    let stop = self.skip_spaces(after, end);
                    (Value::String(text), Span::new(i, stop), stop)
                } else if self.plain_start(i, true) {
                    let mut last = i + 1;
                    let mut j = i + 1;
                    while j < end {
                        match b[j] {
                            b',' | b'[' | b']' | b'{' | b'}' => break,
                            b':' => return Err(Bail),
                            b' ' => {
                                if b.get(j + 1) == Some(&b'#') {
                                    return Err(Bail);
                                }
                            }
                            _ => last = j + 1,
                        }
                        j += 1;
                    }
                    let value =
                        resolve(&self.text[i..last], Style::Plain, None).map_err(|_| Bail)?;
                    (value, Span::new(i, last), self.skip_spaces(j, end))
                } else {
                    return Err(Bail);
                };
                let node = self.tree.leaf(span);
                self.entries.push(Entry {
                    key: Span::empty_at(span.start as usize),
                    node,
                });
                items.push(value);
                match b.get(after) {
                    Some(b',') if after < end => {
                        i = self.skip_spaces(after + 1, end);
                        if i < end && b[i] == b']' {
                            close = i;
                            break;
                        }
                    }
                    Some(b']') if after < end => {
                        close = after;
                        break;
                    }
                    _ => return Err(Bail),
                }
            }
            let stop = self.rest_is_blank(close + 1, end).ok_or(Bail)?;
            let span = Span::new(at, stop);
            let node = self.tree.push(span, &self.entries[entry_base..]);
            self.entries.truncate(entry_base);
            return Ok(Done {
                value: Value::Array(items),
                node,
                span,
            });
        };
        let stop = self.rest_is_blank(close + 1, end).ok_or(Bail)?;
        Ok(self.leaf(value, Span::new(at, stop)))
    }

    /// A `|` or `>` block scalar whose header is at `at`, in a collection at column `parent`.
    /// Leaves `self.pos` at the line that ends it.
    fn block_scalar(&mut self, at: usize, header_end: usize, parent: usize) -> Fast<Done> {
        let b = self.b;
        let len = b.len();
        let literal = b[at] == b'|';
        let mut i = at + 1;
        let chomp = match b.get(i) {
            Some(b'-') => {
                i += 1;
                Chomp::Strip
            }
            Some(b'+') => {
                i += 1;
                Chomp::Keep
            }
            _ => Chomp::Clip,
        };
        if i < header_end && b[i].is_ascii_digit() {
            // An explicit indentation: left to the general parser.
            return Err(Bail);
        }
        self.rest_is_blank(i, header_end).ok_or(Bail)?;
        if header_end >= len {
            return Err(Bail);
        }
        // Leading blank lines, then the first line with content sets the indentation.
        let mut line = header_end + 1;
        let mut breaks = 0usize;
        let mut deepest_blank = 0;
        let first_indent = loop {
            if line >= len {
                return Err(Bail);
            }
            let le = self.line_end(line);
            if le >= len {
                // The last line, without a line break: left to the general parser.
                return Err(Bail);
            }
            let spaces = self.skip_spaces(line, le) - line;
            if line + spaces == le {
                deepest_blank = deepest_blank.max(spaces);
                breaks += 1;
                line = le + 1;
                continue;
            }
            break spaces;
        };
        let indent = first_indent.max(deepest_blank).max(parent + 1);
        if first_indent < indent {
            // Empty, or wrongly indented: left to the general parser.
            return Err(Bail);
        }
        let start = line + indent;
        let mut text = String::new();
        let mut leading_break = false;
        let mut leading_blank = false;
        let stop = 'lines: loop {
            // `line` is a content line: at least `indent` spaces, then something.
            let le = self.line_end(line);
            if le >= len {
                return Err(Bail);
            }
            let content = line + indent;
            let trailing_blank = b[content] == b' ';
            if !literal && leading_break && !leading_blank && !trailing_blank {
                if breaks == 0 {
                    text.push(' ');
                }
            } else if leading_break {
                text.push('\n');
            }
            text.extend(std::iter::repeat_n('\n', breaks));
            breaks = 0;
            leading_blank = trailing_blank;
            text.push_str(&self.text[content..le]);
            leading_break = true;
            // The following blank lines, up to the next content line or the end.
            let mut next = le + 1;
            loop {
                if next >= len {
                    break 'lines len;
                }
                let nle = self.line_end(next);
                let spaces = self.skip_spaces(next, nle) - next;
                if next + spaces == nle && spaces <= indent {
                    if nle >= len {
                        return Err(Bail);
                    }
                    breaks += 1;
                    next = nle + 1;
                    continue;
                }
                if spaces >= indent {
                    line = next;
                    continue 'lines;
                }
                break 'lines next + spaces;
            }
        };
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => text.push('\n'),
            Chomp::Keep => {
                text.push('\n');
                text.extend(std::iter::repeat_n('\n', breaks));
            }
        }
        self.pos = if stop >= len {
            len
        } else {
            memchr::memrchr(b'\n', &b[..stop]).map_or(0, |i| i + 1)
        };
        Ok(self.leaf(Value::String(text), Span::new(start, stop)))
    }
}
