//! Schema folders laid out the way kubeconform's `-schema-location`
//! templates describe them, e.g. `schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`.

use std::path::PathBuf;

use crate::SchemaError;

/// A checked `--schema-location` template: a local folder or file, or an
/// `http://`/`https://` URL, which renders to a "path" holding the URL (the
/// catalog's reader decides how to read it).
#[derive(Debug, Clone)]
pub(crate) struct Template {
    text: String,
}

const VARIABLES: &[&str] = &[
    "ResourceKind",
    "KindSuffix",
    "Group",
    "ResourceAPIVersion",
    "NormalizedKubernetesVersion",
    "StrictSuffix",
];

impl Template {
    pub(crate) fn parse(text: &str) -> Result<Template, SchemaError> {
        let fail = |reason: String| SchemaError::SchemaLocation {
            template: text.to_owned(),
            reason,
        };
        if text.contains("://")
            && !["file://", "http://", "https://"]
                .iter()
                .any(|scheme| text.starts_with(scheme))
        {
            return Err(fail(
                "only local folders and http:// or https:// URLs are supported".into(),
            ));
        }
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            let Some(end) = rest[start..].find("}}") else {
                return Err(fail("`{{` without `}}`".into()));
            };
            let inner = rest[start + 2..start + end].trim();
            let name = inner.strip_prefix('.').unwrap_or(inner);
            if !VARIABLES.contains(&name) {
                return Err(fail(format!(
                    "unknown variable `{inner}`; known: {}",
                    VARIABLES
                        .iter()
                        .map(|v| format!(".{v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            rest = &rest[start + end + 2..];
        }
        Ok(Template {
            text: text.to_owned(),
        })
    }

    /// The file this template names for `(api_version, kind)`. A template
    /// without variables names a folder that holds kubeconform's default
    /// layout, `{{ .ResourceKind }}{{ .KindSuffix }}.json`, unless it names a
    /// `.json` file: that file is the schema of every kind.
    pub(crate) fn path(
        &self,
        api_version: &str,
        kind: &str,
        kubernetes: &str,
        strict: bool,
    ) -> PathBuf {
        let (group, version) = match api_version.split_once('/') {
            Some((group, version)) => (group, version),
            None => ("", api_version),
        };
        let first_label = group.split('.').next().unwrap_or_default().to_lowercase();
        let kind_suffix = if group.is_empty() {
            format!("-{}", version.to_lowercase())
        } else {
            format!("-{first_label}-{}", version.to_lowercase())
        };
        let text = self.text.strip_prefix("file://").unwrap_or(&self.text);
        // A `.json` file without variables is one schema for every kind, as kubeconform uses it.
        let text = if text.contains("{{") || text.ends_with(".json") {
            text.to_owned()
        } else {
            format!(
                "{}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
                text.trim_end_matches('/')
            )
        };
        let values = [
            ("ResourceKind", kind.to_lowercase()),
            ("KindSuffix", kind_suffix),
            ("Group", group.to_lowercase()),
            ("ResourceAPIVersion", version.to_owned()),
            ("NormalizedKubernetesVersion", format!("v{kubernetes}.0")),
            (
                "StrictSuffix",
                if strict {
                    "-strict".to_owned()
                } else {
                    String::new()
                },
            ),
        ];
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find("}}")
                .map_or(rest.len(), |e| start + e + 2);
            let inner = rest[start + 2..end.saturating_sub(2).max(start + 2)].trim();
            let name = inner.strip_prefix('.').unwrap_or(inner);
            if let Some((_, value)) = values.iter().find(|(n, _)| *n == name) {
                out.push_str(value);
            }
            rest = &rest[end..];
        }
        out.push_str(rest);
        PathBuf::from(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_catalog_layout() {
        let t = Template::parse(
            "/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json",
        )
        .unwrap();
        assert_eq!(
            t.path("cert-manager.io/v1", "Certificate", "1.33", true),
            PathBuf::from("/crds/cert-manager.io/certificate_v1.json")
        );
        let t = Template::parse("/s/{{.NormalizedKubernetesVersion}}-standalone{{.StrictSuffix}}/{{.ResourceKind}}{{.KindSuffix}}.json").unwrap();
        assert_eq!(
            t.path("apps/v1", "Deployment", "1.33", true),
            PathBuf::from("/s/v1.33.0-standalone-strict/deployment-apps-v1.json")
        );
        let t = Template::parse("/plain/").unwrap();
        assert_eq!(
            t.path("v1", "Pod", "1.33", false),
            PathBuf::from("/plain/pod-v1.json")
        );
        let t = Template::parse("/one/schema.json").unwrap();
        assert_eq!(
            t.path("example.com/v1", "Widget", "1.33", true),
            PathBuf::from("/one/schema.json")
        );
        let t = Template::parse(
            "https://example.com/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json",
        )
        .unwrap();
        assert_eq!(
            t.path("cert-manager.io/v1", "Certificate", "1.33", true)
                .to_str()
                .unwrap(),
            "https://example.com/cert-manager.io/certificate_v1.json"
        );
        assert!(Template::parse("ftp://example.com/{{ .ResourceKind }}.json").is_err());
        assert!(Template::parse("/x/{{ .Nope }}.json").is_err());
    }
}
