//! Secret values found in the raw text, for documents no object could be built from (a
//! syntax error, a broken `apiVersion`, a misspelt `stringdata:`, a duplicate `data:`).
//!
//! The loader masks the values of well-formed Secrets from their objects; this scan works on
//! lines alone, so that a Secret that does not parse still never shows its data. In a
//! document that says `kind: Secret` (any case, YAML or JSON), it masks the values under
//! every top-level key that contains `data` (`data`, `stringData`, `stringdata`…), the value
//! of a `last-applied-configuration` annotation, and any JSON `"…data…": {…}` member.
//!
//! [`secret_shape`] recognises credentials by their shape alone (a PEM private key, a cloud
//! or forge token, a JSON Web Token), whatever the key they are stored under: the loader masks
//! such env values and ConfigMap values, and the rules report them.

use crate::source::Span;

/// What a value holds when it contains a credential recognisable by its shape alone: `a PEM
/// private key`, `an AWS access key id`, `a GitHub token`, `a GitLab token`, `a Slack token`,
/// `a Slack webhook URL`, `a Google API key`, `a Stripe secret key`, `a JSON Web Token`.
/// Tokens are looked for among the words of the value (runs of letters, digits, `_`, `-`,
/// `.`), so that `Bearer ghp_…` or a line of a configuration file counts too.
pub fn secret_shape(value: &str) -> Option<&'static str> {
    if value.len() < 20 {
        return None;
    }
    // A PEM header, `-----BEGIN … PRIVATE KEY-----` (three dashes are taken too: keys pasted
    // by hand lose some).
    for (at, _) in value.match_indices("---BEGIN ") {
        let header = &value[at + 9..];
        let header = &header[..header.find("---").unwrap_or(header.len())];
        if header.contains("PRIVATE KEY") {
            return Some("a PEM private key");
        }
    }
    if value.contains("hooks.slack.com/services/T") {
        return Some("a Slack webhook URL");
    }
    value
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .find_map(token_shape)
}

/// The kind of credential one word is, by its prefix, length and alphabet.
fn token_shape(word: &str) -> Option<&'static str> {
    let alnum = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    let upper_alnum = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    let url_safe = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    const AWS: &[&str] = &[
        "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA",
    ];
    if word.len() == 20 && AWS.iter().any(|p| word.starts_with(p)) && upper_alnum(word) {
        return Some("an AWS access key id");
    }
    const GITHUB: &[&str] = &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"];
    if GITHUB.iter().any(|p| word.starts_with(p)) && word.len() >= 40 && alnum(&word[4..]) {
        return Some("a GitHub token");
    }
    if let Some(rest) = word.strip_prefix("github_pat_")
        && rest.len() >= 60
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Some("a GitHub token");
    }
    if let Some(rest) = word.strip_prefix("glpat-")
        && rest.len() >= 20
        && url_safe(rest)
    {
        return Some("a GitLab token");
    }
    const SLACK: &[&str] = &["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-"];
    if SLACK.iter().any(|p| word.starts_with(p)) && word.len() >= 20 && url_safe(&word[5..]) {
        return Some("a Slack token");
    }
    if let Some(rest) = word.strip_prefix("AIza")
        && rest.len() == 35
        && url_safe(rest)
    {
        return Some("a Google API key");
    }
    if let Some(rest) = word
        .strip_prefix("sk_live_")
        .or_else(|| word.strip_prefix("rk_live_"))
        && rest.len() >= 20
        && alnum(rest)
    {
        return Some("a Stripe secret key");
    }
    if is_jwt(word) {
        return Some("a JSON Web Token");
    }
    None
}

/// Three base64url parts separated by dots, the first two JSON objects (`eyJ` is `{"`).
fn is_jwt(word: &str) -> bool {
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() == 3
        && parts[0].starts_with("eyJ")
        && parts[1].starts_with("eyJ")
        && parts[0].len() >= 10
        && parts[1].len() >= 10
        && parts[2].len() >= 16
        && parts.iter().all(|p| {
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
}

/// The spans of the raw text to mask.
pub fn raw_secret_spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = 0;
    for end in document_ends(text) {
        let doc = &text[start..end];
        if says_secret(doc) {
            block_values(doc, start, &mut out);
            json_members(doc, start, &mut out);
        }
        start = end;
    }
    out
}

/// The offsets where documents end: each `---` line, and the end of the text.
fn document_ends(text: &str) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if at > 0
            && line.starts_with("---")
            && matches!(
                line.as_bytes().get(3),
                None | Some(b' ' | b'\n' | b'\r' | b'\t')
            )
        {
            ends.push(at);
        }
        at += line.len();
    }
    ends.push(text.len());
    ends
}

