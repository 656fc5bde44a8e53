//! Choosing resources (`target:` of patches, replacements' `select`/`reject`) and reading the
//! dotted field paths of replacements and vars.

use regex::Regex;
use serde_json::Value;

use crate::res::Res;

/// A compiled `target:`/`select:` selector.
pub(crate) struct Selector {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
}

enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    Absent(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

fn anchored(pattern: &str) -> Result<Regex, String> {
    Regex::new(&format!("^(?:{pattern})$"))
        .map_err(|e| format!("`{pattern}` is not a valid regular expression: {e}"))
}

impl Selector {
    pub fn parse(value: &Value) -> Result<Selector, String> {
        let text = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Ok(Selector {
            group: text("group"),
            version: text("version"),
            kind: text("kind"),
            name: text("name").map(|n| anchored(&n)).transpose()?,
            namespace: text("namespace").map(|n| anchored(&n)).transpose()?,
            labels: parse_requirements(text("labelSelector").as_deref().unwrap_or(""))?,
            annotations: parse_requirements(text("annotationSelector").as_deref().unwrap_or(""))?,
        })
    }

    pub fn matches(&self, res: &Res) -> bool {
        if self.group.as_deref().is_some_and(|g| g != res.group())
            || self.version.as_deref().is_some_and(|v| v != res.version())
            || self.kind.as_deref().is_some_and(|k| k != res.kind())
        {
            return false;
        }
        if let Some(name) = &self.name
            && !name.is_match(res.original_name())
            && !name.is_match(res.name())
        {
            return false;
        }
        if let Some(ns) = &self.namespace {
            let original = res.original_namespace().unwrap_or("default");
            let current = res.namespace().unwrap_or("default");
            if !ns.is_match(original) && !ns.is_match(current) {
                return false;
            }
        }
        let labels = res.value.pointer("/metadata/labels");
        let annotations = res.value.pointer("/metadata/annotations");
        self.labels.iter().all(|r| r.matches(labels))
            && self.annotations.iter().all(|r| r.matches(annotations))
    }
}

impl Requirement {
    fn matches(&self, map: Option<&Value>) -> bool {
        let get = |key: &str| map.and_then(|m| m.get(key)).and_then(Value::as_str);
        match self {
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::Absent(k) => get(k).is_none(),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| vs.iter().all(|v| v != x)),
        }
    }
}

/// A Kubernetes label selector string: `a=b,c!=d,e,!f,g in (x,y),h notin (z)`.
fn parse_requirements(text: &str) -> Result<Vec<Requirement>, String> {
    let mut out = Vec::new();
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let set = |word: &str| {
            part.split_once(word).and_then(|(k, rest)| {
                let values = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
                Some((
                    k.trim().to_owned(),
                    values.split(',').map(|v| v.trim().to_owned()).collect(),
                ))
            })
        };
        if let Some((k, vs)) = set(" notin ") {
            out.push(Requirement::NotIn(k, vs));
        } else if let Some((k, vs)) = set(" in ") {
            out.push(Requirement::In(k, vs));
        } else if let Some((k, v)) = part.split_once("!=") {
            out.push(Requirement::NotEquals(k.trim().into(), v.trim().into()));
        } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
            out.push(Requirement::Equals(k.trim().into(), v.trim().into()));
        } else if let Some(k) = part.strip_prefix('!') {
            out.push(Requirement::Absent(k.trim().into()));
        } else if part.contains([' ', '(', ')']) {
            return Err(format!("`{part}` is not a label selector requirement"));
        } else {
            out.push(Requirement::Exists(part.to_owned()));
        }
    }
    Ok(out)
}

/// One step of a dotted field path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    Key(String),
    /// `[name=value]`: the list item whose field has that value.
    Match(String, String),
    Index(usize),
    /// `*`: every item or value.
    All,
}

