//! `configurations`: transformer configuration files that add field specs to kustomize's
//! built-in ones (name references, labels, annotations, images, replicas, variables), so that
//! custom kinds are transformed as built-in ones are. What a kustomization adds holds for
//! its own transformers and for the kustomizations that use it, as in kustomize.

use serde_json::Value;

use super::{Builder, Kust, Step, display};
use crate::clean;
use crate::fields::FieldSpec;

/// Field specs added to the built-in tables.
#[derive(Clone, Debug, Default)]
pub(crate) struct Custom {
    /// (group, kind, fields that refer to objects of that kind by name).
    pub name_refs: Vec<(String, String, Vec<FieldSpec>)>,
    pub common_labels: Vec<FieldSpec>,
    pub common_annotations: Vec<FieldSpec>,
    pub var_refs: Vec<FieldSpec>,
    pub images: Vec<FieldSpec>,
    pub replicas: Vec<FieldSpec>,
    pub name_prefix: Vec<FieldSpec>,
    pub name_suffix: Vec<FieldSpec>,
    pub namespace: Vec<FieldSpec>,
    pub template_labels: Vec<FieldSpec>,
}

impl Custom {
    /// Adds what a kustomization below added (kustomize merges a base's transformer
    /// configuration into the configuration of the kustomization that uses it).
    pub(crate) fn merge(&mut self, other: Custom) {
        for (group, kind, specs) in other.name_refs {
            match self
                .name_refs
                .iter_mut()
                .find(|(g, k, _)| *g == group && *k == kind)
            {
                Some((_, _, existing)) => extend_unique(existing, specs),
                None => self.name_refs.push((group, kind, specs)),
            }
        }
        extend_unique(&mut self.common_labels, other.common_labels);
        extend_unique(&mut self.common_annotations, other.common_annotations);
        extend_unique(&mut self.var_refs, other.var_refs);
        extend_unique(&mut self.images, other.images);
        extend_unique(&mut self.replicas, other.replicas);
        extend_unique(&mut self.name_prefix, other.name_prefix);
        extend_unique(&mut self.name_suffix, other.name_suffix);
        extend_unique(&mut self.namespace, other.namespace);
        extend_unique(&mut self.template_labels, other.template_labels);
    }
}

/// Adds the specs `to` does not hold yet (the same group, kind and path), as kustomize merges
/// field specs: a transformer then writes a field once, not once per configuration naming it.
pub(crate) fn extend_unique(to: &mut Vec<FieldSpec>, specs: Vec<FieldSpec>) {
    for spec in specs {
        if !to
            .iter()
            .any(|s| s.group == spec.group && s.kind == spec.kind && s.path == spec.path)
        {
            to.push(spec);
        }
    }
}

/// The field specs of a list (`[{path, kind, group, create}]`).
pub(crate) fn field_specs(value: Option<&Value>) -> Vec<FieldSpec> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|spec| {
            let text = |k: &str| {
                spec.get(k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            };
            Some(FieldSpec::new(
                text("group"),
                text("kind"),
                text("path")?,
                spec.get("create").and_then(Value::as_bool).unwrap_or(false),
            ))
        })
        .collect()
}

/// The extensions of a `crds` definition's properties that kustomize reads.
const X_ANNOTATION: &str = "x-kubernetes-annotation";
const X_LABEL_SELECTOR: &str = "x-kubernetes-label-selector";
const X_REF_VERSION: &str = "x-kubernetes-object-ref-api-version";
const X_REF_KIND: &str = "x-kubernetes-object-ref-kind";
const X_REF_NAME_KEY: &str = "x-kubernetes-object-ref-name-key";

/// Adds the field specs of one type of a `crds` file (and of the types its properties refer
/// to by `$ref`, with the path so far) for objects of `kind`.
fn crd_type(
    custom: &mut Custom,
    definitions: &serde_json::Map<String, Value>,
    kind: &str,
    type_name: &str,
    path: &mut Vec<String>,
) {
    if path.len() > 32 {
        return;
    }
    let Some(properties) = definitions
        .get(type_name)
        .and_then(|d| d.pointer("/Schema/properties"))
        .and_then(Value::as_object)
    else {
        return;
    };
    for (name, property) in properties {
        path.push(name.clone());
        let spec = |path: &[String]| FieldSpec {
            group: None,
            kind: Some(kind.to_owned()),
            path: path.to_vec(),
            create: false,
        };
        if property.get(X_ANNOTATION).is_some() {
            custom.common_annotations.push(spec(path));
        }
        if property.get(X_LABEL_SELECTOR).is_some() {
            custom.common_labels.push(spec(path));
        }
        if let (Some(version), Some(target)) = (
            property.get(X_REF_VERSION).and_then(Value::as_str),
            property.get(X_REF_KIND).and_then(Value::as_str),
        ) {
            let key = property
                .get(X_REF_NAME_KEY)
                .and_then(Value::as_str)
                .unwrap_or("name");
            let group = version.rsplit_once('/').map_or("", |(g, _)| g).to_owned();
            let mut at = path.clone();
            at.push(key.to_owned());
            let referrer = spec(&at);
            match custom
                .name_refs
                .iter_mut()
                .find(|(g, k, _)| *g == group && k == target)
            {
                Some((_, _, specs)) => specs.push(referrer),
                None => custom
                    .name_refs
                    .push((group, target.to_owned(), vec![referrer])),
            }
        }
        if let Some(reference) = property.get("$ref").and_then(Value::as_str) {
            crd_type(custom, definitions, kind, reference, path);
        }
        path.pop();
    }
}

