//! Helm charts: finding them among the inputs, rendering each with `helm template` (every
//! render of every chart in parallel), loading the output, and locating every value of a
//! rendered object at the template line that wrote it (`plimsoll_helm::template`), with the
//! values key that set it as related information.
//!
//! The chart's own files are never linted as loose YAML (discovery leaves them out). Each
//! render is labelled `chart@render`; a finding that several renders of a chart produce at the
//! same template line is reported once, naming them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use plimsoll_core::{
    Diagnostic, Discovery, LoadOptions, LoadedFile, Location, Object, ObjectRef, OriginTree,
    Provenance, Related, Severity, Source, Span,
};
use plimsoll_helm::errors::HelmError;
pub use plimsoll_helm::render::Render;
use plimsoll_helm::render::{self, Target};
use plimsoll_helm::template::{Template, Trace, Traced};
use plimsoll_helm::values::{self, ValuesFile};
use rayon::prelude::*;
use serde_json::Value;

use crate::Input;

/// Rule ids of the Helm stage.
pub mod rule {
    /// No `helm` binary to render a chart with.
    pub const NOT_FOUND: &str = "helm-not-found";
    /// `helm template` failed in a template.
    pub const TEMPLATE_ERROR: &str = "helm-template-error";
    /// The values do not satisfy the chart's `values.schema.json`.
    pub const VALUES_SCHEMA: &str = "helm-values-schema";
    /// The chart's dependencies are not in its `charts/` folder.
    pub const MISSING_DEPENDENCIES: &str = "helm-missing-dependencies";
    /// Any other failure of `helm template`.
    pub const RENDER_ERROR: &str = "helm-render-error";
    pub const ALL: &[&str] = &[
        NOT_FOUND,
        TEMPLATE_ERROR,
        VALUES_SCHEMA,
        MISSING_DEPENDENCIES,
        RENDER_ERROR,
    ];
}

/// How charts are rendered: `helm:` in the configuration and the command-line flags.
#[derive(Clone, Debug)]
pub struct HelmConfig {
    /// Render charts (false: `--no-helm`, charts are left out).
    pub enabled: bool,
    /// The `helm` binary (default: `helm` on `PATH`).
    pub binary: Option<PathBuf>,
    /// Laid over every render: `--values`, `--set`, `--release`, the namespace.
    pub values: Vec<PathBuf>,
    pub set: Vec<String>,
    pub release: Option<String>,
    pub namespace: Option<String>,
    /// Renders listed per chart folder; a chart not listed gets its default renders.
    pub charts: BTreeMap<PathBuf, Vec<Render>>,
}

impl Default for HelmConfig {
    fn default() -> HelmConfig {
        HelmConfig {
            enabled: true,
            binary: None,
            values: Vec::new(),
            set: Vec::new(),
            release: None,
            namespace: None,
            charts: BTreeMap::new(),
        }
    }
}

/// A chart to render: a folder (or a `.tgz`) and the name helm gives it in `# Source:`.
#[derive(Clone, Debug)]
pub struct Chart {
    pub path: PathBuf,
    pub name: String,
    pub packaged: bool,
    /// Open buffers laid over the chart's files (the editor), none for a lint run.
    pub overlay: Option<Arc<Overlay>>,
}

/// Texts laid over a chart's files (an editor's unsaved buffers), by path. `helm` renders a
/// copy of the chart with them written in; the templates and values read to trace a render
/// are read from them first. Names and locations stay those of the chart's own files.
#[derive(Debug, Default)]
pub struct Overlay {
    pub texts: HashMap<PathBuf, String>,
}

impl Chart {
    /// A file of the chart as its renders read it: the overlay's text, else the disk.
    fn read(&self, path: &Path) -> Option<String> {
        read_through(self.overlay.as_deref(), path)
    }
}

fn read_through(overlay: Option<&Overlay>, path: &Path) -> Option<String> {
    if let Some(text) = overlay.and_then(|o| o.texts.get(path)) {
        return Some(text.clone());
    }
    std::fs::read_to_string(path).ok()
}

/// A copy of a chart folder with an overlay's texts written in, for `helm` to render; removed
/// when dropped.
struct ChartCopy {
    /// The temporary folder that holds the copy.
    base: PathBuf,
    /// The copy of the chart, inside `base`, under the chart's own folder name.
    chart: PathBuf,
}

impl ChartCopy {
    fn new(chart: &Path, overlay: &Overlay) -> std::io::Result<ChartCopy> {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let base = std::env::temp_dir().join(format!("plimsoll-chart-{}-{n}", std::process::id()));
        let copy = ChartCopy {
            chart: base.join(chart.file_name().unwrap_or_else(|| "chart".as_ref())),
            base,
        };
        copy_tree(chart, &copy.chart)?;
        for (file, text) in &overlay.texts {
            if let Ok(inside) = file.strip_prefix(chart) {
                let target = copy.chart.join(inside);
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(target, text)?;
            }
        }
        Ok(copy)
    }
}

impl Drop for ChartCopy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.base);
    }
}

/// Copies a folder, following links (as helm reads a chart), at most 32 folders deep: a link
/// to a parent folder is not followed forever.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    fn copy(from: &Path, to: &Path, depth: usize) -> std::io::Result<()> {
        if depth > 32 {
            return Ok(());
        }
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            let target = to.join(entry.file_name());
            if entry.path().is_dir() {
                copy(&entry.path(), &target, depth + 1)?;
            } else {
                std::fs::copy(entry.path(), target)?;
            }
        }
        Ok(())
    }
    copy(from, to, 0)
}

