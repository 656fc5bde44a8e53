//! Source texts and positions in them.

use std::sync::{Arc, OnceLock};

/// A half-open byte range `start..end` into a [`Source`]'s text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: clamp_u32(start),
            end: clamp_u32(end.max(start)),
        }
    }

    pub fn empty_at(offset: usize) -> Span {
        Span::new(offset, offset)
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span that covers both.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn contains(self, offset: usize) -> bool {
        (self.start as usize) <= offset && offset < self.end as usize
    }
}

/// Reads at most `limit` bytes: `Ok(None)` when there is more, which is left unread. A size
/// taken from metadata cannot be trusted (`/dev/zero`, pipes, files that grow), so every
/// read of user input goes through this.
pub fn read_limited(reader: impl std::io::Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    read_limited_sized(reader, limit, 0)
}

/// [`read_limited`] into a buffer sized for `expected` bytes (a file's size from its metadata):
/// the text of a file is then held without the slack of a growing buffer.
fn read_limited_sized(
    reader: impl std::io::Read,
    limit: u64,
    expected: u64,
) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read as _;
    let capacity = usize::try_from(expected.min(limit).saturating_add(1)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// [`read_limited`] on a file.
pub fn read_file_limited(path: &std::path::Path, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let file = std::fs::File::open(path)?;
    let expected = file.metadata().map_or(0, |m| m.len());
    read_limited_sized(file, limit, expected)
}

/// A 64-bit hash of a file's bytes, eight at a time: cheap enough to take over every file of a
/// large run, to tell whether a file changed after it was checked (not against an adversary).
fn text_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut hash = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = (hash ^ u64::from_le_bytes(word))
            .wrapping_mul(K)
            .rotate_left(29);
    }
    for &byte in chunks.remainder() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(K).rotate_left(29);
    }
    hash
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A one-based line and a one-based column counted in characters (Unicode scalar values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// A file (or standard input, or an in-memory text) with an index of its line starts.
///
/// Everything that points into a file carries byte offsets; lines and columns are derived
/// here, once per request, so that each front end gets the unit it needs (characters for
/// the terminal and SARIF, UTF-16 code units for LSP).
///
/// A file read from disk may let its text go once the stages that read it are done
/// ([`Source::release`]): what remains (the name, the line index, the secret texts) still
/// gives every line and column, and [`Source::reread`] reads the text again for the front
/// ends that show it, provided the file still holds the same bytes. A large run then keeps
/// no file's text in memory.
#[derive(Debug)]
pub struct Source {
    name: String,
    /// Empty once the text is released.
    text: String,
    /// The length of the text in bytes (also once it is released).
    len: usize,
    line_starts: crate::lines::LineStarts,
    /// Whether the text is ASCII: then a column is a byte difference, not a count of
    /// characters (findings on one long minified line stay linear).
    ascii: bool,
    redactions: OnceLock<Vec<Span>>,
    /// Where to read the text again, when it was released.
    released: Option<Box<Released>>,
}

/// What a source whose text was released keeps of it.
#[derive(Debug)]
struct Released {
    path: std::path::PathBuf,
    hash: u64,
    /// [`Source::secret_texts`], computed while the text was there.
    secrets: Vec<String>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Source> {
        let text = text.into();
        let line_starts = crate::lines::LineStarts::new(text.as_bytes());
        Arc::new(Source {
            name: name.into(),
            ascii: text.is_ascii(),
            len: text.len(),
            text,
            line_starts,
            redactions: OnceLock::new(),
            released: None,
        })
    }

    /// A copy of this source without its text, which `path` holds: lines, columns, redactions
    /// and secret texts stay, [`Source::text`] becomes empty and [`Source::reread`] reads it
    /// again. `None` when lines and columns would need the text (non-ASCII text, carriage
    /// returns), when there is no text (a file not read) or the text is already released.
    pub fn release(&self, path: &std::path::Path) -> Option<Arc<Source>> {
        if self.released.is_some()
            || self.text.is_empty()
            || !self.ascii
            || memchr::memchr(b'\r', self.text.as_bytes()).is_some()
        {
            return None;
        }
        let secrets = if self.redactions().is_empty() {
            Vec::new()
        } else {
            self.secret_texts()
        };
        let redactions = OnceLock::new();
        if let Some(spans) = self.redactions.get() {
            let _ = redactions.set(spans.clone());
        }
        Some(Arc::new(Source {
            name: self.name.clone(),
            text: String::new(),
            len: self.len,
            line_starts: self.line_starts.clone(),
            ascii: true,
            redactions,
            released: Some(Box::new(Released {
                path: path.to_path_buf(),
                hash: text_hash(self.text.as_bytes()),
                secrets,
            })),
        }))
    }

    /// Whether the text was released ([`Source::release`]): [`Source::text`] is then empty.
    pub fn is_released(&self) -> bool {
        self.released.is_some()
    }

    /// This source with its text: itself, or for a released one the file read again, with
    /// the same redactions. `None` when the file can no longer be read or no longer holds
    /// the text that was checked (same length and hash).
    pub fn reread(self: &Arc<Source>) -> Option<Arc<Source>> {
        let Some(released) = &self.released else {
            return Some(self.clone());
        };
        // Never more than the text was: the file may have grown into anything since.
        let bytes = read_file_limited(&released.path, self.len as u64).ok()??;
        if bytes.len() != self.len || text_hash(&bytes) != released.hash {
            return None;
        }
        let source = Source::new(self.name.clone(), String::from_utf8(bytes).ok()?);
        source.set_redactions(self.redactions().to_vec());
        Some(source)
    }

    /// The name shown to users: the path as given, or `<stdin>`.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The zero-based line that holds `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        let offset = clamp_u32(offset.min(self.len));
        self.line_starts.find(offset)
    }

    /// The byte range of a zero-based line, without its line break.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let start = self.line_starts.get(line).map_or(self.len, |s| s as usize);
        let next = self.line_starts.get(line + 1);
        let mut end = next.map_or(self.len, |s| s as usize);
        if self.released.is_some() {
            // A released text has no carriage return: a line ends at its line feed.
            if next.is_some() && end > start {
                end -= 1;
            }
            return start..end;
        }
        let bytes = self.text.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        start..end
    }

    pub fn line_text(&self, line: usize) -> &str {
        let range = self.line_range(line);
        self.text.get(range).unwrap_or("")
    }

    /// The byte offset where a zero-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).map_or(self.len, |s| s as usize)
    }

    /// One-based line and character column of a byte offset.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.floor_char_boundary(offset.min(self.len));
        let line = self.line_index(offset);
        let start = self.line_starts.get(line).unwrap_or(0) as usize;
        let column = if self.ascii {
            offset - start + 1
        } else {
            self.text[start..offset].chars().count() + 1
        };
        LineCol {
            line: clamp_u32(line + 1),
            column: clamp_u32(column),
        }
    }

    /// Zero-based line and UTF-16 column of a byte offset, as the Language Server Protocol counts.
    pub fn line_utf16(&self, offset: usize) -> (u32, u32) {
        let offset = self.floor_char_boundary(offset.min(self.len));
        let line = self.line_index(offset);
        let start = self.line_starts.get(line).unwrap_or(0) as usize;
        let column: usize = if self.ascii {
            offset - start
        } else {
            self.text[start..offset].chars().map(char::len_utf16).sum()
        };
        (clamp_u32(line), clamp_u32(column))
    }

    /// The byte offset of a zero-based line and UTF-16 column (LSP positions), clamped to the line.
    pub fn offset_of_utf16(&self, line: u32, column: u32) -> usize {
        let range = self.line_range(line as usize);
        if self.released.is_some() {
            return (range.start + column as usize).min(range.end);
        }
        let mut units = 0u32;
        for (i, c) in self.text[range.clone()].char_indices() {
            if units >= column {
                return range.start + i;
            }
            units += u32::try_from(c.len_utf16()).unwrap_or(2);
        }
        range.end
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        if self.ascii {
            return offset;
        }
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// Byte ranges whose text must never be shown (Secret data, sensitive env values).
    pub fn redactions(&self) -> &[Span] {
        self.redactions.get().map_or(&[], Vec::as_slice)
    }

    /// Set once by the loader after it has found the secret values of the file.
    pub fn set_redactions(&self, mut spans: Vec<Span>) {
        spans.sort();
        let _ = self.redactions.set(spans);
    }

    /// The text of `range` with every redacted character replaced by `*` (columns stay where
    /// they were).
    pub fn redacted(&self, range: std::ops::Range<usize>) -> String {
        let text = self.text.get(range.clone()).unwrap_or("");
        let mut out = String::with_capacity(text.len());
        self.mask(range.start, text, |out, _| out.push('*'), &mut out);
        out
    }

    /// The whole text with every redacted byte replaced by `*`: byte offsets stay valid, so
    /// spans index it as they index the text.
    pub fn masked(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        self.mask(
            0,
            &self.text,
            |out, c| out.extend(std::iter::repeat_n('*', c.len_utf8())),
            &mut out,
        );
        out
    }

    /// Copies `text` (found at `offset`) into `out`, masking the characters of redacted spans
    /// (line breaks excepted) with `mask`; one pass, the spans being sorted.
    fn mask(&self, offset: usize, text: &str, mask: impl Fn(&mut String, char), out: &mut String) {
        let redactions = self.redactions();
        let mut next = redactions.partition_point(|r| (r.end as usize) <= offset);
        for (i, c) in text.char_indices() {
            let at = offset + i;
            while redactions.get(next).is_some_and(|r| (r.end as usize) <= at) {
                next += 1;
            }
            // Spans are sorted by start; an earlier, longer span may still cover `at`.
            let covered = redactions[next.min(redactions.len())..]
                .iter()
                .take_while(|r| (r.start as usize) <= at)
                .any(|r| r.contains(at));
            if covered && c != '\n' && c != '\r' {
                mask(out, c);
            } else {
                out.push(c);
            }
        }
    }
}

