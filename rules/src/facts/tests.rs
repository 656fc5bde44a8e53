//! Every fact against what today's code reads from the value, on every object of every
//! fixture (and of `../shared/corpus` when it is there), and on hand-written malformed cases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use plimsoll_core::{
    Discovery, LoadOptions, Location, Object, OriginTree, Provenance, Source, load_text,
};
use serde_json::{Map, Value, json};

use super::*;
use crate::index::{Index, folder};
use crate::pod::PodSpec;
use crate::set::Ctx;
use crate::util::{label_selector_matches, map_selector_matches as value_map_matches};

/// How many answers of each kind were compared.
#[derive(Default)]
struct Tally {
    objects: usize,
    answers: BTreeMap<&'static str, usize>,
}

impl Tally {
    fn same<T: PartialEq + std::fmt::Debug>(
        &mut self,
        what: &'static str,
        facts: T,
        value: T,
        at: &dyn Fn() -> String,
    ) {
        assert_eq!(facts, value, "{what} differs for {}", at());
        *self.answers.entry(what).or_default() += 1;
    }

    /// Answers compared (counts in parentheses are observations, not comparisons).
    fn total(&self) -> usize {
        self.answers
            .iter()
            .filter(|(k, _)| !k.starts_with('('))
            .map(|(_, n)| n)
            .sum()
    }
}

/// A location as compared: the same source, span and template.
fn place(location: &Location) -> (usize, u32, u32, Option<String>) {
    (
        Arc::as_ptr(&location.source) as usize,
        location.span.start,
        location.span.end,
        location.template.as_deref().map(str::to_owned),
    )
}

/// One group of objects read together (a folder): facts built with one table, as in a run.
struct Group<'o> {
    objects: &'o [Object],
    facts: Vec<ObjectFacts>,
    frozen: Frozen,
    index: Index<'o>,
}

impl<'o> Group<'o> {
    fn new(objects: &'o [Object]) -> Group<'o> {
        let pods = PodTemplates::new(&[]).unwrap();
        let tables = Tables::default();
        let facts = objects
            .iter()
            .map(|o| ObjectFacts::of(o, &pods, &tables))
            .collect();
        // The index reads facts of its own, built as a run builds them, kept to the end of
        // the tests.
        let (indexed, indexed_tables) = crate::facts::of_run(objects, &pods);
        let indexed: &'o [ObjectFacts] = Vec::leak(indexed);
        let indexed_tables: &'o Frozen = Box::leak(Box::new(indexed_tables));
        Group {
            objects,
            facts,
            frozen: tables.freeze(),
            index: Index::new(objects, indexed, indexed_tables, &pods),
        }
    }

    fn text(&self, sym: Sym) -> &str {
        self.frozen.symbols.resolve(sym)
    }

    fn texts(&self, syms: &[Sym]) -> Vec<&str> {
        syms.iter().map(|s| self.text(*s)).collect()
    }

    fn loc(&self, loc: Loc) -> (usize, u32, u32, Option<String>) {
        place(&self.frozen.places.location(loc).unwrap())
    }

    /// Labels as (key, text, is a string).
    fn labels(&self, labels: &[Label]) -> Vec<(String, String, bool)> {
        labels
            .iter()
            .map(|l| {
                (
                    self.text(l.key).to_owned(),
                    self.text(l.text).to_owned(),
                    l.string,
                )
            })
            .collect()
    }

    fn pod_labels(&self, i: usize) -> Option<&[Label]> {
        self.facts[i].pod.as_ref()?.labels.as_deref()
    }

    fn value_pod_labels(&self, i: usize) -> Option<&'o Map<String, Value>> {
        self.index.entries[i].pod_labels()
    }
}

fn value_labels(map: &Map<String, Value>) -> Vec<(String, String, bool)> {
    map.iter()
        .map(|(k, v)| (k.clone(), scalar_text(v), v.is_string()))
        .collect()
}

/// Compares every fact of every object of `group`.
fn compare(group: &Group<'_>, tally: &mut Tally) {
    for (i, object) in group.objects.iter().enumerate() {
        tally.objects += 1;
        let at = || {
            format!(
                "{} {} {:?} #{}",
                object.source.name(),
                object.kind(),
                object.name(),
                object.document
            )
        };
        compare_object(group, i, tally, &at);
    }
    compare_selectors(group, tally);
    compare_crd_scopes(group, tally);
    compare_digests(group, tally);
}

fn compare_object(group: &Group<'_>, i: usize, tally: &mut Tally, at: &dyn Fn() -> String) {
    let object = &group.objects[i];
    let facts = &group.facts[i];
    let entry = &group.index.entries[i];
    let cx = Ctx::for_test(object, entry.pod.as_ref(), &group.index);
    let v = |p: &str| place(&object.locate(p, false));
    let missing = |p: &str, a: &str| place(cx.missing(p, a, "").location.as_ref().unwrap());

    tally.same(
        "api_version",
        group.text(facts.api_version),
        object.api_version(),
        at,
    );
    tally.same("kind", group.text(facts.kind), object.kind(), at);
    tally.same("group", group.text(facts.group), object.group(), at);
    tally.same(
        "name()",
        facts.name().map(|s| group.text(s)),
        object.name(),
        at,
    );
    tally.same(
        "metadata.name",
        facts.name.map(|s| group.text(s)),
        object
            .value
            .pointer("/metadata/name")
            .and_then(Value::as_str),
        at,
    );
    tally.same(
        "namespace",
        facts.namespace.map(|s| group.text(s)),
        object.namespace(),
        at,
    );
    tally.same("folder", group.text(facts.folder), folder(object), at);
    tally.same(
        "identity",
        facts.identity(&group.frozen.symbols),
        object.identity(),
        at,
    );
    tally.same(
        "V(/metadata/name)",
        group.loc(facts.name_loc),
        v("/metadata/name"),
        at,
    );
    // A built object is located where its values came from, in another file.
    let name_source = group.frozen.places.location(facts.name_loc).unwrap().source;
    if !Arc::ptr_eq(&name_source, &object.source) {
        *tally
            .answers
            .entry("(name located in another file)")
            .or_default() += 1;
    }
    tally.same(
        "Miss(/metadata/namespace)",
        group.loc(facts.namespace_loc),
        missing("/metadata/namespace", "/metadata/name"),
        at,
    );
    tally.same(
        "replicas",
        facts.replicas.replicas(),
        crate::util::replicas(object),
        at,
    );
    tally.same(
        "replicas non-null",
        matches!(facts.replicas, Count::Int(_) | Count::Other),
        object
            .value
            .pointer("/spec/replicas")
            .is_some_and(|v| !v.is_null()),
        at,
    );
    tally.same(
        "K(/spec/replicas)",
        group.loc(facts.replicas_loc),
        place(&object.locate("/spec/replicas", true)),
        at,
    );
    tally.same(
        "Miss(/spec/replicas)",
        group.loc(facts.replicas_loc),
        missing("/spec/replicas", "/metadata/name"),
        at,
    );
    tally.same(
        "ServiceAccount automount false",
        facts.automount_false(),
        object.value.get("automountServiceAccountToken") == Some(&Value::Bool(false)),
        at,
    );
    tally.same(
        "opaque pod owner",
        facts.makes_pods(),
        entry.pod.is_none() && crate::index::makes_pods(object),
        at,
    );
    tally.same(
        "has a pod spec",
        facts.pod.is_some(),
        entry.pod.is_some(),
        at,
    );
    if let (Some(pod), Some(spec)) = (&facts.pod, &entry.pod) {
        compare_pod(group, &cx, pod, spec, tally, at);
    }
    match &facts.detail {
        Detail::Service(s) => compare_service(group, object, s, tally, at),
        Detail::Hpa(h) => compare_hpa(group, object, h, tally, at),
        Detail::Pdb(p) => compare_pdb(group, object, p, tally, at),
        Detail::NetworkPolicy(n) => compare_netpol(group, object, n, tally, at),
        Detail::Role(r) => compare_role(group, object, r, tally, at),
        Detail::Binding(b) => {
            let field = |f: &str| object.value.pointer(f).and_then(Value::as_str);
            tally.same(
                "roleRef.kind",
                b.role_kind.map(|s| group.text(s)),
                field("/roleRef/kind"),
                at,
            );
            tally.same(
                "roleRef.name",
                b.role_name.map(|s| group.text(s)),
                field("/roleRef/name"),
                at,
            );
            // As the value code read a binding's `roleRef` before looking the role up.
            let system = object.name().is_some_and(|n| n.starts_with("system:"));
            let role_ref = field("/roleRef/kind")
                .zip(field("/roleRef/name"))
                .filter(|_| !system)
                .filter(|(kind, _)| match *kind {
                    "Role" => object.kind() == "RoleBinding",
                    kind => kind == "ClusterRole",
                });
            tally.same(
                "role_ref",
                facts
                    .role_ref(&group.frozen.symbols)
                    .map(|(k, n)| (group.text(k), group.text(n))),
                role_ref,
                at,
            );
            tally.same("V(/roleRef/name)", group.loc(b.loc), v("/roleRef/name"), at);
        }
        Detail::Ingress(i) => compare_backends(group, object, i.route, &i.backends, tally, at),
        Detail::GatewayRefs(refs) => compare_gateway_refs(group, object, refs, tally, at),
        Detail::ReferenceGrant(_) | Detail::None | Detail::Crd { .. } => {}
    }
    // Every kind whose facts the rules read has its detail.
    let rbac = object.group() == "rbac.authorization.k8s.io";
    let expected = match object.kind() {
        "Service" => "service",
        "HorizontalPodAutoscaler" => "hpa",
        "PodDisruptionBudget" => "pdb",
        "NetworkPolicy" => "netpol",
        "Role" | "ClusterRole" if rbac => "role",
        "RoleBinding" | "ClusterRoleBinding" if rbac => "binding",
        "Ingress" => "ingress",
        "Route" if matches!(object.group(), "route.openshift.io" | "") => "ingress",
        "ReferenceGrant" => "grant",
        "Gateway" | "HTTPRoute" | "GRPCRoute" | "TLSRoute" | "TCPRoute" | "UDPRoute"
            if object.group() == "gateway.networking.k8s.io" =>
        {
            "gateway"
        }
        _ => "other",
    };
    let got = match &facts.detail {
        Detail::Service(_) => "service",
        Detail::Hpa(_) => "hpa",
        Detail::Pdb(_) => "pdb",
        Detail::NetworkPolicy(_) => "netpol",
        Detail::Role(_) => "role",
        Detail::Binding(_) => "binding",
        Detail::Ingress(_) => "ingress",
        Detail::ReferenceGrant(_) => "grant",
        Detail::GatewayRefs(_) => "gateway",
        Detail::None | Detail::Crd { .. } => "other",
    };
    tally.same("detail kind", got, expected, at);
}