/// The charts among the inputs: folders named or found by walking that hold a `Chart.yaml`
/// (dependencies under another chart's `charts/` only when named), and named `.tgz` files.
pub fn find(
    inputs: &[Input],
    exclude: &globset::GlobSet,
) -> Result<Vec<Chart>, crate::EngineError> {
    let mut found = Vec::new();
    let mut named = Vec::new();
    let mut packaged = Vec::new();
    for input in inputs {
        let Input::Path(path) = input else { continue };
        if path.is_file() && plimsoll_helm::chart::is_packaged(path) {
            packaged.push(path.clone());
            continue;
        }
        if !path.is_dir() {
            continue;
        }
        if path.join(plimsoll_helm::chart::CHART_FILE).is_file() {
            named.push(path.clone());
        }
        for file in crate::discover::walk_files(path).iter().flatten() {
            if file.file_name().and_then(|n| n.to_str()) == Some(plimsoll_helm::chart::CHART_FILE)
                && !crate::discover::is_excluded(exclude, path, file)
                && let Some(dir) = file.parent()
            {
                found.push(dir.to_path_buf());
            }
        }
    }
    let mut charts: Vec<Chart> = plimsoll_helm::chart::roots(&found, &named)
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(path.join(plimsoll_helm::chart::CHART_FILE))
                .unwrap_or_default();
            let name = plimsoll_helm::chart::name(&text).unwrap_or_else(|| folder_name(&path));
            Chart {
                path,
                name,
                packaged: false,
                overlay: None,
            }
        })
        .collect();
    for path in packaged {
        let stem = folder_name(&path);
        // `shop-1.2.0.tgz` holds the chart `shop`.
        let name = match stem.rsplit_once('-') {
            Some((name, version)) if version.starts_with(|c: char| c.is_ascii_digit()) => {
                name.to_owned()
            }
            _ => stem.trim_end_matches(".tgz").to_owned(),
        };
        charts.push(Chart {
            path,
            name: name.trim_end_matches(".tgz").to_owned(),
            packaged: true,
            overlay: None,
        });
    }
    Ok(charts)
}

fn folder_name(path: &Path) -> String {
    path.file_stem()
        .or_else(|| path.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "chart".to_owned())
}

/// The `helm` binary to run: the one configured, or `helm` found on `PATH`.
pub fn binary(config: &HelmConfig) -> Option<PathBuf> {
    if let Some(path) = &config.binary {
        return Some(path.clone());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("helm"))
        .find(|candidate| candidate.is_file())
}

/// One render of one chart, ready to run.
struct Job<'a> {
    chart: &'a Chart,
    render: Render,
    label: String,
}

/// What a render produced.
struct Rendered {
    label: String,
    chart: usize,
    render: Render,
    outcome: Result<String, String>,
}

/// The renders of a run: their output loaded, with what is needed to explain findings.
#[derive(Default)]
pub struct Renders {
    /// Template sources of each render (by address), to find the render of a finding.
    sources: HashMap<usize, usize>,
    /// The rendered output of each render (by address): its `# plimsoll-ignore` comments
    /// are the templates', which apply at the template lines.
    rendered: std::collections::HashSet<usize>,
    renders: Vec<RenderInfo>,
}

struct RenderInfo {
    label: String,
    chart_path: PathBuf,
    /// The texts laid over the chart's files when it was rendered.
    overlay: Option<Arc<Overlay>>,
    chart_label: String,
    /// Objects by identity: their value and the template trace.
    objects: HashMap<ObjectRef, (Value, Arc<Traced>, Arc<TemplateFile>)>,
    /// Identities this render defines more than once.
    duplicates: std::collections::HashSet<ObjectRef>,
    /// `--set` entries and values files (lowest precedence first) of this render.
    sets: Vec<String>,
    set_source: Arc<Source>,
    values: Vec<(ValuesFile, Arc<Source>)>,
}

/// A template as read for one render.
struct TemplateFile {
    /// As helm names it: `shop/templates/x.yaml`, `shop/charts/cache/templates/y.yaml`.
    name: String,
    template: Option<Template>,
    source: Arc<Source>,
}

/// What rendering the charts of a run gave.
pub struct Rendering {
    /// The output of each render that succeeded, loaded.
    pub files: Vec<(Option<PathBuf>, LoadedFile)>,
    /// Helm missing, template errors, values-schema violations.
    pub diagnostics: Vec<Diagnostic>,
    pub renders: Renders,
}

