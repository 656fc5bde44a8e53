//! The build compared with `kubectl kustomize`.
//!
//! Each folder under `fixtures/kustomize/` is a case (its `kustomization.yaml` is the root),
//! and so is each tree of the corpus listed in `CORPUS` when `../shared/corpus` exists. The
//! expected output of every case is committed under `kustomize/tests/expected/` (written by
//! kubectl: `ci/kustomize-diff.sh --update`); a case whose build kubectl refuses has a
//! `.fails` file instead. The corpus is not ours to copy, so for its trees only a digest of
//! each expected document is committed (`.digests`). With `PLIMSOLL_KUBECTL` set, kubectl is also run on every case and
//! its output compared live. Documents are compared parsed, in order; each difference is
//! printed with the case, the document and the pointer.

use std::path::{Path, PathBuf};

use plimsoll_core::yaml::{ParseOptions, parse_stream};
use plimsoll_kustomize::FileSystem;
use serde_json::Value;

struct Disk;

impl FileSystem for Disk {
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
            .map(|e| e.map(|e| e.path()))
            .collect()
    }
}

/// Trees of the shared corpus, relative to it.
const CORPUS: &[&str] = &[
    "kustomize/argo-cd/cluster-install",
    "kustomize/argo-cd/namespace-install",
    "kustomize/argo-cd/base",
    "kustomize/argo-cd/crds",
    "kustomize/argo-cd/cluster-rbac",
    "kustomize/kustomize-examples/helloWorld",
    "kustomize/kustomize-examples/ldap/overlays/production",
    "kustomize/kustomize-examples/ldap/overlays/staging",
    "kustomize/kustomize-examples/ldap/base",
    "kustomize/kustomize-examples/multibases",
    "kustomize/kustomize-examples/wordpress",
    "kustomize/kustomize-examples/springboot/overlays/production",
    "kustomize/kustomize-examples/springboot/overlays/staging",
    "kustomize/microservices-demo",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// (case name, folder to build).
fn cases() -> Vec<(String, PathBuf)> {
    let root = workspace();
    let mut out = Vec::new();
    let fixtures = root.join("fixtures/kustomize");
    if let Ok(entries) = std::fs::read_dir(&fixtures) {
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for dir in dirs {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((name, dir));
        }
    }
    let corpus = root.join("../shared/corpus");
    if corpus.is_dir() {
        for tree in CORPUS {
            out.push((
                format!("corpus-{}", tree.replace('/', "-")),
                corpus.join(tree),
            ));
        }
    }
    out
}

fn documents(text: &str) -> Vec<Value> {
    parse_stream(text, ParseOptions::default())
        .documents
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect()
}

/// Every difference between two document lists, as readable lines.
fn differences(expected: &[Value], actual: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    if expected.len() != actual.len() {
        out.push(format!(
            "{} documents expected, {} built",
            expected.len(),
            actual.len()
        ));
    }
    let id = |v: &Value| {
        format!(
            "{}/{}",
            v.get("kind").and_then(Value::as_str).unwrap_or("?"),
            v.pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("?")
        )
    };
    for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
        let mut here = Vec::new();
        diff_value(e, a, &mut String::new(), &mut here);
        for d in here {
            out.push(format!("document {i} ({}): {d}", id(e)));
        }
    }
    out
}

fn diff_value(e: &Value, a: &Value, pointer: &mut String, out: &mut Vec<String>) {
    match (e, a) {
        (Value::Object(em), Value::Object(am)) => {
            for (k, ev) in em {
                let mark = pointer.len();
                pointer.push('/');
                pointer.push_str(k);
                match am.get(k) {
                    Some(av) => diff_value(ev, av, pointer, out),
                    None => out.push(format!("{pointer}: missing (expected {ev})")),
                }
                pointer.truncate(mark);
            }
            for k in am.keys().filter(|k| !em.contains_key(*k)) {
                out.push(format!("{pointer}/{k}: not expected ({})", am[k]));
            }
        }
        (Value::Array(ea), Value::Array(aa)) if ea.len() == aa.len() => {
            for (i, (ev, av)) in ea.iter().zip(aa).enumerate() {
                let mark = pointer.len();
                pointer.push_str(&format!("/{i}"));
                diff_value(ev, av, pointer, out);
                pointer.truncate(mark);
            }
        }
        _ if e == a => {}
        _ => out.push(format!("{pointer}: expected {e}, built {a}")),
    }
}

