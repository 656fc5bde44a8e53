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
//! ([`Index::opaque_owner_near`]).
//!
//! The maps are built from the objects' facts ([`crate::facts`]): kinds, names, identities,
//! autoscalers' targets, CRD scopes, pod owners, pod labels and selectors are read there, not
//! from values. A lookup asked near an object turns its namespace and folder into symbols of
//! the run; a text that has no symbol is no object's, so nothing is filed under it. Each entry
//! still lends the rules its object's value and pod spec.

use std::collections::HashMap;

use plimsoll_core::Object;
use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::facts::{self, Detail, Frozen, ObjectFacts, PlaceTable, Sym, SymbolTable};
use crate::pod::{PodSpec, PodTemplates};
use crate::util::is_kubernetes_group;

mod owners;
mod selectors;

/// One object of the run, with its pod spec when it carries one, and its facts.
#[derive(Debug)]
pub struct Entry<'o> {
    pub object: &'o Object,
    pub pod: Option<PodSpec<'o>>,
    pub facts: &'o ObjectFacts,
}

impl<'o> Entry<'o> {
    /// The labels of the pods this object creates (a Pod's own labels).
    pub fn pod_labels(&self) -> Option<&'o Map<String, Value>> {
        self.pod.as_ref()?.labels()
    }

    fn near(&self, spot: Spot) -> bool {
        match (self.facts.namespace, spot.namespace) {
            (Some(x), Some(y)) => y == Some(x),
            (None, None) => true,
            _ => spot.folder == Some(self.facts.folder),
        }
    }
}

/// Where an object is, in the symbols of the run: its namespace (`Some(None)` when it names
/// one that no object of the run names) and its folder (`None` when no object of the run is
/// in it). What a lookup is asked near.
#[derive(Clone, Copy, Debug)]
struct Spot {
    namespace: Option<Option<Sym>>,
    folder: Option<Sym>,
}

/// Positions of entries, split so that "every entry near an object" is a chain of two lists
/// rather than a filter over all of them: entries by their namespace (`None` for those that
/// name none), and by folder, apart for entries with and without a namespace.
#[derive(Debug, Default)]
struct Near {
    by_namespace: HashMap<Option<Sym>, Vec<usize>>,
    by_folder: HashMap<(Sym, bool), Vec<usize>>,
}

impl Near {
    fn add(&mut self, facts: &ObjectFacts, position: usize) {
        self.by_namespace
            .entry(facts.namespace)
            .or_default()
            .push(position);
        self.by_folder
            .entry((facts.folder, facts.namespace.is_some()))
            .or_default()
            .push(position);
    }

    /// The entries near an object at `spot` (see [`Entry::near`]): those in the same
    /// namespace (or, for an object without one, all without one), then those in the same
    /// folder that differ in having a namespace. The two lists never overlap.
    fn near(&self, spot: Spot) -> impl Iterator<Item = usize> + '_ {
        let same = match spot.namespace {
            None => self.by_namespace.get(&None),
            Some(Some(namespace)) => self.by_namespace.get(&Some(namespace)),
            Some(None) => None,
        };
        let folder = spot
            .folder
            .and_then(|f| self.by_folder.get(&(f, spot.namespace.is_none())));
        let same = same.map_or(&[][..], Vec::as_slice);
        let folder = folder.map_or(&[][..], Vec::as_slice);
        same.iter().chain(folder).copied()
    }
}

/// Label selectors of one kind (`spec.podSelector` of NetworkPolicies, `spec.selector` of
/// PodDisruptionBudgets and Services), indexed so that finding the selectors that match a set
/// of pod labels costs about the number of those labels, not the number of selectors: a
/// selector with `matchLabels` is filed under its pair (key and text) that is rarest among
/// all selectors of the kind (every pair must be among the pod's labels, so any one of them
/// finds it); empty selectors (they match every pod) and those with only `matchExpressions`
/// are kept apart.
#[derive(Debug, Default)]
struct Selectors {
    by_pair: HashMap<(Sym, Sym), Near>,
    every: Near,
    expressions_only: Near,
}