/// Renders every chart, in parallel, and loads the output. Diagnostics of the renders
/// themselves (helm missing, template errors, values-schema violations) are returned too.
pub fn render_all(
    charts: &[Chart],
    config: &HelmConfig,
    kubernetes_version: &str,
    crd_api_versions: &[String],
    load: &LoadOptions,
) -> Rendering {
    let mut diagnostics = Vec::new();
    let mut renders = Renders::default();
    if charts.is_empty() || !config.enabled {
        return Rendering {
            files: Vec::new(),
            diagnostics,
            renders,
        };
    }
    let Some(helm) = binary(config) else {
        for chart in charts {
            diagnostics.push(not_found(chart, config.binary.as_deref()));
        }
        return Rendering {
            files: Vec::new(),
            diagnostics,
            renders,
        };
    };
    let mut api_versions = served_api_versions(kubernetes_version);
    api_versions.extend(crd_api_versions.iter().cloned());
    let mut jobs = Vec::new();
    for chart in charts {
        for render in renders_of(chart, config) {
            let label = render::label(&chart.name, &render.name);
            jobs.push(Job {
                chart,
                render,
                label,
            });
        }
    }
    let target = Target {
        kubernetes_version,
        api_versions: &api_versions,
    };
    // Charts with texts laid over are rendered from a copy with the texts written in.
    let copies: Vec<Option<ChartCopy>> = charts
        .iter()
        .map(|chart| {
            let overlay = chart.overlay.as_deref().filter(|o| !o.texts.is_empty())?;
            ChartCopy::new(&chart.path, overlay).ok()
        })
        .collect();
    let rendered: Vec<Rendered> = jobs
        .par_iter()
        .map(|job| {
            let index = charts
                .iter()
                .position(|c| std::ptr::eq(c, job.chart))
                .unwrap_or(0);
            let copy = copies.get(index).and_then(Option::as_ref);
            let folder = copy.map_or(job.chart.path.as_path(), |c| c.chart.as_path());
            let args = render::command_line(folder, &job.chart.name, &job.render, &target);
            // Messages name the chart's own folder, not the copy.
            let unmask = |text: String| match copy {
                Some(c) => text.replace(
                    &*c.chart.to_string_lossy(),
                    &job.chart.path.to_string_lossy(),
                ),
                None => text,
            };
            let outcome = match std::process::Command::new(&helm).args(&args).output() {
                Ok(out) if out.status.success() => {
                    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
                }
                Ok(out) => Err(unmask(String::from_utf8_lossy(&out.stderr).into_owned())),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    Err(format!("\u{0}not found: {error}"))
                }
                Err(error) => Err(format!("cannot run {}: {error}", helm.display())),
            };
            Rendered {
                label: job.label.clone(),
                chart: index,
                render: job.render.clone(),
                outcome,
            }
        })
        .collect();
    drop(copies);
    let loaded: Vec<(Option<LoadedFile>, Vec<Diagnostic>, RenderInfo)> = rendered
        .into_par_iter()
        .map(|r| {
            let chart = &charts[r.chart];
            let mut info = RenderInfo::new(chart, &r);
            match r.outcome {
                Ok(text) => {
                    let file = load_render(chart, &r.label, text, load, &mut info);
                    (Some(file), Vec::new(), info)
                }
                Err(stderr) if stderr.starts_with('\u{0}') => {
                    (None, vec![not_found(chart, Some(&helm))], info)
                }
                Err(stderr) => {
                    let diagnostics = failure(chart, &r.label, &stderr, &info);
                    (None, diagnostics, info)
                }
            }
        })
        .collect();
    let mut files = Vec::new();
    let mut not_found_charts = std::collections::HashSet::new();
    for (file, diags, info) in loaded {
        let index = renders.renders.len();
        for template in info.objects.values().map(|(_, _, t)| t) {
            renders.sources.insert(address(&template.source), index);
        }
        for d in diags {
            if d.rule == rule::NOT_FOUND && !not_found_charts.insert(info.chart_label.clone()) {
                continue;
            }
            diagnostics.push(d);
        }
        if let Some(file) = file {
            renders.rendered.insert(address(&file.source));
            files.push((None, file));
        }
        renders.renders.push(info);
    }
    Rendering {
        files,
        diagnostics,
        renders,
    }
}

impl RenderInfo {
    fn new(chart: &Chart, rendered: &Rendered) -> RenderInfo {
        let sets = rendered.render.set.clone();
        let set_source = Source::new("--set", sets.join("\n"));
        set_source.set_redactions(values::sensitive_set_spans(set_source.text()));
        let mut values = Vec::new();
        if !chart.packaged {
            let chart_values = chart.path.join("values.yaml");
            if let Some(text) = chart.read(&chart_values) {
                let name = crate::discover::display_name(&chart_values);
                values.push(values_source(name, text));
            }
        }
        for file in &rendered.render.values {
            let path = render::values_path(&chart.path, file);
            if let Some(text) = chart.read(&path) {
                let name = crate::discover::display_name(&path);
                values.push(values_source(name, text));
            }
        }
        RenderInfo {
            label: rendered.label.clone(),
            chart_path: chart.path.clone(),
            overlay: chart.overlay.clone(),
            chart_label: chart.name.clone(),
            objects: HashMap::new(),
            duplicates: std::collections::HashSet::new(),
            sets,
            set_source,
            values,
        }
    }
}

