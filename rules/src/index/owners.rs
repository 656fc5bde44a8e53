//! Lookups of pod owners, autoscalers and ReferenceGrants asked with facts: the rules about
//! Services' target ports, PodDisruptionBudgets that block evictions and Gateway API
//! references.

use super::{Entry, Index};
use crate::facts::{self, Label, LabelSelector, ObjectFacts, Sym};

impl<'o> Index<'o> {
    /// The pod owners near the object of `near` (facts of the run) whose pod labels hold
    /// every pair of a map selector (a Service's), found through the label index.
    pub fn pod_owners_selected_by<'a>(
        &'a self,
        near: &ObjectFacts,
        selector: &'a [Label],
    ) -> impl Iterator<Item = &'a Entry<'o>> + 'a {
        self.owners_with_rarest(near, selector).filter(move |e| {
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
        let matching = move |e: &&'a Entry<'o>| {
            let labels = e.facts.pod.as_ref().and_then(|p| p.labels.as_deref());
            selector.matches(labels) == Some(true)
        };
        match selector.pairs() {
            Some(pairs) => Box::new(self.owners_with_rarest(near, pairs).filter(matching)),
            None => Box::new(self.owners_near(near).filter(matching)),
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

#[cfg(test)]
mod tests {
    use plimsoll_core::{Discovery, LoadOptions, Object, load_text};

    use super::*;
    use crate::facts::{Detail, MapSelector};
    use crate::pod::PodTemplates;

    fn load(name: &str, text: &str) -> Vec<Object> {
        let options = LoadOptions::default();
        load_text(name, text.to_owned(), Discovery::Explicit, &options).objects
    }

    const RUN: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: web}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api, tier: back}}
    spec: {containers: [{name: api}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: other}
spec:
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: web}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: tiers, namespace: shop}
spec:
  selector:
    matchExpressions: [{key: tier, operator: In, values: [front, back]}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: here, namespace: shop}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: elsewhere, namespace: other}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: nowhere}
";

    fn names<'a>(entries: impl Iterator<Item = &'a Entry<'a>>) -> Vec<String> {
        entries
            .map(|e| {
                format!(
                    "{}/{}",
                    e.object.namespace().unwrap_or("-"),
                    e.object.name().unwrap()
                )
            })
            .collect()
    }

    #[test]
    fn owners_selected_and_matched_and_grants_by_namespace() {
        let objects = load("run/objects.yaml", RUN);
        let pods = PodTemplates::new(&[]).unwrap();
        let (facts, frozen) = facts::of_run(&objects, &pods);
        let index = Index::new(&objects, &facts, &frozen, &pods);
        // A Service's map selector: its namespace only.
        let Detail::Service(service) = &facts[3].detail else {
            panic!("a Service");
        };
        let MapSelector::Map(pairs) = &service.selector else {
            panic!("a map selector");
        };
        assert_eq!(
            names(index.pod_owners_selected_by(&facts[3], pairs)),
            ["shop/web"]
        );
        // Expressions only: every owner near is tried.
        let Detail::Pdb(pdb) = &facts[4].detail else {
            panic!("a PodDisruptionBudget");
        };
        let selector = pdb.selector.as_ref().unwrap();
        assert_eq!(
            names(index.pod_owners_matching_selector(&facts[4], selector)),
            ["shop/web", "shop/api"]
        );
        // Grants where they stand: not near, not without a namespace.
        let grant = frozen.symbols.get("ReferenceGrant").unwrap();
        let shop = frozen.symbols.get("shop").unwrap();
        assert_eq!(names(index.kind_in_namespace(grant, shop)), ["shop/here"]);
        let web = frozen.symbols.get("web").unwrap();
        assert_eq!(index.kind_in_namespace(grant, web).count(), 0);
    }
}
