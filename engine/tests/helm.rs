//! Helm charts rendered and traced back, on the charts of `fixtures/helm/`.
//!
//! With `PLIMSOLL_HELM` set to a helm binary, the charts are rendered and the findings, as a
//! user sees them (file:line of the template, values keys, renders), are compared with
//! snapshots. Without it, the same runs must say clearly that helm is missing, and must not
//! lint the charts' templates as loose YAML.

#![allow(clippy::expect_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plimsoll_engine::{Config, Input, Report};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/helm")
        .join(name)
}

fn helm() -> Option<PathBuf> {
    std::env::var_os("PLIMSOLL_HELM").map(PathBuf::from)
}

fn run(inputs: &[PathBuf], adjust: impl FnOnce(&mut Config)) -> Report {
    let mut config = Config {
        today: Some("2026-01-01".to_owned()),
        ..Config::default()
    };
    config.helm.binary = Some(helm().unwrap_or_else(|| PathBuf::from("/nonexistent/helm")));
    adjust(&mut config);
    let inputs: Vec<Input> = inputs.iter().cloned().map(Input::Path).collect();
    plimsoll_engine::lint(&inputs, config).expect("lint")
}

/// Findings one per block: severity, rule, `file:line:column`, message, the snippet line,
/// notes and related locations. Paths are shown relative to the fixtures folder.
fn render(report: &Report) -> String {
    let root = fixture("");
    let root = root.to_string_lossy();
    let clean = |text: &str| text.replace(&*root, "").replace("\\", "/");
    let mut out = String::new();
    for d in &report.diagnostics {
        let at = d.location.as_ref().map_or("-".to_owned(), |l| {
            let p = l.start();
            format!("{}:{}:{}", clean(l.file()), p.line, p.column)
        });
        let _ = writeln!(out, "{} {} {at}\n  {}", d.severity, d.rule, d.message);
        if let Some(l) = &d.location
            && !l.source.text().is_empty()
        {
            let line = l.source.line_index(l.span.start as usize);
            let _ = writeln!(out, "  | {}", l.source.line_text(line).trim_end());
        }
        if let Some(note) = &d.note {
            let _ = writeln!(out, "  note: {}", note.replace('\n', " / "));
        }
        for r in &d.related {
            match &r.location {
                Some(l) => {
                    let line = l.source.line_index(l.span.start as usize);
                    let _ = writeln!(
                        out,
                        "  related: {} at {}:{}: {}",
                        r.message,
                        clean(l.file()),
                        l.start().line,
                        l.source.line_text(line).trim()
                    );
                }
                None => {
                    let _ = writeln!(out, "  related: {}", r.message);
                }
            }
        }
    }
    out
}

fn assert_helm_missing(report: &Report, charts: usize) {
    let missing: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.rule == "helm-not-found")
        .collect();
    assert_eq!(missing.len(), charts, "{}", render(report));
    let d = missing[0];
    assert!(d.message.contains("is not rendered"), "{}", d.message);
    let help = d.help.as_deref().unwrap_or_default();
    assert!(help.contains("install Helm"), "{help}");
    assert!(help.contains("| plimsoll lint -"), "{help}");
    // The templates were not read as manifests.
    assert!(
        report.diagnostics.iter().all(|d| d
            .location
            .as_ref()
            .is_none_or(|l| l.file().ends_with("Chart.yaml"))),
        "{}",
        render(report)
    );
}

#[test]
fn a_chart_is_rendered_with_its_ci_values_and_traced_back() {
    let report = run(&[fixture("shop")], |_| {});
    if helm().is_none() {
        assert_helm_missing(&report, 1);
        return;
    }
    insta::assert_snapshot!(render(&report));
}

#[test]
fn values_and_set_from_the_command_line_win() {
    let report = run(&[fixture("shop")], |config| {
        config.helm.values = vec![fixture("shop/ci/01-debug-values.yaml")];
        config.helm.set = vec!["image.tag=latest".to_owned(), "replicaCount=1".to_owned()];
        config.helm.release = Some("web".to_owned());
        config.helm.namespace = Some("store".to_owned());
        config
            .helm
            .charts
            .insert(fixture("shop"), vec![plimsoll_helm_render("prod")]);
    });
    if helm().is_none() {
        assert_helm_missing(&report, 1);
        return;
    }
    insta::assert_snapshot!(render(&report));
}

