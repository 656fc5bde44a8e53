//! A resource during a build: its current value, the names it had, and where each of its
//! values came from (a base origin plus the overrides that patches and transformers recorded).

use std::sync::Arc;

use plimsoll_core::{Object, OriginTree, Provenance};
use serde_json::Value;

#[derive(Clone, Debug)]
pub(crate) struct Res {
    pub value: Value,
    /// The object whose file positions locate what no override covers (the resource as read,
    /// or the kustomization that generated it).
    pub base: Arc<Object>,
    pub root_origin: OriginTree,
    /// Later entries win over earlier ones; a path covers everything below it.
    pub overrides: Vec<(Vec<String>, OriginTree)>,
    /// Names and namespaces the resource had before the current ones, oldest first.
    pub previous: Vec<(String, Option<String>)>,
    pub prefixes: Vec<String>,
    pub suffixes: Vec<String>,
    /// A generated ConfigMap or Secret whose name takes a content hash at the end.
    pub hash: bool,
    pub generated: bool,
    /// A transformer kustomize names as the object's origin instead of its file (it does so
    /// when a JSON patch replaces the annotations where it keeps the file): the
    /// kustomization file and the transformer's kind.
    pub configured_by: Option<(String, &'static str)>,
    /// The kustomizations that brought the resource in, innermost first.
    pub chain: Vec<Arc<str>>,
    /// The name and namespace of the builtin plugin configuration that generated it.
    pub plugin: Option<(String, Option<String>)>,
}

impl Res {
    pub fn from_object(object: Arc<Object>) -> Res {
        Res {
            value: object.value.clone(),
            root_origin: OriginTree::From {
                object: object.clone(),
                pointer: String::new(),
            },
            base: object,
            overrides: Vec::new(),
            previous: Vec::new(),
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            hash: false,
            generated: false,
            configured_by: None,
            chain: Vec::new(),
            plugin: None,
        }
    }

    pub fn str_at(&self, pointer: &str) -> Option<&str> {
        self.value.pointer(pointer).and_then(Value::as_str)
    }

    pub fn kind(&self) -> &str {
        self.str_at("/kind").unwrap_or("")
    }

    pub fn api_version(&self) -> &str {
        self.str_at("/apiVersion").unwrap_or("")
    }

    pub fn group(&self) -> &str {
        match self.api_version().rsplit_once('/') {
            Some((group, _)) => group,
            None => "",
        }
    }

    pub fn version(&self) -> &str {
        match self.api_version().rsplit_once('/') {
            Some((_, version)) => version,
            None => self.api_version(),
        }
    }

    pub fn name(&self) -> &str {
        self.str_at("/metadata/name").unwrap_or("")
    }

    pub fn namespace(&self) -> Option<&str> {
        self.str_at("/metadata/namespace").filter(|n| !n.is_empty())
    }

    /// The first name the resource had.
    pub fn original_name(&self) -> &str {
        self.previous
            .first()
            .map(|(n, _)| n.as_str())
            .unwrap_or_else(|| self.name())
    }

    pub fn original_namespace(&self) -> Option<&str> {
        match self.previous.first() {
            Some((_, ns)) => ns.as_deref(),
            None => self.namespace(),
        }
    }

    /// Every name the resource had or has, with its namespace at the time.
    pub fn all_ids(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.previous
            .iter()
            .map(|(n, ns)| (n.as_str(), ns.as_deref()))
            .chain(std::iter::once((self.name(), self.namespace())))
    }

    /// Records the current name and namespace before a transformer changes either.
    pub fn remember_id(&mut self) {
        let id = (self.name().to_owned(), self.namespace().map(str::to_owned));
        if self.previous.last() != Some(&id) {
            self.previous.push(id);
        }
    }

    pub fn set_origin(&mut self, path: Vec<String>, origin: OriginTree) {
        self.overrides.push((path, origin));
    }

    /// `kind/namespace/name` for messages.
    pub fn display(&self) -> String {
        match self.namespace() {
            Some(ns) => format!("{}/{}/{}", self.kind(), ns, self.name()),
            None => format!("{}/{}", self.kind(), self.name()),
        }
    }

    /// The finished object: the built value, located through its origins.
    pub fn into_object(self, chain_outer_first: Vec<Arc<str>>) -> Object {
        let mut tree = OriginTree::Mixed {
            base: Some(Box::new(self.root_origin)),
            children: Vec::new(),
        };
        for (path, origin) in self.overrides {
            insert(&mut tree, &path, origin);
        }
        let base = &self.base;
        Object {
            value: self.value,
            source: base.source.clone(),
            tree: base.tree.clone(),
            root: base.root,
            document: base.document,
            item: base.item,
            template: None,
            provenance: Some(Arc::new(Provenance {
                tree,
                chain: chain_outer_first,
            })),
        }
    }
}

/// Places `origin` at `path`, replacing whatever covered that subtree.
fn insert(node: &mut OriginTree, path: &[String], origin: OriginTree) {
    let Some((first, rest)) = path.split_first() else {
        *node = origin;
        return;
    };
    if !matches!(node, OriginTree::Mixed { .. }) {
        let old = std::mem::replace(
            node,
            OriginTree::Mixed {
                base: None,
                children: Vec::new(),
            },
        );
        if let OriginTree::Mixed { base, .. } = node {
            *base = Some(Box::new(old));
        }
    }
    if let OriginTree::Mixed { children, .. } = node {
        match children.iter_mut().find(|(k, _)| k == first) {
            Some((_, child)) => insert(child, rest, origin),
            None => {
                let mut child = OriginTree::Mixed {
                    base: None,
                    children: Vec::new(),
                };
                insert(&mut child, rest, origin);
                children.push((first.clone(), child));
            }
        }
    }
}