/// The renders of a chart: those configured for it, or its own values plus one per
/// `ci/*-values.yaml`; the command line's values, `--set`, release and namespace laid over.
fn renders_of(chart: &Chart, config: &HelmConfig) -> Vec<Render> {
    let base = Render {
        name: String::new(),
        values: config.values.clone(),
        set: config.set.clone(),
        release: config.release.clone(),
        namespace: config.namespace.clone(),
        ..Render::default()
    };
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let here = canonical(&chart.path);
    if let Some((_, listed)) = config
        .charts
        .iter()
        .find(|(path, _)| canonical(path) == here)
    {
        return listed
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.values.extend(base.values.iter().cloned());
                r.set.extend(base.set.iter().cloned());
                r.release = base.release.clone().or(r.release);
                r.namespace = base.namespace.clone().or(r.namespace);
                r
            })
            .collect();
    }
    let ci: Vec<String> = std::fs::read_dir(chart.path.join("ci"))
        .map(|dir| {
            dir.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    render::default_renders(&plimsoll_helm::chart::ci_values(&ci), &base)
}

/// Every group/version and group/version/kind the Kubernetes version serves.
fn served_api_versions(version: &str) -> Vec<String> {
    match plimsoll_schemas::Catalog::new(version) {
        Ok(catalog) => render::api_versions(&catalog.builtin_kinds()),
        Err(_) => Vec::new(),
    }
}

/// The group/versions and group/version/kinds that CustomResourceDefinitions serve.
pub fn crd_api_versions<'a>(objects: impl Iterator<Item = &'a Object>) -> Vec<String> {
    let mut out = Vec::new();
    for object in objects.filter(|o| crate::schema::is_crd(o)) {
        let spec = object.value.get("spec");
        let group = spec.and_then(|s| s.get("group")).and_then(Value::as_str);
        let kind = spec
            .and_then(|s| s.get("names"))
            .and_then(|n| n.get("kind"))
            .and_then(Value::as_str);
        let versions = spec
            .and_then(|s| s.get("versions"))
            .and_then(Value::as_array);
        if let (Some(group), Some(kind), Some(versions)) = (group, kind, versions) {
            for v in versions.iter().filter_map(|v| v.get("name")?.as_str()) {
                out.push(format!("{group}/{v}"));
                out.push(format!("{group}/{v}/{kind}"));
            }
        }
    }
    out
}

/// The group/versions and group/version/kinds served by the CRDs of the `--crds` folders
/// (files that cannot be read are reported by the schema stage).
pub fn crd_folder_api_versions(folders: &[PathBuf], load: &LoadOptions) -> Vec<String> {
    if folders.is_empty() {
        return Vec::new();
    }
    let inputs: Vec<Input> = folders.iter().cloned().map(Input::Path).collect();
    let config = crate::Config {
        load: load.clone(),
        ..crate::Config::default()
    };
    crate::load(&inputs, &config)
        .map(|loaded| crd_api_versions(loaded.objects()))
        .unwrap_or_default()
}

/// Loads a render's output and gives each object its origins in the chart's templates.
fn load_render(
    chart: &Chart,
    label: &str,
    text: String,
    options: &LoadOptions,
    info: &mut RenderInfo,
) -> LoadedFile {
    let mut file = plimsoll_core::load_text(label, text, Discovery::Explicit, options);
    let mut templates: HashMap<Arc<str>, Arc<TemplateFile>> = HashMap::new();
    // Rendered documents per template, in order, to pair them with template documents.
    let mut seen: HashMap<Arc<str>, usize> = HashMap::new();
    let mut counts: HashMap<Arc<str>, usize> = HashMap::new();
    for object in &file.objects {
        if let Some(t) = &object.template {
            *counts.entry(t.clone()).or_default() += 1;
        }
    }
    let chain: Vec<Arc<str>> = vec![format!("helm {label}").into()];
    for object in &mut file.objects {
        let Some(name) = object.template.clone() else {
            continue;
        };
        let template = templates
            .entry(name.clone())
            .or_insert_with(|| Arc::new(read_template(chart, &name)))
            .clone();
        let occurrence = {
            let n = seen.entry(name.clone()).or_default();
            *n += 1;
            *n - 1
        };
        let traced = match &template.template {
            Some(t) => {
                let document = t.document_for(&object.value).or_else(|| {
                    (counts.get(&name).copied() == Some(t.documents())).then_some(occurrence)
                });
                match document {
                    Some(d) => t.trace(d, &object.value),
                    None => unknown(),
                }
            }
            None => unknown(),
        };
        let tree = origin_tree(&traced, &template);
        object.provenance = Some(Arc::new(Provenance {
            tree,
            chain: chain.clone(),
        }));
        let identity = object.identity();
        if info.objects.contains_key(&identity) {
            info.duplicates.insert(identity.clone());
        }
        info.objects
            .insert(identity, (object.value.clone(), Arc::new(traced), template));
    }
    file
}

fn unknown() -> Traced {
    Traced {
        trace: Trace::Unknown,
        block: false,
        writer: None,
        children: Vec::new(),
    }
}

/// The file a `# Source:` path names (`shop/templates/x.yaml`: the chart's name, then the
/// path inside the chart), read and traced; a template inside a packaged chart is known by
/// name only.
fn read_template(chart: &Chart, name: &str) -> TemplateFile {
    let inside = name.split_once('/').map_or(name, |(_, rest)| rest);
    let path = chart.path.join(inside);
    let display = if chart.packaged {
        format!("{}/{}", crate::discover::display_name(&chart.path), inside)
    } else {
        crate::discover::display_name(&path)
    };
    match (chart.packaged, chart.read(&path)) {
        (false, Some(text)) => TemplateFile {
            name: name.to_owned(),
            template: Some(Template::new(&text)),
            source: Source::new(display, text),
        },
        _ => TemplateFile {
            name: name.to_owned(),
            template: None,
            source: Source::new(display, String::new()),
        },
    }
}

const UNKNOWN_LINE: &str = "template line unknown";

