//! The renders of a chart and the `helm template` command line of each.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// One way to render a chart: a values set, `--set` entries, a release and a namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Render {
    /// `default`, `prod`, `ci/05-server-deployment`.
    pub name: String,
    /// Values files, in the order given (the last wins).
    pub values: Vec<PathBuf>,
    /// `key=value` entries, in the order given (the last wins).
    pub set: Vec<String>,
    pub release: Option<String>,
    pub namespace: Option<String>,
    /// The Kubernetes version this render targets, when it differs from the run's.
    pub kubernetes_version: Option<String>,
    /// Group/versions to add to `.Capabilities.APIVersions` beyond the served ones.
    pub api_versions: Vec<String>,
}

/// The renders of a chart when the configuration lists none: its own values (plus the
/// command line's), and one per chart-testing `ci/*-values.yaml` file.
pub fn default_renders(ci_values: &[String], base: &Render) -> Vec<Render> {
    let mut out = vec![Render {
        name: "default".to_owned(),
        ..base.clone()
    }];
    for file in ci_values {
        let stem = file
            .strip_suffix("-values.yaml")
            .or_else(|| file.strip_suffix("-values.yml"))
            .unwrap_or(file);
        let mut values = vec![PathBuf::from("ci").join(file)];
        values.extend(base.values.iter().cloned());
        out.push(Render {
            name: format!("ci/{stem}"),
            values,
            ..base.clone()
        });
    }
    out
}

/// `chart@render`, the label of a render in every output.
pub fn label(chart: &str, render: &str) -> String {
    format!("{chart}@{render}")
}

/// What the command line needs besides the render.
#[derive(Clone, Debug)]
pub struct Target<'a> {
    /// The Kubernetes version (`1.33`).
    pub kubernetes_version: &'a str,
    /// Every group/version and group/version/kind served, and the run's CRDs.
    pub api_versions: &'a [String],
}

/// The release name used when none is given: the chart's name, so that names read as the
/// chart's own (`shop`, not `release-shop`).
pub fn release_name(render: &Render, chart_name: &str) -> String {
    render.release.clone().unwrap_or_else(|| {
        let name: String = chart_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let name = name.trim_matches('-');
        if name.is_empty() {
            "release".to_owned()
        } else {
            name.chars().take(53).collect()
        }
    })
}

/// `helm template RELEASE CHART …`: values files are relative to the chart, paths are as
/// the user wrote them.
pub fn command_line(
    chart: &Path,
    chart_name: &str,
    render: &Render,
    target: &Target<'_>,
) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "template".into(),
        release_name(render, chart_name).into(),
        chart.as_os_str().to_owned(),
        "--include-crds".into(),
    ];
    if let Some(ns) = &render.namespace {
        args.push("--namespace".into());
        args.push(ns.into());
    }
    for file in &render.values {
        args.push("--values".into());
        args.push(values_path(chart, file).into_os_string());
    }
    for entry in &render.set {
        args.push("--set".into());
        args.push(entry.into());
    }
    let version = render
        .kubernetes_version
        .as_deref()
        .unwrap_or(target.kubernetes_version);
    args.push("--kube-version".into());
    args.push(kube_version(version).into());
    for api in target.api_versions.iter().chain(&render.api_versions) {
        args.push("--api-versions".into());
        args.push(api.into());
    }
    args
}

/// A values file named relative to the chart (`ci/x-values.yaml`) when it is there, else as
/// given (relative to the current folder).
pub fn values_path(chart: &Path, file: &Path) -> PathBuf {
    if file.is_absolute() {
        return file.to_path_buf();
    }
    let inside = chart.join(file);
    if inside.is_file() || file.starts_with("ci") && !file.is_file() {
        inside
    } else {
        file.to_path_buf()
    }
}

/// `1.33` → `v1.33.0`, the form every helm version accepts.
pub fn kube_version(version: &str) -> String {
    let v = version.trim_start_matches('v');
    let parts = v.split('.').count();
    if parts >= 3 {
        format!("v{v}")
    } else {
        format!("v{v}.0")
    }
}

/// The `--api-versions` entries for the built-in kinds (`apps/v1/Deployment` keys): each
/// group/version once, and each group/version/kind.
pub fn api_versions(kinds: &[&str]) -> Vec<String> {
    let mut versions: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for key in kinds {
        if let Some((gv, _kind)) = key.rsplit_once('/') {
            if !versions.iter().any(|v| v == gv) {
                versions.push(gv.to_owned());
            }
            out.push((*key).to_owned());
        }
    }
    versions.extend(out);
    versions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_renders_follow_chart_testing() {
        let base = Render {
            set: vec!["a=1".to_owned()],
            ..Render::default()
        };
        let renders = default_renders(&["01-small-values.yaml".to_owned()], &base);
        assert_eq!(renders.len(), 2);
        assert_eq!(renders[0].name, "default");
        assert_eq!(renders[1].name, "ci/01-small");
        assert_eq!(
            renders[1].values,
            vec![PathBuf::from("ci/01-small-values.yaml")]
        );
        assert_eq!(renders[1].set, vec!["a=1"]);
        assert_eq!(label("shop", &renders[1].name), "shop@ci/01-small");
    }

    #[test]
    fn command_line_names_everything() {
        let render = Render {
            name: "prod".into(),
            values: vec![PathBuf::from("/abs/prod.yaml")],
            set: vec!["image.tag=1.4.2".into()],
            namespace: Some("web".into()),
            ..Render::default()
        };
        let apis = api_versions(&["apps/v1/Deployment", "apps/v1/StatefulSet", "v1/Pod"]);
        assert_eq!(
            apis,
            vec![
                "apps/v1",
                "v1",
                "apps/v1/Deployment",
                "apps/v1/StatefulSet",
                "v1/Pod"
            ]
        );
        let args = command_line(
            Path::new("charts/shop"),
            "Shop_App",
            &render,
            &Target {
                kubernetes_version: "1.33",
                api_versions: &apis,
            },
        );
        let text: Vec<String> = args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            text[..12].join(" "),
            "template shop-app charts/shop --include-crds --namespace web --values /abs/prod.yaml --set image.tag=1.4.2 --kube-version v1.33.0"
        );
        assert_eq!(text.iter().filter(|a| *a == "--api-versions").count(), 5);
    }
}
