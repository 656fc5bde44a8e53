//! A long-lived set of files for the editor: the files on disk under some roots (walked as
//! `lint` walks them) with open buffers laid over them, checked once in full and then again
//! one file at a time.
//!
//! Each file keeps what the per-file stages (loader, schemas, rules on one object) found in
//! it, and its objects (slimmed as a batch run slims them). A change re-reads only that file;
//! the stages across objects (cross-object rules, policies), settings and suppressions then
//! run over the objects kept, which is what makes a finding in the editor the same finding,
//! with the same id and message, as `plimsoll lint` gives on the same files.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use plimsoll_core::{Diagnostic, Discovery, LoadedFile, Object, Source};
use rayon::prelude::*;

use crate::config::ConfigFile;
use crate::{Config, Engine, EngineError, Run};

/// What the per-file stages found in one file.
struct FileState {
    source: Arc<Source>,
    objects: Vec<Object>,
    /// Findings of the loader, the schema stage and the rules on one object.
    diagnostics: Vec<Diagnostic>,
    /// Whether a Kustomize build reads the file (it is checked through the build).
    owned: bool,
    /// The file's findings after the stages across objects, settings and suppressions, kept
    /// while neither the file nor the findings of the stages across objects in it change.
    finished: Option<Finished>,
}

/// A file's findings as the editor shows them, and what they were made from besides the file.
struct Finished {
    /// The findings of the stages across objects located in the file.
    across: Vec<Diagnostic>,
    /// The day suppressions were checked against (`until=`).
    today: String,
    list: Arc<Vec<Diagnostic>>,
}

/// Files on disk plus open buffers, with the findings of each.
pub struct Workspace {
    engine: Engine,
    roots: Vec<PathBuf>,
    /// Open buffers by path: they win over the file on disk.
    buffers: HashMap<PathBuf, String>,
    /// Files that hold Kubernetes objects, by path.
    files: BTreeMap<PathBuf, FileState>,
    /// The schema catalog with the workspace's CRDs, once there are any.
    catalog: Option<plimsoll_schemas::Catalog>,
    /// The files the last walk of the roots found.
    walked: std::collections::HashSet<PathBuf>,
    /// Raised by the editor when the request a computation serves is cancelled: the long
    /// stages look at it between steps and give up.
    cancel: Arc<AtomicBool>,
    /// The Kustomize builds of the roots, made with the open buffers.
    built: Option<Built>,
    /// The Helm charts under the roots. A chart is rendered once one of its files is open,
    /// and again after a change to one of them.
    charts: Vec<crate::helm::Chart>,
    /// The renders of the charts that have an open file, by chart folder.
    rendered: BTreeMap<PathBuf, ChartRenders>,
    /// The group/versions the CustomResourceDefinitions of each file serve (Helm's
    /// `.Capabilities.APIVersions`, as `lint` passes them).
    crd_api_versions: BTreeMap<PathBuf, Vec<String>>,
}

/// What the renders of one chart made, checked, and what says where each finding on them
/// comes from (the template line, the values key).
#[derive(Default)]
struct ChartRenders {
    /// Rendered again before the next findings (a file of the chart changed).
    stale: bool,
    renders: crate::helm::Renders,
    /// The renders' output, as sources (their suppression comments count).
    sources: Vec<Arc<Source>>,
    objects: Vec<Object>,
    diagnostics: Vec<Diagnostic>,
}

/// What the Kustomize builds of the workspace made: their objects, checked, and what says
/// where each finding on them comes from. The files the builds read are checked through
/// them, never raw (as `lint` does).
struct Built {
    trees: crate::kustomize::Trees,
    objects: Vec<Object>,
    diagnostics: Vec<Diagnostic>,
}

/// The builds' file reader: an open buffer before the disk.
struct BufferFs<'b> {
    buffers: &'b HashMap<PathBuf, String>,
}

impl plimsoll_kustomize::FileSystem for BufferFs<'_> {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        match self.buffers.get(path) {
            Some(text) => Ok(text.clone().into_bytes()),
            None => std::fs::read(path),
        }
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn is_file(&self, path: &Path) -> bool {
        self.buffers.contains_key(path) || path.is_file()
    }

    fn list(&self, path: &Path) -> std::io::Result<Vec<PathBuf>> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<std::io::Result<_>>()?;
        for open in self.buffers.keys() {
            if open.parent() == Some(path) && !entries.contains(open) {
                entries.push(open.clone());
            }
        }
        Ok(entries)
    }
}

/// The engine configuration a `.plimsoll.yaml` describes, as `plimsoll lint` reads it with no
/// flags.
pub fn config_from_file(file: &ConfigFile) -> Config {
    let mut config = Config {
        exclude: file.exclude.clone(),
        include: file.include.clone(),
        kubernetes_version: file.kubernetes_version.clone(),
        strict: file.strict.unwrap_or(true),
        crds: file.crds.clone(),
        schema_locations: file.schema_locations.clone(),
        offline: file.offline.unwrap_or(false),
        rules: plimsoll_rules::RulesConfig {
            rules: file.rules.clone(),
            pod_template_paths: file.pod_template_paths.clone(),
            ..plimsoll_rules::RulesConfig::default()
        },
        policies: file.policies.clone(),
        ..Config::default()
    };
    if let Some(size) = file.max_file_size {
        config.load.max_file_size = size;
    }
    if !file.namespaces.is_empty() {
        config.policy.namespaces = file.namespaces.clone();
    }
    config.policy.all_namespaces = file.all_namespaces.unwrap_or(false);
    config.policy.combine = file.combine.unwrap_or(false);
    config.helm = crate::helm::HelmConfig {
        enabled: file.helm.enabled.unwrap_or(true),
        binary: file.helm.binary.clone(),
        charts: file.helm.renders(),
        ..crate::helm::HelmConfig::default()
    };
    config
}

impl Workspace {
    /// A workspace over `roots` (folders walked, or files), nothing read yet.
    pub fn new(engine: Engine, roots: Vec<PathBuf>) -> Workspace {
        Workspace {
            engine,
            roots,
            buffers: HashMap::new(),
            files: BTreeMap::new(),
            catalog: None,
            walked: std::collections::HashSet::new(),
            cancel: Arc::new(AtomicBool::new(false)),
            built: None,
            charts: Vec::new(),
            rendered: BTreeMap::new(),
            crd_api_versions: BTreeMap::new(),
        }
    }

