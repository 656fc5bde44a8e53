//! The pipeline's shape does not change what is found: every file is checked on its own in
//! one parallel pass, so a rule whose verdict another file can change must wait for every file,
//! and the report is the same whatever the number of files and threads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use plimsoll_engine::{Config, Input};

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
";

const AUTOSCALER: &str = "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: shop
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 4
";

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn rules_found(dir: &Path, only: &[&str]) -> Vec<String> {
    let mut config = Config::default();
    config.rules.only = only.iter().map(|id| (*id).to_owned()).collect();
    let report = plimsoll_engine::lint(&[Input::Path(dir.to_path_buf())], config).unwrap();
    report
        .diagnostics
        .iter()
        .map(|d| {
            let file = d
                .location
                .as_ref()
                .map(|l| l.file().rsplit('/').next().unwrap_or_default().to_owned());
            format!("{} {}", d.rule, file.unwrap_or_default())
        })
        .collect()
}

#[test]
fn an_autoscaler_in_another_file_exempts_a_single_replica() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deployment.yaml", DEPLOYMENT);
    assert_eq!(
        rules_found(dir.path(), &["single-replica"]),
        ["single-replica deployment.yaml"]
    );
    // Files far apart in the walk (more than any batch of files) still see each other.
    for i in 0..100 {
        write(
            dir.path(),
            &format!("m{i:03}.yaml"),
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  namespace: shop\n"
            ),
        );
    }
    write(dir.path(), "z-autoscaler.yaml", AUTOSCALER);
    assert_eq!(
        rules_found(dir.path(), &["single-replica"]),
        Vec::<String>::new()
    );
}

#[test]
fn findings_do_not_depend_on_how_many_files_hold_the_objects() {
    let together = tempfile::tempdir().unwrap();
    write(
        together.path(),
        "all.yaml",
        &format!("{DEPLOYMENT}---\n{AUTOSCALER}"),
    );
    let apart = tempfile::tempdir().unwrap();
    write(apart.path(), "a.yaml", DEPLOYMENT);
    write(apart.path(), "b.yaml", AUTOSCALER);
    let rules = |dir: &Path| {
        let mut found: Vec<String> = rules_found(dir, &[])
            .into_iter()
            .map(|line| line.split(' ').next().unwrap_or_default().to_owned())
            .collect();
        found.sort();
        found
    };
    let found = rules(together.path());
    assert!(!found.is_empty());
    assert!(!found.iter().any(|r| r == "single-replica"));
    assert_eq!(found, rules(apart.path()));
}
