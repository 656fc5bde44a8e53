//! Kustomize trees in the pipeline: the roots found under the folders a user names, built
//! in-process (`plimsoll_kustomize`) from the disk; their files are not read raw again.
//!
//! A root is a kustomization (`kind: Kustomization`, or no `kind`) that no other kustomization
//! found in the same walk lists under `resources` or `bases`; a folder named explicitly that
//! holds a kustomization is always a root. A `kind: Component` is never built alone: one that
//! no kustomization lists gets an info finding, and its files are left out.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use plimsoll_core::{
    Diagnostic, LoadOptions, LoadedFile, Location, ObjectRef, Provenance, Related, Severity,
    Source, Span,
};
use plimsoll_kustomize::{FileSystem, clean};
use rayon::prelude::*;
use serde_json::Value;

use crate::discover::Input;

pub use plimsoll_kustomize::{Build, to_yaml};

/// The rule id of a component that no kustomization uses.
pub const UNUSED_COMPONENT: &str = "kustomize-unused-component";
/// The rule id of a kustomization used only by others (said once, as info).
pub const BUILT_THROUGH: &str = "kustomize-built-through";
/// The rule id of a tree whose build fails: its files are not checked on their own (info).
pub const NOT_CHECKED: &str = "kustomize-not-checked";

/// The key under a finding's `extra` that holds the built object as its file has it.
pub const ORIGIN_KEY: &str = "kustomizeOrigin";

/// The object a built object was read from, when it was read from a file.
fn read_from(tree: &plimsoll_core::OriginTree) -> Option<&Arc<plimsoll_core::Object>> {
    match tree {
        plimsoll_core::OriginTree::From { object, pointer } if pointer.is_empty() => Some(object),
        plimsoll_core::OriginTree::Mixed {
            base: Some(base), ..
        } => read_from(base),
        _ => None,
    }
}

/// The build's file reader for the command line: the disk.
pub struct DiskFs;

impl FileSystem for DiskFs {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn list(&self, path: &Path) -> std::io::Result<Vec<PathBuf>> {
        std::fs::read_dir(path)?
            .map(|entry| entry.map(|e| e.path()))
            .collect()
    }
}

/// Builds the kustomization in `dir` from the disk.
pub fn build(dir: &Path) -> Build {
    plimsoll_kustomize::build(&DiskFs, dir)
}

/// The kustomize trees of a run, built.
#[derive(Default)]
pub struct Trees {
    /// One loaded "file" per root: the root kustomization, holding the built objects.
    pub files: Vec<(Option<PathBuf>, LoadedFile)>,
    /// Findings about the trees themselves (unused components, bases linted through roots).
    pub diagnostics: Vec<Diagnostic>,
    /// Files the builds read, or that belong to components built by none: not read raw.
    owned: BTreeSet<PathBuf>,
    owned_dirs: Vec<PathBuf>,
    /// Files of trees whose build fails: not read raw, unless named on their own.
    failed: BTreeSet<PathBuf>,
    /// For each built object (by identity): the chains and the origins of its values.
    provenance: HashMap<ObjectKey, Vec<Arc<Provenance>>>,
    /// The root kustomization of each build, by the build's name (its folder).
    roots: HashMap<String, Arc<Source>>,
}

type ObjectKey = (String, String, Option<String>, Option<String>);

fn key(object: &ObjectRef) -> ObjectKey {
    (
        object.api_version.clone(),
        object.kind.clone(),
        object.namespace.clone(),
        object.name.clone(),
    )
}

/// A kustomization met on the walk.
struct Found {
    dir: PathBuf,
    file: PathBuf,
    component: bool,
    /// Folders it lists under `resources`/`bases`, and under `components`.
    uses: Vec<PathBuf>,
    components: Vec<PathBuf>,
    explicit: bool,
}

