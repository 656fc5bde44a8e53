//! The leniencies of go-yaml v2 (the YAML reader of kubectl, the API server and Helm) that the
//! parser, which follows YAML 1.2 to the letter, lacks.
//!
//! When the parser stops on one of these constructs, the loader edits the text the parser
//! reads and parses the chunk again. The edits never change a value: spaces inserted at the
//! start of a line, before a comment or before an alias's colon, tabs read as spaces where
//! they separate or indent, and `\'` read as an escape whose character is put back.
//! [`Shifts`] maps every position the parser reports back to the text, so positions stay
//! exact. Each leniency, and what go-yaml still rejects around it, is pinned by a test
//! in `tests.rs` and listed in docs/yaml.md:
//!
//! - a quoted scalar continued on lines indented at or below its key (`a: "first` /
//!   `continued"`), or indented with tabs;
//! - a flow collection (`[`, `{`) continued on lines indented at or below its key;
//! - a comment right after a closing quote or bracket or a block scalar header (`"b"#c`,
//!   `[a]#c`, `|#c`);
//! - a tab after `:` (`a:<TAB>b`);
//! - an alias right before a key's colon (`*a: b`);
//! - `\'` in a double-quoted scalar (an apostrophe for go-yaml, unknown to YAML 1.2): the
//!   parser reads `\a` there, and the value gets its apostrophe back ([`Repairs::restore`]);
//! - a carriage return alone as a line break inside a quoted scalar.
//!
//! And what go-yaml rejects that YAML 1.2 allows: control characters anywhere in the text
//! ([`control_characters`]), and a tab between a block sequence's `-` and its item
//! ([`tab_after_dash`]); the loader reports them, and directives, as `yaml-syntax`.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::CharTable;

/// How many bytes a file's repairs may have the parser read again, in all (past it, the
/// parser's error is reported as it is): sixteen times the file, and 4 MiB for small files.
pub(super) fn reparse_budget(len: usize) -> usize {
    len.saturating_mul(16).saturating_add(4 << 20)
}

/// The edits made so far, by byte offset in the text.
#[derive(Debug, Default)]
pub(super) struct Repairs {
    /// How many spaces the parser sees before the byte at each offset.
    inserts: BTreeMap<usize, usize>,
    /// Tabs the parser sees as spaces.
    tabs: BTreeSet<usize>,
    /// `\'` escapes (the offset of the backslash) the parser sees as `\a`.
    apostrophes: BTreeSet<usize>,
    /// Why the last error could not be repaired, when the parser's own words mislead.
    reason: Option<&'static str>,
}

/// Where the parser saw inserted spaces, to map its character indices back to the text's.
#[derive(Debug, Default)]
pub(super) struct Shifts {
    /// For each insertion, in order: its first character index as the parser counts, and
    /// how many spaces it holds.
    runs: Vec<(usize, usize)>,
    /// How many spaces each insertion and the ones before it hold together.
    through: Vec<usize>,
}

impl Shifts {
    /// The character index (within the chunk) of the text character the parser saw at
    /// `index`; an inserted space counts as the character it was inserted before.
    pub(super) fn original(&self, index: usize) -> usize {
        if self.runs.is_empty() {
            return index;
        }
        let passed = self
            .runs
            .partition_point(|&(start, count)| start + count <= index);
        let mut original = index
            - passed
                .checked_sub(1)
                .and_then(|i| self.through.get(i))
                .copied()
                .unwrap_or(0);
        if let Some(&(start, _)) = self.runs.get(passed)
            && start <= index
        {
            original -= index - start;
        }
        original
    }
}

