//! Strategic merge patches (with the merge keys of kustomize's built-in schema) and JSON 6902
//! patches. Both record, for each value they set, the pointer into the patch it came from.

use serde_json::{Map, Value};

/// How a list is patched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ListStrategy<'a> {
    Replace,
    MergeKey(&'a str),
    /// A list of scalars merged as a set.
    Union,
}

/// The strategy of the list at `fields` (the map keys from the object root, array indices
/// left out) in objects of `group`/`kind`, as kustomize's built-in schema (Kubernetes 1.21)
/// declares it: the generated table of `merge_keys.rs`. A list the table does not hold is
/// replaced: a custom resource's (kustomize has no schema for it), or a field added to
/// Kubernetes after 1.21 (`schedulingGates`, `resourceClaims`, `resizePolicy`).
fn list_strategy<'a>(
    group: &str,
    kind: &str,
    fields: &[String],
    openapi: Option<&'a [MergeKey]>,
) -> ListStrategy<'a> {
    let gk = format!("{group}/{kind}");
    let path = fields.join("/");
    if let Some(table) = openapi {
        return match table.binary_search_by(|(k, p, _)| {
            (k.as_str(), p.as_str()).cmp(&(gk.as_str(), path.as_str()))
        }) {
            Ok(i) if table[i].2.is_empty() => ListStrategy::Union,
            Ok(i) => ListStrategy::MergeKey(&table[i].2),
            Err(_) => ListStrategy::Replace,
        };
    }
    let table = crate::merge_keys::MERGE_KEYS;
    match table.binary_search_by(|(k, p, _)| (*k, *p).cmp(&(gk.as_str(), path.as_str()))) {
        Ok(i) => match table[i].2 {
            "" => ListStrategy::Union,
            key => ListStrategy::MergeKey(key),
        },
        Err(_) => ListStrategy::Replace,
    }
}

/// A merge key of an `openapi:` schema: (group/Kind, field path, key; empty for a set of
/// scalars), sorted.
pub(crate) type MergeKey = (String, String, String);

/// The merge keys of an OpenAPI (swagger) schema: every list with a `merge` patch strategy,
/// walked to from each definition that names its group, version and kind.
pub(crate) fn openapi_merge_keys(schema: &Value) -> Vec<MergeKey> {
    fn walk(
        definitions: &Map<String, Value>,
        node: &Value,
        gk: &str,
        path: &mut Vec<String>,
        seen: &mut Vec<String>,
        out: &mut Vec<MergeKey>,
    ) {
        let (node, pushed) = match node.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap_or(reference).to_owned();
                if seen.contains(&name) || path.len() > 32 {
                    return;
                }
                let Some(found) = definitions.get(&name) else {
                    return;
                };
                seen.push(name);
                (found, true)
            }
            None => (node, false),
        };
        for (name, property) in node
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            path.push(name.clone());
            let strategy = property
                .get("x-kubernetes-patch-strategy")
                .and_then(Value::as_str)
                .unwrap_or("");
            if strategy.split(',').any(|s| s == "merge") {
                let key = property
                    .get("x-kubernetes-patch-merge-key")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                out.push((gk.to_owned(), path.join("/"), key.to_owned()));
            }
            match property.get("items") {
                Some(items) => walk(definitions, items, gk, path, seen, out),
                None => walk(definitions, property, gk, path, seen, out),
            }
            path.pop();
        }
        if pushed {
            seen.pop();
        }
    }
    let mut out = Vec::new();
    let Some(definitions) = schema.get("definitions").and_then(Value::as_object) else {
        return out;
    };
    for definition in definitions.values() {
        for gvk in definition
            .get("x-kubernetes-group-version-kind")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let text = |k: &str| gvk.get(k).and_then(Value::as_str).unwrap_or("");
            let gk = format!("{}/{}", text("group"), text("kind"));
            walk(
                definitions,
                definition,
                &gk,
                &mut Vec::new(),
                &mut Vec::new(),
                &mut out,
            );
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    out
}

/// A strategic merge of `patch` into `dest`. `set` receives (path in the result, pointer in the
/// patch) for every value the patch set.
pub(crate) struct Merge<'a> {
    pub group: &'a str,
    pub kind: &'a str,
    pub set: Vec<(Vec<String>, String)>,
    /// Set when the patch cannot apply (kustomize fails the build).
    pub error: Option<String>,
    /// The merge keys of the kustomization's `openapi:` schema, which replaces the built-in.
    pub openapi: Option<&'a [MergeKey]>,
}

