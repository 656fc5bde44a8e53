//! Validates JSON documents, one per line on stdin, and prints one JSON
//! line per document: `{"origin": …, "findings": [[rule, pointer, message], …]}`.
//! `CustomResourceDefinition`s among the documents are added first, whatever
//! their order. Used by `compare.py` for the differential check.
//!
//! `cargo run --release -p plimsoll-schemas --example validate_stream -- 1.33 < docs.jsonl`

use std::io::{BufRead, Write};

use plimsoll_schemas::Catalog;
use serde_json::{Value, json};

fn main() {
    let version = std::env::args()
        .nth(1)
        .unwrap_or_else(|| plimsoll_schemas::default_version().to_owned());
    let mut catalog = match Catalog::new(&version) {
        Ok(catalog) => catalog,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let documents: Vec<Value> = std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .map(|line| serde_json::from_str(&line).unwrap_or(Value::Null))
        .collect();
    for document in &documents {
        if document.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition")
            && let Err(e) = catalog.add_crd(document)
        {
            eprintln!("{e}");
        }
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let start = std::time::Instant::now();
    let verdicts: Vec<_> = documents.iter().map(|d| catalog.validate(d)).collect();
    let first = start.elapsed();
    let start = std::time::Instant::now();
    for document in &documents {
        std::hint::black_box(catalog.validate(document));
    }
    let again = start.elapsed();
    eprintln!(
        "{} documents: {:.1} ms with compilation, {:.1} ms with cached validators ({:.0} documents/s)",
        documents.len(),
        first.as_secs_f64() * 1e3,
        again.as_secs_f64() * 1e3,
        documents.len() as f64 / again.as_secs_f64().max(1e-9)
    );
    for verdict in verdicts {
        let findings: Vec<Value> = verdict
            .findings
            .iter()
            .map(|f| json!([f.rule, f.pointer, f.message, f.help]))
            .collect();
        let line = json!({"origin": verdict.origin.map(|o| o.to_string()), "findings": findings});
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
}