/// The origin tree of a traced document: every node at its template line; a node whose line
/// is unknown at the template file, with a note that says so.
fn origin_tree(traced: &Traced, template: &TemplateFile) -> OriginTree {
    let (location, note) = match (&traced.trace, &template.template) {
        (Trace::Line(line), Some(t)) => {
            let (start, end) = t.line_span(*line);
            (
                Location {
                    source: template.source.clone(),
                    span: Span::new(start, end),
                    template: None,
                },
                None,
            )
        }
        _ => (
            Location {
                source: template.source.clone(),
                span: Span::empty_at(0),
                template: None,
            },
            Some(Arc::<str>::from(UNKNOWN_LINE)),
        ),
    };
    let set = OriginTree::Set { location, note };
    if traced.children.is_empty() {
        return set;
    }
    OriginTree::Mixed {
        base: Some(Box::new(set)),
        children: traced
            .children
            .iter()
            .map(|(key, child)| (key.clone(), origin_tree(child, template)))
            .collect(),
    }
}

/// The diagnostic for a chart that cannot be rendered for want of helm.
fn not_found(chart: &Chart, configured: Option<&Path>) -> Diagnostic {
    let what = match configured {
        Some(path) => format!("`{}` cannot be run", path.display()),
        None => "`helm` is not on PATH".to_owned(),
    };
    let mut d = Diagnostic::new(
        rule::NOT_FOUND,
        Severity::Error,
        format!("chart `{}` is not rendered: {what}", chart.name),
    )
    .with_help(format!(
        "install Helm 3 or 4 (https://helm.sh/docs/intro/install/) or pass --helm PATH; or render it yourself: helm template {} {} | plimsoll lint -",
        chart.name,
        crate::discover::display_name(&chart.path)
    ))
    .with_note("--no-helm leaves charts out");
    d.location = chart_file_location(chart, None);
    d
}

/// A location in the chart's `Chart.yaml` (at the line of `key`, or its first line).
fn chart_file_location(chart: &Chart, key: Option<&str>) -> Option<Location> {
    let path = chart.path.join(plimsoll_helm::chart::CHART_FILE);
    let text = if chart.packaged {
        String::new()
    } else {
        chart.read(&path)?
    };
    let name = if chart.packaged {
        crate::discover::display_name(&chart.path)
    } else {
        crate::discover::display_name(&path)
    };
    let span = key
        .and_then(|k| {
            text.lines()
                .scan(0usize, |at, line| {
                    let start = *at;
                    *at += line.len() + 1;
                    Some((start, line))
                })
                .find(|(_, line)| line.starts_with(&format!("{k}:")))
                .map(|(start, line)| Span::new(start, start + line.len()))
        })
        .unwrap_or_else(|| {
            let end = text.find('\n').unwrap_or(text.len());
            Span::new(0, end)
        });
    Some(Location {
        source: Source::new(name, text),
        span,
        template: None,
    })
}