impl Merge<'_> {
    pub fn apply(&mut self, dest: &mut Value, patch: &Value) {
        let mut path = Vec::new();
        let mut fields = Vec::new();
        let mut pointer = String::new();
        self.value(dest, patch, &mut path, &mut fields, &mut pointer);
    }

    fn value(
        &mut self,
        dest: &mut Value,
        patch: &Value,
        path: &mut Vec<String>,
        fields: &mut Vec<String>,
        pointer: &mut String,
    ) {
        match (dest, patch) {
            (Value::Object(d), Value::Object(p)) => {
                match p.get("$patch").and_then(Value::as_str) {
                    Some("replace") => {
                        *d = strip_map(p);
                        self.set.push((path.clone(), pointer.clone()));
                        return;
                    }
                    Some("delete") => {
                        d.clear();
                        return;
                    }
                    _ => {}
                }
                self.map(d, p, path, fields, pointer);
            }
            (Value::Array(d), Value::Array(p)) => {
                let strategy = list_strategy(self.group, self.kind, fields, self.openapi);
                self.list(d, p, strategy, path, fields, pointer);
            }
            (Value::Array(_), Value::Object(p)) if p.contains_key("$patch") => {
                self.error = Some(format!(
                    "`$patch` in a mapping at `{pointer}`, where the resource has a list"
                ));
            }
            (dest, patch) => {
                // A value the patch repeats (a merge key) keeps its origin.
                if dest != patch {
                    *dest = strip(patch);
                    self.set.push((path.clone(), pointer.clone()));
                }
            }
        }
    }

    fn map(
        &mut self,
        d: &mut Map<String, Value>,
        p: &Map<String, Value>,
        path: &mut Vec<String>,
        fields: &mut Vec<String>,
        pointer: &mut String,
    ) {
        // kustomize honours `$patch` only; other directives (`$setElementOrder/…`,
        // `$retainKeys`) are copied into the output as ordinary fields, and so are they here.
        for (key, pv) in p {
            if key == "$patch" {
                continue;
            }
            let mark = pointer.len();
            pointer.push('/');
            pointer.push_str(&escape(key));
            path.push(key.clone());
            fields.push(key.clone());
            if pv.is_null() {
                d.shift_remove(key);
            } else if pv.get("$patch").and_then(Value::as_str) == Some("delete") {
                if d.get(key).is_some_and(Value::is_array) {
                    self.error = Some(format!(
                        "`$patch: delete` in a mapping at `{pointer}`, where the resource has a list"
                    ));
                }
                d.shift_remove(key);
            } else {
                match d.get_mut(key) {
                    Some(dv) if !dv.is_null() => self.value(dv, pv, path, fields, pointer),
                    _ => {
                        let stripped = strip(pv);
                        d.insert(key.clone(), stripped);
                        self.set.push((path.clone(), pointer.clone()));
                    }
                }
            }
            pointer.truncate(mark);
            path.pop();
            fields.pop();
        }
    }

    fn list(
        &mut self,
        d: &mut Vec<Value>,
        p: &[Value],
        strategy: ListStrategy,
        path: &mut Vec<String>,
        fields: &mut Vec<String>,
        pointer: &mut String,
    ) {
        let replace_all = p
            .iter()
            .any(|v| v.get("$patch").and_then(Value::as_str) == Some("replace"));
        if replace_all || strategy == ListStrategy::Replace {
            *d = p
                .iter()
                .filter(|v| v.get("$patch").and_then(Value::as_str) != Some("replace"))
                .filter(|v| v.get("$patch").and_then(Value::as_str) != Some("delete"))
                .map(strip)
                .collect();
            self.set.push((path.clone(), pointer.clone()));
            return;
        }
        // The patch's items come first, in its order; the items it does not name follow in
        // their original order.
        let mut out: Vec<Value> = Vec::with_capacity(d.len() + p.len());
        let mut rest: Vec<Option<Value>> = std::mem::take(d).into_iter().map(Some).collect();
        match strategy {
            ListStrategy::Union => {
                for (i, item) in p.iter().enumerate() {
                    if out.contains(item) {
                        continue;
                    }
                    match rest.iter().position(|r| r.as_ref() == Some(item)) {
                        Some(at) => {
                            rest[at] = None;
                            out.push(item.clone());
                        }
                        None => {
                            out.push(item.clone());
                            path.push((out.len() - 1).to_string());
                            self.set.push((path.clone(), format!("{pointer}/{i}")));
                            path.pop();
                        }
                    }
                }
            }
            ListStrategy::MergeKey(key) => {
                for (i, item) in p.iter().enumerate() {
                    let mark = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&i.to_string());
                    let id = item.get(key);
                    let found = id.and_then(|id| {
                        rest.iter()
                            .position(|x| x.as_ref().and_then(|x| x.get(key)) == Some(id))
                    });
                    let directive = item.get("$patch").and_then(Value::as_str);
                    match (found, directive) {
                        (Some(at), Some("delete")) => rest[at] = None,
                        (None, Some("delete")) => {}
                        (Some(at), _) => {
                            if let Some(existing) = rest[at].take() {
                                out.push(existing);
                                let index = out.len() - 1;
                                path.push(index.to_string());
                                self.value(&mut out[index], item, path, fields, pointer);
                                path.pop();
                            }
                        }
                        (None, _) => {
                            out.push(strip(item));
                            path.push((out.len() - 1).to_string());
                            self.set.push((path.clone(), pointer.clone()));
                            path.pop();
                        }
                    }
                    pointer.truncate(mark);
                }
            }
            ListStrategy::Replace => {}
        }
        out.extend(rest.into_iter().flatten());
        *d = out;
    }
}

