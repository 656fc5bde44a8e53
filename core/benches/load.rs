//! Loading alone (YAML → values + span trees + identity checks), one thread.
//!
//! `cargo bench -p plimsoll-core --bench load -- DIR…` (default: the shared corpus's plain
//! folders, and `bench-data/generated` when `bench/generate.py` has made it). Prints MB/s and
//! documents/s per folder: the best of five passes over texts already in memory.

use std::path::{Path, PathBuf};
use std::time::Instant;

use plimsoll_core::{Discovery, LoadOptions, load_text};

fn collect(dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            && let Ok(text) = std::fs::read_to_string(&path)
        {
            out.push((path.display().to_string(), text));
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut dirs: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    if dirs.is_empty() {
        let corpus = root.join("../shared/corpus");
        for folder in [
            "kube-prometheus",
            "argo-cd",
            "microservices-demo",
            "kubernetes-examples",
            "helm-rendered",
        ] {
            dirs.push(corpus.join(folder));
        }
        dirs.push(root.join("bench-data/generated"));
    }
    let options = LoadOptions::default();
    for dir in dirs {
        let mut files = Vec::new();
        collect(&dir, &mut files);
        if files.is_empty() {
            println!("{}: no files", dir.display());
            continue;
        }
        let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
        let mut best = f64::MAX;
        let mut objects = 0;
        for _ in 0..5 {
            let start = Instant::now();
            objects = 0;
            for (name, text) in &files {
                let loaded = load_text(name, text.clone(), Discovery::Explicit, &options);
                objects += loaded.objects.len();
            }
            best = best.min(start.elapsed().as_secs_f64());
        }
        println!(
            "{:<60} {:>6} files {:>6} objects {:>8.1} MB  {:>7.1} MB/s  {:>9.0} objects/s",
            dir.display().to_string(),
            files.len(),
            objects,
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / best,
            objects as f64 / best
        );
    }
}
