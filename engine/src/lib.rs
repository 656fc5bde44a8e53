//! The plimsoll pipeline, the same for the command line, the editor and the admission webhook:
//! discover → load → validate → rules → policies → filter → [`Report`].
//!
//! [`lint`] takes [`Input`]s (paths to walk, or texts already in memory) and a [`Config`].
//! Discovery ([`discover`]) lists the files to read; each is loaded by `plimsoll_core`
//! in parallel (rayon) into objects and diagnostics; the later stages run per object;
//! the result is sorted into a deterministic order, whatever the thread count.
//! Findings are data ([`Diagnostic`]s in the report); an `Err` means the run could not
//! happen at all (an unreadable path named by the user, an invalid glob).

pub mod baseline;
pub mod discover;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use plimsoll_core::{Diagnostic, LoadOptions, LoadedFile, Object, Origin, Severity, Source};
use rayon::prelude::*;

pub use discover::{Candidate, Input};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot walk {path}: {message}")]
    Walk { path: PathBuf, message: String },
    #[error("invalid glob `{glob}`: {message}")]
    Glob { glob: String, message: String },
}

/// Everything that shapes a run.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Globs of files and folders to leave out when walking.
    pub exclude: Vec<String>,
    pub load: LoadOptions,
    /// When set, only findings in these files are reported (`--changed-since`); every file
    /// is still loaded, so cross-object checks see the whole set.
    pub report_only: Option<Vec<PathBuf>>,
}

/// The outcome of a run.
#[derive(Debug, Default)]
pub struct Report {
    /// Sorted by file, position, rule id.
    pub diagnostics: Vec<Diagnostic>,
    /// Every file that took part (Kubernetes files, and files named explicitly).
    pub sources: Vec<Arc<Source>>,
    pub objects: usize,
    pub elapsed: Duration,
}

impl Report {
    pub fn files(&self) -> usize {
        self.sources.len()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Whether any finding is at or above `threshold`.
    pub fn fails(&self, threshold: Severity) -> bool {
        self.diagnostics.iter().any(|d| d.severity >= threshold)
    }
}

/// Files loaded, with their objects, before the checking stages.
pub struct Loaded {
    pub files: Vec<LoadedFile>,
    /// The path each file was read from (`None` for standard input and editor buffers).
    pub paths: Vec<Option<PathBuf>>,
}

impl Loaded {
    pub fn objects(&self) -> impl Iterator<Item = &Object> {
        self.files.iter().flat_map(|f| f.objects.iter())
    }
}

/// Discovers and loads every input, in parallel, in a deterministic order.
pub fn load(inputs: &[Input], config: &Config) -> Result<Loaded, EngineError> {
    let exclude = discover::compile_globs(&config.exclude)?;
    enum Job {
        Path(Candidate),
        Text(String, Vec<u8>),
    }
    let mut jobs = Vec::new();
    for input in inputs {
        match input {
            Input::Path(path) => {
                for candidate in discover::discover(std::slice::from_ref(path), &exclude)? {
                    jobs.push(Job::Path(candidate));
                }
            }
            Input::Text { name, bytes } => jobs.push(Job::Text(name.clone(), bytes.clone())),
        }
    }
    let results: Vec<(Option<PathBuf>, Result<LoadedFile, EngineError>)> = jobs
        .into_par_iter()
        .map(|job| match job {
            Job::Path(candidate) => {
                let file = load_path(&candidate, &config.load);
                (Some(candidate.path), file)
            }
            Job::Text(name, bytes) => (
                None,
                Ok(plimsoll_core::load_bytes(
                    &name,
                    bytes,
                    Origin::Explicit,
                    &config.load,
                )),
            ),
        })
        .collect();
    let mut files = Vec::with_capacity(results.len());
    let mut paths = Vec::with_capacity(results.len());
    for (path, result) in results {
        let file = result?;
        if file.relevant {
            files.push(file);
            paths.push(path);
        }
    }
    Ok(Loaded { files, paths })
}

fn load_path(candidate: &Candidate, options: &LoadOptions) -> Result<LoadedFile, EngineError> {
    let name = discover::display_name(&candidate.path);
    let io_error = |source| EngineError::Io {
        path: candidate.path.clone(),
        source,
    };
    // Check the size before reading, so that a huge file costs nothing.
    let size = std::fs::metadata(&candidate.path).map_err(io_error)?.len();
    if size > options.max_file_size {
        return Ok(plimsoll_core::too_large(&name, size, options));
    }
    let bytes = std::fs::read(&candidate.path).map_err(io_error)?;
    Ok(plimsoll_core::load_bytes(
        &name,
        bytes,
        candidate.origin,
        options,
    ))
}

/// Runs the whole pipeline.
pub fn lint(inputs: &[Input], config: &Config) -> Result<Report, EngineError> {
    let started = Instant::now();
    let loaded = load(inputs, config)?;
    let mut report = check(loaded, config);
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The checking stages over loaded files.
pub fn check(loaded: Loaded, config: &Config) -> Report {
    let keep = reported_sources(&loaded, config);
    let mut diagnostics = Vec::new();
    let mut sources = Vec::with_capacity(loaded.files.len());
    let mut objects = 0;
    for file in loaded.files {
        objects += file.objects.len();
        diagnostics.extend(file.diagnostics);
        sources.push(file.source);
    }
    if let Some(keep) = keep {
        diagnostics.retain(|d| {
            d.location
                .as_ref()
                .is_none_or(|l| keep.contains(&Arc::as_ptr(&l.source)))
        });
    }
    plimsoll_core::sort_diagnostics(&mut diagnostics);
    Report {
        diagnostics,
        sources,
        objects,
        elapsed: Duration::ZERO,
    }
}

/// The sources whose findings are reported, when `report_only` narrows them.
fn reported_sources(loaded: &Loaded, config: &Config) -> Option<HashSet<*const Source>> {
    let wanted: HashSet<PathBuf> = config
        .report_only
        .as_ref()?
        .iter()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .collect();
    let mut keep = HashSet::new();
    for (file, path) in loaded.files.iter().zip(&loaded.paths) {
        let included = match path {
            Some(path) => wanted.contains(&path.canonicalize().unwrap_or_else(|_| path.clone())),
            None => true,
        };
        if included {
            keep.insert(Arc::as_ptr(&file.source));
        }
    }
    Some(keep)
}
