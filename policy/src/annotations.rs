//! `# METADATA` scopes as OPA defines them, and conftest rules split by definition.
//!
//! A block before a rule definition has `scope: rule` unless it says otherwise: it belongs to
//! that definition only. `scope: document` belongs to every definition of the rule in the
//! package (in any file); a block before `package` has `scope: package` (that package only)
//! unless it says `scope: subpackages` (that package and every package under it).
//!
//! What a definition takes: its id, title and description from its own block, else from a
//! document block of its rule (they name one rule, so packages do not give them); its
//! severity and related resources from the nearest block that sets them, going out from the
//! rule through the document, the package and the enclosing `subpackages` blocks.
//!
//! A rule is evaluated as one document (`data.main.deny` is the union of its definitions), so
//! when its definitions end up with different metadata each group of them is renamed
//! (`plimsoll_1_deny`) and evaluated on its own, and the rule itself is defined again from the
//! groups so that every other reference to it (other rules, tests) sees what it saw before.
//! Only the head's name changes, on its own line, so positions elsewhere stay true.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::rego::{self, HeadShape, MetadataBlock, Module, ModuleFacts, RuleHead, Syntax};
use crate::{PolicyError, PolicySeverity};

/// The metadata one definition ends up with.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Meta {
    pub id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub severity: Option<PolicySeverity>,
    pub related_resources: Vec<String>,
}

impl Meta {
    fn read(value: &Json) -> Meta {
        let text = |v: &Json| v.as_str().map(str::to_owned);
        Meta {
            id: value.pointer("/custom/id").and_then(text),
            title: value.get("title").and_then(text),
            description: value.get("description").and_then(text),
            severity: value
                .pointer("/custom/severity")
                .and_then(Json::as_str)
                .and_then(PolicySeverity::parse),
            related_resources: value
                .get("related_resources")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(|r| match r {
                    Json::String(s) => Some(s.clone()),
                    Json::Object(o) => o.get("ref").and_then(Json::as_str).map(str::to_owned),
                    _ => None,
                })
                .collect(),
        }
    }

    /// Fills what `self` lacks from an outer block: everything from a document block; only
    /// the severity and related resources from a package block.
    fn inherit(&mut self, outer: &Meta, naming: bool) {
        if naming {
            self.id = self.id.take().or_else(|| outer.id.clone());
            self.title = self.title.take().or_else(|| outer.title.clone());
            self.description = self
                .description
                .take()
                .or_else(|| outer.description.clone());
        }
        self.severity = self.severity.or(outer.severity);
        if self.related_resources.is_empty() {
            self.related_resources = outer.related_resources.clone();
        }
    }
}

/// One definition of a rule: where its head is, and what metadata it takes.
#[derive(Clone, Debug)]
pub(crate) struct Definition {
    pub module: usize,
    pub head: RuleHead,
    pub meta: Meta,
}

/// Every definition of one conftest rule (`deny`, `warn_x`…) of one package.
#[derive(Clone, Debug)]
pub(crate) struct RuleDefinitions {
    pub package: Vec<String>,
    pub name: String,
    pub definitions: Vec<Definition>,
}

impl RuleDefinitions {
    /// The definitions that produce results, grouped by the metadata they take, in order of
    /// first appearance. `default` definitions join no group.
    pub fn groups(&self) -> Vec<(Meta, Vec<&Definition>)> {
        let mut groups: Vec<(Meta, Vec<&Definition>)> = Vec::new();
        for definition in &self.definitions {
            if definition.head.shape == HeadShape::Default {
                continue;
            }
            match groups.iter_mut().find(|(meta, _)| *meta == definition.meta) {
                Some((_, members)) => members.push(definition),
                None => groups.push((definition.meta.clone(), vec![definition])),
            }
        }
        groups
    }

    /// Whether the groups can be evaluated apart: every definition is a set or every one a
    /// complete value, each named by a single identifier.
    pub fn splittable(&self) -> bool {
        let shapes: Vec<HeadShape> = self
            .definitions
            .iter()
            .map(|d| d.head.shape)
            .filter(|s| *s != HeadShape::Default)
            .collect();
        shapes.iter().all(|s| *s == HeadShape::Set)
            || shapes.iter().all(|s| *s == HeadShape::Complete)
    }
}

