//! Suppressions: findings the user has accepted, by annotation or by comment.
//!
//! - The annotation `plimsoll.dev/ignore: "id-a,id-b"` on an object or on its pod template
//!   silences those rules for that object. The annotations of other linters are honoured for
//!   the equivalent rules: `ignore-check.kube-linter.io/<check>`,
//!   `polaris.fairwinds.com/<check>-exempt: "true"`, `kube-score/ignore: "check-a,check-b"`.
//! - A comment `# plimsoll-ignore id-a,id-b -- reason` at the end of a line silences findings
//!   in the node that starts on that line; on a line of its own, in the node that starts on
//!   the next line holding content.
//! - `# plimsoll-ignore-file id-a` silences those rules in the whole document it stands in
//!   (or, before a document, in the document that follows).
//! - In a file whose findings come from objects made elsewhere (a Helm chart's template), a
//!   comment silences the findings on its line (or the next), `-file` those of the whole file.
//!
//! Every form takes an optional `until=YYYY-MM-DD`: from that day on the suppression no
//! longer works and says so (`expired-suppression`). A suppression that silences nothing is
//! reported as `unused-suppression` (info), so stale ones do not pile up. `*` silences every rule.

use std::collections::HashMap;
use std::sync::Arc;

use plimsoll_core::{Diagnostic, Location, Object, Severity, Source, Span};
use plimsoll_rules::Tool;
use serde_json::Value;

/// The per-field resource rules; `missing-resources` stands for all of them when a container
/// sets no `resources` at all, so a suppression of any of them silences it too.
const RESOURCE_FIELD_RULES: &[&str] = &[
    "missing-cpu-request",
    "missing-memory-request",
    "missing-cpu-limit",
    "missing-memory-limit",
    "missing-ephemeral-storage-limit",
];

/// Whether a suppression naming `named` silences a finding of `rule`.
fn covers_rule(named: &str, rule: &str) -> bool {
    named == rule || rule == "missing-resources" && RESOURCE_FIELD_RULES.contains(&named)
}

/// What the suppression stage needs to know about rule ids.
pub struct RuleNames<'a> {
    /// Whether an id names a rule this run knows (built-in, schema, loader or policy).
    pub known: &'a (dyn Fn(&str) -> bool + Sync),
}

#[derive(Debug)]
struct Suppression {
    rules: Vec<String>,
    /// Findings whose location starts in this byte range (of `source`) are covered...
    range: Span,
    /// ...and, for annotations, only findings about this object.
    object: Option<plimsoll_core::ObjectRef>,
    expired: bool,
    until: Option<String>,
    at: Location,
    used: bool,
    /// Annotations of other tools are not reported when unused: they may serve that tool.
    report_unused: bool,
}

/// What the suppressions of a file make of its findings.
pub struct Verdict {
    /// For each finding, in the order given, whether a suppression silences it.
    pub silenced: Vec<bool>,
    /// Findings about the suppressions themselves (expired, unused).
    pub added: Vec<Diagnostic>,
}

/// Judges `diagnostics` (all of one file) by the suppressions found in `source` and its
/// objects, and reports on the suppressions themselves. The findings are only read: the
/// caller drops those silenced, wherever they are held.
pub fn apply(
    source: &Arc<Source>,
    objects: &[&Object],
    diagnostics: &[&Diagnostic],
    names: &RuleNames<'_>,
    today: &str,
) -> Verdict {
    let mut suppressions = Vec::new();
    for object in objects {
        annotations(object, today, &mut suppressions);
    }
    comments(source, objects, today, &mut suppressions);
    let mut verdict = Verdict {
        silenced: vec![false; diagnostics.len()],
        added: Vec::new(),
    };
    if suppressions.is_empty() {
        return verdict;
    }
    for (d, verdict) in diagnostics.iter().zip(&mut verdict.silenced) {
        let Some(location) = &d.location else {
            continue;
        };
        let offset = location.span.start as usize;
        let mut silenced = false;
        for s in suppressions.iter_mut() {
            let covers =
                s.range.contains(offset) || s.range.is_empty() && s.range.start as usize == offset;
            if s.expired || !covers {
                continue;
            }
            if let Some(object) = &s.object
                && d.object.as_deref() != Some(object)
            {
                continue;
            }
            if s.rules.iter().any(|r| r == "*" || covers_rule(r, &d.rule)) {
                s.used = true;
                silenced = true;
            }
        }
        *verdict = silenced;
    }
    for s in suppressions {
        let list = s.rules.join(", ");
        if s.expired {
            verdict.added.push(
                Diagnostic::new(
                    "expired-suppression",
                    Severity::Warning,
                    format!(
                        "this suppression of `{list}` expired on {}; the findings it silenced are reported again",
                        s.until.as_deref().unwrap_or("?")
                    ),
                )
                .with_help("fix the findings, or extend the date after `until=` if the exception still holds")
                .with_location(s.at),
            );
        } else if !s.used && s.report_unused {
            let unknown: Vec<&str> = s
                .rules
                .iter()
                .map(String::as_str)
                .filter(|r| *r != "*" && !(names.known)(r))
                .collect();
            let message = if unknown.is_empty() {
                format!("this suppression of `{list}` silences nothing")
            } else {
                format!(
                    "this suppression names {} that plimsoll does not know: `{}`",
                    if unknown.len() == 1 {
                        "a rule"
                    } else {
                        "rules"
                    },
                    unknown.join("`, `")
                )
            };
            verdict.added.push(
                Diagnostic::new("unused-suppression", Severity::Info, message)
                    .with_help("remove the suppression, or correct the rule id (`plimsoll rules` lists them)")
                    .with_location(s.at),
            );
        }
    }
    verdict
}

