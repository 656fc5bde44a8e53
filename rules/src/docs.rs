//! The rule pages under `docs/rules/`, generated from each rule's documentation.

use crate::info::RuleInfo;
use crate::registry::{all_rules, rule_info};

/// `docs/rules/README.md`: the table of every rule.
pub fn rules_markdown_index() -> String {
    let mut out = String::from(
        "# Rules\n\n\
         Generated from the rule sources; do not edit (regenerate with \
         `UPDATE_DOCS=1 cargo test -p plimsoll-rules --test docs`).\n\n\
         Opt-in rules run only when enabled (`--enable ID`, or `enabled: true` under `rules:` \
         in `.plimsoll.yaml`).\n\n\
         | Rule | Category | Severity | Default | Summary |\n\
         |---|---|---|---|---|\n",
    );
    for info in all_rules() {
        out.push_str(&format!(
            "| [`{id}`]({id}.md) | {} | {} | {} | {} |\n",
            info.category,
            info.default_severity,
            if info.default_enabled { "on" } else { "opt-in" },
            info.summary().replace('|', "\\|"),
            id = info.id,
        ));
    }
    out
}

/// `docs/rules/<id>.md`: one rule's page (the text `plimsoll explain ID` prints, with a header).
pub fn rule_markdown(id: &str) -> Option<String> {
    rule_info(id).map(page)
}

fn page(info: &RuleInfo) -> String {
    format!(
        "# `{}`\n\n\
         Category: {} · Default severity: {} · {}\n\n{}",
        info.id,
        info.category,
        info.default_severity,
        if info.default_enabled {
            "Enabled by default"
        } else {
            "Opt-in"
        },
        info.docs(),
    )
}

/// The ` ```yaml ` blocks of a rule's `## Example` section, in order (bad first, then good).
pub fn example_blocks(docs: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut in_example = false;
    let mut current: Option<String> = None;
    for line in docs.lines() {
        if let Some(block) = current.as_mut() {
            if line.trim_start() == "```" {
                blocks.extend(current.take());
            } else {
                block.push_str(line);
                block.push('\n');
            }
            continue;
        }
        if line.starts_with("## ") {
            in_example = line.trim() == "## Example";
        } else if in_example && line.trim_start() == "```yaml" {
            current = Some(String::new());
        }
    }
    blocks
}
