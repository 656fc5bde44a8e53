//! Compact facts about each object of a run: what the rules across objects read, without the
//! object's value or span tree.
//!
//! The rules that look at other objects (a Service's pods, a binding's role, an autoscaler's
//! target) read a few fields of each object of the run: its identity, its pod labels, a
//! selector, a reference. [`ObjectFacts::of`] reads those fields once, after the per-file
//! stages, into a record of a few hundred bytes, so that the run can drop values and span
//! trees before the stage across objects. Each fact answers exactly what today's helpers answer
//! on values (`util::label_selector_matches`, `util::replicas`, the rules' own reads), quirks
//! included; the tests in `facts/tests.rs` compare every answer on every fixture.
//!
//! Strings are interned run-wide ([`Symbols`], 4-byte [`Sym`]s). Every place a finding or a
//! related location of these rules can point to is located when the facts are built, exactly
//! as `Object::locate` and `Ctx::missing` would locate it (provenance included), and kept as a
//! 12-byte [`Loc`]: an index into the run's [`Places`] (a source and its Helm template) and
//! a span. Build the facts with a [`Tables`] shared by every thread, then [`Tables::freeze`]
//! it to resolve symbols and locations.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};

use plimsoll_core::{Location, Object, ObjectRef, Source, Span};
use serde_json::{Map, Value};

use crate::pod::PodTemplates;
use crate::util::scalar_text;

/// An interned string: 4 bytes, and `Option<Sym>` too.
pub type Sym = NonZeroU32;

/// Shards of the interner: threads that intern at once rarely wait for one another.
const SHARD_BITS: u32 = 4;
const SHARDS: usize = 1 << SHARD_BITS;

/// The hasher that picks a shard (fixed keys: a string always lands in the same shard).
type ShardHasher = BuildHasherDefault<DefaultHasher>;

#[derive(Debug, Default)]
struct Shard {
    ids: HashMap<Arc<str>, u32>,
    texts: Vec<Arc<str>>,
}

/// The run-wide string interner, filled from every thread while facts are built, then frozen
/// ([`Symbols::freeze`]) for the rules. Each shard is a `Mutex`: simpler than tables built
/// per thread and merged (every symbol of every fact renumbered), and cheap beside a run. On
/// two idle cores, the facts of `bench-data/scale-50000` take 0.41 s on one thread and 0.35 s
/// on two (with a table for each thread, unmerged: 0.28 s), about 4 % of the 10.7 s of CPU
/// time of a lint run of those files; 0.07 % of the interning calls find their shard locked.
#[derive(Debug)]
pub struct Symbols {
    shards: Vec<Mutex<Shard>>,
}

impl Default for Symbols {
    fn default() -> Symbols {
        Symbols {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

fn shard_of(text: &str) -> usize {
    (ShardHasher::default().hash_one(text) as usize) & (SHARDS - 1)
}

/// The symbol of the `index`th string of `shard`. A shard holds up to 2^28 strings, far more
/// than fit in memory with their maps.
fn sym(shard: usize, index: usize) -> Sym {
    let index = u32::try_from(index)
        .unwrap_or(u32::MAX)
        .min(u32::MAX >> SHARD_BITS);
    let id = (index << SHARD_BITS | shard as u32).saturating_add(1);
    NonZeroU32::MIN.saturating_add(id - 1)
}

fn unsym(sym: Sym) -> (usize, usize) {
    let id = sym.get() - 1;
    ((id as usize) & (SHARDS - 1), (id >> SHARD_BITS) as usize)
}

impl Symbols {
    /// The symbol of `text`, the same for equal texts from any thread.
    pub fn intern(&self, text: &str) -> Sym {
        let s = shard_of(text);
        let mut shard = self.shards[s]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(&index) = shard.ids.get(text) {
            return sym(s, index as usize);
        }
        let index = shard.texts.len();
        let text: Arc<str> = Arc::from(text);
        shard.texts.push(text.clone());
        shard.ids.insert(text, index as u32);
        sym(s, index)
    }

    /// Read-only from now on: symbols resolve to their text.
    pub fn freeze(self) -> SymbolTable {
        let shards = self
            .shards
            .into_iter()
            .map(|s| s.into_inner().unwrap_or_else(PoisonError::into_inner))
            .collect();
        SymbolTable { shards }
    }
}

/// The interned strings of a run, read-only.
#[derive(Debug)]
pub struct SymbolTable {
    shards: Vec<Shard>,
}

impl SymbolTable {
    /// The text of a symbol of this table.
    pub fn resolve(&self, sym: Sym) -> &str {
        let (shard, index) = unsym(sym);
        self.shards
            .get(shard)
            .and_then(|s| s.texts.get(index))
            .map_or("", |t| t)
    }

    /// The symbol of `text`, if some fact holds it (a rule looks up `ServiceAccount` so).
    pub fn get(&self, text: &str) -> Option<Sym> {
        let s = shard_of(text);
        let index = *self.shards.get(s)?.ids.get(text)?;
        Some(sym(s, index as usize))
    }

    /// Heap bytes of the table (an estimate: texts, their reference counts, the maps).
    pub fn heap_bytes(&self) -> usize {
        let entry = size_of::<Arc<str>>() + size_of::<u32>() + 8;
        self.shards
            .iter()
            .map(|s| {
                let texts: usize = s.texts.iter().map(|t| t.len() + 16).sum();
                texts + s.texts.capacity() * size_of::<Arc<str>>() + s.ids.capacity() * entry
            })
            .sum()
    }
}

/// A place a finding can point to: a source and the Helm template of the document.
type Place = (Arc<Source>, Option<Arc<str>>);

/// The places of a run, filled from every thread while facts are built (one per file, and
/// one per file a built object's values come from). Few, so one lock.
#[derive(Debug, Default)]
pub struct Places {
    inner: Mutex<PlaceList>,
}

#[derive(Debug, Default)]
struct PlaceList {
    ids: HashMap<(usize, Option<Arc<str>>), u32>,
    list: Vec<Place>,
}

impl Places {
    fn add(&self, location: Location) -> Loc {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (Arc::as_ptr(&location.source) as usize, location.template);
        let next = u32::try_from(inner.list.len()).unwrap_or(u32::MAX);
        let place = match inner.ids.get(&key) {
            Some(&place) => place,
            None => {
                inner.ids.insert(key.clone(), next);
                inner.list.push((location.source, key.1));
                next
            }
        };
        Loc {
            place,
            span: location.span,
        }
    }
}

/// A precomputed location: 12 bytes, resolved with [`PlaceTable::location`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Loc {
    place: u32,
    span: Span,
}

/// The places of a run, read-only.
#[derive(Debug)]
pub struct PlaceTable {
    list: Vec<Place>,
}

impl PlaceTable {
    /// The location a [`Loc`] stands for, as `Object::locate` gave it.
    pub fn location(&self, loc: Loc) -> Option<Location> {
        let (source, template) = self.list.get(loc.place as usize)?;
        Some(Location {
            source: source.clone(),
            span: loc.span,
            template: template.clone(),
        })
    }
}

/// What facts are built with, shared by every thread of a run.
#[derive(Debug, Default)]
pub struct Tables {
    pub symbols: Symbols,
    pub places: Places,
}

impl Tables {
    /// Read-only from now on.
    pub fn freeze(self) -> Frozen {
        let places = self
            .places
            .inner
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        Frozen {
            symbols: self.symbols.freeze(),
            places: PlaceTable { list: places.list },
        }
    }
}

/// The symbols and places of a run, read-only, for the rules.
#[derive(Debug)]
pub struct Frozen {
    pub symbols: SymbolTable,
    pub places: PlaceTable,
}

/// A record that holds no fact, with the empty tables it is read with: what
/// `Index::alone` gives each object of a set of rules that read no other object.
pub(crate) fn blank() -> &'static (ObjectFacts, Frozen) {
    static BLANK: std::sync::LazyLock<(ObjectFacts, Frozen)> = std::sync::LazyLock::new(|| {
        let tables = Tables::default();
        let none = tables.symbols.intern("");
        let nowhere = Loc {
            place: 0,
            span: Span::default(),
        };
        let facts = ObjectFacts {
            api_version: none,
            kind: none,
            group: none,
            name: None,
            generate_name: None,
            namespace: None,
            folder: none,
            file: 0,
            name_loc: nowhere,
            namespace_loc: nowhere,
            replicas: Count::Absent,
            replicas_loc: nowhere,
            digest: 0,
            flags: 0,
            pod: None,
            detail: Detail::None,
        };
        (facts, tables.freeze())
    });
    &BLANK
}

/// The facts of every object of a run (`objects[i]`'s at `i`), built in parallel with one
/// set of tables, then frozen.
pub fn of_run(objects: &[Object], pods: &PodTemplates) -> (Vec<ObjectFacts>, Frozen) {
    use rayon::prelude::*;
    let tables = Tables::default();
    let facts = objects
        .par_iter()
        .map(|object| ObjectFacts::of(object, pods, &tables))
        .collect();
    (facts, tables.freeze())
}

/// A label of a pod, or a pair of a selector, in map order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label {
    pub key: Sym,
    /// The value as selectors compare it: `scalar_text` (`true` and `"true"` alike).
    pub text: Sym,
    /// Whether the value is a string: `related::similar_owners` scores pairs by strict
    /// equality, where `true` and `"true"` differ.
    pub string: bool,
}

