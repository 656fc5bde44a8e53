//! The build: kustomizations read, resources accumulated, transformers run in kustomize's
//! order, origins recorded on the way.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use plimsoll_core::yaml::{ParseOptions, parse_stream};
use plimsoll_core::{
    Diagnostic, Discovery, LoadOptions, Location, Object, OriginTree, Severity, Source, load_text,
};
use serde_json::{Map, Value};

use crate::fields::{self, FieldSpec};
use crate::merge::{self, Merge, MergeKey};
use crate::res::Res;
use crate::select::{self, Selector};
use crate::{Build, FIELDS, FileSystem, clean, kustomization_file};

mod config;
mod plugins;

/// Rule ids of the build's own diagnostics.
pub const BUILD_ERROR: &str = "kustomize-error";
pub const BUILD_WARNING: &str = "kustomize-warning";

/// The build failed; its diagnostics say why.
pub(crate) struct Fail;

type Step<T> = Result<T, Fail>;

/// A kustomization (or component) as read.
pub(crate) struct Kust {
    pub dir: PathBuf,
    pub label: Arc<str>,
    pub object: Arc<Object>,
    pub component: bool,
    /// For a builtin plugin's configuration run as kustomization fields: the configuration as
    /// read, and how pointers into the fields map onto it (prefix → prefix).
    pub config: Option<(Arc<Object>, Rewrites)>,
}

/// Pointer prefixes of kustomization fields and the configuration pointers they stand for.
pub(crate) type Rewrites = Vec<(String, String)>;

impl Kust {
    fn get(&self, key: &str) -> Option<&Value> {
        self.object.value.get(key)
    }

    fn loc(&self, pointer: &str) -> Location {
        self.locate(pointer, false)
    }

    fn key_loc(&self, pointer: &str) -> Location {
        self.locate(pointer, true)
    }

    fn locate(&self, pointer: &str, at_key: bool) -> Location {
        let Some((config, rewrites)) = &self.config else {
            return self.object.locate(pointer, at_key);
        };
        for (from, to) in rewrites {
            if let Some(rest) = pointer.strip_prefix(from.as_str())
                && (rest.is_empty() || rest.starts_with('/'))
            {
                return config.locate(&format!("{to}{rest}"), at_key);
            }
        }
        config.locate(pointer, at_key)
    }

    fn set(&self, pointer: &str, note: &str) -> OriginTree {
        // A builtin plugin's configuration names the plugin, not the field it runs as.
        let note = match &self.config {
            Some((config, _)) => config
                .value
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or(note),
            None => note,
        };
        OriginTree::Set {
            location: self.loc(pointer),
            note: Some(format!("{note} in {}", self.label).into()),
        }
    }

    fn list(&self, key: &str) -> &[Value] {
        self.get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    fn string(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }
}

struct Var {
    origin: OriginTree,
    name: String,
    kind: String,
    api_version: Option<String>,
    object_name: String,
    field: String,
}

pub(crate) struct Builder<'a> {
    fs: &'a dyn FileSystem,
    diagnostics: Vec<Diagnostic>,
    files: BTreeSet<PathBuf>,
    kustomizations: Vec<PathBuf>,
    stack: Vec<PathBuf>,
    vars: Vec<Var>,
    root_source: Option<Arc<Source>>,
    /// Field specs the kustomizations' `configurations` add.
    custom: config::Custom,
    /// The merge keys of an `openapi:` schema: kustomize then uses it in place of its own.
    openapi: Option<Vec<MergeKey>>,
    /// The field specs of the builtin plugin being run (prefix and suffix, namespace, images,
    /// replicas): they stand in for the built-in ones and the configurations' while it runs.
    plugin_specs: Option<Vec<FieldSpec>>,
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

impl<'a> Builder<'a> {
    pub fn new(fs: &'a dyn FileSystem) -> Builder<'a> {
        Builder {
            fs,
            diagnostics: Vec::new(),
            files: BTreeSet::new(),
            kustomizations: Vec::new(),
            stack: Vec::new(),
            vars: Vec::new(),
            root_source: None,
            custom: config::Custom::default(),
            openapi: None,
            plugin_specs: None,
        }
    }

    pub fn run(mut self, dir: &Path) -> Build {
        let outcome = self.root(dir);
        let failed = outcome.is_err()
            || self
                .diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error && d.rule == BUILD_ERROR);
        let objects = match outcome {
            Ok(objects) if !failed => objects,
            _ => Vec::new(),
        };
        Build {
            objects,
            diagnostics: self.diagnostics,
            files: self.files.into_iter().collect(),
            kustomizations: self.kustomizations,
            failed,
            source: self.root_source,
        }
    }

    fn error(&mut self, location: Option<Location>, message: String) -> Fail {
        let mut d = Diagnostic::new(BUILD_ERROR, Severity::Error, message);
        d.location = location;
        self.diagnostics.push(d);
        Fail
    }

    fn warn(&mut self, location: Location, message: String, help: Option<&str>) {
        let mut d =
            Diagnostic::new(BUILD_WARNING, Severity::Warning, message).with_location(location);
        if let Some(help) = help {
            d = d.with_help(help.to_owned());
        }
        self.diagnostics.push(d);
    }

    fn root(&mut self, dir: &Path) -> Step<Vec<Object>> {
        let kust = self.load_kust(dir, None)?;
        self.root_source = Some(kust.object.source.clone());
        if kust.component {
            return Err(self.error(
                Some(kust.key_loc("/kind")),
                format!(
                    "{} is a Component: a component is built only as part of a kustomization that lists it under `components`",
                    kust.label
                ),
            ));
        }
        let mut resources = self.target(&kust)?;
        // Generated names take their hash once every transformer has run.
        for res in resources.iter_mut().filter(|r| r.hash) {
            let hash = crate::generate::name_hash(&res.value);
            res.remember_id();
            let name = format!("{}-{hash}", res.name());
            if let Some(Value::Object(meta)) = res.value.get_mut("metadata") {
                meta.insert("name".to_owned(), Value::String(name));
            }
        }
        fix_name_references(&mut resources, &self.custom);
        self.resolve_vars(&kust, &mut resources)?;
        self.build_metadata(&kust, &mut resources);
        self.sort(&kust, &mut resources);
        Ok(resources
            .into_iter()
            .map(|res| {
                let chain: Vec<Arc<str>> = res.chain.iter().rev().cloned().collect();
                res.into_object(chain)
            })
            .collect())
    }

    /// Reads the kustomization of `dir`. `from` is the entry that named the folder.
    fn load_kust(&mut self, dir: &Path, from: Option<Location>) -> Step<Kust> {
        let Some(path) = kustomization_file(self.fs, dir) else {
            return Err(self.error(
                from,
                format!(
                    "no kustomization in {}: expected one of kustomization.yaml, kustomization.yml, Kustomization",
                    display(dir)
                ),
            ));
        };
        let bytes = match self.fs.read(&path) {
            Ok(bytes) => bytes,
            Err(e) => return Err(self.error(from, format!("reading {}: {e}", display(&path)))),
        };
        self.files.insert(path.clone());
        self.kustomizations.push(dir.to_path_buf());
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let object = match parse_object(&display(&path), text) {
            Ok(object) => object,
            Err(diagnostics) => {
                self.diagnostics.extend(diagnostics);
                return Err(Fail);
            }
        };
        let kust = Kust {
            dir: dir.to_path_buf(),
            label: display(dir).into(),
            component: object.value.get("kind").and_then(Value::as_str) == Some("Component"),
            object: Arc::new(object),
            config: None,
        };
        if !kust.object.value.is_object() && !kust.object.value.is_null() {
            return Err(self.error(
                Some(kust.loc("")),
                format!(
                    "{} is not a mapping of kustomization fields",
                    display(&path)
                ),
            ));
        }
        let mut unknown = Vec::new();
        if let Some(map) = kust.object.value.as_object() {
            for key in map.keys() {
                if !FIELDS.contains(&key.as_str()) {
                    unknown.push(key.clone());
                }
            }
        }
        for key in unknown {
            let pointer = format!("/{}", merge::escape(&key));
            let mut d = Diagnostic::new(
                BUILD_ERROR,
                Severity::Error,
                format!("unknown kustomization field `{key}`"),
            )
            .with_location(kust.key_loc(&pointer));
            if let Some(best) = did_you_mean(&key, FIELDS) {
                d = d.with_help(format!("did you mean `{best}`?"));
            }
            self.diagnostics.push(d);
        }
        if self.diagnostics.iter().any(|d| d.rule == BUILD_ERROR) {
            return Err(Fail);
        }
        Ok(kust)
    }

    /// Builds a kustomization into its resources (the recursion of kustomize's accumulate).
    fn target(&mut self, kust: &Kust) -> Step<Vec<Res>> {
        if self.stack.contains(&kust.dir) {
            let chain: Vec<String> = self
                .stack
                .iter()
                .chain(std::iter::once(&kust.dir))
                .map(|p| display(p))
                .collect();
            return Err(self.error(
                Some(kust.loc("")),
                format!("kustomizations form a cycle: {}", chain.join(" → ")),
            ));
        }
        self.stack.push(kust.dir.clone());
        let outcome = self.accumulate(kust);
        self.stack.pop();
        let mut resources = outcome?;
        for res in &mut resources {
            if res.chain.last() != Some(&kust.label) {
                res.chain.push(kust.label.clone());
            }
        }
        Ok(resources)
    }

