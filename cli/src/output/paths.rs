//! File names as CI systems want them: relative to the repository root, with `/`.
//!
//! Sources are named as the user gave them (relative to the current folder). Code scanning
//! and workflow annotations resolve names against the repository root, so a run from a
//! subfolder must not print `deploy/web.yaml` for `services/deploy/web.yaml`.

use std::path::{Component, Path, PathBuf};

use anyhow::Context;

pub struct RepoPaths {
    /// The git top-level folder, or the current folder outside a repository (canonical).
    pub root: PathBuf,
    cwd: PathBuf,
}

/// Where a source is, for a CI system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileRef {
    /// Under the root: the relative path, with `/` separators.
    Relative(String),
    /// Outside the root: the absolute path.
    Absolute(PathBuf),
}

impl RepoPaths {
    /// The root is the enclosing git repository's top level when there is one.
    pub fn discover() -> anyhow::Result<RepoPaths> {
        let cwd = current_dir()?;
        let root = crate::changed::repository_root(&cwd).unwrap_or_else(|| cwd.clone());
        Ok(RepoPaths { root, cwd })
    }

    pub fn current_folder() -> anyhow::Result<RepoPaths> {
        let cwd = current_dir()?;
        Ok(RepoPaths {
            root: cwd.clone(),
            cwd,
        })
    }

    /// `None` for names that are not files on disk (`<stdin>`, editor buffers).
    pub fn file(&self, name: &str) -> Option<FileRef> {
        let path = self.cwd.join(name);
        // `<stdin>` and editor buffers are not files; a name given with `--stdin-filename` is
        // placed where it would be, even when no such file exists.
        if !path.is_file() && (name.is_empty() || name.starts_with('<')) {
            return None;
        }
        // Canonicalize so that symlinked temp folders and `..` compare equal to the root.
        let path = path.canonicalize().unwrap_or(path);
        match path.strip_prefix(&self.root) {
            Ok(relative) => {
                let parts: Vec<String> = relative
                    .components()
                    .filter_map(|c| match c {
                        Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
                        _ => None,
                    })
                    .collect();
                Some(FileRef::Relative(parts.join("/")))
            }
            Err(_) => Some(FileRef::Absolute(path)),
        }
    }

    /// The name to print: relative to the root, absolute outside it, or the name itself.
    pub fn display(&self, name: &str) -> String {
        match self.file(name) {
            Some(FileRef::Relative(path)) => path,
            Some(FileRef::Absolute(path)) => path.to_string_lossy().into_owned(),
            None => name.to_owned(),
        }
    }
}

fn current_dir() -> anyhow::Result<PathBuf> {
    let cwd = std::env::current_dir().context("reading the current folder")?;
    Ok(cwd.canonicalize().unwrap_or(cwd))
}

/// A `file://` URI for an absolute path, with a trailing `/` when `folder` is set.
pub fn file_uri(path: &Path, folder: bool) -> String {
    let mut text = path.to_string_lossy().replace('\\', "/");
    if !text.starts_with('/') {
        text.insert(0, '/');
    }
    if folder && !text.ends_with('/') {
        text.push('/');
    }
    format!("file://{}", percent_encode_path(&text))
}

/// Percent-encodes everything in a path except unreserved characters, `/` and a few
/// sub-delimiters that are safe in a path segment (RFC 3986).
pub fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let safe = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
            );
        if safe {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_spaces_percent_and_unicode() {
        assert_eq!(percent_encode_path("a b/c%d.yaml"), "a%20b/c%25d.yaml");
        assert_eq!(percent_encode_path("é.yaml"), "%C3%A9.yaml");
        assert_eq!(
            percent_encode_path("k8s/web-1_x~.yaml"),
            "k8s/web-1_x~.yaml"
        );
        assert_eq!(percent_encode_path("a#b?c"), "a%23b%3Fc");
    }

    #[test]
    fn folder_uri_ends_with_slash() {
        assert_eq!(
            file_uri(Path::new("/work/my repo"), true),
            "file:///work/my%20repo/"
        );
    }
}