/// JSON with sorted keys, so that a digest does not depend on key order.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let items: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&map[k])))
                .collect();
            format!("{{{}}}", items.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// FNV-1a from a given start: stable across Rust releases, unlike the standard hasher.
fn fnv(text: &str, start: u64) -> u64 {
    text.bytes().fold(start, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// One line per document: its kind and name, and a digest of its content.
fn digests(values: &[Value]) -> String {
    let mut out = String::new();
    for v in values {
        // Two 64-bit hashes from different starts: enough to tell documents apart.
        let text = canonical(v);
        out.push_str(&format!(
            "{}/{} {:016x}{:016x}\n",
            v.get("kind").and_then(Value::as_str).unwrap_or("?"),
            v.pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("?"),
            fnv(&text, 0xcbf2_9ce4_8422_2325),
            fnv(&text, 0x6c62_272e_07bb_0142)
        ));
    }
    out
}

fn kubectl(dir: &Path) -> Option<Result<String, String>> {
    let kubectl = std::env::var_os("PLIMSOLL_KUBECTL")?;
    let output = std::process::Command::new(kubectl)
        .arg("kustomize")
        .arg(dir)
        .output()
        .ok()?;
    Some(if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    })
}

#[test]
fn builds_match_kubectl() {
    let expected_dir = workspace().join("kustomize/tests/expected");
    let update = std::env::var_os("PLIMSOLL_KUSTOMIZE_UPDATE").is_some();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, dir) in cases() {
        let build = plimsoll_kustomize::build(&Disk, &dir);
        let actual: Vec<Value> = build.objects.iter().map(|o| o.value.clone()).collect();
        let yaml_file = expected_dir.join(format!("{name}.yaml"));
        let digest_file = expected_dir.join(format!("{name}.digests"));
        let fails_file = expected_dir.join(format!("{name}.fails"));
        let corpus = name.starts_with("corpus-");
        let live = kubectl(&dir);
        if update {
            match &live {
                Some(Ok(text)) if corpus => {
                    std::fs::write(&digest_file, digests(&documents(text)))
                        .expect("write expected digests");
                    let _ = std::fs::remove_file(&fails_file);
                }
                Some(Ok(text)) => {
                    std::fs::write(&yaml_file, text).expect("write expected output");
                    let _ = std::fs::remove_file(&fails_file);
                }
                Some(Err(stderr)) => {
                    let text = stderr.replace(&format!("{}/", workspace().display()), "");
                    std::fs::write(&fails_file, text).expect("write expected failure");
                    let _ = std::fs::remove_file(&yaml_file);
                }
                None => panic!("PLIMSOLL_KUSTOMIZE_UPDATE needs PLIMSOLL_KUBECTL"),
            }
        }
        let mut references = Vec::new();
        if let Ok(expected) = std::fs::read_to_string(&digest_file) {
            checked += 1;
            if build.failed {
                failures.push(format!("{name} (committed digests): plimsoll fails on it"));
            } else {
                let built = digests(&actual);
                for (i, (e, a)) in expected.lines().zip(built.lines()).enumerate() {
                    if e != a {
                        failures.push(format!(
                            "{name} (committed digests): document {i}: expected {e}, built {a}"
                        ));
                    }
                }
                if expected.lines().count() != built.lines().count() {
                    failures.push(format!(
                        "{name} (committed digests): {} documents expected, {} built",
                        expected.lines().count(),
                        built.lines().count()
                    ));
                }
            }
        } else if let Ok(text) = std::fs::read_to_string(&yaml_file) {
            references.push(("committed", Ok(text)));
        } else if fails_file.is_file() {
            references.push(("committed", Err(String::new())));
        }
        if let Some(live) = live {
            references.push(("kubectl", live));
        }
        if references.is_empty() && !digest_file.is_file() {
            failures.push(format!(
                "{name}: no expected output (run ci/kustomize-diff.sh --update)"
            ));
            continue;
        }
        for (what, reference) in references {
            checked += 1;
            match reference {
                Ok(text) => {
                    if build.failed {
                        let why: Vec<String> = build
                            .diagnostics
                            .iter()
                            .map(|d| d.message.clone())
                            .collect();
                        failures.push(format!(
                            "{name} ({what}): kubectl builds it, plimsoll fails: {}",
                            why.join("; ")
                        ));
                        continue;
                    }
                    for d in differences(&documents(&text), &actual) {
                        failures.push(format!("{name} ({what}): {d}"));
                    }
                }
                Err(_) => {
                    if !build.failed {
                        failures.push(format!(
                            "{name} ({what}): kubectl fails on it, plimsoll builds it"
                        ));
                    }
                }
            }
        }
    }
    for f in &failures {
        eprintln!("{f}");
    }
    assert!(checked > 0, "no case was checked");
    assert!(failures.is_empty(), "{} differences", failures.len());
}
