//! How much heap the facts of a run take, next to the values they are read from (which a lint
//! run no longer keeps), and how long building them takes on one thread and on all.
//!
//! `cargo run --release -p plimsoll-rules --example facts_size -- bench-data/scale-10000`
//! (`bench-data/` is made by the scale benchmark; any folder of manifests will do).
//!
//! Values are measured with an estimate of `serde_json`'s layout with
//! `preserve_order`: each map an `IndexMap` (an entry of hash, key and value, and a table slot
//! of 8 bytes and a control byte), each string and list its bytes, and 16 bytes of allocator
//! overhead per allocation. The facts are measured by `ObjectFacts::heap_bytes` (the same
//! overhead), their inline size, and the interner's table.

use std::path::{Path, PathBuf};
use std::time::Instant;

use plimsoll_core::{Discovery, LoadOptions, Object, load_text};
use plimsoll_rules::facts::{ObjectFacts, Tables};
use plimsoll_rules::pod::PodTemplates;
use rayon::prelude::*;
use serde_json::{Map, Value};

/// Allocator overhead counted per allocation.
const ALLOCATION: usize = 16;

fn value_heap(value: &Value) -> usize {
    match value {
        Value::String(s) => string_heap(s),
        Value::Array(items) if items.is_empty() => 0,
        Value::Array(items) => {
            items.len() * size_of::<Value>()
                + ALLOCATION
                + items.iter().map(value_heap).sum::<usize>()
        }
        Value::Object(map) => map_heap(map),
        _ => 0,
    }
}

fn string_heap(s: &str) -> usize {
    if s.is_empty() {
        0
    } else {
        s.len() + ALLOCATION
    }
}

fn map_heap(map: &Map<String, Value>) -> usize {
    if map.is_empty() {
        return 0;
    }
    // An entry: its hash, its key and its value; a slot: an index and a control byte.
    let entry = size_of::<usize>() + size_of::<String>() + size_of::<Value>();
    let slots = map.len().next_power_of_two().max(4) * 8 / 7 + 1;
    map.len() * entry
        + slots * (size_of::<usize>() + 1)
        + 2 * ALLOCATION
        + map
            .iter()
            .map(|(k, v)| string_heap(k) + value_heap(v))
            .sum::<usize>()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "bench-data/scale-10000".into());
    let files = files(Path::new(&dir));
    let objects: Vec<Object> = files
        .par_iter()
        .flat_map_iter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let name = path.to_string_lossy();
            load_text(&name, text, Discovery::Explicit, &LoadOptions::default()).objects
        })
        .collect();
    let pods = PodTemplates::new(&[]).unwrap_or_else(|e| panic!("{e}"));
    let full: usize = objects.iter().map(|o| value_heap(&o.value)).sum();

    // The facts are read from the whole values, as a lint run reads them. Each way is timed
    // three times, alternately; the best of each is reported.
    let build = |parallel: bool| {
        let tables = Tables::default();
        let start = Instant::now();
        let facts: Vec<ObjectFacts> = if parallel {
            objects
                .par_iter()
                .map(|o| ObjectFacts::of(o, &pods, &tables))
                .collect()
        } else {
            objects
                .iter()
                .map(|o| ObjectFacts::of(o, &pods, &tables))
                .collect()
        };
        (start.elapsed(), facts, tables)
    };
    let mut sequential = std::time::Duration::MAX;
    let mut parallel = std::time::Duration::MAX;
    for _ in 0..3 {
        sequential = sequential.min(build(false).0);
        parallel = parallel.min(build(true).0);
    }
    // For comparison: each thread with a table of its own (what merging tables built per
    // thread would start from; the merge itself is not done).
    let threads = rayon::current_num_threads().max(1);
    let mut separate = std::time::Duration::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let built: usize = objects
            .par_chunks(objects.len().div_ceil(threads).max(1))
            .map(|chunk| {
                let tables = Tables::default();
                let facts: Vec<ObjectFacts> = chunk
                    .iter()
                    .map(|o| ObjectFacts::of(o, &pods, &tables))
                    .collect();
                facts.len()
            })
            .sum();
        separate = separate.min(start.elapsed());
        assert_eq!(built, objects.len());
    }
    let (_, facts, tables) = build(true);
    let frozen = tables.freeze();
    let inline = facts.len() * size_of::<ObjectFacts>();
    let heap: usize = facts.iter().map(ObjectFacts::heap_bytes).sum();
    let symbols = frozen.symbols.heap_bytes();

    let n = objects.len().max(1);
    let kib = |b: usize| b as f64 / 1024.0;
    println!(
        "{} objects from {} files in {dir}",
        objects.len(),
        files.len()
    );
    println!(
        "values, full:      {:>9.0} KiB  ({:>5.0} B per object)",
        kib(full),
        full as f64 / n as f64
    );
    println!(
        "facts:             {:>9.0} KiB  ({:>5.0} B per object: {} inline + {:.0} heap)",
        kib(inline + heap),
        (inline + heap) as f64 / n as f64,
        size_of::<ObjectFacts>(),
        heap as f64 / n as f64
    );
    println!(
        "symbols:           {:>9.0} KiB  ({:>5.0} B per object)",
        kib(symbols),
        symbols as f64 / n as f64
    );
    println!(
        "facts + symbols:   {:>9.0} KiB  ({:>5.0} B per object), {:.1}x less than the values",
        kib(inline + heap + symbols),
        (inline + heap + symbols) as f64 / n as f64,
        full as f64 / (inline + heap + symbols).max(1) as f64
    );
    println!(
        "building the facts (best of 3): {:.0} ms on one thread, {:.0} ms on {threads} threads \
         sharing the tables, {:.0} ms with a table for each thread (not merged)",
        sequential.as_secs_f64() * 1000.0,
        parallel.as_secs_f64() * 1000.0,
        separate.as_secs_f64() * 1000.0,
    );
}
