//! JSON output, version 1 (documented in docs/json-output.md).

use plimsoll_core::{Diagnostic, Severity};
use plimsoll_engine::Report;
use rayon::prelude::*;
use serde_json::{Map, Value, json};

/// The version of the JSON output; it changes only when a field changes meaning or goes away.
pub const VERSION: u32 = 1;

/// Findings laid out together before they are written.
const WINDOW: usize = 4096;

/// One finding, indented as an element of `diagnostics`, after a separator unless first.
fn item(out: &mut Vec<u8>, d: &Diagnostic, first: bool) {
    if !first {
        out.extend_from_slice(b",\n");
    }
    let text = serde_json::to_string_pretty(&diagnostic(d)).unwrap_or_default();
    for (n, line) in text.lines().enumerate() {
        if n > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(b"    ");
        out.extend_from_slice(line.as_bytes());
    }
}

/// Writes the report a window of findings at a time: a report of tens of thousands of
/// findings is never held in memory whole.
pub fn write_to(
    report: &Report,
    context: &super::RenderContext,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut value = json!({
        "version": VERSION,
        "tool": { "name": "plimsoll", "version": env!("CARGO_PKG_VERSION") },
        "summary": {
            "files": report.files(),
            "objects": report.objects,
            "errors": report.count(Severity::Error),
            "warnings": report.count(Severity::Warning),
            "infos": report.count(Severity::Info),
            "durationMs": u64::try_from(report.elapsed.as_millis()).unwrap_or(u64::MAX),
        },
        "diagnostics": [],
    });
    // Present only when a baseline was applied, after `summary`.
    if let (Some(applied), Some(object)) = (&context.baseline, value.as_object_mut()) {
        let mut with_baseline = Map::new();
        for (key, field) in std::mem::take(object) {
            let after_summary = key == "summary";
            with_baseline.insert(key, field);
            if after_summary {
                with_baseline.insert(
                    "baseline".into(),
                    json!({ "baselined": applied.baselined, "gone": applied.gone }),
                );
            }
        }
        *object = with_baseline;
    }
    let header = serde_json::to_string_pretty(&value).unwrap_or_default();
    const EMPTY: &str = "\"diagnostics\": []\n}";
    match header.strip_suffix(EMPTY) {
        Some(head) if !report.diagnostics.is_empty() => {
            out.write_all(head.as_bytes())?;
            out.write_all(b"\"diagnostics\": [\n")?;
            // Findings are laid out in parallel, a window at a time (so the text held stays
            // bounded), and written in their order.
            for (w, window) in report.diagnostics.chunks(WINDOW).enumerate() {
                let parts: Vec<Vec<u8>> = window
                    .par_chunks(WINDOW / 16)
                    .enumerate()
                    .map(|(c, chunk)| {
                        let mut part = Vec::new();
                        for (i, d) in chunk.iter().enumerate() {
                            let first = w == 0 && c == 0 && i == 0;
                            item(&mut part, d, first);
                        }
                        part
                    })
                    .collect();
                for part in parts {
                    out.write_all(&part)?;
                }
            }
            out.write_all(b"\n  ]\n}\n")
        }
        _ => {
            out.write_all(header.as_bytes())?;
            out.write_all(b"\n")
        }
    }
}

pub fn diagnostic(d: &Diagnostic) -> Value {
    let mut out = Map::new();
    out.insert("rule".into(), json!(d.rule));
    out.insert("severity".into(), json!(d.severity.as_str()));
    out.insert("message".into(), json!(d.message));
    out.insert("help".into(), json!(d.help));
    out.insert("note".into(), json!(d.note));
    match &d.location {
        Some(location) => {
            let start = location.start();
            let end = location.end();
            out.insert("file".into(), json!(location.file()));
            out.insert(
                "start".into(),
                json!({ "line": start.line, "column": start.column }),
            );
            out.insert(
                "end".into(),
                json!({ "line": end.line, "column": end.column }),
            );
            out.insert(
                "byteRange".into(),
                json!([location.span.start, location.span.end]),
            );
            out.insert("template".into(), json!(location.template.as_deref()));
        }
        None => {
            for key in ["file", "start", "end", "byteRange", "template"] {
                out.insert(key.into(), Value::Null);
            }
        }
    }
    out.insert("pointer".into(), json!(d.pointer));
    out.insert(
        "object".into(),
        match &d.object {
            Some(o) => json!({
                "apiVersion": o.api_version,
                "kind": o.kind,
                "namespace": o.namespace,
                "name": o.name,
            }),
            None => Value::Null,
        },
    );
    if let Some(extra) = &d.extra {
        out.insert("extra".into(), Value::Object((**extra).clone()));
    }
    if !d.related.is_empty() {
        let related: Vec<Value> = d
            .related
            .iter()
            .map(|r| match &r.location {
                Some(l) => {
                    let (start, end) = (l.start(), l.end());
                    json!({
                        "message": r.message,
                        "file": l.file(),
                        "start": { "line": start.line, "column": start.column },
                        "end": { "line": end.line, "column": end.column },
                    })
                }
                None => json!({ "message": r.message }),
            })
            .collect();
        out.insert("related".into(), Value::Array(related));
    }
    Value::Object(out)
}
