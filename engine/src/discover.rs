//! Turning the paths a user gave into the list of files to read.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use plimsoll_core::Origin;

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
    pub origin: Origin,
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
        if !glob.contains('/') {
            if let Ok(deep) = Glob::new(&format!("**/{glob}")) {
                builder.add(deep);
            }
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
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| EngineError::Io {
            path: path.clone(),
            source,
        })?;
        if !meta.is_dir() {
            if !is_excluded(exclude, path, path) {
                out.push(Candidate {
                    path: path.clone(),
                    origin: Origin::Explicit,
                });
            }
            continue;
        }
        let mut walked = Vec::new();
        let walker = ignore::WalkBuilder::new(path)
            .hidden(true)
            .git_ignore(true)
            .git_exclude(true)
            .git_global(false)
            .require_git(false)
            .ignore(true)
            .parents(true)
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    return Err(EngineError::Walk {
                        path: path.clone(),
                        message: error.to_string(),
                    });
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let file = entry.path();
            let wanted = file
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)));
            let included = include.is_empty() || is_excluded(include, path, file);
            if wanted && included && !is_excluded(exclude, path, file) {
                walked.push(Candidate {
                    path: file.to_path_buf(),
                    origin: Origin::Walked,
                });
            }
        }
        walked.sort_by(|a, b| a.path.cmp(&b.path));
        out.extend(walked);
    }
    Ok(out)
}

/// Whether `globs` match the file, its path below `root`, or a folder on that path.
fn is_excluded(exclude: &GlobSet, root: &Path, file: &Path) -> bool {
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
