//! The YAML adapter: saphyr-parser events in, JSON values and a span tree out.
//!
//! This is the only place that knows the parser. It turns the event stream of one file into
//! documents (each a `serde_json::Value` with its root node in a shared [`SpanTree`]) and
//! into [`YamlError`]s for everything Kubernetes would reject: syntax errors, duplicate keys,
//! values JSON cannot carry, aliases that expand past a limit. A construct go-yaml (the reader
//! of kubectl and the API server) accepts and the parser refuses is repaired and read again
//! (`lenient.rs`). After a syntax error the parse restarts at the next `---` line, so one
//! broken document does not hide the others.

pub mod fast;
mod lenient;
pub mod resolve;
pub mod secrets;
pub mod tree;

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Value};

use crate::source::Span;
use resolve::{ScalarError, Style, key_string, resolve};
pub use tree::{Entry, Found, NodeId, SpanTree, escape_token};

/// Limits that keep hostile input cheap.
#[derive(Clone, Copy, Debug)]
pub struct ParseOptions {
    /// How many nodes aliases may add to one document (a "billion laughs" file stops here).
    pub alias_node_limit: usize,
    /// How many nodes aliases may add to a whole file, over all its documents.
    pub alias_file_limit: usize,
    /// How deep collections may nest. Everything after the loader walks values recursively
    /// (schemas, rules, policies, serialisation), so a document nested deeper is not read.
    pub max_depth: usize,
}

/// The default nesting limit: Kubernetes objects never nest past a few dozen levels.
pub const DEFAULT_MAX_DEPTH: usize = 1_000;

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            alias_node_limit: 1_000_000,
            alias_file_limit: 4_000_000,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// One document of a stream.
#[derive(Debug)]
pub struct Document {
    pub value: Value,
    pub root: NodeId,
    /// Where the document's content is (the root node).
    pub span: Span,
    /// Zero-based position of the document in the stream, counting empty ones.
    pub index: usize,
}

/// A problem found while reading YAML, located in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub rule: &'static str,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    /// Another place the message refers to (the first definition of a duplicate key).
    pub related: Option<Span>,
}

#[derive(Debug, Default)]
pub struct Stream {
    pub tree: SpanTree,
    pub documents: Vec<Document>,
    pub errors: Vec<YamlError>,
    /// How many nodes aliases added over the whole file.
    pub alias_nodes: usize,
}

/// Parses a whole YAML (or JSON) text: on the fast path when it takes the text (block-style
/// manifests), else with the general parser; both give the same stream.
pub fn parse_stream(text: &str, options: ParseOptions) -> Stream {
    if fast::enabled()
        && let Some(stream) = fast::parse(text, options)
    {
        return stream;
    }
    parse_stream_general(text, options)
}

/// [`parse_stream`] with the general parser only.
pub fn parse_stream_general(text: &str, options: ParseOptions) -> Stream {
    let mut stream = parse_all(text, options);
    stream.tree.shrink_to_fit();
    stream
}

