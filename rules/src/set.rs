//! A configured set of rules, and running it over the objects of a run.

use std::collections::BTreeSet;

use plimsoll_core::{Diagnostic, Object, Severity, compare_diagnostics};
use rayon::prelude::*;

use crate::config::{RuleConfigError, RulesConfig};
use crate::facts::{self, Frozen, Loc, ObjectFacts, Sym};
use crate::index::{Entry, Index};
use crate::info::RuleInfo;
use crate::pod::{PodSpec, PodTemplates};
use crate::registry::{self, Registered};

/// The logic of one rule, with its options compiled. Called once per object of the run.
pub(crate) trait Check: Send + Sync {
    fn check(&self, cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>);
}

impl<F> Check for F
where
    F: Fn(&Ctx<'_, '_>, &mut Vec<Diagnostic>) + Send + Sync,
{
    fn check(&self, cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
        self(cx, out)
    }
}

/// What a rule sees of the object it checks, and of the run.
pub(crate) struct Ctx<'a, 'o> {
    pub object: &'o Object,
    /// The object's pod spec, when its kind carries a pod template.
    pub pod: Option<&'a PodSpec<'o>>,
    /// Every object of the run.
    pub index: &'a Index<'o>,
    /// The position of this object in the run.
    pub position: usize,
    rule: &'static str,
    severity: Severity,
}

impl<'a> Ctx<'a, '_> {
    /// A finding of this rule, located at the value at `pointer` (or the nearest ancestor
    /// that exists).
    pub fn diag(&self, pointer: &str, message: impl Into<String>) -> Diagnostic {
        self.object
            .diagnostic(self.rule, self.severity, pointer, message)
    }

    /// A finding located at the key of `pointer`.
    pub fn key_diag(&self, pointer: &str, message: impl Into<String>) -> Diagnostic {
        self.object
            .key_diagnostic(self.rule, self.severity, pointer, message)
    }

    /// A finding about a field that is missing (or present): its pointer is `pointer`, and
    /// it is located at the key of the nearest part of that path that exists. When that is a
    /// list item (a container has no key), it is located at `anchor` (the container's
    /// `name`) instead of underlining the whole item.
    pub fn missing(&self, pointer: &str, anchor: &str, message: impl Into<String>) -> Diagnostic {
        let mut d = self.key_diag(pointer, message);
        let mut prefix = pointer;
        let found = loop {
            if let Some(found) = self.object.find(prefix) {
                break Some(found);
            }
            match prefix.rfind('/') {
                Some(cut) if cut > 0 => prefix = &prefix[..cut],
                _ => break None,
            }
        };
        if found.is_some_and(|f| f.key.is_none()) && self.object.find(anchor).is_some() {
            d.location = Some(self.object.locate(anchor, false));
        }
        d
    }

    /// The facts of the object this rule checks (a record that holds no fact in a run of
    /// rules that read no other object, [`RuleSet::check_alone`]).
    pub fn facts(&self) -> &'a ObjectFacts {
        self.index.entries[self.position].facts
    }

    /// The text of a symbol of the run.
    pub fn text(&self, sym: Sym) -> &'a str {
        self.index.symbols.resolve(sym)
    }

    /// The location a fact's [`Loc`] stands for.
    pub fn location(&self, loc: Loc) -> Option<plimsoll_core::Location> {
        self.index.places.location(loc)
    }

    /// A finding of this rule about the object's field at `pointer`, located at `loc` (the
    /// place its facts give for that pointer): what [`Ctx::diag`], [`Ctx::key_diag`] or
    /// [`Ctx::missing`] make, without reading the object.
    pub fn diag_at(&self, pointer: &str, loc: Loc, message: impl Into<String>) -> Diagnostic {
        let mut d = Diagnostic::new(self.rule, self.severity, message.into())
            .with_object(self.facts().identity(self.index.symbols))
            .with_pointer(pointer);
        d.location = self.location(loc);
        d
    }

    /// [`Ctx::missing`] for a field of the pod spec (`/priorityClassName`), anchored at the
    /// pod's `containers`.
    pub fn missing_in_pod(
        &self,
        pod: &PodSpec<'_>,
        relative: &str,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.missing(&pod.at(relative), &pod.at("/containers"), message)
    }
}

#[cfg(test)]
impl<'a, 'o> Ctx<'a, 'o> {
    /// A context outside a run, for tests that compare what rules read.
    pub(crate) fn for_test(
        object: &'o Object,
        pod: Option<&'a PodSpec<'o>>,
        index: &'a Index<'o>,
    ) -> Ctx<'a, 'o> {
        Ctx {
            object,
            pod,
            index,
            position: 0,
            rule: "test",
            severity: Severity::Warning,
        }
    }
}