    /// The flag that stops [`Workspace::try_diagnostics`] (and the editor's own long loops)
    /// when raised; it stays raised until lowered by its owner.
    pub fn set_cancel(&mut self, flag: Arc<AtomicBool>) {
        self.cancel = flag;
    }

    /// Whether the computation under way has been cancelled.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Reads every file under the roots (open buffers instead of their files), in parallel,
    /// CRD files first so that custom resources meet their definitions.
    pub fn load(&mut self) -> Result<(), EngineError> {
        let inputs: Vec<crate::Input> = self
            .roots
            .iter()
            .filter(|r| r.exists())
            .cloned()
            .map(crate::Input::Path)
            .collect();
        let mut paths: Vec<PathBuf> = Vec::new();
        for job in crate::jobs(&inputs, self.engine.config())? {
            if let crate::Job::Path(candidate) = job {
                paths.push(candidate.path);
            }
        }
        self.walked = paths.iter().cloned().collect();
        self.charts = match crate::discover::compile_globs(&self.engine.config().exclude) {
            Ok(exclude) => crate::helm::find(&inputs, &exclude).unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        self.charts.retain(|c| !c.packaged);
        for path in self.buffers.keys() {
            let rego = path.extension().is_some_and(|e| e == "rego");
            if !self.walked.contains(path) && !rego && self.chart_of(path).is_none() {
                paths.push(path.clone());
            }
        }
        let texts: Vec<(PathBuf, Vec<u8>)> = paths
            .into_par_iter()
            .filter_map(|path| {
                let bytes = self.read(&path)?;
                Some((path, bytes))
            })
            .collect();
        let (crds, rest): (Vec<_>, Vec<_>) = texts.into_iter().partition(|(_, bytes)| {
            memchr::memmem::find(bytes, b"CustomResourceDefinition").is_some()
        });
        self.files.clear();
        self.catalog = None;
        self.crd_api_versions.clear();
        // Charts with an open file are rendered again, with the workspace's CRDs.
        self.rendered = self
            .buffers
            .keys()
            .filter_map(|p| self.chart_of(p))
            .map(|chart| {
                let stale = ChartRenders {
                    stale: true,
                    ..ChartRenders::default()
                };
                (chart.to_path_buf(), stale)
            })
            .collect();
        for batch in [crds, rest] {
            let loaded: Vec<(PathBuf, LoadedFile)> = batch
                .into_par_iter()
                .map(|(path, bytes)| {
                    let file = self.parse(&path, bytes);
                    (path, file)
                })
                .collect();
            self.check_files(loaded);
        }
        self.build_trees();
        Ok(())
    }

    /// Builds the Kustomize trees under the roots again, reading open buffers first, and
    /// checks what they make.
    fn build_trees(&mut self) {
        self.build();
        let owned: Vec<bool> = self.files.keys().map(|p| self.built_from(p)).collect();
        for (state, owned) in self.files.values_mut().zip(owned) {
            state.owned = owned;
        }
    }

    /// The builds themselves.
    fn build(&mut self) {
        self.built = None;
        if !self.engine.config().kustomize {
            return;
        }
        let Ok(exclude) = crate::discover::compile_globs(&self.engine.config().exclude) else {
            return;
        };
        let inputs: Vec<crate::Input> = self
            .roots
            .iter()
            .filter(|r| r.is_dir())
            .cloned()
            .map(crate::Input::Path)
            .collect();
        let fs = BufferFs {
            buffers: &self.buffers,
        };
        let mut trees =
            crate::kustomize::Trees::find_with(&fs, &inputs, &exclude, &self.engine.config().load);
        if trees.is_empty() {
            return;
        }
        let files = std::mem::take(&mut trees.files);
        let mut run = Run {
            catalog: self.catalog.take(),
            ..Run::default()
        };
        self.engine.add_batch(&mut run, files);
        self.catalog = run.catalog.take();
        let mut diagnostics = std::mem::take(&mut trees.diagnostics);
        diagnostics.append(&mut run.diagnostics);
        self.built = Some(Built {
            trees,
            objects: run.objects,
            diagnostics,
        });
    }

    /// The folder of the chart a file belongs to (its templates, values, `Chart.yaml`).
    fn chart_of(&self, path: &Path) -> Option<&Path> {
        self.charts
            .iter()
            .find(|c| path.starts_with(&c.path))
            .map(|c| c.path.as_path())
    }

    /// Renders the charts whose files changed, with the open buffers laid over their files,
    /// and checks what they make.
    fn render_charts(&mut self) {
        let stale: Vec<PathBuf> = self
            .rendered
            .iter()
            .filter(|(_, r)| r.stale)
            .map(|(p, _)| p.clone())
            .collect();
        for folder in stale {
            let Some(mut chart) = self.charts.iter().find(|c| c.path == folder).cloned() else {
                self.rendered.remove(&folder);
                continue;
            };
            let texts: HashMap<PathBuf, String> = self
                .buffers
                .iter()
                .filter(|(p, _)| p.starts_with(&folder))
                .map(|(p, t)| (p.clone(), t.clone()))
                .collect();
            chart.overlay = Some(Arc::new(crate::helm::Overlay { texts }));
            let config = self.engine.config();
            let version = config
                .kubernetes_version
                .as_deref()
                .unwrap_or(plimsoll_schemas::default_version());
            let mut api_versions: Vec<String> =
                self.crd_api_versions.values().flatten().cloned().collect();
            api_versions.extend(crate::helm::crd_folder_api_versions(
                &config.crds,
                &config.load,
            ));
            let rendering = crate::helm::render_all(
                std::slice::from_ref(&chart),
                &config.helm,
                version,
                &api_versions,
                &config.load,
            );
            let mut run = Run {
                catalog: self.catalog.take(),
                ..Run::default()
            };
            self.engine.add_batch(&mut run, rendering.files);
            self.catalog = run.catalog.take();
            let mut diagnostics = rendering.diagnostics;
            diagnostics.append(&mut run.diagnostics);
            self.rendered.insert(
                folder,
                ChartRenders {
                    stale: false,
                    renders: rendering.renders,
                    sources: run.sources,
                    objects: run.objects,
                    diagnostics,
                },
            );
        }
    }

    /// A file of a chart was opened, changed or closed: the chart is rendered (again) before
    /// the next findings while one of its files is open, and no longer once none is.
    fn chart_changed(&mut self, path: &Path) -> bool {
        let Some(chart) = self.chart_of(path).map(Path::to_path_buf) else {
            return false;
        };
        if self.buffers.keys().any(|p| p.starts_with(&chart)) {
            self.rendered.entry(chart).or_default().stale = true;
        } else {
            self.rendered.remove(&chart);
        }
        true
    }

    /// Whether a Kustomize build reads this file (it is checked through the build).
    fn built_from(&self, path: &Path) -> bool {
        self.built.as_ref().is_some_and(|b| b.trees.owns(path))
    }

    /// Whether a change to this file may change what the builds make: a file they read, or
    /// a kustomization.
    fn feeds_builds(&self, path: &Path) -> bool {
        self.built_from(path)
            || path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| plimsoll_kustomize::KUSTOMIZATION_FILES.contains(&n))
    }

