//! Every object of a run, indexed once so that cross-object rules (Services, Ingresses,
//! NetworkPolicies, PodDisruptionBudgets, HorizontalPodAutoscalers, duplicates) resolve
//! references across files and folders.
//!
//! Namespaces: two objects are in the same namespace when both name the same one, when
//! neither names one, or when one names it and the other, without a namespace, is in the same
//! folder (it gets its namespace when applied: `kubectl apply -n`, Helm's release namespace).
//! Rules that say "X matches nothing" look only at candidates in the same namespace, and stay
//! silent when there is no candidate at all (a lone Service file cannot be judged) or when the
//! namespace holds an operator's custom resource that creates pods the run cannot see
//! ([`Index::has_opaque_pod_owner`]).

use std::collections::HashMap;

use plimsoll_core::Object;
use serde_json::{Map, Value};

use crate::pod::{PodSpec, PodTemplates};
use crate::util::{
    is_kubernetes_group, label_selector_matches, map_selector_matches, scalar_text,
    selector_is_empty,
};

/// One object of the run, with its pod spec when it carries one.
#[derive(Debug)]
pub struct Entry<'o> {
    pub object: &'o Object,
    pub pod: Option<PodSpec<'o>>,
    namespace: Option<&'o str>,
    folder: &'o str,
}

impl<'o> Entry<'o> {
    /// The labels of the pods this object creates (a Pod's own labels).
    pub fn pod_labels(&self) -> Option<&'o Map<String, Value>> {
        self.pod.as_ref()?.labels()
    }

    fn near(&self, namespace: Option<&str>, folder: &str) -> bool {
        match (self.namespace, namespace) {
            (Some(x), Some(y)) => x == y,
            (None, None) => true,
            _ => self.folder == folder,
        }
    }
}

#[derive(Debug)]
pub struct Index<'o> {
    pub entries: Vec<Entry<'o>>,
    by_kind: HashMap<&'o str, Vec<usize>>,
    /// (group, kind, namespace, name) → the first object with that identity.
    first: HashMap<(&'o str, &'o str, Option<&'o str>, &'o str), usize>,
    /// Objects that carry a pod template.
    pod_owners: Vec<usize>,
    /// Custom resources that an operator probably turns into pods.
    opaque_pod_owners: Vec<usize>,
    /// Pod owners by pod label: key, then value text.
    by_label: HashMap<&'o str, HashMap<String, Vec<usize>>>,
}

fn explicit_name(object: &Object) -> Option<&str> {
    object.value.get("metadata")?.get("name")?.as_str()
}

/// The folder of the file an object was read from (`""` for a bare file name or stdin).
pub fn folder(object: &Object) -> &str {
    let name = object.source.name();
    name.rfind(['/', '\\']).map_or("", |i| &name[..i])
}

/// Whether a custom resource probably makes an operator create pods.
fn makes_pods(object: &Object) -> bool {
    !is_known_group(object.group())
        && object
            .value
            .get("spec")
            .and_then(serde_json::Value::as_object)
            .is_some_and(|spec| POD_HINTS.iter().any(|h| spec.contains_key(*h)))
}

/// Whether two objects may be in the same namespace once applied.
pub fn same_namespace(a: &Object, b: &Object) -> bool {
    match (a.namespace(), b.namespace()) {
        (Some(x), Some(y)) => x == y,
        (None, None) => true,
        _ => folder(a) == folder(b),
    }
}

/// Whether every kind of an API group is known: Kubernetes' own groups and the Gateway API.
/// None of them creates pods in a way this crate cannot see.
fn is_known_group(group: &str) -> bool {
    is_kubernetes_group(group) || group == "gateway.networking.k8s.io"
}

