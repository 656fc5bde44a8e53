//! From the bytes of one file to Kubernetes objects and the diagnostics of reading them.
//!
//! Checks made here, in order: size, UTF-8, YAML syntax and the problems the YAML adapter
//! finds, the shape of each document (a mapping), `List` flattening, and identity
//! (`apiVersion`, `kind`, `metadata.name`/`generateName`). Secret values are registered
//! with the source so that no renderer ever shows them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::object::Object;
use crate::source::{Source, Span};
use crate::yaml::{self, Document, NodeId, ParseOptions, SpanTree, YamlError};

#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Files larger than this are reported, not read.
    pub max_file_size: u64,
    pub parse: ParseOptions,
    /// How many nodes aliases may add over all the files of one run (the per-document and
    /// per-file limits are in [`ParseOptions`]).
    pub alias_run_limit: usize,
    /// The nodes aliases added so far in this run, shared by the files loaded in parallel;
    /// `None` outside a run (see [`LoadOptions::for_run`]).
    pub alias_run: Option<Arc<AtomicUsize>>,
}

/// The default of [`LoadOptions::alias_run_limit`].
pub const DEFAULT_ALIAS_RUN_LIMIT: usize = 10_000_000;

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_file_size: 16 * 1024 * 1024,
            parse: ParseOptions::default(),
            alias_run_limit: DEFAULT_ALIAS_RUN_LIMIT,
            alias_run: None,
        }
    }
}

impl LoadOptions {
    /// These options with a fresh alias budget, shared by every file loaded with the copy.
    pub fn for_run(&self) -> LoadOptions {
        LoadOptions {
            alias_run: Some(Arc::new(AtomicUsize::new(0))),
            ..self.clone()
        }
    }

    /// Takes `nodes` from the run's alias budget; when they do not fit, nothing is taken and
    /// the error holds what other files used. Files turned away do not count, so a smaller
    /// file may still fit.
    fn take_alias_nodes(&self, nodes: usize) -> Result<(), usize> {
        let Some(used) = &self.alias_run else {
            return Ok(());
        };
        let mut current = used.load(Ordering::Relaxed);
        loop {
            let total = current.saturating_add(nodes);
            if total > self.alias_run_limit {
                return Err(current);
            }
            match used.compare_exchange_weak(current, total, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return Ok(()),
                Err(now) => current = now,
            }
        }
    }
}

/// How a file came to be read: named by the user (or stdin), or found by walking a folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discovery {
    Explicit,
    Walked,
}

/// One file, read.
#[derive(Debug)]
pub struct LoadedFile {
    pub source: Arc<Source>,
    pub objects: Vec<Object>,
    pub diagnostics: Vec<Diagnostic>,
    /// False when the file holds no Kubernetes object and was found by walking: it is
    /// left out of the run and of the counts.
    pub relevant: bool,
}

/// Reads one file's bytes.
pub fn load_bytes(
    name: &str,
    bytes: Vec<u8>,
    discovery: Discovery,
    options: &LoadOptions,
) -> LoadedFile {
    if bytes.len() as u64 > options.max_file_size {
        return too_large(name, bytes.len() as u64, options);
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) if error.as_bytes().contains(&0) => {
            // A binary file: no snippet of it is worth printing to a terminal.
            let source = Source::new(name, String::new());
            let d = Diagnostic::new(
                "file-not-utf8",
                Severity::Error,
                "this file is binary (it holds NUL bytes), not a manifest; it was not checked",
            )
            .with_help("leave binary files out of the paths given, or with --exclude")
            .at(&source, Span::default());
            let relevant = discovery == Discovery::Explicit;
            return LoadedFile {
                source,
                objects: Vec::new(),
                diagnostics: if relevant { vec![d] } else { Vec::new() },
                relevant,
            };
        }
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let relevant = discovery == Discovery::Explicit || looks_like_manifest(&text);
            let source = Source::new(name, text);
            source.set_redactions(crate::yaml::secrets::raw_secret_spans(source.text()));
            let d = Diagnostic::new(
                "file-not-utf8",
                Severity::Error,
                format!("this file is not valid UTF-8 (first bad byte at offset {at}); it was not checked"),
            )
            .with_help("save the file as UTF-8: Kubernetes reads manifests as UTF-8")
            .at(&source, Span::new(at, at + 1));
            return LoadedFile {
                source,
                objects: Vec::new(),
                diagnostics: if relevant { vec![d] } else { Vec::new() },
                relevant,
            };
        }
    };
    load_text(name, text, discovery, options)
}