/// The labels of `value` when it is a mapping.
fn labels(tables: &Tables, value: Option<&Value>) -> Option<Box<[Label]>> {
    value
        .and_then(Value::as_object)
        .map(|map| pairs(tables, map))
}

fn pairs(tables: &Tables, map: &Map<String, Value>) -> Box<[Label]> {
    map.iter()
        .map(|(key, value)| Label {
            key: tables.symbols.intern(key),
            text: tables.symbols.intern(&scalar_text(value)),
            string: value.is_string(),
        })
        .collect()
}

/// The label of `key` in `labels` (pod labels: a map, so at most one).
pub fn label(labels: &[Label], key: Sym) -> Option<&Label> {
    labels.iter().find(|l| l.key == key)
}

/// Whether `labels` satisfy a Service-style selector: `util::map_selector_matches`.
pub fn map_selector_matches(selector: &[Label], labels: Option<&[Label]>) -> bool {
    !selector.is_empty()
        && selector.iter().all(|want| {
            labels
                .and_then(|l| label(l, want.key))
                .is_some_and(|have| have.text == want.text)
        })
}

/// A Service's `spec.selector`: a map of labels, or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapSelector {
    Absent,
    /// Present but not a mapping.
    NotMap,
    Map(Box<[Label]>),
}

impl MapSelector {
    fn of(tables: &Tables, value: Option<&Value>) -> MapSelector {
        match value {
            None => MapSelector::Absent,
            Some(Value::Object(map)) => MapSelector::Map(pairs(tables, map)),
            Some(_) => MapSelector::NotMap,
        }
    }

    /// The pairs, when it is a mapping.
    pub fn pairs(&self) -> Option<&[Label]> {
        match self {
            MapSelector::Map(pairs) => Some(pairs),
            _ => None,
        }
    }

    /// What `Index::selected_by` asks of a map selector: a non-empty map that matches.
    pub fn matches(&self, labels: Option<&[Label]>) -> bool {
        self.pairs()
            .is_some_and(|pairs| map_selector_matches(pairs, labels))
    }

    /// [`MapSelector::matches`] for labels known through `get` (see
    /// [`LabelSelector::matches_with`]).
    pub fn matches_with(&self, get: impl Fn(Sym) -> Option<Option<Sym>>) -> bool {
        self.pairs().is_some_and(|pairs| {
            !pairs.is_empty()
                && pairs
                    .iter()
                    .all(|want| get(want.key) == Some(Some(want.text)))
        })
    }
}

/// Part of a `LabelSelector`: absent, present but of the wrong shape, or a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part<T> {
    Absent,
    Malformed,
    List(Box<[T]>),
}

impl<T> Part<T> {
    fn items(&self) -> &[T] {
        match self {
            Part::List(items) => items,
            _ => &[],
        }
    }
}

/// The operator of a `matchExpressions` item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    /// No string `key`, no string `operator`, or an operator the API does not have: the
    /// selector is malformed from here on.
    Malformed,
}

/// One item of `matchExpressions`, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// The `key`, when it is a string (`LabelSelector::keys` reads it even when the
    /// item is malformed otherwise).
    pub key: Option<Sym>,
    pub op: Op,
    /// `values` as text (`scalar_text`); empty when not a list.
    pub values: Box<[Sym]>,
}

/// A `LabelSelector` (a PodDisruptionBudget's `selector`, a NetworkPolicy's `podSelector`
/// and its peers'), kept with its malformed parts in order so that matching fails where
/// `util::label_selector_matches` fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelSelector {
    /// Whether the selector is a mapping at all.
    pub is_map: bool,
    pub match_labels: Part<Label>,
    pub expressions: Part<Expr>,
}

impl LabelSelector {
    fn of(tables: &Tables, value: &Value) -> LabelSelector {
        let Some(map) = value.as_object() else {
            return LabelSelector {
                is_map: false,
                match_labels: Part::Absent,
                expressions: Part::Absent,
            };
        };
        let match_labels = match map.get("matchLabels") {
            None => Part::Absent,
            Some(Value::Object(m)) => Part::List(pairs(tables, m)),
            Some(_) => Part::Malformed,
        };
        let expressions = match map.get("matchExpressions") {
            None => Part::Absent,
            Some(Value::Array(items)) => {
                Part::List(items.iter().map(|e| Expr::of(tables, e)).collect())
            }
            Some(_) => Part::Malformed,
        };
        LabelSelector {
            is_map: true,
            match_labels,
            expressions,
        }
    }

    /// `util::label_selector_matches`: `None` when malformed, at the first malformed part
    /// after any that fails.
    pub fn matches(&self, labels: Option<&[Label]>) -> Option<bool> {
        self.matches_with(|key| labels.and_then(|l| label(l, key)).map(|l| Some(l.text)))
    }

    /// [`LabelSelector::matches`] for labels known through `get`: for a key, `None` when the
    /// pod has no such label, else the symbol of its text, or `None` when the text has no
    /// symbol (labels of an object the facts were not built from: no selector holds it).
    pub fn matches_with(&self, get: impl Fn(Sym) -> Option<Option<Sym>>) -> Option<bool> {
        if !self.is_map {
            return None;
        }
        match &self.match_labels {
            Part::Malformed => return None,
            Part::Absent => {}
            Part::List(pairs) => {
                if pairs
                    .iter()
                    .any(|want| get(want.key) != Some(Some(want.text)))
                {
                    return Some(false);
                }
            }
        }
        match &self.expressions {
            Part::Malformed => return None,
            Part::Absent => {}
            Part::List(expressions) => {
                for e in expressions {
                    let (Some(key), false) = (e.key, e.op == Op::Malformed) else {
                        return None;
                    };
                    let have = get(key);
                    let listed = |h: Option<Sym>| h.is_some_and(|h| e.values.contains(&h));
                    let ok = match e.op {
                        Op::In => have.is_some_and(listed),
                        Op::NotIn => have.is_none_or(|h| !listed(h)),
                        Op::Exists => have.is_some(),
                        Op::DoesNotExist => have.is_none(),
                        Op::Malformed => return None,
                    };
                    if !ok {
                        return Some(false);
                    }
                }
            }
        }
        Some(true)
    }

    /// `util::selector_is_empty`: selects every pod of the namespace.
    pub fn is_empty(&self) -> bool {
        !self.is_map
            || (self.match_labels.items().is_empty() && self.expressions.items().is_empty())
    }

    /// The `matchLabels` pairs when it is a non-empty mapping (the index files a selector
    /// under its rarest pair).
    pub fn pairs(&self) -> Option<&[Label]> {
        Some(self.match_labels.items()).filter(|p| !p.is_empty())
    }