/// A patch value without its `$patch` directives (and without items or keys they delete).
fn strip(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(strip_map(map)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|v| v.get("$patch").and_then(Value::as_str) != Some("delete"))
                .map(strip)
                .collect(),
        ),
        other => other.clone(),
    }
}

fn strip_map(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(k, v)| {
            k.as_str() != "$patch"
                && !v.is_null()
                && v.get("$patch").and_then(Value::as_str) != Some("delete")
        })
        .map(|(k, v)| (k.clone(), strip(v)))
        .collect()
}

pub(crate) fn escape(token: &str) -> std::borrow::Cow<'_, str> {
    plimsoll_core::yaml::escape_token(token)
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Splits an RFC 6901 pointer into its tokens.
pub(crate) fn tokens(pointer: &str) -> Result<Vec<String>, String> {
    if pointer.is_empty() {
        return Ok(Vec::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(format!(
            "`{pointer}` is not a JSON pointer (it must start with `/`)"
        ));
    };
    Ok(rest.split('/').map(unescape).collect())
}

fn parent_mut<'v>(root: &'v mut Value, tokens: &[String]) -> Result<&'v mut Value, String> {
    let mut node = root;
    for token in tokens {
        node = match node {
            Value::Object(map) => map
                .get_mut(token)
                .ok_or_else(|| format!("no field `{token}`"))?,
            Value::Array(items) => {
                let index: usize = token
                    .parse()
                    .map_err(|_| format!("`{token}` is not an index"))?;
                let len = items.len();
                items
                    .get_mut(index)
                    .ok_or_else(|| format!("index {index} is out of range (length {len})"))?
            }
            _ => return Err(format!("cannot descend into a scalar at `{token}`")),
        };
    }
    Ok(node)
}

/// The concrete path of an added or replaced value (`-` resolved to an index).
pub(crate) fn add(root: &mut Value, pointer: &str, value: Value) -> Result<Vec<String>, String> {
    let mut toks = tokens(pointer)?;
    let Some(last) = toks.pop() else {
        *root = value;
        return Ok(Vec::new());
    };
    let parent = parent_mut(root, &toks)?;
    match parent {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            toks.push(last);
        }
        Value::Array(items) => {
            let index = if last == "-" {
                items.len()
            } else {
                last.parse::<usize>()
                    .map_err(|_| format!("`{last}` is not an index"))?
            };
            if index > items.len() {
                return Err(format!(
                    "index {index} is out of range (length {})",
                    items.len()
                ));
            }
            items.insert(index, value);
            toks.push(index.to_string());
        }
        _ => return Err("the parent is not a mapping or a list".to_owned()),
    }
    Ok(toks)
}

pub(crate) fn remove(root: &mut Value, pointer: &str) -> Result<Value, String> {
    let mut toks = tokens(pointer)?;
    let Some(last) = toks.pop() else {
        return Err("cannot remove the whole object".to_owned());
    };
    let parent = parent_mut(root, &toks)?;
    match parent {
        Value::Object(map) => map
            .shift_remove(&last)
            .ok_or_else(|| format!("no field `{last}`")),
        Value::Array(items) => {
            let index: usize = last
                .parse()
                .map_err(|_| format!("`{last}` is not an index"))?;
            if index >= items.len() {
                return Err(format!(
                    "index {index} is out of range (length {})",
                    items.len()
                ));
            }
            Ok(items.remove(index))
        }
        _ => Err("the parent is not a mapping or a list".to_owned()),
    }
}