/// The result for a file over the size limit, which is not read at all.
pub fn too_large(name: &str, size: u64, options: &LoadOptions) -> LoadedFile {
    let source = Source::new(name, String::new());
    let d = Diagnostic::new(
        "file-too-large",
        Severity::Error,
        if size > options.max_file_size.saturating_add(1) {
            format!(
                "this file is {size} bytes, over the limit of {} bytes; it was not read",
                options.max_file_size
            )
        } else {
            format!(
                "this file holds more than {} bytes, the limit; it was not read",
                options.max_file_size
            )
        },
    )
    .with_help("raise the limit with --max-file-size, or split the file")
    .at(&source, Span::default());
    LoadedFile {
        source,
        objects: Vec::new(),
        diagnostics: vec![d],
        relevant: true,
    }
}

/// Reads one file's text.
pub fn load_text(
    name: &str,
    text: String,
    discovery: Discovery,
    options: &LoadOptions,
) -> LoadedFile {
    let mut stream = yaml::parse_stream(&text, options.parse);
    let templates = helm_sources(&text);
    let source = Source::new(name, text);
    let over_run_budget = match options.take_alias_nodes(stream.alias_nodes) {
        Ok(()) => None,
        Err(used) => {
            // Over the run's alias budget: the expanded documents are dropped here, which
            // bounds what a run keeps however many files each stay under the file limit.
            stream.documents.clear();
            Some(
                Diagnostic::new(
                    "yaml-alias-limit",
                    Severity::Error,
                    format!(
                        "aliases in this file expand to {} nodes, over what is left of the run's limit of {} (other files used {used}); its documents were not expanded or checked",
                        stream.alias_nodes, options.alias_run_limit
                    ),
                )
                .with_help(
                    "write the repeated content out, use fewer aliases, or raise --max-alias-nodes (maxAliasNodes)",
                )
                .at(&source, first_alias(&source)),
            )
        }
    };
    let tree = Arc::new(stream.tree);
    let mut loader = FileLoader {
        source: &source,
        tree: &tree,
        templates: &templates,
        objects: Vec::new(),
        diagnostics: Vec::new(),
        kubernetes: false,
        broken_objects: !known_not_object(name),
    };
    for error in stream.errors {
        loader.yaml_error(error);
    }
    for document in stream.documents {
        loader.document(document);
    }
    let FileLoader {
        objects,
        mut diagnostics,
        kubernetes,
        ..
    } = loader;
    diagnostics.extend(over_run_budget);
    place_in_objects(&mut diagnostics, &objects);
    let relevant =
        kubernetes || discovery == Discovery::Explicit || looks_like_manifest(source.text());
    if !kubernetes {
        // Not a Kubernetes file: say so once instead of listing every missing field.
        diagnostics.retain(|d| d.rule.starts_with("yaml-"));
        if discovery == Discovery::Explicit && diagnostics.is_empty() {
            diagnostics.push(
                Diagnostic::new(
                    "not-kubernetes",
                    Severity::Warning,
                    "this file holds no Kubernetes object (no document with `apiVersion` and `kind`)",
                )
                .with_help("leave the file out of the command, or exclude it in the configuration")
                .at(&source, first_line(&source)),
            );
        }
        if !relevant {
            diagnostics.clear();
        }
    }
    // From the text first: a Secret that did not become an object still hides its data.
    let mut redactions = crate::yaml::secrets::raw_secret_spans(source.text());
    for object in &objects {
        secret_spans(object, &mut redactions);
    }
    source.set_redactions(redactions);
    LoadedFile {
        source,
        objects,
        diagnostics,
        relevant,
    }
}

