//! Kustomize builds in-process, with the origin of every value.
//!
//! [`build`] takes a folder holding a kustomization and a [`FileSystem`] to read through (the
//! crate does no I/O of its own, so an editor can build from unsaved buffers), and returns a
//! [`Build`]: the objects `kubectl kustomize` would print, in the same order, each carrying a
//! [`Provenance`](plimsoll_core::Provenance) that says where each of its values came from
//! (the resource file, the patch, or the kustomization field whose transformer set it) and
//! the chain of kustomizations that brought it in; plus the diagnostics of the build, each at
//! its line in a kustomization, and the files it read.
//!
//! A build follows kustomize's own order: resources (files, folders, nested kustomizations),
//! generators, components, then the transformers of the kustomization (strategic-merge and
//! JSON 6902 patches, namespace, prefix and suffix, labels, annotations, replicas, images,
//! replacements); at the root, generated names take their hash, name references follow the
//! renames, variables are substituted, and the result is sorted. [`to_yaml`] prints it.

mod build;
mod emit;
mod fields;
mod generate;
mod merge;
mod merge_keys;
mod res;
mod select;
mod sha256;

use std::path::{Component, Path, PathBuf};

use std::sync::Arc;

use plimsoll_core::{Diagnostic, Object, Source};

pub use emit::to_yaml;

/// What a build reads through: the disk for the command line, open buffers for an editor.
pub trait FileSystem: Sync {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
    fn is_dir(&self, path: &Path) -> bool;
    fn is_file(&self, path: &Path) -> bool;
    /// The entries of a folder (full paths), in any order.
    fn list(&self, path: &Path) -> std::io::Result<Vec<PathBuf>>;
}

/// The names kustomize looks for in a folder, in its order of preference.
pub const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The kustomization file of `dir`, if it has one.
pub fn kustomization_file(fs: &dyn FileSystem, dir: &Path) -> Option<PathBuf> {
    KUSTOMIZATION_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| fs.is_file(path))
}

/// The outcome of building one kustomization.
#[derive(Debug, Default)]
pub struct Build {
    /// The built objects, in kustomize's output order. Empty when the build failed.
    pub objects: Vec<Object>,
    /// Errors (the build failed: kustomize would print nothing), warnings (a remote resource
    /// left out, a patch target that matches nothing) and the findings of reading the files.
    pub diagnostics: Vec<Diagnostic>,
    /// Every file the build read (kustomizations, resources, patches, generator inputs).
    pub files: Vec<PathBuf>,
    /// The folders of every kustomization and component the build used, the root first.
    pub kustomizations: Vec<PathBuf>,
    /// True when kustomize would fail on this tree.
    pub failed: bool,
    /// The root kustomization file, as read (when it could be read).
    pub source: Option<Arc<Source>>,
}

/// Builds the kustomization in `dir`.
pub fn build(fs: &dyn FileSystem, dir: &Path) -> Build {
    build::Builder::new(fs).run(&clean(dir))
}

/// The kustomization fields kustomize accepts.
pub const FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "resources",
    "bases",
    "components",
    "namespace",
    "namePrefix",
    "nameSuffix",
    "labels",
    "commonLabels",
    "commonAnnotations",
    "images",
    "replicas",
    "patches",
    "patchesStrategicMerge",
    "patchesJson6902",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "replacements",
    "vars",
    "crds",
    "configurations",
    "openapi",
    "sortOptions",
    "buildMetadata",
    "helmCharts",
    "helmGlobals",
    "helmChartInflationGenerator",
    "generators",
    "transformers",
    "validators",
    "inventory",
    "imageTags",
];

/// Resolves `.` and `..` without touching the disk, as kustomize does with relative paths.
pub fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                match last {
                    Some(Component::Normal(_)) => {
                        out.pop();
                    }
                    Some(Component::RootDir) => {}
                    _ => out.push(".."),
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned_lexically() {
        assert_eq!(clean(Path::new("a/b/../c/./d")), PathBuf::from("a/c/d"));
        assert_eq!(clean(Path::new("../x/..")), PathBuf::from(".."));
        assert_eq!(clean(Path::new("./")), PathBuf::from("."));
        assert_eq!(clean(Path::new("a/..")), PathBuf::from("."));
    }
}
