//! A template's YAML structure, read with its `{{ }}` actions masked, and the line of the
//! template that produced each value of a rendered document.
//!
//! Helm renders text, not YAML, so the template cannot be parsed as YAML. Its lines still
//! follow the layout of the output: indentation, `key:` entries and `- ` list items. Reading
//! them with the actions blanked out gives a skeleton of the document; a rendered value is
//! traced by walking the skeleton with the value's keys. A key the skeleton lacks came from
//! an action (an `include`, a `toYaml`): it is attributed to that action's line when only one
//! action can have produced it, and left unknown otherwise. A line is never guessed.

use serde_json::Value;

/// What an action does to the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    /// `if`, `else`, `end`, `range`, `with`, `define`, a variable assignment: no output.
    Control,
    /// A comment (`{{/* */}}`).
    Comment,
    /// Anything that writes text (`include`, `toYaml`, `.Values.x`).
    Output,
}

/// One `{{ }}` action: its byte range in the template and its text without the delimiters.
#[derive(Clone, Debug)]
pub struct Action {
    pub start: usize,
    pub end: usize,
    pub kind: ActionKind,
    pub text: String,
    /// The `.Values` path that `.` stands for here, inside `{{ with .Values.a.b }}`.
    pub dot: Option<Vec<String>>,
}

/// The kind of a template line, once its actions are masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum LineKind {
    Blank,
    /// Only control actions and comments.
    Control,
    /// Only actions, at least one of which writes text: a block comes from here.
    Producer,
    /// `key: …`, `- …` or a plain scalar.
    Content,
}

#[derive(Clone, Debug)]
struct Node {
    /// Zero-based line number.
    line: usize,
    /// The column where this node's content starts (a key, or the dash of an item).
    col: usize,
    kind: NodeKind,
    /// Whether the line's value part holds an action (`key: {{ … }}`).
    inline_action: bool,
    /// Whether the line's value part holds literal text (`key: value`), and that text.
    literal: Option<String>,
    children: Vec<usize>,
    /// Whether a control action sits among this node's children (a `range`, an `if`).
    conditional: bool,
    /// Whether a `range` sits among this node's children: its items may repeat.
    repeats: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum NodeKind {
    Root,
    /// `key:`; `None` when the key itself is written by an action.
    Entry(Option<String>),
    /// `- `
    Item,
    /// A line of actions that writes a block (`{{- include "x" . | nindent 4 }}`).
    Producer,
}

/// A template, read once, ready to trace any number of rendered documents.
#[derive(Clone, Debug)]
pub struct Template {
    text: String,
    actions: Vec<Action>,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    nodes: Vec<Node>,
    /// The root node of each YAML document of the template (split at `---` lines).
    documents: Vec<usize>,
}

/// Where a rendered value came from in a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trace {
    /// The zero-based line that wrote the value (or the block holding it).
    Line(usize),
    /// Only the template file is known.
    Unknown,
}

/// The origin of each node of a rendered value: its line, and the origins of its children
/// (by key, or by index in decimal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Traced {
    pub trace: Trace,
    /// The value was written as part of a block (an `include`, a `toYaml`) whose top is the
    /// parent: the block's `.Values` path leads to the parent, not to this node.
    pub block: bool,
    /// For a mapping or a list: the one line that writes the children the template does not
    /// spell out (`{{- toYaml .Values.resources | nindent 12 }}` under `resources:`).
    pub writer: Option<usize>,
    pub children: Vec<(String, Traced)>,
}

