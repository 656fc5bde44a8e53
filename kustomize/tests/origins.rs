//! Where built values point: inline patches at their lines inside the kustomization, plugin
//! configurations at their own lines. The trees are held in memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plimsoll_kustomize::{Build, FileSystem, build};

struct Mem(BTreeMap<PathBuf, String>);

impl FileSystem for Mem {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.0
            .get(path)
            .map(|t| t.clone().into_bytes())
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.0.keys().any(|k| k.starts_with(path) && k != path)
    }
    fn is_file(&self, path: &Path) -> bool {
        self.0.contains_key(path)
    }
    fn list(&self, path: &Path) -> std::io::Result<Vec<PathBuf>> {
        Ok(self
            .0
            .keys()
            .filter(|k| k.parent() == Some(path))
            .cloned()
            .collect())
    }
}

fn tree(files: &[(&str, &str)]) -> Build {
    let fs = Mem(files
        .iter()
        .map(|(p, t)| (PathBuf::from(p), (*t).to_owned()))
        .collect());
    build(&fs, Path::new("app"))
}

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: app
        image: nginx:1.25
";

/// (file, line, column) of the value at `pointer` of the built object `index`.
fn at(build: &Build, index: usize, pointer: &str) -> (String, usize, usize) {
    assert!(!build.failed, "{:?}", build.diagnostics);
    let location = build.objects[index].locate(pointer, false);
    let start = location.start();
    (
        location.source.name().to_owned(),
        start.line as usize,
        start.column as usize,
    )
}

#[test]
fn an_inline_strategic_merge_patch_points_at_its_line_in_the_block() {
    let built = tree(&[
        ("app/deploy.yaml", DEPLOY),
        (
            "app/kustomization.yaml",
            "resources:
- deploy.yaml
patches:
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      template:
        spec:
          containers:
          - name: app
            image: nginx:latest
",
        ),
    ]);
    let image = "/spec/template/spec/containers/0/image";
    assert_eq!(
        at(&built, 0, image),
        ("app/kustomization.yaml".to_owned(), 14, 20)
    );
    assert_eq!(
        built.objects[0]
            .value
            .pointer(image)
            .and_then(|v| v.as_str()),
        Some("nginx:latest")
    );
}

#[test]
fn an_inline_json_patch_points_at_the_value_of_its_operation() {
    let built = tree(&[
        ("app/deploy.yaml", DEPLOY),
        (
            "app/kustomization.yaml",
            "resources:
- deploy.yaml
patches:
- target:
    kind: Deployment
  patch: |
    - op: add
      path: /spec/template/spec/hostNetwork
      value: true
",
        ),
    ]);
    assert_eq!(
        at(&built, 0, "/spec/template/spec/hostNetwork"),
        ("app/kustomization.yaml".to_owned(), 9, 14)
    );
}

#[test]
fn a_quoted_inline_patch_points_at_its_entry() {
    let built = tree(&[
        ("app/deploy.yaml", DEPLOY),
        (
            "app/kustomization.yaml",
            "resources:
- deploy.yaml
patches:
- target:
    kind: Deployment
  patch: '[{\"op\": \"add\", \"path\": \"/spec/template/spec/hostPID\", \"value\": true}]'
",
        ),
    ]);
    assert_eq!(
        at(&built, 0, "/spec/template/spec/hostPID"),
        ("app/kustomization.yaml".to_owned(), 6, 10)
    );
}

#[test]
fn a_builtin_plugin_sets_values_from_its_configuration() {
    let built = tree(&[
        ("app/deploy.yaml", DEPLOY),
        (
            "app/labels.yaml",
            "apiVersion: builtin
kind: LabelTransformer
metadata:
  name: labels
labels:
  team: blue
fieldSpecs:
- path: metadata/labels
  create: true
",
        ),
        (
            "app/kustomization.yaml",
            "resources:
- deploy.yaml
transformers:
- labels.yaml
- |-
  apiVersion: builtin
  kind: ImageTagTransformer
  metadata:
    name: image
  imageTag:
    name: nginx
    newTag: latest
",
        ),
    ]);
    assert_eq!(
        at(&built, 0, "/metadata/labels/team"),
        ("app/labels.yaml".to_owned(), 6, 9)
    );
    assert_eq!(
        built.objects[0]
            .value
            .pointer("/spec/template/spec/containers/0/image")
            .and_then(|v| v.as_str()),
        Some("nginx:latest")
    );
    let (file, line, _) = at(&built, 0, "/spec/template/spec/containers/0/image");
    assert_eq!((file.as_str(), line), ("app/kustomization.yaml", 12));
}

#[test]
fn an_external_plugin_fails_the_build_at_its_entry() {
    let built = tree(&[
        ("app/deploy.yaml", DEPLOY),
        (
            "app/kustomization.yaml",
            "resources:
- deploy.yaml
transformers:
- |-
  apiVersion: example.com/v1
  kind: SetOwner
  metadata:
    name: owner
",
        ),
    ]);
    assert!(built.failed);
    let error = built
        .diagnostics
        .iter()
        .find(|d| d.rule == "kustomize-error")
        .expect("an error");
    assert!(
        error.message.contains("--enable-alpha-plugins"),
        "{}",
        error.message
    );
    assert_eq!(error.location.as_ref().map(|l| l.start().line), Some(5));
}

#[test]
fn directives_kustomize_copies_are_warned_at_their_line() {
    let built = tree(&[
        ("app/deploy.yaml", DEPLOY),
        (
            "app/kustomization.yaml",
            "resources:
- deploy.yaml
patches:
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
    spec:
      strategy:
        $retainKeys: [type]
        type: Recreate
",
        ),
    ]);
    assert!(!built.failed);
    let warning = built
        .diagnostics
        .iter()
        .find(|d| d.rule == "kustomize-warning")
        .expect("a warning");
    assert!(
        warning.message.contains("`$retainKeys`"),
        "{}",
        warning.message
    );
    assert_eq!(warning.location.as_ref().map(|l| l.start().line), Some(11));
    // Copied, as kustomize does.
    assert!(
        built.objects[0]
            .value
            .pointer("/spec/strategy/$retainKeys")
            .is_some()
    );
}