/// One JSON 6902 operation. Returns the path of the value it set, if any.
pub(crate) fn json6902(root: &mut Value, op: &Value) -> Result<Option<Vec<String>>, String> {
    let kind = op.get("op").and_then(Value::as_str).unwrap_or("");
    let path = op
        .get("path")
        .and_then(Value::as_str)
        .ok_or("the operation has no `path`")?;
    let value = || {
        op.get("value")
            .cloned()
            .ok_or("the operation has no `value`")
    };
    let from = || {
        op.get("from")
            .and_then(Value::as_str)
            .ok_or("the operation has no `from`")
    };
    match kind {
        "add" => Ok(Some(add(root, path, value()?)?)),
        "remove" => remove(root, path).map(|_| None),
        "replace" => {
            let toks = tokens(path)?;
            let slot = parent_mut(root, &toks)?;
            *slot = value()?;
            Ok(Some(toks))
        }
        "move" => {
            let moved = remove(root, from()?)?;
            Ok(Some(add(root, path, moved)?))
        }
        "copy" => {
            let copied = parent_mut(root, &tokens(from()?)?)?.clone();
            Ok(Some(add(root, path, copied)?))
        }
        "test" => {
            let found = parent_mut(root, &tokens(path)?)?;
            if *found == value()? {
                Ok(None)
            } else {
                Err(format!("the value at `{path}` is not the one tested"))
            }
        }
        other => Err(format!("unknown operation `{other}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containers_merge_by_name_and_scheduling_gates_are_replaced() {
        let mut dest = json!({"spec": {"template": {"spec": {
            "containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}],
            "schedulingGates": [{"name": "gate-a"}]}}}});
        let patch = json!({"spec": {"template": {"spec": {
            "containers": [{"name": "b", "image": "z"}, {"name": "a", "$patch": "delete"}],
            "schedulingGates": [{"name": "gate-b"}]}}}});
        let mut merge = Merge {
            group: "apps",
            kind: "Deployment",
            set: Vec::new(),
            error: None,
            openapi: None,
        };
        merge.apply(&mut dest, &patch);
        assert_eq!(
            dest,
            json!({"spec": {"template": {"spec": {
                "containers": [{"name": "b", "image": "z"}],
                "schedulingGates": [{"name": "gate-b"}]}}}})
        );
    }

    #[test]
    fn the_merge_key_table_is_sorted_and_knows_no_field_added_after_1_21() {
        let table = crate::merge_keys::MERGE_KEYS;
        assert!(table.len() > 200, "{}", table.len());
        assert!(
            table
                .windows(2)
                .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)),
            "sorted, without duplicates"
        );
        for (_, path, _) in table {
            let last = path.rsplit('/').next().unwrap_or("");
            assert!(
                !matches!(last, "schedulingGates" | "resourceClaims" | "resizePolicy"),
                "{path}"
            );
        }
        let strategy = |gk: &str, path: &str| {
            let (group, kind) = gk.split_once('/').unwrap();
            let fields: Vec<String> = path.split('/').map(str::to_owned).collect();
            list_strategy(group, kind, &fields, None)
        };
        assert_eq!(
            strategy("apps/StatefulSet", "spec/template/spec/containers/env"),
            ListStrategy::MergeKey("name")
        );
        assert_eq!(
            strategy("/Service", "spec/ports"),
            ListStrategy::MergeKey("port")
        );
        assert_eq!(
            strategy(
                "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
                "webhooks"
            ),
            ListStrategy::MergeKey("name")
        );
        assert_eq!(
            strategy("batch/CronJob", "metadata/finalizers"),
            ListStrategy::Union
        );
        assert_eq!(
            strategy("apps/Deployment", "spec/template/spec/tolerations"),
            ListStrategy::Replace
        );
        assert_eq!(
            strategy("example.com/Widget", "spec/template/spec/containers"),
            ListStrategy::Replace
        );
    }

    #[test]
    fn json_patch_operations() {
        let mut v = json!({"a": [1, 2]});
        json6902(&mut v, &json!({"op": "add", "path": "/a/-", "value": 3})).expect("add");
        json6902(
            &mut v,
            &json!({"op": "replace", "path": "/a/0", "value": 0}),
        )
        .expect("replace");
        json6902(&mut v, &json!({"op": "remove", "path": "/a/1"})).expect("remove");
        assert_eq!(v, json!({"a": [0, 3]}));
        assert!(json6902(&mut v, &json!({"op": "remove", "path": "/b"})).is_err());
    }
}