/// `IDS [until=YYYY-MM-DD] [-- reason]`
fn parse_spec(text: &str) -> (Vec<String>, Option<String>) {
    let body = text.split(" -- ").next().unwrap_or("");
    let body = body.split("--").next().unwrap_or(body);
    let mut rules = Vec::new();
    let mut until = None;
    for word in body
        .split([',', ' ', '\t'])
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        if let Some(date) = word.strip_prefix("until=") {
            until = Some(date.to_owned());
        } else {
            rules.push(word.to_owned());
        }
    }
    (rules, until)
}

fn expired(until: Option<&str>, today: &str) -> bool {
    // ISO dates compare as strings; a malformed date never expires, and is kept visible by
    // the message of `unused-suppression` if it silences nothing.
    until.is_some_and(|d| d.len() == 10 && d <= today)
}

const POD_TEMPLATE_ANNOTATIONS: &[&str] = &[
    "/metadata/annotations",
    "/spec/template/metadata/annotations",
    "/spec/jobTemplate/spec/template/metadata/annotations",
];

/// Whether an annotation key may name rules to silence (what [`annotations`] reads).
fn names_rules(key: &str) -> bool {
    key == "plimsoll.dev/ignore"
        || key == "kube-score/ignore"
        || key.starts_with("ignore-check.kube-linter.io/")
        || key.starts_with("polaris.fairwinds.com/") && key.ends_with("-exempt")
}

/// Whether `object` carries an annotation that may silence findings: the suppression stage
/// reads its values then, and a run keeps them.
pub(crate) fn annotated(object: &Object) -> bool {
    POD_TEMPLATE_ANNOTATIONS.iter().any(|pointer| {
        matches!(object.value.pointer(pointer), Some(Value::Object(map))
            if map.keys().any(|key| names_rules(key)))
    })
}

fn annotations(object: &Object, today: &str, out: &mut Vec<Suppression>) {
    let range = object.span();
    for pointer in POD_TEMPLATE_ANNOTATIONS {
        let Some(Value::Object(map)) = object.value.pointer(pointer) else {
            continue;
        };
        for (key, value) in map.iter().filter(|(key, _)| names_rules(key)) {
            let text = value.as_str().unwrap_or("");
            let (rules, until, report_unused) = if key == "plimsoll.dev/ignore" {
                let (rules, until) = parse_spec(text);
                (rules, until, true)
            } else if let Some(check) = key.strip_prefix("ignore-check.kube-linter.io/") {
                (mapped(Tool::KubeLinter, [check]), None, false)
            } else if let Some(check) = key
                .strip_prefix("polaris.fairwinds.com/")
                .and_then(|k| k.strip_suffix("-exempt"))
            {
                if text != "true" {
                    continue;
                }
                (mapped(Tool::Polaris, [check]), None, false)
            } else if key == "kube-score/ignore" {
                (
                    mapped(Tool::KubeScore, text.split(',').map(str::trim)),
                    None,
                    false,
                )
            } else {
                continue;
            };
            if rules.is_empty() {
                continue;
            }
            let key_pointer = format!("{pointer}/{}", plimsoll_core::yaml::escape_token(key));
            let mut at = object.locate(&key_pointer, true);
            at.span = object.key_span(&key_pointer).unwrap_or(at.span);
            out.push(Suppression {
                expired: expired(until.as_deref(), today),
                rules,
                range,
                object: Some(object.identity()),
                until,
                at,
                used: false,
                report_unused,
            });
        }
    }
}

fn mapped<'a>(tool: Tool, checks: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    checks
        .into_iter()
        .flat_map(|c| plimsoll_rules::equivalent_rules(tool, c))
        .map(|id| (*id).to_owned())
        .collect()
}

