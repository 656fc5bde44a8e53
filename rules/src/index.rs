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
use rayon::prelude::*;
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

/// Positions of entries, split so that "every entry near an object" is a chain of two lists
/// rather than a filter over all of them: entries by their namespace (`None` for those that
/// name none), and by folder, apart for entries with and without a namespace.
#[derive(Debug, Default)]
struct Near<'o> {
    by_namespace: HashMap<Option<&'o str>, Vec<usize>>,
    by_folder: HashMap<(&'o str, bool), Vec<usize>>,
}

impl<'o> Near<'o> {
    fn add(&mut self, namespace: Option<&'o str>, folder: &'o str, position: usize) {
        self.by_namespace
            .entry(namespace)
            .or_default()
            .push(position);
        self.by_folder
            .entry((folder, namespace.is_some()))
            .or_default()
            .push(position);
    }

    /// The entries near an object in `namespace` and `folder` (see [`Entry::near`]): those in
    /// the same namespace (or, for an object without one, all without one), then those in the
    /// same folder that differ in having a namespace. The two lists never overlap.
    fn near<'a>(
        &'a self,
        namespace: Option<&'a str>,
        folder: &'a str,
    ) -> impl Iterator<Item = usize> + use<'a, 'o> {
        let same: &'a [usize] = self
            .by_namespace
            .get(&namespace)
            .map_or(&[][..], Vec::as_slice);
        let folder: &'a [usize] = self
            .by_folder
            .get(&(folder, namespace.is_none()))
            .map_or(&[][..], Vec::as_slice);
        same.iter().chain(folder).copied()
    }
}

/// Label selectors of one kind (`spec.podSelector` of NetworkPolicies, `spec.selector` of
/// PodDisruptionBudgets), indexed so that finding the selectors that match a set of pod labels
/// costs about the number of those labels, not the number of selectors: a selector with
/// `matchLabels` is filed under its pair that is rarest among all selectors (every pair must be
/// among the pod's labels, so any one of them finds it); empty selectors (they match every pod)
/// and those with only `matchExpressions` are kept apart.
#[derive(Debug, Default)]
struct Selectors<'o> {
    by_pair: HashMap<(&'o str, String), Near<'o>>,
    every: Near<'o>,
    expressions_only: Near<'o>,
}

/// Every object of the run, indexed once. All lookups cost about the size of their answer,
/// so cross-object rules stay linear in the number of objects.
#[derive(Debug)]
pub struct Index<'o> {
    pub entries: Vec<Entry<'o>>,
    by_kind: HashMap<&'o str, Vec<usize>>,
    /// Objects of a kind, by namespace and folder.
    near_kind: HashMap<&'o str, Near<'o>>,
    /// (kind, `metadata.name`) → objects, in run order.
    named: HashMap<(&'o str, &'o str), Vec<usize>>,
    /// HorizontalPodAutoscalers by the kind and name of their `scaleTargetRef`.
    autoscalers: HashMap<(&'o str, &'o str), Vec<usize>>,
    /// (group, kind, namespace, name) → the first object with that identity.
    first: HashMap<(&'o str, &'o str, Option<&'o str>, &'o str), usize>,
    /// Objects that carry a pod template.
    pod_owners: Near<'o>,
    /// Custom resources that an operator probably turns into pods.
    opaque_pod_owners: Near<'o>,
    /// Pod owners by pod label: key, then value text.
    by_label: HashMap<&'o str, HashMap<String, Vec<usize>>>,
    /// Label selectors by the kind that carries them, for [`Index::selected_by`].
    selectors: HashMap<&'o str, Selectors<'o>>,
    /// The `spec.scope` of each custom kind defined by a CRD of the run, by (group, kind).
    crd_scopes: HashMap<(&'o str, &'o str), &'o str>,
}

/// Where each kind that selects pods keeps its selector, and whether that selector is a plain
/// map of labels (a Service's: empty or absent, it selects nothing) rather than a
/// `LabelSelector` (empty, it selects every pod).
const SELECTOR_KINDS: &[(&str, &str, bool)] = &[
    ("NetworkPolicy", "/spec/podSelector", false),
    ("PodDisruptionBudget", "/spec/selector", false),
    ("Service", "/spec/selector", true),
];

fn explicit_name(object: &Object) -> Option<&str> {
    object.value.get("metadata")?.get("name")?.as_str()
}

/// The folder of the file an object was read from (`""` for a bare file name or stdin).
pub fn folder(object: &Object) -> &str {
    let name = object.source.name();
    name.rfind(['/', '\\']).map_or("", |i| &name[..i])
}

