//! Charts among the inputs: a folder with `Chart.yaml`, or a packaged `.tgz`. A chart under
//! another chart's `charts/` folder is a dependency, rendered through its parent only.

use std::path::{Path, PathBuf};

/// The file that makes a folder a chart.
pub const CHART_FILE: &str = "Chart.yaml";

/// Whether a path names a packaged chart (`shop-1.2.0.tgz`).
pub fn is_packaged(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()) == Some("tgz")
        || path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(".tar.gz"))
}

/// Whether the chart at `dir` (a folder or a `.tgz`) sits in the `charts/` folder of another
/// chart; `is_chart` says whether a folder holds a `Chart.yaml`.
pub fn is_dependency(dir: &Path, is_chart: impl Fn(&Path) -> bool) -> bool {
    let Some(parent) = dir.parent() else {
        return false;
    };
    parent.file_name().and_then(|n| n.to_str()) == Some("charts")
        && parent.parent().is_some_and(is_chart)
}

/// The chart roots among the folders holding a `Chart.yaml` found by walking: dependencies
/// (under another chart's `charts/`) are left out, unless the user named them.
pub fn roots(found: &[PathBuf], named: &[PathBuf]) -> Vec<PathBuf> {
    let is_chart = |p: &Path| found.iter().any(|f| f == p) || p.join(CHART_FILE).is_file();
    let mut out: Vec<PathBuf> = found
        .iter()
        .filter(|dir| named.contains(dir) || !inside_chart(dir, &is_chart))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether any ancestor of `dir` is a chart (the chart is then a dependency, or vendored).
fn inside_chart(dir: &Path, is_chart: &impl Fn(&Path) -> bool) -> bool {
    dir.ancestors().skip(1).any(|a| {
        !a.as_os_str().is_empty() && is_chart(a) && {
            // Only folders below `charts/` are dependencies; a chart in a chart's
            // `examples/` is its own chart.
            let rest = dir.strip_prefix(a).unwrap_or(dir);
            rest.components()
                .next()
                .and_then(|c| c.as_os_str().to_str())
                == Some("charts")
        }
    })
}

/// The name in a `Chart.yaml` (`name: shop`), which helm uses in `# Source:` comments.
pub fn name(chart_yaml: &str) -> Option<String> {
    let stream =
        plimsoll_core::yaml::parse_stream(chart_yaml, plimsoll_core::yaml::ParseOptions::default());
    stream
        .documents
        .first()?
        .value
        .get("name")?
        .as_str()
        .map(str::to_owned)
}

/// The chart-testing values files of a chart (`ci/*-values.yaml`), given the names in its
/// `ci/` folder; sorted.
pub fn ci_values(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = names
        .iter()
        .filter(|n| n.ends_with("-values.yaml") || n.ends_with("-values.yml"))
        .cloned()
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_are_found_through_their_parent() {
        let found = vec![
            PathBuf::from("charts/shop"),
            PathBuf::from("charts/shop/charts/redis"),
            PathBuf::from("charts/shop/examples/demo"),
        ];
        assert_eq!(
            roots(&found, &[]),
            vec![
                PathBuf::from("charts/shop"),
                PathBuf::from("charts/shop/examples/demo")
            ]
        );
        let named = vec![PathBuf::from("charts/shop/charts/redis")];
        assert_eq!(roots(&found[1..2], &named), named);
        assert!(is_dependency(Path::new("charts/shop/charts/redis"), |p| p
            == Path::new("charts/shop")));
    }

    #[test]
    fn names_and_ci_values() {
        assert_eq!(
            name("apiVersion: v2\nname: shop\n").as_deref(),
            Some("shop")
        );
        let names = vec![
            "02-b-values.yaml".to_owned(),
            "README.md".to_owned(),
            "01-a-values.yaml".to_owned(),
        ];
        assert_eq!(
            ci_values(&names),
            vec!["01-a-values.yaml", "02-b-values.yaml"]
        );
        assert!(is_packaged(Path::new("shop-1.0.0.tgz")));
    }
}
