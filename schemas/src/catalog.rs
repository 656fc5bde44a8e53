//! `Catalog`: one Kubernetes version's schemas plus the custom resource
//! schemas added to it, with validators compiled on first use and cached.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use jsonschema::{Draft, Validator};
use serde_json::Value;

use crate::bundle::{self, VersionData};

use crate::crd::{self, CrdKind};
use crate::deprecation::{DeprecationStatus, deprecation};
use crate::location::Template;
use crate::message::{self, Context};
use crate::walk::{self, Walker};
use crate::{Level, SchemaError, SchemaFinding, SchemaOrigin, Verdict, rule};

/// Reads a schema file named by a schema-location template: `Ok(None)` when
/// there is no such file.
pub type SchemaReader = dyn Fn(&Path) -> io::Result<Option<String>> + Send + Sync;

/// The schemas of one Kubernetes version, the custom resources added to
/// them, and a cache of compiled validators. `Send + Sync`: share one
/// catalog across threads.
pub struct Catalog {
    data: Arc<VersionData>,
    crds: HashMap<String, CrdKind>,
    locations: Vec<Template>,
    strict: bool,
    reader: Arc<SchemaReader>,
    /// Compiled schemas by `apiVersion/kind`; `None` records that no schema exists.
    cache: RwLock<HashMap<String, Option<Arc<Compiled>>>>,
}

struct Compiled {
    origin: SchemaOrigin,
    validator: Result<Validator, String>,
    /// The self-contained schema, when it could be read.
    schema: Option<Value>,
    /// A CRD schema with `default`s: objects are defaulted before validation.
    defaults: bool,
    /// The CEL rules of a schema-location file (a CRD's are in its `CrdKind`).
    rules: Option<Arc<plimsoll_cel::crd::SchemaRules>>,
}

/// A clone shares the decompressed schemas and copies the added CRDs and
/// schema locations; it starts with an empty validator cache. An editor can
/// keep one pristine catalog and clone it when the CRDs of a workspace change.
/// What a schema says about one field (see [`Catalog::field`]).
#[derive(Clone, Debug, Default)]
pub struct FieldInfo {
    pub type_name: Option<String>,
    /// Whether the enclosing object requires this field.
    pub required: bool,
    pub enum_values: Vec<String>,
    /// The fields this one holds, when it is an object, and those of them it requires.
    pub fields: Vec<String>,
    pub required_fields: Vec<String>,
    pub description: Option<String>,
}

impl Clone for Catalog {
    fn clone(&self) -> Catalog {
        Catalog {
            data: Arc::clone(&self.data),
            crds: self.crds.clone(),
            locations: self.locations.clone(),
            strict: self.strict,
            reader: Arc::clone(&self.reader),
            cache: RwLock::new(HashMap::new()),
        }
    }
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("version", &self.data.version)
            .field("crds", &self.crds.len())
            .field("locations", &self.locations)
            .finish_non_exhaustive()
    }
}

fn read_file(path: &Path) -> io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn options<'a>() -> jsonschema::ValidationOptions<'a> {
    jsonschema::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(true)
        .with_format("quantity", crate::formats::is_quantity)
        .with_format("byte", crate::formats::is_byte)
        .with_format("date-time", crate::formats::is_date_time)
        .with_format("int-or-string", |_: &str| true)
        // Custom resources use Go's readings of these, which are looser than
        // JSON Schema's: accept what the API server accepts.
        .with_format("duration", crate::formats::is_go_duration)
        .with_format("datetime", crate::formats::is_date_time)
        .with_format("uri", |s: &str| !s.is_empty())
}

impl Catalog {
    /// The catalog of Kubernetes `version` (`"1.33"`; `"v1.33"` and
    /// `"1.33.2"` are accepted too). The first catalog of a version
    /// decompresses its schemas; later ones share them.
    pub fn new(version: &str) -> Result<Catalog, SchemaError> {
        let wanted = crate::deprecation::release(version)
            .map(|(major, minor)| format!("{major}.{minor}"))
            .unwrap_or_else(|| version.to_owned());
        Ok(Catalog {
            data: bundle::load(&wanted)?,
            crds: HashMap::new(),
            locations: Vec::new(),
            strict: true,
            reader: Arc::new(read_file),
            cache: RwLock::new(HashMap::new()),
        })
    }