impl Trees {
    /// Finds the roots under `inputs` and builds each (in parallel).
    pub fn find(inputs: &[Input], exclude: &globset::GlobSet, load: &LoadOptions) -> Trees {
        Trees::find_with(&DiskFs, inputs, exclude, load)
    }

    /// [`Trees::find`], with the builds reading their files through `fs` (the editor's
    /// unsaved buffers before the disk).
    pub fn find_with(
        fs: &dyn FileSystem,
        inputs: &[Input],
        exclude: &globset::GlobSet,
        load: &LoadOptions,
    ) -> Trees {
        let mut found: BTreeMap<PathBuf, Found> = BTreeMap::new();
        for input in inputs {
            let Input::Path(path) = input else { continue };
            if !path.is_dir() {
                continue;
            }
            if let Some(file) = plimsoll_kustomize::kustomization_file(&DiskFs, path) {
                let dir = clean(path);
                if let Some(f) = read_found(&dir, &file, load) {
                    found.insert(
                        dir,
                        Found {
                            explicit: true,
                            ..f
                        },
                    );
                }
            }
            for file in crate::discover::walk_files(path).iter().flatten() {
                let is_kustomization = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| plimsoll_kustomize::KUSTOMIZATION_FILES.contains(&n));
                if !is_kustomization || crate::discover::is_excluded(exclude, path, file) {
                    continue;
                }
                let Some(dir) = file.parent().map(clean) else {
                    continue;
                };
                if found.contains_key(&dir) {
                    continue;
                }
                if let Some(f) = read_found(&dir, file, load) {
                    found.insert(dir, f);
                }
            }
        }
        let used: BTreeSet<&PathBuf> = found.values().flat_map(|f| f.uses.iter()).collect();
        let used_components: BTreeSet<&PathBuf> =
            found.values().flat_map(|f| f.components.iter()).collect();
        let roots: Vec<&Found> = found
            .values()
            .filter(|f| !f.component && (f.explicit || !used.contains(&f.dir)))
            .collect();
        let mut trees = Trees::default();
        for f in found.values() {
            if f.component && !used_components.contains(&f.dir) {
                trees.owned_dirs.push(f.dir.clone());
                trees.diagnostics.push(component_alone(f));
            }
        }
        let builds: Vec<(PathBuf, Build)> = roots
            .par_iter()
            .map(|f| (f.dir.clone(), plimsoll_kustomize::build(fs, &f.dir)))
            .collect();
        for (dir, build) in builds {
            trees.owned.extend(build.files.iter().map(|p| clean(p)));
            if build.failed {
                trees.own_failed(&dir, &build, &found);
            }
            let bases: Vec<String> = build
                .kustomizations
                .iter()
                .filter(|k| **k != dir && found.get(*k).is_some_and(|f| !f.component))
                .map(|k| k.display().to_string())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if let (false, Some(f)) = (bases.is_empty(), found.get(&dir)) {
                trees.diagnostics.push(through(f, &bases));
            }
            for object in &build.objects {
                if let Some(p) = &object.provenance {
                    trees
                        .provenance
                        .entry(key(&object.identity()))
                        .or_default()
                        .push(p.clone());
                }
            }
            let source = build
                .source
                .clone()
                .unwrap_or_else(|| Source::new(dir.display().to_string(), String::new()));
            trees
                .roots
                .insert(dir.display().to_string(), source.clone());
            trees.files.push((
                Some(dir.clone()),
                LoadedFile {
                    source,
                    objects: build.objects,
                    diagnostics: build.diagnostics,
                    relevant: true,
                },
            ));
        }
        trees
    }

    /// A tree whose build fails is not read raw either: its files as they stand are not what
    /// kustomize would deploy (an overlay's patches and transformers are missing), the
    /// failure already fails the run, and it says where. The files of every folder the build
    /// reached or the kustomizations list are left out, and the output says so once.
    fn own_failed(&mut self, dir: &Path, build: &Build, found: &BTreeMap<PathBuf, Found>) {
        let mut dirs: Vec<PathBuf> = vec![dir.to_path_buf()];
        dirs.extend(build.kustomizations.iter().map(|d| clean(d)));
        let mut i = 0;
        while i < dirs.len() {
            if let Some(f) = found.get(&dirs[i]) {
                for used in f.uses.iter().chain(&f.components) {
                    if !dirs.contains(used) {
                        dirs.push(used.clone());
                    }
                }
            }
            i += 1;
        }
        for d in &dirs {
            for entry in std::fs::read_dir(d).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_file() {
                    self.failed.insert(clean(&path));
                }
            }
        }
        let mut d = Diagnostic::new(
            NOT_CHECKED,
            Severity::Info,
            format!(
                "kustomize build of {} fails: the files of its tree are not checked on their own; they are checked through the build once it succeeds",
                dir.display()
            ),
        );
        d.location = found.get(dir).and_then(|f| first_line(&f.file));
        self.diagnostics.push(d);
    }

    /// Whether a file belongs to a kustomize tree whose build fails (and is not read raw
    /// unless it is named on its own).
    pub fn failed(&self, path: &Path) -> bool {
        let path = clean(path);
        !self.owned.contains(&path) && self.failed.contains(&path)
    }

    /// Whether a walked file belongs to a kustomize tree (and is checked through its build).
    pub fn owns(&self, path: &Path) -> bool {
        let path = clean(path);
        self.owned.contains(&path) || self.owned_dirs.iter().any(|d| path.starts_with(d))
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty() && self.diagnostics.is_empty()
    }

    /// Adds to each finding on a built object the chain of kustomizations that produced it
    /// and the kustomization field that set the value, and reports a finding that several
    /// builds produce at the same place once, naming them.
    pub fn explain(&self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        if self.provenance.is_empty() {
            return diagnostics;
        }
        let mut out: Vec<Diagnostic> = Vec::with_capacity(diagnostics.len());
        let mut seen: HashMap<(String, String, u32, u32, String), usize> = HashMap::new();
        for mut d in diagnostics {
            let Some(provenances) = d.object.as_ref().and_then(|o| self.provenance.get(&key(o)))
            else {
                out.push(d);
                continue;
            };
            let pointer = d.pointer.as_deref().unwrap_or_default().to_owned();
            // Builds of several roots may make objects with the same identity: keep the ones
            // whose origin for this pointer is where the finding is.
            let here = |p: &&Arc<Provenance>| {
                let Some(at) = &d.location else { return true };
                [false, true].iter().any(|key| {
                    p.tree.resolve(&pointer, *key).is_some_and(|r| {
                        r.location.file() == at.file() && r.location.span == at.span
                    })
                })
            };
            let mut matching: Vec<&Arc<Provenance>> = provenances.iter().filter(here).collect();
            if matching.is_empty() {
                matching = provenances.iter().collect();
            }
            // The object as its file has it (before prefixes, suffixes, hashes and namespaces):
            // baselines use it, so that adding an overlay does not change a fingerprint.
            if let Some(original) = matching.first().and_then(|p| read_from(&p.tree)) {
                let identity = original.identity();
                let mut origin = serde_json::Map::new();
                origin.insert(
                    "file".into(),
                    Value::String(original.source.name().to_owned()),
                );
                origin.insert("kind".into(), Value::String(identity.kind));
                origin.insert(
                    "namespace".into(),
                    identity.namespace.map_or(Value::Null, Value::String),
                );
                origin.insert(
                    "name".into(),
                    identity.name.map_or(Value::Null, Value::String),
                );
                d.extra
                    .get_or_insert_with(Default::default)
                    .insert(ORIGIN_KEY.into(), Value::Object(origin));
            }
            for p in matching {
                if let Some(resolved) = p.tree.resolve(&pointer, false)
                    && let Some(note) = resolved.note
                {
                    let message = format!("set by {note}");
                    if !d.related.iter().any(|r| r.message == message) {
                        d.related.push(Related {
                            message,
                            location: Some(resolved.location),
                        });
                    }
                }
                let chain: Vec<&str> = p.chain.iter().map(|c| &**c).collect();
                let location = chain
                    .first()
                    .and_then(|root| self.roots.get(*root))
                    .map(|source| {
                        let end = source.text().find('\n').unwrap_or(source.text().len());
                        Location {
                            source: source.clone(),
                            span: Span::new(0, end),
                            template: None,
                        }
                    });
                d.related.push(Related {
                    message: format!("built by kustomize {}", chain.join(" → ")),
                    location,
                });
            }
            // The same finding at the same origin from another build: name that build too.
            if let Some(location) = &d.location {
                let dedupe = (
                    d.rule.to_string(),
                    location.file().to_owned(),
                    location.span.start,
                    location.span.end,
                    pointer,
                );
                if let Some(&first) = seen.get(&dedupe) {
                    let earlier: &mut Diagnostic = &mut out[first];
                    for r in d.related {
                        if !earlier.related.iter().any(|e| e.message == r.message) {
                            earlier.related.push(r);
                        }
                    }
                    continue;
                }
                seen.insert(dedupe, out.len());
            }
            out.push(d);
        }
        out
    }
}

