//! Turning the paths a user gave into the list of files to read.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use plimsoll_core::{Discovery, LoadOptions};

use crate::EngineError;

/// Something to read: a path, or bytes already read (standard input, an editor buffer).
#[derive(Clone, Debug)]
pub enum Input {
    Path(PathBuf),
    Text { name: String, bytes: Vec<u8> },
}

/// A file to load, with how it was found.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub path: PathBuf,
    pub discovery: Discovery,
}

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

pub fn compile_globs(globs: &[String]) -> Result<GlobSet, EngineError> {
    let mut builder = GlobSetBuilder::new();
    for glob in globs {
        let compiled = Glob::new(glob).map_err(|e| EngineError::Glob {
            glob: glob.clone(),
            message: e.kind().to_string(),
        })?;
        builder.add(compiled);
        // `vendor/**` should also exclude the folder `vendor` itself, and `*.json` files at any depth.
        if !glob.contains('/')
            && let Ok(deep) = Glob::new(&format!("**/{glob}"))
        {
            builder.add(deep);
        }
    }
    builder.build().map_err(|e| EngineError::Glob {
        glob: globs.join(", "),
        message: e.kind().to_string(),
    })
}

/// Walks folders (respecting `.gitignore` and skipping hidden entries), keeps named files
/// whatever their extension, keeps only walked files that `include` matches (when it is not
/// empty), and drops what `exclude` matches. The result is sorted.
pub fn discover(
    paths: &[PathBuf],
    include: &GlobSet,
    exclude: &GlobSet,
) -> Result<Vec<Candidate>, EngineError> {
    discover_with(paths, include, exclude, &LoadOptions::default())
}

/// [`discover`], reading the kustomizations met on the walk within the limits of `load`.
pub fn discover_with(
    paths: &[PathBuf],
    include: &GlobSet,
    exclude: &GlobSet,
    load: &LoadOptions,
) -> Result<Vec<Candidate>, EngineError> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| EngineError::Io {
            path: path.clone(),
            source,
        })?;
        if !meta.is_dir() {
            // A packaged chart is rendered, not read (`crate::helm`).
            if !is_excluded(exclude, path, path) && !plimsoll_helm::chart::is_packaged(path) {
                out.push(Candidate {
                    path: path.clone(),
                    discovery: Discovery::Explicit,
                });
            }
            continue;
        }
        let mut walked = Vec::new();
        let mut patches = std::collections::HashSet::new();
        let mut charts = Vec::new();
        for entry in walk_files(path).iter() {
            let file = match entry {
                Ok(file) => file.as_path(),
                Err(message) => {
                    return Err(EngineError::Walk {
                        path: path.clone(),
                        message: message.clone(),
                    });
                }
            };
            if is_kustomization(file) {
                patches.extend(kustomize_patches(file, load));
            }
            if file.file_name().and_then(|n| n.to_str()) == Some(plimsoll_helm::chart::CHART_FILE) {
                charts.extend(file.parent().map(Path::to_path_buf));
            }
            let wanted = file
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)));
            let included = include.is_empty() || is_excluded(include, path, file);
            if wanted && included && !is_excluded(exclude, path, file) {
                walked.push(Candidate {
                    path: file.to_path_buf(),
                    discovery: Discovery::Walked,
                });
            }
        }
        // Kustomize patches are fragments of objects, not objects: checked alone they would
        // lack every field their base provides.
        if !patches.is_empty() {
            walked.retain(|c| !patches.contains(&normalize(&c.path)));
        }
        // A chart's templates and values are not manifests: the chart is rendered instead.
        if !charts.is_empty() {
            walked.retain(|c| !charts.iter().any(|chart| c.path.starts_with(chart)));
        }
        walked.sort_by(|a, b| a.path.cmp(&b.path));
        out.extend(walked);
    }
    Ok(out)
}

/// Which of a run's candidates to read (`None` stands for text already read, always kept): a
/// file named and also met on a walk (a file given with its folder as context) is read once,
/// as named; so is a path given twice.
pub(crate) fn dedupe<'a>(
    candidates: impl Iterator<Item = Option<&'a Candidate>> + Clone,
) -> Vec<bool> {
    let named: std::collections::HashSet<PathBuf> = candidates
        .clone()
        .flatten()
        .filter(|c| c.discovery == Discovery::Explicit)
        .map(|c| normalize(&c.path))
        .collect();
    let mut seen = std::collections::HashSet::new();
    candidates
        .map(|c| {
            c.is_none_or(|c| {
                let key = normalize(&c.path);
                let keep = c.discovery == Discovery::Explicit || !named.contains(&key);
                keep && seen.insert(key)
            })
        })
        .collect()
}