impl Repairs {
    /// The chunk of `text` from `base` as the parser reads it, and the map back.
    pub(super) fn apply<'t>(
        &self,
        text: &'t str,
        base: usize,
        table: &CharTable,
    ) -> (Cow<'t, str>, Shifts) {
        let chunk = &text[base..];
        let mut inserts = self.inserts.range(base..).peekable();
        let mut tabs = self.tabs.range(base..).peekable();
        let mut apostrophes = self.apostrophes.range(base..).peekable();
        if inserts.peek().is_none() && tabs.peek().is_none() && apostrophes.peek().is_none() {
            return (Cow::Borrowed(chunk), Shifts::default());
        }
        let mut bytes = chunk.as_bytes().to_vec();
        for &tab in tabs {
            if let Some(b @ b'\t') = bytes.get_mut(tab - base) {
                *b = b' ';
            }
        }
        for &escape in apostrophes {
            if let Some(b @ b'\'') = bytes.get_mut(escape + 1 - base) {
                *b = b'a';
            }
        }
        let extra: usize = self.inserts.range(base..).map(|(_, n)| n).sum();
        let mut out = Vec::with_capacity(bytes.len() + extra);
        let mut shifts = Shifts::default();
        let char_base = table.char_index(base);
        let mut copied = 0;
        let mut total = 0;
        for (&at, &count) in inserts {
            let at = at - base;
            out.extend_from_slice(&bytes[copied..at]);
            out.extend(std::iter::repeat_n(b' ', count));
            copied = at;
            shifts
                .runs
                .push((table.char_index(base + at) - char_base + total, count));
            total += count;
            shifts.through.push(total);
        }
        out.extend_from_slice(&bytes[copied..]);
        match String::from_utf8(out) {
            Ok(patched) => (Cow::Owned(patched), shifts),
            // Edits are ASCII at character boundaries, so this cannot happen; read the text
            // as it is.
            Err(_) => (Cow::Borrowed(chunk), Shifts::default()),
        }
    }

    /// Edits the text for a parser error that go-yaml would not raise, given the parser's
    /// description and the byte offset it points at. False when the error stands.
    /// `base` is where the chunk being read starts.
    pub(super) fn repair(&mut self, text: &str, base: usize, info: &str, at: usize) -> bool {
        self.reason = None;
        match info {
            "invalid indentation in quoted scalar" => self.quoted(text, at),
            "tab cannot be used as indentation" => self.indenting_tabs(text, at),
            "invalid indentation in flow construct" | "invalid indentation" => {
                match flow_depth(&text[base..at.max(base)]) {
                    0 => false,
                    depth => self.flow(text, at, depth),
                }
            }
            "comments must be separated from other tokens by whitespace" => self.comment(text, at),
            "':' must be followed by a valid YAML whitespace" => self.separating_tabs(text, at),
            "while parsing a quoted scalar, found unknown escape character" => {
                self.escaped_apostrophes(text, at)
            }
            // Any other error may come from an alias read with the colon after it.
            _ => self.alias_key(text, base, at),
        }
    }

    /// An alias right before a key's colon (`*a: b`): go-yaml's alias names hold only
    /// letters, digits, `_` and `-`, so the colon ends the name; YAML 1.2 reads the alias
    /// `a:`. The nearest such alias before the error whose anchor is defined before it gets
    /// a space before its colon.
    fn alias_key(&mut self, text: &str, base: usize, at: usize) -> bool {
        let bytes = text.as_bytes();
        // The error may point at the alias itself.
        let mut i = (at + 1).min(bytes.len());
        while let Some(star) = memchr::memrchr(b'*', &bytes[base..i]).map(|n| base + n) {
            i = star;
            if !token_start(bytes, star) {
                continue;
            }
            let name_len = bytes[star + 1..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
                .count();
            let colon = star + 1 + name_len;
            if name_len == 0
                || bytes.get(colon) != Some(&b':')
                || !matches!(
                    bytes.get(colon + 1),
                    None | Some(b' ' | b'\t' | b'\n' | b'\r')
                )
                || self.inserts.contains_key(&colon)
            {
                continue;
            }
            let anchor = format!("&{}", &text[star + 1..colon]);
            let defined = memchr::memmem::find_iter(&bytes[..star], anchor.as_bytes()).any(|a| {
                token_start(bytes, a)
                    && matches!(
                        bytes.get(a + anchor.len()),
                        Some(b' ' | b'\t' | b'\n' | b'\r')
                    )
            });
            if defined {
                self.inserts.insert(colon, 1);
                return true;
            }
        }
        false
    }

    /// A quoted scalar starting at `at` whose continuation lines are not indented past its
    /// key: go-yaml only stops at a document marker or the end of the text. Each line is
    /// indented to the column of the opening quote (leading blanks of a continuation line are
    /// not part of the value).
    fn quoted(&mut self, text: &str, at: usize) -> bool {
        let bytes = text.as_bytes();
        let Some(&quote @ (b'"' | b'\'')) = bytes.get(at) else {
            return false;
        };
        let target = self.column(text, at);
        let mut changed = false;
        let mut i = at + 1;
        loop {
            match bytes.get(i) {
                None => {
                    self.reason = Some("while scanning a quoted scalar, found no closing quote");
                    return false;
                }
                Some(b'\\') if quote == b'"' => {
                    i += 1;
                    // An escaped line break still starts a continuation line.
                    if !matches!(bytes.get(i), Some(b'\n' | b'\r')) {
                        i += 1;
                    }
                }
                Some(b'\'') if quote == b'\'' => {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                    } else {
                        return changed;
                    }
                }
                Some(b'"') if quote == b'"' => return changed,
                Some(b'\n') | Some(b'\r')
                    if bytes.get(i) == Some(&b'\n') || bytes.get(i + 1) != Some(&b'\n') =>
                {
                    // A line feed, or a carriage return alone: both break the line.
                    let start = i + 1;
                    if opens_or_closes_document(&text[start..]) {
                        // go-yaml ends the document here too, and the scalar is unclosed.
                        self.reason = Some(
                            "while scanning a quoted scalar, found unexpected document indicator",
                        );
                        return false;
                    }
                    let blanks = leading_blanks(bytes, start);
                    changed |= self.tabs_to_spaces(bytes, start, start + blanks);
                    let blank_line = matches!(bytes.get(start + blanks), Some(b'\n' | b'\r'));
                    let have = blanks + self.inserted(start);
                    if !blank_line && have < target {
                        *self.inserts.entry(start).or_default() += target - have;
                        changed = true;
                    }
                    i = start + blanks;
                }
                Some(_) => i += 1,
            }
        }
    }

    /// A tab in the indentation of a quoted scalar's continuation line (go-yaml reads any
    /// blank there).
    fn indenting_tabs(&mut self, text: &str, at: usize) -> bool {
        let bytes = text.as_bytes();
        let start = line_start(text, at);
        let blanks = leading_blanks(bytes, start);
        at < start + blanks && self.tabs_to_spaces(bytes, start, start + blanks)
    }

    /// A line inside a flow collection indented at or below the block around it: go-yaml
    /// does not look at indentation inside `[` and `{`. The line is indented one column past
    /// the line before it (whitespace between flow tokens is not part of any value).
    fn flow(&mut self, text: &str, at: usize, depth: usize) -> bool {
        let bytes = text.as_bytes();
        let start = line_start(text, at);
        if bytes[start..at].iter().any(|b| !matches!(b, b' ' | b'\t')) {
            return false;
        }
        let Some(previous) = previous_content_line(text, start) else {
            return false;
        };
        let target = leading_blanks(bytes, previous) + self.inserted(previous) + 1;
        let have = self.column(text, at);
        *self.inserts.entry(start).or_default() += target.saturating_sub(have).max(1);
        // The collection's later lines at once, so that a long one is read again only once.
        let mut depth = depth;
        let mut i = at;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'[' | b'{' => depth += 1,
                b']' | b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                b'"' | b'\'' | b'#' if token_start(bytes, i) => {
                    i = skip_token(bytes, i);
                    continue;
                }
                b'\n' => {
                    let next = i + 1;
                    let blanks = leading_blanks(bytes, next);
                    let blank_line =
                        matches!(bytes.get(next + blanks), Some(b'\n' | b'\r' | b'#') | None);
                    let have = blanks + self.inserted(next);
                    if !blank_line && have < target {
                        *self.inserts.entry(next).or_default() += target - have;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        true
    }

    /// A comment right after a closing quote or bracket or a block scalar header, which
    /// go-yaml ends the token at.
    fn comment(&mut self, text: &str, at: usize) -> bool {
        let bytes = text.as_bytes();
        if bytes.get(at) != Some(&b'#')
            || !(after_closing(bytes, at) || after_block_header(bytes, at))
            || self.inserts.contains_key(&at)
        {
            return false;
        }
        self.inserts.insert(at, 1);
        true
    }

    /// `\'` escapes in the double-quoted scalar starting at `at` (go-yaml reads an apostrophe).
    fn escaped_apostrophes(&mut self, text: &str, at: usize) -> bool {
        let bytes = text.as_bytes();
        if bytes.get(at) != Some(&b'"') {
            return false;
        }
        let mut changed = false;
        let mut i = at + 1;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'"' => break,
                b'\\' => {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        changed |= self.apostrophes.insert(i);
                    }
                    i += 2;
                }
                _ => i += 1,
            }
        }
        changed
    }

    /// The value of the double-quoted scalar at `span` with its repaired `\'` escapes read as
    /// apostrophes; `None` when it has none. The parser gave a BEL for each, in order among
    /// the BELs the scalar's own escapes give.
    /// `chunk` is the text from `base`; `start` and `end` are offsets in the whole text.
    pub(super) fn restore(
        &self,
        chunk: &str,
        base: usize,
        (start, end): (usize, usize),
        value: &str,
    ) -> Option<String> {
        self.apostrophes.range(start..end).next()?;
        let bytes = chunk.as_bytes();
        let mut repaired = Vec::new();
        let (mut i, end) = (start - base + 1, (end - base).min(bytes.len()));
        while i < end {
            match bytes[i] {
                b'"' => break,
                0x07 => repaired.push(false),
                b'\\' => {
                    let rest = chunk.get(i + 1..end).unwrap_or("");
                    if self.apostrophes.contains(&(base + i)) {
                        repaired.push(true);
                    } else if rest.starts_with('a')
                        || rest.starts_with("x07")
                        || rest.starts_with("u0007")
                        || rest.starts_with("U00000007")
                    {
                        repaired.push(false);
                    }
                    i += 1;
                }
                _ => {}
            }
            i += 1;
        }
        let mut repaired = repaired.into_iter();
        Some(
            value
                .chars()
                .map(|c| match c {
                    '\x07' if repaired.next() == Some(true) => '\'',
                    c => c,
                })
                .collect(),
        )
    }

    /// Tabs between `:` and the value, which go-yaml reads as the separating blank (after
    /// `-` it does not).
    fn separating_tabs(&mut self, text: &str, at: usize) -> bool {
        let bytes = text.as_bytes();
        let mut start = at.min(bytes.len());
        while start > 0 && matches!(bytes[start - 1], b' ' | b'\t') {
            start -= 1;
        }
        matches!(start.checked_sub(1).map(|i| bytes[i]), Some(b':'))
            && self.tabs_to_spaces(bytes, start, at)
    }

    /// A better description of the error [`Repairs::repair`] last left standing, if any.
    pub(super) fn reason(&self) -> Option<&'static str> {
        self.reason
    }

    fn tabs_to_spaces(&mut self, bytes: &[u8], from: usize, to: usize) -> bool {
        let mut changed = false;
        for (i, &b) in bytes.iter().enumerate().take(to).skip(from) {
            if b == b'\t' {
                changed |= self.tabs.insert(i);
            }
        }
        changed
    }

    fn inserted(&self, line_start: usize) -> usize {
        self.inserts.get(&line_start).copied().unwrap_or(0)
    }

    /// The column the parser sees at a byte offset.
    fn column(&self, text: &str, at: usize) -> usize {
        let start = line_start(text, at);
        text[start..at].chars().count() + self.inserted(start)
    }
}