/// Masked texts shorter than this are not looked for in messages: they would match
/// everywhere (`1`, `on`) and tell nothing.
const MIN_SECRET: usize = 4;

impl Source {
    /// The secret texts of this file as a message could quote them: the text of each masked
    /// span without quotes, its lines, its `key: value` halves, the strings inside it, and the
    /// base64 decoding of each. Longest first, so that a longer secret is replaced whole.
    pub fn secret_texts(&self) -> Vec<String> {
        use base64::Engine as _;
        if let Some(released) = &self.released {
            return released.secrets.clone();
        }
        let mut out = Vec::new();
        let push = |piece: &str, out: &mut Vec<String>| {
            let piece = piece.trim().trim_matches(['"', '\'']).trim();
            if piece.chars().count() < MIN_SECRET {
                return;
            }
            out.push(piece.to_owned());
            let decoded = base64::engine::general_purpose::STANDARD.decode(piece);
            if let Ok(Ok(text)) = decoded.map(String::from_utf8)
                && text.chars().count() >= MIN_SECRET
            {
                out.push(text.trim().to_owned());
            }
        };
        for span in self.redactions() {
            let raw = self.slice(*span);
            push(raw, &mut out);
            for line in raw.lines() {
                push(line, &mut out);
                if let Some((key, value)) = line.split_once(": ") {
                    push(key, &mut out);
                    push(value, &mut out);
                }
            }
            for (i, piece) in raw.split('"').enumerate() {
                if i % 2 == 1 {
                    push(piece, &mut out);
                }
            }
        }
        out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        out.dedup();
        out
    }
}