    /// What `related::similar_owners` weighs: the `matchLabels` pairs, and the keys of the
    /// pairs and of the expressions (those with a string `key`).
    pub fn keys(&self) -> (&[Label], Vec<Sym>) {
        let pairs = self.match_labels.items();
        let mut keys: Vec<Sym> = pairs.iter().map(|l| l.key).collect();
        keys.extend(self.expressions.items().iter().filter_map(|e| e.key));
        (pairs, keys)
    }
}

impl Expr {
    fn of(tables: &Tables, value: &Value) -> Expr {
        let key = value.get("key").and_then(Value::as_str);
        let op = match value.get("operator").and_then(Value::as_str) {
            _ if key.is_none() => Op::Malformed,
            Some("In") => Op::In,
            Some("NotIn") => Op::NotIn,
            Some("Exists") => Op::Exists,
            Some("DoesNotExist") => Op::DoesNotExist,
            _ => Op::Malformed,
        };
        let values = value
            .get("values")
            .and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .map(|v| tables.symbols.intern(&scalar_text(v)))
                    .collect()
            })
            .unwrap_or_default();
        Expr {
            key: key.map(|k| tables.symbols.intern(k)),
            op,
            values,
        }
    }
}

/// A field read as a number: `spec.replicas`, an autoscaler's `minReplicas`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    Absent,
    Null,
    Int(i64),
    /// Present, not null, not an integer.
    Other,
}

impl Count {
    fn of(value: Option<&Value>) -> Count {
        match value {
            None => Count::Absent,
            Some(Value::Null) => Count::Null,
            Some(v) => v.as_i64().map_or(Count::Other, Count::Int),
        }
    }

    /// `util::replicas`: absent or null ask for 1.
    pub fn replicas(self) -> Option<i64> {
        match self {
            Count::Absent | Count::Null => Some(1),
            Count::Int(n) => Some(n),
            Count::Other => None,
        }
    }

    /// `pdb-blocks-eviction`'s autoscaler floor: absent is 1, any other non-integer is
    /// skipped.
    pub fn floor(self) -> Option<i64> {
        match self {
            Count::Absent => Some(1),
            Count::Int(n) => Some(n),
            Count::Null | Count::Other => None,
        }
    }
}

/// A string field that may be absent or of another type (`Other` includes null).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Absent,
    Str(Sym),
    Other,
}

impl Field {
    fn of(tables: &Tables, value: Option<&Value>) -> Field {
        match value {
            None => Field::Absent,
            Some(Value::String(s)) => Field::Str(tables.symbols.intern(s)),
            Some(_) => Field::Other,
        }
    }

    pub fn str(self) -> Option<Sym> {
        match self {
            Field::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// `automountServiceAccountToken` of a pod spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Automount {
    Absent,
    True,
    False,
    /// Present, not a boolean.
    Other,
}

/// Object flags.
const AUTOMOUNT_FALSE: u8 = 1;
const MAKES_PODS: u8 = 2;

/// What the rules across objects read of one object.
#[derive(Clone, Debug)]
pub struct ObjectFacts {
    pub api_version: Sym,
    pub kind: Sym,
    /// The API group (`""` for the core group).
    pub group: Sym,
    /// `metadata.name` when a string: identity, the named index, `duplicate-object`.
    pub name: Option<Sym>,
    /// `metadata.generateName`: `name()` falls back to it (messages, `autoscalers_of`).
    pub generate_name: Option<Sym>,
    /// `metadata.namespace` when a string (`Some("")` is kept apart from `None`).
    pub namespace: Option<Sym>,
    /// The folder of the file (`index::folder`): objects without a namespace are near those
    /// of their folder.
    pub folder: Sym,
    /// The file the object was read from, as a place (without a Helm template):
    /// `duplicate-object` tells two objects of one file from two of one folder.
    pub file: u32,
    /// V(`/metadata/name`): `duplicate-object`, the other objects' related locations,
    /// `missing-network-policy`, `missing-pod-disruption-budget`.
    pub name_loc: Loc,
    /// Miss(`/metadata/namespace`, `/metadata/name`): `missing-namespace`.
    pub namespace_loc: Loc,
    /// `/spec/replicas` of any kind: `hpa-conflicts-with-replicas`, `single-replica`,
    /// `missing-pod-disruption-budget`, `pdb-blocks-eviction`.
    pub replicas: Count,
    /// K(`/spec/replicas`), which is also Miss(`/spec/replicas`, `/metadata/name`).
    pub replicas_loc: Loc,
    /// The value's digest, equal for equal values: `duplicate-object`.
    pub digest: u64,
    flags: u8,
    /// What a pod owner's pod holds (`None` for objects without a pod template).
    pub pod: Option<Box<PodFacts>>,
    /// What the kind of the object adds.
    pub detail: Detail,
}

/// What the kind of an object adds to its facts.
#[derive(Clone, Debug)]
pub enum Detail {
    None,
    Service(Box<ServiceFacts>),
    Hpa(Box<HpaFacts>),
    Pdb(Box<PdbFacts>),
    NetworkPolicy(Box<NetpolFacts>),
    Role(Box<RoleFacts>),
    Binding(Box<BindingFacts>),
    /// An Ingress (any group) or an OpenShift Route (`route.openshift.io` or core): the
    /// Services it sends traffic to (`ingress-backend-not-found`).
    Ingress(Box<IngressFacts>),
    /// A Gateway or route of the Gateway API: its references to other namespaces' objects
    /// (boxed twice, so that every variant is one pointer).
    GatewayRefs(Box<Box<[GatewayRef]>>),
    /// A ReferenceGrant (any group; the rule checks the group).
    ReferenceGrant(Box<GrantFacts>),
    /// `spec.group`, `spec.names.kind` and `spec.scope` of a CRD, when all are strings
    /// (the index's CRD scopes: `missing-namespace`).
    Crd {
        group: Sym,
        kind: Sym,
        scope: Sym,
    },
}

/// What the rules read of a pod template.
#[derive(Clone, Debug)]
pub struct PodFacts {
    /// Pointer to the pod spec (`/spec/template/spec`).
    pub pointer: Sym,
    /// Pointer to the pod's metadata (`/spec/template/metadata`).
    pub meta_pointer: Sym,
    /// An Argo workflow: its containers are in templates, which no rule across objects reads
    /// (it runs to completion, so `missing-readiness-probe` skips it).
    pub workflow: bool,
    /// `PodSpec::runs_to_completion`: `missing-readiness-probe` skips the pod.
    pub runs_to_completion: bool,
    /// The pod labels when they are a mapping, in map order: every selector match, the
    /// label index, related locations' messages.
    pub labels: Option<Box<[Label]>>,
    /// R(`M/labels`): where the selector rules point the reader at a workload.
    pub labels_loc: Loc,
    /// `P/serviceAccountName`, `P/serviceAccount`: the two service-account rules.
    pub service_account_name: Field,
    pub service_account: Field,
    /// V(`P/serviceAccountName`), V(`P/serviceAccount`): `service-account-not-found`.
    pub service_account_name_loc: Loc,
    pub service_account_loc: Loc,
    /// `P/automountServiceAccountToken`: `automount-service-account-token`.
    pub automount: Automount,
    /// Miss(`P/automountServiceAccountToken`, `P/containers`).
    pub automount_loc: Loc,
    /// `/spec/serviceName` when a non-empty string, and V of it:
    /// `statefulset-service-mismatch`.
    pub service_name: Option<(Sym, Loc)>,
    /// The mappings of `P/containers` then `P/initContainers`, as the pod spec has them (a
    /// workflow's templates are not read).
    pub containers: Box<[ContainerFacts]>,
}

/// One container of a pod (a mapping of `containers` or `initContainers`).
#[derive(Clone, Debug)]
pub struct ContainerFacts {
    pub init: bool,
    /// The position in its list (items that are not mappings count).
    pub index: u32,
    /// `name` when a string.
    pub name: Option<Sym>,
    /// An init container with `restartPolicy: Always`.
    pub sidecar: bool,
    /// `ports` is a non-empty list: `missing-readiness-probe`.
    pub declares_ports: bool,
    /// The string `name`s of `ports`, when `ports` is a list: `service-target-port-not-found`.
    pub port_names: Option<Box<[Sym]>>,
    /// `readinessProbe` is present and not null.
    pub has_readiness: bool,
    /// R(`C/ports`): `service-target-port-not-found`.
    pub ports_loc: Loc,
    /// Miss(`C/readinessProbe`, `C/name`): `missing-readiness-probe`.
    pub readiness_loc: Loc,
}

impl ContainerFacts {
    /// Runs as long as the pod: a main container or a sidecar.
    pub fn long_running(&self) -> bool {
        !self.init || self.sidecar
    }
}

/// A Service (any group: the index files the selectors of every kind `Service`).
#[derive(Clone, Debug)]
pub struct ServiceFacts {
    /// `spec` is a mapping (the Service rules judge only those).
    pub spec_is_map: bool,
    /// `spec.type` is `ExternalName`.
    pub external_name: bool,
    /// `spec.clusterIP` is `None`.
    pub headless: bool,
    pub selector: MapSelector,
    /// V(`/spec/selector`).
    pub selector_loc: Loc,
    /// `spec.ports` when a list.
    pub ports: Option<Box<[ServicePort]>>,
}

/// One item of a Service's `ports`.
#[derive(Clone, Debug)]
pub struct ServicePort {
    /// `port` as text (`scalar_text`), when present.
    pub port: Option<Sym>,
    /// `name` when a string.
    pub name: Option<Sym>,
    pub target: Target,
    /// V(`/spec/ports/{i}/targetPort`).
    pub target_loc: Loc,
}

impl ServiceFacts {
    /// The target ports that name a container port (strings that are not integers), with
    /// their positions: `service-target-port-not-found`.
    pub fn named_target_ports<'a>(
        &'a self,
        symbols: &'a SymbolTable,
    ) -> impl Iterator<Item = (usize, Sym, Loc)> + 'a {
        self.ports
            .iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, p)| {
                let Target::Name(name) = p.target else {
                    return None;
                };
                let text = symbols.resolve(name);
                text.parse::<i64>()
                    .is_err()
                    .then_some((i, name, p.target_loc))
            })
    }
}

