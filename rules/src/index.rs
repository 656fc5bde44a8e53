//! Every object of a run, indexed once so that cross-object rules (Services, Ingresses,
//! NetworkPolicies, PodDisruptionBudgets, HorizontalPodAutoscalers, duplicates) resolve
//! references across files and folders.
//!
//! Namespaces: an object without `metadata.namespace` gets its namespace when it is applied
//! (`kubectl apply -n`, Helm's release namespace), so it is taken to share a namespace with
//! every object. Rules that say "X matches nothing" look only at candidates in a compatible
//! namespace, and stay silent when there is no candidate at all: a lone Service file cannot
//! be judged.

use std::collections::HashMap;

use plimsoll_core::Object;
use serde_json::{Map, Value};

use crate::pod::{PodSpec, PodTemplates};

/// One object of the run, with its pod spec when it carries one.
#[derive(Debug)]
pub struct Entry<'o> {
    pub object: &'o Object,
    pub pod: Option<PodSpec<'o>>,
}

impl<'o> Entry<'o> {
    /// The labels of the pods this object creates (a Pod's own labels).
    pub fn pod_labels(&self) -> Option<&'o Map<String, Value>> {
        self.pod.as_ref()?.labels()
    }
}

#[derive(Debug)]
pub struct Index<'o> {
    pub entries: Vec<Entry<'o>>,
    by_kind: HashMap<&'o str, Vec<usize>>,
    /// (group, kind, namespace, name) → the first object with that identity.
    first: HashMap<(&'o str, &'o str, Option<&'o str>, &'o str), usize>,
}

fn explicit_name(object: &Object) -> Option<&str> {
    object.value.get("metadata")?.get("name")?.as_str()
}

/// Whether two namespaces may be the same once applied (a missing one matches any).
pub fn namespaces_compatible(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

impl<'o> Index<'o> {
    pub fn new(objects: &'o [Object], pods: &PodTemplates) -> Index<'o> {
        let mut by_kind: HashMap<&'o str, Vec<usize>> = HashMap::new();
        let mut first = HashMap::new();
        let entries = objects
            .iter()
            .enumerate()
            .map(|(i, object)| {
                by_kind.entry(object.kind()).or_default().push(i);
                if let Some(name) = explicit_name(object) {
                    first
                        .entry((object.group(), object.kind(), object.namespace(), name))
                        .or_insert(i);
                }
                Entry {
                    object,
                    pod: pods.pod_spec(object),
                }
            })
            .collect();
        Index {
            entries,
            by_kind,
            first,
        }
    }

    /// The position of the first object of the run with the same group, kind, namespace
    /// and `metadata.name` as `object` (objects with only a `generateName` have none).
    pub fn first_with_identity(&self, object: &Object) -> Option<usize> {
        let name = explicit_name(object)?;
        self.first
            .get(&(object.group(), object.kind(), object.namespace(), name))
            .copied()
    }

    /// Objects of a kind, in run order.
    pub fn of_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        self.by_kind
            .get(kind)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|&i| &self.entries[i])
    }

    /// Objects of a kind whose namespace may be `namespace`.
    pub fn of_kind_in<'a>(
        &'a self,
        kind: &str,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        self.of_kind(kind)
            .filter(move |e| namespaces_compatible(e.object.namespace(), namespace))
    }

    /// Objects that create pods (they carry a pod template) in a compatible namespace.
    /// Controllers' own pods are not separate objects in a run of manifests, so this is
    /// every candidate a selector could match.
    pub fn pod_owners_in<'a>(
        &'a self,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        self.entries.iter().filter(move |e| {
            e.pod.is_some() && namespaces_compatible(e.object.namespace(), namespace)
        })
    }
}