/// `text` with every occurrence of a secret replaced by `****`; `None` when none occurs.
pub fn scrub(text: &str, secrets: &[String]) -> Option<String> {
    let mut out: Option<String> = None;
    for secret in secrets {
        let current = out.as_deref().unwrap_or(text);
        if memchr::memmem::find(current.as_bytes(), secret.as_bytes()).is_some() {
            out = Some(current.replace(secret.as_str(), "****"));
        }
    }
    out
}

/// Replaces, in the message, help, note and pointer of each diagnostic, the secret texts of
/// its own file, and `run_secrets` (the secrets of the whole run) in those of `everywhere`.
pub fn scrub_diagnostics<'d>(
    diagnostics: impl IntoIterator<Item = &'d mut crate::Diagnostic>,
    run_secrets: &[String],
    everywhere: impl Fn(&crate::Diagnostic) -> bool,
) {
    let mut cache: std::collections::HashMap<*const Source, Vec<String>> =
        std::collections::HashMap::new();
    for d in diagnostics {
        let own: &[String] = match &d.location {
            Some(location) if !location.source.redactions().is_empty() => cache
                .entry(Arc::as_ptr(&location.source))
                .or_insert_with(|| location.source.secret_texts()),
            _ => &[],
        };
        let all = everywhere(d);
        for secrets in [own, if all { run_secrets } else { &[] }] {
            if secrets.is_empty() {
                continue;
            }
            if let Some(clean) = scrub(&d.message, secrets) {
                d.message = clean;
            }
            for field in [d.help.as_mut(), d.note.as_mut()].into_iter().flatten() {
                if let Some(clean) = scrub(field, secrets) {
                    *field = clean.into();
                }
            }
            if let Some(field) = d.pointer.as_mut()
                && let Some(clean) = scrub(field, secrets)
            {
                *field = clean.into_boxed_str();
            }
            for related in &mut d.related {
                if let Some(clean) = scrub(&related.message, secrets) {
                    related.message = clean;
                }
            }
        }
    }
}

