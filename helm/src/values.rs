//! Values keys: which `.Values` path a template line reads, and where the value it rendered
//! was set, following Helm's precedence (`--set` entries, last first; then the `-f` files,
//! last first; then the chart's `values.yaml`).

use plimsoll_core::Span;
use plimsoll_core::yaml::{NodeId, ParseOptions, SpanTree, parse_stream};
use serde_json::Value;

/// The `.Values` paths an action reads (`.Values.image.tag`, `$.Values.a`), in order.
pub fn references(action: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = action[at..].find(".Values.").map(|i| at + i) {
        let before = action[..found].chars().next_back();
        let start = found + ".Values.".len();
        at = start;
        // `.Values` of the root or `$.Values`, not `$x.Values` of some other value.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ')') {
            continue;
        }
        let end = action[start..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .map_or(action.len(), |i| start + i);
        let path: Vec<String> = action[start..end]
            .split('.')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        if !path.is_empty() {
            out.push(path);
        }
    }
    out
}

/// The paths an action reads through `.` when `.` is the values path `dot` (inside
/// `{{ with .Values.a }}`: `toYaml .` reads `a`, `.b` reads `a.b`).
pub fn dot_references(action: &str, dot: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for token in action.split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '|') {
        if token == "." {
            out.push(dot.to_vec());
        } else if let Some(fields) = token.strip_prefix('.')
            && fields.starts_with(|c: char| c.is_alphabetic())
            && fields
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            let mut path = dot.to_vec();
            path.extend(
                fields
                    .split('.')
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned),
            );
            out.push(path);
        }
    }
    out
}

/// A values file, read once with the positions of its keys.
pub struct ValuesFile {
    pub name: String,
    pub text: String,
    value: Value,
    tree: SpanTree,
    root: Option<NodeId>,
}

impl ValuesFile {
    pub fn parse(name: impl Into<String>, text: impl Into<String>) -> ValuesFile {
        let text = text.into();
        let stream = parse_stream(&text, ParseOptions::default());
        let (value, root) = match stream.documents.into_iter().next() {
            Some(d) => (d.value, Some(d.root)),
            None => (Value::Null, None),
        };
        ValuesFile {
            name: name.into(),
            text,
            value,
            tree: stream.tree,
            root,
        }
    }

    /// The value at `path` and the span of its `key: value` (or of the key, for a block).
    pub fn get(&self, path: &[String]) -> Option<(&Value, Span)> {
        let root = self.root?;
        let mut value = &self.value;
        let mut pointer = String::new();
        for token in path {
            value = value.get(token)?;
            pointer.push('/');
            pointer.push_str(&plimsoll_core::yaml::escape_token(token));
        }
        let found = self.tree.lookup(root, &self.value, &pointer)?;
        let span = match (found.key, value.is_object() || value.is_array()) {
            (Some(key), false) => key.cover(found.value),
            (Some(key), true) => key,
            (None, _) => found.value,
        };
        Some((value, span))
    }

    /// The spans of the values that must not be shown: every scalar under a key with a
    /// sensitive name (`password`, `apiToken`, `secret:` and all below it), as the loader
    /// masks secrets in manifests.
    pub fn sensitive_spans(&self) -> Vec<Span> {
        let mut out = Vec::new();
        if let Some(root) = self.root {
            let mut pointer = String::new();
            self.collect_sensitive(root, &self.value, false, &mut pointer, &mut out);
        }
        out
    }

    fn collect_sensitive(
        &self,
        root: NodeId,
        value: &Value,
        sensitive: bool,
        pointer: &mut String,
        out: &mut Vec<Span>,
    ) {
        let mut child = |key: &str, value: &Value, sensitive: bool, out: &mut Vec<Span>| {
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&plimsoll_core::yaml::escape_token(key));
            self.collect_sensitive(root, value, sensitive, pointer, out);
            pointer.truncate(len);
        };
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    let sensitive = sensitive || plimsoll_core::is_sensitive_name(key);
                    child(key, value, sensitive, out);
                }
            }
            Value::Array(items) => {
                for (i, value) in items.iter().enumerate() {
                    child(&i.to_string(), value, sensitive, out);
                }
            }
            _ if sensitive => {
                if let Some(found) = self.tree.lookup(root, &self.value, pointer) {
                    out.push(found.value);
                }
            }
            _ => {}
        }
    }
}

/// The spans of the values of `--set` entries (one a line in `text`) whose key has a
/// sensitive name in any of its parts.
pub fn sensitive_set_spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let mut at = offset;
        for part in line.trim_end_matches('\n').split(',') {
            if let Some((key, value)) = part.split_once('=')
                && !value.is_empty()
                && key
                    .split('.')
                    .any(|k| plimsoll_core::is_sensitive_name(k.trim()))
            {
                let start = at + key.len() + 1;
                out.push(Span::new(start, start + value.len()));
            }
            at += part.len() + 1;
        }
        offset += line.len();
    }
    out
}

/// How a values value matches what was rendered, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Match {
    /// The same value.
    Exact,
    /// The last `:`/`@`/`/`-separated part of a string (an image's tag).
    Suffix,
    /// Another part of it (an image's repository).
    Part,
}