    fn accumulate(&mut self, kust: &Kust) -> Step<Vec<Res>> {
        self.openapi_field(kust)?;
        let mut resources = Vec::new();
        self.resources(kust, &mut resources)?;
        self.configurations(kust)?;
        self.crds(kust)?;
        self.unsupported(kust);
        self.generators(kust, &mut resources)?;
        self.plugins(kust, "generators", &mut resources)?;
        for (i, entry) in kust.list("components").iter().enumerate() {
            let pointer = format!("/components/{i}");
            let Some(name) = entry.as_str() else {
                continue;
            };
            if is_remote(name) {
                self.warn(
                    kust.loc(&pointer),
                    format!("remote component `{name}` cannot be fetched offline; the build leaves it out"),
                    Some("vendor the component into the repository to have it checked"),
                );
                continue;
            }
            let dir = clean(&kust.dir.join(name));
            if !self.fs.is_dir(&dir) {
                return Err(self.error(
                    Some(kust.loc(&pointer)),
                    format!("component {} does not exist", display(&dir)),
                ));
            }
            let component = self.load_kust(&dir, Some(kust.loc(&pointer)))?;
            if !component.component {
                return Err(self.error(
                    Some(kust.loc(&pointer)),
                    format!(
                        "{} is listed under `components` but is not `kind: Component`",
                        display(&dir)
                    ),
                ));
            }
            if self.stack.contains(&dir) {
                return Err(self.error(
                    Some(kust.loc(&pointer)),
                    format!("component {} includes itself", display(&dir)),
                ));
            }
            self.stack.push(dir.clone());
            let outcome = self.accumulate_component(&component, &mut resources);
            self.stack.pop();
            outcome?;
        }
        self.transform(kust, &mut resources)?;
        self.plugins(kust, "transformers", &mut resources)?;
        self.plugins(kust, "validators", &mut resources)?;
        self.collect_vars(kust);
        Ok(resources)
    }

    /// A component works on the resources of the kustomization that lists it.
    fn accumulate_component(&mut self, kust: &Kust, resources: &mut Vec<Res>) -> Step<()> {
        let mut own = Vec::new();
        self.resources(kust, &mut own)?;
        for res in &mut own {
            res.chain.push(kust.label.clone());
        }
        for res in own {
            self.append(kust, "/resources", resources, res)?;
        }
        self.configurations(kust)?;
        self.crds(kust)?;
        self.unsupported(kust);
        self.generators(kust, resources)?;
        self.plugins(kust, "generators", resources)?;
        self.transform(kust, resources)?;
        self.plugins(kust, "transformers", resources)?;
        self.plugins(kust, "validators", resources)?;
        self.collect_vars(kust);
        Ok(())
    }

    fn unsupported(&mut self, kust: &Kust) {
        if kust.get("helmCharts").is_some() || kust.get("helmChartInflationGenerator").is_some() {
            let key = if kust.get("helmCharts").is_some() {
                "/helmCharts"
            } else {
                "/helmChartInflationGenerator"
            };
            self.warn(
                kust.key_loc(key),
                "Helm charts inside a kustomization are not built yet; the build leaves them out"
                    .to_owned(),
                Some(
                    "lint the chart on its own until kustomizations with Helm charts are supported",
                ),
            );
        }
    }

    fn resources(&mut self, kust: &Kust, out: &mut Vec<Res>) -> Step<()> {
        for key in ["resources", "bases"] {
            for (i, entry) in kust.list(key).iter().enumerate() {
                let pointer = format!("/{key}/{i}");
                let Some(name) = entry.as_str() else {
                    return Err(self.error(
                        Some(kust.loc(&pointer)),
                        format!("`{key}` entries are paths (strings)"),
                    ));
                };
                if is_remote(name) {
                    self.warn(
                        kust.loc(&pointer),
                        format!("remote resource `{name}` cannot be fetched offline; the build leaves it out"),
                        Some("vendor the resource into the repository to have it checked"),
                    );
                    continue;
                }
                let path = clean(&kust.dir.join(name));
                if self.fs.is_dir(&path) {
                    let sub = self.load_kust(&path, Some(kust.loc(&pointer)))?;
                    if sub.component {
                        return Err(self.error(
                            Some(kust.loc(&pointer)),
                            format!(
                                "{} is a Component: list it under `components`, not `{key}`",
                                display(&path)
                            ),
                        ));
                    }
                    // A base is built with its own configurations only; what it adds then
                    // holds for this kustomization too, not for the bases beside it.
                    let above = std::mem::take(&mut self.custom);
                    let built = self.target(&sub);
                    let below = std::mem::replace(&mut self.custom, above);
                    self.custom.merge(below);
                    for res in built? {
                        self.append(kust, &pointer, out, res)?;
                    }
                } else if self.fs.is_file(&path) {
                    for object in self.load_resources(&path, kust.loc(&pointer))? {
                        self.append(kust, &pointer, out, Res::from_object(object))?;
                    }
                } else {
                    return Err(self.error(
                        Some(kust.loc(&pointer)),
                        format!("{} does not exist", display(&path)),
                    ));
                }
            }
        }
        Ok(())
    }

    fn append(&mut self, kust: &Kust, pointer: &str, out: &mut Vec<Res>, res: Res) -> Step<()> {
        if let Some(other) = out.iter().find(|o| same_id(o, &res)) {
            let message = format!(
                "{} is added twice (an object with the same kind, namespace and name is already in the build, from {})",
                res.display(),
                other.base.source.name()
            );
            return Err(self.error(Some(kust.loc(pointer)), message));
        }
        out.push(res);
        Ok(())
    }

    fn read_text(&mut self, path: &Path, from: &Location) -> Step<String> {
        match self.fs.read(path) {
            Ok(bytes) => {
                self.files.insert(path.to_path_buf());
                match String::from_utf8(bytes) {
                    Ok(text) => Ok(text),
                    Err(_) => Err(self.error(
                        Some(from.clone()),
                        format!("{} is not valid UTF-8", display(path)),
                    )),
                }
            }
            Err(e) => Err(self.error(
                Some(from.clone()),
                format!("reading {}: {e}", display(path)),
            )),
        }
    }

    /// The objects of a resource file, read with the core loader.
    fn load_resources(&mut self, path: &Path, from: Location) -> Step<Vec<Arc<Object>>> {
        let text = self.read_text(path, &from)?;
        let loaded = load_text(
            &display(path),
            text,
            Discovery::Explicit,
            &LoadOptions::default(),
        );
        let broken = loaded
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error && d.rule.starts_with("yaml-"));
        self.diagnostics.extend(loaded.diagnostics);
        if broken {
            return Err(self.error(
                Some(from),
                format!("{} could not be read as YAML", display(path)),
            ));
        }
        Ok(loaded.objects.into_iter().map(Arc::new).collect())
    }

    /// The documents of a patch: from a file (`path`) or inline text in the kustomization.
    fn patch_docs(&mut self, kust: &Kust, pointer: &str, entry: &Value) -> Step<Vec<PatchDoc>> {
        if let Some(path) = entry.get("path").and_then(Value::as_str) {
            let path = clean(&kust.dir.join(path));
            let from = kust.loc(&format!("{pointer}/path"));
            let text = self.read_text(&path, &from)?;
            return self.parse_patch(&display(&path), text, None, from);
        }
        if let Some(text) = entry.get("patch").and_then(Value::as_str) {
            let at = format!("{pointer}/patch");
            let name = format!("{} (inline patch {pointer})", kust.label);
            return self.inline_docs(kust, &at, &name, text);
        }
        Err(self.error(
            Some(kust.loc(pointer)),
            "a patch needs `path` or `patch`".to_owned(),
        ))
    }

    /// The documents of YAML written inline at `pointer` of a kustomization. When it is a
    /// literal block (`|`), they are read in place, from the kustomization's own lines, so
    /// that each value is located at its line inside the block; otherwise (a quoted or folded
    /// string, several documents) from the text, each value located at the entry.
    fn inline_docs(
        &mut self,
        kust: &Kust,
        pointer: &str,
        name: &str,
        text: &str,
    ) -> Step<Vec<PatchDoc>> {
        if let Some(docs) = in_place(kust, pointer, text, name) {
            return Ok(docs);
        }
        let origin = kust.set(pointer, "inline patch");
        self.parse_patch(name, text.to_owned(), Some(origin), kust.loc(pointer))
    }

    fn parse_patch(
        &mut self,
        name: &str,
        text: String,
        inline: Option<OriginTree>,
        from: Location,
    ) -> Step<Vec<PatchDoc>> {
        let stream = parse_stream(&text, ParseOptions::default());
        if let Some(error) = stream.errors.first() {
            let message = format!("the patch {name} is not valid YAML: {}", error.message);
            return Err(self.error(Some(from), message));
        }
        let source = Source::new(name, text);
        Ok(patch_docs(stream, &source, inline, name))
    }

