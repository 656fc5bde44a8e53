//! Lookups for the rules that say a selector selects no pod, asked with facts: the pod owners
//! near an object, whether an operator's resource may make pods there, and whether a Service's
//! map selector or a `LabelSelector` is known to select none of them.

use super::{Entry, Index};
use crate::facts::{self, Label, LabelSelector, ObjectFacts};

impl<'o> Index<'o> {
    /// The pod owners near the object of `near` (facts of the run), in run order.
    pub fn owners_near<'a>(
        &'a self,
        near: &ObjectFacts,
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        self.pod_owners
            .near(Index::spot_of(near))
            .map(|i| &self.entries[i])
    }

    /// Whether the namespace of the object of `near` holds a custom resource that probably
    /// makes an operator create pods (its `spec` has `replicas`, `podMetadata`, `template`…),
    /// whose labels the run cannot know: selectors that match nothing visible may match those.
    pub fn opaque_owner_near(&self, near: &ObjectFacts) -> bool {
        self.opaque_pod_owners
            .near(Index::spot_of(near))
            .next()
            .is_some()
    }

    /// The shortest list of pod owners that carry one of `pairs` (key and text).
    fn rarest_owners(&self, pairs: &[Label]) -> &[usize] {
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

    /// The pod owners near `near` that carry the rarest of `pairs`: every owner a selector
    /// with those `matchLabels` (or a Service's map selector) can select.
    pub(super) fn owners_with_rarest<'a>(
        &'a self,
        near: &ObjectFacts,
        pairs: &[Label],
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        let spot = Index::spot_of(near);
        self.rarest_owners(pairs)
            .iter()
            .map(|&i| &self.entries[i])
            .filter(move |e| e.near(spot))
    }

    /// Whether a Service's map selector (`pairs`, not empty) is known to select no pod: there
    /// is a pod owner near `near`, none has every pair among its pod labels (as text), and no
    /// operator's resource may create pods there.
    pub fn map_selects_no_pod(&self, near: &ObjectFacts, pairs: &[Label]) -> bool {
        self.owners_near(near).next().is_some()
            && !self
                .owners_with_rarest(near, pairs)
                .any(|e| facts::map_selector_matches(pairs, e.pod_label_facts()))
            && !self.opaque_owner_near(near)
    }

    /// Whether a `LabelSelector` near `near` is known to select no pod: it is not empty (an
    /// empty one selects every pod), there is a pod owner near it, the selector says
    /// `Some(false)` for the labels of every one (a malformed selector, `None`, is not judged),
    /// and no operator's resource may create pods there.
    pub fn label_selects_no_pod(&self, near: &ObjectFacts, selector: &LabelSelector) -> bool {
        if selector.is_empty() {
            return false;
        }
        let fails = |e: &Entry<'_>| selector.matches(e.pod_label_facts()) == Some(false);
        let mut owners = self.owners_near(near).peekable();
        if owners.peek().is_none() {
            return false;
        }
        // An owner without the rarest `matchLabels` pair fails them (`Some(false)`) before any
        // expression is read, so only the owners that carry it need a full check.
        let none = match selector.pairs() {
            Some(pairs) => self.owners_with_rarest(near, pairs).all(fails),
            None => owners.all(fails),
        };
        none && !self.opaque_owner_near(near)
    }
}

impl<'o> Entry<'o> {
    /// The labels of the pods this object creates, from its facts.
    pub fn pod_label_facts(&self) -> Option<&'o [Label]> {
        self.facts.pod.as_ref()?.labels.as_deref()
    }
}