    /// The text of a file: its open buffer, else what is on disk (`None` when unreadable or
    /// over the size limit).
    fn read(&self, path: &Path) -> Option<Vec<u8>> {
        if let Some(text) = self.buffers.get(path) {
            return Some(text.clone().into_bytes());
        }
        let size = std::fs::metadata(path).ok()?.len();
        if size > self.engine.config().load.max_file_size {
            return None;
        }
        std::fs::read(path).ok()
    }

    fn parse(&self, path: &Path, bytes: Vec<u8>) -> LoadedFile {
        let name = crate::discover::display_name(path);
        plimsoll_core::load_bytes(&name, bytes, Discovery::Walked, &self.engine.config().load)
    }

    /// The per-file stages over files just loaded; their results replace what was kept.
    fn check_files(&mut self, loaded: Vec<(PathBuf, LoadedFile)>) {
        let mut order = Vec::new();
        let mut batch = Vec::new();
        for (path, file) in loaded {
            self.files.remove(&path);
            let served = crate::helm::crd_api_versions(file.objects.iter());
            if served.is_empty() {
                self.crd_api_versions.remove(&path);
            } else {
                self.crd_api_versions.insert(path.clone(), served);
            }
            if file.relevant {
                order.push((path.clone(), file.source.clone()));
                batch.push((Some(path), file));
            }
        }
        if batch.is_empty() {
            return;
        }
        let mut run = Run {
            catalog: self.catalog.take(),
            ..Run::default()
        };
        self.engine.add_batch(&mut run, batch);
        self.catalog = run.catalog.take();
        let mut by_source: HashMap<*const Source, FileState> = order
            .iter()
            .map(|(_, source)| {
                (
                    Arc::as_ptr(source),
                    FileState {
                        source: source.clone(),
                        objects: Vec::new(),
                        diagnostics: Vec::new(),
                        owned: false,
                        finished: None,
                    },
                )
            })
            .collect();
        for object in run.objects {
            if let Some(state) = by_source.get_mut(&Arc::as_ptr(&object.source)) {
                state.objects.push(object);
            }
        }
        for d in run.diagnostics {
            let key = d.location.as_ref().map(|l| Arc::as_ptr(&l.source));
            if let Some(state) = key.and_then(|k| by_source.get_mut(&k)) {
                state.diagnostics.push(d);
            }
        }
        for (path, source) in order {
            if let Some(mut state) = by_source.remove(&Arc::as_ptr(&source)) {
                state.owned = self.built_from(&path);
                self.files.insert(path, state);
            }
        }
    }

    /// Opens or changes a buffer: its text replaces the file's, and the file is checked again.
    pub fn set_buffer(&mut self, path: PathBuf, text: String) {
        let bytes = text.clone().into_bytes();
        self.buffers.insert(path.clone(), text);
        // A chart's files are not manifests: the chart is rendered instead.
        if self.chart_changed(&path) {
            return;
        }
        let file = self.parse(&path, bytes);
        let builds = self.feeds_builds(&path);
        self.check_files(vec![(path, file)]);
        if builds {
            self.build_trees();
        }
    }

    /// Opens or changes the buffer of a policy file (a Rego module, a Gatekeeper template, a
    /// data file): kept for [`Workspace::reload_policies`], not read as a manifest (a YAML
    /// file that holds objects is set with [`Workspace::set_buffer`] as well).
    pub fn set_policy_buffer(&mut self, path: PathBuf, text: String) {
        self.buffers.insert(path, text);
    }

    /// Closes the buffer of a policy file: the file on disk counts again.
    pub fn close_policy_buffer(&mut self, path: &Path) {
        self.buffers.remove(path);
    }

    /// Closes a buffer: the file on disk takes its place again, when it is part of the
    /// workspace (under a root, not excluded); otherwise the file leaves the workspace.
    pub fn close_buffer(&mut self, path: &Path) {
        self.buffers.remove(path);
        if self.chart_changed(path) {
            return;
        }
        self.refresh(path);
    }

    /// Reads a file from disk again (saved, created, changed or deleted by another program);
    /// an open buffer still wins.
    pub fn refresh(&mut self, path: &Path) {
        if let Some(chart) = self.chart_of(path).map(Path::to_path_buf) {
            if let Some(rendered) = self.rendered.get_mut(&chart) {
                rendered.stale = true;
            }
            return;
        }
        if self.feeds_builds(path) {
            self.build_trees();
        }
        if !self.buffers.contains_key(path) && !self.is_walked(path) {
            self.files.remove(path);
            return;
        }
        match self.read(path) {
            Some(bytes) => {
                let file = self.parse(path, bytes);
                self.check_files(vec![(path.to_path_buf(), file)]);
            }
            None => {
                self.files.remove(path);
            }
        }
    }