/// Diagnostics for a render that failed.
fn failure(chart: &Chart, label: &str, stderr: &str, info: &RenderInfo) -> Vec<Diagnostic> {
    let in_render = format!("in render {label}");
    plimsoll_helm::errors::parse(stderr)
        .into_iter()
        .map(|error| match error {
            HelmError::Template {
                file,
                line,
                column,
                message,
            } => {
                let template = read_template(chart, &file);
                let mut d = Diagnostic::new(
                    rule::TEMPLATE_ERROR,
                    Severity::Error,
                    format!("helm cannot render `{file}`: {message}"),
                )
                .with_note(format!("{in_render}; the render yields no objects"));
                d.location = Some(line_location(&template, line, column));
                d
            }
            HelmError::Output {
                file,
                output_line,
                message,
            } => {
                let template = read_template(chart, &file);
                let at = output_line
                    .map(|l| format!(" (line {l} of its output)"))
                    .unwrap_or_default();
                let mut d = Diagnostic::new(
                    rule::TEMPLATE_ERROR,
                    Severity::Error,
                    format!("`{file}` renders text that is not YAML{at}: {message}"),
                )
                .with_note(format!(
                    "{in_render}; {UNKNOWN_LINE}; the render yields no objects"
                ))
                .with_help(format!(
                    "look at the output with: helm template {} --debug",
                    crate::discover::display_name(&chart.path)
                ));
                d.location = Some(Location {
                    source: template.source.clone(),
                    span: Span::empty_at(0),
                    template: None,
                });
                d
            }
            HelmError::Schema {
                chart: schema_chart,
                path,
                message,
            } => {
                let key = if path.is_empty() {
                    "the values".to_owned()
                } else {
                    format!("`{}`", path.join("."))
                };
                let mut d = Diagnostic::new(
                    rule::VALUES_SCHEMA,
                    Severity::Error,
                    format!(
                        "{key} does not satisfy the values schema of chart `{schema_chart}`: {message}"
                    ),
                )
                .with_note(format!("{in_render}; the render yields no objects"))
                .with_help("fix the value, or the values.schema.json of the chart");
                d.location = values_key_location(info, &path).or_else(|| {
                    let schema = chart.path.join("values.schema.json");
                    let text = chart.read(&schema)?;
                    let end = text.find('\n').unwrap_or(text.len());
                    Some(Location {
                        source: Source::new(crate::discover::display_name(&schema), text),
                        span: Span::new(0, end),
                        template: None,
                    })
                });
                d
            }
            HelmError::MissingDependencies { names, .. } => {
                let mut d = Diagnostic::new(
                    rule::MISSING_DEPENDENCIES,
                    Severity::Error,
                    format!(
                        "chart `{}` is not rendered: its dependencies {} are missing from charts/",
                        chart.name,
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .with_help(format!(
                    "run `helm dependency build {}`",
                    crate::discover::display_name(&chart.path)
                ))
                .with_note(in_render.clone());
                d.location = chart_file_location(chart, Some("dependencies"));
                d
            }
            HelmError::Other(message) => {
                let mut d = Diagnostic::new(
                    rule::RENDER_ERROR,
                    Severity::Error,
                    format!("helm cannot render chart `{}`: {}", chart.name, message.trim()),
                )
                .with_note(in_render.clone());
                d.location = chart_file_location(chart, None);
                d
            }
        })
        .collect()
}

fn line_location(template: &TemplateFile, line: Option<u32>, column: Option<u32>) -> Location {
    let source = template.source.clone();
    let span = match (line, &template.template) {
        (Some(line), Some(t)) if line >= 1 && (line as usize) <= source.line_count() => {
            let (start, end) = t.line_span(line as usize - 1);
            match column {
                Some(c) if c >= 1 => {
                    let line_start = source.line_start(line as usize - 1);
                    let at = (line_start + c as usize - 1).clamp(start, end);
                    Span::new(at, end)
                }
                _ => Span::new(start, end),
            }
        }
        _ => Span::empty_at(0),
    };
    Location {
        source,
        span,
        template: None,
    }
}

/// Where a values path was set, by precedence, whatever its value.
fn values_key_location(info: &RenderInfo, path: &[String]) -> Option<Location> {
    if path.is_empty() {
        return None;
    }
    let joined = path.join(".");
    if let Some(index) = info.sets.iter().rposition(|s| {
        s.split(',')
            .any(|p| p.split_once('=').is_some_and(|(k, _)| k.trim() == joined))
    }) {
        return Some(set_location(info, index));
    }
    info.values.iter().rev().find_map(|(file, source)| {
        let (_, span) = file.get(path)?;
        Some(Location {
            source: source.clone(),
            span,
            template: None,
        })
    })
}

impl RenderInfo {
    /// Where the value at a `.Values` path of a template, rendered as `rendered`, was set.
    /// A subchart's template (`shop/charts/cache/templates/x.yaml`) reads `.Values.a` from the
    /// parent's `cache.a` first, then from the subchart's own `values.yaml`.
    fn values_origin(
        &self,
        template: &str,
        path: Vec<String>,
        rendered: &Value,
    ) -> Option<(Location, Vec<String>, values::Match)> {
        let parts: Vec<&str> = template.split('/').collect();
        let mut prefix: Vec<String> = Vec::new();
        let mut sub_dir = self.chart_path.clone();
        for pair in parts.windows(2).skip(1) {
            if pair[0] == "charts" {
                prefix.push(pair[1].to_owned());
                sub_dir = sub_dir.join("charts").join(pair[1]);
            }
        }
        let mut full = prefix.clone();
        full.extend(path.iter().cloned());
        let files: Vec<&ValuesFile> = self.values.iter().map(|(f, _)| f).collect();
        if let Some((found, rank)) = values::origin(&full, rendered, &self.sets, &files) {
            let location = match found {
                values::Origin::Set { index } => set_location(self, index),
                values::Origin::File { file, span } => Location {
                    source: self.values[file].1.clone(),
                    span,
                    template: None,
                },
            };
            return Some((location, full, rank));
        }
        if prefix.is_empty() {
            return None;
        }
        let own = sub_dir.join("values.yaml");
        let text = read_through(self.overlay.as_deref(), &own)?;
        let name = crate::discover::display_name(&own);
        let file = ValuesFile::parse(&name, text.clone());
        match values::origin(&path, rendered, &[], &[&file])? {
            (values::Origin::File { span, .. }, rank) => Some((
                Location {
                    source: Source::new(name, text),
                    span,
                    template: None,
                },
                path,
                rank,
            )),
            (values::Origin::Set { .. }, _) => None,
        }
    }
}

fn set_location(info: &RenderInfo, index: usize) -> Location {
    let start: usize = info.sets[..index].iter().map(|s| s.len() + 1).sum();
    Location {
        source: info.set_source.clone(),
        span: Span::new(start, start + info.sets[index].len()),
        template: None,
    }
}

impl Renders {
    pub fn is_empty(&self) -> bool {
        self.renders.is_empty()
    }

    /// Adds to each finding on a rendered object the values key that set its value and the
    /// render that produced it, then merges the findings several renders produce at the same
    /// place into one that names them.
    pub fn explain(&self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        if self.renders.is_empty() {
            return diagnostics;
        }
        let mut out: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
        // Key of a finding at a template line → its index in `out` and the renders.
        let mut merged: HashMap<MergeKey, (usize, Vec<usize>)> = HashMap::new();
        for mut d in diagnostics {
            if matches!(&*d.rule, "unused-suppression" | "expired-suppression")
                && d.location
                    .as_ref()
                    .is_some_and(|l| self.rendered.contains(&address(&l.source)))
            {
                continue;
            }
            let render = d
                .location
                .as_ref()
                .and_then(|l| self.sources.get(&address(&l.source)))
                .copied();
            let Some(index) = render else {
                out.push(d);
                continue;
            };
            // Renders of a chart are alternatives, not objects applied together: the same
            // object in two of them is not a duplicate.
            if d.rule == "duplicate-object"
                && d.object
                    .as_ref()
                    .is_some_and(|o| !self.renders[index].duplicates.contains(o))
            {
                continue;
            }
            let key = MergeKey::of(&d);
            if let Some((_, renders)) = merged.get_mut(&key) {
                if !renders.contains(&index) {
                    renders.push(index);
                }
                continue;
            }
            self.annotate(&self.renders[index], &mut d);
            merged.insert(key, (out.len(), vec![index]));
            out.push(d);
        }
        for (index, renders) in merged.values_mut() {
            renders.sort_unstable();
            let labels: Vec<&str> = renders
                .iter()
                .map(|&r| self.renders[r].label.as_str())
                .collect();
            let d = &mut out[*index];
            let names = if labels.len() == 1 {
                format!("in render {}", labels[0])
            } else {
                format!("in renders {}", labels.join(", "))
            };
            d.note = Some(
                match d.note.take() {
                    Some(note) if note.contains(UNKNOWN_LINE) => format!("{names}; {note}"),
                    Some(note) => format!("{note}\n{names}"),
                    None => names,
                }
                .into(),
            );
            for label in &labels {
                d.related.push(Related {
                    message: format!("rendered by helm as {label}"),
                    location: None,
                });
            }
        }
        out
    }

    /// Adds the values key and the "line unknown" note to a finding of one render.
    #[allow(clippy::too_many_lines)]
    fn annotate(&self, render: &RenderInfo, d: &mut Diagnostic) {
        let (Some(object), Some(pointer)) = (&d.object, &d.pointer) else {
            return;
        };
        let Some((value, traced, template)) = render.objects.get(object) else {
            return;
        };
        let (node, depth) = traced.reach(pointer);
        let Trace::Line(line) = node.trace else {
            if d.note.as_deref().is_none_or(|n| !n.contains(UNKNOWN_LINE)) {
                d.note = Some(match d.note.take() {
                    Some(note) => format!("{UNKNOWN_LINE}\n{note}").into(),
                    None => UNKNOWN_LINE.into(),
                });
            }
            return;
        };
        let Some(t) = &template.template else { return };
        let tokens: Vec<String> = pointer
            .strip_prefix('/')
            .map(|p| {
                p.split('/')
                    .map(|t| t.replace("~1", "/").replace("~0", "~"))
                    .collect()
            })
            .unwrap_or_default();
        // The deepest node of the pointer that the rendered object has.
        let mut existing = 0;
        let mut at = value;
        for token in &tokens {
            let next = match at {
                Value::Object(map) => map.get(token),
                Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(v) => {
                    at = v;
                    existing += 1;
                }
                None => break,
            }
        }
        // A block's `.Values` path leads to the parent of the node it wrote.
        let base = if node.block {
            depth.saturating_sub(1)
        } else {
            depth
        };
        let mut lines = vec![(line, base)];
        if let Some(writer) = node.writer {
            lines.push((writer, depth));
        }
        // The best match among the paths the lines read: the value itself, else the last
        // part of it (an image's tag), else another part.
        let mut best: Option<(values::Match, Location, Vec<String>)> = None;
        for (line, base) in lines {
            let base = base.min(existing);
            for action in t.actions_on(line) {
                let mut paths = values::references(&action.text);
                if let Some(dot) = &action.dot {
                    paths.extend(values::dot_references(&action.text, dot));
                }
                for path in paths {
                    let mut full = path.clone();
                    full.extend(tokens[base..existing].iter().cloned());
                    if let Some((location, full, rank)) =
                        render.values_origin(&template.name, full, at)
                        && best.as_ref().is_none_or(|(b, _, _)| rank < *b)
                    {
                        best = Some((rank, location, full));
                    }
                }
            }
        }
        if let Some((_, location, full)) = best {
            d.related.push(Related {
                message: format!("`{}`{VALUES_KEY}", full.join(".")),
                location: Some(location),
            });
        }
    }
}

/// How the related location of a values key ends (`` `image.tag` set here ``).
const VALUES_KEY: &str = " set here";

/// Whether a finding's related location is the values key (or `--set` entry) that set the
/// value: the human output shows its lines.
pub fn is_values_key(related: &Related) -> bool {
    related.location.is_some()
        && related.message.starts_with('`')
        && related.message.ends_with(VALUES_KEY)
}

/// A values file read for tracing, and its source with the sensitive values masked (the
/// human output shows the lines around a values key).
fn values_source(name: String, text: String) -> (ValuesFile, Arc<Source>) {
    let file = ValuesFile::parse(&name, text.clone());
    let source = Source::new(name, text);
    source.set_redactions(file.sensitive_spans());
    (file, source)
}

/// A source's address: which render's copy of a template a finding points into.
fn address(source: &Arc<Source>) -> usize {
    Arc::as_ptr(source) as usize
}

/// What makes two findings of different renders the same finding.
#[derive(Clone, PartialEq, Eq, Hash)]
struct MergeKey {
    rule: String,
    file: String,
    span: (u32, u32),
    object: Option<ObjectRef>,
    pointer: Option<String>,
}

impl MergeKey {
    fn of(d: &Diagnostic) -> MergeKey {
        MergeKey {
            rule: d.rule.to_string(),
            file: d
                .location
                .as_ref()
                .map(|l| l.file().to_owned())
                .unwrap_or_default(),
            span: d
                .location
                .as_ref()
                .map(|l| (l.span.start, l.span.end))
                .unwrap_or_default(),
            object: d.object.as_deref().cloned(),
            pointer: d.pointer.as_deref().map(str::to_owned),
        }
    }
}

/// `helm:` in `.plimsoll.yaml`.
#[derive(Clone, Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HelmSection {
    /// The helm binary (default: `helm` on PATH), like `--helm`.
    pub binary: Option<PathBuf>,
    /// Render charts (default: true); false leaves them out, like `--no-helm`.
    pub enabled: Option<bool>,
    /// The renders of each chart, by chart folder (relative to this file's folder). A chart
    /// not listed is rendered with its own values, and once per `ci/*-values.yaml` file.
    #[serde(default)]
    pub charts: BTreeMap<PathBuf, HelmChart>,
}

/// One chart's renders.
#[derive(Clone, Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HelmChart {
    /// By name (`default`, `prod`): each is one `helm template` run.
    #[serde(default)]
    pub renders: BTreeMap<String, HelmRender>,
}