/// Whether a custom resource probably makes an operator create pods.
pub(crate) fn makes_pods(object: &Object) -> bool {
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
    /// Built in parallel: what each object gives (its pod spec, namespace and folder) on
    /// every thread, then each group of maps on its own thread, every one of them in run
    /// order, so lookups answer as a single pass would.
    pub fn new(objects: &'o [Object], pods: &PodTemplates) -> Index<'o> {
        let entries: Vec<Entry<'o>> = objects
            .par_iter()
            .map(|object| Entry {
                object,
                pod: pods.pod_spec(object),
                namespace: object.namespace(),
                folder: folder(object),
            })
            .collect();
        let list = &entries[..];
        let (((by_kind, near_kind), (named, first)), ((autoscalers, crd_scopes), (owners, labels))) =
            rayon::join(
                || rayon::join(|| kinds_of(list), || names_of(list)),
                || {
                    rayon::join(
                        || rayon::join(|| autoscalers_of(list), || crd_scopes_of(list)),
                        || rayon::join(|| pod_owners_of(list), || labels_of(list)),
                    )
                },
            );
        let (pod_owners, opaque_pod_owners) = owners;
        let selectors = SELECTOR_KINDS
            .par_iter()
            .map(|&(kind, pointer, map)| {
                let selectors = index_selectors(list, &by_kind, kind, pointer, map);
                (kind, selectors)
            })
            .collect();
        Index {
            entries,
            by_kind,
            near_kind,
            named,
            autoscalers,
            first,
            pod_owners,
            opaque_pod_owners,
            by_label: labels,
            selectors,
            crd_scopes,
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

    /// The `spec.scope` (`Namespaced`, `Cluster`) that the CRDs of the run defining this group
    /// and kind give it (`Cluster` when any of them says so).
    pub fn crd_scope(&self, group: &str, kind: &str) -> Option<&'o str> {
        self.crd_scopes.get(&(group, kind)).copied()
    }

    /// Objects of a kind in the namespace of `near`.
    pub fn of_kind_near<'a>(
        &'a self,
        kind: &str,
        near: &'a Object,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let (namespace, folder) = (near.namespace(), folder(near));
        self.near_kind
            .get(kind)
            .into_iter()
            .flat_map(move |n| n.near(namespace, folder))
            .map(|i| &self.entries[i])
    }

    /// Objects of a kind with this `metadata.name`, anywhere in the run.
    pub fn named<'a>(
        &'a self,
        kind: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Entry<'o>> + use<'a, 'o> {
        let list: &'a [usize] = self.named.get(&(kind, name)).map_or(&[][..], Vec::as_slice);
        list.iter().map(|&i| &self.entries[i])
    }

    /// Objects of a kind with this `metadata.name` in the namespace of `near`.
    pub fn named_near<'a>(
        &'a self,
        kind: &'a str,
        name: &'a str,
        near: &'a Object,
    ) -> impl Iterator<Item = &'a Entry<'o>> + use<'a, 'o> {
        let (namespace, folder) = (near.namespace(), folder(near));
        let list: &'a [usize] = self.named.get(&(kind, name)).map_or(&[][..], Vec::as_slice);
        list.iter()
            .map(|&i| &self.entries[i])
            .filter(move |e| e.near(namespace, folder))
    }

    /// The HorizontalPodAutoscalers in the namespace of `target` whose `scaleTargetRef` names it.
    pub fn autoscalers_of<'a>(
        &'a self,
        target: &'a Object,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let (namespace, folder) = (target.namespace(), folder(target));
        let list = match target.name() {
            Some(name) => self
                .autoscalers
                .get(&(target.kind(), name))
                .map_or(&[][..], Vec::as_slice),
            None => &[],
        };
        list.iter()
            .map(|&i| &self.entries[i])
            .filter(move |e| e.near(namespace, folder))
    }

    /// Objects that create pods (they carry a pod template) in the namespace of `near`.
    /// Controllers' own pods are not separate objects in a run of manifests, so this is
    /// every candidate a selector could match.
    pub fn pod_owners_near<'a>(
        &'a self,
        near: &'a Object,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        self.pod_owners
            .near(near.namespace(), folder(near))
            .map(|i| &self.entries[i])
    }

    /// The pod owners near `near` that a `LabelSelector` selects. With `matchLabels`, only the
    /// owners that carry its rarest pair are tried.
    pub fn pod_owners_matching<'a>(
        &'a self,
        near: &'a Object,
        selector: &'a Value,
    ) -> Box<dyn Iterator<Item = &'a Entry<'o>> + 'a> {
        let (namespace, folder) = (near.namespace(), folder(near));
        let pairs = selector
            .get("matchLabels")
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty());
        let matching =
            move |e: &&'a Entry<'o>| label_selector_matches(selector, e.pod_labels()) == Some(true);
        match pairs {
            Some(pairs) => Box::new(
                self.rarest_postings(pairs)
                    .iter()
                    .map(|&i| &self.entries[i])
                    .filter(move |e| e.near(namespace, folder))
                    .filter(matching),
            ),
            None => Box::new(self.pod_owners_near(near).filter(matching)),
        }
    }

    /// The shortest list of pod owners that carry one of the selector's pairs.
    fn rarest_postings(&self, selector: &Map<String, Value>) -> &[usize] {
        selector
            .iter()
            .map(|(key, value)| {
                self.by_label
                    .get(key.as_str())
                    .and_then(|values| values.get(&scalar_text(value)))
                    .map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|list| list.len())
            .unwrap_or(&[])
    }

    /// The objects of `kind` (one of NetworkPolicy, PodDisruptionBudget, Service) in the
    /// namespace of `near` whose selector selects pods with `labels`.
    pub fn selected_by<'a>(
        &'a self,
        kind: &str,
        near: &'a Object,
        labels: Option<&'a Map<String, Value>>,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let (namespace, folder) = (near.namespace(), folder(near));
        let (pointer, map) = SELECTOR_KINDS
            .iter()
            .find(|(k, _, _)| *k == kind)
            .map_or(("", false), |(_, p, m)| (*p, *m));
        let index = self.selectors.get(kind);
        let by_pair = index.into_iter().flat_map(move |index| {
            labels
                .into_iter()
                .flatten()
                .filter_map(move |(key, value)| {
                    index.by_pair.get(&(key.as_str(), scalar_text(value)))
                })
        });
        let lists = index
            .into_iter()
            .flat_map(|index| [&index.every, &index.expressions_only])
            .chain(by_pair);
        lists
            .flat_map(move |near| near.near(namespace, folder))
            .map(|i| &self.entries[i])
            .filter(move |e| {
                e.object.value.pointer(pointer).is_some_and(|s| match s {
                    Value::Object(m) if map => !m.is_empty() && map_selector_matches(m, labels),
                    _ if map => false,
                    s => label_selector_matches(s, labels) == Some(true),
                })
            })
    }

    /// The pod owners near `near` whose pod labels hold every pair of a map selector (a
    /// Service's), found through the label index rather than by trying every owner.
    pub fn pod_owners_selected<'a>(
        &'a self,
        near: &'a Object,
        selector: &'a Map<String, Value>,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let (namespace, folder) = (near.namespace(), folder(near));
        self.rarest_postings(selector)
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
        self.opaque_pod_owners
            .near(near.namespace(), folder(near))
            .next()
            .is_some()
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
        if selector_is_empty(selector) {
            return false;
        }
        let pairs = selector
            .get("matchLabels")
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty());
        let Some(pairs) = pairs else {
            return self.matches_no_pod(near, |labels| label_selector_matches(selector, labels));
        };
        // An owner without the rarest pair fails `matchLabels` (`Some(false)`) before any
        // expression is read, so only the owners that carry it need a full check.
        let (namespace, folder) = (near.namespace(), folder(near));
        self.pod_owners_near(near).next().is_some()
            && self
                .rarest_postings(pairs)
                .iter()
                .map(|&i| &self.entries[i])
                .filter(|e| e.near(namespace, folder))
                .all(|e| label_selector_matches(selector, e.pod_labels()) == Some(false))
            && !self.has_opaque_pod_owner(near)
    }
}