    /// Whether walking the roots would find this file.
    fn is_walked(&self, path: &Path) -> bool {
        if self.walked.contains(path) {
            return true;
        }
        let Some(root) = self.roots.iter().find(|r| path.starts_with(r)) else {
            return false;
        };
        let config = self.engine.config();
        let (Ok(include), Ok(exclude)) = (
            crate::discover::compile_globs(&config.include),
            crate::discover::compile_globs(&config.exclude),
        ) else {
            return false;
        };
        crate::discover::discover(std::slice::from_ref(root), &include, &exclude)
            .map(|found| found.iter().any(|c| c.path == path))
            .unwrap_or(false)
    }

    /// Compiles the policy folders of the configuration again, with the open buffers in
    /// place of their files (a Rego module being edited). When they compile, they replace the
    /// engine's policies and the next findings use them; otherwise the engine keeps the
    /// policies it had and the problems are returned, each `path:line:column: message` (or
    /// `path: message` without a position).
    pub fn reload_policies(&mut self) -> Result<(), Vec<String>> {
        let config = &self.engine.config;
        if config.policies.is_empty() {
            return Ok(());
        }
        let problems = |e: EngineError| match e {
            EngineError::Policy(problems) => problems,
            other => vec![other.to_string()],
        };
        let inputs =
            crate::policies::read_with(&config.policies, config.policy.clone(), &self.buffers)
                .map_err(problems)?;
        let mut admission = crate::vap::from_gatekeeper(&inputs.gatekeeper);
        let (set, mut context) = inputs.build().map_err(problems)?;
        context.append(&mut admission);
        let had_policies = self.engine.policies.is_some();
        self.engine.policies = Some(set);
        self.engine.policy_context = context;
        // The rule ids suppressions may name changed with the policies.
        for file in self.files.values_mut() {
            file.finished = None;
        }
        // Without policies objects were slimmed: policies need them whole.
        if !had_policies {
            let _ = self.load();
        }
        Ok(())
    }

    /// The text of an open buffer.
    pub fn buffer(&self, path: &Path) -> Option<&str> {
        self.buffers.get(path).map(String::as_str)
    }

    /// The source of a file of the workspace (its open buffer when there is one).
    pub fn source(&self, path: &Path) -> Option<&Arc<Source>> {
        self.files.get(path).map(|f| &f.source)
    }

    /// The objects of one file.
    pub fn objects_of(&self, path: &Path) -> &[Object] {
        self.files.get(path).map_or(&[], |f| f.objects.as_slice())
    }

    /// Every object of the workspace, with the path of its file.
    pub fn objects(&self) -> impl Iterator<Item = (&Path, &Object)> {
        self.files
            .iter()
            .flat_map(|(path, f)| f.objects.iter().map(move |o| (path.as_path(), o)))
    }