/// Whether a document says `kind: Secret`, in YAML or JSON, in any case.
fn says_secret(doc: &str) -> bool {
    let lower = doc.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    memchr::memmem::find_iter(bytes, b"kind").any(|at| {
        let mut i = at + 4;
        let skip = |i: &mut usize, set: &[u8]| {
            while bytes.get(*i).is_some_and(|b| set.contains(b)) {
                *i += 1;
            }
        };
        skip(&mut i, b"\"' \t");
        if bytes.get(i) != Some(&b':') {
            return false;
        }
        i += 1;
        skip(&mut i, b"\"' \t");
        bytes[i..].starts_with(b"secret")
            && !bytes
                .get(i + 6)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    })
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

/// The key of a `key: value` line (quotes removed) and the offset just past its colon.
fn key_of(line: &str) -> Option<(&str, usize)> {
    let trimmed = line.trim_start_matches([' ', '\t', '-']);
    let lead = line.len() - trimmed.len();
    let colon = trimmed
        .char_indices()
        .find(|&(i, c)| {
            c == ':'
                && matches!(
                    trimmed.as_bytes().get(i + 1),
                    None | Some(b' ' | b'\t' | b'\n' | b'\r')
                )
        })?
        .0;
    let key = trimmed[..colon].trim().trim_matches(['"', '\'']);
    (!key.is_empty() && !key.starts_with('#')).then_some((key, lead + colon + 1))
}

fn is_data_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.contains("data") && !lower.contains("metadata")
}

fn is_last_applied(key: &str) -> bool {
    key.ends_with("last-applied-configuration")
}

/// Masks `line[from..]` (without its line break) when it holds anything.
fn mask_rest(line: &str, line_start: usize, from: usize, out: &mut Vec<Span>) {
    let rest = &line[from.min(line.len())..];
    let content = rest.trim_end_matches(['\n', '\r']);
    let lead = content.len() - content.trim_start().len();
    if content.trim().is_empty() || content.trim_start().starts_with('#') {
        return;
    }
    let start = line_start + from + lead;
    out.push(Span::new(start, line_start + from + content.len()));
}

/// YAML block style: values under top-level `…data…:` keys and the last-applied annotation.
fn block_values(doc: &str, base: usize, out: &mut Vec<Span>) {
    // Inside a masked block: the indentation of its key, and of its first-level entries.
    let mut inside: Option<(usize, Option<usize>)> = None;
    let mut at = base;
    for line in doc.split_inclusive('\n') {
        let line_start = at;
        at += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if body.trim().is_empty() || body.trim_start().starts_with('#') {
            continue;
        }
        let depth = indent(body);
        if let Some((key_indent, entries)) = inside {
            if depth > key_indent {
                let entries = entries.unwrap_or(depth);
                inside = Some((key_indent, Some(entries)));
                match key_of(body) {
                    // A first-level entry keeps its key visible.
                    Some((_, colon)) if depth == entries => {
                        mask_rest(line, line_start, colon, out);
                    }
                    _ => mask_rest(line, line_start, depth, out),
                }
                continue;
            }
            inside = None;
        }
        let Some((key, colon)) = key_of(body) else {
            continue;
        };
        if (depth == 0 && is_data_key(key)) || is_last_applied(key) {
            mask_rest(line, line_start, colon, out);
            inside = Some((depth, None));
        }
    }
}

/// JSON style: the value of every `"…data…":` member and of the last-applied annotation.
fn json_members(doc: &str, base: usize, out: &mut Vec<Span>) {
    let bytes = doc.as_bytes();
    let mut i = 0;
    while let Some(found) = memchr::memchr(b'"', &bytes[i..]) {
        let open = i + found;
        let Some(len) = memchr::memchr(b'"', &bytes[open + 1..]) else {
            return;
        };
        let close = open + 1 + len;
        let key = &doc[open + 1..close];
        i = close + 1;
        let mut j = i;
        while bytes.get(j).is_some_and(|b| *b == b' ' || *b == b'\t') {
            j += 1;
        }
        if bytes.get(j) != Some(&b':') || !(is_data_key(key) || is_last_applied(key)) {
            continue;
        }
        j += 1;
        while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        let end = value_end(bytes, j);
        if end > j {
            out.push(Span::new(base + j, base + end));
        }
        i = end.max(i);
    }
}