/// The rules whose checks read the facts of objects and no value of any object
/// (`tests/facts_only.rs` holds each to it).
pub const READS_ONLY_FACTS: &[&str] = &[
    "missing-namespace",
    "duplicate-object",
    "hpa-target-not-found",
    "hpa-conflicts-with-replicas",
    "single-replica",
    "missing-pod-disruption-budget",
    "automount-service-account-token",
    "service-account-not-found",
    "binding-grants-pod-exec",
    "binding-grants-wildcard",
    "ingress-backend-not-found",
    "statefulset-service-mismatch",
    "missing-network-policy",
    "service-selector-matches-nothing",
    "pdb-selects-nothing",
    "network-policy-selects-nothing",
    "network-policy-peer-selects-nothing",
    "service-target-port-not-found",
    "pdb-blocks-eviction",
    "gateway-reference-not-granted",
    "missing-readiness-probe",
];

struct Active {
    info: &'static RuleInfo,
    severity: Severity,
    check: Box<dyn Check>,
}

/// The enabled rules, with their severities and compiled options. `Send + Sync`: build it
/// once per configuration and share it between threads and requests.
pub struct RuleSet {
    active: Vec<Active>,
    pods: PodTemplates,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rule_ids().collect::<Vec<_>>())
            .finish()
    }
}

