//! Kubernetes schema validation for plimsoll: the embedded JSON schemas of
//! Kubernetes 1.25 to 1.37, custom resource schemas from
//! `CustomResourceDefinition`s and schema folders, and the table of
//! deprecated and removed API versions.
//!
//! The crate owns data, not positions. [`Catalog::new`] picks one
//! Kubernetes version, at no cost: the build script unpacks the schemas of
//! every version into embedded texts and tables sorted by name (see
//! `schemas/README.md`), and a kind's schema is assembled from them when
//! the first object of that kind is validated. [`Catalog::add_crd`] and [`Catalog::add_schema_location`] add
//! custom resource schemas. [`Catalog::validate`] takes one parsed object
//! (a `serde_json::Value`) and returns a [`Verdict`]: which schema checked
//! it ([`SchemaOrigin`]) and a list of [`SchemaFinding`]s, each naming a
//! rule id, an RFC 6901 JSON pointer into the object, whether the key or
//! the value at that pointer is meant, and a message in Kubernetes terms
//! (`spec.template.spec.containers[0].name`). The caller (the engine) turns
//! pointers into source spans and findings into diagnostics.
//!
//! [`Catalog::describe`] gives the description of a field for hover text
//! (read from a separate compressed file, decompressed on first use), and
//! [`deprecation`] looks up the table of deprecated and removed API versions
//! on its own.
//!
//! Validators are compiled on first use per `apiVersion/kind` and cached
//! in the catalog; a catalog is `Send + Sync`, so one catalog serves every
//! thread. Schema-location files are read through a replaceable reader
//! ([`Catalog::set_schema_reader`]); by default it reads the file system,
//! since those folders are schema data the user pointed at.
//!
//! Strictness is the caller's decision: the schemas always close objects,
//! and every field that no schema declares is reported with the rule
//! [`rule::UNKNOWN_FIELD`]; for non-strict runs the engine lowers that rule
//! to a warning. Values of `Secret` objects and of `env[].value` fields are
//! never quoted in messages.

pub mod apiserver;
mod bundle;
mod catalog;
mod crd;
mod defaults;
mod deprecation;
mod enums;
mod formats;
mod location;
mod message;
mod walk;

use std::fmt;
use std::path::PathBuf;

pub use catalog::{Catalog, FieldInfo, PreparedCrd, SchemaReader};
pub use deprecation::{Deprecation, DeprecationStatus, TABLE as DEPRECATIONS, deprecation};
pub use enums::{EnumEntry, entries as enum_entries};

/// Rule ids of the findings this crate produces. Stable forever.
pub mod rule {
    /// A value of the wrong type, outside an enum, range or format.
    pub const INVALID: &str = "schema-invalid";
    /// A field the schema does not declare. Reported whatever the strictness:
    /// the caller lowers it to a warning when the run is not strict.
    pub const UNKNOWN_FIELD: &str = "schema-unknown-field";
    /// A required field is absent; the pointer names its parent.
    pub const MISSING_REQUIRED: &str = "schema-missing-required";
    /// No schema for this `apiVersion`/`kind`.
    pub const UNKNOWN_KIND: &str = "unknown-kind";
    /// The `apiVersion` is deprecated in the target version.
    pub const DEPRECATED_API_VERSION: &str = "deprecated-api-version";
    /// The `apiVersion` is no longer served by the target version.
    pub const REMOVED_API_VERSION: &str = "removed-api-version";
    /// A custom resource breaks a CEL rule (`x-kubernetes-validations`) of its CRD, or a
    /// rule of a CRD does not compile.
    pub const VALIDATION_RULE: &str = "schema-validation-rule";
}

/// The Kubernetes versions whose schemas are embedded, oldest first (`"1.25"` …).
pub fn versions() -> &'static [&'static str] {
    bundle::versions()
}

/// The newest embedded Kubernetes version.
pub fn default_version() -> &'static str {
    bundle::versions().last().copied().unwrap_or("1.37")
}

/// Bytes of compressed schema data embedded in the binary, all versions together.
pub fn embedded_size() -> usize {
    bundle::embedded_size()
}

/// Errors that stop a catalog from being built or extended. Schema
/// violations are never errors: they are findings.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("unknown Kubernetes version `{version}`; available: {available}")]
    UnknownVersion { version: String, available: String },
    #[error("the embedded schemas of Kubernetes {version} are damaged: {reason}")]
    Bundle { version: String, reason: String },
    #[error("CustomResourceDefinition `{name}`: {reason}")]
    InvalidCrd { name: String, reason: String },
    #[error("schema location `{template}`: {reason}")]
    SchemaLocation { template: String, reason: String },
}

/// The default severity of a finding; configuration may change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Warning,
    Error,
}

/// One problem found in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFinding {
    /// One of the ids in [`rule`].
    pub rule: &'static str,
    /// Default severity: `Warning` for deprecated API versions, `Error` otherwise.
    pub level: Level,
    /// RFC 6901 pointer into the object of the node to point at (`""`: the whole object).
    pub pointer: String,
    /// True: point at the key of the mapping entry at `pointer` (unknown
    /// field; the parent of a missing required field). False: at the value.
    /// Always false for `""` and for list items, which have no key.
    pub at_key: bool,
    /// What is wrong, naming the field path.
    pub message: String,
    /// What to do, when there is something specific to say.
    pub help: Option<String>,
}

/// Which schema checked an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaOrigin {
    /// The embedded schema of this Kubernetes version.
    Builtin { version: &'static str },
    /// A `CustomResourceDefinition` added with [`Catalog::add_crd`].
    Crd { name: String },
    /// A file found through a schema-location template.
    File { path: PathBuf },
}

impl fmt::Display for SchemaOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaOrigin::Builtin { version } => write!(f, "Kubernetes {version}"),
            SchemaOrigin::Crd { name } => write!(f, "CustomResourceDefinition {name}"),
            SchemaOrigin::File { path } => write!(f, "{}", path.display()),
        }
    }
}

/// The outcome of validating one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The schema that checked the object; `None` when none did (no
    /// `apiVersion`/`kind`, an unknown kind, a removed API version).
    pub origin: Option<SchemaOrigin>,
    /// Findings sorted by pointer, then rule id.
    pub findings: Vec<SchemaFinding>,
}

impl Verdict {
    /// True when a schema checked the object and found nothing at all.
    pub fn is_valid(&self) -> bool {
        self.origin.is_some() && self.findings.is_empty()
    }
}