/// Positions of entries, by a key.
type Positions<K> = HashMap<K, Vec<usize>>;

/// Objects by kind, and by kind, namespace and folder.
fn kinds_of<'o>(entries: &[Entry<'o>]) -> (Positions<&'o str>, HashMap<&'o str, Near<'o>>) {
    let mut by_kind: Positions<&'o str> = HashMap::new();
    let mut near_kind: HashMap<&'o str, Near<'o>> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let kind = entry.object.kind();
        by_kind.entry(kind).or_default().push(i);
        near_kind
            .entry(kind)
            .or_default()
            .add(entry.namespace, entry.folder, i);
    }
    (by_kind, near_kind)
}

/// Objects by kind and `metadata.name`, and the first of each identity.
#[allow(clippy::type_complexity)]
fn names_of<'o>(
    entries: &[Entry<'o>],
) -> (
    Positions<(&'o str, &'o str)>,
    HashMap<(&'o str, &'o str, Option<&'o str>, &'o str), usize>,
) {
    let mut named: Positions<(&'o str, &'o str)> = HashMap::new();
    let mut first = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        let object = entry.object;
        if let Some(name) = explicit_name(object) {
            let kind = object.kind();
            first
                .entry((object.group(), kind, entry.namespace, name))
                .or_insert(i);
            named.entry((kind, name)).or_default().push(i);
        }
    }
    (named, first)
}