fn strings(value: &Value, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

fn read_found(dir: &Path, file: &Path, load: &LoadOptions) -> Option<Found> {
    let bytes = plimsoll_core::source::read_file_limited(file, load.max_file_size)
        .ok()
        .flatten()?;
    let text = String::from_utf8_lossy(&bytes);
    let stream = plimsoll_core::yaml::parse_stream(&text, load.parse);
    let value = stream
        .documents
        .into_iter()
        .map(|d| d.value)
        .find(|v| !v.is_null())
        .unwrap_or(Value::Null);
    let folder = |entry: &String| -> Option<PathBuf> {
        let path = clean(&dir.join(entry));
        path.is_dir().then_some(path)
    };
    // Folders of plugin configurations are kustomizations too, built for the one that lists
    // them: not roots of their own.
    let mut uses: Vec<PathBuf> = [
        "resources",
        "bases",
        "generators",
        "transformers",
        "validators",
    ]
    .iter()
    .flat_map(|key| strings(&value, key))
    .filter(|entry| !entry.contains('\n'))
    .filter_map(|entry| folder(&entry))
    .collect();
    uses.sort();
    let components = strings(&value, "components")
        .iter()
        .filter_map(folder)
        .collect();
    Some(Found {
        dir: dir.to_path_buf(),
        file: file.to_path_buf(),
        component: value.get("kind").and_then(Value::as_str) == Some("Component"),
        uses,
        components,
        explicit: false,
    })
}

fn first_line(file: &Path) -> Option<Location> {
    let text = std::fs::read_to_string(file).ok()?;
    let end = text.find('\n').unwrap_or(text.len());
    let source = Source::new(crate::discover::display_name(file), text);
    Some(Location {
        source,
        span: Span::new(0, end),
        template: None,
    })
}

fn component_alone(f: &Found) -> Diagnostic {
    let mut d = Diagnostic::new(
        UNUSED_COMPONENT,
        Severity::Info,
        format!(
            "{} is a kustomize Component that no kustomization here lists under `components`; it is not built on its own, and its files are not checked",
            f.dir.display()
        ),
    )
    .with_help("list the component in a kustomization's `components` to have it checked as part of that build");
    d.location = first_line(&f.file);
    d
}

fn through(f: &Found, bases: &[String]) -> Diagnostic {
    let mut d = Diagnostic::new(
        BUILT_THROUGH,
        Severity::Info,
        format!(
            "kustomize build of {}: {} checked through it, not on {} own ({})",
            f.dir.display(),
            if bases.len() == 1 {
                "its base is"
            } else {
                "its bases are"
            },
            if bases.len() == 1 { "its" } else { "their" },
            bases.join(", ")
        ),
    );
    d.location = first_line(&f.file);
    d
}