/// Fields of a custom resource's `spec` that suggest an operator turns it into pods (the
/// Prometheus operator's `Prometheus` and `Alertmanager` have `replicas` and `podMetadata`).
const POD_HINTS: &[&str] = &[
    "replicas",
    "podMetadata",
    "podTemplate",
    "template",
    "image",
    "containers",
];

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
                    namespace: object.namespace(),
                    folder: folder(object),
                }
            })
            .collect::<Vec<_>>();
        let pod_owners: Vec<usize> = (0..entries.len())
            .filter(|&i| entries[i].pod.is_some())
            .collect();
        let opaque_pod_owners = (0..entries.len())
            .filter(|&i| entries[i].pod.is_none() && makes_pods(entries[i].object))
            .collect();
        let mut by_label: HashMap<&'o str, HashMap<String, Vec<usize>>> = HashMap::new();
        for &i in &pod_owners {
            for (key, value) in entries[i].pod_labels().into_iter().flatten() {
                by_label
                    .entry(key.as_str())
                    .or_default()
                    .entry(scalar_text(value))
                    .or_default()
                    .push(i);
            }
        }
        Index {
            entries,
            by_kind,
            first,
            pod_owners,
            opaque_pod_owners,
            by_label,
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

    /// Objects of a kind in the namespace of `near`.
    pub fn of_kind_near<'a>(
        &'a self,
        kind: &str,
        near: &'a Object,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let (namespace, folder) = (near.namespace(), folder(near));
        self.of_kind(kind)
            .filter(move |e| e.near(namespace, folder))
    }

    /// Objects that create pods (they carry a pod template) in the namespace of `near`.
    /// Controllers' own pods are not separate objects in a run of manifests, so this is
    /// every candidate a selector could match.
    pub fn pod_owners_near<'a>(
        &'a self,
        near: &'a Object,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let (namespace, folder) = (near.namespace(), folder(near));
        self.pod_owners
            .iter()
            .map(|&i| &self.entries[i])
            .filter(move |e| e.near(namespace, folder))
    }

    /// The pod owners near `near` whose pod labels hold every pair of a map selector (a
    /// Service's), found through the label index rather than by trying every owner.
    pub fn pod_owners_selected<'a>(
        &'a self,
        near: &'a Object,
        selector: &'a Map<String, Value>,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let (namespace, folder) = (near.namespace(), folder(near));
        // The shortest list of owners that carry one of the selector's pairs.
        let postings: &[usize] = selector
            .iter()
            .map(|(key, value)| {
                self.by_label
                    .get(key.as_str())
                    .and_then(|values| values.get(&scalar_text(value)))
                    .map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|list| list.len())
            .unwrap_or(&[]);
        postings
            .iter()
            .map(|&i| &self.entries[i])
            .filter(move |e| e.near(namespace, folder))
            .filter(move |e| map_selector_matches(selector, e.pod_labels()))
    }

    /// Whether a Service's map selector is known to select no pod (see [`Index::matches_no_pod`]).
    pub fn map_selector_matches_no_pod(
        &self,
        near: &Object,
        selector: &Map<String, Value>,
    ) -> bool {
        self.pod_owners_near(near).next().is_some()
            && self.pod_owners_selected(near, selector).next().is_none()
            && !self.has_opaque_pod_owner(near)
    }

    /// Whether the namespace of `near` holds a custom resource that probably makes an
    /// operator create pods (its `spec` has `replicas`, `podMetadata`, `template`…), whose
    /// labels the run cannot know: selectors that match nothing visible may match those.
    pub fn has_opaque_pod_owner(&self, near: &Object) -> bool {
        let (namespace, folder) = (near.namespace(), folder(near));
        self.opaque_pod_owners
            .iter()
            .any(|&i| self.entries[i].near(namespace, folder))
    }

    /// Whether a selector in the namespace of `near` is known to select no pod: there is at
    /// least one object there that creates pods, `matches` says `Some(false)` for the labels
    /// of every one, and no operator's resource may create pods the run cannot see. A
    /// malformed selector (`None`) is not judged.
    pub fn matches_no_pod(
        &self,
        near: &Object,
        matches: impl Fn(Option<&Map<String, Value>>) -> Option<bool>,
    ) -> bool {
        let mut candidates = self.pod_owners_near(near).peekable();
        candidates.peek().is_some()
            && candidates.all(|entry| matches(entry.pod_labels()) == Some(false))
            && !self.has_opaque_pod_owner(near)
    }

    /// [`Index::matches_no_pod`] for a `LabelSelector`; an empty one selects every pod.
    pub fn label_selector_matches_no_pod(&self, near: &Object, selector: &Value) -> bool {
        !selector_is_empty(selector)
            && self.matches_no_pod(near, |labels| label_selector_matches(selector, labels))
    }
}