fn parse_all(text: &str, options: ParseOptions) -> Stream {
    let mut stream = Stream::default();
    let table = CharTable::new(text);
    let mut base = 0;
    let mut doc_index = 0;
    let mut repairs = lenient::Repairs::default();
    // Each repair reads its chunk again: hostile input must not make that quadratic.
    let mut budget = lenient::reparse_budget(text.len());
    while base <= text.len() {
        let chunk = &text[base..];
        let (patched, shifts) = repairs.apply(text, base, &table);
        let offsets = Offsets::new(&table, base, text.len(), shifts);
        let before = (
            stream.documents.len(),
            stream.errors.len(),
            stream.alias_nodes,
            doc_index,
        );
        let outcome = parse_chunk(
            chunk,
            &patched,
            &offsets,
            &repairs,
            options,
            &mut stream,
            &mut doc_index,
        );
        match outcome {
            None => break,
            Some(failure) => {
                // A construct go-yaml accepts: edit the text the parser sees (never a value) and
                // read the chunk again. Nodes of the abandoned attempt stay unused in the tree.
                if budget >= chunk.len() && repairs.repair(text, base, &failure.info, failure.at) {
                    budget -= chunk.len();
                    stream.documents.truncate(before.0);
                    stream.errors.truncate(before.1);
                    stream.alias_nodes = before.2;
                    doc_index = before.3;
                    continue;
                }
                let at = failure.at;
                stream.errors.push(YamlError {
                    rule: "yaml-syntax",
                    span: Span::new(at, at + next_char_len(text, at)),
                    message: describe_scan_error(repairs.reason().unwrap_or(&failure.info)),
                    help: None,
                    related: None,
                });
                // The document being built is incomplete: count it and drop it.
                doc_index += 1;
                // Restart at the next line that opens a document.
                match next_document_start(text, at) {
                    Some(next) if next > base => base = next,
                    // The error is on the line that opened this chunk: look past it.
                    Some(_) => match following_document_start(text, at) {
                        Some(next) if next > base => base = next,
                        _ => break,
                    },
                    None => break,
                }
            }
        }
    }
    reject_control_characters(text, &mut stream);
    reject_directives(text, &mut stream);
    stream
}

/// Whether the lines from `text` on are directives, comments or blank up to a `---` line
/// (else a `%` in column 0 is part of a value).
fn heads_document(text: &str) -> bool {
    for line in text.lines() {
        let line = line.trim_end();
        if opens_document(line) || line == "---" {
            return true;
        }
        if !(line.is_empty() || line.starts_with('%') || line.trim_start().starts_with('#')) {
            return false;
        }
    }
    false
}

/// kubectl splits a file at its `---` lines before decoding, so a `%YAML` or `%TAG` directive
/// is left alone before its `---` and the file is rejected: report each and drop the
/// document it heads.
fn reject_directives(text: &str, stream: &mut Stream) {
    if !text.starts_with('%') && memchr::memmem::find(text.as_bytes(), b"\n%").is_none() {
        return;
    }
    let mut headed = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let line = &text[at..];
        if (line.starts_with("%YAML ") || line.starts_with("%TAG "))
            && heads_document(line)
            && !stream.errors.iter().any(|e| e.span.start as usize == at)
        {
            stream.errors.push(YamlError {
                rule: "yaml-syntax",
                span: Span::new(at, at + 1),
                message: "invalid YAML: Directives are not read by Kubernetes: kubectl rejects a file that holds one".to_owned(),
                help: Some("remove the directive line".to_owned()),
                related: None,
            });
            if let Some(d) = stream.documents.iter().find(|d| d.span.start as usize > at) {
                headed.push(d.span.start);
            }
        }
        match memchr::memchr(b'\n', line.as_bytes()) {
            Some(n) => at += n + 1,
            None => break,
        }
    }
    if !headed.is_empty() {
        stream.documents.retain(|d| !headed.contains(&d.span.start));
    }
}

/// go-yaml refuses a document holding a control character (anywhere, comments included):
/// report the first one of each document and drop the document.
fn reject_control_characters(text: &str, stream: &mut Stream) {
    let mut region_end = 0;
    for at in lenient::control_characters(text) {
        if at < region_end {
            continue;
        }
        let mut start = memchr::memrchr(b'\n', &text.as_bytes()[..at]).map_or(0, |i| i + 1);
        while start > 0 && !opens_document(&text[start..]) {
            start = memchr::memrchr(b'\n', &text.as_bytes()[..start - 1]).map_or(0, |i| i + 1);
        }
        region_end = following_document_start(text, at).unwrap_or(text.len());
        let c = text[at..].chars().next().map_or(0, u32::from);
        stream.errors.push(YamlError {
            rule: "yaml-syntax",
            span: Span::new(at, at + next_char_len(text, at).max(1)),
            message: format!(
                "invalid YAML: Control character U+{c:04X} (Kubernetes' YAML reader rejects the document)"
            ),
            help: Some(format!(
                "remove the character, or write it as the escape `\\u{c:04X}` in a double-quoted string"
            )),
            related: None,
        });
        stream
            .documents
            .retain(|d| !(start..region_end).contains(&(d.span.start as usize)));
    }
}