fn line_start(text: &str, at: usize) -> usize {
    memchr::memrchr(b'\n', &text.as_bytes()[..at.min(text.len())]).map_or(0, |i| i + 1)
}

fn leading_blanks(bytes: &[u8], from: usize) -> usize {
    bytes.get(from..).map_or(0, |rest| {
        rest.iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count()
    })
}

/// The start of the nearest line before the one starting at `start` that holds more than
/// blanks and a comment.
fn previous_content_line(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut end = start.checked_sub(1)?;
    loop {
        let line = line_start(text, end);
        let blanks = leading_blanks(bytes, line);
        if !matches!(bytes.get(line + blanks), Some(b'\n' | b'\r' | b'#') | None) {
            return Some(line);
        }
        end = line.checked_sub(1)?;
    }
}

fn opens_or_closes_document(line: &str) -> bool {
    (line.starts_with("---") || line.starts_with("..."))
        && matches!(
            line.as_bytes().get(3),
            None | Some(b' ' | b'\n' | b'\r' | b'\t')
        )
}

/// How many flow collections are open at the end of `text` (a chunk up to an error):
/// brackets counted outside quotes and comments.
fn flow_depth(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'"' | b'\'' | b'#' if token_start(bytes, i) => {
                i = skip_token(bytes, i);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    depth
}

/// Whether a quote or `#` at `i` can open a quoted scalar or a comment.
fn token_start(bytes: &[u8], i: usize) -> bool {
    i == 0
        || matches!(
            bytes[i - 1],
            b' ' | b'\t' | b'\n' | b'[' | b'{' | b',' | b':'
        )
}

/// The offset after the quoted scalar or comment opening at `i` (a comment ends before its
/// line break).
fn skip_token(bytes: &[u8], i: usize) -> usize {
    let quote = bytes[i];
    let mut j = i + 1;
    if quote == b'#' {
        return memchr::memchr(b'\n', &bytes[j..]).map_or(bytes.len(), |n| j + n);
    }
    while let Some(&c) = bytes.get(j) {
        match c {
            b'\\' if quote == b'"' => j += 1,
            b'\'' if quote == b'\'' && bytes.get(j + 1) == Some(&b'\'') => j += 1,
            c if c == quote => return j + 1,
            _ => {}
        }
        j += 1;
    }
    bytes.len()
}

/// The offset of every character go-yaml refuses to read (its reader allows tab, line feed,
/// carriage return, U+0020 to U+007E, U+0085, U+00A0 to U+D7FF, U+E000 to U+FFFD and above).
pub(super) fn control_characters(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        let bad = match c {
            b'\t' | b'\n' | b'\r' => false,
            0x00..=0x1f | 0x7f => true,
            // U+0080 to U+009F but U+0085.
            0xc2 => matches!(b.get(i + 1), Some(&n) if (0x80..=0x9f).contains(&n) && n != 0x85),
            // U+FFFE, U+FFFF.
            0xef => b.get(i + 1) == Some(&0xbf) && matches!(b.get(i + 2), Some(0xbe | 0xbf)),
            _ => false,
        };
        if bad {
            found.push(i);
        }
    }
    found
}

