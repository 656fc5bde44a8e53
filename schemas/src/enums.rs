//! The reviewed table of allowed values of built-in kinds' fields (`data/enums.tsv`), which
//! the OpenAPI documents state only in prose. Applied to each definition as a kind's schema
//! is assembled, so the validator checks them like any other `enum`.

use std::sync::OnceLock;

use serde_json::{Value, json};

const TABLE: &str = include_str!("../data/enums.tsv");

/// One line of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumEntry {
    /// The definition in the schema bundle (`io.k8s.api.core.v1.Container`).
    pub definition: &'static str,
    pub property: &'static str,
    pub values: Vec<&'static str>,
    /// Oldest and newest Kubernetes minor version (1.x) the values hold for.
    pub since: u32,
    pub until: Option<u32>,
    /// The validation code the entry was checked against.
    pub checked_against: &'static str,
}

/// Every entry of the table.
pub fn entries() -> &'static [EnumEntry] {
    static ENTRIES: OnceLock<Vec<EnumEntry>> = OnceLock::new();
    ENTRIES.get_or_init(|| TABLE.lines().filter_map(parse).collect())
}

fn minor(version: &str) -> Option<u32> {
    version.strip_prefix("1.")?.parse().ok()
}

fn parse(line: &'static str) -> Option<EnumEntry> {
    if line.starts_with('#') || line.trim().is_empty() {
        return None;
    }
    let mut cells = line.split('\t');
    let definition = cells.next()?;
    let property = cells.next()?;
    let values = cells.next()?.split(',').collect();
    let versions = cells.next()?;
    let checked_against = cells.next().unwrap_or_default();
    let (since, until) = match versions.strip_suffix('+') {
        Some(since) => (minor(since)?, None),
        None => {
            let (a, b) = versions.split_once('-')?;
            (minor(a)?, Some(minor(b)?))
        }
    };
    Some(EnumEntry {
        definition,
        property,
        values,
        since,
        until,
        checked_against,
    })
}

/// Adds the table's `enum`s for Kubernetes `version` to the definition `name`. A scalar
/// property also accepts `""` and `null` (the API server defaults them); an array property
/// constrains its items.
pub(crate) fn apply(version: &str, name: &str, definition: &mut Value) {
    let Some(wanted) = minor(version) else {
        return;
    };
    for entry in entries().iter().filter(|e| e.definition == name) {
        if wanted < entry.since || entry.until.is_some_and(|u| wanted > u) {
            continue;
        }
        let Some(property) = definition
            .get_mut("properties")
            .and_then(|p| p.get_mut(entry.property))
        else {
            continue;
        };
        let is_array = match property.get("type") {
            Some(Value::String(t)) => t == "array",
            Some(Value::Array(types)) => types.iter().any(|t| t == "array"),
            _ => false,
        };
        let mut allowed: Vec<Value> = entry.values.iter().map(|v| json!(v)).collect();
        allowed.push(Value::Null);
        if is_array {
            if let Some(items) = property.get_mut("items").and_then(Value::as_object_mut) {
                items.insert("enum".into(), Value::Array(allowed));
            }
        } else if let Some(map) = property.as_object_mut() {
            allowed.push(json!(""));
            map.insert("enum".into(), Value::Array(allowed));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_the_table_parses() {
        let lines = TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        assert_eq!(entries().len(), lines);
        assert!(entries().iter().all(|e| !e.checked_against.is_empty()));
    }

    #[test]
    fn versions_limit_an_entry() {
        let mut def = json!({"properties": {"type": {"type": ["string", "null"]}}});
        apply("1.29", "io.k8s.api.core.v1.AppArmorProfile", &mut def);
        assert!(def.pointer("/properties/type/enum").is_none());
        apply("1.30", "io.k8s.api.core.v1.AppArmorProfile", &mut def);
        assert_eq!(
            def.pointer("/properties/type/enum"),
            Some(&json!([
                "RuntimeDefault",
                "Unconfined",
                "Localhost",
                null,
                ""
            ]))
        );
    }
}