fn compare_pod(
    group: &Group<'_>,
    cx: &Ctx<'_, '_>,
    pod: &PodFacts,
    spec: &PodSpec<'_>,
    tally: &mut Tally,
    at: &dyn Fn() -> String,
) {
    let object = spec.object;
    let v = |p: &str| place(&object.locate(p, false));
    tally.same(
        "pod pointer",
        group.text(pod.pointer),
        spec.pointer.as_str(),
        at,
    );
    tally.same(
        "pod metadata pointer",
        group.text(pod.meta_pointer),
        spec.meta_pointer.as_str(),
        at,
    );
    tally.same("workflow", pod.workflow, spec.workflow, at);
    tally.same(
        "runs to completion",
        pod.runs_to_completion,
        spec.runs_to_completion(),
        at,
    );
    tally.same(
        "pod labels",
        pod.labels.as_deref().map(|l| group.labels(l)),
        spec.labels().map(value_labels),
        at,
    );
    let pointer = if object.kind() == "Pod" {
        "/metadata/labels".to_owned()
    } else {
        format!("{}/labels", spec.meta_pointer)
    };
    tally.same("R(M/labels)", group.loc(pod.labels_loc), v(&pointer), at);

    // automount-service-account-token.
    let account = spec
        .get("/serviceAccountName")
        .or_else(|| spec.get("/serviceAccount"))
        .and_then(Value::as_str)
        .unwrap_or("default");
    tally.same(
        "automount account",
        pod.automount_account().map_or("default", |s| group.text(s)),
        account,
        at,
    );
    let automount = match spec.get("/automountServiceAccountToken") {
        Some(Value::Bool(false)) => "false",
        Some(Value::Bool(true)) => "true",
        _ => "look up",
    };
    let facts_automount = match pod.automount {
        Automount::False => "false",
        Automount::True => "true",
        Automount::Absent | Automount::Other => "look up",
    };
    tally.same("automount", facts_automount, automount, at);
    tally.same(
        "Miss(P/automountServiceAccountToken)",
        group.loc(pod.automount_loc),
        place(
            cx.missing_in_pod(spec, "/automountServiceAccountToken", "")
                .location
                .as_ref()
                .unwrap(),
        ),
        at,
    );

    // service-account-not-found.
    let (field, name) = ["/serviceAccountName", "/serviceAccount"]
        .iter()
        .find_map(|f| {
            spec.get(f)
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .map(|n| (*f, n))
        })
        .unwrap_or(("", "default"));
    let named = pod.named_account(&group.frozen.symbols);
    tally.same(
        "named account",
        named.map_or("default", |(s, _)| group.text(s)),
        name,
        at,
    );
    if let Some((_, loc)) = named {
        tally.same(
            "V(P/serviceAccount(Name))",
            group.loc(loc),
            v(&spec.at(field)),
            at,
        );
    }

    // statefulset-service-mismatch.
    let service_name = object
        .value
        .pointer("/spec/serviceName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty());
    tally.same(
        "serviceName",
        pod.service_name.map(|(s, _)| group.text(s)),
        service_name,
        at,
    );
    if let Some((_, loc)) = pod.service_name {
        tally.same(
            "V(/spec/serviceName)",
            group.loc(loc),
            v("/spec/serviceName"),
            at,
        );
    }

    // service-target-port-not-found reads the raw lists.
    let mut raw = Vec::new();
    for field in ["containers", "initContainers"] {
        let containers = spec.spec.get(field).and_then(Value::as_array);
        for (j, container) in containers.into_iter().flatten().enumerate() {
            if container.is_object() {
                raw.push((field, j, container));
            }
        }
    }
    tally.same("containers", pod.containers.len(), raw.len(), at);
    for (c, (field, j, container)) in pod.containers.iter().zip(&raw) {
        tally.same("container list", c.init, *field == "initContainers", at);
        tally.same("container index", c.index as usize, *j, at);
        tally.same(
            "container name",
            c.name.map(|s| group.text(s)),
            container.get("name").and_then(Value::as_str),
            at,
        );
        let names: Option<Vec<&str>> =
            container
                .get("ports")
                .and_then(Value::as_array)
                .map(|ports| {
                    ports
                        .iter()
                        .filter_map(|p| p.get("name").and_then(Value::as_str))
                        .collect()
                });
        tally.same(
            "container port names",
            c.port_names.as_deref().map(|n| group.texts(n)),
            names,
            at,
        );
        if c.port_names.is_some() {
            tally.same(
                "R(C/ports)",
                group.loc(c.ports_loc),
                v(&format!("{}/{field}/{j}/ports", spec.pointer)),
                at,
            );
        }
    }

    // missing-readiness-probe.
    if !spec.workflow {
        let long: Vec<&ContainerFacts> = pod.long_running().collect();
        let value_long = spec.long_running_containers();
        tally.same("long-running containers", long.len(), value_long.len(), at);
        for (c, vc) in long.iter().zip(&value_long) {
            tally.same(
                "container describe",
                format!(
                    "{} \"{}\"",
                    if c.init {
                        "init container"
                    } else {
                        "container"
                    },
                    c.name.map_or("<unnamed>", |s| group.text(s))
                ),
                vc.describe(),
                at,
            );
            tally.same(
                "declares ports",
                c.declares_ports,
                vc.get("/ports")
                    .and_then(Value::as_array)
                    .is_some_and(|p| !p.is_empty()),
                at,
            );
            tally.same(
                "has readiness probe",
                c.has_readiness,
                vc.get("/readinessProbe").is_some_and(|v| !v.is_null()),
                at,
            );
            tally.same(
                "Miss(C/readinessProbe, C/name)",
                group.loc(c.readiness_loc),
                place(
                    cx.missing(&vc.at("/readinessProbe"), &vc.at("/name"), "")
                        .location
                        .as_ref()
                        .unwrap(),
                ),
                at,
            );
        }
    }
}

fn compare_service(
    group: &Group<'_>,
    object: &Object,
    s: &ServiceFacts,
    tally: &mut Tally,
    at: &dyn Fn() -> String,
) {
    let spec = object.value.get("spec").and_then(Value::as_object);
    tally.same("spec is a map", s.spec_is_map, spec.is_some(), at);
    tally.same(
        "ExternalName",
        s.external_name,
        spec.and_then(|s| s.get("type")).and_then(Value::as_str) == Some("ExternalName"),
        at,
    );
    tally.same(
        "headless",
        s.headless,
        object
            .value
            .pointer("/spec/clusterIP")
            .and_then(Value::as_str)
            == Some("None"),
        at,
    );
    let selector = object.value.pointer("/spec/selector");
    let shape = match selector {
        None => "absent",
        Some(Value::Object(_)) => "map",
        Some(_) => "not a map",
    };
    let facts_shape = match &s.selector {
        MapSelector::Absent => "absent",
        MapSelector::Map(_) => "map",
        MapSelector::NotMap => "not a map",
    };
    tally.same("Service selector shape", facts_shape, shape, at);
    tally.same(
        "Service selector",
        s.selector.pairs().map(|p| group.labels(p)),
        selector.and_then(Value::as_object).map(value_labels),
        at,
    );
    tally.same(
        "V(/spec/selector)",
        group.loc(s.selector_loc),
        place(&object.locate("/spec/selector", false)),
        at,
    );
    // As `service-target-port-not-found` reads them.
    let ports = spec.and_then(|s| s.get("ports")).and_then(Value::as_array);
    let named: Vec<(usize, &str)> = ports
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, p)| Some((i, p.get("targetPort")?.as_str()?)))
        .filter(|(_, name)| name.parse::<i64>().is_err())
        .collect();
    let facts_named: Vec<(usize, &str)> = s
        .named_target_ports(&group.frozen.symbols)
        .map(|(i, name, _)| (i, group.text(name)))
        .collect();
    tally.same("named target ports", facts_named, named, at);
    for (i, _, loc) in s.named_target_ports(&group.frozen.symbols) {
        tally.same(
            "V(/spec/ports/{i}/targetPort)",
            group.loc(loc),
            place(&object.locate(&format!("/spec/ports/{i}/targetPort"), false)),
            at,
        );
    }
    let value_ports: Option<Vec<(Option<String>, Option<&str>)>> = ports.map(|ports| {
        ports
            .iter()
            .map(|p| {
                (
                    p.get("port").map(scalar_text),
                    p.get("name").and_then(Value::as_str),
                )
            })
            .collect()
    });
    let facts_ports: Option<Vec<(Option<String>, Option<&str>)>> =
        s.ports.as_deref().map(|ports| {
            ports
                .iter()
                .map(|p| {
                    (
                        p.port.map(|s| group.text(s).to_owned()),
                        p.name.map(|s| group.text(s)),
                    )
                })
                .collect()
        });
    tally.same("Service ports", facts_ports, value_ports, at);
}