fn comments(source: &Arc<Source>, objects: &[&Object], today: &str, out: &mut Vec<Suppression>) {
    const MARK: &str = "plimsoll-ignore";
    let text = source.text();
    if !text.contains(MARK) {
        return;
    }
    let mut documents: HashMap<usize, Span> = HashMap::new();
    for object in objects {
        let span = object.tree.span(object.root);
        documents
            .entry(object.document)
            .and_modify(|s| *s = s.cover(span))
            .or_insert(span);
    }
    for line in 0..source.line_count() {
        let range = source.line_range(line);
        let content = &text[range.clone()];
        let Some(hash) = comment_start(content) else {
            continue;
        };
        let comment = content[hash + 1..].trim_start();
        let Some(rest) = comment.strip_prefix(MARK) else {
            continue;
        };
        let (file_wide, spec) = match rest.strip_prefix("-file") {
            Some(spec) => (true, spec),
            None => (false, rest),
        };
        if !spec.is_empty() && !spec.starts_with([' ', '\t']) {
            continue;
        }
        let (rules, until) = parse_spec(spec);
        let at = Location {
            source: source.clone(),
            span: Span::new(range.start + hash, range.end),
            template: None,
        };
        let comment_offset = range.start + hash;
        let target = if objects.is_empty() {
            // A file whose objects are elsewhere (a Helm template, whose rendered objects are
            // traced back to its lines): the comment covers the whole file or one line.
            if file_wide {
                Some(Span::new(0, text.len()))
            } else if content[..hash].trim().is_empty() {
                next_content_line(source, line).map(|l| {
                    let r = source.line_range(l);
                    Span::new(r.start, r.end)
                })
            } else {
                Some(Span::new(range.start, range.end))
            }
        } else if file_wide {
            document_at(&documents, comment_offset)
        } else {
            let own_line = content[..hash].trim().is_empty();
            let target_line = if own_line {
                next_content_line(source, line)
            } else {
                Some(line)
            };
            target_line.and_then(|l| node_on_line(source, objects, l))
        };
        let Some(range) = target else {
            // Nothing follows the comment: it can silence nothing.
            out.push(Suppression {
                expired: false,
                rules: if rules.is_empty() {
                    vec!["*".to_owned()]
                } else {
                    rules
                },
                range: Span::empty_at(usize::MAX >> 1),
                object: None,
                until,
                at,
                used: false,
                report_unused: true,
            });
            continue;
        };
        out.push(Suppression {
            expired: expired(until.as_deref(), today),
            rules: if rules.is_empty() {
                vec!["*".to_owned()]
            } else {
                rules
            },
            range,
            object: None,
            until,
            at,
            used: false,
            report_unused: true,
        });
    }
}

/// Where a YAML comment starts on a line: `#` at the start or after white space, outside quotes.
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if (b == b'"' || b == b'\'')
                && (i == 0
                    || matches!(
                        bytes[i - 1],
                        b' ' | b'\t' | b':' | b'[' | b'{' | b',' | b'-'
                    )) =>
            {
                quote = Some(b);
            }
            None if b == b'#' && (i == 0 || matches!(bytes[i - 1], b' ' | b'\t')) => {
                return Some(i);
            }
            None => {}
        }
    }
    None
}

fn next_content_line(source: &Source, line: usize) -> Option<usize> {
    (line + 1..source.line_count()).find(|&l| {
        let t = source.line_text(l).trim();
        !t.is_empty() && !t.starts_with('#')
    })
}

/// The document that holds `offset`, or the first one after it.
fn document_at(documents: &HashMap<usize, Span>, offset: usize) -> Option<Span> {
    let mut spans: Vec<Span> = documents.values().copied().collect();
    spans.sort();
    spans
        .iter()
        .find(|s| s.contains(offset))
        .or_else(|| spans.iter().find(|s| s.start as usize >= offset))
        .copied()
}

/// The outermost node that starts on `line`: from its key (or list dash) to its value's end.
fn node_on_line(source: &Source, objects: &[&Object], line: usize) -> Option<Span> {
    let lines = source.line_range(line);
    let (first, last) = (lines.start as u32, lines.end as u32);
    for object in objects {
        let tree = &object.tree;
        let root = tree.span(object.root);
        if root.end < first || root.start > last {
            continue;
        }
        let mut node = object.root;
        'descend: loop {
            let children = tree.children(node);
            for entry in children {
                let value = tree.span(entry.node);
                let start = if entry.key.is_empty() {
                    value.start
                } else {
                    entry.key.start
                };
                if (first..=last).contains(&start) {
                    // A list item's dash comes before its content on the same line.
                    return Some(Span {
                        start: first.min(start),
                        end: value.end.max(entry.key.end),
                    });
                }
            }
            for entry in children {
                let value = tree.span(entry.node);
                if value.start <= last && value.end >= first {
                    node = entry.node;
                    continue 'descend;
                }
            }
            break;
        }
    }
    None
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(
            parse_spec(" a,b -- because"),
            (vec!["a".to_owned(), "b".to_owned()], None)
        );
        assert_eq!(
            parse_spec(" a until=2027-03-31 -- later"),
            (vec!["a".to_owned()], Some("2027-03-31".to_owned()))
        );
        assert!(expired(Some("2020-01-01"), "2026-11-22"));
        assert!(!expired(Some("2027-03-31"), "2026-11-22"));
        assert!(!expired(None, "2026-11-22"));
    }

    #[test]
    fn comments_outside_quotes() {
        assert_eq!(comment_start("a: b # c"), Some(5));
        assert_eq!(comment_start("# c"), Some(0));
        assert_eq!(comment_start("a: \"b # c\""), None);
        assert_eq!(comment_start("a: b#c"), None);
    }

    #[test]
    fn today_is_a_date() {
        let t = today();
        assert_eq!(t.len(), 10);
        assert!(t.as_str() > "2024-01-01");
    }
}
