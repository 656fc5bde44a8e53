//! The embedded schema bundle: per Kubernetes minor version, the schema
//! texts of its definitions and kinds, and one compressed documentation
//! document.
//!
//! The build script (`build.rs`) unpacks the compressed schema documents of
//! `data/` once: every distinct JSON text of a definition or kind is stored
//! once, uncompressed (about 1 MB for the 13 versions, which share most of
//! them), with per version two tables sorted by name. Opening a version
//! costs nothing; compiling a kind parses only the kind and the definitions
//! it reaches (about 120 of 860 for a Deployment) into a self-contained
//! schema, so a run touches only the schemas of the kinds it sees.

use std::collections::HashSet;
use std::io::Read;
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value};

use crate::SchemaError;

/// One version's tables: `[name start, name end, text start, text end]`
/// into [`NAMES`] and [`TEXTS`], sorted by name.
pub(crate) struct Tables {
    defs: &'static [[u32; 4]],
    kinds: &'static [[u32; 4]],
}

include!(concat!(env!("OUT_DIR"), "/schema_index.rs"));
static NAMES: &str = include_str!(concat!(env!("OUT_DIR"), "/schema_names.txt"));
static TEXTS: &str = include_str!(concat!(env!("OUT_DIR"), "/schema_texts.json"));

macro_rules! docs {
    ($($v:literal),* $(,)?) => {
        [$(include_bytes!(concat!("../data/v", $v, ".docs.json.zst"))),*]
    };
}

static DOCS: [&[u8]; 13] = docs!(
    "1.25", "1.26", "1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36",
    "1.37",
);

static VERSIONS: [&str; 13] = [
    "1.25", "1.26", "1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36",
    "1.37",
];

static LOADED: [OnceLock<Arc<VersionData>>; 13] = [const { OnceLock::new() }; 13];

pub(crate) fn versions() -> &'static [&'static str] {
    &VERSIONS
}

fn name(entry: &[u32; 4]) -> &'static str {
    NAMES
        .get(entry[0] as usize..entry[1] as usize)
        .unwrap_or("")
}

fn text(entry: &[u32; 4]) -> &'static str {
    TEXTS
        .get(entry[2] as usize..entry[3] as usize)
        .unwrap_or("")
}

/// The text of `key` in a table sorted by name.
fn find(table: &'static [[u32; 4]], key: &str) -> Option<&'static str> {
    table
        .binary_search_by(|entry| name(entry).cmp(key))
        .ok()
        .and_then(|i| table.get(i))
        .map(text)
}

/// One Kubernetes version's schemas.
pub(crate) struct VersionData {
    pub(crate) version: &'static str,
    tables: &'static Tables,
    docs_source: &'static [u8],
    docs: OnceLock<Map<String, Value>>,
}

impl VersionData {
    pub(crate) fn has_kind(&self, key: &str) -> bool {
        find(self.tables.kinds, key).is_some()
    }

    /// `apiVersion/kind` keys of the built-in kinds, sorted.
    pub(crate) fn kind_keys(&self) -> impl Iterator<Item = &str> {
        self.tables
            .kinds
            .iter()
            .map(|entry| -> &str { name(entry) })
    }

    /// The self-contained schema of a kind: its top-level schema plus, under
    /// `$defs`, every definition it reaches.
    pub(crate) fn kind_schema(&self, key: &str) -> Option<Result<Value, String>> {
        let raw = find(self.tables.kinds, key)?;
        Some(self.assemble(raw))
    }

    fn assemble(&self, raw: &str) -> Result<Value, String> {
        let mut root: Value = serde_json::from_str(raw).map_err(|e| e.to_string())?;
        let mut defs = Map::new();
        let mut todo = Vec::new();
        let mut seen = HashSet::new();
        collect_refs(&root, &mut todo);
        while let Some(name) = todo.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            let raw = find(self.tables.defs, &name)
                .ok_or_else(|| format!("missing definition `{name}`"))?;
            let mut def: Value = serde_json::from_str(raw).map_err(|e| e.to_string())?;
            crate::enums::apply(self.version, &name, &mut def);
            collect_refs(&def, &mut todo);
            defs.insert(name, def);
        }
        if let Value::Object(map) = &mut root {
            map.insert(
                "$schema".into(),
                Value::String("https://json-schema.org/draft/2020-12/schema".into()),
            );
            map.insert("$defs".into(), Value::Object(defs));
        }
        Ok(root)
    }

    /// Descriptions by JSON pointer into the bundle (`/$defs/…` or
    /// `/kinds/…`), decompressed on first use. Damaged documentation gives no
    /// descriptions rather than an error: hover text is a convenience.
    pub(crate) fn docs(&self) -> &Map<String, Value> {
        self.docs
            .get_or_init(|| match decompress(self.docs_source) {
                Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                    Ok(Value::Object(map)) => map,
                    _ => Map::new(),
                },
                Err(_) => Map::new(),
            })
    }
}