/// A Service port's `targetPort`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Absent,
    /// A string (a container port's name, or a number written as a string).
    Name(Sym),
    /// Any other value, as text (`scalar_text`).
    Number(Sym),
}

impl ServiceFacts {
    /// Whether an Ingress backend's port (its number or name, as text) is one of the
    /// Service's ports, by `port` or by `name`: `ingress-backend-not-found`.
    pub fn has_port(&self, port: Sym) -> bool {
        self.ports
            .iter()
            .flatten()
            .any(|p| p.port == Some(port) || p.name == Some(port))
    }

    /// Whether a Route's `targetPort` reaches the Service's pods: a name is one of the
    /// Service's port names; a number is one of its target ports (the port itself when
    /// `targetPort` is left out), or any number when a target port is a name:
    /// `ingress-backend-not-found` for OpenShift Routes.
    pub fn route_port_matches(&self, port: Sym, symbols: &SymbolTable) -> bool {
        let mut ports = self.ports.iter().flatten();
        if symbols.resolve(port).parse::<i64>().is_err() {
            return ports.any(|p| p.name == Some(port));
        }
        ports.any(|p| match p.target {
            Target::Name(_) => true,
            Target::Number(target) => target == port,
            Target::Absent => p.port == Some(port),
        })
    }
}

/// An Ingress or an OpenShift Route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressFacts {
    /// An OpenShift Route: its port is matched as `ServiceFacts::route_port_matches` says.
    pub route: bool,
    pub backends: Box<[Backend]>,
}

/// A Service an Ingress or an OpenShift Route sends traffic to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    /// The Service's name.
    pub name: Sym,
    /// The port as text (`scalar_text`): an Ingress backend's number, else its name; a
    /// Route's `spec.port.targetPort`.
    pub port: Option<Sym>,
    /// The pointers of the name and of the port, for the finding's pointer.
    pub name_pointer: Sym,
    pub port_pointer: Sym,
    /// V(name pointer), V(port pointer).
    pub name_loc: Loc,
    pub port_loc: Loc,
}

/// A reference of a Gateway (a listener's certificate) or a Gateway API route (a rule's
/// backend) to an object in a namespace, defaulted as the Gateway API defaults it:
/// `gateway-reference-not-granted`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayRef {
    pub group: Sym,
    pub kind: Sym,
    pub namespace: Sym,
    pub name: Sym,
    /// The pointer of its `namespace`, for the finding's pointer.
    pub pointer: Sym,
    /// V(pointer).
    pub loc: Loc,
}

/// A ReferenceGrant's `from` and `to` entries, their fields as text (`""` when not a
/// string): `gateway-reference-not-granted`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantFacts {
    /// (group, kind, namespace).
    pub from: Box<[(Sym, Sym, Sym)]>,
    /// (group, kind, name when a string).
    pub to: Box<[(Sym, Sym, Option<Sym>)]>,
}

impl GrantFacts {
    /// Whether the grant lets objects of `gateway_group` and `kind` in `namespace` (any
    /// namespace when `None`) refer to `target`.
    pub fn grants(
        &self,
        gateway_group: Sym,
        kind: Sym,
        namespace: Option<Sym>,
        target: &GatewayRef,
    ) -> bool {
        let from = self.from.iter().any(|&(group, k, ns)| {
            group == gateway_group && k == kind && namespace.is_none_or(|n| n == ns)
        });
        let to = self.to.iter().any(|&(group, k, name)| {
            group == target.group && k == target.kind && name.is_none_or(|n| n == target.name)
        });
        from && to
    }
}

/// A HorizontalPodAutoscaler (any group).
#[derive(Clone, Debug)]
pub struct HpaFacts {
    /// `spec.scaleTargetRef.kind` and `.name` when strings.
    pub target_kind: Option<Sym>,
    pub target_name: Option<Sym>,
    pub min_replicas: Count,
    /// V(`/spec/scaleTargetRef/name`): `hpa-target-not-found`.
    pub target_name_loc: Loc,
    /// R(`/spec/scaleTargetRef`): `hpa-conflicts-with-replicas`.
    pub target_loc: Loc,
    /// R(`/spec/minReplicas`): `pdb-blocks-eviction`.
    pub min_replicas_loc: Loc,
}

/// A PodDisruptionBudget's `minAvailable`, as `pdb-blocks-eviction` reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MinAvailable {
    Absent,
    /// `"100%"`.
    All,
    /// An integer.
    Count(i64),
    /// `"<1-99>%"`.
    Percent(i64),
    Other,
}

/// A PodDisruptionBudget (any group).
#[derive(Clone, Debug)]
pub struct PdbFacts {
    pub selector: Option<LabelSelector>,
    /// V(`/spec/selector`): `pdb-selects-nothing`.
    pub selector_loc: Loc,
    /// `maxUnavailable` is `0`, `"0"` or `"0%"`.
    pub max_unavailable_zero: bool,
    pub max_unavailable_loc: Loc,
    pub min_available: MinAvailable,
    pub min_available_loc: Loc,
}

/// A NetworkPolicy (any group).
#[derive(Clone, Debug)]
pub struct NetpolFacts {
    pub pod_selector: Option<LabelSelector>,
    /// V(`/spec/podSelector`).
    pub pod_selector_loc: Loc,
    /// Whether it isolates the pods it selects for ingress, for egress, as the API server
    /// defaults `policyTypes`: `missing-network-policy`.
    pub isolates_ingress: bool,
    pub isolates_egress: bool,
    /// The peers with a `podSelector` and no (or a null) `namespaceSelector`:
    /// `network-policy-peer-selects-nothing`.
    pub peers: Box<[Peer]>,
}