fn compare_hpa(
    group: &Group<'_>,
    object: &Object,
    h: &HpaFacts,
    tally: &mut Tally,
    at: &dyn Fn() -> String,
) {
    let target = object.value.pointer("/spec/scaleTargetRef");
    let field = |f: &str| target.and_then(|t| t.get(f)).and_then(Value::as_str);
    tally.same(
        "scaleTargetRef.kind",
        h.target_kind.map(|s| group.text(s)),
        field("kind"),
        at,
    );
    tally.same(
        "scaleTargetRef.name",
        h.target_name.map(|s| group.text(s)),
        field("name"),
        at,
    );
    let stated = object.value.pointer("/spec/minReplicas");
    tally.same(
        "minReplicas floor",
        h.min_replicas.floor(),
        stated.map_or(Some(1), Value::as_i64),
        at,
    );
    tally.same(
        "minReplicas stated",
        h.min_replicas != Count::Absent,
        stated.is_some(),
        at,
    );
    let v = |p: &str| place(&object.locate(p, false));
    tally.same(
        "V(/spec/scaleTargetRef/name)",
        group.loc(h.target_name_loc),
        v("/spec/scaleTargetRef/name"),
        at,
    );
    tally.same(
        "R(/spec/scaleTargetRef)",
        group.loc(h.target_loc),
        v("/spec/scaleTargetRef"),
        at,
    );
    tally.same(
        "R(/spec/minReplicas)",
        group.loc(h.min_replicas_loc),
        v("/spec/minReplicas"),
        at,
    );
}

fn compare_pdb(
    group: &Group<'_>,
    object: &Object,
    p: &PdbFacts,
    tally: &mut Tally,
    at: &dyn Fn() -> String,
) {
    // As `pdb-blocks-eviction` reads them.
    let spec = |f: &str| object.value.pointer(&format!("/spec/{f}"));
    let zero = |v: &Value| v.as_i64() == Some(0) || matches!(v.as_str(), Some("0" | "0%"));
    tally.same(
        "maxUnavailable zero",
        p.max_unavailable_zero,
        spec("maxUnavailable").is_some_and(zero),
        at,
    );
    let min = spec("minAvailable").map(|min| {
        let all = min.as_str() == Some("100%");
        let count = min.as_i64();
        let percent = min
            .as_str()
            .and_then(|m| m.strip_suffix('%'))
            .and_then(|p| p.parse::<i64>().ok())
            .filter(|p| (1..100).contains(p));
        (all, count, percent)
    });
    let facts_min = match p.min_available {
        MinAvailable::Absent => None,
        MinAvailable::All => Some((true, None, None)),
        MinAvailable::Count(n) => Some((false, Some(n), None)),
        MinAvailable::Percent(n) => Some((false, None, Some(n))),
        MinAvailable::Other => Some((false, None, None)),
    };
    // `100%` is judged first, and a count before a percentage.
    let value_min = min.map(|(all, count, percent)| match (all, count) {
        (true, _) => (true, None, None),
        (false, Some(n)) => (false, Some(n), None),
        (false, None) => (false, None, percent),
    });
    tally.same("minAvailable", facts_min, value_min, at);
    let v = |p: &str| place(&object.locate(p, false));
    tally.same(
        "V(/spec/maxUnavailable)",
        group.loc(p.max_unavailable_loc),
        v("/spec/maxUnavailable"),
        at,
    );
    tally.same(
        "V(/spec/minAvailable)",
        group.loc(p.min_available_loc),
        v("/spec/minAvailable"),
        at,
    );
    tally.same(
        "V(/spec/selector)",
        group.loc(p.selector_loc),
        v("/spec/selector"),
        at,
    );
    tally.same(
        "PDB selector present",
        p.selector.is_some(),
        spec("selector").is_some(),
        at,
    );
}

/// As `missing-network-policy` reads a policy.
fn isolates(policy: &Value, direction: &str) -> bool {
    match policy
        .pointer("/spec/policyTypes")
        .and_then(Value::as_array)
    {
        Some(types) => types.iter().any(|t| t.as_str() == Some(direction)),
        None => direction == "Ingress" || policy.pointer("/spec/egress").is_some(),
    }
}