/// YAML problems are found before objects exist: give each the object and pointer it is in.
fn place_in_objects(diagnostics: &mut [Diagnostic], objects: &[Object]) {
    for d in diagnostics.iter_mut().filter(|d| d.object.is_none()) {
        let Some(location) = &d.location else {
            continue;
        };
        let offset = location.span.start as usize;
        if let Some(object) = objects.iter().find(|o| o.span().contains(offset)) {
            d.pointer = Some(object.pointer_at(offset).into_boxed_str());
            d.object = Some(Arc::new(object.identity()));
        }
    }
}

/// A file with YAML errors is still worth reporting when it reads like a manifest.
fn looks_like_manifest(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("apiVersion:") || l.starts_with("kind:"))
}

/// The first alias (`*name`) of a file, or its first line.
fn first_alias(source: &Source) -> Span {
    let bytes = source.text().as_bytes();
    let found = memchr::memchr_iter(b'*', bytes).find(|&at| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + 1).copied();
        matches!(before, None | Some(b' ' | b'[' | b',' | b'{' | b'\n'))
            && after.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
    });
    match found {
        Some(at) => {
            let end = bytes[at + 1..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')))
                .map_or(bytes.len(), |n| at + 1 + n);
            Span::new(at, end)
        }
        None => first_line(source),
    }
}

fn first_line(source: &Source) -> Span {
    let range = source.line_range(0);
    Span::new(range.start, range.end)
}

/// `# Source: chart/templates/x.yaml` comments written by `helm template`, with their offsets.
fn helm_sources(text: &str) -> Vec<(usize, Arc<str>)> {
    const MARK: &str = "# Source: ";
    let mut out = Vec::new();
    for at in memchr::memmem::find_iter(text.as_bytes(), MARK) {
        if at == 0 || text.as_bytes()[at - 1] == b'\n' {
            let rest = &text[at + MARK.len()..];
            let name = rest.lines().next().unwrap_or("").trim();
            if !name.is_empty() {
                out.push((at, Arc::from(name)));
            }
        }
    }
    out
}

struct FileLoader<'a> {
    source: &'a Arc<Source>,
    tree: &'a Arc<SpanTree>,
    templates: &'a [(usize, Arc<str>)],
    objects: Vec<Object>,
    diagnostics: Vec<Diagnostic>,
    kubernetes: bool,
    /// Whether a document that looks like a damaged object is reported as one (false for
    /// files known to hold something else, such as `Chart.yaml` or Helm values).
    broken_objects: bool,
}