/// A peer of a NetworkPolicy's rule.
#[derive(Clone, Debug)]
pub struct Peer {
    pub egress: bool,
    /// The rule and peer positions (`/spec/{ingress|egress}/{rule}/{from|to}/{peer}`).
    pub rule: u32,
    pub peer: u32,
    pub selector: LabelSelector,
    /// V(`…/podSelector`).
    pub loc: Loc,
}

/// A Role or ClusterRole of `rbac.authorization.k8s.io`, answered once for every binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleFacts {
    /// R of the `*` resource of the first rule that allows every verb on `*` resources:
    /// `binding-grants-wildcard` (and `binding-grants-pod-exec` stays silent).
    pub admin: Option<Loc>,
    /// The first rule of the core group that allows `create` (else `get`) on
    /// `pods/exec`, `pods/attach`, `pods/*` or `*`: the verb, the resource and R of it
    /// (`binding-grants-pod-exec`).
    pub exec: Option<(Sym, Sym, Loc)>,
}

/// A RoleBinding or ClusterRoleBinding of `rbac.authorization.k8s.io`.
#[derive(Clone, Debug)]
pub struct BindingFacts {
    /// `roleRef.kind` and `.name` when strings.
    pub role_kind: Option<Sym>,
    pub role_name: Option<Sym>,
    /// V(`/roleRef/name`).
    pub loc: Loc,
}

impl ObjectFacts {
    /// What a RoleBinding's or ClusterRoleBinding's `roleRef` names, as `rbac::role_ref`
    /// reads it before looking the role up: `Role` (from a RoleBinding only) or
    /// `ClusterRole`, and its name; none for Kubernetes' own bindings (`system:…`).
    pub fn role_ref(&self, symbols: &SymbolTable) -> Option<(Sym, Sym)> {
        let Detail::Binding(binding) = &self.detail else {
            return None;
        };
        let system = self
            .name()
            .is_some_and(|n| symbols.resolve(n).starts_with("system:"));
        if system {
            return None;
        }
        let (kind, name) = (binding.role_kind?, binding.role_name?);
        match symbols.resolve(kind) {
            "Role" if symbols.resolve(self.kind) == "RoleBinding" => Some((kind, name)),
            "ClusterRole" => Some((kind, name)),
            _ => None,
        }
    }
}

/// The scope of each kind the CRDs among `facts` define, by (group, kind): the index's CRD
/// scopes. Any CRD that makes a kind cluster-scoped wins, as `missing-namespace` asks
/// "may this kind have no namespace?".
pub fn crd_scopes<'a>(
    facts: impl IntoIterator<Item = &'a ObjectFacts>,
    symbols: &SymbolTable,
) -> HashMap<(Sym, Sym), Sym> {
    let mut scopes = HashMap::new();
    for facts in facts {
        if let Detail::Crd { group, kind, scope } = facts.detail {
            let known = scopes.entry((group, kind)).or_insert(scope);
            if symbols.resolve(scope) == "Cluster" {
                *known = scope;
            }
        }
    }
    scopes
}

/// Reads one object.
struct Reader<'a> {
    object: &'a Object,
    tables: &'a Tables,
    /// The place of the object's own source: most locations are there, and are placed
    /// without taking the lock of [`Places`].
    own: u32,
    /// The place of the object's source without a template (its file).
    file: u32,
}

impl<'a> Reader<'a> {
    fn new(object: &'a Object, tables: &'a Tables) -> Reader<'a> {
        let place = |template| {
            let location = Location {
                source: object.source.clone(),
                span: Span::default(),
                template,
            };
            tables.places.add(location).place
        };
        Reader {
            object,
            tables,
            own: place(object.template.clone()),
            file: place(None),
        }
    }

    fn place(&self, location: Location) -> Loc {
        if Arc::ptr_eq(&location.source, &self.object.source)
            && location.template == self.object.template
        {
            return Loc {
                place: self.own,
                span: location.span,
            };
        }
        self.tables.places.add(location)
    }

    fn sym(&self, text: &str) -> Sym {
        self.tables.symbols.intern(text)
    }

    fn get(&self, pointer: &str) -> Option<&Value> {
        self.object.value.pointer(pointer)
    }

    /// V(pointer).
    fn at(&self, pointer: &str) -> Loc {
        self.place(self.object.locate(pointer, false))
    }

    /// K(pointer).
    fn key_at(&self, pointer: &str) -> Loc {
        self.place(self.object.locate(pointer, true))
    }

    /// Miss(pointer, anchor).
    fn missing_at(&self, pointer: &str, anchor: &str) -> Loc {
        self.place(missing(self.object, pointer, anchor))
    }
}

/// Where `Ctx::missing` locates a finding about the missing field at `pointer`: the key of
/// the nearest part that exists, or `anchor` when that part is a list item.
pub fn missing(object: &Object, pointer: &str, anchor: &str) -> Location {
    let mut prefix = pointer;
    let found = loop {
        if let Some(found) = object.find(prefix) {
            break Some(found);
        }
        match prefix.rfind('/') {
            Some(cut) if cut > 0 => prefix = &prefix[..cut],
            _ => break None,
        }
    };
    if found.is_some_and(|f| f.key.is_none()) && object.find(anchor).is_some() {
        return object.locate(anchor, false);
    }
    object.locate(pointer, true)
}

impl ObjectFacts {
    /// Reads what the rules across objects read of `object`, interning its strings and
    /// locating its places in `tables`.
    pub fn of(object: &Object, pods: &PodTemplates, tables: &Tables) -> ObjectFacts {
        let r = Reader::new(object, tables);
        let meta = |key: &str| {
            object
                .value
                .get("metadata")
                .and_then(|m| m.get(key))
                .and_then(Value::as_str)
                .map(|s| r.sym(s))
        };
        let mut flags = 0;
        if object.value.get("automountServiceAccountToken") == Some(&Value::Bool(false)) {
            flags |= AUTOMOUNT_FALSE;
        }
        let pod = pod_facts(&r, pods);
        if pod.is_none() && crate::index::makes_pods(object) {
            flags |= MAKES_PODS;
        }
        ObjectFacts {
            api_version: r.sym(object.api_version()),
            kind: r.sym(object.kind()),
            group: r.sym(object.group()),
            name: meta("name"),
            generate_name: meta("generateName"),
            namespace: meta("namespace"),
            folder: r.sym(crate::index::folder(object)),
            file: r.file,
            name_loc: r.at("/metadata/name"),
            namespace_loc: r.missing_at("/metadata/namespace", "/metadata/name"),
            replicas: Count::of(r.get("/spec/replicas")),
            replicas_loc: r.key_at("/spec/replicas"),
            digest: digest(&object.value),
            flags,
            pod,
            detail: detail(&r),
        }
    }

    /// `Object::name()`: `metadata.name`, else `metadata.generateName`.
    pub fn name(&self) -> Option<Sym> {
        self.name.or(self.generate_name)
    }

    /// `Object::identity()`: what every finding about the object carries.
    pub fn identity(&self, symbols: &SymbolTable) -> ObjectRef {
        let text = |s: Sym| symbols.resolve(s).to_owned();
        ObjectRef {
            api_version: text(self.api_version),
            kind: text(self.kind),
            namespace: self.namespace.map(text),
            name: self.name().map(text),
        }
    }

    /// A ServiceAccount's own `automountServiceAccountToken: false`.
    pub fn automount_false(&self) -> bool {
        self.flags & AUTOMOUNT_FALSE != 0
    }

    /// A custom resource that probably makes an operator create pods (an opaque pod owner).
    pub fn makes_pods(&self) -> bool {
        self.flags & MAKES_PODS != 0
    }

