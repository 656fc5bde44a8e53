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

/// A CRD that defines a built-in kind (here `apps/v1` `Deployment`) brings its CEL rules to
/// that kind's objects.
const SHADOWING_CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: deployments.apps
spec:
  group: apps
  scope: Namespaced
  names: {kind: Deployment, plural: deployments, singular: deployment, listKind: DeploymentList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              x-kubernetes-preserve-unknown-fields: true
              properties:
                replicas: {type: integer}
          x-kubernetes-validations:
            - rule: \"self.spec.replicas < 1\"
              message: no replicas here
";

const WIDGET_CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer}
";

#[test]
fn a_file_of_crds_is_checked_against_every_crd_of_the_run() {
    // `a.yaml` holds only built-in kinds, so it is checked as soon as it is read, before
    // `z.yaml`'s CRD is known; that CRD makes its Deployment answer to a rule, and so the
    // file is checked again.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.yaml",
        &format!("{WIDGET_CRD}---\n{DEPLOYMENT}"),
    );
    write(dir.path(), "z.yaml", SHADOWING_CRD);
    let found = rules_found(dir.path(), &[]);
    assert!(
        found.iter().any(|f| f == "schema-validation-rule a.yaml"),
        "{found:?}"
    );
    // Without it, the same file gives the same findings whether or not other files hold
    // CRDs: a custom resource meets its CRD from any file.
    std::fs::remove_file(dir.path().join("z.yaml")).unwrap();
    let alone = rules_found(dir.path(), &[]);
    assert!(
        !alone
            .iter()
            .any(|f| f.starts_with("schema-validation-rule"))
    );
    write(
        dir.path(),
        "b.yaml",
        &format!(
            "{WIDGET_CRD}---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: w, namespace: shop}}\nspec: {{size: big}}\n"
        ),
    );
    let found = rules_found(dir.path(), &[]);
    assert!(found.iter().any(|f| f.ends_with(" b.yaml")), "{found:?}");
    assert_eq!(
        found.iter().filter(|f| f.ends_with(" a.yaml")).count(),
        alone.len()
    );
}

#[test]
fn a_run_inside_a_thread_pool_finds_the_same() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.yaml",
        &format!("{WIDGET_CRD}---\n{DEPLOYMENT}"),
    );
    write(
        dir.path(),
        "b.yaml",
        &format!(
            "{WIDGET_CRD}---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: w, namespace: shop}}\nspec: {{size: big}}\n"
        ),
    );
    write(dir.path(), "z.yaml", SHADOWING_CRD);
    let outside = rules_found(dir.path(), &[]);
    // Called from a thread of a pool, the run takes the files that hold CRDs a few at a
    // time rather than merging them as they come.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let inside = pool.install(|| rules_found(dir.path(), &[]));
    assert!(!outside.is_empty());
    assert_eq!(inside, outside);
}

#[test]
fn a_cluster_scoped_kind_keeps_its_scope_whatever_the_length_of_its_group() {
    // Slimming turns long values into digests; the group and scope of a CRD are what its
    // custom resources are told apart by, so they stay whatever their length.
    let group = "policies.a-rather-long-organisation-name.platform-engineering.example.com";
    assert!(group.len() > 64);
    let crd = |scope: &str| {
        format!(
            "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: guards.{group}
spec:
  group: {group}
  scope: {scope}
  names: {{kind: Guard, plural: guards, singular: guard, listKind: GuardList}}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {{type: object, x-kubernetes-preserve-unknown-fields: true}}
"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "guard.yaml",
        &format!("apiVersion: {group}/v1\nkind: Guard\nmetadata: {{name: g}}\n"),
    );
    write(dir.path(), "crd.yaml", &crd("Cluster"));
    assert_eq!(
        rules_found(dir.path(), &["missing-namespace"]),
        Vec::<String>::new()
    );
    write(dir.path(), "crd.yaml", &crd("Namespaced"));
    assert_eq!(
        rules_found(dir.path(), &["missing-namespace"]),
        vec!["missing-namespace guard.yaml".to_owned()]
    );
}

/// With only rules that read facts across objects, a lint run keeps of most objects their
/// identity alone once their facts are built: findings are still located, named and
/// silenced, and every object is still listed as checked.
#[test]
fn objects_reduced_to_their_facts_are_still_located_named_and_silenced() {
    let dir = tempfile::tempdir().unwrap();
    let deployment = |name: &str, annotations: &str| {
        format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: shop
{annotations}spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: app
          image: registry.example/{name}:1.0
"
        )
    };
    let silenced = deployment(
        "api",
        "  annotations:\n    plimsoll.dev/ignore: single-replica\n",
    );
    write(
        dir.path(),
        "apps.yaml",
        &format!("{}---\n{silenced}", deployment("web", "")),
    );
    write(
        dir.path(),
        "hpa.yaml",
        "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: gone
  namespace: shop
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: gone}
  minReplicas: 2
  maxReplicas: 4
",
    );
    let mut config = Config::default();
    config.rules.only = ["single-replica", "hpa-target-not-found"]
        .map(str::to_owned)
        .into();
    assert!(
        config
            .rules
            .only
            .iter()
            .all(|id| plimsoll_rules::READS_ONLY_FACTS.contains(&id.as_str()))
    );
    let report = plimsoll_engine::lint(&[Input::Path(dir.path().to_path_buf())], config).unwrap();
    let found: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| {
            let at = d.location.as_ref().map(|l| {
                let file = l.file().rsplit('/').next().unwrap_or_default().to_owned();
                format!("{file}:{}", l.start().line)
            });
            let object = d.object.as_ref().map(|o| o.display_name());
            format!(
                "{} {} {}",
                d.rule,
                at.unwrap_or_default(),
                object.unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "single-replica apps.yaml:7 shop/Deployment/web",
            "hpa-target-not-found hpa.yaml:7 shop/HorizontalPodAutoscaler/gone",
        ],
        "{found:#?}"
    );
    let checked: Vec<String> = report
        .checked
        .iter()
        .flatten()
        .map(plimsoll_core::ObjectRef::display_name)
        .collect();
    assert_eq!(
        checked,
        [
            "shop/Deployment/web",
            "shop/Deployment/api",
            "shop/HorizontalPodAutoscaler/gone"
        ]
    );
}
