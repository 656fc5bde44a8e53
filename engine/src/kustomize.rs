//! Kustomize trees in the pipeline: the disk as the build's file reader, and the roots found
//! under the folders a user names.

use std::path::{Path, PathBuf};

use plimsoll_kustomize::FileSystem;

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
pub fn build(dir: &Path) -> plimsoll_kustomize::Build {
    plimsoll_kustomize::build(&DiskFs, dir)
}

pub use plimsoll_kustomize::{Build, to_yaml};
