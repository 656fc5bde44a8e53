//! Related places for the findings of cross-object rules: the objects a reader looks at to
//! fix the finding (the workloads a selector nearly selects, the Services an Ingress could
//! mean), which editors show next to the finding and `--format json` lists under `related`.

use plimsoll_core::{Object, Related};
use serde_json::{Map, Value};

use crate::facts::{self, Label, ObjectFacts, Sym};
use crate::index::{Entry, Index};
use crate::util::format_selector;

/// How many related places a finding names at most.
const MOST: usize = 3;

/// How many candidates near a finding are weighed at most. A finding costs a bounded amount
/// of work whatever the size of its namespace or folder, so that every rule stays linear in
/// the number of objects; past this many, the closest among the first ones are named.
const WEIGHED: usize = 256;

fn name(object: &Object) -> &str {
    object.name().unwrap_or("<unnamed>")
}

/// The workloads near `near` whose pod labels share a key with `keys` (those with the
/// most shared pairs first), else any workload near it, each at its pod labels: for a
/// selector that selects nothing.
pub(crate) fn similar_pod_owners(
    index: &Index<'_>,
    near: &Object,
    selector: &Map<String, Value>,
    keys: &[&str],
) -> Vec<Related> {
    let score = |e: &Entry<'_>| -> (usize, usize) {
        let Some(labels) = e.pod_labels() else {
            return (0, 0);
        };
        let keys_shared = keys.iter().filter(|k| labels.contains_key(**k)).count();
        let pairs_shared = selector
            .iter()
            .filter(|(k, v)| labels.get(k.as_str()) == Some(v))
            .count();
        (pairs_shared, keys_shared)
    };
    let mut owners: Vec<(&Entry<'_>, (usize, usize))> = index
        .pod_owners_near(near)
        .filter(|e| e.pod_labels().is_some())
        .take(WEIGHED)
        .map(|e| (e, score(e)))
        .collect();
    if owners.iter().any(|(_, (p, k))| p + k > 0) {
        owners.retain(|(_, (p, k))| p + k > 0);
    }
    owners.sort_by_key(|o| std::cmp::Reverse(o.1));
    owners
        .into_iter()
        .take(MOST)
        .filter_map(|(e, _)| {
            let labels = e.pod_labels()?;
            let pod = e.pod.as_ref()?;
            let pointer = if e.object.kind() == "Pod" {
                "/metadata/labels".to_owned()
            } else {
                format!("{}/labels", pod.meta_pointer)
            };
            Some(Related {
                message: format!(
                    "{} `{}` has the pod labels `{}`",
                    e.object.kind(),
                    name(e.object),
                    format_selector(labels)
                ),
                location: Some(e.object.locate(&pointer, false)),
            })
        })
        .collect()
}

/// [`similar_pod_owners`] read from facts: the pod owners near the object of `near` whose pod
/// labels share a key with `keys` or a pair with `pairs` (strictly: `true` and `"true"`
/// differ), those with the most shared pairs first, else any pod owner near it, each at its
/// pod labels.
pub(crate) fn similar_owners(
    index: &Index<'_>,
    near: &ObjectFacts,
    pairs: &[Label],
    keys: &[Sym],
) -> Vec<Related> {
    let score = |labels: &[Label]| -> (usize, usize) {
        let keys_shared = keys
            .iter()
            .filter(|&&k| facts::label(labels, k).is_some())
            .count();
        let pairs_shared = pairs
            .iter()
            .filter(|want| {
                facts::label(labels, want.key)
                    .is_some_and(|have| have.text == want.text && have.string == want.string)
            })
            .count();
        (pairs_shared, keys_shared)
    };
    let mut owners: Vec<(&Entry<'_>, &[Label], (usize, usize))> = index
        .owners_near(near)
        .filter_map(|e| Some((e, e.pod_label_facts()?)))
        .take(WEIGHED)
        .map(|(e, labels)| (e, labels, score(labels)))
        .collect();
    if owners.iter().any(|(_, _, (p, k))| p + k > 0) {
        owners.retain(|(_, _, (p, k))| p + k > 0);
    }
    owners.sort_by_key(|o| std::cmp::Reverse(o.2));
    let symbols = index.symbols;
    owners
        .into_iter()
        .take(MOST)
        .filter_map(|(e, labels, _)| {
            let pod = e.facts.pod.as_ref()?;
            Some(Related {
                message: format!(
                    "{} `{}` has the pod labels `{}`",
                    symbols.resolve(e.facts.kind),
                    e.facts.name().map_or("<unnamed>", |n| symbols.resolve(n)),
                    facts::format_labels(labels, symbols)
                ),
                location: index.places.location(pod.labels_loc),
            })
        })
        .collect()
}

/// The keys and `matchLabels` of a `LabelSelector`.
pub(crate) fn selector_keys(selector: &Value) -> (Map<String, Value>, Vec<&str>) {
    let pairs = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut keys: Vec<&str> = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys().map(String::as_str))
        .collect();
    keys.extend(
        selector
            .get("matchExpressions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|e| e.get("key").and_then(Value::as_str)),
    );
    (pairs, keys)
}

/// The objects of `candidates` (of one kind, near the object that refers to one), closest
/// names to `wanted` first, each at its name, read from their facts: for a reference to an
/// object that is not there.
pub(crate) fn entries_named_like<'a, 'o: 'a>(
    index: &Index<'o>,
    candidates: impl Iterator<Item = &'a Entry<'o>>,
    wanted: &str,
) -> Vec<Related> {
    let name = |e: &Entry<'o>| {
        e.facts
            .name()
            .map_or("<unnamed>", |n| index.symbols.resolve(n))
    };
    let mut found: Vec<(usize, &Entry<'o>)> = candidates
        .take(WEIGHED)
        .map(|e| (distance(wanted, name(e)), e))
        .collect();
    found.sort_by_key(|(d, e)| (*d, name(e).to_owned()));
    found
        .into_iter()
        .take(MOST)
        .map(|(_, e)| Related {
            message: format!(
                "{} `{}` is checked with it",
                index.symbols.resolve(e.facts.kind),
                name(e)
            ),
            location: index.places.location(e.facts.name_loc),
        })
        .collect()
}

use plimsoll_core::text::edit_distance as distance;