/// Where a rendered value was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The `--set` entry at this index.
    Set { index: usize },
    /// The values file at this index (of the list given, lowest precedence first), at `span`.
    File { file: usize, span: Span },
}

/// The `--set` entry that sets `path` last, with its value text.
fn set_entry<'a>(sets: &'a [String], path: &[String]) -> Option<(usize, &'a str)> {
    let wanted = path.join(".");
    sets.iter().enumerate().rev().find_map(|(i, entry)| {
        // `a=1,b=2` sets several keys in one entry.
        entry.split(',').find_map(|part| {
            let (key, value) = part.split_once('=')?;
            (key.trim() == wanted).then_some((i, value))
        })
    })
}

/// Where the value at `path` that rendered as `rendered` was set: the highest-precedence
/// source that sets the path, when its value is the rendered one (or a `:`/`@`/`/`-separated
/// part of it, as an image tag is of an image). `files` are in order of precedence, lowest
/// first (the chart's `values.yaml`, then each `-f` file).
pub fn origin(
    path: &[String],
    rendered: &Value,
    sets: &[String],
    files: &[&ValuesFile],
) -> Option<(Origin, Match)> {
    if path.is_empty() {
        return None;
    }
    if let Some((index, text)) = set_entry(sets, path) {
        return matches(&Value::String(text.to_owned()), rendered)
            .map(|m| (Origin::Set { index }, m));
    }
    for (i, file) in files.iter().enumerate().rev() {
        if let Some((value, span)) = file.get(path) {
            if value.is_null() {
                continue;
            }
            return matches(value, rendered).map(|m| (Origin::File { file: i, span }, m));
        }
    }
    None
}

/// Whether a values value is what was rendered, and how.
fn matches(value: &Value, rendered: &Value) -> Option<Match> {
    if value == rendered {
        return Some(Match::Exact);
    }
    let (v, r) = (text(value)?, text(rendered)?);
    if v.is_empty() {
        return None;
    }
    if v == r {
        return Some(Match::Exact);
    }
    let parts: Vec<&str> = r.split([':', '@', '/']).collect();
    if parts.len() < 2 {
        return None;
    }
    if parts.last() == Some(&v.as_str()) {
        Some(Match::Suffix)
    } else if parts.contains(&v.as_str()) {
        Some(Match::Part)
    } else {
        None
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(p: &str) -> Vec<String> {
        p.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn references_in_actions() {
        assert_eq!(
            references(
                " .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion"
            ),
            vec![path("image.repository"), path("image.tag")]
        );
        assert_eq!(
            references("toYaml $.Values.resources | nindent 12"),
            vec![path("resources")]
        );
        assert_eq!(references("$x.Values.a"), Vec::<Vec<String>>::new());
        let dot = path("podSecurityContext");
        assert_eq!(
            dot_references("toYaml . | nindent 8", &dot),
            vec![dot.clone()]
        );
        assert_eq!(
            dot_references(".runAsUser | quote", &dot),
            vec![path("podSecurityContext.runAsUser")]
        );
    }

    #[test]
    fn precedence_set_then_last_file_then_chart() {
        let chart = ValuesFile::parse("values.yaml", "image:\n  tag: stable\nreplicas: 1\n");
        let prod = ValuesFile::parse("prod.yaml", "image:\n  tag: latest\n");
        let owned = [chart, prod];
        let files = [&owned[0], &owned[1]];
        let found = origin(&path("image.tag"), &json!("nginx:latest"), &[], &files);
        let Some((Origin::File { file: 1, span }, Match::Suffix)) = found else {
            panic!("{found:?}")
        };
        assert_eq!(&files[1].text[span.range()], "tag: latest");
        assert_eq!(
            origin(&path("replicas"), &json!(1), &[], &files),
            Some((
                Origin::File {
                    file: 0,
                    span: Span::new(21, 32)
                },
                Match::Exact
            ))
        );
        let sets = vec!["image.tag=latest".to_owned()];
        assert_eq!(
            origin(&path("image.tag"), &json!("nginx:latest"), &sets, &files),
            Some((Origin::Set { index: 0 }, Match::Suffix))
        );
        // The value rendered is not the one the values hold: no values key.
        assert_eq!(origin(&path("replicas"), &json!(3), &[], &files), None);
    }

    #[test]
    fn sensitive_values_are_found_for_masking() {
        let text = "image:\n  tag: latest\ndb:\n  password: hunter2\n  host: db\nsecret:\n  keys: [k1, k2]\napiToken: abc\n";
        let file = ValuesFile::parse("values.yaml", text);
        let shown: Vec<&str> = file
            .sensitive_spans()
            .iter()
            .map(|s| &text[s.start as usize..s.end as usize])
            .collect();
        assert_eq!(shown, vec!["hunter2", "k1", "k2", "abc"]);
        let sets = "image.tag=1.0,db.password=pw\nauth.token=t0k";
        let shown: Vec<&str> = sensitive_set_spans(sets)
            .iter()
            .map(|s| &sets[s.start as usize..s.end as usize])
            .collect();
        assert_eq!(shown, vec!["pw", "t0k"]);
    }
}
