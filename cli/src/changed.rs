//! What git knows: the repository root, and the files changed since a revision
//! (`--changed-since`).
//!
//! git is run as a program, as a user would: it honours the user's configuration and every
//! repository layout git itself supports (worktrees, submodules), at the cost of a process.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// The top-level folder of the git repository holding `folder`, canonicalized; `None`
/// outside a repository or when git is not installed.
pub fn repository_root(folder: &Path) -> Option<PathBuf> {
    let output = Command::new("git")
        .arg("-C")
        .arg(folder)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let root = PathBuf::from(text.trim_end_matches(['\n', '\r']));
    Some(root.canonicalize().unwrap_or(root))
}

/// The files (canonical paths) that differ from `rev` in the working tree, whether the
/// change is committed, staged or not, plus untracked files that are not ignored: what a
/// user means by "what I changed since `rev`".
pub fn changed_files(rev: &str) -> anyhow::Result<HashSet<PathBuf>> {
    let cwd = std::env::current_dir().context("reading the current folder")?;
    let Some(root) = repository_root(&cwd) else {
        bail!(
            "--changed-since needs a git repository, and {} is not in one",
            cwd.display()
        );
    };
    if rev.starts_with('-') {
        bail!("--changed-since: `{rev}` is not a revision");
    }
    let commit = format!("{rev}^{{commit}}");
    git(&root, &["rev-parse", "--verify", "--quiet", &commit])
        .with_context(|| format!("--changed-since: unknown revision `{rev}`"))?;
    let mut files = HashSet::new();
    let diff = git(&root, &["diff", "--name-only", "-z", rev, "--"])?;
    let untracked = git(&root, &["ls-files", "--others", "--exclude-standard", "-z"])?;
    for name in diff.split('\0').chain(untracked.split('\0')) {
        if name.is_empty() {
            continue;
        }
        let path = root.join(name);
        // Deleted files have nothing to report.
        if let Ok(path) = path.canonicalize() {
            files.insert(path);
        }
    }
    Ok(files)
}

fn git(root: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .context("running git")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!("git {} failed: {}", args.join(" "), stderr.trim());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
