//! Runs the built-in rules over a folder of manifests and prints how many findings each rule
//! has, to review rules against real-world files.
//!
//! `cargo run -p plimsoll-rules --example corpus_counts -- [--all] [--show RULE]… DIR…`
//! (`--all` enables the opt-in rules too; `--show` prints that rule's findings).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plimsoll_core::{Discovery, LoadOptions, Object, load_text};
use plimsoll_rules::{RuleSet, RulesConfig, all_rules};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

fn main() {
    let mut all = false;
    let mut time = false;
    let mut show = Vec::new();
    let mut dirs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--all" => all = true,
            "--time" => time = true,
            "--show" => show.extend(args.next()),
            _ => dirs.push(PathBuf::from(arg)),
        }
    }
    let started = std::time::Instant::now();
    let mut objects: Vec<Object> = Vec::new();
    for dir in &dirs {
        let mut files = Vec::new();
        yaml_files(dir, &mut files);
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let name = path.display().to_string();
            objects
                .extend(load_text(&name, text, Discovery::Walked, &LoadOptions::default()).objects);
        }
    }
    let config = RulesConfig {
        enable: if all {
            all_rules().map(|r| r.id.to_owned()).collect()
        } else {
            Vec::new()
        },
        ..RulesConfig::default()
    };
    let set = match RuleSet::new(&config) {
        Ok(set) => set,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    let loaded = started.elapsed();
    if time {
        for id in set.rule_ids() {
            let only = RuleSet::new(&RulesConfig {
                only: vec![id.to_owned()],
                ..RulesConfig::default()
            });
            if let Ok(only) = only {
                let started = std::time::Instant::now();
                let n = only.check(&objects).len();
                eprintln!(
                    "{:8.1} ms {n:6} {id}",
                    started.elapsed().as_secs_f64() * 1e3
                );
            }
        }
    }
    let started = std::time::Instant::now();
    let findings = set.check(&objects);
    let checked = started.elapsed();
    eprintln!(
        "loading (one thread): {:.0} ms; rules ({} rules, {} threads): {:.0} ms",
        loaded.as_secs_f64() * 1e3,
        set.rule_ids().count(),
        rayon::current_num_threads(),
        checked.as_secs_f64() * 1e3
    );
    let mut counts: BTreeMap<&str, usize> = set.rule_ids().map(|id| (id, 0)).collect();
    for d in &findings {
        *counts.entry(&d.rule).or_default() += 1;
        if show.iter().any(|s| *s == d.rule) {
            let at = d
                .location
                .as_ref()
                .map(|l| format!("{}:{}", l.file(), l.start().line))
                .unwrap_or_default();
            let object = d
                .object
                .as_ref()
                .map(|o| o.display_name())
                .unwrap_or_default();
            println!("{at} {object} [{}] {}", d.rule, d.message);
        }
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    println!("{} objects, {} findings", objects.len(), findings.len());
    for (rule, count) in rows {
        println!("{count:6}  {rule}");
    }
}