    /// Heap bytes owned by the facts (an estimate: each allocation's size, plus 16 bytes of
    /// allocator overhead).
    pub fn heap_bytes(&self) -> usize {
        fn boxed<T>(items: usize) -> usize {
            if items == 0 {
                0
            } else {
                items * size_of::<T>() + 16
            }
        }
        fn selector(s: &LabelSelector) -> usize {
            boxed::<Label>(s.match_labels.items().len())
                + boxed::<Expr>(s.expressions.items().len())
                + s.expressions
                    .items()
                    .iter()
                    .map(|e| boxed::<Sym>(e.values.len()))
                    .sum::<usize>()
        }
        let pod = self.pod.as_ref().map_or(0, |p| {
            boxed::<PodFacts>(1)
                + p.labels.as_ref().map_or(0, |l| boxed::<Label>(l.len()))
                + boxed::<ContainerFacts>(p.containers.len())
                + p.containers
                    .iter()
                    .map(|c| c.port_names.as_ref().map_or(0, |n| boxed::<Sym>(n.len())))
                    .sum::<usize>()
        });
        let detail = match &self.detail {
            Detail::None | Detail::Crd { .. } => 0,
            Detail::Service(s) => {
                boxed::<ServiceFacts>(1)
                    + s.selector.pairs().map_or(0, |p| boxed::<Label>(p.len()))
                    + s.ports
                        .as_ref()
                        .map_or(0, |p| boxed::<ServicePort>(p.len()))
            }
            Detail::Hpa(_) => boxed::<HpaFacts>(1),
            Detail::Pdb(p) => boxed::<PdbFacts>(1) + p.selector.as_ref().map_or(0, selector),
            Detail::NetworkPolicy(n) => {
                boxed::<NetpolFacts>(1)
                    + n.pod_selector.as_ref().map_or(0, selector)
                    + boxed::<Peer>(n.peers.len())
                    + n.peers.iter().map(|p| selector(&p.selector)).sum::<usize>()
            }
            Detail::Role(_) => boxed::<RoleFacts>(1),
            Detail::Binding(_) => boxed::<BindingFacts>(1),
            Detail::Ingress(i) => boxed::<IngressFacts>(1) + boxed::<Backend>(i.backends.len()),
            Detail::GatewayRefs(refs) => {
                boxed::<Box<[GatewayRef]>>(1) + boxed::<GatewayRef>(refs.len())
            }
            Detail::ReferenceGrant(g) => {
                boxed::<GrantFacts>(1)
                    + boxed::<(Sym, Sym, Sym)>(g.from.len())
                    + boxed::<(Sym, Sym, Option<Sym>)>(g.to.len())
            }
        };
        pod + detail
    }
}

fn pod_facts(r: &Reader<'_>, pods: &PodTemplates) -> Option<Box<PodFacts>> {
    let pod = pods.pod_spec(r.object)?;
    let at = |rel: &str| format!("{}{rel}", pod.pointer);
    // The raw lists, as `service-target-port-not-found` reads them (for a workflow too: its
    // spec rarely has them, and its templates' containers are read by no rule across objects).
    let containers = {
        let mut out = Vec::new();
        for (init, field) in [(false, "containers"), (true, "initContainers")] {
            let list = pod.spec.get(field).and_then(Value::as_array);
            for (j, item) in list.into_iter().flatten().enumerate() {
                let Some(c) = item.as_object() else { continue };
                let base = at(&format!("/{field}/{j}"));
                let ports = c.get("ports").and_then(Value::as_array);
                out.push(ContainerFacts {
                    init,
                    index: u32::try_from(j).unwrap_or(u32::MAX),
                    name: c.get("name").and_then(Value::as_str).map(|n| r.sym(n)),
                    sidecar: init
                        && c.get("restartPolicy").and_then(Value::as_str) == Some("Always"),
                    declares_ports: ports.is_some_and(|p| !p.is_empty()),
                    port_names: ports.map(|p| {
                        p.iter()
                            .filter_map(|p| p.get("name").and_then(Value::as_str))
                            .map(|n| r.sym(n))
                            .collect()
                    }),
                    has_readiness: c.get("readinessProbe").is_some_and(|v| !v.is_null()),
                    ports_loc: r.at(&format!("{base}/ports")),
                    readiness_loc: r
                        .missing_at(&format!("{base}/readinessProbe"), &format!("{base}/name")),
                });
            }
        }
        out.into_boxed_slice()
    };
    let automount = match pod.get("/automountServiceAccountToken") {
        None => Automount::Absent,
        Some(Value::Bool(true)) => Automount::True,
        Some(Value::Bool(false)) => Automount::False,
        Some(_) => Automount::Other,
    };
    let service_name = r
        .get("/spec/serviceName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .map(|n| (r.sym(n), r.at("/spec/serviceName")));
    Some(Box::new(PodFacts {
        pointer: r.sym(&pod.pointer),
        meta_pointer: r.sym(&pod.meta_pointer),
        workflow: pod.workflow,
        runs_to_completion: pod.runs_to_completion(),
        labels: labels(r.tables, pod.metadata.and_then(|m| m.get("labels"))),
        labels_loc: r.at(&labels_pointer(r.object, &pod.meta_pointer)),
        service_account_name: Field::of(r.tables, pod.get("/serviceAccountName")),
        service_account: Field::of(r.tables, pod.get("/serviceAccount")),
        service_account_name_loc: r.at(&at("/serviceAccountName")),
        service_account_loc: r.at(&at("/serviceAccount")),
        automount,
        automount_loc: r.missing_at(&at("/automountServiceAccountToken"), &at("/containers")),
        service_name,
        containers,
    }))
}

/// Where `related::similar_owners` points at a workload's pod labels.
fn labels_pointer(object: &Object, meta_pointer: &str) -> String {
    if object.kind() == "Pod" {
        "/metadata/labels".to_owned()
    } else {
        format!("{meta_pointer}/labels")
    }
}

impl PodFacts {
    /// `automount-service-account-token`'s account: `serviceAccountName` when present, else
    /// `serviceAccount`; `default` when the one present is not a string.
    pub fn automount_account(&self) -> Option<Sym> {
        match self.service_account_name {
            Field::Absent => self.service_account.str(),
            field => field.str(),
        }
    }

    /// `service-account-not-found`'s account: the first non-empty string of
    /// `serviceAccountName`, `serviceAccount`, with where it is; `None` for `default`.
    pub fn named_account(&self, symbols: &SymbolTable) -> Option<(Sym, Loc)> {
        [
            (self.service_account_name, self.service_account_name_loc),
            (self.service_account, self.service_account_loc),
        ]
        .into_iter()
        .find_map(|(field, loc)| {
            field
                .str()
                .filter(|s| !symbols.resolve(*s).is_empty())
                .map(|s| (s, loc))
        })
    }

    /// The containers that run as long as the pod (main containers and sidecars), in the
    /// order of `PodSpec::long_running_containers`. Not for a workflow, whose containers
    /// are in its templates: it runs to completion, so no rule asks.
    pub fn long_running(&self) -> impl Iterator<Item = &ContainerFacts> {
        self.containers.iter().filter(|c| c.long_running())
    }
}

fn detail(r: &Reader<'_>) -> Detail {
    let object = r.object;
    let rbac = object.group() == "rbac.authorization.k8s.io";
    match object.kind() {
        "Service" => Detail::Service(Box::new(service_facts(r))),
        "Ingress" => Detail::Ingress(Box::new(IngressFacts {
            route: false,
            backends: ingress_backends(r),
        })),
        "Route" if matches!(object.group(), "route.openshift.io" | "") => {
            Detail::Ingress(Box::new(IngressFacts {
                route: true,
                backends: route_backends(r),
            }))
        }
        "ReferenceGrant" => Detail::ReferenceGrant(Box::new(grant_facts(r))),
        kind if object.group() == GATEWAY_GROUP
            && (kind == "Gateway" || GATEWAY_ROUTES.contains(&kind)) =>
        {
            Detail::GatewayRefs(Box::new(gateway_refs(r, kind == "Gateway")))
        }
        "HorizontalPodAutoscaler" => {
            let target = |f: &str| {
                r.get("/spec/scaleTargetRef")
                    .and_then(|t| t.get(f))
                    .and_then(Value::as_str)
                    .map(|s| r.sym(s))
            };
            Detail::Hpa(Box::new(HpaFacts {
                target_kind: target("kind"),
                target_name: target("name"),
                min_replicas: Count::of(r.get("/spec/minReplicas")),
                target_name_loc: r.at("/spec/scaleTargetRef/name"),
                target_loc: r.at("/spec/scaleTargetRef"),
                min_replicas_loc: r.at("/spec/minReplicas"),
            }))
        }
        "PodDisruptionBudget" => Detail::Pdb(Box::new(pdb_facts(r))),
        "NetworkPolicy" => Detail::NetworkPolicy(Box::new(netpol_facts(r))),
        "Role" | "ClusterRole" if rbac => Detail::Role(Box::new(role_facts(r))),
        "RoleBinding" | "ClusterRoleBinding" if rbac => {
            let field = |f: &str| r.get(f).and_then(Value::as_str).map(|s| r.sym(s));
            Detail::Binding(Box::new(BindingFacts {
                role_kind: field("/roleRef/kind"),
                role_name: field("/roleRef/name"),
                loc: r.at("/roleRef/name"),
            }))
        }
        "CustomResourceDefinition" => {
            let spec = |p: &str| r.get(p).and_then(Value::as_str).map(|s| r.sym(s));
            match (
                spec("/spec/group"),
                spec("/spec/names/kind"),
                spec("/spec/scope"),
            ) {
                (Some(group), Some(kind), Some(scope)) => Detail::Crd { group, kind, scope },
                _ => Detail::None,
            }
        }
        _ => Detail::None,
    }
}

const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";
const GATEWAY_ROUTES: &[&str] = &["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"];

fn backend(r: &Reader<'_>, name: &str, port: Option<Sym>, pointers: (String, String)) -> Backend {
    Backend {
        name: r.sym(name),
        port,
        name_pointer: r.sym(&pointers.0),
        port_pointer: r.sym(&pointers.1),
        name_loc: r.at(&pointers.0),
        port_loc: r.at(&pointers.1),
    }
}

/// An Ingress's backends: `defaultBackend`, `backend`, then each rule's paths; each either
/// `service.name` with `service.port.number` (else `.name`), or the legacy `serviceName`
/// and `servicePort`.
fn ingress_backends(r: &Reader<'_>) -> Box<[Backend]> {
    let mut out = Vec::new();
    let mut add = |pointer: String, b: &Value| {
        if let Some(name) = b.pointer("/service/name").and_then(Value::as_str) {
            let port = b
                .pointer("/service/port/number")
                .or_else(|| b.pointer("/service/port/name"))
                .map(|p| r.sym(&scalar_text(p)));
            let pointers = (
                format!("{pointer}/service/name"),
                format!("{pointer}/service/port"),
            );
            out.push(backend(r, name, port, pointers));
        } else if let Some(name) = b.get("serviceName").and_then(Value::as_str) {
            let port = b.get("servicePort").map(|p| r.sym(&scalar_text(p)));
            let pointers = (
                format!("{pointer}/serviceName"),
                format!("{pointer}/servicePort"),
            );
            out.push(backend(r, name, port, pointers));
        }
    };
    for field in ["defaultBackend", "backend"] {
        if let Some(b) = r.get(&format!("/spec/{field}")) {
            add(format!("/spec/{field}"), b);
        }
    }
    let rules = r.get("/spec/rules").and_then(Value::as_array);
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        let paths = rule.pointer("/http/paths").and_then(Value::as_array);
        for (p, path) in paths.into_iter().flatten().enumerate() {
            if let Some(b) = path.get("backend") {
                add(format!("/spec/rules/{i}/http/paths/{p}/backend"), b);
            }
        }
    }
    out.into_boxed_slice()
}