/// One render: `helm template` with these values.
#[derive(Clone, Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HelmRender {
    /// Values files (relative to this file's folder, or to the chart), the last wins.
    #[serde(default)]
    pub values: Vec<PathBuf>,
    /// Values set by key path (`image.tag: "1.4.2"`), like `--set`.
    #[serde(default)]
    pub set: BTreeMap<String, Value>,
    /// The release name (default: the chart's name).
    pub release: Option<String>,
    /// The namespace of the release.
    pub namespace: Option<String>,
    /// The Kubernetes version this render targets (`.Capabilities.KubeVersion`).
    pub kubernetes_version: Option<String>,
    /// Group/versions added to `.Capabilities.APIVersions` for this render.
    #[serde(default)]
    pub api_versions: Vec<String>,
}

impl HelmSection {
    /// Makes relative chart and values paths relative to the configuration file's folder.
    pub fn resolve(&mut self, base: &Path) {
        if let Some(binary) = &mut self.binary
            && binary.components().count() > 1
            && binary.is_relative()
        {
            *binary = base.join(&*binary);
        }
        let charts = std::mem::take(&mut self.charts);
        for (path, mut chart) in charts {
            let chart_path = if path.is_relative() {
                base.join(&path)
            } else {
                path
            };
            for render in chart.renders.values_mut() {
                for file in &mut render.values {
                    // A file inside the chart may be named relative to it.
                    if file.is_relative() && !chart_path.join(&*file).is_file() {
                        *file = base.join(&*file);
                    }
                }
            }
            self.charts.insert(chart_path, chart);
        }
    }