fn known(id: &str, origin: &'static str) -> Result<&'static Registered, RuleConfigError> {
    registry::find(id).ok_or_else(|| RuleConfigError::UnknownRule {
        id: id.to_owned(),
        origin,
        similar: registry::similar(id),
    })
}

impl RuleSet {
    /// Validates the configuration and compiles the options of every enabled rule.
    ///
    /// Which rules run: `only`, when given, is the exact set; otherwise each rule's default,
    /// then `rules.<id>.enabled`, then `--enable`, then `--disable`. Options are checked for
    /// every rule that has them, enabled or not, so that a typo never waits for the day the
    /// rule is turned on.
    pub fn new(config: &RulesConfig) -> Result<RuleSet, RuleConfigError> {
        let pods = PodTemplates::new(&config.pod_template_paths)?;
        for id in config.rules.keys() {
            known(id, "rules")?;
        }
        let mut enabled: BTreeSet<&'static str> = registry::entries()
            .iter()
            .filter(|r| r.info.default_enabled)
            .map(|r| r.info.id)
            .collect();
        for (id, settings) in &config.rules {
            let rule = known(id, "rules")?;
            match settings.enabled {
                Some(true) => {
                    enabled.insert(rule.info.id);
                }
                Some(false) => {
                    enabled.remove(rule.info.id);
                }
                None => {}
            }
        }
        for id in &config.enable {
            enabled.insert(known(id, "--enable")?.info.id);
        }
        for id in &config.disable {
            enabled.remove(known(id, "--disable")?.info.id);
        }
        if !config.only.is_empty() {
            enabled.clear();
            for id in &config.only {
                enabled.insert(known(id, "--only")?.info.id);
            }
        }
        let mut active = Vec::new();
        for rule in registry::entries() {
            let settings = config.rules.get(rule.info.id);
            let options = settings.and_then(|s| s.options.as_ref());
            let check =
                (rule.build)(options).map_err(|message| RuleConfigError::InvalidOptions {
                    rule: rule.info.id,
                    message,
                })?;
            if enabled.contains(rule.info.id) {
                active.push(Active {
                    info: rule.info,
                    severity: settings
                        .and_then(|s| s.severity)
                        .unwrap_or(rule.info.default_severity),
                    check,
                });
            }
        }
        Ok(RuleSet { active, pods })
    }

    /// The ids of the rules that run, in registry order.
    pub fn rule_ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.active.iter().map(|a| a.info.id)
    }

    /// The severity a rule reports at in this set, when it runs.
    pub fn severity(&self, id: &str) -> Option<Severity> {
        self.active
            .iter()
            .find(|a| a.info.id == id)
            .map(|a| a.severity)
    }

    /// Runs every enabled rule on every object. The index of the run is built once; objects
    /// are checked in parallel (rayon); the result is sorted into the deterministic output
    /// order, whatever the thread count.
    pub fn check(&self, objects: &[Object]) -> Vec<Diagnostic> {
        let never = std::sync::atomic::AtomicBool::new(false);
        self.check_until(objects, &never).unwrap_or_default()
    }

    /// [`RuleSet::check`], given up (`None`) once `cancel` is raised: each object looks at
    /// the flag before its rules run (an editor's cancelled request).
    pub fn check_until(
        &self,
        objects: &[Object],
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Option<Vec<Diagnostic>> {
        if self.active.is_empty() {
            return Some(Vec::new());
        }
        let (facts, frozen) = self.facts(objects);
        self.check_facts_until(objects, &facts, &frozen, cancel)
    }

    /// The facts of `objects` that [`RuleSet::check_facts`] indexes the run from.
    pub fn facts(&self, objects: &[Object]) -> (Vec<ObjectFacts>, Frozen) {
        facts::of_run(objects, &self.pods)
    }

    /// The facts of one object, built with the run's `tables` (on any thread, as the files
    /// of a run are checked): what [`RuleSet::facts`] gives it.
    pub fn facts_of(&self, object: &Object, tables: &facts::Tables) -> ObjectFacts {
        ObjectFacts::of(object, &self.pods, tables)
    }

    /// Whether every rule of the set reads nothing but facts ([`READS_ONLY_FACTS`]): the
    /// objects they are run on may then hold no value (their facts are built beforehand).
    pub fn reads_only_facts(&self) -> bool {
        self.active
            .iter()
            .all(|a| READS_ONLY_FACTS.contains(&a.info.id))
    }

    /// [`RuleSet::check`] with the facts of `objects` already built ([`RuleSet::facts`]).
    pub fn check_facts(
        &self,
        objects: &[Object],
        facts: &[ObjectFacts],
        frozen: &Frozen,
    ) -> Vec<Diagnostic> {
        let never = std::sync::atomic::AtomicBool::new(false);
        self.check_facts_until(objects, facts, frozen, &never)
            .unwrap_or_default()
    }

    /// [`RuleSet::check`] for a set of rules that read no other object than the one they
    /// check (a lint run's per-file stage): no index of the run is built, and a rule that
    /// looked up other objects would find none.
    pub fn check_alone(&self, objects: &[Object]) -> Vec<Diagnostic> {
        if self.active.is_empty() {
            return Vec::new();
        }
        let never = std::sync::atomic::AtomicBool::new(false);
        self.check_index(&Index::alone(objects, &self.pods), &never)
            .unwrap_or_default()
    }

    fn check_facts_until(
        &self,
        objects: &[Object],
        facts: &[ObjectFacts],
        frozen: &Frozen,
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Option<Vec<Diagnostic>> {
        if self.active.is_empty() {
            return Some(Vec::new());
        }
        let index = Index::new(objects, facts, frozen, &self.pods);
        self.check_index(&index, cancel)
    }

    fn check_index(
        &self,
        index: &Index<'_>,
        cancel: &std::sync::atomic::AtomicBool,
    ) -> Option<Vec<Diagnostic>> {
        let cancelled = || cancel.load(std::sync::atomic::Ordering::Relaxed);
        if cancelled() {
            return None;
        }
        let mut out: Vec<Diagnostic> = index
            .entries
            .par_iter()
            .enumerate()
            .flat_map_iter(|(position, entry)| {
                if cancelled() {
                    return Vec::new();
                }
                self.check_entry(index, position, entry)
            })
            .collect();
        if cancelled() {
            return None;
        }
        // Stable, as `sort_diagnostics`: the same order on any number of threads.
        out.par_sort_by(compare_diagnostics);
        Some(out)
    }

    fn check_entry(
        &self,
        index: &Index<'_>,
        position: usize,
        entry: &Entry<'_>,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for rule in &self.active {
            let cx = Ctx {
                object: entry.object,
                pod: entry.pod.as_ref(),
                index,
                position,
                rule: rule.info.id,
                severity: rule.severity,
            };
            rule.check.check(&cx, &mut out);
        }
        // One `missing-resources` finding stands for the per-field ones on a container
        // without any `resources`; when it does not run, they are reported as usual.
        let whole: Vec<String> = out
            .iter()
            .filter(|d| d.rule == "missing-resources")
            .filter_map(|d| d.pointer.as_ref().map(|p| format!("{p}/")))
            .collect();
        if !whole.is_empty() {
            out.retain(|d| {
                !crate::rules::resources::FIELD_RULES.contains(&d.rule.as_ref())
                    || d.pointer
                        .as_ref()
                        .is_none_or(|p| !whole.iter().any(|w| p.starts_with(w.as_str())))
            });
        }
        // All about one object, kept to the end of the run: one copy of its identity.
        plimsoll_core::share_objects(&mut out);
        out
    }
}