/// An OpenShift Route's Services (`spec.to`, `spec.alternateBackends`, those of kind
/// `Service` or of no kind), each with the Route's `spec.port.targetPort`.
fn route_backends(r: &Reader<'_>) -> Box<[Backend]> {
    let port = r
        .get("/spec/port/targetPort")
        .map(|p| r.sym(&scalar_text(p)));
    let to = r.get("/spec/to").map(|t| ("/spec/to".to_owned(), t));
    let alternates = r
        .get("/spec/alternateBackends")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, b)| (format!("/spec/alternateBackends/{i}"), b));
    to.into_iter()
        .chain(alternates)
        .filter(|(_, b)| {
            b.get("kind")
                .and_then(Value::as_str)
                .is_none_or(|k| k == "Service")
        })
        .filter_map(|(pointer, b)| {
            let name = b.get("name").and_then(Value::as_str)?;
            let pointers = (
                format!("{pointer}/name"),
                "/spec/port/targetPort".to_owned(),
            );
            Some(backend(r, name, port, pointers))
        })
        .collect()
}

/// A Gateway's listeners' `tls.certificateRefs` (kind `Secret` by default), or a route's
/// rules' `backendRefs` (kind `Service`); group `""` by default; those without a string
/// namespace or name are left out.
fn gateway_refs(r: &Reader<'_>, gateway: bool) -> Box<[GatewayRef]> {
    fn list<'v>(value: &'v Value, key: &str) -> impl Iterator<Item = (usize, &'v Value)> {
        value
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
    }
    let mut found: Vec<(String, &Value, &str)> = Vec::new();
    if let Some(spec) = r.object.value.get("spec") {
        if gateway {
            for (l, listener) in list(spec, "listeners") {
                let Some(tls) = listener.get("tls") else {
                    continue;
                };
                for (c, cert) in list(tls, "certificateRefs") {
                    let pointer = format!("/spec/listeners/{l}/tls/certificateRefs/{c}/namespace");
                    found.push((pointer, cert, "Secret"));
                }
            }
        } else {
            for (i, rule) in list(spec, "rules") {
                for (b, backend) in list(rule, "backendRefs") {
                    let pointer = format!("/spec/rules/{i}/backendRefs/{b}/namespace");
                    found.push((pointer, backend, "Service"));
                }
            }
        }
    }
    found
        .into_iter()
        .filter_map(|(pointer, value, kind)| {
            let text = |key: &str| value.get(key).and_then(Value::as_str);
            let (namespace, name) = (text("namespace")?, text("name")?);
            Some(GatewayRef {
                group: r.sym(text("group").unwrap_or("")),
                kind: r.sym(text("kind").unwrap_or(kind)),
                namespace: r.sym(namespace),
                name: r.sym(name),
                loc: r.at(&pointer),
                pointer: r.sym(&pointer),
            })
        })
        .collect()
}

