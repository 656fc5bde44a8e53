//! `generators`, `transformers` and `validators`: the configurations of kustomize's builtin
//! plugins (`apiVersion: builtin`), read from a file, inline, or from the output of a
//! kustomization folder, and run as the kustomization field each plugin stands behind, so
//! that they share its code and its origins (a value they set points at the line of the
//! configuration that set it). Exec and KRM-function plugins are not run: kustomize itself
//! refuses them without `--enable-alpha-plugins`, and so does the build here, with a finding
//! at the entry that names one.

use std::sync::Arc;

use plimsoll_core::{Object, OriginTree};
use serde_json::{Map, Value, json};

use super::{Builder, Kust, Step, apply_pairs, display, is_remote, to_string_value};
use crate::fields::FieldSpec;
use crate::merge;
use crate::res::Res;
use crate::{clean, kustomization_file};

/// The builtin plugins kustomize's generators make objects with.
const GENERATORS: &[&str] = &[
    "ConfigMapGenerator",
    "SecretGenerator",
    "HelmChartInflationGenerator",
    "IAMPolicyGenerator",
];

/// A plugin configuration: its value and the object its positions are read from.
struct Config {
    value: Value,
    located: Arc<Object>,
}

impl Builder<'_> {
    /// Runs the plugins listed under `key` (`generators`, `transformers` or `validators`).
    pub(super) fn plugins(&mut self, kust: &Kust, key: &str, resources: &mut Vec<Res>) -> Step<()> {
        for (i, entry) in kust.list(key).iter().enumerate() {
            let pointer = format!("/{key}/{i}");
            let Some(text) = entry.as_str() else {
                return Err(self.error(
                    Some(kust.loc(&pointer)),
                    format!("`{key}` entries are paths or inline YAML (strings)"),
                ));
            };
            for config in self.plugin_configs(kust, &pointer, text)? {
                if key == "validators" {
                    let mut copy = resources.clone();
                    self.run_plugin(kust, &pointer, key, &config, &mut copy)?;
                    let changed = copy.len() != resources.len()
                        || copy
                            .iter()
                            .zip(resources.iter())
                            .any(|(a, b)| a.value != b.value);
                    if changed {
                        return Err(self.error(
                            Some(kust.loc(&pointer)),
                            "a validator must not change the resources, and this one does (kustomize fails the build)".to_owned(),
                        ));
                    }
                } else {
                    self.run_plugin(kust, &pointer, key, &config, resources)?;
                }
            }
        }
        Ok(())
    }

    /// The configurations an entry names: inline YAML, a file, or a kustomization's output.
    fn plugin_configs(&mut self, kust: &Kust, pointer: &str, text: &str) -> Step<Vec<Config>> {
        let from = kust.loc(pointer);
        if text.contains('\n') {
            let name = format!("{} (inline plugin configuration {pointer})", kust.label);
            let docs = self.inline_docs(kust, pointer, &name, text)?;
            return Ok(docs
                .into_iter()
                .map(|d| Config {
                    value: d.object.value.clone(),
                    located: d.object,
                })
                .collect());
        }
        if is_remote(text) {
            self.warn(
                from,
                format!("remote plugin configuration `{text}` cannot be fetched offline; the build leaves it out"),
                Some("vendor the configuration into the repository to have it checked"),
            );
            return Ok(Vec::new());
        }
        let path = clean(&kust.dir.join(text));
        if self.fs.is_dir(&path) && kustomization_file(self.fs, &path).is_some() {
            let sub = self.load_kust(&path, Some(from))?;
            // Built on its own: its configurations hold for its own build only.
            let above = std::mem::take(&mut self.custom);
            let built = self.target(&sub);
            self.custom = above;
            let built = built?;
            return Ok(built
                .into_iter()
                .map(|res| Config {
                    value: res.value,
                    located: res.base,
                })
                .collect());
        }
        if !self.fs.is_file(&path) {
            return Err(self.error(Some(from), format!("{} does not exist", display(&path))));
        }
        let content = self.read_text(&path, &from)?;
        Ok(self
            .parse_patch(&display(&path), content, None, from)?
            .into_iter()
            .map(|d| Config {
                value: d.object.value.clone(),
                located: d.object,
            })
            .collect())
    }

    /// A kustomization made of `fields`, whose positions are read from the configuration.
    fn as_fields(kust: &Kust, config: &Config, fields: Value, rewrites: &[(&str, &str)]) -> Kust {
        Kust {
            dir: kust.dir.clone(),
            label: kust.label.clone(),
            object: Arc::new(Object {
                value: fields,
                ..(*config.located).clone()
            }),
            component: false,
            config: Some((
                config.located.clone(),
                rewrites
                    .iter()
                    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                    .collect(),
            )),
        }
    }

    /// Runs a plugin; the prefix and suffix, namespace, image and replica transformers at
    /// their configuration's own field specs only (kustomize's defaults and the
    /// configurations' do not apply to a plugin).
    fn run_plugin(
        &mut self,
        kust: &Kust,
        pointer: &str,
        key: &str,
        config: &Config,
        resources: &mut Vec<Res>,
    ) -> Step<()> {
        let own_specs = matches!(
            config.value.get("kind").and_then(Value::as_str),
            Some(
                "PrefixSuffixTransformer"
                    | "PrefixTransformer"
                    | "SuffixTransformer"
                    | "NamespaceTransformer"
                    | "ImageTagTransformer"
                    | "ReplicaCountTransformer"
            )
        ) && config.value.get("apiVersion").and_then(Value::as_str)
            == Some("builtin");
        let affix = matches!(
            config.value.get("kind").and_then(Value::as_str),
            Some("PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer")
        );
        if own_specs && affix && config.value.get("fieldSpecs").is_none_or(Value::is_null) {
            return Err(self.error(
                Some(kust.loc(pointer)),
                "a prefix or suffix transformer needs `fieldSpecs` (kustomize fails the build without them); `- path: metadata/name` renames the objects".to_owned(),
            ));
        }
        if own_specs {
            self.plugin_specs = Some(super::config::field_specs(config.value.get("fieldSpecs")));
        }
        let outcome = self.run_builtin(kust, pointer, key, config, resources);
        self.plugin_specs = None;
        outcome
    }

    fn run_builtin(
        &mut self,
        kust: &Kust,
        pointer: &str,
        key: &str,
        config: &Config,
        resources: &mut Vec<Res>,
    ) -> Step<()> {
        let value = &config.value;
        let text = |p: &str| value.pointer(p).and_then(Value::as_str).unwrap_or("");
        let (api_version, kind) = (text("/apiVersion"), text("/kind"));
        if api_version != "builtin" {
            let message = format!(
                "`{kind}` ({api_version}) is an external plugin: kustomize runs exec and KRM-function plugins only with --enable-alpha-plugins, and fails the build without it; plimsoll does not run them"
            );
            let mut d = plimsoll_core::Diagnostic::new(
                super::BUILD_ERROR,
                plimsoll_core::Severity::Error,
                message,
            )
            .with_location(kust.loc(pointer))
            .with_help("build the tree with `kustomize build --enable-alpha-plugins` and lint its output (`| plimsoll lint -`), or use a builtin plugin");
            d.related.push(plimsoll_core::Related {
                message: "the plugin's configuration".to_owned(),
                location: Some(config.located.locate("/kind", false)),
            });
            self.diagnostics.push(d);
            return Err(super::Fail);
        }
        let generator = GENERATORS.contains(&kind);
        if generator != (key == "generators") && key != "validators" {
            let what = if generator {
                "a generator"
            } else {
                "a transformer"
            };
            return Err(self.error(
                Some(kust.loc(pointer)),
                format!(
                    "`{kind}` is {what}: list it under `{}`",
                    if generator {
                        "generators"
                    } else {
                        "transformers"
                    }
                ),
            ));
        }
        // The configuration without its own identity: the rest are the plugin's fields.
        let mut body = value.as_object().cloned().unwrap_or_default();
        for k in ["apiVersion", "kind", "metadata"] {
            body.shift_remove(k);
        }
        let get = |k: &str| value.get(k).cloned().unwrap_or(Value::Null);
        match kind {
            "LabelTransformer" | "AnnotationsTransformer" => {
                let field = if kind == "LabelTransformer" {
                    "labels"
                } else {
                    "annotations"
                };
                self.pairs_plugin(kust, config, field, kind, resources);
            }
            "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => {
                let mut fields = Map::new();
                if let Some(p) = value.get("prefix") {
                    fields.insert("namePrefix".into(), p.clone());
                }
                if let Some(s) = value.get("suffix") {
                    fields.insert("nameSuffix".into(), s.clone());
                }
                let k = Self::as_fields(
                    kust,
                    config,
                    Value::Object(fields),
                    &[("/namePrefix", "/prefix"), ("/nameSuffix", "/suffix")],
                );
                self.transform(&k, resources)?;
            }
            "NamespaceTransformer" => {
                let fields = json!({ "namespace": value.pointer("/metadata/namespace").cloned().unwrap_or(Value::Null) });
                let k = Self::as_fields(
                    kust,
                    config,
                    fields,
                    &[("/namespace", "/metadata/namespace")],
                );
                self.transform(&k, resources)?;
            }
            "ImageTagTransformer" => {
                let k = Self::as_fields(
                    kust,
                    config,
                    json!({ "images": [get("imageTag")] }),
                    &[("/images/0", "/imageTag")],
                );
                self.transform(&k, resources)?;
            }
            "ReplicaCountTransformer" => {
                let k = Self::as_fields(
                    kust,
                    config,
                    json!({ "replicas": [get("replica")] }),
                    &[("/replicas/0", "/replica")],
                );
                self.transform(&k, resources)?;
            }
            "PatchTransformer" => {
                let k = Self::as_fields(
                    kust,
                    config,
                    json!({ "patches": [Value::Object(body)] }),
                    &[("/patches/0", "")],
                );
                self.transform(&k, resources)?;
            }
            "PatchStrategicMergeTransformer" => {
                let mut list: Vec<Value> = value
                    .get("paths")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let mut rewrites: Vec<(String, String)> = (0..list.len())
                    .map(|i| (format!("/patchesStrategicMerge/{i}"), format!("/paths/{i}")))
                    .collect();
                if let Some(patches) = value.get("patches") {
                    rewrites.push((
                        format!("/patchesStrategicMerge/{}", list.len()),
                        "/patches".to_owned(),
                    ));
                    list.push(patches.clone());
                }
                let rewrites: Vec<(&str, &str)> = rewrites
                    .iter()
                    .map(|(a, b)| (a.as_str(), b.as_str()))
                    .collect();
                let k = Self::as_fields(
                    kust,
                    config,
                    json!({ "patchesStrategicMerge": list }),
                    &rewrites,
                );
                self.transform(&k, resources)?;
            }
            "PatchJson6902Transformer" => {
                let mut entry = body;
                if let Some(op) = entry.shift_remove("jsonOp") {
                    entry.insert("patch".into(), op);
                }
                let k = Self::as_fields(
                    kust,
                    config,
                    json!({ "patchesJson6902": [Value::Object(entry)] }),
                    &[
                        ("/patchesJson6902/0/patch", "/jsonOp"),
                        ("/patchesJson6902/0", ""),
                    ],
                );
                self.transform(&k, resources)?;
            }
            "ReplacementTransformer" => {
                let k = Self::as_fields(
                    kust,
                    config,
                    json!({ "replacements": get("replacements") }),
                    &[],
                );
                self.transform(&k, resources)?;
            }
            // Generated names take their hash here, and again at the end of the build, as
            // in kustomize.
            "HashTransformer" => {
                let origin = kust.set(pointer, "HashTransformer");
                for res in resources.iter_mut().filter(|r| r.hash) {
                    let hash = crate::generate::name_hash(&res.value);
                    res.remember_id();
                    let name = format!("{}-{hash}", res.name());
                    if let Some(Value::Object(meta)) = res.value.get_mut("metadata") {
                        meta.insert("name".to_owned(), Value::String(name));
                    }
                    res.set_origin(vec!["metadata".into(), "name".into()], origin.clone());
                }
            }
            "ConfigMapGenerator" | "SecretGenerator" => {
                let mut entry = body;
                for k in ["name", "namespace"] {
                    if let Some(v) = value.pointer(&format!("/metadata/{k}")) {
                        entry.insert(k.into(), v.clone());
                    }
                }
                let field = if kind == "ConfigMapGenerator" {
                    "configMapGenerator"
                } else {
                    "secretGenerator"
                };
                let at = format!("/{field}/0");
                let (name_at, ns_at) = (format!("{at}/name"), format!("{at}/namespace"));
                let k = Self::as_fields(
                    kust,
                    config,
                    json!({ field: [Value::Object(entry)] }),
                    &[
                        (name_at.as_str(), "/metadata/name"),
                        (ns_at.as_str(), "/metadata/namespace"),
                        (at.as_str(), ""),
                    ],
                );
                let before = resources.len();
                self.generators(&k, resources)?;
                let text = |p: &str| value.pointer(p).and_then(Value::as_str).map(str::to_owned);
                for res in &mut resources[before..] {
                    res.plugin = Some((
                        text("/metadata/name").unwrap_or_default(),
                        text("/metadata/namespace"),
                    ));
                }
            }
            "HelmChartInflationGenerator" | "IAMPolicyGenerator" => {
                self.warn(
                    kust.loc(pointer),
                    format!("the builtin `{kind}` is not run by plimsoll's build; the build leaves out what it generates"),
                    Some("lint what it generates on its own"),
                );
            }
            other => {
                return Err(self.error(
                    Some(kust.loc(pointer)),
                    format!("`{other}` is not one of kustomize's builtin plugins (kustomize cannot load it)"),
                ));
            }
        }
        Ok(())
    }

    /// LabelTransformer and AnnotationsTransformer: pairs at the configuration's field specs
    /// (only those: a plugin configuration has no defaults).
    fn pairs_plugin(
        &mut self,
        kust: &Kust,
        config: &Config,
        field: &str,
        kind: &str,
        resources: &mut [Res],
    ) {
        let value = &config.value;
        let Some(Value::Object(pairs)) = value.get(field) else {
            return;
        };
        let specs: Vec<FieldSpec> = value
            .get("fieldSpecs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|spec| {
                let text = |k: &str| spec.get(k).and_then(Value::as_str);
                Some(FieldSpec::new(
                    text("group"),
                    text("kind"),
                    text("path")?,
                    spec.get("create").and_then(Value::as_bool).unwrap_or(false),
                ))
            })
            .collect();
        let pairs: Vec<(String, Value, OriginTree)> = pairs
            .iter()
            .map(|(k, v)| {
                let at = format!("/{field}/{}", merge::escape(k));
                let origin = OriginTree::Set {
                    location: config.located.locate(&at, false),
                    note: Some(format!("{kind} in {}", kust.label).into()),
                };
                (k.clone(), to_string_value(v), origin)
            })
            .collect();
        apply_pairs(resources, &specs, &pairs);
    }
}