/// Every object of the run, indexed once from the facts of its objects. All lookups cost
/// about the size of their answer, so cross-object rules stay linear in the number of
/// objects; every list is in run order.
#[derive(Debug)]
pub struct Index<'o> {
    pub entries: Vec<Entry<'o>>,
    /// The symbols and places of the run's facts.
    pub symbols: &'o SymbolTable,
    pub places: &'o PlaceTable,
    /// Objects of a kind, by namespace and folder.
    near_kind: HashMap<Sym, Near>,
    /// (kind, `metadata.name`) → objects, in run order.
    named: HashMap<(Sym, Sym), Vec<usize>>,
    /// HorizontalPodAutoscalers by the kind and name of their `scaleTargetRef`.
    autoscalers: HashMap<(Sym, Sym), Vec<usize>>,
    /// (group, kind, namespace, name) → the first object with that identity.
    first: HashMap<(Sym, Sym, Option<Sym>, Sym), usize>,
    /// Objects that carry a pod template.
    pod_owners: Near,
    /// Custom resources that an operator probably turns into pods.
    opaque_pod_owners: Near,
    /// Pod owners by pod label: key and value text.
    by_label: HashMap<(Sym, Sym), Vec<usize>>,
    /// Label selectors by the kind that carries them, for [`Index::selected_by_labels`].
    selectors: HashMap<&'static str, Selectors>,
    /// The `spec.scope` of each custom kind defined by a CRD of the run, by (group, kind).
    crd_scopes: HashMap<(Sym, Sym), Sym>,
}

/// The kinds whose selectors [`Index::selected_by_labels`] finds.
const SELECTOR_KINDS: &[&str] = &["NetworkPolicy", "PodDisruptionBudget", "Service"];