/// The peers `network-policy-peer-selects-nothing` judges: (pointer, selector).
fn value_peers(object: &Object) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (direction, peers_key) in [("ingress", "from"), ("egress", "to")] {
        let Some(rules) = object
            .value
            .pointer(&format!("/spec/{direction}"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        for (i, rule) in rules.iter().enumerate() {
            let Some(peers) = rule.get(peers_key).and_then(Value::as_array) else {
                continue;
            };
            for (j, peer) in peers.iter().enumerate() {
                let Some(selector) = peer.get("podSelector") else {
                    continue;
                };
                if peer.get("namespaceSelector").is_some_and(|n| !n.is_null()) {
                    continue;
                }
                out.push((
                    format!("/spec/{direction}/{i}/{peers_key}/{j}/podSelector"),
                    selector,
                ));
            }
        }
    }
    out
}

fn compare_netpol(
    group: &Group<'_>,
    object: &Object,
    n: &NetpolFacts,
    tally: &mut Tally,
    at: &dyn Fn() -> String,
) {
    tally.same(
        "isolates ingress",
        n.isolates_ingress,
        isolates(&object.value, "Ingress"),
        at,
    );
    tally.same(
        "isolates egress",
        n.isolates_egress,
        isolates(&object.value, "Egress"),
        at,
    );
    let v = |p: &str| place(&object.locate(p, false));
    tally.same(
        "V(/spec/podSelector)",
        group.loc(n.pod_selector_loc),
        v("/spec/podSelector"),
        at,
    );
    tally.same(
        "podSelector present",
        n.pod_selector.is_some(),
        object.value.pointer("/spec/podSelector").is_some(),
        at,
    );
    let peers = value_peers(object);
    tally.same("peers", n.peers.len(), peers.len(), at);
    for (peer, (pointer, _)) in n.peers.iter().zip(&peers) {
        let (direction, key) = if peer.egress {
            ("egress", "to")
        } else {
            ("ingress", "from")
        };
        tally.same(
            "peer pointer",
            format!(
                "/spec/{direction}/{}/{key}/{}/podSelector",
                peer.rule, peer.peer
            ),
            pointer.clone(),
            at,
        );
        tally.same("V(peer podSelector)", group.loc(peer.loc), v(pointer), at);
    }
}

fn compare_role(
    group: &Group<'_>,
    object: &Object,
    r: &RoleFacts,
    tally: &mut Tally,
    at: &dyn Fn() -> String,
) {
    use crate::rules::rbac::rules_of;
    let rules = rules_of(object);
    let admin = rules
        .iter()
        .find_map(|rule| rule.administers().map(|i| rule.resource_pointer(i)));
    tally.same(
        "role administers",
        r.admin.map(|l| group.loc(l)),
        admin.map(|p| place(&object.locate(&p, false))),
        at,
    );
    // As `binding-grants-pod-exec` reads the role.
    let exec = |r: &str| matches!(r, "pods/exec" | "pods/attach" | "pods/*" | "*");
    let grant = rules.iter().filter(|r| r.core_group()).find_map(|rule| {
        let (verb, i) = rule
            .grants(&["create"], exec)
            .or_else(|| rule.grants(&["get"], exec))?;
        Some((
            verb.to_owned(),
            rule.resources[i].to_owned(),
            place(&object.locate(&rule.resource_pointer(i), false)),
        ))
    });
    tally.same(
        "role exec grant",
        r.exec.map(|(verb, resource, loc)| {
            (
                group.text(verb).to_owned(),
                group.text(resource).to_owned(),
                group.loc(loc),
            )
        }),
        grant,
        at,
    );
}

/// (pointer to the service name, pointer to the port, service name, port as text), as
/// `ingress-backend-not-found` reads an Ingress or a Route.
type ValueBackend<'v> = (String, String, &'v str, Option<String>);

fn value_route_backends(value: &Value) -> Vec<ValueBackend<'_>> {
    let port = value.pointer("/spec/port/targetPort").map(scalar_text);
    let to = value
        .pointer("/spec/to")
        .into_iter()
        .map(|t| ("/spec/to".to_owned(), t));
    let alternates = value
        .pointer("/spec/alternateBackends")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, b)| (format!("/spec/alternateBackends/{i}"), b));
    to.chain(alternates)
        .filter(|(_, b)| {
            b.get("kind")
                .and_then(Value::as_str)
                .is_none_or(|k| k == "Service")
        })
        .filter_map(|(pointer, b)| {
            let name = b.get("name").and_then(Value::as_str)?;
            Some((
                format!("{pointer}/name"),
                "/spec/port/targetPort".to_owned(),
                name,
                port.clone(),
            ))
        })
        .collect()
}

fn value_ingress_backends(value: &Value) -> Vec<ValueBackend<'_>> {
    fn add<'v>(out: &mut Vec<ValueBackend<'v>>, pointer: String, backend: &'v Value) {
        if let Some(name) = backend.pointer("/service/name").and_then(Value::as_str) {
            let port = backend
                .pointer("/service/port/number")
                .or_else(|| backend.pointer("/service/port/name"))
                .map(scalar_text);
            out.push((
                format!("{pointer}/service/name"),
                format!("{pointer}/service/port"),
                name,
                port,
            ));
        } else if let Some(name) = backend.get("serviceName").and_then(Value::as_str) {
            let port = backend.get("servicePort").map(scalar_text);
            out.push((
                format!("{pointer}/serviceName"),
                format!("{pointer}/servicePort"),
                name,
                port,
            ));
        }
    }
    let mut out = Vec::new();
    for field in ["defaultBackend", "backend"] {
        if let Some(b) = value.pointer(&format!("/spec/{field}")) {
            add(&mut out, format!("/spec/{field}"), b);
        }
    }
    let rules = value.pointer("/spec/rules").and_then(Value::as_array);
    for (r, rule) in rules.into_iter().flatten().enumerate() {
        let paths = rule.pointer("/http/paths").and_then(Value::as_array);
        for (p, path) in paths.into_iter().flatten().enumerate() {
            if let Some(b) = path.get("backend") {
                add(
                    &mut out,
                    format!("/spec/rules/{r}/http/paths/{p}/backend"),
                    b,
                );
            }
        }
    }
    out
}

fn value_route_port_matches(ports: &[Value], port: &str) -> bool {
    if port.parse::<i64>().is_err() {
        return ports
            .iter()
            .any(|p| p.get("name").and_then(Value::as_str) == Some(port));
    }
    ports.iter().any(|p| match p.get("targetPort") {
        Some(Value::String(_)) => true,
        Some(target) => scalar_text(target) == port,
        None => p.get("port").map(scalar_text).as_deref() == Some(port),
    })
}

fn compare_backends(
    group: &Group<'_>,
    object: &Object,
    route: bool,
    backends: &[Backend],
    tally: &mut Tally,
    at: &dyn Fn() -> String,
) {
    let value = if route {
        value_route_backends(&object.value)
    } else {
        value_ingress_backends(&object.value)
    };
    let facts: Vec<ValueBackend<'_>> = backends
        .iter()
        .map(|b| {
            (
                group.text(b.name_pointer).to_owned(),
                group.text(b.port_pointer).to_owned(),
                group.text(b.name),
                b.port.map(|p| group.text(p).to_owned()),
            )
        })
        .collect();
    tally.same("backends", facts, value.clone(), at);
    for (b, (name_pointer, port_pointer, _, _)) in backends.iter().zip(&value) {
        let v = |p: &str| place(&object.locate(p, false));
        tally.same(
            "V(backend name)",
            group.loc(b.name_loc),
            v(name_pointer),
            at,
        );
        tally.same(
            "V(backend port)",
            group.loc(b.port_loc),
            v(port_pointer),
            at,
        );
        // Against every Service of the group.
        for (i, service) in group.objects.iter().enumerate() {
            let (Detail::Service(s), Some(port)) = (&group.facts[i].detail, b.port) else {
                continue;
            };
            let ports = service
                .value
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            let text = group.text(port);
            let want = if route {
                value_route_port_matches(ports, text)
            } else {
                ports.iter().any(|p| {
                    p.get("port").map(scalar_text).as_deref() == Some(text)
                        || p.get("name").and_then(Value::as_str) == Some(text)
                })
            };
            let got = if route {
                s.route_port_matches(port, &group.frozen.symbols)
            } else {
                s.has_port(port)
            };
            tally.same("backend port of Service", got, want, at);
        }
    }
}