/// Where a block applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    Rule,
    Document,
    Package,
    Subpackages,
}

/// Reads every module's blocks and gives each definition of the rules `wanted` accepts its
/// metadata. Blocks with an unknown `scope` are errors.
pub(crate) fn definitions(
    modules: &[Module],
    facts: &BTreeMap<String, ModuleFacts>,
    wanted: impl Fn(&[String], &RuleHead) -> bool,
    errors: &mut Vec<PolicyError>,
) -> Vec<RuleDefinitions> {
    // (package, rule) → the rule's definitions with their own blocks; package → blocks.
    let mut rules: BTreeMap<(Vec<String>, String), RuleDefinitions> = BTreeMap::new();
    let mut order: Vec<(Vec<String>, String)> = Vec::new();
    let mut own: BTreeMap<(usize, u32), Meta> = BTreeMap::new();
    let mut documents: BTreeMap<(Vec<String>, String), Meta> = BTreeMap::new();
    let mut packages: BTreeMap<Vec<String>, Meta> = BTreeMap::new();
    let mut subpackages: BTreeMap<Vec<String>, Meta> = BTreeMap::new();
    for (index, module) in modules.iter().enumerate() {
        let Some(module_facts) = facts.get(&module.label) else {
            continue;
        };
        let package = &module_facts.package;
        let (blocks, block_errors) = rego::metadata_blocks(&module.location, &module.text);
        errors.extend(block_errors);
        for block in &blocks {
            let Some(scope) = scope(module, module_facts, block, errors) else {
                continue;
            };
            let meta = Meta::read(&block.value);
            let head = module_facts
                .rules
                .iter()
                .find(|h| h.line == block.annotates_line);
            match (scope, head) {
                (Scope::Rule, Some(head)) => {
                    own.entry((index, head.line)).or_insert(meta);
                }
                (Scope::Document, Some(head)) => {
                    documents
                        .entry((package.clone(), head.name.clone()))
                        .or_insert(meta);
                }
                (Scope::Package, _) => {
                    packages.entry(package.clone()).or_insert(meta);
                }
                (Scope::Subpackages, _) => {
                    subpackages.entry(package.clone()).or_insert(meta);
                }
                // A rule or document block on nothing: OPA attaches it to nothing either.
                (Scope::Rule | Scope::Document, None) => {}
            }
        }
        for head in &module_facts.rules {
            if !wanted(package, head) {
                continue;
            }
            let key = (package.clone(), head.name.clone());
            let entry = rules.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                RuleDefinitions {
                    package: package.clone(),
                    name: head.name.clone(),
                    definitions: Vec::new(),
                }
            });
            entry.definitions.push(Definition {
                module: index,
                head: head.clone(),
                meta: Meta::default(),
            });
        }
    }
    let mut out = Vec::with_capacity(order.len());
    for key in order {
        let Some(mut rule) = rules.remove(&key) else {
            continue;
        };
        for definition in &mut rule.definitions {
            let mut meta = own
                .get(&(definition.module, definition.head.line))
                .cloned()
                .unwrap_or_default();
            if let Some(document) = documents.get(&key) {
                meta.inherit(document, true);
            }
            if let Some(package) = packages.get(&rule.package) {
                meta.inherit(package, false);
            }
            for depth in (1..=rule.package.len()).rev() {
                if let Some(outer) = subpackages.get(&rule.package[..depth]) {
                    meta.inherit(outer, false);
                }
            }
            definition.meta = meta;
        }
        out.push(rule);
    }
    out
}