/// The selector of a NetworkPolicy (`spec.podSelector`), a PodDisruptionBudget
/// (`spec.selector`) or a Service (`spec.selector`, a plain map of labels: empty or absent, it
/// selects nothing, where an empty `LabelSelector` selects every pod), when present.
enum Selector<'f> {
    Map(&'f facts::MapSelector),
    Label(&'f facts::LabelSelector),
}

fn selector_of(facts: &ObjectFacts) -> Option<Selector<'_>> {
    match &facts.detail {
        Detail::Service(s) => match &s.selector {
            facts::MapSelector::Absent => None,
            selector => Some(Selector::Map(selector)),
        },
        Detail::Pdb(p) => p.selector.as_ref().map(Selector::Label),
        Detail::NetworkPolicy(n) => n.pod_selector.as_ref().map(Selector::Label),
        _ => None,
    }
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
    /// Built from the facts of the run's objects (`facts[i]` of `objects[i]`) and their
    /// frozen tables, in parallel: each object's pod spec on every thread, then each group of
    /// maps on its own thread, every one of them in run order, so lookups answer as a single
    /// pass would.
    pub fn new(
        objects: &'o [Object],
        facts: &'o [ObjectFacts],
        frozen: &'o Frozen,
        pods: &PodTemplates,
    ) -> Index<'o> {
        assert_eq!(
            objects.len(),
            facts.len(),
            "one fact record for each object"
        );
        let entries: Vec<Entry<'o>> = objects
            .par_iter()
            .zip(facts.par_iter())
            .map(|(object, facts)| Entry {
                object,
                pod: pods.pod_spec(object),
                facts,
            })
            .collect();
        let symbols = &frozen.symbols;
        let (((by_kind, near_kind), (named, first)), ((autoscalers, crd_scopes), (owners, labels))) =
            rayon::join(
                || rayon::join(|| kinds_of(facts), || names_of(facts)),
                || {
                    rayon::join(
                        || {
                            rayon::join(
                                || autoscalers_of(facts),
                                || facts::crd_scopes(facts, symbols),
                            )
                        },
                        || rayon::join(|| pod_owners_of(facts), || labels_of(facts)),
                    )
                },
            );
        let (pod_owners, opaque_pod_owners) = owners;
        let selectors = SELECTOR_KINDS
            .par_iter()
            .map(|&kind| {
                let positions = symbols
                    .get(kind)
                    .and_then(|k| by_kind.get(&k))
                    .map_or(&[][..], Vec::as_slice);
                (kind, index_selectors(facts, positions))
            })
            .collect();
        Index {
            entries,
            symbols,
            places: &frozen.places,
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

    /// For rules that read no other object (the per-file stage of a lint run): each object
    /// with its pod spec and no facts, and no lookup finds anything.
    pub fn alone(objects: &'o [Object], pods: &PodTemplates) -> Index<'o> {
        let (blank, frozen) = facts::blank();
        let entries = objects
            .par_iter()
            .map(|object| Entry {
                object,
                pod: pods.pod_spec(object),
                facts: blank,
            })
            .collect();
        Index {
            entries,
            symbols: &frozen.symbols,
            places: &frozen.places,
            near_kind: HashMap::new(),
            named: HashMap::new(),
            autoscalers: HashMap::new(),
            first: HashMap::new(),
            pod_owners: Near::default(),
            opaque_pod_owners: Near::default(),
            by_label: HashMap::new(),
            selectors: HashMap::new(),
            crd_scopes: HashMap::new(),
        }
    }

    /// Where `object` is, in the symbols of the run.
    fn spot(&self, object: &Object) -> Spot {
        Spot {
            namespace: object.namespace().map(|n| self.symbols.get(n)),
            folder: self.symbols.get(folder(object)),
        }
    }

    /// The position of the first object of the run with the same group, kind, namespace
    /// and `metadata.name` as the object of `facts` (objects with only a `generateName` have
    /// none).
    pub fn first_with_identity(&self, facts: &ObjectFacts) -> Option<usize> {
        let key = (facts.group, facts.kind, facts.namespace, facts.name?);
        self.first.get(&key).copied()
    }

    /// The `spec.scope` (`Namespaced`, `Cluster`) that the CRDs of the run defining this group
    /// and kind give it (`Cluster` when any of them says so).
    pub fn crd_scope(&self, group: &str, kind: &str) -> Option<&'o str> {
        let symbols = self.symbols;
        let key = (symbols.get(group)?, symbols.get(kind)?);
        self.crd_scopes.get(&key).map(|&s| symbols.resolve(s))
    }

    /// [`Index::crd_scope`] in symbols.
    pub fn crd_scope_of(&self, group: Sym, kind: Sym) -> Option<&'o str> {
        let symbols = self.symbols;
        self.crd_scopes
            .get(&(group, kind))
            .map(|&s| symbols.resolve(s))
    }

    /// Where the object of `facts` (one of the run's) is.
    fn spot_of(facts: &ObjectFacts) -> Spot {
        Spot {
            namespace: facts.namespace.map(Some),
            folder: Some(facts.folder),
        }
    }

    /// [`Index::of_kind_near`] asked with symbols, near the object of `near` (facts of the
    /// run).
    pub fn kind_near<'a>(
        &'a self,
        kind: Sym,
        near: &ObjectFacts,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let spot = Index::spot_of(near);
        self.near_kind
            .get(&kind)
            .into_iter()
            .flat_map(move |n| n.near(spot))
            .map(|i| &self.entries[i])
    }

    /// [`Index::named_near`] asked with symbols, near the object of `near` (facts of the run).
    pub fn named_kind_near<'a>(
        &'a self,
        kind: Sym,
        name: Sym,
        near: &ObjectFacts,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let spot = Index::spot_of(near);
        self.named
            .get(&(kind, name))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&i| &self.entries[i])
            .filter(move |e| e.near(spot))
    }

    /// [`Index::named`] asked with symbols.
    pub fn named_kind<'a>(
        &'a self,
        kind: Sym,
        name: Sym,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        self.named
            .get(&(kind, name))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&i| &self.entries[i])
    }

    /// Objects of a kind in the namespace of `near`.
    pub fn of_kind_near<'a>(
        &'a self,
        kind: &str,
        near: &'a Object,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let spot = self.spot(near);
        self.symbols
            .get(kind)
            .and_then(|k| self.near_kind.get(&k))
            .into_iter()
            .flat_map(move |n| n.near(spot))
            .map(|i| &self.entries[i])
    }

    /// The positions of the objects of a kind with this `metadata.name`, in run order.
    fn named_list(&self, kind: &str, name: &str) -> &[usize] {
        let key = self.symbols.get(kind).zip(self.symbols.get(name));
        key.and_then(|key| self.named.get(&key))
            .map_or(&[][..], Vec::as_slice)
    }

    /// Objects of a kind with this `metadata.name`, anywhere in the run.
    pub fn named<'a>(
        &'a self,
        kind: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Entry<'o>> + use<'a, 'o> {
        self.named_list(kind, name)
            .iter()
            .map(|&i| &self.entries[i])
    }

    /// The HorizontalPodAutoscalers near the object of `target` (facts of the run) whose
    /// `scaleTargetRef` names it (by `metadata.name`, else `metadata.generateName`).
    pub fn autoscalers_near<'a>(
        &'a self,
        target: &ObjectFacts,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let spot = Index::spot_of(target);
        target
            .name()
            .and_then(|name| self.autoscalers.get(&(target.kind, name)))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&i| &self.entries[i])
            .filter(move |e| e.near(spot))
    }

    /// The objects of `kind` (one of NetworkPolicy, PodDisruptionBudget, Service) near the
    /// object of `near` (facts of the run) whose selector selects pods with the labels of pod
    /// facts, each tested on its selector's facts.
    pub fn selected_by_labels<'a>(
        &'a self,
        kind: &str,
        near: &ObjectFacts,
        labels: Option<&[facts::Label]>,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let have = labels
            .into_iter()
            .flatten()
            .map(|l| (l.key, Some(l.text)))
            .collect();
        self.selected_near(kind, Index::spot_of(near), have)
    }

    /// The objects of `kind` at `spot` whose selector selects pods with the labels `have`
    /// (each key's text, `None` when no object of the run holds it).
    fn selected_near<'a>(
        &'a self,
        kind: &str,
        spot: Spot,
        have: Vec<(Sym, Option<Sym>)>,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let mut lists: Vec<&'a Near> = Vec::new();
        if let Some(index) = self.selectors.get(kind) {
            lists.extend([&index.every, &index.expressions_only]);
            lists.extend(
                have.iter()
                    .filter_map(|&(key, text)| index.by_pair.get(&(key, text?))),
            );
        }
        lists
            .into_iter()
            .flat_map(move |near| near.near(spot))
            .map(|i| &self.entries[i])
            .filter(move |e| {
                let get = |key: Sym| have.iter().find(|(k, _)| *k == key).map(|&(_, t)| t);
                match selector_of(e.facts) {
                    Some(Selector::Map(selector)) => selector.matches_with(get),
                    Some(Selector::Label(selector)) => selector.matches_with(get) == Some(true),
                    None => false,
                }
            })
    }
}