impl Template {
    pub fn new(text: &str) -> Template {
        let (masked, actions) = mask(text);
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        let mut template = Template {
            text: text.to_owned(),
            actions,
            line_starts,
            nodes: Vec::new(),
            documents: Vec::new(),
        };
        template.build(&masked);
        template
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The byte range of a line's content (indentation and line break left out).
    pub fn line_span(&self, line: usize) -> (usize, usize) {
        let start = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        let content = &self.text[start..end.max(start)];
        let trimmed = content.trim_start();
        let lead = content.len() - trimmed.len();
        let body = trimmed.trim_end();
        (start + lead, start + lead + body.len())
    }

    /// The actions that start on a line.
    pub fn actions_on(&self, line: usize) -> impl Iterator<Item = &Action> {
        let (start, end) = self.line_span(line);
        self.actions
            .iter()
            .filter(move |a| a.start >= start && a.start < end.max(start + 1))
    }

    fn build(&mut self, masked: &str) {
        let lines: Vec<&str> = masked.split('\n').collect();
        self.nodes.push(root(0));
        self.documents.push(0);
        let mut stack: Vec<usize> = vec![0];
        // Columns of block scalars (`key: |`): deeper lines are text, not structure.
        let mut block_scalar: Option<usize> = None;
        for (number, raw) in lines.iter().enumerate() {
            let line = raw.trim_end_matches('\r');
            let indent = line.len() - line.trim_start_matches(' ').len();
            let rest = &line[indent..];
            let kind = self.classify(number, rest);
            if let Some(col) = block_scalar {
                if kind == LineKind::Blank || indent > col {
                    continue;
                }
                block_scalar = None;
            }
            match kind {
                LineKind::Blank => {}
                LineKind::Control => {
                    // A `range` or an `if` among the children of the node it is indented
                    // under: its items may repeat or be left out.
                    let repeats = self.actions_on(number).any(|a| a.text.starts_with("range"));
                    let owner = stack
                        .iter()
                        .rev()
                        .copied()
                        .find(|&open| open == stack[0] || self.nodes[open].col < indent)
                        .unwrap_or(0);
                    self.nodes[owner].conditional = true;
                    self.nodes[owner].repeats |= repeats;
                }
                LineKind::Producer => {
                    let col = self.nindent(number).unwrap_or(indent);
                    pop_to(&mut stack, &self.nodes, col, false);
                    let node = Node {
                        line: number,
                        col,
                        kind: NodeKind::Producer,
                        inline_action: true,
                        literal: None,
                        children: Vec::new(),
                        conditional: false,
                        repeats: false,
                    };
                    self.attach(&stack, node);
                }
                LineKind::Content => {
                    if rest.starts_with("---") && indent == 0 {
                        let id = self.nodes.len();
                        self.nodes.push(root(number));
                        self.documents.push(id);
                        stack = vec![id];
                        continue;
                    }
                    if rest.starts_with('#') {
                        continue;
                    }
                    let mut col = indent;
                    let mut body = rest;
                    // `- - key: v`: one item per dash.
                    while body == "-" || body.starts_with("- ") {
                        pop_to(&mut stack, &self.nodes, col, true);
                        let node = Node {
                            line: number,
                            col,
                            kind: NodeKind::Item,
                            inline_action: false,
                            literal: None,
                            children: Vec::new(),
                            conditional: false,
                            repeats: false,
                        };
                        let id = self.attach(&stack, node);
                        stack.push(id);
                        let after = body[1..].trim_start_matches(' ');
                        col += body.len() - after.len();
                        body = after;
                    }
                    if body.is_empty() {
                        continue;
                    }
                    match split_key(body) {
                        Some((key, value)) => {
                            pop_to(&mut stack, &self.nodes, col, false);
                            let value_trimmed = value.trim();
                            let value_trimmed = strip_comment(value_trimmed);
                            let inline_action = value_trimmed.contains(MASK);
                            let literal = (!inline_action && !value_trimmed.is_empty())
                                .then(|| unquote(value_trimmed).to_owned());
                            let dynamic = key.contains(MASK);
                            let node = Node {
                                line: number,
                                col,
                                kind: NodeKind::Entry((!dynamic).then(|| unquote(key).to_owned())),
                                inline_action,
                                literal,
                                children: Vec::new(),
                                conditional: false,
                                repeats: false,
                            };
                            let id = self.attach(&stack, node);
                            stack.push(id);
                            let v = value_trimmed;
                            if v.starts_with('|') || v.starts_with('>') {
                                block_scalar = Some(col);
                            }
                        }
                        None => {
                            // A scalar item (`- value`) or a continuation: the item holds it.
                            if let Some(&top) = stack.last()
                                && self.nodes[top].kind == NodeKind::Item
                                && self.nodes[top].line == number
                            {
                                let inline = body.contains(MASK);
                                self.nodes[top].inline_action = inline;
                                if !inline {
                                    self.nodes[top].literal = Some(unquote(body).to_owned());
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn attach(&mut self, stack: &[usize], node: Node) -> usize {
        let id = self.nodes.len();
        self.nodes.push(node);
        let parent = stack.last().copied().unwrap_or(0);
        self.nodes[parent].children.push(id);
        id
    }

    fn classify(&self, number: usize, rest: &str) -> LineKind {
        if rest.trim().is_empty() {
            return LineKind::Blank;
        }
        let only_actions = rest.chars().all(|c| c == MASK || c == ' ' || c == '\t');
        if !only_actions {
            return LineKind::Content;
        }
        let writes = self
            .actions_on(number)
            .any(|a| a.kind == ActionKind::Output);
        if writes {
            LineKind::Producer
        } else if self.actions_on(number).next().is_some() {
            LineKind::Control
        } else {
            // The tail of an action that began on an earlier line.
            LineKind::Blank
        }
    }

    /// The indentation an output action asks for (`nindent 4`, `indent 4`).
    fn nindent(&self, line: usize) -> Option<usize> {
        self.actions_on(line).find_map(|a| {
            let words: Vec<&str> = a.text.split_whitespace().collect();
            words.windows(2).find_map(|w| {
                matches!(w[0], "nindent" | "indent")
                    .then(|| w[1].trim_end_matches(')').parse().ok())
                    .flatten()
            })
        })
    }

    /// Traces every node of a rendered document. `document` is the index of the YAML
    /// document in the template that produced it (0 for most templates).
    pub fn trace(&self, document: usize, value: &Value) -> Traced {
        let root = self.documents.get(document).copied().unwrap_or(0);
        let line = self
            .child_entry(root, "kind")
            .map_or(Trace::Unknown, |n| Trace::Line(self.nodes[n].line));
        self.trace_node(Some(root), value, line)
    }

    /// How many YAML documents the template holds (split at `---` lines).
    pub fn documents(&self) -> usize {
        self.documents.len()
    }

    /// The index of the template document that holds a rendered document with this value:
    /// the one whose literal `kind:` matches, when the template has several; `None` when
    /// that is ambiguous.
    pub fn document_for(&self, value: &Value) -> Option<usize> {
        if self.documents.len() < 2 {
            return Some(0);
        }
        let with_content: Vec<usize> = (0..self.documents.len())
            .filter(|&d| !self.nodes[self.documents[d]].children.is_empty())
            .collect();
        if let [one] = with_content.as_slice() {
            return Some(*one);
        }
        let kind = value.get("kind").and_then(Value::as_str);
        let matching: Vec<usize> = (0..self.documents.len())
            .filter(|&d| {
                self.child_entry(self.documents[d], "kind")
                    .and_then(|n| self.nodes[n].literal.as_deref())
                    == kind
            })
            .collect();
        match matching.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    fn trace_node(&self, node: Option<usize>, value: &Value, trace: Trace) -> Traced {
        let Some(node) = node else {
            return leaf(trace);
        };
        let mut children = Vec::new();
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    children.push((key.clone(), self.step(node, key, child)));
                }
            }
            Value::Array(items) => {
                let chosen = self.items_for(node, items);
                for (i, child) in items.iter().enumerate() {
                    let traced = match chosen.get(i).copied().flatten() {
                        Some(Step::Node(n)) => {
                            self.trace_node(Some(n), child, Trace::Line(self.nodes[n].line))
                        }
                        Some(Step::Line(line)) => block(Trace::Line(line)),
                        None => block(Trace::Unknown),
                    };
                    children.push((i.to_string(), traced));
                }
            }
            _ => {}
        }
        let writer = match (value, self.writer(node)) {
            (Value::Object(_) | Value::Array(_), Some(Step::Line(line))) => Some(line),
            _ => None,
        };
        Traced {
            trace,
            block: false,
            writer,
            children,
        }
    }

    /// The origin of the child `key` of `node`.
    fn step(&self, node: usize, key: &str, value: &Value) -> Traced {
        if let Some(child) = self
            .child_entry(node, key)
            .or_else(|| self.branch_entry(node, key, value))
        {
            let line = Trace::Line(self.nodes[child].line);
            if self.nodes[child].inline_action && self.nodes[child].children.is_empty() {
                // `key: {{ toYaml … }}`: the whole value comes from this line.
                return leaf(line);
            }
            return self.trace_node(Some(child), value, line);
        }
        match self.writer(node) {
            Some(Step::Line(line)) => block(Trace::Line(line)),
            Some(Step::Node(_)) | None => block(Trace::Unknown),
        }
    }

    /// The one line that can have written children absent from the skeleton of `node`: its
    /// single producer child, or its own line when its value is an action.
    fn writer(&self, node: usize) -> Option<Step> {
        let n = &self.nodes[node];
        let producers: Vec<usize> = n
            .children
            .iter()
            .copied()
            .filter(|&c| {
                let c = &self.nodes[c];
                c.kind == NodeKind::Producer || c.kind == NodeKind::Entry(None)
            })
            .collect();
        match producers.as_slice() {
            [one] => Some(Step::Line(self.nodes[*one].line)),
            [] if n.inline_action => Some(Step::Line(n.line)),
            _ => None,
        }
    }

    /// For a key written in several branches of an `if`: the branch whose literals the
    /// rendered value holds, when exactly one holds the most and none contradicts it.
    fn branch_entry(&self, node: usize, key: &str, value: &Value) -> Option<usize> {
        let candidates: Vec<usize> = self.nodes[node]
            .children
            .iter()
            .copied()
            .filter(|&c| matches!(&self.nodes[c].kind, NodeKind::Entry(Some(k)) if k == key))
            .collect();
        if candidates.len() < 2 {
            return None;
        }
        let scores: Vec<(usize, usize)> = candidates
            .iter()
            .filter_map(|&c| {
                let n = &self.nodes[c];
                match &n.literal {
                    Some(literal) => (scalar_text(value).as_deref() == Some(literal.as_str()))
                        .then_some((c, 1000)),
                    None => Some((c, self.resemblance(c, value))),
                }
            })
            .collect();
        let best = scores.iter().map(|(_, s)| *s).max()?;
        let mut top = scores.iter().filter(|(_, s)| *s == best && best > 0);
        match (top.next(), top.next()) {
            (Some((c, _)), None) => Some(*c),
            _ => None,
        }
    }

    fn child_entry(&self, node: usize, key: &str) -> Option<usize> {
        let mut found = self.nodes[node]
            .children
            .iter()
            .copied()
            .filter(|&c| matches!(&self.nodes[c].kind, NodeKind::Entry(Some(k)) if k == key));
        let first = found.next()?;
        // The same key twice (in the branches of an `if`): which one wrote it is unknown,
        // unless they are on the same line.
        match found.next() {
            Some(_) => None,
            None => Some(first),
        }
    }

    /// For each rendered item, the template item (or block line) that wrote it.
    fn items_for(&self, node: usize, items: &[Value]) -> Vec<Option<Step>> {
        let n = &self.nodes[node];
        let template_items: Vec<usize> = n
            .children
            .iter()
            .copied()
            .filter(|&c| self.nodes[c].kind == NodeKind::Item)
            .collect();
        let producers = n
            .children
            .iter()
            .filter(|&&c| self.nodes[c].kind != NodeKind::Item)
            .count();
        // Each item written once (no `range`), and as many as the template has: in order.
        if producers == 0 && !n.repeats && template_items.len() == items.len() {
            return template_items
                .into_iter()
                .map(|i| Some(Step::Node(i)))
                .collect();
        }
        if template_items.is_empty() {
            let writer = self.writer(node);
            return items.iter().map(|_| writer).collect();
        }
        if producers == 0 && template_items.len() == 1 {
            // One item in the template, under `range` or `if`: every rendered item is it.
            return items
                .iter()
                .map(|_| Some(Step::Node(template_items[0])))
                .collect();
        }
        // Several candidates: the one whose literal fields and keys agree best with the
        // item, if unique; else the only one that nothing rules out. Items are written in
        // template order, so a choice that goes back is dropped.
        let mut last = 0;
        items
            .iter()
            .map(|item| {
                let scores: Vec<(usize, usize)> = template_items
                    .iter()
                    .enumerate()
                    .filter(|(position, _)| *position >= last)
                    .filter_map(|(_, &c)| self.agreement(c, item).map(|s| (c, s)))
                    .collect();
                let chosen = if let [(only, _)] = scores.as_slice() {
                    Some(*only)
                } else {
                    let best = scores.iter().map(|(_, s)| *s).max().unwrap_or(0);
                    let mut top = scores.iter().filter(|(_, s)| *s == best && best > 0);
                    match (top.next(), top.next()) {
                        (Some((c, _)), None) => Some(*c),
                        _ => None,
                    }
                };
                let chosen = chosen?;
                last = template_items
                    .iter()
                    .position(|&c| c == chosen)
                    .unwrap_or(last);
                Some(Step::Node(chosen))
            })
            .collect()
    }

    /// How many literal values of a template item the rendered item has as they are; `None`
    /// when one of them differs, which rules the item out.
    fn agreement(&self, item: usize, value: &Value) -> Option<usize> {
        let n = &self.nodes[item];
        if let Some(literal) = &n.literal {
            return (scalar_text(value).as_deref() == Some(literal.as_str())).then_some(1);
        }
        let mut score = 0;
        for &c in &n.children {
            let c = &self.nodes[c];
            if let (NodeKind::Entry(Some(key)), Some(literal)) = (&c.kind, &c.literal) {
                match value.get(key).and_then(scalar_text) {
                    Some(text) if text == *literal => score += 4,
                    _ => return None,
                }
            }
        }
        score += self.resemblance(item, value);
        // Keys: each one the template item spells out counts; one it lacks rules it out,
        // unless a block of the item can have written it.
        if let Value::Object(map) = value {
            let open = n.children.iter().any(|&c| {
                matches!(
                    self.nodes[c].kind,
                    NodeKind::Producer | NodeKind::Entry(None)
                )
            });
            for key in map.keys() {
                let spelled = n
                    .children
                    .iter()
                    .any(|&c| matches!(&self.nodes[c].kind, NodeKind::Entry(Some(k)) if k == key));
                if spelled {
                    score += 1;
                } else if !open {
                    return None;
                }
            }
        }
        Some(score)
    }
}

impl Template {
    /// How many literal scalars below a template node the rendered value holds at the same
    /// place (`- --storage.path=/data` in `args`, `name: POD_IP` in an `env` item).
    fn resemblance(&self, node: usize, value: &Value) -> usize {
        let mut score = 0;
        for &c in &self.nodes[node].children {
            let child = &self.nodes[c];
            match (&child.kind, value) {
                (NodeKind::Entry(Some(key)), Value::Object(map)) => {
                    if let Some(v) = map.get(key) {
                        if let Some(literal) = &child.literal {
                            score += usize::from(scalar_text(v).as_deref() == Some(literal));
                        } else if !child.children.is_empty() {
                            score += self.resemblance(c, v);
                        }
                    }
                }
                (NodeKind::Item, Value::Array(items)) => {
                    if let Some(literal) = &child.literal {
                        score += usize::from(
                            items
                                .iter()
                                .any(|i| scalar_text(i).as_deref() == Some(literal)),
                        );
                    } else if !child.children.is_empty() {
                        score += items
                            .iter()
                            .map(|i| self.resemblance(c, i))
                            .max()
                            .unwrap_or(0);
                    }
                }
                _ => {}
            }
        }
        score
    }
}

#[derive(Clone, Copy, Debug)]
enum Step {
    Node(usize),
    Line(usize),
}

fn leaf(trace: Trace) -> Traced {
    Traced {
        trace,
        block: false,
        writer: None,
        children: Vec::new(),
    }
}

fn block(trace: Trace) -> Traced {
    Traced {
        block: true,
        ..leaf(trace)
    }
}

fn root(line: usize) -> Node {
    Node {
        line,
        col: 0,
        kind: NodeKind::Root,
        inline_action: false,
        literal: None,
        children: Vec::new(),
        conditional: false,
        repeats: false,
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Pops the nodes that cannot hold something at `col`. An item may sit at the column of the
/// key that holds the list.
fn pop_to(stack: &mut Vec<usize>, nodes: &[Node], col: usize, item: bool) {
    while stack.len() > 1 {
        let Some(&top) = stack.last() else { break };
        let n = &nodes[top];
        let keep = if item {
            n.col < col
                || (n.col == col
                    && matches!(n.kind, NodeKind::Entry(_))
                    && !n.inline_action
                    && n.literal.is_none()
                    && n.children.iter().all(|&c| nodes[c].kind == NodeKind::Item))
        } else {
            n.col < col
        };
        if keep {
            break;
        }
        stack.pop();
    }
}

/// The character that replaces the text of actions.
const MASK: char = '\u{1}';

/// Replaces every action by [`MASK`] characters (line breaks kept, so lines stay lines) and
/// lists the actions.
pub fn mask(text: &str) -> (String, Vec<Action>) {
    let mut out = String::with_capacity(text.len());
    let mut actions = Vec::new();
    let mut at = 0;
    // What `.` is in each open block: a `.Values` path inside `with`, unknown inside `range`
    // and `define`, unchanged inside `if`.
    let mut dots: Vec<Option<Vec<String>>> = Vec::new();
    while let Some(open) = text[at..].find("{{").map(|i| at + i) {
        out.push_str(&text[at..open]);
        let inner_start = open + 2;
        let comment = text[inner_start..]
            .trim_start_matches('-')
            .trim_start()
            .starts_with("/*");
        let close = if comment {
            text[inner_start..]
                .find("*/")
                .and_then(|c| {
                    let after = inner_start + c + 2;
                    text[after..].find("}}").map(|d| after + d)
                })
                .unwrap_or(text.len())
        } else {
            text[inner_start..]
                .find("}}")
                .map_or(text.len(), |c| inner_start + c)
        };
        let end = (close + 2).min(text.len());
        let inner = &text[inner_start..close.min(text.len())];
        let body = inner.trim_matches('-').trim();
        let kind = if comment {
            ActionKind::Comment
        } else {
            classify_action(body)
        };
        for c in text[open..end].chars() {
            out.push(if c == '\n' { '\n' } else { MASK });
            // Keep byte offsets: a multi-byte character becomes as many mask characters.
            for _ in 1..c.len_utf8() {
                out.push(MASK);
            }
        }
        let dot = dots.last().cloned().flatten();
        let first = body.split_whitespace().next().unwrap_or("");
        match first {
            "if" => dots.push(dot.clone()),
            "with" => dots.push(
                body.split_whitespace()
                    .nth(1)
                    .and_then(|arg| crate::values::references(arg).into_iter().next())
                    .filter(|_| {
                        body.split_whitespace().nth(1).is_some_and(|a| {
                            a.starts_with(".Values.") || a.starts_with("$.Values.")
                        })
                    }),
            ),
            "range" | "define" | "block" => dots.push(None),
            "end" => {
                dots.pop();
            }
            // `{{ else }}` of a `with`: `.` is the outer one again.
            "else" => {
                let outer = dots.len().checked_sub(2).and_then(|i| dots[i].clone());
                if let Some(top) = dots.last_mut() {
                    *top = outer;
                }
            }
            _ => {}
        }
        actions.push(Action {
            start: open,
            end,
            kind,
            text: body.to_owned(),
            dot: if first == "with" { None } else { dot },
        });
        at = end;
    }
    out.push_str(&text[at..]);
    (out, actions)
}

fn classify_action(body: &str) -> ActionKind {
    let first = body
        .split(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    const CONTROL: &[&str] = &[
        "if", "else", "end", "range", "with", "define", "block", "break", "continue", "",
    ];
    if CONTROL.contains(&first) {
        return ActionKind::Control;
    }
    // `$x := …` and `$x = …` write nothing.
    if first.starts_with('$') {
        let rest = body[first.len()..].trim_start();
        if rest.starts_with(":=") || (rest.starts_with('=') && !rest.starts_with("==")) {
            return ActionKind::Control;
        }
        if let Some(after) = rest.strip_prefix(',') {
            // `$i, $v := range …`
            if after.contains(":=") {
                return ActionKind::Control;
            }
        }
    }
    ActionKind::Output
}

/// `key: value` (or `key:`) with the key unquoted; `None` for a line that is not an entry.
fn split_key(body: &str) -> Option<(&str, &str)> {
    let bytes = body.as_bytes();
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) => {
                if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'"' | b'\'' if i == 0 => quote = Some(b),
                b'#' if i > 0 && bytes[i - 1] == b' ' => return None,
                b':' if i + 1 == bytes.len() || bytes[i + 1] == b' ' || bytes[i + 1] == b'\t' => {
                    let key = body[..i].trim();
                    if key.is_empty() || key.starts_with('{') || key.starts_with('[') {
                        return None;
                    }
                    return Some((key, &body[i + 1..]));
                }
                _ => {}
            },
        }
    }
    None
}

fn strip_comment(value: &str) -> &str {
    if value.starts_with('#') {
        return "";
    }
    match value.find(" #") {
        Some(at) if !value.starts_with('"') && !value.starts_with('\'') => value[..at].trim_end(),
        _ => value,
    }
}

fn unquote(text: &str) -> &str {
    let t = text.trim();
    if t.len() >= 2
        && ((t.starts_with('"') && t.ends_with('"')) || (t.starts_with('\'') && t.ends_with('\'')))
    {
        &t[1..t.len() - 1]
    } else {
        t
    }
}

impl Traced {
    /// The trace of the node at `pointer` (or of its nearest ancestor that has one).
    pub fn at(&self, pointer: &str) -> &Trace {
        &self.reach(pointer).0.trace
    }

    /// The node at `pointer`, or its nearest traced ancestor, and how many reference tokens
    /// of the pointer lead to it.
    pub fn reach(&self, pointer: &str) -> (&Traced, usize) {
        let mut node = self;
        let mut depth = 0;
        if let Some(rest) = pointer.strip_prefix('/') {
            for token in rest.split('/') {
                let token = token.replace("~1", "/").replace("~0", "~");
                match node.children.iter().find(|(k, _)| *k == token) {
                    Some((_, child)) => {
                        node = child;
                        depth += 1;
                    }
                    None => break,
                }
            }
        }
        (node, depth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DEPLOYMENT: &str = r#"{{- if .Values.enabled }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "shop.fullname" . }}
  labels:
    {{- include "shop.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  template:
    spec:
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports:
            - name: http
              containerPort: 8080
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
        {{- range .Values.sidecars }}
        - name: {{ .name }}
          image: {{ .image }}
        {{- end }}
{{- end }}
"#;

    fn line(t: &Traced, pointer: &str) -> Option<usize> {
        match t.at(pointer) {
            Trace::Line(l) => Some(l + 1),
            Trace::Unknown => None,
        }
    }

    #[test]
    fn keys_items_and_blocks_find_their_lines() {
        let template = Template::new(DEPLOYMENT);
        let rendered = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "r-shop", "labels": {"app": "shop", "tier": "web"}},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [
                {"name": "app", "image": "nginx:latest",
                 "ports": [{"name": "http", "containerPort": 8080}],
                 "resources": {"limits": {"cpu": "1"}}},
                {"name": "log", "image": "busybox"}
            ]}}}
        });
        let traced = template.trace(0, &rendered);
        assert_eq!(line(&traced, ""), Some(3));
        assert_eq!(line(&traced, "/metadata/name"), Some(5));
        assert_eq!(line(&traced, "/metadata/labels/app"), Some(7));
        assert_eq!(line(&traced, "/spec/replicas"), Some(9));
        assert_eq!(
            line(&traced, "/spec/template/spec/containers/0/image"),
            Some(14)
        );
        assert_eq!(
            line(
                &traced,
                "/spec/template/spec/containers/0/ports/0/containerPort"
            ),
            Some(17)
        );
        assert_eq!(
            line(
                &traced,
                "/spec/template/spec/containers/0/resources/limits/cpu"
            ),
            Some(19)
        );
        assert_eq!(
            line(&traced, "/spec/template/spec/containers/1/image"),
            Some(22)
        );
        // A missing field points at the nearest line that exists.
        assert_eq!(
            line(&traced, "/spec/template/spec/containers/0/livenessProbe"),
            Some(13)
        );
    }

    #[test]
    fn ambiguous_blocks_stay_unknown() {
        let text = "kind: ConfigMap\ndata:\n  {{- include \"a\" . | nindent 2 }}\n  {{- include \"b\" . | nindent 2 }}\n  fixed: x\n";
        let template = Template::new(text);
        let rendered = json!({"kind": "ConfigMap", "data": {"one": "1", "fixed": "x"}});
        let traced = template.trace(0, &rendered);
        assert_eq!(line(&traced, "/data/one"), None);
        assert_eq!(line(&traced, "/data/fixed"), Some(5));
    }

    #[test]
    fn items_under_conditions_are_matched_by_their_literals() {
        let text = "kind: Pod\nspec:\n  containers:\n  {{- if .Values.a }}\n  - name: a\n    image: x\n  {{- end }}\n  - name: b\n    image: {{ .Values.b }}\n";
        let template = Template::new(text);
        let rendered =
            json!({"kind": "Pod", "spec": {"containers": [{"name": "b", "image": "y"}]}});
        let traced = template.trace(0, &rendered);
        assert_eq!(line(&traced, "/spec/containers/0/image"), Some(9));
    }

    #[test]
    fn branches_and_dynamic_items_are_told_apart_by_their_literals() {
        let text = r#"apiVersion: apps/v1
{{- if .Values.sts }}
kind: StatefulSet
{{- else }}
kind: Deployment
{{- end }}
spec:
  template:
    spec:
      containers:
        {{- if .Values.reloader }}
        - name: {{ .Chart.Name }}-reload
          args:
            - --watched-dir=/etc/config
        {{- end }}
        - name: {{ .Chart.Name }}
          args:
            - --storage.path=/data
        {{- with .Values.extraContainers }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
"#;
        let template = Template::new(text);
        let rendered = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {
            "containers": [{"name": "app", "args": ["--storage.path=/data"]}]}}}});
        let traced = template.trace(0, &rendered);
        assert_eq!(line(&traced, "/kind"), Some(5));
        assert_eq!(
            line(&traced, "/spec/template/spec/containers/0/args/0"),
            Some(18)
        );
        // Two items that nothing tells apart: no line rather than a wrong one.
        let rendered = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {
            "containers": [{"name": "a"}, {"name": "b"}]}}}});
        let traced = template.trace(0, &rendered);
        assert_eq!(line(&traced, "/spec/template/spec/containers/0/name"), None);
    }

    #[test]
    fn block_scalars_and_comments_are_not_structure() {
        let text = "kind: ConfigMap\ndata:\n  script: |\n    name: not-a-key\n  {{/* a\n  comment */}}\n  other: {{ .Values.x | quote }}\n";
        let template = Template::new(text);
        let rendered =
            json!({"kind": "ConfigMap", "data": {"script": "name: not-a-key\n", "other": "1"}});
        let traced = template.trace(0, &rendered);
        assert_eq!(line(&traced, "/data/script"), Some(3));
        assert_eq!(line(&traced, "/data/other"), Some(7));
    }

    #[test]
    fn with_blocks_say_what_the_dot_is() {
        let (_, actions) = mask(
            "{{- with .Values.podSecurityContext }}\n{{- toYaml . | nindent 8 }}\n{{- end }}\n{{ toYaml . }}\n",
        );
        assert_eq!(actions[1].dot, Some(vec!["podSecurityContext".to_owned()]));
        assert_eq!(actions[3].dot, None);
    }

    #[test]
    fn actions_are_classified() {
        let (masked, actions) = mask("a: {{ .Values.x }}\n{{- if .Values.y }}\n{{- $n := 1 }}\n");
        assert_eq!(
            masked.len(),
            "a: {{ .Values.x }}\n{{- if .Values.y }}\n{{- $n := 1 }}\n".len()
        );
        let kinds: Vec<ActionKind> = actions.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            vec![ActionKind::Output, ActionKind::Control, ActionKind::Control]
        );
    }
}