    /// True when objects of this `apiVersion`/`kind` have a built-in or CRD
    /// schema (schema-location folders are not consulted: no I/O here).
    pub fn has_schema(&self, api_version: &str, kind: &str) -> bool {
        let key = format!("{api_version}/{kind}");
        self.data.has_kind(&key) || self.crds.contains_key(&key)
    }

    /// The JSON Schema of a built-in or CRD kind (a built-in one self-contained, its
    /// definitions under `$defs`), for the type checking of CEL expressions.
    pub fn kind_schema(&self, api_version: &str, kind: &str) -> Option<Value> {
        let key = format!("{api_version}/{kind}");
        match self.data.kind_schema(&key) {
            Some(schema) => schema.ok(),
            None => self.crds.get(&key).map(|c| c.schema.clone()),
        }
    }

    /// The Kubernetes version of this catalog (`"1.37"`).
    pub fn version(&self) -> &'static str {
        self.data.version
    }

    /// Add the kinds defined by a `CustomResourceDefinition` object: one
    /// schema per served version. A later CRD for the same kind replaces the
    /// earlier one. Nothing is compiled until an object of the kind is validated.
    pub fn add_crd(&mut self, crd: &Value) -> Result<(), SchemaError> {
        self.insert_kinds(crd::convert(crd)?);
        Ok(())
    }

    /// The kinds of a CRD take the place of any earlier definition of them.
    fn insert_kinds(&mut self, kinds: Vec<CrdKind>) {
        for kind in kinds {
            self.forget(&kind.key);
            self.crds.insert(kind.key.clone(), kind);
        }
    }

    /// [`Catalog::add_crd`], and the CEL rules of the CRD that cannot be used (they do
    /// not compile, or name an unknown reason or a bad field path), as findings whose
    /// pointers lead into the CRD itself. Such rules are left out; the others still run.
    pub fn add_crd_checked(&mut self, crd: &Value) -> Result<Vec<SchemaFinding>, SchemaError> {
        Ok(self.add_prepared(PreparedCrd::new(crd)?))
    }

    /// Adds a CRD converted beforehand (see [`PreparedCrd`]) and returns the findings
    /// [`Catalog::add_crd_checked`] returns for it.
    pub fn add_prepared(&mut self, crd: PreparedCrd) -> Vec<SchemaFinding> {
        self.insert_kinds(crd.kinds);
        crd.findings
    }

    /// Whether objects of this `apiVersion`/`kind` are checked with a built-in schema,
    /// whatever the catalog's CRDs (they are looked up first). No I/O.
    pub fn is_builtin(&self, api_version: &str, kind: &str) -> bool {
        self.data.has_kind(&format!("{api_version}/{kind}"))
    }

    /// Whether an added CRD defines a kind that has a built-in schema: its CEL rules then
    /// apply to the built-in kind's objects too, which a check without the CRD misses.
    pub fn shadows_builtin(&self) -> bool {
        self.crds.keys().any(|key| self.data.has_kind(key))
    }

    /// Add a schema-location template (kubeconform's syntax: a local path,
    /// or an `http://`/`https://` URL that the reader must know how to read:
    /// the default reader reads files only), consulted in order for kinds that are neither built in nor
    /// defined by an added CRD. A template without `{{ … }}` is a folder in
    /// the default layout `{{ .ResourceKind }}{{ .KindSuffix }}.json`.
    pub fn add_schema_location(&mut self, template: &str) -> Result<(), SchemaError> {
        self.locations.push(Template::parse(template)?);
        self.clear_missing();
        Ok(())
    }

    /// The files (or URLs) the schema-location templates name for
    /// `(api_version, kind)`, in the order they are consulted. No I/O.
    pub fn schema_location_targets(&self, api_version: &str, kind: &str) -> Vec<PathBuf> {
        self.locations
            .iter()
            .map(|t| t.path(api_version, kind, self.data.version, self.strict))
            .collect()
    }

    /// Replace the function that reads schema-location files (default:
    /// the file system), e.g. to serve an editor's unsaved buffers.
    pub fn set_schema_reader(
        &mut self,
        reader: impl Fn(&Path) -> io::Result<Option<String>> + Send + Sync + 'static,
    ) {
        self.reader = Arc::new(reader);
        self.clear_missing();
    }

    /// Whether `{{ .StrictSuffix }}` renders as `-strict` (default true).
    /// It does not change what is reported: see [`crate::rule::UNKNOWN_FIELD`].
    pub fn set_strict(&mut self, strict: bool) {
        self.strict = strict;
        self.clear_missing();
    }

    fn forget(&self, key: &str) {
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    fn clear_missing(&self) {
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, v| v.is_some());
    }

    /// Validate one object (a parsed manifest document). Never fails: an
    /// object without `apiVersion` or `kind` gets an empty verdict (checking
    /// identity is the caller's job), a kind without schema gets an
    /// `unknown-kind` or `removed-api-version` finding.
    pub fn validate(&self, object: &Value) -> Verdict {
        let (Some(api_version), Some(kind)) = (
            object.get("apiVersion").and_then(Value::as_str),
            object.get("kind").and_then(Value::as_str),
        ) else {
            return Verdict {
                origin: None,
                findings: Vec::new(),
            };
        };
        let key = format!("{api_version}/{kind}");
        let status = deprecation(api_version, kind, self.data.version);
        let mut findings = Vec::new();
        let Some(compiled) = self.compiled(&key, api_version, kind) else {
            let finding = match status {
                Some((entry, DeprecationStatus::Removed)) => self.removed(entry),
                _ => self.unknown_kind(api_version, kind),
            };
            return Verdict {
                origin: None,
                findings: vec![finding],
            };
        };
        if let Some((entry, _)) = status {
            // Served by this version (its schema is here), so at most deprecated.
            findings.push(self.deprecated(entry));
        }
        let defaulted;
        let object = match (&compiled.schema, compiled.defaults) {
            (Some(schema), true) => {
                let mut copy = object.clone();
                crate::defaults::apply(schema, &mut copy);
                defaulted = copy;
                &defaulted
            }
            _ => object,
        };
        match &compiled.validator {
            Ok(validator) => {
                let context = Context {
                    object,
                    secret: kind == "Secret",
                    walker: self.walker(&key, &compiled),
                };
                for error in validator.iter_errors(object) {
                    context.findings(&error, &mut findings);
                }
                if matches!(compiled.origin, SchemaOrigin::Builtin { .. }) {
                    crate::apiserver::validate(object, api_version, kind, &mut findings);
                }
                let rules = match &compiled.origin {
                    SchemaOrigin::File { .. } => compiled.rules.as_deref(),
                    _ => self.crds.get(&key).and_then(|c| c.rules.as_deref()),
                };
                if let Some(rules) = rules {
                    crate::crd::check_rules(rules, object, &mut findings);
                }
            }
            Err(reason) => findings.push(SchemaFinding {
                rule: rule::INVALID,
                level: Level::Error,
                pointer: String::new(),
                at_key: false,
                message: format!(
                    "cannot check `{key}`: its schema ({}) does not compile: {reason}",
                    compiled.origin
                ),
                help: None,
            }),
        }
        findings.sort_by(|a, b| {
            (&a.pointer, a.rule, &a.message).cmp(&(&b.pointer, b.rule, &b.message))
        });
        findings.dedup();
        Verdict {
            origin: Some(compiled.origin.clone()),
            findings,
        }
    }

    /// The description of the field at `pointer` (RFC 6901) in objects of
    /// this `apiVersion`/`kind`, for hover text.
    pub fn describe(&self, api_version: &str, kind: &str, pointer: &str) -> Option<String> {
        let key = format!("{api_version}/{kind}");
        let compiled = self.compiled(&key, api_version, kind)?;
        let walker = self.walker(&key, &compiled)?;
        let reached = walker.reach(&walk::segments(pointer))?;
        if !matches!(compiled.origin, SchemaOrigin::Builtin { .. }) {
            return reached
                .schema
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        let docs = self.data.docs();
        reached
            .doc_pointers
            .iter()
            .find_map(|p| docs.get(p).and_then(Value::as_str))
            .map(str::to_owned)
    }

    /// What the schema says about the field at `pointer` in objects of this kind: its type,
    /// whether its parent requires it, its enum values and the fields it holds (for hover
    /// and completion).
    pub fn field(&self, api_version: &str, kind: &str, pointer: &str) -> Option<FieldInfo> {
        let key = format!("{api_version}/{kind}");
        let compiled = self.compiled(&key, api_version, kind)?;
        let walker = self.walker(&key, &compiled)?;
        let segments = walk::segments(pointer);
        let reached = walker.reach(&segments)?;
        let required = match segments.split_last() {
            Some((last, parent)) => walker.reach(parent).is_some_and(|p| {
                p.schema
                    .get("required")
                    .and_then(Value::as_array)
                    .is_some_and(|r| r.iter().any(|v| v.as_str() == Some(last.as_str())))
            }),
            None => false,
        };
        let schema = reached.schema;
        let strings = |key: &str| -> Vec<String> {
            schema
                .get(key)
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let type_name = match schema.get("type") {
            Some(Value::String(t)) => Some(t.clone()),
            Some(Value::Array(types)) => Some(
                types
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" | "),
            ),
            _ if schema.get("oneOf").is_some() => Some("integer | string".to_owned()),
            _ => None,
        };
        Some(FieldInfo {
            type_name,
            required,
            enum_values: strings("enum"),
            required_fields: strings("required"),
            fields: walk::property_names(schema)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            description: self.describe(api_version, kind, pointer),
        })
    }

    /// `apiVersion/kind` keys of the built-in kinds of this version, sorted.
    pub fn builtin_kinds(&self) -> Vec<&str> {
        let mut kinds: Vec<&str> = self.data.kind_keys().collect();
        kinds.sort_unstable();
        kinds
    }

    fn walker<'a>(&self, key: &str, compiled: &'a Compiled) -> Option<Walker<'a>> {
        let root_pointer = match compiled.origin {
            // Descriptions of built-in kinds are recorded by bundle pointer.
            SchemaOrigin::Builtin { .. } => format!("/kinds/{}", walk::escape(key)),
            _ => String::new(),
        };
        Some(Walker {
            root: compiled.schema.as_ref()?,
            root_pointer,
        })
    }

    fn compiled(&self, key: &str, api_version: &str, kind: &str) -> Option<Arc<Compiled>> {
        if let Some(found) = self
            .cache
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            return found.clone();
        }
        // Compile outside the lock; two threads may race to compile the same
        // kind, and the second result simply replaces the first.
        let compiled = self.compile(key, api_version, kind).map(Arc::new);
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_owned(), compiled.clone());
        compiled
    }

    fn compile(&self, key: &str, api_version: &str, kind: &str) -> Option<Compiled> {
        if let Some(schema) = self.data.kind_schema(key) {
            let (validator, schema) = match schema {
                Ok(schema) => {
                    let validator = options()
                        .with_draft(Draft::Draft202012)
                        .build(&schema)
                        .map_err(|e| e.to_string());
                    (validator, Some(schema))
                }
                Err(e) => (Err(e), None),
            };
            return Some(Compiled {
                origin: SchemaOrigin::Builtin {
                    version: self.data.version,
                },
                validator,
                schema,
                defaults: false,
                rules: None,
            });
        }
        if let Some(crd) = self.crds.get(key) {
            let validator = options()
                .with_draft(Draft::Draft202012)
                .build(&crd.schema)
                .map_err(|e| e.to_string());
            return Some(Compiled {
                origin: SchemaOrigin::Crd {
                    name: crd.crd.clone(),
                },
                validator,
                defaults: crate::defaults::has_defaults(&crd.schema),
                schema: Some(crd.schema.clone()),
                rules: None,
            });
        }
        for template in &self.locations {
            let path = template.path(api_version, kind, self.data.version, self.strict);
            let text = match (self.reader)(&path) {
                Ok(Some(text)) => text,
                Ok(None) => continue,
                Err(e) => {
                    return Some(Compiled {
                        origin: SchemaOrigin::File { path },
                        validator: Err(e.to_string()),
                        schema: None,
                        defaults: false,
                        rules: None,
                    });
                }
            };
            let parsed = serde_json::from_str::<Value>(&text).map_err(|e| e.to_string());
            let (validator, schema) = match parsed {
                Ok(schema) => {
                    let validator = options()
                        .with_retriever(FileRetriever {
                            reader: Arc::clone(&self.reader),
                        })
                        .with_base_uri(base_uri(&path))
                        .build(&schema)
                        .map_err(|e| e.to_string());
                    (validator, Some(schema))
                }
                Err(e) => (Err(e), None),
            };
            let rules = schema
                .as_ref()
                .and_then(|s| plimsoll_cel::crd::SchemaRules::compile(s).0)
                .map(Arc::new);
            return Some(Compiled {
                origin: SchemaOrigin::File { path },
                validator,
                schema,
                defaults: false,
                rules,
            });
        }
        None
    }

    fn unknown_kind(&self, api_version: &str, kind: &str) -> SchemaFinding {
        let same_kind: Vec<&str> = self
            .data
            .kind_keys()
            .chain(self.crds.keys().map(String::as_str))
            .filter_map(|k| k.rsplit_once('/'))
            .filter(|(_, k)| *k == kind)
            .map(|(v, _)| v)
            .collect();
        let help = if !same_kind.is_empty() {
            let mut versions = same_kind;
            versions.sort_unstable();
            Some(format!(
                "`{kind}` is served as {} in Kubernetes {}",
                versions
                    .iter()
                    .map(|v| format!("`apiVersion: {v}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                self.data.version
            ))
        } else {
            let prefix = format!("{api_version}/");
            let kinds: Vec<&str> = self
                .data
                .kind_keys()
                .chain(self.crds.keys().map(String::as_str))
                .filter_map(|k| k.strip_prefix(prefix.as_str()))
                .collect();
            message::closest(kind, &kinds).map(|k| format!("did you mean `{k}`?")).or_else(|| {
                Some("add the CustomResourceDefinition of this kind to the inputs (or `--crds DIR`), or a `--schema-location` that holds its schema; to accept custom resources without one, lower this finding (`rules: {unknown-kind: {severity: warning}}`) or turn it off (`--disable unknown-kind`)".to_owned())
            })
        };
        SchemaFinding {
            rule: rule::UNKNOWN_KIND,
            level: Level::Error,
            pointer: "/kind".to_owned(),
            at_key: false,
            message: format!(
                "no schema for kind `{kind}` in `apiVersion: {api_version}` (Kubernetes {})",
                self.data.version
            ),
            help,
        }
    }

    /// The version to move to: the table's replacement when this release
    /// serves it, otherwise the newest version of the kind this release serves.
    fn replacement(&self, entry: &crate::Deprecation) -> Option<String> {
        if let Some(r) = entry.replacement
            && self.data.has_kind(&format!("{r}/{}", entry.kind))
        {
            return Some(r.to_owned());
        }
        let group = entry.api_version.rsplit_once('/').map(|(g, _)| g);
        let mut served: Vec<&str> = self
            .data
            .kind_keys()
            .filter_map(|k| k.rsplit_once('/'))
            .filter(|(v, k)| {
                *k == entry.kind
                    && v.rsplit_once('/').map(|(g, _)| g) == group
                    && *v != entry.api_version
            })
            .map(|(v, _)| v)
            .collect();
        served.sort_by_key(|v| version_rank(v));
        served
            .last()
            .map(|v| (*v).to_owned())
            .or(entry.replacement.map(str::to_owned))
    }

    fn removed(&self, entry: &crate::Deprecation) -> SchemaFinding {
        let help = match self.replacement(entry) {
            Some(r) => Some(format!("use `apiVersion: {r}`")),
            None => entry.note.map(str::to_owned),
        };
        SchemaFinding {
            rule: rule::REMOVED_API_VERSION,
            level: Level::Error,
            pointer: "/apiVersion".to_owned(),
            at_key: false,
            message: format!(
                "`{}` {} was removed in Kubernetes {} (target: {})",
                entry.api_version,
                entry.kind,
                entry.removed_in.unwrap_or("?"),
                self.data.version
            ),
            help,
        }
    }

    fn deprecated(&self, entry: &crate::Deprecation) -> SchemaFinding {
        let removal = match entry.removed_in {
            Some(r) => format!(" and will be removed in {r}"),
            None => String::new(),
        };
        SchemaFinding {
            rule: rule::DEPRECATED_API_VERSION,
            level: Level::Warning,
            pointer: "/apiVersion".to_owned(),
            at_key: false,
            message: format!(
                "`{}` {} is deprecated since Kubernetes {}{removal}",
                entry.api_version, entry.kind, entry.deprecated_in
            ),
            help: self
                .replacement(entry)
                .map(|r| format!("use `apiVersion: {r}`"))
                .or(entry.note.map(str::to_owned)),
        }
    }
}

/// A `CustomResourceDefinition` converted to the schemas of its kinds and its CEL rules
/// checked, ready to join a catalog: the expensive part of [`Catalog::add_crd_checked`],
/// which needs no catalog, so that the CRDs of many files are converted in parallel and
/// added in order.
pub struct PreparedCrd {
    kinds: Vec<CrdKind>,
    /// The CEL rules that cannot be used, as [`Catalog::add_crd_checked`] returns them.
    pub findings: Vec<SchemaFinding>,
}

impl PreparedCrd {
    pub fn new(crd: &Value) -> Result<PreparedCrd, SchemaError> {
        let kinds = crd::convert(crd)?;
        let mut findings: Vec<SchemaFinding> = crd::rule_problems(crd)
            .into_iter()
            .map(|p| SchemaFinding {
                rule: rule::VALIDATION_RULE,
                level: Level::Error,
                pointer: p.pointer,
                at_key: false,
                message: p.message,
                help: Some(
                    "fix the rule: the API server refuses this CustomResourceDefinition".to_owned(),
                ),
            })
            .collect();
        findings.dedup();
        Ok(PreparedCrd { kinds, findings })
    }
}

/// Orders `v1alpha1 < v1beta1 < v1beta3 < v1 < v2beta1 < v2`.
fn version_rank(api_version: &str) -> (u32, u32, u32) {
    let version = api_version.rsplit('/').next().unwrap_or(api_version);
    let rest = version.strip_prefix('v').unwrap_or(version);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let major = digits.parse().unwrap_or(0);
    let tail = &rest[digits.len()..];
    let (stage, n) = if let Some(n) = tail.strip_prefix("alpha") {
        (0, n.parse().unwrap_or(0))
    } else if let Some(n) = tail.strip_prefix("beta") {
        (1, n.parse().unwrap_or(0))
    } else {
        (2, 0)
    };
    (major, stage, n)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// The URL of a schema-location file, the one its `$ref`s are resolved against.
fn base_uri(path: &Path) -> String {
    match path.to_str() {
        Some(url) if is_url(url) => url.to_owned(),
        _ => format!("file://{}", absolute(path).display()),
    }
}

fn is_url(text: &str) -> bool {
    text.starts_with("http://") || text.starts_with("https://")
}

/// Resolves `$ref`s of schema files to sibling files through the catalog's reader.
struct FileRetriever {
    reader: Arc<SchemaReader>,
}

impl jsonschema::Retrieve for FileRetriever {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        // A schema read from a URL names its siblings by URL: the reader reads those too.
        let path = match uri.scheme().as_str() {
            "file" => PathBuf::from(uri.path().as_str()),
            "http" | "https" => PathBuf::from(uri.as_str()),
            _ => return Err(format!("not a schema file or URL: {uri}").into()),
        };
        match (self.reader)(&path)? {
            Some(text) => Ok(serde_json::from_str(&text)?),
            None => Err(format!("no schema file {}", path.display()).into()),
        }
    }
}