    /// Paths of the files of the workspace that hold Kubernetes objects.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.keys().map(PathBuf::as_path)
    }

    /// The schema catalog objects of the workspace are validated with.
    pub fn catalog(&self) -> Option<&plimsoll_schemas::Catalog> {
        self.catalog
            .as_ref()
            .or_else(|| self.engine.schemas.as_ref().map(|s| s.base()))
    }

    /// Every finding of the workspace, by file path, sorted as `lint` sorts them: the kept
    /// per-file findings, then the stages across objects, settings and suppressions.
    pub fn diagnostics(&mut self) -> BTreeMap<PathBuf, Arc<Vec<Diagnostic>>> {
        let cancel = std::mem::replace(&mut self.cancel, Arc::new(AtomicBool::new(false)));
        let out = self.try_diagnostics();
        self.cancel = cancel;
        out.unwrap_or_default()
    }

    /// [`Workspace::diagnostics`], or `None` when the cancellation flag was raised before the
    /// stages across objects were done.
    ///
    /// The stages across objects (cross-object rules, policies) run over every object; what
    /// follows them is per file (settings, suppressions, order), so a file whose own findings
    /// and whose findings across objects are those of the last check keeps its last list
    /// (the same `Arc`): a change re-settles only the files whose findings changed.
    pub fn try_diagnostics(&mut self) -> Option<BTreeMap<PathBuf, Arc<Vec<Diagnostic>>>> {
        self.render_charts();
        let mut counts = Vec::with_capacity(self.files.len());
        let mut objects = Vec::new();
        let mut sources = Vec::with_capacity(self.files.len());
        // Findings of the builds and renders themselves.
        let mut shared = Vec::new();
        // Files a Kustomize build reads are checked through the build, not raw.
        let owned: Vec<bool> = self.files.values().map(|f| f.owned).collect();
        for (state, owned) in self.files.values_mut().zip(&owned) {
            if *owned {
                counts.push(0);
                continue;
            }
            counts.push(state.objects.len());
            objects.append(&mut state.objects);
            sources.push(state.source.clone());
        }
        let files_end = sources.len();
        let built_count = self.built.as_ref().map_or(0, |b| b.objects.len());
        if let Some(built) = &mut self.built {
            objects.append(&mut built.objects);
            shared.extend(built.diagnostics.iter().cloned());
            for object in &objects[objects.len() - built_count..] {
                if !sources.iter().any(|s| Arc::ptr_eq(s, &object.source)) {
                    sources.push(object.source.clone());
                }
            }
        }
        for rendered in self.rendered.values_mut() {
            counts.push(rendered.objects.len());
            objects.append(&mut rendered.objects);
            shared.extend(rendered.diagnostics.iter().cloned());
            sources.extend(rendered.sources.iter().cloned());
        }
        let across = self.engine.across_objects(&sources, &objects, &self.cancel);
        // Give each file (and the builds and renders) its objects back.
        let mut objects = objects.into_iter();
        let mut counts = counts.into_iter();
        for (state, count) in self.files.values_mut().zip(counts.by_ref()) {
            if count > 0 {
                state.objects = objects.by_ref().take(count).collect();
            }
        }
        if let Some(built) = &mut self.built {
            built.objects = objects.by_ref().take(built_count).collect();
        }
        for (rendered, count) in self.rendered.values_mut().zip(counts) {
            rendered.objects = objects.by_ref().take(count).collect();
        }
        let (across, raw_ids) = across?;
        let today = self.engine.today();
        // The findings in the workspace's own files, by file; the rest are in the files that
        // builds and renders read.
        let file_of: HashMap<*const Source, &PathBuf> = self
            .files
            .iter()
            .zip(&owned)
            .filter(|(_, owned)| !**owned)
            .map(|((path, f), _)| (Arc::as_ptr(&f.source), path))
            .collect();
        let mut in_files: HashMap<PathBuf, Vec<Diagnostic>> = HashMap::new();
        let mut rest = Vec::new();
        for d in shared.into_iter().chain(across) {
            match d
                .location
                .as_ref()
                .and_then(|l| file_of.get(&Arc::as_ptr(&l.source)))
            {
                Some(path) => in_files.entry((*path).clone()).or_default().push(d),
                None => rest.push(d),
            }
        }
        // Files settle on their own, in parallel (at start-up every file does).
        let engine = &self.engine;
        let jobs: Vec<(&PathBuf, &mut FileState, bool, Vec<Diagnostic>)> = self
            .files
            .iter_mut()
            .zip(&owned)
            .map(|((path, state), owned)| {
                let across = in_files.remove(path).unwrap_or_default();
                (path, state, *owned, across)
            })
            .collect();
        let mut by_path: BTreeMap<PathBuf, Arc<Vec<Diagnostic>>> = jobs
            .into_par_iter()
            .map(|(path, state, owned, across)| {
                if owned {
                    return (path.clone(), Arc::default());
                }
                let current = state.finished.as_ref().filter(|f| {
                    raw_ids.is_empty() && f.today == today && same_findings(&f.across, &across)
                });
                if let Some(finished) = current {
                    return (path.clone(), finished.list.clone());
                }
                let mut list = state.diagnostics.clone();
                list.extend(across.iter().cloned());
                let list = Arc::new(engine.settle(
                    list,
                    std::slice::from_ref(&state.source),
                    &state.objects,
                    &raw_ids,
                ));
                state.finished = Some(Finished {
                    across,
                    today: today.clone(),
                    list: list.clone(),
                });
                (path.clone(), list)
            })
            .collect();
        if rest.is_empty() {
            return Some(by_path);
        }
        // The builds' and renders' findings, settled over their own sources and objects.
        let mut others: Vec<Object> = Vec::new();
        if let Some(built) = &mut self.built {
            others.append(&mut built.objects);
        }
        let mut rendered_counts = Vec::with_capacity(self.rendered.len());
        for rendered in self.rendered.values_mut() {
            rendered_counts.push(rendered.objects.len());
            others.append(&mut rendered.objects);
        }
        let mut out = self
            .engine
            .settle(rest, &sources[files_end..], &others, &raw_ids);
        let mut others = others.into_iter();
        if let Some(built) = &mut self.built {
            built.objects = others.by_ref().take(built_count).collect();
        }
        for (rendered, count) in self.rendered.values_mut().zip(rendered_counts) {
            rendered.objects = others.by_ref().take(count).collect();
        }
        // Findings on rendered objects get their values keys and renders, as `lint` gives them.
        for rendered in self.rendered.values() {
            out = rendered.renders.explain(out);
        }
        // Findings on built objects get their chains of builds.
        if let Some(built) = &self.built {
            out = built.trees.explain(out);
        }
        let mut added: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
        for d in out {
            let Some(location) = &d.location else {
                continue;
            };
            // A finding of a build or a render is in the file it came from, by name.
            let path = PathBuf::from(location.source.name());
            if by_path.contains_key(&path)
                || path.is_absolute() && self.roots.iter().any(|r| path.starts_with(r))
            {
                added.entry(path).or_default().push(d);
            }
        }
        for (path, list) in added {
            let entry = by_path.entry(path).or_default();
            let mut merged = entry.as_ref().clone();
            merged.extend(list);
            plimsoll_core::sort_diagnostics(&mut merged);
            *entry = Arc::new(merged);
        }
        Some(by_path)
    }
}

/// Whether two lists of findings are the same findings, in the same places of the same
/// texts (sources by identity: a file read again is another text).
fn same_findings(a: &[Diagnostic], b: &[Diagnostic]) -> bool {
    fn same_place(
        a: Option<&plimsoll_core::Location>,
        b: Option<&plimsoll_core::Location>,
    ) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => {
                Arc::ptr_eq(&a.source, &b.source) && a.span == b.span && a.template == b.template
            }
            _ => false,
        }
    }
    a.len() == b.len()
        && a.iter().zip(b).all(|(a, b)| {
            a.rule == b.rule
                && a.severity == b.severity
                && a.message == b.message
                && a.help == b.help
                && a.note == b.note
                && a.object == b.object
                && a.pointer == b.pointer
                && a.extra == b.extra
                && same_place(a.location.as_ref(), b.location.as_ref())
                && a.related.len() == b.related.len()
                && a.related.iter().zip(&b.related).all(|(a, b)| {
                    a.message == b.message && same_place(a.location.as_ref(), b.location.as_ref())
                })
        })
}

/// An engine for `config`; when its policies do not compile, an engine without them (that
/// still knows their folders, so that [`Workspace::reload_policies`] adds them once they
/// compile) and the problems, so that the editor keeps checking manifests meanwhile.
pub fn engine_keeping_going(
    make: impl Fn() -> Config,
) -> Result<(Engine, Vec<String>), EngineError> {
    match Engine::new(make()) {
        Ok(engine) => Ok((engine, Vec::new())),
        Err(EngineError::Policy(problems)) => {
            let mut config = make();
            let folders = std::mem::take(&mut config.policies);
            let mut engine = Engine::new(config)?;
            engine.config.policies = folders;
            Ok((engine, problems))
        }
        Err(error) => Err(error),
    }
}