/// The scope of a block: as written, else `package` before the package statement and `rule`
/// elsewhere.
fn scope(
    module: &Module,
    facts: &ModuleFacts,
    block: &MetadataBlock,
    errors: &mut Vec<PolicyError>,
) -> Option<Scope> {
    match block.value.get("scope").and_then(Json::as_str) {
        None if block.annotates_line == facts.package_line => Some(Scope::Package),
        None | Some("rule") => Some(Scope::Rule),
        Some("document") => Some(Scope::Document),
        Some("package") => Some(Scope::Package),
        Some("subpackages") => Some(Scope::Subpackages),
        Some(other) => {
            let mut location = module.location.clone();
            location.line = block.annotates_line.saturating_sub(1).max(1);
            location.column = 1;
            errors.push(PolicyError::Compile {
                location,
                message: format!(
                    "invalid METADATA block: scope `{other}` is not one of rule, document, package, subpackages"
                ),
            });
            None
        }
    }
}

/// The name a group of definitions is renamed to (`plimsoll_1_deny`): no conftest prefix, so
/// it is never taken for a rule of its own.
pub(crate) fn group_name(group: usize, rule: &str) -> String {
    format!("plimsoll_{group}_{rule}")
}

/// Rewrites the modules so that each group of each rule in `split` is a rule of its own, and
/// the rule is defined again from its groups. `None` when a head is not where the parse said.
pub(crate) fn split_modules(modules: &[Module], split: &[&RuleDefinitions]) -> Option<Vec<Module>> {
    let mut texts: Vec<Vec<String>> = modules
        .iter()
        .map(|m| m.text.split('\n').map(str::to_owned).collect())
        .collect();
    let mut appended: Vec<String> = vec![String::new(); modules.len()];
    for rule in split {
        for (group, (_, members)) in rule.groups().iter().enumerate() {
            let renamed = group_name(group, &rule.name);
            for definition in members {
                let lines = texts.get_mut(definition.module)?;
                let line = lines.get_mut((definition.head.line as usize).checked_sub(1)?)?;
                rename_at(line, definition.head.column, &rule.name, &renamed)?;
            }
            let first = members.first()?;
            let module = &modules[first.module];
            let (var, set) = ("plimsoll_value", first.head.shape == HeadShape::Set);
            let name = &rule.name;
            let definition = match (module.syntax, set) {
                (Syntax::V0, true) => format!("{name}[{var}] {{ {renamed}[{var}] }}"),
                (Syntax::V1, true) => format!("{name} contains {var} if {{ {renamed}[{var}] }}"),
                (Syntax::V0, false) => format!("{name} = {var} {{ {var} := {renamed} }}"),
                (Syntax::V1, false) => format!("{name} = {var} if {{ {var} := {renamed} }}"),
            };
            appended[first.module].push('\n');
            appended[first.module].push_str(&definition);
        }
    }
    Some(
        modules
            .iter()
            .zip(texts)
            .zip(appended)
            .map(|((module, lines), extra)| {
                let mut text = lines.join("\n");
                if !extra.is_empty() {
                    text.push('\n');
                    text.push_str(&extra);
                    text.push('\n');
                }
                Module {
                    text,
                    ..module.clone()
                }
            })
            .collect(),
    )
}

/// Replaces the identifier `old` that starts at 1-based character `column` of `line`.
fn rename_at(line: &mut String, column: u32, old: &str, new: &str) -> Option<()> {
    let start = line
        .char_indices()
        .nth((column as usize).checked_sub(1)?)
        .map(|(at, _)| at)?;
    let rest = line.get(start..)?;
    let after = rest.strip_prefix(old)?;
    if after
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    line.replace_range(start..start + old.len(), new);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_renamed_only_where_they_start() {
        let mut line = "deny[msg] { msg := \"deny\" }".to_owned();
        assert!(rename_at(&mut line, 1, "deny", "plimsoll_0_deny").is_some());
        assert_eq!(line, "plimsoll_0_deny[msg] { msg := \"deny\" }");
        let mut line = "deny_x { true }".to_owned();
        assert!(rename_at(&mut line, 1, "deny", "x").is_none());
        let mut line = "  deny contains m if true".to_owned();
        assert!(rename_at(&mut line, 3, "deny", "plimsoll_1_deny").is_some());
        assert_eq!(line, "  plimsoll_1_deny contains m if true");
    }
}