    /// The renders of each chart, as the engine runs them.
    pub fn renders(&self) -> BTreeMap<PathBuf, Vec<Render>> {
        self.charts
            .iter()
            .map(|(path, chart)| {
                let renders = chart
                    .renders
                    .iter()
                    .map(|(name, r)| Render {
                        name: name.clone(),
                        values: r.values.clone(),
                        set: set_entries(&r.set),
                        release: r.release.clone(),
                        namespace: r.namespace.clone(),
                        kubernetes_version: r.kubernetes_version.clone(),
                        api_versions: r.api_versions.clone(),
                    })
                    .collect();
                (path.clone(), renders)
            })
            .collect()
    }
}

/// `{image: {tag: "1.4"}}` → `image.tag=1.4`, one `--set` entry per leaf (commas escaped).
fn set_entries(set: &BTreeMap<String, Value>) -> Vec<String> {
    fn walk(prefix: &str, value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (k, v) in map {
                    walk(&format!("{prefix}.{k}"), v, out);
                }
            }
            Value::String(s) => out.push(format!("{prefix}={}", s.replace(',', "\\,"))),
            Value::Null => out.push(format!("{prefix}=null")),
            other => out.push(format!("{prefix}={other}")),
        }
    }
    let mut out = Vec::new();
    for (k, v) in set {
        walk(k, v, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_copy_has_the_overlay_written_in_and_goes_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let chart = dir.path().join("shop");
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        std::fs::write(chart.join("Chart.yaml"), "name: shop\n").unwrap();
        std::fs::write(chart.join("templates/a.yaml"), "on disk\n").unwrap();
        // A link back to the chart's own folder ends, a few levels down.
        #[cfg(unix)]
        std::os::unix::fs::symlink(&chart, chart.join("templates/loop")).unwrap();
        let overlay = Overlay {
            texts: HashMap::from([(chart.join("templates/a.yaml"), "as typed\n".to_owned())]),
        };
        let copy = ChartCopy::new(&chart, &overlay).unwrap();
        assert!(copy.chart.ends_with("shop"));
        let read = |p: &str| std::fs::read_to_string(copy.chart.join(p)).unwrap();
        assert_eq!(read("templates/a.yaml"), "as typed\n");
        assert_eq!(read("Chart.yaml"), "name: shop\n");
        let base = copy.base.clone();
        drop(copy);
        assert!(!base.exists());
        // The chart itself is as it was.
        let on_disk = std::fs::read_to_string(chart.join("templates/a.yaml")).unwrap();
        assert_eq!(on_disk, "on disk\n");
    }
}
