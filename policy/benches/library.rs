//! Throughput of the Rego fixture library (four checks) over 10,000 generated
//! objects, on one thread and on a rayon pool of `PLIMSOLL_BENCH_THREADS`
//! threads (default 2): `cargo bench -p plimsoll-policy --bench library`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Instant;

use plimsoll_policy::{PolicyOptions, PolicySetBuilder};
use rayon::prelude::*;
use serde_json::{Value, json};

fn add_dir(builder: &mut PolicySetBuilder, dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            add_dir(builder, &path);
        } else if path.extension().is_some_and(|e| e == "rego") {
            let text = std::fs::read_to_string(&path).unwrap();
            builder
                .add_module(&path.display().to_string(), &text)
                .unwrap();
        }
    }
}

fn object(i: usize) -> Value {
    let name = format!("app-{i}");
    let image = if i.is_multiple_of(3) {
        "nginx:latest".to_owned()
    } else {
        format!("registry.example/app:{i}")
    };
    match i % 4 {
        0 => {
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"type": "NodePort", "selector": {"app": name}, "ports": [{"port": 80, "nodePort": 30000 + (i % 5000)}]}})
        }
        1 => {
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "shop"},
            "spec": {"containers": [{"name": "app", "image": image, "securityContext": {"privileged": i.is_multiple_of(7)}}]}})
        }
        _ => {
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "shop", "labels": {"app": name}},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}}, "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [
                    {"name": "app", "image": image, "ports": [{"containerPort": 8080}],
                     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}},
                    {"name": "sidecar", "image": "registry.example/proxy:1.2", "securityContext": {"privileged": i.is_multiple_of(5)}}]}}}})
        }
    }
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/policies/conftest");
    let mut options = PolicyOptions::default();
    if std::env::var_os("PLIMSOLL_BENCH_NO_LIMIT").is_some() {
        options.time_limit = None;
    }
    let mut builder = PolicySetBuilder::new(options);
    if std::env::var_os("PLIMSOLL_BENCH_TRIVIAL").is_some() {
        // Four one-line rules: the fixed cost of evaluation per object.
        let text = "package main\n\nimport rego.v1\n\ndeny_a contains \"a\" if input.kind == \"Pod\"\n\ndeny_b contains \"b\" if input.spec.replicas > 5\n\nwarn_c contains \"c\" if not input.metadata.labels.app\n\nwarn_d contains \"d\" if input.spec.type == \"LoadBalancer\"\n";
        builder.add_module("trivial.rego", text).unwrap();
    } else {
        add_dir(&mut builder, &dir);
    }
    let set = builder.build().unwrap();
    let objects: Vec<Value> = (0..10_000).map(object).collect();

    let mut evaluator = set.evaluator();
    let _ = evaluator.evaluate(&objects[0]);
    let start = Instant::now();
    let findings: usize = objects.iter().map(|o| evaluator.evaluate(o).len()).sum();
    let single = start.elapsed();
    println!(
        "1 thread:  {} objects, {findings} findings, {:.0} ms, {:.0} objects/s, {:.1} µs/object",
        objects.len(),
        single.as_secs_f64() * 1e3,
        objects.len() as f64 / single.as_secs_f64(),
        single.as_secs_f64() * 1e6 / objects.len() as f64
    );

    let threads: usize = std::env::var("PLIMSOLL_BENCH_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(2);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let start = Instant::now();
    let parallel: usize = pool.install(|| {
        objects
            .par_iter()
            .map_init(
                || set.evaluator(),
                |evaluator, o| evaluator.evaluate(o).len(),
            )
            .sum()
    });
    let elapsed = start.elapsed();
    assert_eq!(parallel, findings);
    println!(
        "{threads} threads: {} objects, {parallel} findings, {:.0} ms, {:.0} objects/s",
        objects.len(),
        elapsed.as_secs_f64() * 1e3,
        objects.len() as f64 / elapsed.as_secs_f64()
    );
}