impl FileLoader<'_> {
    /// The template of the last `# Source:` comment before `offset`.
    fn template_at(&self, offset: usize) -> Option<Arc<str>> {
        let i = self.templates.partition_point(|(at, _)| *at < offset);
        i.checked_sub(1).map(|i| self.templates[i].1.clone())
    }

    fn location(&self, span: Span) -> Location {
        Location {
            source: self.source.clone(),
            span,
            template: self.template_at(span.start as usize),
        }
    }

    fn yaml_error(&mut self, error: YamlError) {
        let mut d = Diagnostic::new(error.rule, Severity::Error, error.message);
        d.help = error.help.map(Into::into);
        if let Some(related) = error.related {
            let at = self.source.line_col(related.start as usize);
            d.note =
                Some(format!("first defined at line {}, column {}", at.line, at.column).into());
        }
        d.location = Some(self.location(error.span));
        self.diagnostics.push(d);
    }

    fn document(&mut self, document: Document) {
        let Document {
            value,
            root,
            span,
            index,
        } = document;
        let kind_name = match &value {
            Value::Object(_) => None,
            Value::Array(_) => Some("a sequence"),
            Value::String(_) => Some("a string"),
            Value::Number(_) => Some("a number"),
            Value::Bool(_) => Some("a boolean"),
            Value::Null => return,
        };
        if let Some(kind_name) = kind_name {
            let mut d = Diagnostic::new(
                "invalid-document",
                Severity::Error,
                format!("this document is {kind_name}, not a Kubernetes object (a mapping with `apiVersion` and `kind`)"),
            )
            .with_help("make the document a mapping, or remove it");
            d.location = Some(self.location(first_line_of(self.source, span)));
            self.diagnostics.push(d);
            return;
        }
        let template = self.template_at(span.start as usize);
        let is_list = value
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"))
            && value.get("items").is_some_and(Value::is_array);
        if is_list {
            self.kubernetes |= value.get("apiVersion").is_some();
            let Some(Value::Array(items)) = value.get("items") else {
                return;
            };
            let items_node = self
                .tree
                .lookup(root, &value, "/items")
                .map_or(root, |f| f.node);
            let entries: Vec<NodeId> = self
                .tree
                .children(items_node)
                .iter()
                .map(|e| e.node)
                .collect();
            for (i, (item, node)) in items.iter().zip(entries).enumerate() {
                self.object(item.clone(), node, index, Some(i), template.clone());
            }
        } else {
            self.object(value, root, index, None, template);
        }
    }

    fn object(
        &mut self,
        value: Value,
        root: NodeId,
        document: usize,
        item: Option<usize>,
        template: Option<Arc<str>>,
    ) {
        let object = Object {
            value,
            source: self.source.clone(),
            tree: self.tree.clone(),
            root,
            document,
            item,
            template,
            provenance: None,
        };
        if !object.value.is_object() {
            let mut d = Diagnostic::new(
                "invalid-document",
                Severity::Error,
                "this list item is not a Kubernetes object (a mapping with `apiVersion` and `kind`)",
            );
            d.location = Some(object.locate("", false));
            self.diagnostics.push(d);
            return;
        }
        let api_version = object.value.get("apiVersion");
        let kind = object.value.get("kind");
        if api_version
            .and_then(Value::as_str)
            .is_some_and(is_tool_config)
        {
            // Kustomization, Component, Kptfile: configuration of a tool, not an API object.
            return;
        }
        if api_version.is_some() && kind.is_some() {
            self.kubernetes = true;
        }
        let misspelt = if self.broken_objects {
            broken_object(&object.value)
        } else {
            None
        };
        if let Some(misspelt) = &misspelt {
            // Reported whatever the rest of the file holds: a damaged object is not a stray file.
            self.kubernetes = true;
            self.report_misspelt(&object, misspelt);
        }
        let misspelt_as = |field: &str| {
            misspelt
                .as_ref()
                .is_some_and(|m| m.iter().any(|(_, meant)| *meant == field))
        };
        let mut complete = true;
        for (field, value, rule) in [
            ("apiVersion", api_version, "missing-api-version"),
            ("kind", kind, "missing-kind"),
        ] {
            match value {
                Some(Value::String(s)) if !s.is_empty() => {}
                Some(Value::String(_)) => {
                    complete = false;
                    let d = object.diagnostic(
                        rule,
                        Severity::Error,
                        &format!("/{field}"),
                        format!("`{field}` is empty"),
                    );
                    self.diagnostics.push(d.with_help(help_for(field)));
                }
                Some(other) => {
                    complete = false;
                    let d = object.diagnostic(
                        rule,
                        Severity::Error,
                        &format!("/{field}"),
                        format!("`{field}` must be a string, not {}", json_type(other)),
                    );
                    self.diagnostics.push(d.with_help(help_for(field)));
                }
                None if misspelt_as(field) => complete = false,
                None => {
                    complete = false;
                    let d = object.diagnostic(
                        rule,
                        Severity::Error,
                        "",
                        format!("this object has no `{field}`"),
                    );
                    self.diagnostics.push(d.with_help(help_for(field)));
                }
            }
        }
        if !complete {
            return;
        }
        self.check_name(&object);
        self.objects.push(object);
    }

    /// Reports the keys of `misspelt` (near misses of `apiVersion`/`kind`) as the missing
    /// fields they were meant to be.
    fn report_misspelt(&mut self, object: &Object, misspelt: &[(String, &'static str)]) {
        for (key, meant) in misspelt {
            let rule = if *meant == "apiVersion" {
                "missing-api-version"
            } else {
                "missing-kind"
            };
            let d = object.key_diagnostic(
                rule,
                Severity::Error,
                &format!("/{}", key.replace('~', "~0").replace('/', "~1")),
                format!("this object has no `{meant}`: the key `{key}` is not `{meant}`"),
            );
            self.diagnostics
                .push(d.with_help(format!("did you mean `{meant}`?")));
        }
    }

    fn check_name(&mut self, object: &Object) {
        let meta = object.value.get("metadata");
        let name = meta.and_then(|m| m.get("name"));
        let generate = meta.and_then(|m| m.get("generateName"));
        let named = |v: Option<&Value>| v.and_then(Value::as_str).is_some_and(|s| !s.is_empty());
        if named(name) || named(generate) {
            return;
        }
        let (pointer, message) = match (meta, name) {
            (None, _) => (
                "",
                "this object has no `metadata`, so no `metadata.name`".to_owned(),
            ),
            (Some(m), _) if !m.is_object() => {
                ("/metadata", "`metadata` must be a mapping".to_owned())
            }
            (Some(_), Some(v)) if !v.is_string() => (
                "/metadata/name",
                format!("`metadata.name` must be a string, not {}", json_type(v)),
            ),
            (Some(_), Some(_)) => ("/metadata/name", "`metadata.name` is empty".to_owned()),
            (Some(_), None) => (
                "/metadata",
                "this object has neither `metadata.name` nor `metadata.generateName`".to_owned(),
            ),
        };
        let d = if pointer == "/metadata" && meta.is_some_and(Value::is_object) {
            object.key_diagnostic("missing-name", Severity::Error, pointer, message)
        } else {
            object.diagnostic("missing-name", Severity::Error, pointer, message)
        };
        self.diagnostics.push(d.with_help(
            "give the object a `metadata.name` (or a `metadata.generateName` for `kubectl create`)",
        ));
    }
}

/// Files that hold YAML which is not a Kubernetes object, whatever keys it has: Helm's
/// `Chart.yaml`, `Chart.lock` and values files (also a chart's `ci/` values), Kustomization
/// files, pre-commit and Skaffold configuration.
fn known_not_object(name: &str) -> bool {
    let path = std::path::Path::new(name);
    let file = path
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or_default();
    let stem = file
        .rsplit_once('.')
        .map_or(file, |(stem, _)| stem)
        .to_ascii_lowercase();
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|f| f.to_str());
    matches!(
        file,
        "Chart.yaml" | "Chart.lock" | "Chartfile" | "skaffold.yaml" | "skaffold.yml"
    ) || matches!(stem.as_str(), "kustomization" | "values")
        || stem.starts_with("values.")
        || stem.starts_with("values-")
        || stem.ends_with("-values")
        || stem.ends_with(".values")
        || file.starts_with(".pre-commit-")
        || parent == Some("ci")
}