fn collect_refs(node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(r)) => {
                        if let Some(name) = r.strip_prefix("#/$defs/") {
                            out.push(crate::walk::unescape(name));
                        }
                    }
                    _ => collect_refs(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// The data of `version` (`"1.NN"`), one per process.
pub(crate) fn load(version: &str) -> Result<Arc<VersionData>, SchemaError> {
    let Some(index) = VERSIONS.iter().position(|v| *v == version) else {
        return Err(SchemaError::UnknownVersion {
            version: version.to_owned(),
            available: VERSIONS.join(", "),
        });
    };
    let (Some(tables), Some(docs), Some(loaded)) =
        (TABLES.get(index), DOCS.get(index), LOADED.get(index))
    else {
        return Err(SchemaError::Bundle {
            version: version.to_owned(),
            reason: "no embedded data for this version".to_owned(),
        });
    };
    Ok(loaded
        .get_or_init(|| {
            Arc::new(VersionData {
                version: VERSIONS[index],
                tables,
                docs_source: docs,
                docs: OnceLock::new(),
            })
        })
        .clone())
}

fn decompress(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut source = bytes;
    let mut decoder =
        ruzstd::decoding::StreamingDecoder::new(&mut source).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(bytes.len() * 12);
    decoder.read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Bytes of embedded schema data for all versions together: the schema
/// texts and their tables, and the compressed documentation.
pub(crate) fn embedded_size() -> usize {
    let tables: usize = TABLES
        .iter()
        .map(|t| (t.defs.len() + t.kinds.len()) * std::mem::size_of::<[u32; 4]>())
        .sum();
    TEXTS.len() + NAMES.len() + tables + DOCS.iter().map(|d| d.len()).sum::<usize>()
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_lists_agree() {
        assert_eq!(super::TABLES.len(), super::VERSIONS.len());
        assert_eq!(super::DOCS.len(), super::VERSIONS.len());
        assert_eq!(super::LOADED.len(), super::VERSIONS.len());
        let build = include_str!("../build.rs");
        let listed = build
            .split_once("const VERSIONS")
            .and_then(|(_, rest)| rest.split_once("];"))
            .map(|(list, _)| list)
            .unwrap_or_default();
        for version in super::VERSIONS {
            assert!(
                listed.contains(&format!("\"{version}\"")),
                "{version} in build.rs"
            );
        }
    }

    #[test]
    fn tables_are_sorted_and_every_text_parses() {
        for (version, tables) in super::VERSIONS.iter().zip(&super::TABLES) {
            for table in [tables.defs, tables.kinds] {
                assert!(!table.is_empty(), "{version}");
                let names: Vec<&str> = table.iter().map(super::name).collect();
                assert!(names.windows(2).all(|w| w[0] < w[1]), "{version}");
                for entry in table {
                    let text = super::text(entry);
                    assert!(
                        serde_json::from_str::<serde_json::Value>(text).is_ok(),
                        "{version} {}",
                        super::name(entry)
                    );
                }
            }
        }
        let data = super::load("1.37").expect("embedded");
        assert!(data.has_kind("apps/v1/Deployment"));
        assert!(!data.has_kind("apps/v1/Deploymen"));
        assert!(matches!(data.kind_schema("v1/ConfigMap"), Some(Ok(_))));
    }
}