/// The offset of the line that opens the next document after an error at `offset`: the
/// error's own line when it is a `---` line (an unclosed `{` is reported there), else the
/// first such line after it.
fn next_document_start(text: &str, offset: usize) -> Option<usize> {
    let offset = offset.min(text.len());
    let line_start = memchr::memrchr(b'\n', &text.as_bytes()[..offset]).map_or(0, |i| i + 1);
    if opens_document(&text[line_start..]) {
        return Some(line_start);
    }
    following_document_start(text, offset)
}

/// The offset of the first line after the line of `offset` that starts with `---`.
fn following_document_start(text: &str, offset: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut pos = memchr::memchr(b'\n', bytes.get(offset..)?)? + offset + 1;
    loop {
        let rest = &text[pos..];
        if opens_document(rest) {
            return Some(pos);
        }
        pos += memchr::memchr(b'\n', rest.as_bytes())? + 1;
    }
}

fn opens_document(line: &str) -> bool {
    line.starts_with("---")
        && matches!(
            line.as_bytes().get(3),
            None | Some(b' ' | b'\n' | b'\r' | b'\t')
        )
}

/// The byte offset of every character of a non-ASCII text, built once per file: the parser
/// reports character indices, and restarts after syntax errors must not rebuild it.
struct CharTable {
    /// `None` when the text is ASCII (character index = byte offset).
    bytes: Option<Vec<u32>>,
}

impl CharTable {
    fn new(text: &str) -> CharTable {
        let bytes = (!text.is_ascii()).then(|| {
            let mut v: Vec<u32> = text
                .char_indices()
                .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
                .collect();
            v.push(u32::try_from(text.len()).unwrap_or(u32::MAX));
            v
        });
        CharTable { bytes }
    }

    /// The character index of a byte offset that starts a character.
    fn char_index(&self, byte: usize) -> usize {
        match &self.bytes {
            None => byte,
            Some(table) => {
                let byte = u32::try_from(byte).unwrap_or(u32::MAX);
                table.partition_point(|&b| b < byte)
            }
        }
    }
}

/// Converts the parser's character indices (within one chunk) into byte offsets of the text.
struct Offsets<'t> {
    table: &'t CharTable,
    base: usize,
    /// The character index of `base`.
    char_base: usize,
    /// The length of the whole text.
    end: usize,
    /// Spaces the parser saw that the text does not hold (see [`lenient`]).
    shifts: lenient::Shifts,
}

