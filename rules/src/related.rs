//! Related places for the findings of cross-object rules: the objects a reader looks at to
//! fix the finding (the workloads a selector nearly selects, the Services an Ingress could
//! mean), which editors show next to the finding and `--format json` lists under `related`.

use plimsoll_core::Related;

use crate::facts::{self, Label, ObjectFacts, Sym};
use crate::index::{Entry, Index};

/// How many related places a finding names at most.
const MOST: usize = 3;

/// How many candidates near a finding are weighed at most. A finding costs a bounded amount
/// of work whatever the size of its namespace or folder, so that every rule stays linear in
/// the number of objects; past this many, the closest among the first ones are named.
const WEIGHED: usize = 256;

/// The pod owners near the object of `near` whose pod labels share a key with `keys` or a
/// pair with `pairs` (strictly: `true` and `"true"` differ), those with the most shared pairs
/// first, else any pod owner near it, each at its pod labels, read from their facts: for a
/// selector that selects nothing.
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
