//! From the bytes of one file to Kubernetes objects and the diagnostics of reading them.
//!
//! Checks made here, in order: size, UTF-8, YAML syntax and the problems the YAML adapter
//! finds, the shape of each document (a mapping), `List` flattening, and identity
//! (`apiVersion`, `kind`, `metadata.name`/`generateName`). Secret values are registered
//! with the source so that no renderer ever shows them.

use std::sync::Arc;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::object::Object;
use crate::source::{Source, Span};
use crate::yaml::{self, Document, NodeId, ParseOptions, SpanTree, YamlError};

#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Files larger than this are reported, not read.
    pub max_file_size: u64,
    pub parse: ParseOptions,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_file_size: 16 * 1024 * 1024,
            parse: ParseOptions::default(),
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
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let relevant = discovery == Discovery::Explicit || looks_like_manifest(&text);
            let source = Source::new(name, text);
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
        format!(
            "this file is {size} bytes, over the limit of {} bytes; it was not read",
            options.max_file_size
        ),
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
    let stream = yaml::parse_stream(&text, options.parse);
    let templates = helm_sources(&text);
    let source = Source::new(name, text);
    let tree = Arc::new(stream.tree);
    let mut loader = FileLoader {
        source: &source,
        tree: &tree,
        templates: &templates,
        objects: Vec::new(),
        diagnostics: Vec::new(),
        kubernetes: false,
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
    let mut redactions = Vec::new();
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
            d.pointer = Some(object.pointer_at(offset));
            d.object = Some(object.identity());
        }
    }
}

/// A file with YAML errors is still worth reporting when it reads like a manifest.
fn looks_like_manifest(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("apiVersion:") || l.starts_with("kind:"))
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
        d.help = error.help;
        if let Some(related) = error.related {
            let at = self.source.line_col(related.start as usize);
            d.note = Some(format!(
                "first defined at line {}, column {}",
                at.line, at.column
            ));
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

/// API groups of files that configure a tool rather than describe cluster objects.
fn is_tool_config(api_version: &str) -> bool {
    [
        "kustomize.config.k8s.io/",
        "kpt.dev/",
        "config.kubernetes.io/",
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

/// Whether a name (of an env var, a key) suggests that its value is a secret.
pub fn is_sensitive_name(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "credential",
        "private_key",
        "privatekey",
        "private-key",
        "access_key",
        "accesskey",
        "access-key",
    ];
    let lower = name.to_ascii_lowercase();
    WORDS.iter().any(|w| lower.contains(w))
}

/// The spans of values that must never be shown: a Secret's `data` and `stringData`, and
/// literal values of env vars with sensitive names.
fn secret_spans(object: &Object, out: &mut Vec<Span>) {
    if object.kind() == "Secret" {
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
    sensitive_env(&object.tree, object.root, &object.value, out);
}

fn sensitive_env(tree: &SpanTree, node: NodeId, value: &Value, out: &mut Vec<Span>) {
    match value {
        Value::Object(map) => {
            for (entry, (key, child)) in tree.children(node).iter().zip(map) {
                if key == "env" {
                    if let Value::Array(vars) = child {
                        for (var_entry, var) in tree.children(entry.node).iter().zip(vars) {
                            let sensitive = var
                                .get("name")
                                .and_then(Value::as_str)
                                .is_some_and(is_sensitive_name);
                            if sensitive && var.get("value").is_some() {
                                if let Some(found) = tree.lookup(var_entry.node, var, "/value") {
                                    out.push(found.value);
                                }
                                // A duplicate `value:` leaves the first one in the text.
                                out.extend(
                                    tree.shadowed(var_entry.node).map(|e| tree.span(e.node)),
                                );
                            }
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