/// A document that is meant to be an object but lacks `apiVersion` or `kind`: it has
/// `metadata.name` and one of the two, or a near-miss spelling of one (`apiVerison`, `Kind`)
/// beside `metadata`, `spec` or the other. Returns the misspelt keys with the field each was
/// meant to be (empty when none is misspelt); `None` when the document is not such an object
/// or is complete.
fn broken_object(value: &Value) -> Option<Vec<(String, &'static str)>> {
    let map = value.as_object()?;
    let has_api = map.contains_key("apiVersion");
    let has_kind = map.contains_key("kind");
    if has_api && has_kind {
        return None;
    }
    let misspelt: Vec<(String, &'static str)> = map
        .keys()
        .filter_map(|key| {
            near_miss(key)
                .filter(|meant| !map.contains_key(*meant))
                .map(|meant| (key.clone(), meant))
        })
        .collect();
    let named = map
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    let shaped = map.contains_key("metadata") || map.contains_key("spec") || has_api || has_kind;
    let broken = (named && (has_api || has_kind)) || (!misspelt.is_empty() && shaped);
    broken.then_some(misspelt)
}

/// The identity field a key is a near-miss spelling of.
fn near_miss(key: &str) -> Option<&'static str> {
    let folded: String = key
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    for (field, lower, max) in [("apiVersion", "apiversion", 2), ("kind", "kind", 1)] {
        if key == field {
            return None;
        }
        if folded == lower || edit_distance(&folded, lower) <= max {
            return Some(field);
        }
    }
    None
}