/// The offset of a tab between a block sequence's `-` and the item starting at `start` on
/// the same line: go-yaml does not skip it there.
pub(super) fn tab_after_dash(chunk: &str, start: usize) -> Option<usize> {
    let b = chunk.as_bytes();
    let mut i = start.min(b.len());
    let mut tab = None;
    while i > 0 && matches!(b[i - 1], b' ' | b'\t') {
        i -= 1;
        if b[i] == b'\t' {
            tab = Some(i);
        }
    }
    (i > 0 && b[i - 1] == b'-').then_some(tab).flatten()
}

/// Whether the byte before `at` closes a quoted scalar or a flow collection.
fn after_closing(bytes: &[u8], at: usize) -> bool {
    matches!(
        at.checked_sub(1).and_then(|i| bytes.get(i)),
        Some(b'"' | b'\'' | b']' | b'}')
    )
}

/// Whether the text before `at` is a block scalar header (`|`, `>-`, `|2+`) after a blank.
fn after_block_header(bytes: &[u8], at: usize) -> bool {
    let mut i = at;
    while i > 0 && matches!(bytes[i - 1], b'-' | b'+' | b'1'..=b'9') {
        i -= 1;
    }
    i >= 2 && matches!(bytes[i - 1], b'|' | b'>') && matches!(bytes[i - 2], b' ' | b'\t')
}