impl<'t> Offsets<'t> {
    fn new(table: &'t CharTable, base: usize, end: usize, shifts: lenient::Shifts) -> Offsets<'t> {
        Offsets {
            table,
            base,
            char_base: table.char_index(base),
            end,
            shifts,
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        let char_index = self.shifts.original(char_index);
        match &self.table.bytes {
            None => (self.base + char_index).min(self.end),
            Some(map) => map
                .get(self.char_base + char_index)
                .map_or(self.end, |&b| b as usize),
        }
    }

    fn span(&self, span: &saphyr_parser::Span) -> Span {
        Span::new(self.byte(span.start.index()), self.byte(span.end.index()))
    }
}

struct Anchored {
    value: Value,
    node: NodeId,
    weight: usize,
}

struct PendingKey {
    key: String,
    span: Span,
    merge: bool,
}

enum Collection {
    Seq(Vec<Value>),
    Map {
        map: MapBuilder,
        pending: Option<PendingKey>,
        /// Keys that came from a merge (`<<`), which explicit keys may override.
        merged: Vec<String>,
    },
}

struct Frame {
    collection: Collection,
    entries: Vec<Entry>,
    shadowed: Vec<Entry>,
    start: usize,
    flow: bool,
    anchor: usize,
    weight: usize,
}

/// A finished node on its way into its parent.
struct Done {
    value: Value,
    node: NodeId,
    span: Span,
    weight: usize,
    /// For scalars: the text and whether it was a plain `<<`.
    scalar: Option<(bool, bool)>,
}

struct Builder<'s> {
    stream: &'s mut Stream,
    options: ParseOptions,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    expanded: usize,
    /// Set when the current document hit a fatal problem (alias limit); its events are skipped.
    abandoned: bool,
    root: Option<Done>,
}

/// A syntax error that stopped the parse of a chunk.
struct Failure {
    /// Byte offset in the text.
    at: usize,
    /// The parser's description.
    info: String,
}

/// Parses one chunk (`parsed` is the chunk as the parser reads it, after repairs); returns
/// the syntax error that stopped it, if one did.
fn parse_chunk(
    chunk: &str,
    parsed: &str,
    offsets: &Offsets<'_>,
    repairs: &lenient::Repairs,
    options: ParseOptions,
    stream: &mut Stream,
    doc_index: &mut usize,
) -> Option<Failure> {
    let base = offsets.base;
    let mut builder = Builder {
        stream,
        options,
        stack: Vec::new(),
        anchors: HashMap::new(),
        expanded: 0,
        abandoned: false,
        root: None,
    };
    let text = chunk;
    for event in Parser::new_from_str(parsed) {
        let (event, span) = match event {
            Ok(pair) => pair,
            Err(error) => {
                return Some(Failure {
                    at: offsets.byte(error.marker().index()),
                    info: error.info().to_owned(),
                });
            }
        };
        let span = offsets.span(&span);
        if !builder.abandoned
            && let Some(tab) = builder.tab_after_dash(&event, text, span.start as usize - base)
        {
            // go-yaml stops at a tab after a block sequence's `-`: the document is not read.
            builder.stream.errors.push(YamlError {
                rule: "yaml-syntax",
                span: Span::new(base + tab, base + tab + 1),
                message: "invalid YAML: A tab after `-` cannot start a sequence item (Kubernetes' YAML reader rejects it)".to_owned(),
                help: Some("put a space after `-` instead of the tab".to_owned()),
                related: None,
            });
            builder.abandon();
        }
        match event {
            Event::DocumentStart(_) => {
                builder.stack.clear();
                builder.anchors.clear();
                builder.expanded = 0;
                builder.abandoned = false;
                builder.root = None;
            }
            Event::DocumentEnd => {
                if let Some(root) = builder.root.take()
                    && !builder.abandoned
                    && !root.value.is_null()
                {
                    builder.stream.documents.push(Document {
                        value: root.value,
                        root: root.node,
                        span: root.span,
                        index: *doc_index,
                    });
                }
                *doc_index += 1;
            }
            _ if builder.abandoned => {}
            Event::Scalar(mut value, style, anchor, tag) => {
                if style == ScalarStyle::DoubleQuoted
                    && let Some(restored) = repairs.restore(
                        text,
                        base,
                        (span.start as usize, span.end as usize),
                        &value,
                    )
                {
                    value = restored.into();
                }
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => Style::Quoted,
                    ScalarStyle::Literal | ScalarStyle::Folded => Style::Block,
                };
                let tag_name = tag.as_ref().map(|t| {
                    if t.is_yaml_core_schema() {
                        t.suffix.clone()
                    } else {
                        t.to_string()
                    }
                });
                let resolved = match resolve(&value, style, tag_name.as_deref()) {
                    Ok(v) => v,
                    Err(error) => {
                        builder.scalar_error(error, span);
                        Value::String(value.to_string())
                    }
                };
                let merge = style == Style::Plain && tag.is_none() && value == "<<";
                let node = builder.stream.tree.leaf(span);
                builder.finish(
                    Done {
                        value: resolved,
                        node,
                        span,
                        weight: 1,
                        scalar: Some((true, merge)),
                    },
                    anchor,
                );
            }
            Event::SequenceStart(..) | Event::MappingStart(..)
                if builder.stack.len() >= options.max_depth =>
            {
                builder.too_deep(span);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let is_map = matches!(event, Event::MappingStart(..));
                let start = span.start as usize;
                let flow = matches!(text.as_bytes().get(start - base), Some(b'[' | b'{'));
                builder.stack.push(Frame {
                    collection: if is_map {
                        Collection::Map {
                            map: MapBuilder::default(),
                            pending: None,
                            merged: Vec::new(),
                        }
                    } else {
                        Collection::Seq(Vec::new())
                    },
                    entries: Vec::new(),
                    shadowed: Vec::new(),
                    start,
                    flow,
                    anchor,
                    weight: 1,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = builder.stack.pop() {
                    builder.close(frame, span);
                }
            }
            Event::Alias(id) => builder.alias(id, span),
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
    None
}

fn next_char_len(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(0, |c| if c == '\n' { 0 } else { c.len_utf8() })
}

fn describe_scan_error(info: &str) -> String {
    let mut message = info.to_owned();
    if let Some(first) = message.get(..1) {
        let upper = first.to_uppercase();
        message.replace_range(..1, &upper);
    }
    format!("invalid YAML: {message}")
}

impl Builder<'_> {
    fn scalar_error(&mut self, error: ScalarError, span: Span) {
        let (message, help) = match error {
            ScalarError::NotRepresentable(what) => (
                format!(
                    "this value is read as the number {what}, which JSON cannot carry: the API server rejects it"
                ),
                "quote the value to make it a string".to_owned(),
            ),
            ScalarError::BadTag { tag, reason } => (
                format!("the value tagged `{tag}` is {reason}"),
                format!("remove the `{tag}` tag or correct the value"),
            ),
        };
        self.stream.errors.push(YamlError {
            rule: "yaml-invalid-value",
            span,
            message,
            help: Some(help),
            related: None,
        });
    }

    fn close(&mut self, frame: Frame, end_event: Span) {
        let end = if frame.flow {
            end_event.end as usize
        } else {
            frame
                .entries
                .last()
                .map_or(frame.start, |e| self.stream.tree.span(e.node).end as usize)
        };
        let span = Span::new(frame.start, end);
        let (mut value, keys) = match frame.collection {
            Collection::Seq(mut items) => {
                items.shrink_to_fit();
                (Value::Array(items), None)
            }
            Collection::Map { map, pending, .. } => {
                if let Some(key) = pending {
                    // A key whose value never came cannot happen with a valid event stream.
                    self.stream.errors.push(YamlError {
                        rule: "yaml-syntax",
                        span: key.span,
                        message: format!("invalid YAML: the key `{}` has no value", key.key),
                        help: None,
                        related: None,
                    });
                }
                let (object, keys) = map.finish();
                (Value::Object(object), keys)
            }
        };
        let node = self.stream.tree.push(span, &frame.entries);
        if let Some(keys) = keys {
            self.stream.tree.index_keys(node, keys);
        }
        if !frame.shadowed.is_empty() {
            self.stream.tree.shadow(node, &frame.shadowed);
        }
        if value.is_null() {
            value = Value::Null;
        }
        self.finish(
            Done {
                value,
                node,
                span,
                weight: frame.weight,
                scalar: None,
            },
            frame.anchor,
        );
    }

    /// For a node that starts a block sequence's item, the offset (in the chunk) of a tab
    /// between the `-` and the node.
    fn tab_after_dash(&self, event: &Event<'_>, chunk: &str, start: usize) -> Option<usize> {
        let frame = self.stack.last()?;
        if frame.flow
            || !matches!(frame.collection, Collection::Seq(_))
            || !matches!(
                event,
                Event::Scalar(..)
                    | Event::SequenceStart(..)
                    | Event::MappingStart(..)
                    | Event::Alias(_)
            )
        {
            return None;
        }
        lenient::tab_after_dash(chunk, start)
    }

    /// A collection nested past the limit: the document is reported and not read.
    fn too_deep(&mut self, span: Span) {
        let at = span.start as usize;
        self.stream.errors.push(YamlError {
            rule: "yaml-depth-limit",
            span: Span::new(at, at + 1),
            message: format!(
                "collections in this document nest more than {} levels deep; the document is not checked",
                self.options.max_depth
            ),
            help: Some(
                "Kubernetes objects nest a few dozen levels at most; raise the limit with --max-depth if this is intended"
                    .to_owned(),
            ),
            related: None,
        });
        self.abandon();
    }

    fn abandon(&mut self) {
        self.abandoned = true;
        self.stack.clear();
        self.root = None;
    }

    fn alias(&mut self, id: usize, span: Span) {
        let Some(anchored) = self.anchors.get(&id) else {
            self.stream.errors.push(YamlError {
                rule: "yaml-syntax",
                span,
                message: "invalid YAML: this alias refers to no anchor".to_owned(),
                help: None,
                related: None,
            });
            return;
        };
        self.expanded = self.expanded.saturating_add(anchored.weight);
        self.stream.alias_nodes = self.stream.alias_nodes.saturating_add(anchored.weight);
        let over = if self.expanded > self.options.alias_node_limit {
            Some(("this document", self.options.alias_node_limit))
        } else if self.stream.alias_nodes > self.options.alias_file_limit {
            Some(("this file", self.options.alias_file_limit))
        } else {
            None
        };
        if let Some((scope, limit)) = over {
            self.stream.errors.push(YamlError {
                rule: "yaml-alias-limit",
                span,
                message: format!(
                    "aliases in {scope} expand to more than {limit} nodes; the document is not checked"
                ),
                help: Some("write the repeated content out, or use fewer nested aliases".to_owned()),
                related: None,
            });
            self.abandon();
            return;
        }
        let done = Done {
            value: anchored.value.clone(),
            node: anchored.node,
            span,
            weight: anchored.weight,
            scalar: None,
        };
        self.finish(done, 0);
    }

    /// Hands a finished node to its parent (or makes it the document's root).
    fn finish(&mut self, done: Done, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(
                anchor,
                Anchored {
                    value: done.value.clone(),
                    node: done.node,
                    weight: done.weight,
                },
            );
        }
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(done);
            return;
        };
        frame.weight = frame.weight.saturating_add(done.weight);
        match &mut frame.collection {
            Collection::Seq(items) => {
                items.push(done.value);
                frame.entries.push(Entry {
                    key: Span::empty_at(done.span.start as usize),
                    node: done.node,
                });
            }
            Collection::Map { pending, .. } if pending.is_none() => {
                let merge = matches!(done.scalar, Some((_, true)));
                if done.scalar.is_none() && !done.value.is_string() {
                    self.stream.errors.push(YamlError {
                        rule: "yaml-invalid-key",
                        span: done.span,
                        message: "a mapping key must be a scalar: Kubernetes objects are JSON, whose keys are strings".to_owned(),
                        help: None,
                        related: None,
                    });
                }
                let key = if done.value.is_array() || done.value.is_object() {
                    done.value.to_string()
                } else {
                    key_string(&done.value)
                };
                if let Collection::Map { pending, .. } = &mut frame.collection {
                    *pending = Some(PendingKey {
                        key,
                        span: done.span,
                        merge,
                    });
                }
            }
            Collection::Map { .. } => self.insert(done),
        }
    }

    fn insert(&mut self, done: Done) {
        let tree = &self.stream.tree;
        let errors = &mut self.stream.errors;
        let Some(frame) = self.stack.last_mut() else {
            return;
        };
        let Collection::Map {
            map,
            pending,
            merged,
        } = &mut frame.collection
        else {
            return;
        };
        let Some(key) = pending.take() else {
            return;
        };
        if key.merge {
            let mut sources = Vec::new();
            match &done.value {
                Value::Object(_) => sources.push((done.node, &done.value)),
                Value::Array(items) => {
                    for (entry, item) in tree.children(done.node).iter().zip(items) {
                        sources.push((entry.node, item));
                    }
                }
                _ => {}
            }
            if sources.is_empty() || sources.iter().any(|(_, v)| !v.is_object()) {
                errors.push(YamlError {
                    rule: "yaml-invalid-value",
                    span: done.span,
                    message:
                        "the value of a merge key `<<` must be a mapping or a list of mappings"
                            .to_owned(),
                    help: None,
                    related: None,
                });
            }
            for (node, value) in sources {
                let Value::Object(source) = value else {
                    continue;
                };
                for (entry, (k, v)) in tree.children(node).iter().zip(source) {
                    if map.position(k).is_none() {
                        map.push(k.clone(), v.clone());
                        frame.entries.push(Entry {
                            key: entry.key,
                            node: entry.node,
                        });
                        merged.push(k.clone());
                    }
                }
            }
            return;
        }
        let entry = Entry {
            key: key.span,
            node: done.node,
        };
        match map.position(&key.key) {
            Some(i) => {
                if let Some(m) = merged.iter().position(|k| *k == key.key) {
                    merged.swap_remove(m);
                } else {
                    errors.push(YamlError {
                        rule: "yaml-duplicate-key",
                        span: key.span,
                        message: format!("duplicate key `{}` in this mapping", key.key),
                        help: Some(
                            "remove one of the two entries; the API server rejects duplicate fields and other tools keep only the last".to_owned(),
                        ),
                        related: frame.entries.get(i).map(|e| e.key),
                    });
                }
                if let Some(slot) = frame.entries.get_mut(i) {
                    frame.shadowed.push(*slot);
                    *slot = entry;
                }
                map.set(i, done.value);
            }
            None => {
                map.push(key.key, done.value);
                frame.entries.push(entry);
            }
        }
    }
}

/// A mapping being read: entries in order, looked up by key, turned into a JSON object of
/// exactly the right size at the end (objects are most of the memory of a run).
#[derive(Default)]
struct MapBuilder {
    items: Vec<(String, Value)>,
    /// Built once a mapping grows past a few keys, where a linear search stops being cheap.
    index: Option<HashMap<String, usize>>,
}

impl MapBuilder {
    const LINEAR: usize = 16;

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.items.iter().position(|(k, _)| k == key),
        }
    }

    fn push(&mut self, key: String, value: Value) {
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.items.len());
        } else if self.items.len() >= Self::LINEAR {
            let mut index: HashMap<String, usize> = self
                .items
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect();
            index.insert(key.clone(), self.items.len());
            self.index = Some(index);
        }
        self.items.push((key, value));
    }

    fn set(&mut self, i: usize, value: Value) {
        if let Some(slot) = self.items.get_mut(i) {
            slot.1 = value;
        }
    }

    /// The object, and for a large mapping the position of each key (for the span tree).
    fn finish(self) -> (Map<String, Value>, Option<tree::KeyIndex>) {
        let keys = self
            .index
            .filter(|_| self.items.len() > tree::INDEXED_MAPPING)
            .map(|index| {
                index
                    .into_iter()
                    .map(|(k, i)| (k.into_boxed_str(), u32::try_from(i).unwrap_or(u32::MAX)))
                    .collect()
            });
        // `from_iter` sizes the object from the exact length of the list.
        (self.items.into_iter().collect(), keys)
    }
}

#[cfg(test)]
mod tests;