    fn transform(&mut self, kust: &Kust, resources: &mut [Res]) -> Step<()> {
        // patchesStrategicMerge: paths or inline YAML.
        for (i, entry) in kust.list("patchesStrategicMerge").iter().enumerate() {
            let pointer = format!("/patchesStrategicMerge/{i}");
            let Some(text) = entry.as_str() else {
                continue;
            };
            let as_entry = if text.contains('\n') || text.contains(": ") {
                serde_json::json!({ "patch": text })
            } else {
                serde_json::json!({ "path": text })
            };
            let docs = if as_entry.get("path").is_some() {
                let path = clean(&kust.dir.join(text));
                let from = kust.loc(&pointer);
                let content = self.read_text(&path, &from)?;
                self.parse_patch(&display(&path), content, None, from)?
            } else {
                let name = format!("{} (inline patch {pointer})", kust.label);
                self.inline_docs(kust, &pointer, &name, text)?
            };
            for doc in docs {
                self.copied_directives(&doc);
                self.smp_by_id(kust, &pointer, resources, &doc)?;
            }
        }
        for (i, entry) in kust.list("patches").iter().enumerate() {
            let pointer = format!("/patches/{i}");
            let docs = self.patch_docs(kust, &pointer, entry)?;
            let target = match entry.get("target") {
                Some(t) => Some(self.selector(kust, &format!("{pointer}/target"), t)?),
                None => None,
            };
            for doc in docs {
                if doc.object.value.is_array() {
                    let Some(target) = &target else {
                        return Err(self.error(
                            Some(kust.loc(&pointer)),
                            "a JSON 6902 patch needs a `target`".to_owned(),
                        ));
                    };
                    self.json_patch(kust, &pointer, resources, target, &doc, "PatchTransformer")?;
                } else if let Some(target) = &target {
                    self.copied_directives(&doc);
                    let mut hit = false;
                    for res in resources.iter_mut().filter(|r| target.matches(r)) {
                        hit = true;
                        if let Err(message) = apply_smp(res, &doc, self.openapi.as_deref()) {
                            let message = format!(
                                "the patch {} fails on {}: {message}",
                                doc.label,
                                res.display()
                            );
                            return Err(self.error(Some(kust.loc(&pointer)), message));
                        }
                    }
                    if !hit {
                        self.warn(
                            kust.loc(&format!("{pointer}/target")),
                            "this patch target matches no resource; the patch changes nothing"
                                .to_owned(),
                            None,
                        );
                    }
                } else {
                    self.copied_directives(&doc);
                    self.smp_by_id(kust, &pointer, resources, &doc)?;
                }
            }
        }
        self.namespace(kust, resources);
        self.prefix_suffix(kust, resources);
        self.labels(kust, resources);
        if let Some(Value::Object(pairs)) = kust.get("commonAnnotations") {
            let pairs: Vec<(String, Value, OriginTree)> = pairs
                .iter()
                .map(|(k, v)| {
                    let at = format!("/commonAnnotations/{}", merge::escape(k));
                    (
                        k.clone(),
                        to_string_value(v),
                        kust.set(&at, "commonAnnotations"),
                    )
                })
                .collect();
            let mut specs = fields::annotations();
            specs.extend(self.custom.common_annotations.iter().cloned());
            apply_pairs(resources, &specs, &pairs);
        }
        for (i, entry) in kust.list("patchesJson6902").iter().enumerate() {
            let pointer = format!("/patchesJson6902/{i}");
            let Some(target) = entry.get("target") else {
                return Err(self.error(
                    Some(kust.loc(&pointer)),
                    "a JSON 6902 patch needs a `target`".to_owned(),
                ));
            };
            let target = self.selector(kust, &format!("{pointer}/target"), target)?;
            for doc in self.patch_docs(kust, &pointer, entry)? {
                self.json_patch(
                    kust,
                    &pointer,
                    resources,
                    &target,
                    &doc,
                    "PatchJson6902Transformer",
                )?;
            }
        }
        self.replicas(kust, resources)?;
        self.images(kust, resources);
        self.replacements(kust, resources)?;
        Ok(())
    }