impl Engine {
    /// The stages across objects over objects kept by a [`Workspace`], as a batch run has
    /// them in `finish`: cross-object rules, policies (their messages masked where they quote
    /// a secret), admission policies. With the rule ids whose messages are left as they are.
    /// `None` when `cancel` was raised: the cross-object rules and the policies look at it
    /// for each object, the other stages between them.
    fn across_objects(
        &self,
        sources: &[Arc<Source>],
        objects: &[Object],
        cancel: &AtomicBool,
    ) -> Option<(Vec<Diagnostic>, std::collections::HashSet<String>)> {
        let go_on = || (!cancel.load(Ordering::Relaxed)).then_some(());
        let mut diagnostics = Vec::new();
        if let Some(schemas) = &self.schemas {
            diagnostics.extend(schemas.startup.iter().cloned());
        }
        go_on()?;
        if let Some(rules) = &self.cross_rules {
            diagnostics.extend(rules.check_until(objects, cancel)?);
        }
        go_on()?;
        let mut raw_ids = std::collections::HashSet::new();
        if let Some(policies) = self.policies.as_ref().filter(|p| !p.is_empty()) {
            let mut found = self.evaluate_policies_until(policies, objects, cancel)?;
            if self.config.raw_policy_messages {
                raw_ids.extend(found.iter().map(|d| d.rule.to_string()));
            } else {
                let secrets = plimsoll_core::source::run_secrets(sources);
                plimsoll_core::source::scrub_diagnostics(&mut found, &secrets, |_| true);
            }
            diagnostics.extend(found);
        }
        go_on()?;
        diagnostics.extend(crate::vap::evaluate(
            objects,
            &self.policy_context,
            &self.config.admission_user,
            self.config.kubernetes_version.as_deref(),
        ));
        go_on()?;
        Some((diagnostics, raw_ids))
    }

    /// The day suppressions are checked against.
    fn today(&self) -> String {
        self.config
            .today
            .clone()
            .unwrap_or_else(crate::suppress::today)
    }

    /// Settings, suppressions and order over findings located in `sources` (with their
    /// objects), as `finish` gives them: each file's suppressions apply to its findings
    /// alone, so files settled one at a time get what a whole run gives them.
    fn settle(
        &self,
        mut diagnostics: Vec<Diagnostic>,
        sources: &[Arc<Source>],
        objects: &[Object],
        raw_ids: &std::collections::HashSet<String>,
    ) -> Vec<Diagnostic> {
        self.apply_overrides(&mut diagnostics);
        let mut diagnostics = self.suppress(diagnostics, sources, objects);
        self.apply_overrides(&mut diagnostics);
        plimsoll_core::source::scrub_diagnostics(
            diagnostics
                .iter_mut()
                .filter(|d| !raw_ids.contains(d.rule.as_ref())),
            &[],
            |_| false,
        );
        plimsoll_core::sort_diagnostics(&mut diagnostics);
        diagnostics
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plimsoll_core::Severity;

    fn deployment(name: &str, image: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: app\n          image: {image}\n"
        )
    }

    fn lint_ids(dir: &Path) -> Vec<(String, String, u32)> {
        let report = crate::lint(
            &[crate::Input::Path(dir.to_path_buf())],
            Config {
                today: Some("2026-01-01".into()),
                ..Config::default()
            },
        )
        .unwrap();
        report
            .diagnostics
            .iter()
            .map(|d| {
                let l = d.location.as_ref().unwrap();
                (d.rule.to_string(), l.file().to_owned(), l.span.start)
            })
            .collect()
    }

    fn workspace_ids(ws: &mut Workspace) -> Vec<(String, String, u32)> {
        ws.diagnostics()
            .into_values()
            .flat_map(|l| l.as_ref().clone())
            .map(|d| {
                let l = d.location.as_ref().unwrap();
                (d.rule.to_string(), l.file().to_owned(), l.span.start)
            })
            .collect()
    }

    fn workspace(dir: &Path) -> Workspace {
        let engine = Engine::new(Config {
            today: Some("2026-01-01".into()),
            ..Config::default()
        })
        .unwrap();
        let mut ws = Workspace::new(engine, vec![dir.to_path_buf()]);
        ws.load().unwrap();
        ws
    }