impl Builder<'_> {
    /// Reads the kustomization's `crds` files: OpenAPI definitions of custom types (a mapping
    /// of type names to `{Schema: …}`, as kustomize reads them), whose properties mark name
    /// references (`x-kubernetes-object-ref-kind` and `-api-version`), label selectors and
    /// annotations. A type counts when it has `kind`, `apiVersion` and `metadata`; its kind
    /// is the last dotted part of its name.
    pub(super) fn crds(&mut self, kust: &Kust) -> Step<()> {
        for (i, entry) in kust.list("crds").iter().enumerate() {
            let pointer = format!("/crds/{i}");
            let from = kust.loc(&pointer);
            let Some(file) = entry.as_str() else {
                return Err(self.error(Some(from), "`crds` entries are paths (strings)".to_owned()));
            };
            let path = clean(&kust.dir.join(file));
            if !self.fs.is_file(&path) {
                return Err(self.error(Some(from), format!("{} does not exist", display(&path))));
            }
            let text = self.read_text(&path, &from)?;
            let docs = self.parse_patch(&display(&path), text, None, from.clone())?;
            let Some(Value::Object(definitions)) = docs.first().map(|d| d.object.value.clone())
            else {
                return Err(self.error(
                    Some(from),
                    format!("{} is not a mapping of OpenAPI definitions", display(&path)),
                ));
            };
            if let Some((name, _)) = definitions.iter().find(|(_, d)| !d.is_object()) {
                let message = format!(
                    "{} is not a file of OpenAPI definitions: `{name}` is not a type (kustomize fails the build); a `crds` file maps type names to `{{Schema: …}}`, and a CustomResourceDefinition belongs under `resources`",
                    display(&path)
                );
                return Err(self.error(Some(from), message));
            }
            for (name, definition) in &definitions {
                let Some(properties) = definition
                    .pointer("/Schema/properties")
                    .and_then(Value::as_object)
                else {
                    continue;
                };
                if !["kind", "apiVersion", "metadata"]
                    .iter()
                    .all(|k| properties.contains_key(*k))
                {
                    continue;
                }
                let kind = name.rsplit('.').next().unwrap_or(name).to_owned();
                crd_type(&mut self.custom, &definitions, &kind, name, &mut Vec::new());
            }
        }
        Ok(())
    }

    /// Reads the kustomization's `configurations` files into the custom field specs.
    pub(super) fn configurations(&mut self, kust: &Kust) -> Step<()> {
        for (i, entry) in kust.list("configurations").iter().enumerate() {
            let pointer = format!("/configurations/{i}");
            let from = kust.loc(&pointer);
            let Some(file) = entry.as_str() else {
                return Err(self.error(
                    Some(from),
                    "`configurations` entries are paths (strings)".to_owned(),
                ));
            };
            let path = clean(&kust.dir.join(file));
            if !self.fs.is_file(&path) {
                return Err(self.error(Some(from), format!("{} does not exist", display(&path))));
            }
            let text = self.read_text(&path, &from)?;
            for doc in self.parse_patch(&display(&path), text, None, from.clone())? {
                let Some(map) = doc.object.value.as_object() else {
                    continue;
                };
                for (key, value) in map {
                    match key.as_str() {
                        "nameReference" => {
                            for row in value.as_array().into_iter().flatten() {
                                let text = |k: &str| {
                                    row.get(k).and_then(Value::as_str).unwrap_or("").to_owned()
                                };
                                let (group, kind) = (text("group"), text("kind"));
                                let specs = field_specs(row.get("fieldSpecs"));
                                match self
                                    .custom
                                    .name_refs
                                    .iter_mut()
                                    .find(|(g, k, _)| *g == group && *k == kind)
                                {
                                    Some((_, _, existing)) => extend_unique(existing, specs),
                                    None => self.custom.name_refs.push((group, kind, specs)),
                                }
                            }
                        }
                        "commonLabels" | "commonAnnotations" | "varReference" | "images"
                        | "replicas" | "namePrefix" | "nameSuffix" | "namespace"
                        | "templateLabels" => {
                            let specs = field_specs(Some(value));
                            let to = match key.as_str() {
                                "commonLabels" => &mut self.custom.common_labels,
                                "commonAnnotations" => &mut self.custom.common_annotations,
                                "varReference" => &mut self.custom.var_refs,
                                "images" => &mut self.custom.images,
                                "replicas" => &mut self.custom.replicas,
                                "namePrefix" => &mut self.custom.name_prefix,
                                "nameSuffix" => &mut self.custom.name_suffix,
                                "namespace" => &mut self.custom.namespace,
                                _ => &mut self.custom.template_labels,
                            };
                            extend_unique(to, specs);
                        }
                        other => {
                            let at = format!("/{}", crate::merge::escape(other));
                            self.warn(
                                doc.object.locate(&at, true),
                                format!("plimsoll's build does not read `{other}` field specs from a configuration; they are ignored, so the output may differ from kustomize's"),
                                None,
                            );
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl Builder<'_> {
    /// `openapi: {path: …}`: a schema whose merge keys kustomize uses in place of its built-in
    /// ones (for every kind, built-in kinds too: a list the file does not describe is
    /// replaced). `openapi: {version: …}` names a built-in schema; kustomize 5 has one.
    pub(super) fn openapi_field(&mut self, kust: &Kust) -> Step<()> {
        let Some(field) = kust.get("openapi") else {
            return Ok(());
        };
        let Some(file) = field.get("path").and_then(Value::as_str) else {
            return Ok(());
        };
        let from = kust.loc("/openapi/path");
        let path = clean(&kust.dir.join(file));
        let text = self.read_text(&path, &from)?;
        let docs = self.parse_patch(&display(&path), text, None, from)?;
        let schema = docs
            .first()
            .map(|d| d.object.value.clone())
            .unwrap_or(Value::Null);
        self.openapi = Some(crate::merge::openapi_merge_keys(&schema));
        Ok(())
    }
}