/// Positions of objects, by a key.
type Positions<K> = HashMap<K, Vec<usize>>;

/// Objects by kind, and by kind, namespace and folder.
fn kinds_of(facts: &[ObjectFacts]) -> (Positions<Sym>, HashMap<Sym, Near>) {
    let mut by_kind: Positions<Sym> = HashMap::new();
    let mut near_kind: HashMap<Sym, Near> = HashMap::new();
    for (i, f) in facts.iter().enumerate() {
        by_kind.entry(f.kind).or_default().push(i);
        near_kind.entry(f.kind).or_default().add(f, i);
    }
    (by_kind, near_kind)
}

/// Objects by kind and `metadata.name`, and the first of each identity.
#[allow(clippy::type_complexity)]
fn names_of(
    facts: &[ObjectFacts],
) -> (
    Positions<(Sym, Sym)>,
    HashMap<(Sym, Sym, Option<Sym>, Sym), usize>,
) {
    let mut named: Positions<(Sym, Sym)> = HashMap::new();
    let mut first = HashMap::new();
    for (i, f) in facts.iter().enumerate() {
        if let Some(name) = f.name {
            first
                .entry((f.group, f.kind, f.namespace, name))
                .or_insert(i);
            named.entry((f.kind, name)).or_default().push(i);
        }
    }
    (named, first)
}

/// HorizontalPodAutoscalers by the kind and name of their `scaleTargetRef`.
fn autoscalers_of(facts: &[ObjectFacts]) -> Positions<(Sym, Sym)> {
    let mut autoscalers: Positions<(Sym, Sym)> = HashMap::new();
    for (i, f) in facts.iter().enumerate() {
        if let Detail::Hpa(hpa) = &f.detail
            && let (Some(kind), Some(name)) = (hpa.target_kind, hpa.target_name)
        {
            autoscalers.entry((kind, name)).or_default().push(i);
        }
    }
    autoscalers
}

/// Objects that carry a pod template, and custom resources an operator probably turns into
/// pods.
fn pod_owners_of(facts: &[ObjectFacts]) -> (Near, Near) {
    let mut pod_owners = Near::default();
    let mut opaque_pod_owners = Near::default();
    for (i, f) in facts.iter().enumerate() {
        if f.pod.is_some() {
            pod_owners.add(f, i);
        } else if f.makes_pods() {
            opaque_pod_owners.add(f, i);
        }
    }
    (pod_owners, opaque_pod_owners)
}

/// Pod owners by pod label: key and value text.
fn labels_of(facts: &[ObjectFacts]) -> Positions<(Sym, Sym)> {
    let mut by_label: Positions<(Sym, Sym)> = HashMap::new();
    for (i, f) in facts.iter().enumerate() {
        let labels = f.pod.as_ref().and_then(|p| p.labels.as_deref());
        for label in labels.into_iter().flatten() {
            by_label.entry((label.key, label.text)).or_default().push(i);
        }
    }
    by_label
}