/// (pointer, group, kind, namespace, name), as `gateway-reference-not-granted` reads them.
type ValueRef<'v> = (String, &'v str, &'v str, &'v str, &'v str);

fn value_gateway_refs<'v>(value: &'v Value, kind: &str) -> Vec<ValueRef<'v>> {
    fn list<'v>(value: &'v Value, key: &str) -> impl Iterator<Item = (usize, &'v Value)> {
        value
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
    }
    fn reference<'v>(pointer: String, value: &'v Value, kind: &'v str) -> Option<ValueRef<'v>> {
        let text = |key: &str| value.get(key).and_then(Value::as_str);
        Some((
            pointer,
            text("group").unwrap_or(""),
            text("kind").unwrap_or(kind),
            text("namespace")?,
            text("name")?,
        ))
    }
    let mut out = Vec::new();
    let Some(spec) = value.get("spec") else {
        return out;
    };
    if kind == "Gateway" {
        for (l, listener) in list(spec, "listeners") {
            let Some(tls) = listener.get("tls") else {
                continue;
            };
            for (c, cert) in list(tls, "certificateRefs") {
                let pointer = format!("/spec/listeners/{l}/tls/certificateRefs/{c}/namespace");
                out.extend(reference(pointer, cert, "Secret"));
            }
        }
    } else {
        for (r, rule) in list(spec, "rules") {
            for (b, backend) in list(rule, "backendRefs") {
                let pointer = format!("/spec/rules/{r}/backendRefs/{b}/namespace");
                out.extend(reference(pointer, backend, "Service"));
            }
        }
    }
    out
}