/// Levenshtein distance where swapping two neighbours counts as one edit; words whose lengths
/// differ by more than two are never near.
fn edit_distance(a: &str, b: &str) -> usize {
    if a.chars().count().abs_diff(b.chars().count()) > 2 {
        return usize::MAX;
    }
    crate::text::swap_distance(a, b)
}

/// API groups of files that configure a tool rather than describe cluster objects.
fn is_tool_config(api_version: &str) -> bool {
    [
        "kustomize.config.k8s.io/",
        "kpt.dev/",
        "config.kubernetes.io/",
        "skaffold/",
    ]
    .iter()
    .any(|group| api_version.starts_with(group))
}

fn help_for(field: &str) -> &'static str {
    if field == "apiVersion" {
        "set `apiVersion` to the API group and version of the kind, e.g. `apps/v1` for a Deployment"
    } else {
        "set `kind` to the type of the object, e.g. `Deployment`"
    }
}

/// The first line of a span, for pointing at a whole document without underlining all of it.
fn first_line_of(source: &Source, span: Span) -> Span {
    let start = span.start as usize;
    let line_end = source.line_range(source.line_index(start)).end;
    Span::new(start, line_end.max(start))
}

pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Whether a name (of an env var, a key) suggests that its value is a secret: it contains
/// one of a list of words (`password`, `passphrase`, `secret`, `token`, `credential`, `jwt`,
/// `bearer`, `database_url`…), or one of its words (split at `_`, `-`, `.`) is `pass`, `pwd`,
/// `salt`, `auth`, `creds`, `dsn`, or its last word is `key` (`*_KEY`).
pub fn is_sensitive_name(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "credential",
        "private_key",
        "privatekey",
        "private-key",
        "key_content",
        "key-content",
        "access_key",
        "accesskey",
        "access-key",
        "jwt",
        "bearer",
        "database_url",
        "database-url",
        "databaseurl",
        "db_url",
        "connection_string",
        "connectionstring",
    ];
    const PARTS: &[&str] = &["pass", "pwd", "salt", "auth", "creds", "dsn"];
    let lower = name.to_ascii_lowercase();
    if WORDS.iter().any(|w| lower.contains(w)) {
        return true;
    }
    let parts: Vec<&str> = lower
        .split(['_', '-', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    parts.iter().any(|p| PARTS.contains(p)) || (parts.len() > 1 && parts.last() == Some(&"key"))
}

/// Whether a value holds credentials inside a URL (`scheme://user:password@host`).
pub fn has_url_credentials(value: &str) -> bool {
    value.match_indices("://").any(|(at, _)| {
        let rest = &value[at + 3..];
        let authority = rest.split(['/', '?', '#', ' ']).next().unwrap_or("");
        authority
            .rsplit_once('@')
            .is_some_and(|(user_info, _)| user_info.contains(':'))
    })
}

/// The spans of values that must never be shown: a Secret's `data` and `stringData`, and
/// literal values of env vars with sensitive names.
fn secret_spans(object: &Object, out: &mut Vec<Span>) {
    if object.kind() == "Secret" {
        // `kubectl apply` copies the whole Secret, data included, into this annotation.
        let annotation = "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration";
        if let Some(found) = object.find(annotation) {
            out.push(found.value);
        }
        for field in ["data", "stringData"] {
            if let Some(found) = object.find(&format!("/{field}")) {
                let tree = &object.tree;
                for entry in tree
                    .children(found.node)
                    .iter()
                    .chain(tree.shadowed(found.node))
                {
                    out.push(tree.span(entry.node));
                }
            }
        }
    }
    if object.kind() == "ConfigMap" {
        config_map_spans(object, out);
    }
    sensitive_env(&object.tree, object.root, &object.value, out);
}

/// The ConfigMap values that look like secrets (see [`config_map_secret`]).
fn config_map_spans(object: &Object, out: &mut Vec<Span>) {
    let Some(data) = object.value.get("data").and_then(Value::as_object) else {
        return;
    };
    let Some(found) = object.find("/data") else {
        return;
    };
    for (entry, (key, value)) in object.tree.children(found.node).iter().zip(data) {
        if config_map_secret(key, value).is_some() {
            // A block scalar's span runs to the next key: keep that key's indentation.
            let span = object.tree.span(entry.node);
            let text = &object.source.text()[span.start as usize..span.end as usize];
            let end = span.start as usize + text.trim_end().len();
            out.push(Span::new(span.start as usize, end));
        }
    }
}

/// Why a ConfigMap `data` entry looks like a secret: its value holds a credential by its
/// shape (`a PEM private key`…) or a URL with a password, or its key has a sensitive name
/// (`DB_PASSWORD`, `api-token`) and its value is one line that is not a reference (a path, a
/// URL without a password, a `$(VAR)` or `${VAR}` placeholder). Multi-line values under
/// such keys are files (an `auth.conf`) and are judged by their content only.
pub fn config_map_secret(key: &str, value: &Value) -> Option<&'static str> {
    let text = value.as_str()?;
    if let Some(shape) = crate::yaml::secrets::secret_shape(text) {
        return Some(shape);
    }
    if has_url_credentials(text) {
        return Some("a URL with a password");
    }
    let trimmed = text.trim();
    // A URL without a password is an address (`postgres://db:5432/app`), not a secret.
    let reference = trimmed.starts_with('/')
        || trimmed.contains("://")
        || (trimmed.starts_with("$(") && trimmed.ends_with(')'))
        || (trimmed.starts_with("${") && trimmed.ends_with('}'))
        || (trimmed.starts_with("{{") && trimmed.ends_with("}}"));
    (is_sensitive_name(key) && !trimmed.is_empty() && !trimmed.contains('\n') && !reference)
        .then_some("a value under a sensitive key")
}