/// Files each selector of the objects at `positions` (all of one kind) under its rarest
/// `matchLabels` pair (see [`Selectors`]).
fn index_selectors(facts: &[ObjectFacts], positions: &[usize]) -> Selectors {
    fn pairs_of<'f>(selector: &Selector<'f>) -> Option<&'f [facts::Label]> {
        match *selector {
            Selector::Map(map) => map.pairs().filter(|p| !p.is_empty()),
            Selector::Label(label) => label.pairs(),
        }
    }
    let mut counts: HashMap<(Sym, Sym), usize> = HashMap::new();
    for &i in positions {
        let pairs = selector_of(&facts[i]).as_ref().and_then(pairs_of);
        for pair in pairs.into_iter().flatten() {
            *counts.entry((pair.key, pair.text)).or_default() += 1;
        }
    }
    let mut index = Selectors::default();
    for &i in positions {
        let f = &facts[i];
        let Some(selector) = selector_of(f) else {
            continue;
        };
        match (pairs_of(&selector), &selector) {
            (Some(pairs), _) => {
                let rarest = pairs
                    .iter()
                    .map(|pair| (pair.key, pair.text))
                    .min_by_key(|pair| counts.get(pair).copied().unwrap_or(0));
                if let Some(pair) = rarest {
                    index.by_pair.entry(pair).or_default().add(f, i);
                }
            }
            (None, Selector::Map(_)) => {}
            (None, Selector::Label(label)) if label.is_empty() => index.every.add(f, i),
            (None, Selector::Label(_)) => index.expressions_only.add(f, i),
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use plimsoll_core::{Discovery, LoadOptions, load_text};

    use super::*;

    fn load(name: &str, text: &str) -> Vec<Object> {
        let options = LoadOptions::default();
        load_text(name, text.to_owned(), Discovery::Explicit, &options).objects
    }

    const RUN: &str = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: not-x, namespace: shop}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: NotIn, values: [x]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: has-app, namespace: shop}
spec:
  podSelector:
    matchExpressions: [{key: app, operator: Exists}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: app-x, namespace: shop}
spec:
  podSelector:
    matchLabels: {app: x}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: here}
spec:
  podSelector: {}
";

    /// Labels that no selector names, and places that no object of the run has: no symbol
    /// of the run stands for the places, and the lookups answer as they would on text.
    #[test]
    fn texts_that_no_object_of_the_run_holds() {
        let mut objects = load("run/policies.yaml", RUN);
        objects.extend(load(
            "run/pods.yaml",
            "\
apiVersion: v1
kind: Pod
metadata: {name: strangers, namespace: shop, labels: {app: never-seen, team: nobody}}
spec: {containers: []}
---
apiVersion: v1
kind: Pod
metadata: {name: x, namespace: shop, labels: {app: x}}
spec: {containers: []}
---
apiVersion: v1
kind: Pod
metadata: {name: bare, namespace: shop}
spec: {containers: []}
",
        ));
        let pods = PodTemplates::new(&[]).unwrap();
        let (facts, frozen) = facts::of_run(&objects, &pods);
        let index = Index::new(&objects, &facts, &frozen, &pods);
        // In the namespace `shop` and, without one, in the same folder as `here`.
        let names = |position: usize| -> Vec<String> {
            let pod = facts[position].pod.as_ref().unwrap();
            index
                .selected_by_labels("NetworkPolicy", &facts[position], pod.labels.as_deref())
                .filter_map(|e| e.object.name().map(str::to_owned))
                .collect()
        };
        assert_eq!(names(4), ["here", "not-x", "has-app"]);
        assert_eq!(names(5), ["here", "has-app", "app-x"]);
        assert_eq!(names(6), ["here", "not-x"]);
        // A namespace no object names: only the folder's objects without one are near.
        let elsewhere = load(
            "run/other.yaml",
            "{apiVersion: v1, kind: Pod, metadata: {name: p, namespace: unseen}}",
        );
        let near: Vec<&str> = index
            .of_kind_near("NetworkPolicy", &elsewhere[0])
            .filter_map(|e| e.object.name())
            .collect();
        assert_eq!(near, ["here"]);
        let away = load(
            "away/pod.yaml",
            "{apiVersion: v1, kind: Pod, metadata: {name: p, namespace: unseen}}",
        );
        assert_eq!(index.of_kind_near("NetworkPolicy", &away[0]).count(), 0);
        assert_eq!(index.named("NetworkPolicy", "unseen").count(), 0);
        assert_eq!(index.first_with_identity(&facts[1]), Some(1));
    }
}