fn value_grants(grant: &Value, kind: &str, namespace: Option<&str>, target: &ValueRef<'_>) -> bool {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    let entries = |key: &str| {
        grant
            .pointer(&format!("/spec/{key}"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let from = entries("from").iter().any(|f| {
        text(f, "group") == "gateway.networking.k8s.io"
            && text(f, "kind") == kind
            && namespace.is_none_or(|n| text(f, "namespace") == n)
    });
    let to = entries("to").iter().any(|t| {
        text(t, "group") == target.1
            && text(t, "kind") == target.2
            && t.get("name")
                .and_then(Value::as_str)
                .is_none_or(|n| n == target.4)
    });
    from && to
}

fn compare_gateway_refs(
    group: &Group<'_>,
    object: &Object,
    refs: &[GatewayRef],
    tally: &mut Tally,
    at: &dyn Fn() -> String,
) {
    let value = value_gateway_refs(&object.value, object.kind());
    let facts: Vec<ValueRef<'_>> = refs
        .iter()
        .map(|r| {
            (
                group.text(r.pointer).to_owned(),
                group.text(r.group),
                group.text(r.kind),
                group.text(r.namespace),
                group.text(r.name),
            )
        })
        .collect();
    tally.same("gateway references", facts, value.clone(), at);
    let gateway_group = group.frozen.symbols.get("gateway.networking.k8s.io");
    let facts_kind = group
        .facts
        .iter()
        .zip(group.objects)
        .find(|(_, o)| std::ptr::eq(*o, object));
    let kind = facts_kind.map(|(f, _)| f.kind);
    let own = facts_kind.and_then(|(f, _)| f.namespace);
    for (r, target) in refs.iter().zip(&value) {
        tally.same(
            "V(reference namespace)",
            group.loc(r.loc),
            place(&object.locate(&target.0, false)),
            at,
        );
        for (i, grant) in group.objects.iter().enumerate() {
            let Detail::ReferenceGrant(g) = &group.facts[i].detail else {
                continue;
            };
            let got = match (gateway_group, kind) {
                (Some(gg), Some(kind)) => g.grants(gg, kind, own, r),
                _ => false,
            };
            tally.same(
                "ReferenceGrant grants",
                got,
                value_grants(&grant.value, object.kind(), object.namespace(), target),
                at,
            );
        }
    }
}

/// Label sets that selectors are tried on besides the group's pod owners.
fn extra_labels() -> Vec<Option<Map<String, Value>>> {
    let maps = [
        json!({}),
        json!({"app": "web"}),
        json!({"app": "web", "tier": "front"}),
        json!({"enabled": true}),
        json!({"enabled": "true"}),
        json!({"replicas": 3}),
        json!({"app": null}),
    ];
    let mut out: Vec<Option<Map<String, Value>>> = vec![None];
    out.extend(maps.iter().map(|m| m.as_object().cloned()));
    out
}

/// A label set as a value and as facts.
type LabelSet = (Option<Map<String, Value>>, Option<Box<[Label]>>);

/// Every selector of the group against the pod labels of every pod owner of the group (and
/// a few more label sets), as the index and the rules match them.
fn compare_selectors(group: &Group<'_>, tally: &mut Tally) {
    let owners: Vec<usize> = (0..group.objects.len())
        .filter(|&i| group.facts[i].pod.is_some())
        .collect();
    // Extra label sets are interned in a table of their own, resolved by text.
    let tables = Tables::default();
    let extra: Vec<LabelSet> = extra_labels()
        .into_iter()
        .map(|m| {
            let facts = m.as_ref().map(|m| pairs(&tables, m));
            (m, facts)
        })
        .collect();
    let extra_frozen = tables.freeze();
    for (i, object) in group.objects.iter().enumerate() {
        let at = || {
            format!(
                "{} {} {:?}",
                object.source.name(),
                object.kind(),
                object.name()
            )
        };
        let mut label_selectors: Vec<(&LabelSelector, &Value)> = Vec::new();
        match &group.facts[i].detail {
            Detail::Service(s) => {
                // `Index::selected_by` for a map selector, and the Service rules.
                let value = object.value.pointer("/spec/selector");
                for &o in &owners {
                    let labels = group.value_pod_labels(o);
                    let want = value.is_some_and(|s| match s {
                        Value::Object(m) => !m.is_empty() && value_map_matches(m, labels),
                        _ => false,
                    });
                    tally.same(
                        "Service selects owner",
                        s.selector.matches(group.pod_labels(o)),
                        want,
                        &at,
                    );
                }
                if let Some(m) = value.and_then(Value::as_object) {
                    for &o in &owners {
                        tally.same(
                            "map_selector_matches",
                            map_selector_matches(
                                s.selector.pairs().unwrap_or(&[]),
                                group.pod_labels(o),
                            ),
                            value_map_matches(m, group.value_pod_labels(o)),
                            &at,
                        );
                    }
                }
            }
            Detail::Pdb(p) => {
                if let (Some(s), Some(v)) = (&p.selector, object.value.pointer("/spec/selector")) {
                    label_selectors.push((s, v));
                }
            }
            Detail::NetworkPolicy(n) => {
                if let (Some(s), Some(v)) =
                    (&n.pod_selector, object.value.pointer("/spec/podSelector"))
                {
                    label_selectors.push((s, v));
                }
                for (peer, (_, v)) in n.peers.iter().zip(value_peers(object)) {
                    label_selectors.push((&peer.selector, v));
                }
            }
            _ => {}
        }
        for (facts, value) in label_selectors {
            compare_label_selector(group, facts, value, &owners, tally, &at);
            // Extra label sets: texts from another table, so compared by text.
            for (map, labels) in &extra {
                let translated = labels.as_deref().map(|l| {
                    l.iter()
                        .filter_map(|l| {
                            Some(Label {
                                key: group
                                    .frozen
                                    .symbols
                                    .get(extra_frozen.symbols.resolve(l.key))?,
                                text: group
                                    .frozen
                                    .symbols
                                    .get(extra_frozen.symbols.resolve(l.text))
                                    // A text no selector holds matches no value of it.
                                    .unwrap_or(NonZeroU32::MAX),
                                string: l.string,
                            })
                        })
                        .collect::<Vec<_>>()
                });
                tally.same(
                    "label_selector_matches (extra labels)",
                    facts.matches(translated.as_deref()),
                    label_selector_matches(value, map.as_ref()),
                    &at,
                );
            }
        }
    }
}

/// The `matchLabels` of a `LabelSelector` value and the keys of its pairs and expressions,
/// as the rules read them from values before [`LabelSelector::keys`].
fn value_selector_keys(selector: &Value) -> (Map<String, Value>, Vec<&str>) {
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

fn compare_label_selector(
    group: &Group<'_>,
    facts: &LabelSelector,
    value: &Value,
    owners: &[usize],
    tally: &mut Tally,
    at: &dyn Fn() -> String,
) {
    tally.same(
        "selector_is_empty",
        facts.is_empty(),
        crate::util::selector_is_empty(value),
        at,
    );
    let (pairs, keys) = facts.keys();
    let (value_pairs, value_keys) = value_selector_keys(value);
    tally.same(
        "selector keys: pairs",
        group.labels(pairs),
        value_labels(&value_pairs),
        at,
    );
    tally.same("selector keys: keys", group.texts(&keys), value_keys, at);
    let value_index_pairs = value
        .get("matchLabels")
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty())
        .map(value_labels);
    tally.same(
        "selector index pairs",
        facts.pairs().map(|p| group.labels(p)),
        value_index_pairs,
        at,
    );
    tally.same(
        "label_selector_matches (no labels)",
        facts.matches(None),
        label_selector_matches(value, None),
        at,
    );
    for &o in owners {
        tally.same(
            "label_selector_matches",
            facts.matches(group.pod_labels(o)),
            label_selector_matches(value, group.value_pod_labels(o)),
            at,
        );
        // `related::similar_owners` scores shared pairs by strict equality.
        if let Some(labels) = group.value_pod_labels(o) {
            let facts_labels = group.pod_labels(o).unwrap_or(&[]);
            let strict = value_pairs
                .iter()
                .filter(|(k, v)| labels.get(k.as_str()) == Some(v))
                .count();
            let facts_strict = pairs
                .iter()
                .filter(|want| {
                    label(facts_labels, want.key)
                        .is_some_and(|have| have.text == want.text && have.string == want.string)
                })
                .count();
            tally.same("similar pairs (strict)", facts_strict, strict, at);
        }
    }
}

/// The index's CRD scopes, from the facts.
fn compare_crd_scopes(group: &Group<'_>, tally: &mut Tally) {
    let scopes = crd_scopes(&group.facts, &group.frozen.symbols);
    for (&(g, kind), &scope) in &scopes {
        tally.same(
            "crd_scope",
            Some(group.text(scope)),
            group.index.crd_scope(group.text(g), group.text(kind)),
            &|| format!("CRD {}/{}", group.text(g), group.text(kind)),
        );
    }
}

/// Equal values have equal digests, and objects of one identity with equal digests have
/// equal values (as `duplicate-object` compares them).
fn compare_digests(group: &Group<'_>, tally: &mut Tally) {
    let mut by_name: HashMap<(Sym, Option<Sym>), Vec<usize>> = HashMap::new();
    for (i, facts) in group.facts.iter().enumerate() {
        by_name
            .entry((facts.kind, facts.name()))
            .or_default()
            .push(i);
    }
    // One file or two, for every pair of a small group and of each identity.
    let all: Vec<usize> = (0..group.objects.len()).collect();
    let pairs_of = if all.len() <= 500 {
        vec![&all]
    } else {
        by_name.values().collect()
    };
    for list in pairs_of {
        for (n, &a) in list.iter().enumerate() {
            for &b in &list[n + 1..] {
                tally.same(
                    "same file",
                    group.facts[a].file == group.facts[b].file,
                    Arc::ptr_eq(&group.objects[a].source, &group.objects[b].source),
                    &|| {
                        format!(
                            "{} and {}",
                            group.objects[a].source.name(),
                            group.objects[b].source.name()
                        )
                    },
                );
            }
        }
    }
    for list in by_name.values() {
        for (n, &a) in list.iter().enumerate() {
            for &b in &list[n + 1..] {
                tally.same(
                    "digest equality",
                    group.facts[a].digest == group.facts[b].digest,
                    group.objects[a].value == group.objects[b].value,
                    &|| {
                        format!(
                            "{} and {}",
                            group.objects[a].source.name(),
                            group.objects[b].source.name()
                        )
                    },
                );
            }
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every `.yaml`/`.yml` file under `dir`, by folder.
fn yaml_by_folder(dir: &Path) -> BTreeMap<PathBuf, Vec<PathBuf>> {
    let mut out: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in read.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                out.entry(dir.clone()).or_default().push(path);
            }
        }
    }
    for files in out.values_mut() {
        files.sort();
    }
    out
}

fn load_folder(files: &[PathBuf]) -> Vec<Object> {
    let mut objects = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let name = path.to_string_lossy();
        let file = load_text(&name, text, Discovery::Explicit, &LoadOptions::default());
        objects.extend(file.objects);
    }
    objects
}

fn compare_tree(dir: &Path) -> Tally {
    let mut tally = Tally::default();
    for files in yaml_by_folder(dir).values() {
        let objects = load_folder(files);
        let group = Group::new(&objects);
        compare(&group, &mut tally);
    }
    tally
}

fn report(what: &str, tally: &Tally) {
    println!(
        "{what}: {} objects, {} answers compared",
        tally.objects,
        tally.total()
    );
    for (answer, count) in &tally.answers {
        println!("  {answer}: {count}");
    }
}

#[test]
fn facts_answer_as_values_do_on_every_fixture() {
    let tally = compare_tree(&workspace_root().join("fixtures"));
    report("fixtures", &tally);
    assert!(tally.objects > 800, "{} objects", tally.objects);
    // Every kind of answer was compared on some object.
    for answer in [
        "Service selects owner",
        "label_selector_matches",
        "role exec grant",
        "role administers",
        "Miss(C/readinessProbe, C/name)",
        "named target ports",
        "crd_scope",
        "digest equality",
        "V(peer podSelector)",
        "minReplicas floor",
        "minAvailable",
        "backend port of Service",
        "ReferenceGrant grants",
        "V(reference namespace)",
    ] {
        assert!(
            tally.answers.get(answer).copied().unwrap_or(0) > 0,
            "{answer} never compared"
        );
    }
}

#[test]
fn facts_answer_as_values_do_on_the_corpus() {
    let corpus = workspace_root().join("../shared/corpus");
    if !corpus.is_dir() {
        println!("{} is absent: the corpus is not compared", corpus.display());
        return;
    }
    let tally = compare_tree(&corpus);
    report("corpus", &tally);
    assert!(tally.objects > 0);
}

fn group_of(text: &str) -> Vec<Object> {
    let file = load_text(
        "malformed/facts.yaml",
        text.to_owned(),
        Discovery::Explicit,
        &LoadOptions::default(),
    );
    file.objects
}

const MALFORMED: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: strings, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: web, enabled: "true", replicas: "3"}
    spec:
      serviceAccountName: ""
      serviceAccount: legacy
      containers:
        - name: web
          ports: [{name: http, containerPort: 80}, {containerPort: 81}]
        - "not a container"
        - ports: []
          readinessProbe: null
      initContainers:
        - name: proxy
          restartPolicy: Always
          ports: [{name: admin}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: typed, namespace: shop}
spec:
  replicas: three
  template:
    metadata:
      labels: {app: web, enabled: true, replicas: 3}
    spec:
      serviceAccountName: 7
      serviceAccount: legacy
      automountServiceAccountToken: "no"
      containers: [{name: web}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: partial, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: web}
    spec:
      containers: [{name: web}]
