//! What is known about a rule without running it.

use std::fmt;
use std::sync::OnceLock;

use plimsoll_core::Severity;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Security,
    Reliability,
    Resources,
    Networking,
    Rbac,
    Metadata,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Security => "security",
            Category::Reliability => "reliability",
            Category::Resources => "resources",
            Category::Networking => "networking",
            Category::Rbac => "rbac",
            Category::Metadata => "metadata",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule's metadata and documentation.
#[derive(Debug)]
pub struct RuleInfo {
    /// Stable, kebab-case id: the name users enable, disable and suppress.
    pub id: &'static str,
    pub category: Category,
    pub default_severity: Severity,
    /// False for opt-in rules.
    pub default_enabled: bool,
    raw_docs: &'static str,
    docs: OnceLock<String>,
}

impl RuleInfo {
    pub(crate) const fn new(
        id: &'static str,
        category: Category,
        default_severity: Severity,
        default_enabled: bool,
        raw_docs: &'static str,
    ) -> RuleInfo {
        RuleInfo {
            id,
            category,
            default_severity,
            default_enabled,
            raw_docs,
            docs: OnceLock::new(),
        }
    }

    /// The whole documentation, in Markdown: a one-line summary, then the sections
    /// `What it does`, `Why is this bad?`, `Example`, `Options` and `References`.
    pub fn docs(&self) -> &str {
        self.docs.get_or_init(|| {
            // Each doc-comment line arrives with the space that follows `///`.
            let mut out = String::with_capacity(self.raw_docs.len());
            for line in self.raw_docs.lines() {
                out.push_str(line.strip_prefix(' ').unwrap_or(line));
                out.push('\n');
            }
            out
        })
    }

    /// The first line of the documentation.
    pub fn summary(&self) -> &str {
        self.docs().lines().next().unwrap_or("").trim()
    }
}
