//! Schema-location templates that are URLs: each URL is fetched once over HTTP(S) into an
//! on-disk cache (`$XDG_CACHE_HOME/plimsoll/schemas/`, else `~/.cache/plimsoll/schemas/`) and
//! read from there on later runs. Offline, only the cache is read. A fetch that fails is a
//! warning naming the URL; the kind then has no schema from that location.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// How long one fetch may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(5);

/// The reader of schema-location files given to the schemas catalog: files from disk, URLs
/// from the cache or the network.
pub struct SchemaFetcher {
    cache: Option<PathBuf>,
    offline: bool,
    /// The text read for each URL in this process (`None`: not to be had).
    seen: Mutex<HashMap<String, Option<String>>>,
    /// Why a URL gave no schema, for the help of `unknown-kind`.
    notes: Mutex<HashMap<String, String>>,
}

pub fn is_url(text: &str) -> bool {
    text.starts_with("http://") || text.starts_with("https://")
}

/// `$XDG_CACHE_HOME/plimsoll/schemas`, else `$HOME/.cache/plimsoll/schemas`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|home| PathBuf::from(home).join(".cache"))
        })?;
    Some(base.join("plimsoll").join("schemas"))
}

/// Where the schema of `url` is cached under `dir`: one folder per host and path segment,
/// with every character outside `[A-Za-z0-9._-]` replaced so that no segment leaves `dir`.
pub fn cache_path(dir: &Path, url: &str) -> PathBuf {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let mut path = dir.to_owned();
    for segment in rest.split('/').filter(|s| !s.is_empty()) {
        let clean: String = segment
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        path.push(if clean.chars().all(|c| c == '.') {
            clean.replace('.', "_")
        } else {
            clean
        });
    }
    path
}

impl SchemaFetcher {
    pub fn new(cache: Option<PathBuf>, offline: bool) -> SchemaFetcher {
        SchemaFetcher {
            cache,
            offline,
            seen: Mutex::new(HashMap::new()),
            notes: Mutex::new(HashMap::new()),
        }
    }

    /// Read a schema-location target: a file, or a URL (cache first, then the network).
    pub fn read(&self, path: &Path) -> io::Result<Option<String>> {
        let Some(url) = path.to_str().filter(|p| is_url(p)) else {
            return match std::fs::read_to_string(path) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            };
        };
        if let Some(known) = lock(&self.seen).get(url) {
            return Ok(known.clone());
        }
        let text = self.read_url(url);
        lock(&self.seen).insert(url.to_owned(), text.clone());
        Ok(text)
    }

    /// Why `url` gave no schema, when it was asked for and gave none.
    pub fn note(&self, url: &str) -> Option<String> {
        lock(&self.notes).get(url).cloned()
    }

    fn read_url(&self, url: &str) -> Option<String> {
        let cached = self.cache.as_ref().map(|dir| cache_path(dir, url));
        if let Some(text) = cached
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
        {
            return Some(text);
        }
        if self.offline {
            self.record(
                url,
                "not fetched because of --offline (`offline: true`), and not in the schema cache"
                    .to_owned(),
            );
            return None;
        }
        match fetch(url) {
            Ok(text) => {
                if let Some(path) = &cached
                    && let Err(e) = store(path, &text)
                {
                    eprintln!(
                        "warning: could not cache the schema of {url} in {}: {e}",
                        path.display()
                    );
                }
                Some(text)
            }
            Err(reason) => {
                eprintln!("warning: could not fetch schema {url}: {reason}");
                self.record(url, format!("fetching it failed: {reason}"));
                None
            }
        }
    }

    fn record(&self, url: &str, note: String) {
        lock(&self.notes).insert(url.to_owned(), note);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn fetch(url: &str) -> Result<String, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = agent.get(url).call().map_err(|e| match e {
        ureq::Error::Timeout(_) => format!("no answer within {} s", TIMEOUT.as_secs()),
        e => e.to_string(),
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP status {status}"));
    }
    let text = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| e.to_string())?;
    serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|e| format!("the answer is not JSON: {e}"))?;
    Ok(text)
}

/// Write through a temporary file in the same folder, so that a concurrent run never reads a
/// half-written schema.
fn store(path: &Path, text: &str) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("schema"),
        std::process::id()
    ));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_paths_stay_in_the_cache() {
        let dir = Path::new("/c");
        assert_eq!(
            cache_path(dir, "https://example.com/a/b_v1.json"),
            PathBuf::from("/c/example.com/a/b_v1.json")
        );
        assert_eq!(
            cache_path(dir, "http://127.0.0.1:8080/../x?y=1"),
            PathBuf::from("/c/127.0.0.1_8080/__/x_y_1")
        );
    }
}