---
apiVersion: v1
kind: Pod
metadata: {name: bare, namespace: shop, labels: [not, a, map]}
spec:
  restartPolicy: Never
  containers: [{name: job}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: not-a-map, namespace: shop}
spec:
  minAvailable: "50%"
  selector:
    matchLabels: [app, web]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: unknown-operator, namespace: shop}
spec:
  maxUnavailable: "0%"
  selector:
    matchLabels: {app: web}
    matchExpressions:
      - {key: tier, operator: Near, values: [front]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: fails-before-malformed, namespace: shop}
spec:
  minAvailable: 2
  selector:
    matchExpressions:
      - {key: app, operator: In, values: [api]}
      - {operator: In, values: [web]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: text-values, namespace: shop}
spec:
  minAvailable: "100%"
  selector:
    matchExpressions:
      - {key: enabled, operator: In, values: [true]}
      - {key: replicas, operator: NotIn, values: 3}
      - {key: missing, operator: DoesNotExist}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: peers, namespace: shop}
spec:
  podSelector: "everything"
  policyTypes: [Egress, 7]
  ingress:
    - from:
        - podSelector: {matchLabels: {app: web}}
        - podSelector: {matchLabels: {app: web}}
          namespaceSelector: null
        - podSelector: {}
          namespaceSelector: {}
        - ipBlock: {cidr: 10.0.0.0/8}
  egress:
    - to:
        - podSelector: {matchExpressions: "not a list"}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: ClusterIP
  clusterIP: None
  selector: {app: web, enabled: true}
  ports:
    - {port: 80, targetPort: http}
    - {port: "8080", targetPort: "8080"}
    - {port: 81, targetPort: 81, name: plain}
    - {port: 82, targetPort: admin}
---
apiVersion: v1
kind: Service
metadata: {name: odd, namespace: shop}
spec:
  selector: [app, web]
  ports: {not: a-list}
---
apiVersion: v1
kind: Service
metadata: {name: no-spec, namespace: shop}
spec: []
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {generateName: scaler-, namespace: shop}
spec:
  scaleTargetRef: {kind: Deployment, name: strings}
  minReplicas: null
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: no-target, namespace: shop}
spec:
  scaleTargetRef: {kind: 7}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: exec, namespace: shop}
rules:
  - apiGroups: [apps]
    resources: [pods/exec]
    verbs: [create]
  - apiGroups: [7, ""]
    resources: [7, pods, pods/attach]
    verbs: [get, create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: admin-ish}
rules:
  - apiGroups: ["*"]
    resources: [7, "*"]
    verbs: [get, list, watch, create, update, patch, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bind, namespace: shop}
roleRef: {kind: Role, name: exec}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: legacy, namespace: shop}
automountServiceAccountToken: false
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget}
  scope: Namespaced
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets2.example.com}
spec:
  group: example.com
  names: {kind: Widget}
  scope: Cluster
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
spec: {replicas: 2}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: front, namespace: shop}
spec:
  defaultBackend: {service: {name: web, port: {name: http}}}
  rules:
    - http:
        paths:
          - backend: {service: {name: web, port: {number: 8080}}}
          - backend: {serviceName: web, servicePort: 80}
          - backend: {resource: {kind: Bucket, name: b}}
    - http: {paths: "none"}
---
apiVersion: route.openshift.io/v1
kind: Route
metadata: {name: route, namespace: shop}
spec:
  to: {kind: Service, name: web}
  alternateBackends:
    - {kind: Bucket, name: b}
    - {name: odd}
  port: {targetPort: 81}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: to-other, namespace: shop}
spec:
  rules:
    - backendRefs:
        - {name: api, namespace: other, port: 80}
        - {name: same, port: 80}
        - {group: "", kind: Service, name: 7, namespace: other}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  listeners:
    - tls: {certificateRefs: [{name: cert, namespace: certs}]}
    - name: plain
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: grant, namespace: other}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]
  to: [{group: "", kind: Service, name: 7}]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: certs, namespace: certs}
spec:
  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: anywhere}]
  to: [{kind: Secret}]
"#;

#[test]
fn malformed_objects_keep_their_quirks() {
    let objects = group_of(MALFORMED);
    let group = Group::new(&objects);
    let mut tally = Tally::default();
    compare(&group, &mut tally);
    report("malformed", &tally);
    let by_name = |name: &str| {
        let i = objects.iter().position(|o| o.name() == Some(name)).unwrap();
        &group.facts[i]
    };
    let (strings, typed) = (by_name("strings"), by_name("typed"));
    let (sp, tp) = (strings.pod.as_ref().unwrap(), typed.pod.as_ref().unwrap());
    // `true` and `"true"` match alike, but are told apart.
    let l = |p: &PodFacts, k: &str| {
        *label(
            p.labels.as_deref().unwrap(),
            group.frozen.symbols.get(k).unwrap(),
        )
        .unwrap()
    };
    assert_eq!(l(sp, "enabled").text, l(tp, "enabled").text);
    assert!(l(sp, "enabled").string && !l(tp, "enabled").string);
    // The two account choices: an empty name is kept by one and passed over by the other.
    assert_eq!(sp.automount_account().map(|s| group.text(s)), Some(""));
    assert_eq!(
        sp.named_account(&group.frozen.symbols)
            .map(|(s, _)| group.text(s)),
        Some("legacy")
    );
    assert_eq!(tp.automount_account(), None);
    assert_eq!(tp.automount, Automount::Other);
    assert_eq!(typed.replicas.replicas(), None);
    // Containers: the string item is skipped, its position counts.
    let indexes: Vec<(bool, u32)> = sp.containers.iter().map(|c| (c.init, c.index)).collect();
    assert_eq!(indexes, [(false, 0), (false, 2), (true, 0)]);
    assert!(sp.containers[2].sidecar);
    assert_eq!(by_name("bare").pod.as_ref().unwrap().labels, None);

    let pdb = |name: &str| match &by_name(name).detail {
        Detail::Pdb(p) => p.clone(),
        other => panic!("{other:?}"),
    };
    let labels = sp.labels.as_deref();
    assert_eq!(pdb("not-a-map").selector.unwrap().matches(labels), None);
    assert_eq!(pdb("not-a-map").min_available, MinAvailable::Percent(50));
    assert_eq!(
        pdb("unknown-operator").selector.unwrap().matches(labels),
        None
    );
    assert!(pdb("unknown-operator").max_unavailable_zero);
    assert_eq!(
        pdb("fails-before-malformed")
            .selector
            .unwrap()
            .matches(labels),
        Some(false)
    );
    assert_eq!(pdb("text-values").min_available, MinAvailable::All);
    let text_values = pdb("text-values").selector.unwrap();
    // Values compare as text: `true` is in `[true]` for both, a non-list `values` is empty.
    assert_eq!(text_values.matches(labels), Some(true));
    assert_eq!(text_values.matches(tp.labels.as_deref()), Some(true));

    let Detail::NetworkPolicy(netpol) = &by_name("peers").detail else {
        panic!()
    };
    assert!(!netpol.isolates_ingress && netpol.isolates_egress);
    assert_eq!(netpol.peers.len(), 3);
    assert!(netpol.pod_selector.as_ref().unwrap().is_empty());

    let Detail::Service(web) = &by_name("web").detail else {
        panic!()
    };
    assert!(web.headless);
    assert!(web.selector.matches(sp.labels.as_deref()));
    assert!(web.selector.matches(tp.labels.as_deref()));
    // Every pair must match.
    let partial = by_name("partial").pod.as_ref().unwrap();
    assert!(!web.selector.matches(partial.labels.as_deref()));
    let named: Vec<usize> = web
        .named_target_ports(&group.frozen.symbols)
        .map(|(i, _, _)| i)
        .collect();
    assert_eq!(named, [0, 3]);

    let Detail::Role(role) = &by_name("exec").detail else {
        panic!()
    };
    let (verb, resource, loc) = role.exec.unwrap();
    assert_eq!(
        (group.text(verb), group.text(resource)),
        ("create", "pods/attach")
    );
    // The resource index counts string items only: `pods/attach` is the second string.
    assert_eq!(
        group.loc(loc),
        place(
            &objects
                .iter()
                .find(|o| o.name() == Some("exec"))
                .unwrap()
                .locate("/rules/1/resources/1", false)
        )
    );
    let Detail::Role(admin) = &by_name("admin-ish").detail else {
        panic!()
    };
    assert!(admin.admin.is_some());
    assert!(by_name("legacy").automount_false());
    assert!(by_name("w").makes_pods());
    assert_eq!(
        group.index.crd_scope("example.com", "Widget"),
        Some("Cluster")
    );

    let Detail::Ingress(front) = &by_name("front").detail else {
        panic!()
    };
    assert!(!front.route);
    let backends = &front.backends;
    let ports: Vec<Option<&str>> = backends
        .iter()
        .map(|b| b.port.map(|p| group.text(p)))
        .collect();
    assert_eq!(ports, [Some("http"), Some("8080"), Some("80")]);
    // `http` is a target port of the Service, not one of its ports; `"8080"` is one, as text.
    assert!(!web.has_port(backends[0].port.unwrap()));
    assert!(web.has_port(backends[1].port.unwrap()));
    let Detail::Ingress(route) = &by_name("route").detail else {
        panic!()
    };
    assert!(route.route);
    let backends = &route.backends;
    let names: Vec<&str> = backends.iter().map(|b| group.text(b.name)).collect();
    assert_eq!(names, ["web", "odd"]);
    // A number matches any target port given by name.
    assert!(web.route_port_matches(backends[0].port.unwrap(), &group.frozen.symbols));
    let Detail::GatewayRefs(refs) = &by_name("to-other").detail else {
        panic!()
    };
    assert_eq!(refs.len(), 1);
    let Detail::ReferenceGrant(grant) = &by_name("grant").detail else {
        panic!()
    };
    let route = by_name("to-other");
    let gateway_group = group
        .frozen
        .symbols
        .get("gateway.networking.k8s.io")
        .unwrap();
    // The grant names `7` as a number: it lets the route refer to every Service.
    assert!(grant.grants(gateway_group, route.kind, route.namespace, &refs[0]));
    let Detail::GatewayRefs(certs) = &by_name("gw").detail else {
        panic!()
    };
    let Detail::ReferenceGrant(cert_grant) = &by_name("certs").detail else {
        panic!()
    };
    let gw = by_name("gw");
    // A Gateway without a namespace may be in any; the grant's `to` has no group: `""`.
    assert!(cert_grant.grants(gateway_group, gw.kind, gw.namespace, &certs[0]));
}

