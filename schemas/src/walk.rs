//! Following an instance path through a schema, to find the properties a
//! misspelt key was meant to be and the description of a field.

use serde_json::Value;

/// A self-contained schema document (its `$ref`s point inside it).
pub(crate) struct Walker<'a> {
    pub(crate) root: &'a Value,
    /// JSON pointer of `root` inside the bundle, for description look-ups;
    /// `$defs` sit at the same pointers in both.
    pub(crate) root_pointer: String,
}

/// A schema node reached by a walk, with the pointers (inside the bundle)
/// under which its descriptions are recorded, the nearest first.
pub(crate) struct Reached<'a> {
    pub(crate) schema: &'a Value,
    pub(crate) doc_pointers: Vec<String>,
}

impl<'a> Walker<'a> {
    /// The schema for the value at `path` (instance path segments).
    pub(crate) fn reach(&self, path: &[String]) -> Option<Reached<'a>> {
        let mut here = Reached {
            schema: self.root,
            doc_pointers: vec![self.root_pointer.clone()],
        };
        self.follow_refs(&mut here, 0);
        for segment in path {
            let (next, pointer) = self.child(&here, segment)?;
            here = Reached {
                schema: next,
                doc_pointers: vec![pointer],
            };
            self.follow_refs(&mut here, 0);
        }
        Some(here)
    }

    fn follow_refs(&self, here: &mut Reached<'a>, depth: usize) {
        if depth > 32 {
            return;
        }
        let Some(reference) = here.schema.get("$ref").and_then(Value::as_str) else {
            return;
        };
        let Some((_, fragment)) = reference.split_once('#') else {
            return;
        };
        if let Some(target) = self.root.pointer(fragment) {
            here.schema = target;
            here.doc_pointers.push(fragment.to_owned());
            self.follow_refs(here, depth + 1);
        }
    }

    fn child(&self, here: &Reached<'a>, segment: &str) -> Option<(&'a Value, String)> {
        let base = here.doc_pointers.last().cloned().unwrap_or_default();
        let schema = here.schema;
        if let Some(prop) = schema.get("properties").and_then(|p| p.get(segment)) {
            return Some((prop, format!("{base}/properties/{}", escape(segment))));
        }
        if let Some(items) = schema.get("items").filter(|i| i.is_object())
            && segment.parse::<usize>().is_ok()
        {
            return Some((items, format!("{base}/items")));
        }
        if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
            return Some((extra, format!("{base}/additionalProperties")));
        }
        for junctor in ["allOf", "anyOf", "oneOf"] {
            if let Some(branches) = schema.get(junctor).and_then(Value::as_array) {
                for (i, branch) in branches.iter().enumerate() {
                    let mut inner = Reached {
                        schema: branch,
                        doc_pointers: vec![format!("{base}/{junctor}/{i}")],
                    };
                    self.follow_refs(&mut inner, 0);
                    if let Some(found) = self.child(&inner, segment) {
                        return Some(found);
                    }
                }
            }
        }
        None
    }
}

/// Property names a schema node declares, its junctor branches included.
pub(crate) fn property_names(schema: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    for junctor in ["allOf", "anyOf", "oneOf"] {
        if let Some(branches) = schema.get(junctor).and_then(Value::as_array) {
            for branch in branches {
                names.extend(property_names(branch));
            }
        }
    }
    names
}

pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

pub(crate) fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Split an RFC 6901 pointer into unescaped segments.
pub(crate) fn segments(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .map(unescape)
        .collect()
}