fn sensitive_env(tree: &SpanTree, node: NodeId, value: &Value, out: &mut Vec<Span>) {
    match value {
        Value::Object(map) => {
            for (entry, (key, child)) in tree.children(node).iter().zip(map) {
                if key == "env"
                    && let Value::Array(vars) = child
                {
                    for (var_entry, var) in tree.children(entry.node).iter().zip(vars) {
                        let sensitive = var
                            .get("name")
                            .and_then(Value::as_str)
                            .is_some_and(is_sensitive_name)
                            || var.get("value").and_then(Value::as_str).is_some_and(|v| {
                                has_url_credentials(v)
                                    || crate::yaml::secrets::secret_shape(v).is_some()
                            });
                        if sensitive && var.get("value").is_some() {
                            if let Some(found) = tree.lookup(var_entry.node, var, "/value") {
                                out.push(found.value);
                            }
                            // A duplicate `value:` leaves the first one in the text.
                            out.extend(tree.shadowed(var_entry.node).map(|e| tree.span(e.node)));
                        }
                    }
                }
                if child.is_object() || child.is_array() {
                    sensitive_env(tree, entry.node, child, out);
                }
            }
        }
        Value::Array(items) => {
            for (entry, child) in tree.children(node).iter().zip(items) {
                if child.is_object() || child.is_array() {
                    sensitive_env(tree, entry.node, child, out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod broken_object_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn near_misses_of_identity_fields() {
        for (key, meant) in [
            ("apiVerison", "apiVersion"),
            ("apiversion", "apiVersion"),
            ("api_version", "apiVersion"),
            ("ApiVersion", "apiVersion"),
            ("Kind", "kind"),
            ("kidn", "kind"),
            ("kinds", "kind"),
        ] {
            assert_eq!(near_miss(key), Some(meant), "{key}");
        }
        for key in [
            "apiVersion",
            "kind",
            "metadata",
            "spec",
            "name",
            "data",
            "king-size",
        ] {
            assert_eq!(near_miss(key), None, "{key}");
        }
    }

    #[test]
    fn documents_meant_as_objects() {
        let broken = |v: serde_json::Value| broken_object(&v);
        assert_eq!(
            broken(json!({"apiVersion": "v1", "metadata": {"name": "a"}, "data": {}})),
            Some(vec![])
        );
        assert_eq!(
            broken(json!({"kind": "ReplicationController", "metadata": {"name": "a"}})),
            Some(vec![])
        );
        assert_eq!(
            broken(json!({"apiVerison": "apps/v1", "kind": "Deployment", "spec": {}})),
            Some(vec![("apiVerison".to_owned(), "apiVersion")])
        );
        // Not objects: a values file's fragment, complete objects, stray YAML.
        assert_eq!(
            broken(json!({"kind": "Deployment", "replicaCount": 1})),
            None
        );
        assert_eq!(broken(json!({"apiVersion": "v1", "kind": "Pod"})), None);
        assert_eq!(broken(json!({"name": "x", "image": "y"})), None);
    }

    #[test]
    fn files_known_not_to_be_objects() {
        for name in [
            "chart/Chart.yaml",
            "Chart.lock",
            "values.yaml",
            "chart/values-prod.yaml",
            "chart/values.prod.yml",
            "chart/ci/ha-values.yaml",
            "kustomization.yaml",
            ".pre-commit-config.yaml",
            "skaffold.yaml",
        ] {
            assert!(known_not_object(name), "{name}");
        }
        for name in ["deploy.yaml", "values/deploy.yaml", "manifests/service.yml"] {
            assert!(!known_not_object(name), "{name}");
        }
    }
}

#[cfg(test)]
mod binary_file_tests {
    use super::*;

    #[test]
    fn a_binary_file_is_reported_without_its_bytes() {
        let mut bytes = b"\x7fELF\x02\x01\x01\x00\x00\x00\x1b[31m".to_vec();
        bytes.extend([0xff, 0xfe, b'\n']);
        let named = load_bytes(
            "tool",
            bytes.clone(),
            Discovery::Explicit,
            &LoadOptions::default(),
        );
        assert_eq!(named.diagnostics.len(), 1);
        let d = &named.diagnostics[0];
        assert_eq!(d.rule, "file-not-utf8");
        assert!(d.message.contains("binary"), "{}", d.message);
        // Nothing of the file is kept to be shown.
        assert_eq!(named.source.text(), "");
        let walked = load_bytes("tool", bytes, Discovery::Walked, &LoadOptions::default());
        assert!(walked.diagnostics.is_empty() && !walked.relevant);
        // Text that is merely not UTF-8 still gets its snippet.
        let latin1 = load_bytes(
            "l.yaml",
            b"kind: Caf\xe9\n".to_vec(),
            Discovery::Explicit,
            &LoadOptions::default(),
        );
        assert!(latin1.diagnostics[0].message.contains("not valid UTF-8"));
        assert!(!latin1.source.text().is_empty());
    }
}