/// A built object whose values come from two other files, located through its provenance.
#[test]
fn provenance_locations_point_where_the_values_came_from() {
    let base = group_of(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers: [{name: web, ports: [{name: http}]}]\n",
    );
    let patch = Source::new(
        "overlay/kustomization.yaml",
        "namespace: prod\nreplicas: [{name: web, count: 3}]\n",
    );
    let built_text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  replicas: 3\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers: [{name: web, ports: [{name: http}]}]\n";
    let mut built = group_of(built_text);
    let set = |start: usize, end: usize| OriginTree::Set {
        location: Location {
            source: patch.clone(),
            span: plimsoll_core::Span::new(start, end),
            template: None,
        },
        note: None,
    };
    built[0].provenance = Some(Arc::new(Provenance {
        tree: OriginTree::Mixed {
            base: Some(Box::new(OriginTree::From {
                object: Arc::new(base[0].clone()),
                pointer: String::new(),
            })),
            children: vec![
                (
                    "metadata".into(),
                    OriginTree::Mixed {
                        base: None,
                        children: vec![("namespace".into(), set(11, 15))],
                    },
                ),
                (
                    "spec".into(),
                    OriginTree::Mixed {
                        base: None,
                        children: vec![("replicas".into(), set(24, 47))],
                    },
                ),
            ],
        },
        chain: vec![Arc::from("kustomize overlay")],
    }));
    let group = Group::new(&built);
    let mut tally = Tally::default();
    compare(&group, &mut tally);
    report("provenance", &tally);
    let facts = &group.facts[0];
    let location = group.frozen.places.location(facts.replicas_loc).unwrap();
    assert_eq!(location.source.name(), "overlay/kustomization.yaml");
    let labels = group
        .frozen
        .places
        .location(facts.pod.as_ref().unwrap().labels_loc)
        .unwrap();
    assert!(Arc::ptr_eq(&labels.source, &base[0].source));
}

/// Reads kustomizations from disk.
struct Disk;

impl plimsoll_kustomize::FileSystem for Disk {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
    fn list(&self, path: &Path) -> std::io::Result<Vec<PathBuf>> {
        std::fs::read_dir(path)?
            .map(|e| e.map(|e| e.path()))
            .collect()
    }
}

/// Every kustomization under `dir`, built: objects located through their provenance.
fn compare_kustomizations(dir: &Path, tally: &mut Tally) -> usize {
    let mut built = 0;
    for folder in yaml_by_folder(dir).keys() {
        if plimsoll_kustomize::kustomization_file(&Disk, folder).is_none() {
            continue;
        }
        let build = plimsoll_kustomize::build(&Disk, folder);
        built += build
            .objects
            .iter()
            .filter(|o| o.provenance.is_some())
            .count();
        let group = Group::new(&build.objects);
        compare(&group, tally);
    }
    built
}

#[test]
fn facts_of_kustomize_builds_are_located_through_provenance() {
    let mut tally = Tally::default();
    let built = compare_kustomizations(&workspace_root().join("fixtures/kustomize"), &mut tally);
    report("kustomize fixtures", &tally);
    assert!(built > 100, "{built} built objects");
    let elsewhere = tally.answers.get("(name located in another file)").copied();
    assert!(elsewhere.unwrap_or(0) > 50, "{elsewhere:?}");
    let corpus = workspace_root().join("../shared/corpus/kustomize");
    if !corpus.is_dir() {
        println!(
            "{} is absent: its kustomizations are not compared",
            corpus.display()
        );
        return;
    }
    let mut tally = Tally::default();
    let built = compare_kustomizations(&corpus, &mut tally);
    report("kustomize corpus", &tally);
    assert!(built > 0);
}

#[test]
fn symbols_are_shared_by_threads() {
    let tables = Tables::default();
    let words: Vec<String> = (0..2000).map(|i| format!("word-{}", i % 500)).collect();
    let syms: Vec<Sym> = std::thread::scope(|scope| {
        let halves: Vec<_> = words
            .chunks(1000)
            .map(|chunk| {
                scope.spawn(|| {
                    chunk
                        .iter()
                        .map(|w| tables.symbols.intern(w))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let frozen = tables.freeze();
    for (word, sym) in words.iter().zip(&syms) {
        assert_eq!(frozen.symbols.resolve(*sym), word);
        assert_eq!(frozen.symbols.get(word), Some(*sym));
    }
    let distinct: std::collections::HashSet<Sym> = syms.iter().copied().collect();
    assert_eq!(distinct.len(), 500);
    assert_eq!(frozen.symbols.get("absent"), None);
}

/// What keeps the facts of a run small: a symbol is 4 bytes, and so is an absent one; a
/// location is 12; every kind's detail is one pointer.
#[test]
fn facts_stay_small() {
    assert_eq!(size_of::<Sym>(), 4);
    assert_eq!(size_of::<Option<Sym>>(), 4);
    assert_eq!(size_of::<Loc>(), 12);
    assert_eq!(size_of::<Label>(), 12);
    assert_eq!(size_of::<Detail>(), 16);
    assert!(
        size_of::<ObjectFacts>() <= 120,
        "{}",
        size_of::<ObjectFacts>()
    );
}
