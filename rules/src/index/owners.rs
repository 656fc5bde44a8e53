//! Lookups of pod owners, autoscalers and ReferenceGrants asked with facts: the rules about
//! Services' target ports, PodDisruptionBudgets that block evictions and Gateway API
//! references.

use super::{Entry, Index};
use crate::facts::{self, Label, LabelSelector, ObjectFacts, Sym};

impl<'o> Index<'o> {
    /// The shortest list of pod owners that carry one of the pairs (symbols of the run).
    fn rarest_label_postings(&self, pairs: &[Label]) -> &[usize] {
        pairs
            .iter()
            .map(|pair| {
                self.by_label
                    .get(&(pair.key, pair.text))
                    .map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|list| list.len())
            .unwrap_or(&[])
    }

    /// The pod owners near the object of `near` (facts of the run) whose pod labels hold
    /// every pair of a map selector (a Service's), found through the label index.
    pub fn pod_owners_selected_by<'a>(
        &'a self,
        near: &ObjectFacts,
        selector: &'a [Label],
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let spot = Index::spot_of(near);
        self.rarest_label_postings(selector)
            .iter()
            .map(|&i| &self.entries[i])
            .filter(move |e| e.near(spot))
            .filter(move |e| {
                let labels = e.facts.pod.as_ref().and_then(|p| p.labels.as_deref());
                facts::map_selector_matches(selector, labels)
            })
    }

    /// The pod owners near the object of `near` (facts of the run) that a `LabelSelector`
    /// selects. With `matchLabels`, only the owners that carry its rarest pair are tried.
    pub fn pod_owners_matching_selector<'a>(
        &'a self,
        near: &ObjectFacts,
        selector: &'a LabelSelector,
    ) -> Box<dyn Iterator<Item = &'a Entry<'o>> + 'a> {
        let spot = Index::spot_of(near);
        let matching = move |e: &&'a Entry<'o>| {
            let labels = e.facts.pod.as_ref().and_then(|p| p.labels.as_deref());
            selector.matches(labels) == Some(true)
        };
        match selector.pairs() {
            Some(pairs) => Box::new(
                self.rarest_label_postings(pairs)
                    .iter()
                    .map(|&i| &self.entries[i])
                    .filter(move |e| e.near(spot))
                    .filter(matching),
            ),
            None => Box::new(
                self.pod_owners
                    .near(spot)
                    .map(|i| &self.entries[i])
                    .filter(matching),
            ),
        }
    }

    /// The objects of `kind` whose `metadata.namespace` is `namespace` (symbols of the run),
    /// in run order: a ReferenceGrant is asked for where it stands, not near anything.
    pub fn kind_in_namespace<'a>(
        &'a self,
        kind: Sym,
        namespace: Sym,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        self.near_kind
            .get(&kind)
            .and_then(|near| near.by_namespace.get(&Some(namespace)))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&i| &self.entries[i])
    }
}