/// The secret texts of every source of a run.
pub fn run_secrets<'a>(sources: impl IntoIterator<Item = &'a Arc<Source>>) -> Vec<String> {
    let mut out: Vec<String> = sources
        .into_iter()
        .filter(|s| !s.redactions().is_empty())
        .flat_map(|s| s.secret_texts())
        .collect();
    out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_columns() {
        let s = Source::new("t.yaml", "a: 1\nbé: ü2\r\n\nlast");
        assert_eq!(s.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(s.line_col(5), LineCol { line: 2, column: 1 });
        // "bé: " is 5 bytes but 4 characters.
        assert_eq!(s.line_col(10), LineCol { line: 2, column: 5 });
        assert_eq!(s.line_text(1), "bé: ü2");
        assert_eq!(s.line_text(3), "last");
        assert_eq!(s.line_utf16(10), (1, 4));
        assert_eq!(s.offset_of_utf16(1, 4), 10);
        assert_eq!(s.line_col(s.text().len()), LineCol { line: 4, column: 5 });
    }

    #[test]
    fn a_released_text_keeps_positions_and_is_read_again() {
        let dir = std::env::temp_dir().join(format!("plimsoll-release-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.yaml");
        let text = "kind: Secret\ndata:\n  k: c2VjcmV0LXZhbHVl\n\nlast";
        std::fs::write(&path, text).unwrap();
        let full = Source::new("a.yaml", text);
        full.set_redactions(vec![Span::new(24, 40)]);
        let shell = full.release(&path).unwrap();
        assert!(shell.is_released() && shell.text().is_empty());
        assert_eq!(shell.name(), "a.yaml");
        assert_eq!(shell.line_count(), full.line_count());
        for offset in 0..=text.len() + 2 {
            assert_eq!(shell.line_col(offset), full.line_col(offset), "{offset}");
            assert_eq!(
                shell.line_utf16(offset),
                full.line_utf16(offset),
                "{offset}"
            );
        }
        for line in 0..full.line_count() {
            assert_eq!(shell.line_range(line), full.line_range(line), "{line}");
            assert_eq!(
                shell.offset_of_utf16(line as u32, 3),
                full.offset_of_utf16(line as u32, 3)
            );
        }
        assert_eq!(shell.secret_texts(), full.secret_texts());
        assert!(shell.secret_texts().contains(&"secret-value".to_owned()));
        let again = shell.reread().unwrap();
        assert_eq!(again.text(), text);
        assert_eq!(again.redactions(), full.redactions());
        // A released source is not released twice; a full one rereads as itself.
        assert!(shell.release(&path).is_none());
        assert!(Arc::ptr_eq(&full.reread().unwrap(), &full));
        // A file changed since it was checked is not taken for the text that was.
        std::fs::write(&path, text.replace("last", "lost")).unwrap();
        assert!(shell.reread().is_none());
        std::fs::remove_file(&path).unwrap();
        assert!(shell.reread().is_none());
        // A file that grew is not read past the length of the text that was checked.
        std::fs::write(&path, format!("{text}{}", "x".repeat(1 << 20))).unwrap();
        assert!(shell.reread().is_none());
        std::fs::remove_file(&path).unwrap();
        // Columns of non-ASCII text and lines ending in CR LF need the text: kept; so is an
        // empty one (nothing to let go).
        assert!(Source::new("d", "").release(&path).is_none());
        assert!(Source::new("b", "a: é\n").release(&path).is_none());
        assert!(Source::new("c", "a: 1\r\n").release(&path).is_none());
        let _ = std::fs::remove_dir(&dir);
    }

    #[test]
    fn redaction_keeps_columns() {
        let s = Source::new("t.yaml", "data:\n  k: c2VjcmV0\n");
        s.set_redactions(vec![Span::new(11, 19)]);
        assert_eq!(s.redacted(s.line_range(1)), "  k: ********");
    }

    #[test]
    fn masking_keeps_byte_offsets() {
        let s = Source::new("t.yaml", "a: sécret\nb: x\n");
        s.set_redactions(vec![Span::new(3, 10), Span::new(4, 6), Span::new(14, 15)]);
        assert_eq!(s.masked(), "a: *******\nb: *\n");
        assert_eq!(s.masked().len(), s.text().len());
        assert_eq!(s.redacted(0..s.text().len()), "a: ******\nb: *\n");
    }

    #[test]
    fn reads_stop_at_the_limit() {
        let endless = std::io::repeat(0);
        assert_eq!(read_limited(endless, 1000).unwrap(), None);
        assert_eq!(read_limited(&b"abc"[..], 3).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read_limited(&b"abcd"[..], 3).unwrap(), None);
    }

    #[test]
    fn secret_texts_are_scrubbed_from_messages() {
        let s = Source::new(
            "t.yaml",
            "data:\n  k: aHVudGVyMg==\n  j: \"s3cr3t-value\"\n",
        );
        s.set_redactions(vec![Span::new(11, 23), Span::new(29, 43)]);
        let secrets = s.secret_texts();
        assert!(secrets.contains(&"hunter2".to_owned()), "{secrets:?}");
        assert!(secrets.contains(&"s3cr3t-value".to_owned()), "{secrets:?}");
        assert_eq!(
            scrub("label `s3cr3t-value` (hunter2, aHVudGVyMg==)", &secrets).as_deref(),
            Some("label `****` (****, ****)")
        );
        assert_eq!(scrub("nothing here", &secrets), None);
    }
}