fn plimsoll_helm_render(name: &str) -> plimsoll_engine::helm::Render {
    plimsoll_engine::helm::Render {
        name: name.to_owned(),
        ..Default::default()
    }
}

#[test]
fn render_failures_are_findings_at_their_place() {
    let report = run(
        &[
            fixture("broken-template"),
            fixture("bad-values"),
            fixture("missing-dependency"),
        ],
        |_| {},
    );
    if helm().is_none() {
        assert_helm_missing(&report, 3);
        return;
    }
    insta::assert_snapshot!(render(&report));
}

#[test]
fn no_helm_leaves_charts_out() {
    let report = run(&[fixture("")], |config| config.helm.enabled = false);
    assert!(report.diagnostics.is_empty(), "{}", render(&report));
    assert_eq!(report.objects, 0);
}

#[test]
fn a_subchart_is_rendered_only_through_its_parent_unless_named() {
    let report = run(&[fixture("shop/charts/cache")], |_| {});
    if helm().is_none() {
        assert_helm_missing(&report, 1);
        return;
    }
    assert_eq!(report.objects, 1, "{}", render(&report));
    insta::assert_snapshot!(render(&report));
}

/// Writes `files` under a temporary folder.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
        std::fs::write(path, text).expect("write");
    }
    dir
}

const WIDGET_CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
";

/// The CRDs of `--crds` folders are named to helm (`--api-versions`) as those among the
/// inputs are: a template that renders only when the cluster serves a kind sees them.
#[test]
fn crds_folders_are_api_versions_for_helm() {
    let chart = folder(&[
        (
            "app/Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        ),
        (
            "app/templates/widget.yaml",
            "{{- if .Capabilities.APIVersions.Has \"example.com/v1/Widget\" }}\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n{{- end }}\n",
        ),
    ]);
    let crds = folder(&[("widget.yaml", WIDGET_CRD)]);
    let app = chart.path().join("app");
    let without = run(std::slice::from_ref(&app), |_| {});
    let with = run(std::slice::from_ref(&app), |config| {
        config.crds = vec![crds.path().to_path_buf()];
    });
    if helm().is_none() {
        assert_helm_missing(&with, 1);
        return;
    }
    assert_eq!(without.objects, 0, "{}", render(&without));
    assert_eq!(with.objects, 1, "{}", render(&with));
}

/// `# plimsoll-ignore` in a template, at the end of a line or on the line before, silences
/// the findings at that template line; one that silences nothing says so at the template.
#[test]
fn ignore_comments_in_templates_silence_their_lines() {
    let chart = folder(&[
        (
            "app/Chart.yaml",
            "apiVersion: v2\nname: app\nversion: 0.1.0\n",
        ),
        ("app/values.yaml", "image: busybox:latest\n"),
        (
            "app/templates/pod.yaml",
            "apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: a
      image: {{ .Values.image }} # plimsoll-ignore latest-image-tag
    - name: b
      # plimsoll-ignore latest-image-tag -- pinned by the mirror
      image: busybox:latest
    - name: c
      image: busybox:latest # plimsoll-ignore host-network
",
        ),
    ]);
    let report = run(&[chart.path().join("app")], |config| {
        config.rules.only = vec!["latest-image-tag".to_owned()];
    });
    if helm().is_none() {
        assert_helm_missing(&report, 1);
        return;
    }
    let found: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| {
            let l = d.location.as_ref().expect("location");
            format!(
                "{} {}:{}",
                d.rule,
                l.file().rsplit('/').next().unwrap_or_default(),
                l.start().line
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            "latest-image-tag pod.yaml:13",
            "unused-suppression pod.yaml:13"
        ],
        "{}",
        render(&report)
    );
}