/// The end of the JSON value starting at `at`: its matching bracket, or the end of a string
/// or scalar; the end of the document when brackets do not balance.
fn value_end(bytes: &[u8], at: usize) -> usize {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut i = at;
    while let Some(&b) = bytes.get(i) {
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => {
                    in_string = false;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => return i,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return i + 1;
                    }
                }
                b',' | b'\n' if depth == 0 => return i,
                _ => {}
            }
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(text: &str) -> String {
        let source = crate::source::Source::new("t.yaml", text);
        source.set_redactions(raw_secret_spans(text));
        source.redacted(0..text.len())
    }

    #[test]
    fn broken_secrets_are_masked_from_the_text() {
        // A syntax error (an unterminated quote) and a misspelt, duplicated data block.
        let text = "apiVersion: v1\nkind: secret\nmetadata:\n  name: s\nstringdata:\n  password: \"hunter2\n  token: abc\n    def\ndata: c2VjcmV0\ndata:\n  k: dmFsdWU=\ntype: Opaque\n";
        let out = masked(text);
        for secret in ["hunter2", "abc", "def", "c2VjcmV0", "dmFsdWU="] {
            assert!(!out.contains(secret), "{secret}: {out}");
        }
        assert!(out.contains("  password: ********"), "{out}");
        assert!(out.contains("type: Opaque"), "{out}");
        assert!(out.contains("name: s"), "{out}");
    }

    #[test]
    fn json_and_annotations_are_masked() {
        let text = "{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"s\"}, \"data\": {\"a\": \"c2VjcmV0\"}, \"type\": \"Opaque\"}\n---\nkind: Secret\nmetadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n      {\"data\":{\"a\":\"aHVudGVyMg==\"}}\n  name: t\n";
        let out = masked(text);
        assert!(!out.contains("c2VjcmV0"), "{out}");
        assert!(!out.contains("aHVudGVyMg=="), "{out}");
        assert!(out.contains("\"type\": \"Opaque\""), "{out}");
        assert!(out.contains("name: t"), "{out}");
    }

    #[test]
    fn secret_shapes() {
        let pem =
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n";
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        for (value, shape) in [
            (pem, "a PEM private key"),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA",
                "a PEM private key",
            ),
            (
                "---BEGIN OPENSSH PRIVATE KEY---\nxxxxx\n---END  OPENSSH PRIVATE KEY---",
                "a PEM private key",
            ),
            ("AKIAIOSFODNN7EXAMPLE", "an AWS access key id"),
            (
                "Bearer ghp_0123456789abcdefghijABCDEFGHIJ012345",
                "a GitHub token",
            ),
            ("glpat-xxxxxxxxxxxxxxxxxxxx", "a GitLab token"),
            ("xoxb-1234567890-abcdefghij", "a Slack token"),
            (
                "https://hooks.slack.com/services/T000/B000/XXXX",
                "a Slack webhook URL",
            ),
            (
                "AIzaSyA-1234567890abcdefghijklmnopqrstu",
                "a Google API key",
            ),
            ("sk_live_0123456789abcdefghijklmn", "a Stripe secret key"),
            (jwt, "a JSON Web Token"),
        ] {
            assert_eq!(secret_shape(value), Some(shape), "{value}");
        }
        for value in [
            "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----",
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOC\n",
            "AKIAIOSFODNN7EXAMPL",
            "ghp_short",
            "https://example.com/path/to/something/long",
            "eyJhbGciOiJIUzI1NiJ9",
            "registry.example.com/team/image:1.2.3",
            "the quick brown fox jumps over the lazy dog",
        ] {
            assert_eq!(secret_shape(value), None, "{value}");
        }
    }

    #[test]
    fn other_kinds_are_left_alone() {
        let text =
            "kind: ConfigMap\ndata:\n  a: visible\n---\nkind: SecretStore\ndata:\n  b: visible\n";
        assert!(raw_secret_spans(text).is_empty());
    }
}