    /// Strategic-merge directives kustomize does not apply (`$retainKeys`,
    /// `$deleteFromPrimitiveList/…`, `$setElementOrder/…`): it copies them into the object as
    /// ordinary fields, and so does the build, with a warning at each.
    fn copied_directives(&mut self, doc: &PatchDoc) {
        fn walk(value: &Value, pointer: &mut String, out: &mut Vec<(String, String)>) {
            match value {
                Value::Object(map) => {
                    for (key, child) in map {
                        let mark = pointer.len();
                        pointer.push('/');
                        pointer.push_str(&merge::escape(key));
                        if key == "$retainKeys"
                            || key.starts_with("$deleteFromPrimitiveList/")
                            || key.starts_with("$setElementOrder/")
                        {
                            out.push((pointer.clone(), key.clone()));
                        } else {
                            walk(child, pointer, out);
                        }
                        pointer.truncate(mark);
                    }
                }
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let mark = pointer.len();
                        pointer.push_str(&format!("/{i}"));
                        walk(item, pointer, out);
                        pointer.truncate(mark);
                    }
                }
                _ => {}
            }
        }
        let mut found = Vec::new();
        walk(&doc.object.value, &mut String::new(), &mut found);
        for (pointer, key) in found {
            let location = match &doc.inline {
                Some(OriginTree::Set { location, .. }) => location.clone(),
                _ => doc.object.locate(&pointer, true),
            };
            self.warn(
                location,
                format!("kustomize does not apply `{key}`: it copies it into the object as an ordinary field, which the API server rejects or drops"),
                Some("remove the directive and write the list or mapping the object should have (`$patch: replace` replaces it whole)"),
            );
        }
    }

    fn selector(&mut self, kust: &Kust, pointer: &str, value: &Value) -> Step<Selector> {
        Selector::parse(value).map_err(|message| self.error(Some(kust.loc(pointer)), message))
    }

    /// A strategic-merge patch without `target`: it names its resource itself.
    fn smp_by_id(
        &mut self,
        kust: &Kust,
        pointer: &str,
        resources: &mut [Res],
        doc: &PatchDoc,
    ) -> Step<()> {
        let value = &doc.object.value;
        let text = |p: &str| value.pointer(p).and_then(Value::as_str).unwrap_or("");
        let (api_version, kind, name) =
            (text("/apiVersion"), text("/kind"), text("/metadata/name"));
        let namespace = value
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty());
        if kind.is_empty() || name.is_empty() {
            return Err(self.error(
                Some(kust.loc(pointer)),
                format!(
                    "the patch {} has no `kind` or `metadata.name`, and no `target`: kustomize cannot tell what it patches",
                    doc.label
                ),
            ));
        }
        let effective = namespace.unwrap_or("default");
        let hits: Vec<usize> = resources
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.api_version() == api_version
                    && r.kind() == kind
                    && r.all_ids()
                        .any(|(n, ns)| n == name && ns.unwrap_or("default") == effective)
            })
            .map(|(i, _)| i)
            .collect();
        match hits.as_slice() {
            [one] => {
                apply_smp(&mut resources[*one], doc, self.openapi.as_deref()).map_err(|message| {
                    let message = format!(
                        "the patch {} fails on {}: {message}",
                        doc.label,
                        resources[*one].display()
                    );
                    self.error(Some(kust.loc(pointer)), message)
                })
            }
            [] => {
                let ns = namespace.map(|n| format!("{n}/")).unwrap_or_default();
                Err(self.error(
                    Some(kust.loc(pointer)),
                    format!(
                        "the patch {} targets {kind} {ns}{name} ({api_version}), which is not in the build",
                        doc.label
                    ),
                ))
            }
            _ => Err(self.error(
                Some(kust.loc(pointer)),
                format!(
                    "the patch {} matches several resources ({kind} {name}); give it a `target`",
                    doc.label
                ),
            )),
        }
    }

    fn json_patch(
        &mut self,
        kust: &Kust,
        pointer: &str,
        resources: &mut [Res],
        target: &Selector,
        doc: &PatchDoc,
        transformer: &'static str,
    ) -> Step<()> {
        let Some(ops) = doc.object.value.as_array() else {
            return Err(self.error(
                Some(kust.loc(pointer)),
                "a JSON 6902 patch is a list of operations".to_owned(),
            ));
        };
        let mut hit = false;
        let touches_annotations = ops.iter().any(|op| {
            ["path", "from"].iter().any(|k| {
                matches!(
                    op.get(*k).and_then(Value::as_str),
                    Some("/metadata/annotations" | "/metadata")
                )
            })
        });
        for res in resources.iter_mut().filter(|r| target.matches(r)) {
            hit = true;
            if touches_annotations {
                res.configured_by = Some((kust.object.source.name().to_owned(), transformer));
            }
            for (i, op) in ops.iter().enumerate() {
                match merge::json6902(&mut res.value, op) {
                    Ok(Some(path)) => {
                        let origin = match &doc.inline {
                            Some(origin) => origin.clone(),
                            None => OriginTree::From {
                                object: doc.object.clone(),
                                pointer: format!("/{i}/value"),
                            },
                        };
                        res.set_origin(path, origin);
                    }
                    Ok(None) => {}
                    Err(message) => {
                        let what = op.get("op").and_then(Value::as_str).unwrap_or("?");
                        let path = op.get("path").and_then(Value::as_str).unwrap_or("?");
                        let location = if doc.inline.is_none() {
                            doc.object.locate(&format!("/{i}"), false)
                        } else {
                            kust.loc(pointer)
                        };
                        return Err(self.error(
                            Some(location),
                            format!(
                                "JSON 6902 `{what}` at `{path}` fails on {}: {message}",
                                res.display()
                            ),
                        ));
                    }
                }
            }
        }
        if !hit {
            self.warn(
                kust.loc(&format!("{pointer}/target")),
                "this patch target matches no resource; the patch changes nothing".to_owned(),
                None,
            );
        }
        Ok(())
    }

    fn namespace(&mut self, kust: &Kust, resources: &mut [Res]) {
        let Some(namespace) = kust.string("namespace") else {
            return;
        };
        let origin = kust.set("/namespace", "namespace");
        let specs = self.plugin_specs.clone().unwrap_or_else(|| {
            let mut specs = fields::namespace_specs();
            config::extend_unique(&mut specs, self.custom.namespace.clone());
            specs
        });
        let name_path = path(&["metadata", "name"]);
        for res in resources.iter_mut() {
            let kind = res.kind().to_owned();
            let group = res.group().to_owned();
            let binding = kind == "RoleBinding" || kind == "ClusterRoleBinding";
            // kustomize sets `metadata.namespace` of every namespaced object and the
            // namespace of the `default` subjects of bindings whatever the field specs say.
            if !fields::cluster_scoped(&kind) {
                res.remember_id();
                if let Some(meta) = res.value.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.insert("namespace".to_owned(), Value::String(namespace.to_owned()));
                    res.set_origin(path(&["metadata", "namespace"]), origin.clone());
                }
            }
            if binding && let Some(Value::Array(subjects)) = res.value.get_mut("subjects") {
                let mut set = Vec::new();
                for (i, subject) in subjects.iter_mut().enumerate() {
                    if subject.get("name").and_then(Value::as_str) == Some("default")
                        && let Some(map) = subject.as_object_mut()
                    {
                        map.insert("namespace".to_owned(), Value::String(namespace.to_owned()));
                        set.push(i);
                    }
                }
                for i in set {
                    res.set_origin(
                        vec!["subjects".into(), i.to_string(), "namespace".into()],
                        origin.clone(),
                    );
                }
            }
            // The rest at the field specs; a name only in objects of apiVersion v1 (a
            // Namespace takes the name of the namespace it sets).
            for spec in specs.iter().filter(|s| s.applies(&group, &kind)) {
                let special = spec.path == ["metadata", "namespace"]
                    || (spec.path == name_path && res.api_version() != "v1")
                    || (binding && spec.path == ["subjects"]);
                if special {
                    continue;
                }
                if spec.path == name_path {
                    res.remember_id();
                }
                set_fields(res, spec, &origin, &mut |_| {
                    Some(Value::String(namespace.to_owned()))
                });
            }
        }
    }

    fn prefix_suffix(&mut self, kust: &Kust, resources: &mut [Res]) {
        let prefix = kust.string("namePrefix").unwrap_or("").to_owned();
        let suffix = kust.string("nameSuffix").unwrap_or("").to_owned();
        if prefix.is_empty() && suffix.is_empty() {
            return;
        }
        if let Some(specs) = self.plugin_specs.clone() {
            let field = if prefix.is_empty() {
                "/nameSuffix"
            } else {
                "/namePrefix"
            };
            affix(
                resources,
                &prefix,
                &suffix,
                &specs,
                &kust.set(field, &field[1..]),
                true,
            );
            return;
        }
        let with_defaults = |custom: &[FieldSpec]| {
            let mut specs = vec![FieldSpec::new(None, None, "metadata/name", false)];
            config::extend_unique(&mut specs, custom.to_vec());
            specs
        };
        if !prefix.is_empty() {
            let specs = with_defaults(&self.custom.name_prefix);
            let origin = kust.set("/namePrefix", "namePrefix");
            affix(resources, &prefix, "", &specs, &origin, true);
        }
        if !suffix.is_empty() {
            let specs = with_defaults(&self.custom.name_suffix);
            let origin = kust.set("/nameSuffix", "nameSuffix");
            // The name keeps the prefix as its origin when both are set.
            affix(resources, "", &suffix, &specs, &origin, prefix.is_empty());
        }
    }

    fn labels(&mut self, kust: &Kust, resources: &mut [Res]) {
        if let Some(Value::Object(pairs)) = kust.get("commonLabels") {
            let pairs: Vec<(String, Value, OriginTree)> = pairs
                .iter()
                .map(|(k, v)| {
                    let at = format!("/commonLabels/{}", merge::escape(k));
                    (k.clone(), to_string_value(v), kust.set(&at, "commonLabels"))
                })
                .collect();
            let mut specs = fields::selector_labels();
            specs.extend(self.custom.common_labels.iter().cloned());
            apply_pairs(resources, &specs, &pairs);
        }
        for (i, entry) in kust.list("labels").iter().enumerate() {
            let Some(Value::Object(pairs)) = entry.get("pairs") else {
                continue;
            };
            let flag = |key: &str| entry.get(key).and_then(Value::as_bool).unwrap_or(false);
            let mut specs = if flag("includeSelectors") {
                let mut specs = fields::selector_labels();
                specs.extend(self.custom.common_labels.iter().cloned());
                specs
            } else if flag("includeTemplates") {
                let mut specs = fields::template_labels();
                config::extend_unique(&mut specs, self.custom.template_labels.clone());
                specs
            } else {
                vec![FieldSpec::new(None, None, "metadata/labels", true)]
            };
            for spec in entry
                .get("fields")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let text = |k: &str| spec.get(k).and_then(Value::as_str);
                if let Some(path) = text("path") {
                    specs.push(FieldSpec::new(
                        text("group"),
                        text("kind"),
                        path,
                        spec.get("create").and_then(Value::as_bool).unwrap_or(false),
                    ));
                }
            }
            let pairs: Vec<(String, Value, OriginTree)> = pairs
                .iter()
                .map(|(k, v)| {
                    let at = format!("/labels/{i}/pairs/{}", merge::escape(k));
                    (k.clone(), to_string_value(v), kust.set(&at, "labels"))
                })
                .collect();
            apply_pairs(resources, &specs, &pairs);
        }
    }

    fn replicas(&mut self, kust: &Kust, resources: &mut [Res]) -> Step<()> {
        let specs = self.plugin_specs.clone().unwrap_or_else(|| {
            let mut specs: Vec<FieldSpec> = [
                "Deployment",
                "ReplicationController",
                "ReplicaSet",
                "StatefulSet",
            ]
            .into_iter()
            .map(|kind| FieldSpec::new(None, Some(kind), "spec/replicas", true))
            .collect();
            config::extend_unique(&mut specs, self.custom.replicas.clone());
            specs
        });
        for (i, entry) in kust.list("replicas").iter().enumerate() {
            let Some(name) = entry.get("name").and_then(Value::as_str) else {
                continue;
            };
            let Some(count) = entry.get("count") else {
                continue;
            };
            let origin = kust.set(&format!("/replicas/{i}/count"), "replicas");
            let mut hit = false;
            for spec in &specs {
                for res in resources.iter_mut() {
                    let (group, kind) = (res.group().to_owned(), res.kind().to_owned());
                    if !spec.applies(&group, &kind) || !res.all_ids().any(|(n, _)| n == name) {
                        continue;
                    }
                    hit = true;
                    set_fields(res, spec, &origin, &mut |_| Some(count.clone()));
                }
            }
            if !hit {
                let kinds: Vec<&str> = specs
                    .iter()
                    .map(|s| s.kind.as_deref().unwrap_or("any kind"))
                    .collect();
                let message = format!(
                    "no object named `{name}` of a kind whose replicas the build sets ({}) is in the build (kustomize fails the build)",
                    kinds.join(", ")
                );
                return Err(self.error(Some(kust.loc(&format!("/replicas/{i}/name"))), message));
            }
        }
        Ok(())
    }

    fn images(&mut self, kust: &Kust, resources: &mut [Res]) {
        let entries = kust.list("images");
        if entries.is_empty() {
            return;
        }
        for res in resources.iter_mut() {
            let mut changed = Vec::new();
            let mut path = Vec::new();
            visit_images(&mut res.value, &mut path, &mut |path, image| {
                for (i, entry) in entries.iter().enumerate() {
                    if let Some(new) = apply_image(image, entry) {
                        changed.push((path.to_vec(), i, new));
                        return;
                    }
                }
            });
            let (group, kind) = (res.group().to_owned(), res.kind().to_owned());
            let extra = self.plugin_specs.as_ref().unwrap_or(&self.custom.images);
            for spec in extra.iter().filter(|s| s.applies(&group, &kind)) {
                let mut found = Vec::new();
                collect_strings(&res.value, &spec.path, &mut Vec::new(), &mut found);
                for at in found {
                    if changed.iter().any(|(p, _, _)| *p == at) {
                        continue;
                    }
                    let Some(Value::String(image)) = select::get_path(&res.value, &at) else {
                        continue;
                    };
                    if let Some((i, new)) = entries
                        .iter()
                        .enumerate()
                        .find_map(|(i, e)| apply_image(image, e).map(|n| (i, n)))
                    {
                        changed.push((at, i, new));
                    }
                }
            }
            for (at, i, new) in changed {
                if let Some(slot) = select::get_path_mut(&mut res.value, &at) {
                    *slot = Value::String(new);
                }
                // The field that changed the image: the tag or digest when the entry sets one.
                let entry = &entries[i];
                let field = ["digest", "newTag", "newName"]
                    .into_iter()
                    .find(|f| entry.get(*f).is_some())
                    .map(|f| format!("/images/{i}/{f}"))
                    .unwrap_or_else(|| format!("/images/{i}"));
                res.set_origin(at, kust.set(&field, "images"));
            }
        }
    }

    fn replacements(&mut self, kust: &Kust, resources: &mut [Res]) -> Step<()> {
        let mut list: Vec<(Value, String, Option<Arc<Object>>)> = Vec::new();
        for (i, entry) in kust.list("replacements").iter().enumerate() {
            let pointer = format!("/replacements/{i}");
            if let Some(file) = entry.get("path").and_then(Value::as_str) {
                let path = clean(&kust.dir.join(file));
                let from = kust.loc(&pointer);
                let text = self.read_text(&path, &from)?;
                for doc in self.parse_patch(&display(&path), text, None, from)? {
                    match &doc.object.value {
                        Value::Array(items) => {
                            for item in items {
                                list.push((item.clone(), pointer.clone(), None));
                            }
                        }
                        other => list.push((other.clone(), pointer.clone(), None)),
                    }
                }
            } else {
                list.push((entry.clone(), pointer, None));
            }
        }
        for (replacement, pointer, _) in list {
            let source = replacement.get("source").cloned().unwrap_or(Value::Null);
            let selector = self.selector(kust, &format!("{pointer}/source"), &source)?;
            let found: Vec<&Res> = resources.iter().filter(|r| selector.matches(r)).collect();
            let source_res = match found.as_slice() {
                [one] => *one,
                [] => {
                    return Err(self.error(
                        Some(kust.loc(&format!("{pointer}/source"))),
                        "the replacement source matches no resource".to_owned(),
                    ));
                }
                _ => {
                    return Err(self.error(
                        Some(kust.loc(&format!("{pointer}/source"))),
                        "the replacement source matches several resources".to_owned(),
                    ));
                }
            };
            let field = source
                .get("fieldPath")
                .and_then(Value::as_str)
                .unwrap_or("metadata.name");
            let steps = select::parse_field_path(field);
            let mut copy = source_res.value.clone();
            let paths = select::resolve_paths(&mut copy, &steps, false);
            let Some(value) = paths
                .first()
                .and_then(|p| select::get_path(&copy, p))
                .cloned()
            else {
                return Err(self.error(
                    Some(kust.loc(&format!("{pointer}/source"))),
                    format!("the replacement source has no field `{field}`"),
                ));
            };
            let value = match source.get("options") {
                Some(options) => delimited_part(&value, options),
                None => value,
            };
            let origin = OriginTree::Set {
                location: kust.loc(&format!("{pointer}/source")),
                note: Some(format!("replacements in {}", kust.label).into()),
            };
            for (t, target) in replacement
                .get("targets")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let at = format!("{pointer}/targets/{t}");
                let select_value = target.get("select").cloned().unwrap_or(Value::Null);
                let select = self.selector(kust, &format!("{at}/select"), &select_value)?;
                let mut rejects = Vec::new();
                for r in target
                    .get("reject")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    rejects.push(self.selector(kust, &format!("{at}/reject"), r)?);
                }
                let options = target.get("options").cloned().unwrap_or(Value::Null);
                let create = options
                    .get("create")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let field_paths: Vec<String> = target
                    .get("fieldPaths")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect();
                for res in resources.iter_mut() {
                    if !select.matches(res) || rejects.iter().any(|r| r.matches(res)) {
                        continue;
                    }
                    for field in &field_paths {
                        let steps = select::parse_field_path(field);
                        let paths = select::resolve_paths(&mut res.value, &steps, create);
                        if paths.is_empty() && !create {
                            let message = format!(
                                "the replacement target {} has no field `{field}` (set `options.create: true` to create it)",
                                res.display()
                            );
                            return Err(self.error(Some(kust.loc(&at)), message));
                        }
                        for p in paths {
                            if let Some(slot) = select::get_path_mut(&mut res.value, &p) {
                                *slot = replace_part(slot, &value, &options);
                            }
                            res.set_origin(p, origin.clone());
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// `buildMetadata: [originAnnotations]`: each object says where it came from, as kustomize
    /// writes it (`config.kubernetes.io/origin`), with paths relative to the root.
    fn build_metadata(&mut self, kust: &Kust, resources: &mut [Res]) {
        let options: Vec<&str> = kust
            .list("buildMetadata")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for (i, option) in options.iter().enumerate() {
            if *option != "originAnnotations" {
                self.warn(
                    kust.loc(&format!("/buildMetadata/{i}")),
                    format!("`buildMetadata: {option}` is not supported by plimsoll's build; the output leaves it out"),
                    None,
                );
            }
        }
        if !options.contains(&"originAnnotations") {
            return;
        }
        let origin = OriginTree::Set {
            location: kust.loc("/buildMetadata"),
            note: Some(format!("buildMetadata in {}", kust.label).into()),
        };
        for res in resources.iter_mut() {
            let file = relative(&kust.dir, Path::new(res.base.source.name()));
            let text = if let Some((configured_in, kind)) = &res.configured_by {
                format!(
                    "configuredIn: {}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {kind}\n",
                    relative(&kust.dir, Path::new(configured_in))
                )
            } else if res.generated {
                let mut text = format!(
                    "configuredIn: {file}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {}Generator\n",
                    res.kind()
                );
                if let Some((name, namespace)) = &res.plugin {
                    text.push_str(&format!("  name: {name}\n"));
                    if let Some(namespace) = namespace {
                        text.push_str(&format!("  namespace: {namespace}\n"));
                    }
                }
                text
            } else {
                format!("path: {file}\n")
            };
            let Some(meta) = res.value.get_mut("metadata").and_then(Value::as_object_mut) else {
                continue;
            };
            let annotations = meta
                .entry("annotations")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(annotations) = annotations {
                annotations.insert(
                    "config.kubernetes.io/origin".to_owned(),
                    Value::String(text),
                );
                res.set_origin(
                    path(&["metadata", "annotations", "config.kubernetes.io/origin"]),
                    origin.clone(),
                );
            }
        }
    }

    fn collect_vars(&mut self, kust: &Kust) {
        for (i, entry) in kust.list("vars").iter().enumerate() {
            let text = |p: &str| entry.pointer(p).and_then(Value::as_str).map(str::to_owned);
            let (Some(name), Some(kind), Some(object_name)) =
                (text("/name"), text("/objref/kind"), text("/objref/name"))
            else {
                continue;
            };
            self.vars.push(Var {
                origin: kust.set(&format!("/vars/{i}"), "vars"),
                name,
                kind,
                api_version: text("/objref/apiVersion"),
                object_name,
                field: text("/fieldref/fieldPath")
                    .or_else(|| text("/fieldref/fieldpath"))
                    .unwrap_or_else(|| "metadata.name".to_owned()),
            });
        }
    }

    fn resolve_vars(&mut self, kust: &Kust, resources: &mut [Res]) -> Step<()> {
        if self.vars.is_empty() {
            return Ok(());
        }
        let mut values = Vec::new();
        for var in std::mem::take(&mut self.vars) {
            let found = resources.iter().find(|r| {
                r.kind() == var.kind
                    && var
                        .api_version
                        .as_deref()
                        .is_none_or(|v| v == r.api_version())
                    && r.all_ids().any(|(n, _)| n == var.object_name)
            });
            let Some(res) = found else {
                return Err(self.error(
                    Some(kust.loc("")),
                    format!(
                        "var `{}` refers to {} {}, which is not in the build",
                        var.name, var.kind, var.object_name
                    ),
                ));
            };
            let mut copy = res.value.clone();
            let steps = select::parse_field_path(&var.field);
            let value = select::resolve_paths(&mut copy, &steps, false)
                .first()
                .and_then(|p| select::get_path(&copy, p))
                .cloned();
            let Some(value) = value else {
                return Err(self.error(
                    Some(kust.loc("")),
                    format!(
                        "var `{}`: field `{}` is not in {}",
                        var.name,
                        var.field,
                        res.display()
                    ),
                ));
            };
            values.push((var.name, value, var.origin));
        }
        let mut specs = fields::var_references();
        specs.extend(self.custom.var_refs.iter().cloned());
        for res in resources.iter_mut() {
            let (group, kind) = (res.group().to_owned(), res.kind().to_owned());
            let mut changed = Vec::new();
            for spec in specs.iter().filter(|s| s.applies(&group, &kind)) {
                substitute(
                    &mut res.value,
                    &spec.path,
                    &values,
                    &mut Vec::new(),
                    &mut changed,
                );
            }
            for (path, i) in changed {
                res.set_origin(path, values[i].2.clone());
            }
        }
        Ok(())
    }

    fn sort(&mut self, kust: &Kust, resources: &mut [Res]) {
        let order = kust
            .get("sortOptions")
            .and_then(|o| o.get("order"))
            .and_then(Value::as_str)
            .unwrap_or("legacy");
        if order == "fifo" {
            return;
        }
        let options = kust
            .get("sortOptions")
            .and_then(|o| o.get("legacySortOptions"));
        let names = |key: &str| -> Option<Vec<String>> {
            options?.get(key)?.as_array().map(|items| {
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
        };
        let first = names("orderFirst");
        let last = names("orderLast");
        let rank = |kind: &str| -> usize {
            match (&first, &last) {
                (None, None) => fields::kind_rank(kind),
                _ => {
                    let first = first.clone().unwrap_or_default();
                    let last = last.clone().unwrap_or_default();
                    if let Some(i) = first.iter().position(|k| k == kind) {
                        i
                    } else if let Some(i) = last.iter().position(|k| k == kind) {
                        first.len() + 1 + i
                    } else {
                        first.len()
                    }
                }
            }
        };
        resources.sort_by(|a, b| {
            let gvk = |r: &Res| {
                let group = if r.group().is_empty() {
                    "~G"
                } else {
                    r.group()
                };
                format!("{group}_{}_{}", r.version(), r.kind())
            };
            // kustomize writes a missing namespace as `~X`: such objects sort after the others.
            (
                rank(a.kind()),
                gvk(a),
                a.namespace().unwrap_or("~X"),
                a.name(),
            )
                .cmp(&(
                    rank(b.kind()),
                    gvk(b),
                    b.namespace().unwrap_or("~X"),
                    b.name(),
                ))
        });
    }

    fn generators(&mut self, kust: &Kust, resources: &mut Vec<Res>) -> Step<()> {
        for (key, kind) in [
            ("configMapGenerator", "ConfigMap"),
            ("secretGenerator", "Secret"),
        ] {
            for (i, entry) in kust.list(key).iter().enumerate() {
                let pointer = format!("/{key}/{i}");
                let res = self.generate(kust, &pointer, entry, kind)?;
                let behavior = entry
                    .get("behavior")
                    .and_then(Value::as_str)
                    .unwrap_or("create");
                match behavior {
                    "create" => self.append(kust, &pointer, resources, res)?,
                    "merge" | "replace" => {
                        let name = res.name().to_owned();
                        let ns = res.namespace().map(str::to_owned);
                        let existing = resources.iter_mut().find(|r| {
                            r.kind() == kind
                                && r.all_ids().any(|(n, rns)| {
                                    n == name && (ns.is_none() || rns.map(str::to_owned) == ns)
                                })
                        });
                        let Some(existing) = existing else {
                            return Err(self.error(
                                Some(kust.loc(&format!("{pointer}/behavior"))),
                                format!("behavior `{behavior}` needs an existing {kind} `{name}` from the resources or bases, and there is none"),
                            ));
                        };
                        merge_generated(existing, res, behavior == "replace");
                    }
                    other => {
                        return Err(self.error(
                            Some(kust.loc(&format!("{pointer}/behavior"))),
                            format!("unknown generator behavior `{other}` (expected create, merge or replace)"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn generate(&mut self, kust: &Kust, pointer: &str, entry: &Value, kind: &str) -> Step<Res> {
        let Some(name) = entry.get("name").and_then(Value::as_str) else {
            return Err(self.error(
                Some(kust.loc(pointer)),
                format!("a {kind} generator needs a `name`"),
            ));
        };
        let secret = kind == "Secret";
        let mut data: Vec<(String, Vec<u8>, OriginTree)> = Vec::new();
        let list = |key: &str| -> Vec<(usize, String)> {
            entry
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(i, v)| v.as_str().map(|s| (i, s.to_owned())))
                .collect()
        };
        let mut envs = list("envs")
            .into_iter()
            .map(|(i, s)| (format!("{pointer}/envs/{i}"), s))
            .collect::<Vec<_>>();
        if let Some(env) = entry.get("env").and_then(Value::as_str) {
            envs.push((format!("{pointer}/env"), env.to_owned()));
        }
        for (at, file) in envs {
            let path = clean(&kust.dir.join(&file));
            let text = self.read_text(&path, &kust.loc(&at))?;
            let (pairs, bare) = crate::generate::parse_env(&text);
            if let Some(line) = bare.first() {
                self.warn(
                    kust.loc(&at),
                    format!("line {line} of {} names a variable without a value: kustomize takes it from the environment of the build; plimsoll uses an empty value", display(&path)),
                    Some("write `KEY=value` in the env file"),
                );
            }
            for (k, v, _) in pairs {
                data.push((k, v.into_bytes(), kust.set(&at, "envs")));
            }
        }
        for (i, literal) in list("literals") {
            let at = format!("{pointer}/literals/{i}");
            let Some((k, v)) = crate::generate::parse_literal(&literal) else {
                return Err(self.error(
                    Some(kust.loc(&at)),
                    format!("literal `{literal}` is not `key=value`"),
                ));
            };
            data.push((k, v.into_bytes(), kust.set(&at, "literals")));
        }
        for (i, file) in list("files") {
            let at = format!("{pointer}/files/{i}");
            let (key, file) = match file.split_once('=') {
                Some((k, f)) => (k.to_owned(), f.to_owned()),
                None => (
                    Path::new(&file)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| file.clone()),
                    file.clone(),
                ),
            };
            let path = clean(&kust.dir.join(&file));
            let bytes = match self.fs.read(&path) {
                Ok(bytes) => bytes,
                Err(e) => {
                    return Err(self.error(
                        Some(kust.loc(&at)),
                        format!("reading {}: {e}", display(&path)),
                    ));
                }
            };
            self.files.insert(path);
            data.push((key, bytes, kust.set(&at, "files")));
        }
        let mut value = Map::new();
        value.insert("apiVersion".into(), Value::String("v1".into()));
        value.insert("kind".into(), Value::String(kind.into()));
        let mut meta = Map::new();
        meta.insert("name".into(), Value::String(name.into()));
        if let Some(ns) = entry.get("namespace").and_then(Value::as_str) {
            meta.insert("namespace".into(), Value::String(ns.into()));
        }
        let global = kust.get("generatorOptions");
        let own = entry.get("options");
        let mut hash = true;
        let mut immutable = None;
        for options in [global, own].into_iter().flatten() {
            for field in ["labels", "annotations"] {
                if let Some(Value::Object(pairs)) = options.get(field) {
                    let target = meta
                        .entry(field)
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(target) = target {
                        for (k, v) in pairs {
                            target.insert(k.clone(), to_string_value(v));
                        }
                    }
                }
            }
            // Either level can turn the hash off; neither turns it back on.
            if options
                .get("disableNameSuffixHash")
                .and_then(Value::as_bool)
                == Some(true)
            {
                hash = false;
            }
            if let Some(flag) = options.get("immutable").and_then(Value::as_bool) {
                immutable = Some(flag);
            }
        }
        value.insert("metadata".into(), Value::Object(meta));
        let mut text_data = Map::new();
        let mut binary = Map::new();
        let mut origins = Vec::new();
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut seen = std::collections::HashSet::new();
        for (key, _, origin) in &data {
            if !seen.insert(key.clone()) {
                let location = match origin {
                    OriginTree::Set { location, .. } => Some(location.clone()),
                    _ => Some(kust.loc(pointer)),
                };
                return Err(self.error(
                    location,
                    format!("{kind} `{name}` gets the key `{key}` twice"),
                ));
            }
        }
        for (key, bytes, origin) in data {
            if secret {
                text_data.insert(key.clone(), Value::String(wrapped_base64(&bytes)));
                origins.push((vec!["data".to_owned(), key], origin));
            } else {
                match String::from_utf8(bytes) {
                    Ok(text) => {
                        text_data.insert(key.clone(), Value::String(text));
                        origins.push((vec!["data".to_owned(), key], origin));
                    }
                    Err(e) => {
                        binary.insert(key.clone(), Value::String(b64.encode(e.as_bytes())));
                        origins.push((vec!["binaryData".to_owned(), key], origin));
                    }
                }
            }
        }
        if let Some(flag) = immutable {
            value.insert("immutable".into(), Value::Bool(flag));
        }
        if !text_data.is_empty() {
            value.insert("data".into(), Value::Object(text_data));
        }
        if !binary.is_empty() {
            value.insert("binaryData".into(), Value::Object(binary));
        }
        if secret {
            let kind_type = entry
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("Opaque");
            value.insert("type".into(), Value::String(kind_type.into()));
        }
        let value = Value::Object(value);
        let base = Arc::new(Object {
            value: value.clone(),
            ..(*kust.object).clone()
        });
        let mut res = Res::from_object(base);
        res.root_origin = kust.set(pointer, &format!("{kind} generator"));
        res.value = value;
        res.hash = hash;
        res.generated = true;
        for (path, origin) in origins {
            res.set_origin(path, origin);
        }
        Ok(res)
    }
}

/// A patch document, with the origin to use when it is inline text.
#[derive(Clone)]
struct PatchDoc {
    object: Arc<Object>,
    inline: Option<OriginTree>,
    /// What messages call the patch: its file, or the entry that holds it inline.
    label: String,
}

/// A literal block scalar of the kustomization read as YAML where it stands: every byte
/// outside the block blanked (so that offsets, lines and columns stay those of the file), the
/// block's lines kept with their indentation. `None` when the entry is not such a block or
/// the reading differs from the text's own.
fn in_place(kust: &Kust, pointer: &str, text: &str, name: &str) -> Option<Vec<PatchDoc>> {
    if kust.config.is_some() {
        return None;
    }
    let location = kust.object.locate(pointer, false);
    let source = &kust.object.source;
    let raw = source.text();
    let (start, end) = (location.span.start as usize, location.span.end as usize);
    if end > raw.len() || start > end {
        return None;
    }
    // The block's lines start after its header (`|`, `|-`, `|+`, `|2`…), which ends its line;
    // the scalar's span starts at the header or at the first line of the content.
    let body = if raw[start..].starts_with('|') {
        start + raw[start..end].find('\n')? + 1
    } else {
        let line = raw[..start].rfind('\n').map_or(0, |i| i + 1);
        if !raw[line..start].bytes().all(|b| b == b' ') || line == 0 {
            return None;
        }
        let header = raw[..line - 1].rsplit('\n').next()?.trim_end();
        let token = header.rsplit([' ', ':']).next()?;
        let literal = token.starts_with('|')
            && token[1..]
                .bytes()
                .all(|b| b == b'-' || b == b'+' || b.is_ascii_digit());
        if !literal {
            return None;
        }
        line
    };
    let mut blanked = String::with_capacity(raw.len());
    for (i, c) in raw.char_indices() {
        if (body..end).contains(&i) || c == '\n' {
            blanked.push(c);
        } else {
            blanked.extend(std::iter::repeat_n(' ', c.len_utf8()));
        }
    }
    let stream = parse_stream(&blanked, ParseOptions::default());
    let own = parse_stream(text, ParseOptions::default());
    if !stream.errors.is_empty() || !own.errors.is_empty() {
        return None;
    }
    let values = |docs: &[plimsoll_core::yaml::Document]| -> Vec<Value> {
        docs.iter()
            .filter(|d| !d.value.is_null())
            .map(|d| d.value.clone())
            .collect()
    };
    if values(&stream.documents) != values(&own.documents) {
        return None;
    }
    Some(patch_docs(stream, source, None, name))
}

/// The non-empty documents of a patch's stream, each an object of `source`.
fn patch_docs(
    stream: plimsoll_core::yaml::Stream,
    source: &Arc<Source>,
    inline: Option<OriginTree>,
    label: &str,
) -> Vec<PatchDoc> {
    let tree = Arc::new(stream.tree);
    stream
        .documents
        .into_iter()
        .filter(|d| !d.value.is_null())
        .map(|d| PatchDoc {
            object: Arc::new(Object {
                value: d.value,
                source: source.clone(),
                tree: tree.clone(),
                root: d.root,
                document: d.index,
                item: None,
                template: None,
                provenance: None,
            }),
            inline: inline.clone(),
            label: label.to_owned(),
        })
        .collect()
}

fn apply_smp(res: &mut Res, doc: &PatchDoc, openapi: Option<&[MergeKey]>) -> Result<(), String> {
    let mut patch = doc.object.value.clone();
    // The patch names its target; it does not rename or move it.
    if let Value::Object(map) = &mut patch {
        map.shift_remove("apiVersion");
        map.shift_remove("kind");
        if let Some(Value::Object(meta)) = map.get_mut("metadata") {
            meta.shift_remove("name");
            meta.shift_remove("namespace");
        }
    }
    let group = res.group().to_owned();
    let kind = res.kind().to_owned();
    let mut merge = Merge {
        group: &group,
        kind: &kind,
        set: Vec::new(),
        error: None,
        openapi,
    };
    merge.apply(&mut res.value, &patch);
    if let Some(error) = merge.error {
        return Err(error);
    }
    for (path, pointer) in merge.set {
        let origin = match &doc.inline {
            Some(origin) => origin.clone(),
            None => OriginTree::From {
                object: doc.object.clone(),
                pointer,
            },
        };
        res.set_origin(path, origin);
    }
    Ok(())
}

fn merge_generated(existing: &mut Res, new: Res, replace: bool) {
    let take = |v: &Value, key: &str| v.get(key).cloned();
    if replace {
        existing.base = new.base.clone();
        existing.root_origin = new.root_origin.clone();
        for key in ["data", "binaryData"] {
            if let Some(map) = existing.value.as_object_mut() {
                map.shift_remove(key);
            }
        }
    }
    for key in ["data", "binaryData"] {
        if let Some(Value::Object(pairs)) = take(&new.value, key)
            && let Some(map) = existing.value.as_object_mut()
        {
            let target = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(target) = target {
                for (k, v) in pairs {
                    target.insert(k, v);
                }
            }
        }
    }
    for key in ["labels", "annotations"] {
        if let Some(Value::Object(pairs)) = new.value.pointer(&format!("/metadata/{key}")).cloned()
            && let Some(Value::Object(meta)) = existing.value.get_mut("metadata")
        {
            let target = meta.entry(key).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(target) = target {
                for (k, v) in pairs {
                    target.insert(k, v);
                }
            }
        }
    }
    existing.hash = existing.hash && new.hash;
    for (path, origin) in new.overrides {
        existing.set_origin(path, origin);
    }
}

/// Base64 as kustomize writes generated Secret values: in lines of 70 characters, each ended
/// by a newline, once the text is 70 characters or longer.
fn wrapped_base64(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    if encoded.len() < 70 {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 70 + 1);
    for chunk in encoded.as_bytes().chunks(70) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

/// `file` relative to the folder `base` (both cleaned), with `..` where it lies outside.
fn relative(base: &Path, file: &Path) -> String {
    let base: Vec<_> = base
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    let file: Vec<_> = file
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    let common = base.iter().zip(&file).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); base.len() - common];
    parts.extend(
        file[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| (*s).to_owned()).collect()
}

fn to_string_value(v: &Value) -> Value {
    match v {
        Value::String(_) => v.clone(),
        Value::Null => Value::String(String::new()),
        other => Value::String(other.to_string()),
    }
}

/// Sets the fields at `spec` in `res` (created when the spec says so) to what `value` makes
/// of the value there (`None`: left as is).
fn set_fields(
    res: &mut Res,
    spec: &FieldSpec,
    origin: &OriginTree,
    value: &mut dyn FnMut(Option<&Value>) -> Option<Value>,
) {
    let Some((last, parent)) = spec.path.split_last() else {
        return;
    };
    let mut targets = Vec::new();
    collect_maps(
        &mut res.value,
        parent,
        spec.create,
        &mut Vec::new(),
        &mut targets,
    );
    for at in targets {
        let mut set = false;
        if let Some(Value::Object(map)) = select::get_path_mut(&mut res.value, &at)
            && (spec.create || map.contains_key(last))
            && let Some(new) = value(map.get(last))
        {
            map.insert(last.clone(), new);
            set = true;
        }
        if set {
            let mut p = at;
            p.push(last.clone());
            res.set_origin(p, origin.clone());
        }
    }
}

/// Adds a prefix and a suffix at the field specs that apply, as kustomize's prefix and suffix
/// transformers do: at `metadata/name` the name changes (and name references follow it);
/// CustomResourceDefinitions, APIServices and Namespaces keep their names.
fn affix(
    resources: &mut [Res],
    prefix: &str,
    suffix: &str,
    specs: &[FieldSpec],
    origin: &OriginTree,
    name_origin: bool,
) {
    let name_path = path(&["metadata", "name"]);
    for res in resources.iter_mut() {
        let (group, kind) = (res.group().to_owned(), res.kind().to_owned());
        let skipped = kind == "CustomResourceDefinition"
            || kind == "Namespace"
            || (kind == "APIService" && group == "apiregistration.k8s.io");
        if skipped {
            continue;
        }
        for spec in specs.iter().filter(|s| s.applies(&group, &kind)) {
            if spec.path == name_path {
                res.remember_id();
                let name = format!("{prefix}{}{suffix}", res.name());
                if !prefix.is_empty() {
                    res.prefixes.push(prefix.to_owned());
                }
                if !suffix.is_empty() {
                    res.suffixes.push(suffix.to_owned());
                }
                if let Some(meta) = res.value.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.insert("name".to_owned(), Value::String(name));
                    if name_origin {
                        res.set_origin(name_path.clone(), origin.clone());
                    }
                }
                continue;
            }
            set_fields(res, spec, origin, &mut |old| match old {
                Some(Value::String(old)) => Some(Value::String(format!("{prefix}{old}{suffix}"))),
                None | Some(Value::Null) => Some(Value::String(format!("{prefix}{suffix}"))),
                Some(_) => None,
            });
        }
    }
}

/// Adds label or annotation pairs at every field spec that applies.
fn apply_pairs(resources: &mut [Res], specs: &[FieldSpec], pairs: &[(String, Value, OriginTree)]) {
    for res in resources.iter_mut() {
        let group = res.group().to_owned();
        let kind = res.kind().to_owned();
        let mut targets = Vec::new();
        for spec in specs.iter().filter(|s| s.applies(&group, &kind)) {
            let mut path = Vec::new();
            collect_maps(
                &mut res.value,
                &spec.path,
                spec.create,
                &mut path,
                &mut targets,
            );
        }
        for target in targets {
            if let Some(Value::Object(map)) = select::get_path_mut(&mut res.value, &target) {
                for (k, v, _) in pairs {
                    map.insert(k.clone(), v.clone());
                }
            }
            for (k, _, origin) in pairs {
                let mut at = target.clone();
                at.push(k.clone());
                res.set_origin(at, origin.clone());
            }
        }
    }
}

/// The mappings at `steps` (lists on the way walked item by item), created when `create`.
fn collect_maps(
    value: &mut Value,
    steps: &[String],
    create: bool,
    path: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    if let Value::Array(items) = value {
        for (i, item) in items.iter_mut().enumerate() {
            path.push(i.to_string());
            collect_maps(item, steps, create, path, out);
            path.pop();
        }
        return;
    }
    let Some((first, rest)) = steps.split_first() else {
        if value.is_null() && create {
            *value = Value::Object(Map::new());
        }
        if value.is_object() {
            out.push(path.clone());
        }
        return;
    };
    let Value::Object(map) = value else {
        return;
    };
    if !map.contains_key(first) || map.get(first).is_some_and(Value::is_null) {
        if !create {
            return;
        }
        map.insert(first.clone(), Value::Object(Map::new()));
    }
    if let Some(child) = map.get_mut(first) {
        path.push(first.clone());
        collect_maps(child, rest, create, path, out);
        path.pop();
    }
}

/// Every string at `path` (lists on the way walked item by item).
fn collect_strings(
    value: &Value,
    steps: &[String],
    path: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                collect_strings(item, steps, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            if let Some((first, rest)) = steps.split_first() {
                if let Some(child) = map.get(first) {
                    path.push(first.clone());
                    collect_strings(child, rest, path, out);
                    path.pop();
                }
            } else {
                out.push(path.clone());
            }
        }
        Value::String(_) if steps.is_empty() => out.push(path.clone()),
        _ => {}
    }
}

fn visit_images(value: &mut Value, path: &mut Vec<String>, f: &mut dyn FnMut(&[String], &str)) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                path.push(key.clone());
                if matches!(key.as_str(), "containers" | "initContainers")
                    && let Value::Array(items) = child
                {
                    for (i, item) in items.iter_mut().enumerate() {
                        if let Some(Value::String(image)) = item.get("image") {
                            path.push(i.to_string());
                            path.push("image".to_owned());
                            f(path, image);
                            path.pop();
                            path.pop();
                        }
                    }
                }
                visit_images(child, path, f);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                visit_images(item, path, f);
                path.pop();
            }
        }
        _ => {}
    }
}

/// `registry:5000/app:1.0@sha256:…` → (name, tag, digest).
fn split_image(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(colon) => (
            &rest[..slash + colon],
            Some(&rest[slash + colon + 1..]),
            digest,
        ),
        None => (rest, None, digest),
    }
}

fn apply_image(image: &str, entry: &Value) -> Option<String> {
    let name = entry.get("name").and_then(Value::as_str)?;
    let (current, tag, digest) = split_image(image);
    if current != name {
        return None;
    }
    let text = |k: &str| {
        entry.get(k).map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    let new_name = text("newName").unwrap_or_else(|| current.to_owned());
    let new_tag = text("newTag");
    let new_digest = text("digest");
    let mut out = new_name;
    match (new_tag, new_digest) {
        (Some(t), Some(d)) => out = format!("{out}:{t}@{d}"),
        (Some(t), None) => out = format!("{out}:{t}"),
        (None, Some(d)) => out = format!("{out}@{d}"),
        (None, None) => {
            if let Some(t) = tag {
                out = format!("{out}:{t}");
            }
            if let Some(d) = digest {
                out = format!("{out}@{d}");
            }
        }
    }
    Some(out)
}

fn delimited_part(value: &Value, options: &Value) -> Value {
    let (Some(delimiter), Value::String(text)) =
        (options.get("delimiter").and_then(Value::as_str), value)
    else {
        return value.clone();
    };
    let index = options.get("index").and_then(Value::as_i64).unwrap_or(0);
    let parts: Vec<&str> = text.split(delimiter).collect();
    usize::try_from(index)
        .ok()
        .and_then(|i| parts.get(i))
        .map_or_else(|| value.clone(), |p| Value::String((*p).to_owned()))
}

fn replace_part(current: &Value, value: &Value, options: &Value) -> Value {
    let Some(delimiter) = options.get("delimiter").and_then(Value::as_str) else {
        return value.clone();
    };
    let Value::String(text) = current else {
        return value.clone();
    };
    let insert = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut parts: Vec<String> = text.split(delimiter).map(str::to_owned).collect();
    let index = options.get("index").and_then(Value::as_i64).unwrap_or(0);
    if index < 0 {
        parts.insert(0, insert);
    } else if let Some(slot) = usize::try_from(index).ok().and_then(|i| parts.get_mut(i)) {
        *slot = insert;
    } else {
        parts.push(insert);
    }
    Value::String(parts.join(delimiter))
}

/// Substitutes `$(NAME)` in the strings at `steps` (lists on the way walked item by item; at
/// the end, a string, each string of a list, or each string value of a mapping), as
/// kustomize's expansion does: `$$` is a `$`, a name no var defines stays as written, and a
/// string that is exactly one reference takes the var's value with its type. `changed`
/// receives the path of each string changed and the index of a var it used.
fn substitute(
    value: &mut Value,
    steps: &[String],
    vars: &[(String, Value, OriginTree)],
    path: &mut Vec<String>,
    changed: &mut Vec<(Vec<String>, usize)>,
) {
    if let Value::Array(items) = value
        && !steps.is_empty()
    {
        for (i, item) in items.iter_mut().enumerate() {
            path.push(i.to_string());
            substitute(item, steps, vars, path, changed);
            path.pop();
        }
        return;
    }
    if let Some((first, rest)) = steps.split_first() {
        if let Value::Object(map) = value
            && let Some(child) = map.get_mut(first)
        {
            path.push(first.clone());
            substitute(child, rest, vars, path, changed);
            path.pop();
        }
        return;
    }
    let mut one = |slot: &mut Value, path: &mut Vec<String>, key: String| {
        if let Value::String(text) = slot
            && let Some((new, used)) = expand(text, vars)
        {
            *slot = new;
            path.push(key);
            changed.push((path.clone(), used));
            path.pop();
        }
    };
    match value {
        Value::String(_) => {
            if let Value::String(text) = value
                && let Some((new, used)) = expand(text, vars)
            {
                *value = new;
                changed.push((path.clone(), used));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                one(item, path, i.to_string());
            }
        }
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                one(item, path, k.clone());
            }
        }
        _ => {}
    }
}

/// The expansion of one string, when it changes: the new value and a var it used.
fn expand(text: &str, vars: &[(String, Value, OriginTree)]) -> Option<(Value, usize)> {
    if !text.contains('$') {
        return None;
    }
    let lookup = |name: &str| vars.iter().position(|(n, _, _)| n == name);
    if let Some(name) = text.strip_prefix("$(").and_then(|t| t.strip_suffix(')'))
        && !name.contains(['(', ')', '$'])
        && let Some(i) = lookup(name)
    {
        return Some((vars[i].1.clone(), i));
    }
    let mut out = String::with_capacity(text.len());
    let mut used = None;
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(close) = inner.find(')')
        {
            let name = &inner[..close];
            match lookup(name) {
                Some(i) => {
                    used.get_or_insert(i);
                    match &vars[i].1 {
                        Value::String(s) => out.push_str(s),
                        other => out.push_str(&other.to_string()),
                    }
                }
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = &inner[close + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    (out != text).then(|| (Value::String(out), used.unwrap_or(0)))
}

fn same_id(a: &Res, b: &Res) -> bool {
    a.kind() == b.kind()
        && a.group() == b.group()
        && a.name() == b.name()
        && a.namespace().unwrap_or("default") == b.namespace().unwrap_or("default")
}

fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("github.com/")
        || entry.starts_with("gitlab.com/")
        || entry.starts_with("bitbucket.org/")
        || entry.starts_with("git@")
        || entry.starts_with("git::")
}

/// After every rename: references to renamed objects follow them.
fn fix_name_references(resources: &mut [Res], custom: &config::Custom) {
    let mut rows: Vec<(String, String, Vec<FieldSpec>)> = fields::name_references()
        .into_iter()
        .map(|r| (r.group.to_owned(), r.kind.to_owned(), r.referrers))
        .collect();
    for (group, kind, specs) in &custom.name_refs {
        match rows.iter_mut().find(|(g, k, _)| g == group && k == kind) {
            Some((_, _, referrers)) => referrers.extend(specs.iter().cloned()),
            None => rows.push((group.clone(), kind.clone(), specs.clone())),
        }
    }
    for (group, kind, referrers) in &rows {
        let row = fields::NameRef {
            group,
            kind,
            referrers: referrers.clone(),
        };
        let candidates: Vec<usize> = resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.kind() == row.kind && r.group() == row.group)
            .filter(|(_, r)| !r.previous.is_empty())
            .map(|(i, _)| i)
            .collect();
        if candidates.is_empty() {
            continue;
        }
        for referrer in 0..resources.len() {
            let group = resources[referrer].group().to_owned();
            let kind = resources[referrer].kind().to_owned();
            for spec in row.referrers.iter().filter(|s| s.applies(&group, &kind)) {
                let mut found = Vec::new();
                let mut p = Vec::new();
                collect_strings_or_maps(&resources[referrer].value, &spec.path, &mut p, &mut found);
                for at in found {
                    let Some(current) = select::get_path(&resources[referrer].value, &at).cloned()
                    else {
                        continue;
                    };
                    match current {
                        Value::String(name) => {
                            let ns = resources[referrer].namespace().map(str::to_owned);
                            if let Some(c) = pick(
                                resources,
                                &candidates,
                                referrer,
                                &name,
                                ns.as_deref(),
                                false,
                            ) {
                                let new = resources[c].name().to_owned();
                                if let Some(slot) =
                                    select::get_path_mut(&mut resources[referrer].value, &at)
                                {
                                    *slot = Value::String(new);
                                }
                            }
                        }
                        Value::Object(map) => {
                            if let Some(k) = map.get("kind").and_then(Value::as_str)
                                && k != row.kind
                            {
                                continue;
                            }
                            let Some(name) = map.get("name").and_then(Value::as_str) else {
                                continue;
                            };
                            let ns = map
                                .get("namespace")
                                .and_then(Value::as_str)
                                .map(str::to_owned)
                                .or_else(|| resources[referrer].namespace().map(str::to_owned));
                            if let Some(c) =
                                pick(resources, &candidates, referrer, name, ns.as_deref(), true)
                            {
                                let new = resources[c].name().to_owned();
                                let new_ns = resources[c].namespace().map(str::to_owned);
                                if let Some(Value::Object(slot)) =
                                    select::get_path_mut(&mut resources[referrer].value, &at)
                                {
                                    slot.insert("name".into(), Value::String(new));
                                    if let Some(ns) = new_ns
                                        && (slot.contains_key("namespace")
                                            || row.kind == "ServiceAccount")
                                    {
                                        slot.insert("namespace".into(), Value::String(ns));
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

fn collect_strings_or_maps(
    value: &Value,
    steps: &[String],
    path: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    if steps.is_empty() {
        match value {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if item.is_string() || item.is_object() {
                        let mut p = path.clone();
                        p.push(i.to_string());
                        out.push(p);
                    }
                }
            }
            Value::String(_) | Value::Object(_) => out.push(path.clone()),
            _ => {}
        }
        return;
    }
    collect_strings(value, steps, path, out);
}

/// The renamed object a reference means: one that had this name (in this namespace), the one
/// built along with the referrer (same prefixes and suffixes) when several did.
fn pick(
    resources: &[Res],
    candidates: &[usize],
    referrer: usize,
    name: &str,
    namespace: Option<&str>,
    strict_namespace: bool,
) -> Option<usize> {
    let by_name: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&c| resources[c].previous.iter().any(|(n, _)| n == name))
        .collect();
    if by_name.is_empty() {
        return None;
    }
    let ns_of = |ns: Option<&str>| ns.unwrap_or("default").to_owned();
    let wanted = ns_of(namespace);
    let by_ns: Vec<usize> = by_name
        .iter()
        .copied()
        .filter(|&c| {
            let r = &resources[c];
            fields::cluster_scoped(r.kind())
                || r.all_ids().any(|(n, ns)| n == name && ns_of(ns) == wanted)
                || ns_of(r.namespace()) == wanted
        })
        .collect();
    let pool = if by_ns.is_empty() {
        if strict_namespace {
            return None;
        }
        by_name
    } else {
        by_ns
    };
    if pool.len() == 1 {
        return Some(pool[0]);
    }
    let me = &resources[referrer];
    pool.iter()
        .copied()
        .find(|&c| resources[c].prefixes == me.prefixes && resources[c].suffixes == me.suffixes)
}

/// Reads one YAML document as an object (any kind), for kustomizations.
fn parse_object(name: &str, text: String) -> Result<Object, Vec<Diagnostic>> {
    let stream = parse_stream(&text, ParseOptions::default());
    let source = Source::new(name, text);
    if !stream.errors.is_empty() {
        return Err(stream
            .errors
            .iter()
            .map(|e| {
                let mut d =
                    Diagnostic::new(e.rule, Severity::Error, e.message.clone()).at(&source, e.span);
                d.help = e.help.clone().map(Into::into);
                d
            })
            .collect());
    }
    let tree = Arc::new(stream.tree);
    let (value, root, index) = match stream.documents.into_iter().find(|d| !d.value.is_null()) {
        Some(d) => (d.value, d.root, d.index),
        None => (Value::Object(Map::new()), Default::default(), 0),
    };
    Ok(Object {
        value,
        source,
        tree,
        root,
        document: index,
        item: None,
        template: None,
        provenance: None,
    })
}

/// The closest known name within a small edit distance.
fn did_you_mean<'f>(word: &str, known: &[&'f str]) -> Option<&'f str> {
    let distance =
        |a: &str, b: &str| plimsoll_core::text::edit_distance(&a.to_lowercase(), &b.to_lowercase());
    known
        .iter()
        .map(|k| (distance(word, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}
