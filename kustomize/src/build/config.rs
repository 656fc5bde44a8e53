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

impl Builder<'_> {
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
                                    Some((_, _, existing)) => existing.extend(specs),
                                    None => self.custom.name_refs.push((group, kind, specs)),
                                }
                            }
                        }
                        "commonLabels" => {
                            self.custom.common_labels.extend(field_specs(Some(value)));
                        }
                        "commonAnnotations" => {
                            self.custom
                                .common_annotations
                                .extend(field_specs(Some(value)));
                        }
                        "varReference" => self.custom.var_refs.extend(field_specs(Some(value))),
                        "images" => self.custom.images.extend(field_specs(Some(value))),
                        "replicas" => self.custom.replicas.extend(field_specs(Some(value))),
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