/// `spec.template.spec.containers.[name=app].image`, `metadata.annotations.[a.b/c]`,
/// `spec.ports[0].port`, `spec.ports.0.port`.
pub(crate) fn parse_field_path(text: &str) -> Vec<Step> {
    let mut raw = Vec::new();
    let mut current = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '[' => {
                if depth == 0 && !current.is_empty() {
                    raw.push(std::mem::take(&mut current));
                }
                depth += 1;
                current.push(c);
            }
            ']' => {
                depth -= 1;
                current.push(c);
                if depth == 0 {
                    raw.push(std::mem::take(&mut current));
                }
            }
            '.' if depth == 0 => {
                if !current.is_empty() {
                    raw.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        raw.push(current);
    }
    raw.into_iter()
        .map(|part| {
            if let Some(inner) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
                if let Some((k, v)) = inner.split_once('=') {
                    return Step::Match(k.to_owned(), v.to_owned());
                }
                if let Ok(i) = inner.parse() {
                    return Step::Index(i);
                }
                return Step::Key(inner.to_owned());
            }
            if part == "*" {
                return Step::All;
            }
            match part.parse() {
                Ok(i) => Step::Index(i),
                Err(_) => Step::Key(part),
            }
        })
        .collect()
}

/// The concrete paths (as pointer tokens) a field path reaches in `value`. With `create`, a
/// missing key at the end or on the way is created as a mapping (the last one as null).
pub(crate) fn resolve_paths(value: &mut Value, steps: &[Step], create: bool) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(value, steps, create, &mut path, &mut out);
    out
}

fn walk(
    value: &mut Value,
    steps: &[Step],
    create: bool,
    path: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    let Some((step, rest)) = steps.split_first() else {
        out.push(path.clone());
        return;
    };
    match (step, value) {
        (Step::Key(k), Value::Object(map)) => {
            if !map.contains_key(k) {
                if !create {
                    return;
                }
                let fresh = if rest.is_empty() {
                    Value::Null
                } else {
                    Value::Object(Default::default())
                };
                map.insert(k.clone(), fresh);
            }
            if let Some(child) = map.get_mut(k) {
                path.push(k.clone());
                walk(child, rest, create, path, out);
                path.pop();
            }
        }
        (Step::Key(k), Value::Null) if create => {
            let mut map = serde_json::Map::new();
            map.insert(k.clone(), Value::Null);
            let mut fresh = Value::Object(map);
            walk(&mut fresh, steps, create, path, out);
        }
        (Step::Match(k, v), Value::Array(items)) => {
            for (i, item) in items.iter_mut().enumerate() {
                let hit = match item.get(k) {
                    Some(Value::String(s)) => s == v,
                    Some(other) => v.as_str() == other.to_string().as_str(),
                    None => false,
                };
                if hit {
                    path.push(i.to_string());
                    walk(item, rest, create, path, out);
                    path.pop();
                }
            }
        }
        (Step::Index(i), Value::Array(items)) => {
            if let Some(item) = items.get_mut(*i) {
                path.push(i.to_string());
                walk(item, rest, create, path, out);
                path.pop();
            }
        }
        (Step::All, Value::Array(items)) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                walk(item, rest, create, path, out);
                path.pop();
            }
        }
        (Step::All, Value::Object(map)) => {
            for (k, item) in map.iter_mut() {
                path.push(k.clone());
                walk(item, rest, create, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The value at a path of tokens.
pub(crate) fn get_path<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    let mut node = value;
    for token in path {
        node = match node {
            Value::Object(map) => map.get(token)?,
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

pub(crate) fn get_path_mut<'v>(value: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    let mut node = value;
    for token in path {
        node = match node {
            Value::Object(map) => map.get_mut(token)?,
            Value::Array(items) => items.get_mut(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_paths() {
        assert_eq!(
            parse_field_path("spec.containers.[name=a.b].image"),
            vec![
                Step::Key("spec".into()),
                Step::Key("containers".into()),
                Step::Match("name".into(), "a.b".into()),
                Step::Key("image".into())
            ]
        );
        assert_eq!(parse_field_path("spec.ports[0].port")[2], Step::Index(0));
        let mut v = json!({"spec": {"containers": [{"name": "x", "image": "i"}]}});
        let paths = resolve_paths(
            &mut v,
            &parse_field_path("spec.containers.[name=x].image"),
            false,
        );
        assert_eq!(paths, vec![vec!["spec", "containers", "0", "image"]]);
    }

    #[test]
    fn label_selectors() {
        let reqs = parse_requirements("a=b, c in (x,y), !d").expect("parses");
        let labels = json!({"a": "b", "c": "y"});
        assert!(reqs.iter().all(|r| r.matches(Some(&labels))));
        let other = json!({"a": "b", "c": "z"});
        assert!(!reqs.iter().all(|r| r.matches(Some(&other))));
    }
}