fn is_kustomization(file: &Path) -> bool {
    file.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        matches!(
            n,
            "kustomization.yaml" | "kustomization.yml" | "Kustomization"
        )
    })
}

/// The files a kustomization names as patches (`patches[].path`, `patchesStrategicMerge`,
/// `patchesJson6902[].path`), as normalized paths. A file that cannot be read names none.
fn kustomize_patches(kustomization: &Path, load: &LoadOptions) -> Vec<PathBuf> {
    // Over the size limit, the file is reported when it is loaded; here it names nothing.
    let read = plimsoll_core::source::read_file_limited(kustomization, load.max_file_size);
    let Some(text) = read.ok().flatten().and_then(|b| String::from_utf8(b).ok()) else {
        return Vec::new();
    };
    let base = kustomization.parent().unwrap_or(Path::new("."));
    let stream = plimsoll_core::yaml::parse_stream(&text, load.parse);
    let mut out = Vec::new();
    for document in &stream.documents {
        let lists = ["patches", "patchesJson6902", "patchesStrategicMerge"];
        for item in lists
            .iter()
            .filter_map(|key| document.value.get(*key)?.as_array())
            .flatten()
        {
            let named = item
                .as_str()
                .or_else(|| item.get("path").and_then(serde_json::Value::as_str));
            // An inline patch (YAML text in the string) names no file.
            if let Some(name) = named.filter(|n| !n.contains('\n')) {
                out.push(normalize(&base.join(name)));
            }
        }
    }
    out
}

/// A path with `.` and `..` components resolved lexically, for comparing paths found by
/// walking with paths named in kustomizations.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether `globs` match the file, its path below `root`, or a folder on that path.
pub(crate) fn is_excluded(exclude: &GlobSet, root: &Path, file: &Path) -> bool {
    if exclude.is_empty() {
        return false;
    }
    if exclude.is_match(file) {
        return true;
    }
    let relative = file.strip_prefix(root).unwrap_or(file);
    exclude.is_match(relative)
        || relative
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| exclude.is_match(a))
}

/// The name shown for a path: as the user wrote it, without a leading `./`.
pub fn display_name(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).to_owned()
}

/// The files under a folder, in walk order, or the walk's errors. Within [`one_walk`] a folder
/// is walked once: discovery, Helm charts and Kustomize trees each look for their files in the
/// same list.
pub(crate) fn walk_files(path: &Path) -> std::rc::Rc<Vec<Result<PathBuf, String>>> {
    let walk = || {
        std::rc::Rc::new(
            walker(path)
                .filter_map(|entry| match entry {
                    Ok(entry) => entry
                        .file_type()
                        .is_some_and(|t| t.is_file())
                        .then(|| Ok(entry.into_path())),
                    Err(error) => Some(Err(error.to_string())),
                })
                .collect(),
        )
    };
    WALKS.with(|walks| match walks.borrow_mut().as_mut() {
        Some(cache) => cache.entry(path.to_path_buf()).or_insert_with(walk).clone(),
        None => walk(),
    })
}

type WalkCache = std::collections::HashMap<PathBuf, std::rc::Rc<Vec<Result<PathBuf, String>>>>;

thread_local! {
    static WALKS: std::cell::RefCell<Option<WalkCache>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with each folder walked at most once on this thread (a run's discovery; the
/// folders are walked again by the next run, which may see other files).
pub(crate) fn one_walk<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            if self.0 {
                WALKS.with(|walks| *walks.borrow_mut() = None);
            }
        }
    }
    let outer = WALKS.with(|walks| {
        let mut walks = walks.borrow_mut();
        let outer = walks.is_none();
        walks.get_or_insert_with(Default::default);
        outer
    });
    let _reset = Reset(outer);
    f()
}

/// The walk of a folder that every part of the engine uses: `.gitignore`, `.git/info/exclude`
/// and `.ignore` files honoured (also outside a git repository, and from parent folders),
/// hidden entries left out, the user's global git excludes not read.
pub(crate) fn walker(path: &Path) -> ignore::Walk {
    ignore::WalkBuilder::new(path)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .ignore(true)
        .parents(true)
        .build()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_run_walks_each_folder_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), "kind: A\n").unwrap();
        let count = |path: &Path| walk_files(path).iter().flatten().count();
        one_walk(|| {
            assert_eq!(count(dir.path()), 1);
            // A file that appears during the run is not met: every part of the run sees the
            // same walk.
            std::fs::write(dir.path().join("b.yaml"), "kind: B\n").unwrap();
            assert_eq!(count(dir.path()), 1);
            // Nested, the walk stays the run's.
            one_walk(|| assert_eq!(count(dir.path()), 1));
            assert_eq!(count(dir.path()), 1);
        });
        // The next run walks again.
        assert_eq!(count(dir.path()), 2);
    }
}