/// A ReferenceGrant's entries.
fn grant_facts(r: &Reader<'_>) -> GrantFacts {
    let entries = |key: &str| {
        r.get(&format!("/spec/{key}"))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let text = |v: &Value, key: &str| r.sym(v.get(key).and_then(Value::as_str).unwrap_or(""));
    GrantFacts {
        from: entries("from")
            .iter()
            .map(|f| (text(f, "group"), text(f, "kind"), text(f, "namespace")))
            .collect(),
        to: entries("to")
            .iter()
            .map(|t| {
                let name = t.get("name").and_then(Value::as_str).map(|n| r.sym(n));
                (text(t, "group"), text(t, "kind"), name)
            })
            .collect(),
    }
}

fn service_facts(r: &Reader<'_>) -> ServiceFacts {
    let spec = r.object.value.get("spec").and_then(Value::as_object);
    let get = |key: &str| spec.and_then(|s| s.get(key));
    let ports = get("ports").and_then(Value::as_array).map(|ports| {
        ports
            .iter()
            .enumerate()
            .map(|(i, p)| ServicePort {
                port: p.get("port").map(|v| r.sym(&scalar_text(v))),
                name: p.get("name").and_then(Value::as_str).map(|n| r.sym(n)),
                target: match p.get("targetPort") {
                    None => Target::Absent,
                    Some(Value::String(s)) => Target::Name(r.sym(s)),
                    Some(v) => Target::Number(r.sym(&scalar_text(v))),
                },
                target_loc: r.at(&format!("/spec/ports/{i}/targetPort")),
            })
            .collect()
    });
    ServiceFacts {
        spec_is_map: spec.is_some(),
        external_name: get("type").and_then(Value::as_str) == Some("ExternalName"),
        headless: r.get("/spec/clusterIP").and_then(Value::as_str) == Some("None"),
        selector: MapSelector::of(r.tables, r.get("/spec/selector")),
        selector_loc: r.at("/spec/selector"),
        ports,
    }
}

fn pdb_facts(r: &Reader<'_>) -> PdbFacts {
    let zero = |v: &Value| v.as_i64() == Some(0) || matches!(v.as_str(), Some("0" | "0%"));
    let min_available = match r.get("/spec/minAvailable") {
        None => MinAvailable::Absent,
        Some(v) if v.as_str() == Some("100%") => MinAvailable::All,
        Some(v) => match v.as_i64() {
            Some(n) => MinAvailable::Count(n),
            None => v
                .as_str()
                .and_then(|m| m.strip_suffix('%'))
                .and_then(|p| p.parse::<i64>().ok())
                .filter(|p| (1..100).contains(p))
                .map_or(MinAvailable::Other, MinAvailable::Percent),
        },
    };
    PdbFacts {
        selector: r
            .get("/spec/selector")
            .map(|s| LabelSelector::of(r.tables, s)),
        selector_loc: r.at("/spec/selector"),
        max_unavailable_zero: r.get("/spec/maxUnavailable").is_some_and(zero),
        max_unavailable_loc: r.at("/spec/maxUnavailable"),
        min_available,
        min_available_loc: r.at("/spec/minAvailable"),
    }
}

fn netpol_facts(r: &Reader<'_>) -> NetpolFacts {
    let isolates = |direction: &str| match r.get("/spec/policyTypes").and_then(Value::as_array) {
        Some(types) => types.iter().any(|t| t.as_str() == Some(direction)),
        None => direction == "Ingress" || r.get("/spec/egress").is_some(),
    };
    let mut peers = Vec::new();
    for (egress, direction, peers_key) in [(false, "ingress", "from"), (true, "egress", "to")] {
        let rules = r
            .get(&format!("/spec/{direction}"))
            .and_then(Value::as_array);
        for (i, rule) in rules.into_iter().flatten().enumerate() {
            let list = rule.get(peers_key).and_then(Value::as_array);
            for (j, peer) in list.into_iter().flatten().enumerate() {
                let Some(selector) = peer.get("podSelector") else {
                    continue;
                };
                if peer.get("namespaceSelector").is_some_and(|n| !n.is_null()) {
                    continue;
                }
                peers.push(Peer {
                    egress,
                    rule: u32::try_from(i).unwrap_or(u32::MAX),
                    peer: u32::try_from(j).unwrap_or(u32::MAX),
                    selector: LabelSelector::of(r.tables, selector),
                    loc: r.at(&format!(
                        "/spec/{direction}/{i}/{peers_key}/{j}/podSelector"
                    )),
                });
            }
        }
    }
    NetpolFacts {
        pod_selector: r
            .get("/spec/podSelector")
            .map(|s| LabelSelector::of(r.tables, s)),
        pod_selector_loc: r.at("/spec/podSelector"),
        isolates_ingress: isolates("Ingress"),
        isolates_egress: isolates("Egress"),
        peers: peers.into_boxed_slice(),
    }
}

/// The verbs that, with `*` resources, make a rule an administrator's (as
/// `rbac::PolicyRule::administers` counts them).
const ALL_VERBS: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];

fn role_facts(r: &Reader<'_>) -> RoleFacts {
    fn strings(v: Option<&Value>) -> Vec<&str> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    }
    let rules: Vec<(Vec<&str>, Vec<&str>, Vec<&str>)> = r
        .object
        .value
        .get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|rule| {
            (
                strings(rule.get("apiGroups")),
                strings(rule.get("resources")),
                strings(rule.get("verbs")),
            )
        })
        .collect();
    // The resource index counts string items only, as `PolicyRule::resource_pointer` does.
    let resource_at = |rule: usize, i: usize| r.at(&format!("/rules/{rule}/resources/{i}"));
    let admin = rules
        .iter()
        .enumerate()
        .find_map(|(n, (_, resources, verbs))| {
            let i = resources.iter().position(|r| *r == "*")?;
            let every_verb = verbs.contains(&"*") || ALL_VERBS.iter().all(|v| verbs.contains(v));
            every_verb.then(|| resource_at(n, i))
        });
    let exec_resource = |r: &str| matches!(r, "pods/exec" | "pods/attach" | "pods/*" | "*");
    let exec = rules
        .iter()
        .enumerate()
        .filter(|(_, (groups, _, _))| groups.iter().any(|g| g.is_empty() || *g == "*"))
        .find_map(|(n, (_, resources, verbs))| {
            let grants = |wanted: &str| {
                let verb = verbs.iter().find(|v| **v == "*" || **v == wanted)?;
                let i = resources.iter().position(|r| exec_resource(r))?;
                Some((*verb, i))
            };
            let (verb, i) = grants("create").or_else(|| grants("get"))?;
            Some((r.sym(verb), r.sym(resources[i]), resource_at(n, i)))
        });
    RoleFacts { admin, exec }
}

/// A 64-bit digest of a value (FNV-1a over words), equal for equal values: maps give the
/// same digest in any order of their keys, as they compare equal.
pub fn digest(value: &Value) -> u64 {
    struct Fnv(u64);
    const START: u64 = 0xcbf2_9ce4_8422_2325;
    impl Fnv {
        /// FNV-1a over 64-bit words (a byte at a time costs a multiplication a byte): each
        /// step is a bijection of the state, so two texts of one length that differ in one
        /// word never meet; the last word carries the length of what is left.
        fn bytes(&mut self, bytes: &[u8]) {
            let mut words = bytes.chunks_exact(8);
            for word in &mut words {
                let mut eight = [0; 8];
                eight.copy_from_slice(word);
                self.word(u64::from_le_bytes(eight));
            }
            let rest = words.remainder();
            if !rest.is_empty() {
                let mut eight = [0; 8];
                eight[..rest.len()].copy_from_slice(rest);
                self.word(u64::from_le_bytes(eight) ^ ((rest.len() as u64) << 59));
            }
        }
        fn word(&mut self, word: u64) {
            self.0 ^= word;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
            self.0 ^= self.0 >> 29;
        }
        fn value(&mut self, value: &Value) {
            match value {
                Value::Null => self.bytes(b"n"),
                Value::Bool(b) => self.bytes(if *b { b"t" } else { b"f" }),
                Value::Number(n) => {
                    self.bytes(b"#");
                    self.bytes(n.to_string().as_bytes());
                }
                Value::String(s) => {
                    self.bytes(b"\"");
                    self.bytes(&s.len().to_le_bytes());
                    self.bytes(s.as_bytes());
                }
                Value::Array(items) => {
                    self.bytes(b"[");
                    items.iter().for_each(|v| self.value(v));
                    self.bytes(b"]");
                }
                Value::Object(map) => {
                    let mut sum = 0u64;
                    for (k, v) in map {
                        let mut entry = Fnv(START);
                        entry.bytes(&k.len().to_le_bytes());
                        entry.bytes(k.as_bytes());
                        entry.value(v);
                        sum = sum.wrapping_add(entry.0);
                    }
                    self.bytes(b"{");
                    self.bytes(&sum.to_le_bytes());
                    self.bytes(b"}");
                }
            }
        }
    }
    let mut hash = Fnv(START);
    hash.value(value);
    hash.0
}

#[cfg(test)]
mod tests;

// Selector rules.

/// `"k=v, k2=v2"`: labels or a selector's pairs for messages, in map order, values as text.
pub fn format_labels(labels: &[Label], symbols: &SymbolTable) -> String {
    labels
        .iter()
        .map(|l| format!("{}={}", symbols.resolve(l.key), symbols.resolve(l.text)))
        .collect::<Vec<_>>()
        .join(", ")
}
