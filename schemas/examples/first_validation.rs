//! Measures the cost of the first validation of a Deployment (load and
//! decompress one version, compile one validator) and of later validations.
//!
//! `cargo run --release -p plimsoll-schemas --example first_validation`

use std::time::Instant;

use plimsoll_schemas::Catalog;
use serde_json::json;

fn main() {
    let deployment = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{
                    "name": "web",
                    "image": "nginx:1.27",
                    "ports": [{"containerPort": 80}],
                    "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}}
                }]}
            }
        }
    });
    let version = std::env::args()
        .nth(1)
        .unwrap_or_else(|| plimsoll_schemas::default_version().to_owned());
    let start = Instant::now();
    let catalog = match Catalog::new(&version) {
        Ok(catalog) => catalog,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let loaded = start.elapsed();
    let verdict = catalog.validate(&deployment);
    let first = start.elapsed();
    assert!(verdict.is_valid(), "{verdict:?}");
    let n = 20_000;
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(catalog.validate(&deployment));
    }
    let each = start.elapsed() / n;
    println!(
        "Kubernetes {version}: load {:.2} ms, first Deployment validation (load + compile + validate) {:.2} ms, then {:.1} µs per Deployment; embedded data {} bytes",
        loaded.as_secs_f64() * 1e3,
        first.as_secs_f64() * 1e3,
        each.as_secs_f64() * 1e6,
        plimsoll_schemas::embedded_size()
    );
}