/// HorizontalPodAutoscalers by the kind and name of their `scaleTargetRef`.
fn autoscalers_of<'o>(entries: &[Entry<'o>]) -> Positions<(&'o str, &'o str)> {
    let mut autoscalers: Positions<(&'o str, &'o str)> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        if entry.object.kind() == "HorizontalPodAutoscaler" {
            let target = entry.object.value.pointer("/spec/scaleTargetRef");
            let field = |f: &str| target.and_then(|t| t.get(f)).and_then(Value::as_str);
            if let (Some(k), Some(n)) = (field("kind"), field("name")) {
                autoscalers.entry((k, n)).or_default().push(i);
            }
        }
    }
    autoscalers
}

/// The scope of each kind the run's CRDs define.
fn crd_scopes_of<'o>(entries: &[Entry<'o>]) -> HashMap<(&'o str, &'o str), &'o str> {
    let mut crd_scopes = HashMap::new();
    for entry in entries {
        let object = entry.object;
        if object.kind() == "CustomResourceDefinition" {
            let spec = |p: &str| object.value.pointer(p).and_then(Value::as_str);
            if let (Some(group), Some(defined), Some(scope)) = (
                spec("/spec/group"),
                spec("/spec/names/kind"),
                spec("/spec/scope"),
            ) {
                // Any CRD that makes the kind cluster-scoped wins, as the rules ask "may
                // this kind have no namespace?".
                let known = crd_scopes.entry((group, defined)).or_insert(scope);
                if scope == "Cluster" {
                    *known = scope;
                }
            }
        }
    }
    crd_scopes
}

/// Objects that carry a pod template, and custom resources an operator probably turns into
/// pods.
fn pod_owners_of<'o>(entries: &[Entry<'o>]) -> (Near<'o>, Near<'o>) {
    let mut pod_owners = Near::default();
    let mut opaque_pod_owners = Near::default();
    for (i, entry) in entries.iter().enumerate() {
        if entry.pod.is_some() {
            pod_owners.add(entry.namespace, entry.folder, i);
        } else if makes_pods(entry.object) {
            opaque_pod_owners.add(entry.namespace, entry.folder, i);
        }
    }
    (pod_owners, opaque_pod_owners)
}

/// Pod owners by pod label: key, then value text.
fn labels_of<'o>(entries: &[Entry<'o>]) -> HashMap<&'o str, HashMap<String, Vec<usize>>> {
    let mut by_label: HashMap<&'o str, HashMap<String, Vec<usize>>> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        if entry.pod.is_none() {
            continue;
        }
        for (key, value) in entry.pod_labels().into_iter().flatten() {
            by_label
                .entry(key.as_str())
                .or_default()
                .entry(scalar_text(value))
                .or_default()
                .push(i);
        }
    }
    by_label
}

/// Files each selector of `kind` under its rarest `matchLabels` pair (see [`Selectors`]).
fn index_selectors<'o>(
    entries: &[Entry<'o>],
    by_kind: &HashMap<&'o str, Vec<usize>>,
    kind: &str,
    pointer: &str,
    map: bool,
) -> Selectors<'o> {
    let positions = by_kind.get(kind).map_or(&[][..], Vec::as_slice);
    let pairs_of = |i: usize| {
        let entry = &entries[i];
        let selector = entry.object.value.pointer(pointer);
        let pairs = if map {
            selector
        } else {
            selector.and_then(|s| s.get("matchLabels"))
        };
        pairs
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())
            .map(|m| (entry, m))
    };
    let mut counts: HashMap<(&'o str, String), usize> = HashMap::new();
    for &i in positions {
        if let Some((_, pairs)) = pairs_of(i) {
            for (key, value) in pairs {
                *counts
                    .entry((key.as_str(), scalar_text(value)))
                    .or_default() += 1;
            }
        }
    }
    let mut index = Selectors::default();
    for &i in positions {
        let entry = &entries[i];
        let Some(selector) = entry.object.value.pointer(pointer) else {
            continue;
        };
        match pairs_of(i) {
            Some((_, pairs)) => {
                let rarest = pairs
                    .iter()
                    .map(|(key, value)| (key.as_str(), scalar_text(value)))
                    .min_by_key(|pair| counts.get(pair).copied().unwrap_or(0));
                if let Some(pair) = rarest {
                    index
                        .by_pair
                        .entry(pair)
                        .or_default()
                        .add(entry.namespace, entry.folder, i);
                }
            }
            None if map => {}
            None if selector_is_empty(selector) => {
                index.every.add(entry.namespace, entry.folder, i);
            }
            None => index.expressions_only.add(entry.namespace, entry.folder, i),
        }
    }
    index
}
