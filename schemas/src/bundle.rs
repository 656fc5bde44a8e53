//! The embedded schema bundle: one compressed schema document and one
//! compressed documentation document per Kubernetes minor version.
//!
//! On first use of a version its schema document is decompressed and split
//! into raw JSON texts, one per definition and one per kind, without
//! parsing them; compiling a kind parses only the kind and the definitions
//! it reaches (about 120 of 860 for a Deployment) into a self-contained
//! schema. That keeps the first validation of a run within a few
//! milliseconds.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::{Arc, OnceLock};

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::SchemaError;

struct Embedded {
    version: &'static str,
    schema: &'static [u8],
    docs: &'static [u8],
}

macro_rules! embedded {
    ($($v:literal),* $(,)?) => {
        &[$(Embedded {
            version: $v,
            schema: include_bytes!(concat!("../data/v", $v, ".schema.json.zst")),
            docs: include_bytes!(concat!("../data/v", $v, ".docs.json.zst")),
        }),*]
    };
}

static EMBEDDED: &[Embedded] = embedded!(
    "1.25", "1.26", "1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36",
    "1.37",
);

static VERSIONS: [&str; 13] = [
    "1.25", "1.26", "1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36",
    "1.37",
];

type Loaded = OnceLock<Result<Arc<VersionData>, String>>;
static LOADED: [Loaded; 13] = [const { OnceLock::new() }; 13];

pub(crate) fn versions() -> &'static [&'static str] {
    &VERSIONS
}

/// The schema document of one version, split but not parsed.
#[derive(serde::Deserialize)]
struct Document {
    #[serde(rename = "$defs")]
    defs: HashMap<String, Box<RawValue>>,
    kinds: HashMap<String, Box<RawValue>>,
}

/// One Kubernetes version's schemas.
pub(crate) struct VersionData {
    pub(crate) version: &'static str,
    defs: HashMap<String, Box<RawValue>>,
    /// `"apps/v1/Deployment"` → the kind's top-level schema, unparsed.
    kinds: HashMap<String, Box<RawValue>>,
    docs_source: &'static [u8],
    docs: OnceLock<Map<String, Value>>,
}

impl VersionData {
    pub(crate) fn has_kind(&self, key: &str) -> bool {
        self.kinds.contains_key(key)
    }

    pub(crate) fn kind_keys(&self) -> impl Iterator<Item = &str> {
        self.kinds.keys().map(String::as_str)
    }

    /// The self-contained schema of a kind: its top-level schema plus, under
    /// `$defs`, every definition it reaches.
    pub(crate) fn kind_schema(&self, key: &str) -> Option<Result<Value, String>> {
        let raw = self.kinds.get(key)?;
        Some(self.assemble(raw))
    }

    fn assemble(&self, raw: &RawValue) -> Result<Value, String> {
        let mut root: Value = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
        let mut defs = Map::new();
        let mut todo = Vec::new();
        let mut seen = HashSet::new();
        collect_refs(&root, &mut todo);
        while let Some(name) = todo.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            let raw = self
                .defs
                .get(&name)
                .ok_or_else(|| format!("missing definition `{name}`"))?;
            let mut def: Value = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
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

/// Load (once per process) the data of `version` (`"1.NN"`).
pub(crate) fn load(version: &str) -> Result<Arc<VersionData>, SchemaError> {
    let Some(index) = VERSIONS.iter().position(|v| *v == version) else {
        return Err(SchemaError::UnknownVersion {
            version: version.to_owned(),
            available: VERSIONS.join(", "),
        });
    };
    let (Some(embedded), Some(loaded)) = (EMBEDDED.get(index), LOADED.get(index)) else {
        return Err(SchemaError::Bundle {
            version: version.to_owned(),
            reason: "no embedded data for this version".to_owned(),
        });
    };
    loaded
        .get_or_init(|| prepare(embedded).map(Arc::new))
        .clone()
        .map_err(|reason| SchemaError::Bundle {
            version: embedded.version.to_owned(),
            reason,
        })
}

fn decompress(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut source = bytes;
    let mut decoder =
        ruzstd::decoding::StreamingDecoder::new(&mut source).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(bytes.len() * 24);
    decoder.read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

fn prepare(embedded: &Embedded) -> Result<VersionData, String> {
    let bytes = decompress(embedded.schema)?;
    let document: Document = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    Ok(VersionData {
        version: embedded.version,
        defs: document.defs,
        kinds: document.kinds,
        docs_source: embedded.docs,
        docs: OnceLock::new(),
    })
}

/// Bytes of embedded data, compressed, for all versions together.
pub(crate) fn embedded_size() -> usize {
    EMBEDDED.iter().map(|e| e.schema.len() + e.docs.len()).sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_lists_agree() {
        let embedded: Vec<&str> = super::EMBEDDED.iter().map(|e| e.version).collect();
        assert_eq!(embedded, super::VERSIONS);
        assert_eq!(super::LOADED.len(), super::VERSIONS.len());
    }
}