    #[test]
    fn the_workspace_finds_what_lint_finds() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), deployment("a", "nginx:latest")).unwrap();
        std::fs::write(
            dir.path().join("svc.yaml"),
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector: {app: nobody}\n  ports: [{port: 80}]\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("values.yaml"), "replicas: 2\n").unwrap();
        let mut ws = workspace(dir.path());
        let expected = lint_ids(dir.path());
        assert!(
            expected
                .iter()
                .any(|(id, _, _)| id == "service-selector-matches-nothing")
        );
        assert_eq!(workspace_ids(&mut ws), expected);
    }

    #[test]
    fn a_buffer_replaces_its_file_and_cross_object_rules_see_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), deployment("a", "nginx:1.27")).unwrap();
        std::fs::write(
            dir.path().join("svc.yaml"),
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector: {app: b}\n  ports: [{port: 80}]\n",
        )
        .unwrap();
        let mut ws = workspace(dir.path());
        let has = |ws: &mut Workspace, id: &str| workspace_ids(ws).iter().any(|(r, _, _)| r == id);
        assert!(has(&mut ws, "service-selector-matches-nothing"));
        let path = dir.path().join("a.yaml");
        ws.set_buffer(path.clone(), deployment("b", "nginx:1.27"));
        assert!(!has(&mut ws, "service-selector-matches-nothing"));
        // Closing the buffer brings the file on disk back.
        ws.close_buffer(&path);
        assert!(has(&mut ws, "service-selector-matches-nothing"));
    }

    #[test]
    fn a_raised_cancellation_flag_stops_the_stages_across_objects() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), deployment("a", "nginx:latest")).unwrap();
        let mut ws = workspace(dir.path());
        let flag = Arc::new(AtomicBool::new(true));
        ws.set_cancel(flag.clone());
        assert!(ws.cancelled());
        assert!(ws.try_diagnostics().is_none());
        // The objects are kept: lowered, the flag lets the same findings through.
        flag.store(false, Ordering::Relaxed);
        let ids: Vec<String> = workspace_ids(&mut ws).into_iter().map(|x| x.0).collect();
        assert!(ids.contains(&"latest-image-tag".to_owned()), "{ids:?}");
        assert_eq!(ws.try_diagnostics().map(|d| d.len()), Some(1));
    }

    #[test]
    fn the_cross_object_rules_and_the_policies_look_at_the_flag_for_each_object() {
        let dir = tempfile::tempdir().unwrap();
        let policy = dir.path().join("policy");
        std::fs::create_dir(&policy).unwrap();
        std::fs::write(
            policy.join("deny.rego"),
            "package main\n\nimport rego.v1\n\ndeny contains msg if {\n  input.kind == \"Deployment\"\n  msg := \"no\"\n}\n",
        )
        .unwrap();
        let engine = Engine::new(Config {
            policies: vec![policy],
            ..Config::default()
        })
        .unwrap();
        let objects: Vec<Object> = (0..4)
            .flat_map(|i| {
                let text = deployment(&format!("d{i}"), "nginx:1.27");
                plimsoll_core::load_text("d.yaml", text, Discovery::Walked, &Default::default())
                    .objects
            })
            .collect();
        let (rules, policies) = (
            engine.cross_rules.as_ref().unwrap(),
            engine.policies.as_ref().unwrap(),
        );
        let lowered = AtomicBool::new(false);
        assert!(rules.check_until(&objects, &lowered).is_some());
        let found = engine.evaluate_policies_until(policies, &objects, &lowered);
        assert_eq!(found.map(|d| d.len()), Some(4));
        // Raised, each stage gives up (the loop over objects skips what is left).
        let raised = AtomicBool::new(true);
        assert!(rules.check_until(&objects, &raised).is_none());
        assert!(
            engine
                .evaluate_policies_until(policies, &objects, &raised)
                .is_none()
        );
    }

    #[test]
    fn kustomize_builds_read_open_buffers_and_report_at_the_origin() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("base")).unwrap();
        std::fs::create_dir_all(root.join("overlay")).unwrap();
        std::fs::write(
            root.join("base/deploy.yaml"),
            deployment("web", "nginx:1.27"),
        )
        .unwrap();
        std::fs::write(
            root.join("base/kustomization.yaml"),
            "resources: [deploy.yaml]\n",
        )
        .unwrap();
        std::fs::write(
            root.join("overlay/kustomization.yaml"),
            "resources: [../base]\nnamePrefix: prod-\npatches: [{path: patch.yaml}]\n",
        )
        .unwrap();
        let patch =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n";
        std::fs::write(root.join("overlay/patch.yaml"), patch).unwrap();
        let mut ws = workspace(&root);
        // The same findings as lint, which checks the tree through its build.
        assert_eq!(workspace_ids(&mut ws), lint_ids(&root));
        let latest = |ws: &mut Workspace| -> Vec<(PathBuf, usize)> {
            ws.diagnostics()
                .into_iter()
                .flat_map(|(path, list)| {
                    list.as_ref()
                        .clone()
                        .into_iter()
                        .filter(|d| d.rule == "latest-image-tag")
                        .map(move |d| (path.clone(), d.related.len()))
                })
                .collect()
        };
        assert!(latest(&mut ws).is_empty());
        // An unsaved edit of the base: the build's finding shows in the base, with the chain.
        let base = root.join("base/deploy.yaml");
        ws.set_buffer(base.clone(), deployment("web", "nginx:latest"));
        let found = latest(&mut ws);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, base);
        assert!(found[0].1 >= 1);
        // An unsaved patch that sets the image: the finding moves to the patch.
        ws.set_buffer(base.clone(), deployment("web", "nginx:1.27"));
        let patch_path = root.join("overlay/patch.yaml");
        ws.set_buffer(
            patch_path.clone(),
            format!("{patch}  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx:latest\n"),
        );
        let found = latest(&mut ws);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, patch_path);
        // Closed, the files on disk count again.
        ws.close_buffer(&patch_path);
        ws.close_buffer(&base);
        assert!(latest(&mut ws).is_empty());
    }

    /// A chart whose Deployment takes its image tag from the values, and an engine that
    /// renders with `PLIMSOLL_HELM` (without it, with a helm that is not there).
    fn chart(root: &Path) -> (impl Fn() -> Config, bool) {
        let chart = root.join("shop");
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        std::fs::write(
            chart.join("Chart.yaml"),
            "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
        )
        .unwrap();
        std::fs::write(chart.join("values.yaml"), "image:\n  tag: \"1.27\"\n").unwrap();
        std::fs::write(
            chart.join("templates/deploy.yaml"),
            deployment("web", "nginx:{{ .Values.image.tag }}"),
        )
        .unwrap();
        let helm = std::env::var_os("PLIMSOLL_HELM").map(PathBuf::from);
        let found = helm.is_some();
        let binary = helm.unwrap_or_else(|| root.join("no-helm"));
        let config = move || Config {
            today: Some("2026-01-01".into()),
            helm: crate::helm::HelmConfig {
                binary: Some(binary.clone()),
                ..crate::helm::HelmConfig::default()
            },
            ..Config::default()
        };
        (config, found)
    }

    type Found = Vec<(String, String, u32, String, Vec<String>)>;

    fn described(list: impl IntoIterator<Item = Diagnostic>) -> Found {
        list.into_iter()
            .map(|d| {
                let l = d.location.as_ref().unwrap();
                let related = d
                    .related
                    .iter()
                    .map(|r| {
                        let at = r
                            .location
                            .as_ref()
                            .map(|l| (l.file().to_owned(), l.span.start));
                        format!("{} {at:?}", r.message)
                    })
                    .collect();
                (
                    d.rule.to_string(),
                    l.file().to_owned(),
                    l.span.start,
                    d.message.clone(),
                    related,
                )
            })
            .collect()
    }

    #[test]
    fn an_open_chart_file_renders_the_chart_with_the_open_buffers() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let (config, helm) = chart(&root);
        let template = root.join("shop/templates/deploy.yaml");
        let values = root.join("shop/values.yaml");
        let lint = || {
            let report = crate::lint(&[crate::Input::Path(root.clone())], config()).unwrap();
            described(report.diagnostics)
        };
        let mut ws = Workspace::new(Engine::new(config()).unwrap(), vec![root.clone()]);
        ws.load().unwrap();
        let found = |ws: &mut Workspace| {
            described(
                ws.diagnostics()
                    .into_values()
                    .flat_map(|l| l.as_ref().clone()),
            )
        };
        // Not rendered before one of its files is open.
        assert!(found(&mut ws).is_empty(), "{:?}", found(&mut ws));
        let text = std::fs::read_to_string(&template).unwrap();
        ws.set_buffer(template.clone(), text.clone());
        // Open, the chart gives what lint gives.
        assert_eq!(found(&mut ws), lint());
        if !helm {
            let ids: Vec<String> = found(&mut ws).into_iter().map(|f| f.0).collect();
            assert_eq!(ids, ["helm-not-found"]);
            return;
        }
        let latest = |ws: &mut Workspace| -> Found {
            found(ws)
                .into_iter()
                .filter(|f| f.0 == "latest-image-tag")
                .collect()
        };
        assert!(latest(&mut ws).is_empty());
        // An unsaved edit of the template: the finding appears at its line, and goes.
        ws.set_buffer(
            template.clone(),
            text.replace("{{ .Values.image.tag }}", "latest"),
        );
        let at = latest(&mut ws);
        assert_eq!(at.len(), 1, "{at:?}");
        assert_eq!(at[0].1, template.display().to_string());
        assert_eq!(at[0].2 as usize, text.find("image:").unwrap());
        ws.set_buffer(template.clone(), text.clone());
        assert!(latest(&mut ws).is_empty());
        // An unsaved values file: the finding is at the template line, with the values key.
        ws.set_buffer(values.clone(), "image:\n  tag: latest\n".into());
        let at = latest(&mut ws);
        assert_eq!(at.len(), 1, "{at:?}");
        assert_eq!(at[0].1, template.display().to_string());
        assert!(
            at[0].4.iter().any(|r| r.starts_with("`image.tag` set here")
                && r.contains(&values.display().to_string())),
            "{at:?}"
        );
        // Saved, lint says the same.
        std::fs::write(&values, "image:\n  tag: latest\n").unwrap();
        assert_eq!(found(&mut ws), lint());
        // Closed, the chart is no longer rendered.
        ws.close_buffer(&values);
        ws.close_buffer(&template);
        assert!(found(&mut ws).is_empty());
    }

    #[test]
    fn a_sequence_of_edits_gives_what_a_full_check_gives() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let service = |app: &str| {
            format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector: {{app: {app}}}\n  ports: [{{port: 80}}]\n"
            )
        };
        let ignored = deployment("b", "nginx:latest").replace(
            "nginx:latest\n",
            "nginx:latest # plimsoll-ignore latest-image-tag\n",
        );
        std::fs::write(root.join("a.yaml"), deployment("a", "nginx:latest")).unwrap();
        std::fs::write(root.join("b.yaml"), &ignored).unwrap();
        std::fs::write(root.join("svc.yaml"), service("a")).unwrap();
        std::fs::write(
            root.join("pdb.yaml"),
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: p\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: {app: b}\n",
        )
        .unwrap();
        let mut ws = workspace(&root);
        type All = BTreeMap<PathBuf, Vec<(String, Severity, u32, String, Vec<String>)>>;
        let all = |found: &BTreeMap<PathBuf, Arc<Vec<Diagnostic>>>| -> All {
            found
                .iter()
                .map(|(path, list)| {
                    let list = described(list.iter().cloned())
                        .into_iter()
                        .zip(list.iter())
                        .map(|((rule, _, start, message, related), d)| {
                            (rule, d.severity, start, message, related)
                        })
                        .collect();
                    (path.clone(), list)
                })
                .collect()
        };
        let full = |ws: &Workspace| -> All {
            let mut fresh = workspace(&root);
            fresh.buffers = ws.buffers.clone();
            fresh.load().unwrap();
            all(&fresh.diagnostics())
        };
        let at = |name: &str| root.join(name);
        let edits: Vec<(&str, Option<String>)> = vec![
            ("a.yaml", Some(deployment("a", "nginx:1.27"))),
            ("svc.yaml", Some(service("nobody"))),
            ("a.yaml", Some(deployment("nobody", "nginx:latest"))),
            (
                "b.yaml",
                Some(ignored.replace(" # plimsoll-ignore latest-image-tag", "")),
            ),
            ("c.yaml", Some(deployment("nobody", "nginx:1.27"))),
            (
                "b.yaml",
                Some(deployment(
                    "c",
                    "nginx:1.27 # plimsoll-ignore privileged-container",
                )),
            ),
            (
                "a.yaml",
                Some(format!("{}---\nkind: [\n", deployment("a", "nginx:latest"))),
            ),
            ("pdb.yaml", Some("kind: PodDisruptionBudget\n".into())),
            ("a.yaml", None),
            ("c.yaml", None),
        ];
        let mut before = ws.diagnostics();
        assert_eq!(all(&before), full(&ws));
        for (name, text) in edits {
            match text {
                Some(text) => ws.set_buffer(at(name), text),
                None => ws.close_buffer(&at(name)),
            }
            let now = ws.diagnostics();
            assert_eq!(all(&now), full(&ws), "after an edit of {name}");
            // A file whose findings did not change keeps its list.
            for (path, list) in &now {
                if path != &at(name)
                    && let Some(old) = before.get(path)
                    && all(&BTreeMap::from([(path.clone(), old.clone())]))
                        == all(&BTreeMap::from([(path.clone(), list.clone())]))
                    && !path.ends_with("svc.yaml")
                    && !path.ends_with("pdb.yaml")
                {
                    assert!(Arc::ptr_eq(old, list), "{} settled again", path.display());
                }
            }
            before = now;
        }
    }

    #[test]
    fn a_half_typed_buffer_keeps_the_findings_of_the_documents_before_the_break() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = workspace(dir.path());
        let path = dir.path().join("a.yaml");
        let text = format!(
            "{}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n",
            deployment("a", "nginx:latest")
        );
        ws.set_buffer(path.clone(), text);
        let ids: Vec<String> = workspace_ids(&mut ws).into_iter().map(|x| x.0).collect();
        assert!(ids.contains(&"latest-image-tag".to_owned()), "{ids:?}");
        assert!(ids.contains(&"yaml-syntax".to_owned()), "{ids:?}");
    }
}
