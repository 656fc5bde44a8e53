//! The requests: hover, completion, definition, references, symbols and code actions, each a
//! function of the workspace and a position.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types as lsp;
use plimsoll_core::{Diagnostic, Object, Source};
use plimsoll_engine::fix::{self, Safety};
use plimsoll_engine::workspace::Workspace;
use serde_json::Value;

use crate::convert;

/// The object of a file whose document covers `offset`: the last one that starts before it
/// (the cursor at the end of a half-typed line is past its node's span).
pub fn object_at(objects: &[Object], offset: usize) -> Option<&Object> {
    objects
        .iter()
        .rev()
        .find(|o| o.tree.span(o.root).start as usize <= offset)
}

/// A readable path for a pointer: `spec.containers[0].image`.
pub fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if token.parse::<usize>().is_ok() {
            out.push_str(&format!("[{token}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&token);
        }
    }
    out
}

pub fn hover(
    ws: &Workspace,
    path: &Path,
    position: lsp::Position,
    findings: &[Diagnostic],
) -> Option<lsp::Hover> {
    let source = ws.source(path)?;
    let offset = convert::offset(source, position);
    let mut parts = Vec::new();
    // A finding under the cursor: the rule's explanation.
    for d in findings {
        let Some(l) = &d.location else { continue };
        if l.span.start as usize <= offset && offset <= l.span.end as usize {
            let mut text = format!("**{}**: {}", d.rule, d.message);
            if let Some(help) = &d.help {
                text.push_str(&format!("\n\nhelp: {help}"));
            }
            if let Some(info) = plimsoll_rules::rule_info(&d.rule) {
                text.push_str(&format!("\n\n{}", info.docs()));
            }
            parts.push(text);
        }
    }
    let object = object_at(ws.objects_of(path), offset)?;
    let pointer = object.pointer_at(offset);
    if !pointer.is_empty()
        && let Some(info) = ws
            .catalog()
            .and_then(|c| c.field(object.api_version(), object.kind(), &pointer))
    {
        let mut text = format!("**{}**", dotted(&pointer));
        if let Some(t) = &info.type_name {
            text.push_str(&format!(" `{t}`"));
        }
        if info.required {
            text.push_str(" (required)");
        }
        text.push_str(&format!("\n\n{} {}", object.api_version(), object.kind()));
        if let Some(description) = &info.description {
            text.push_str(&format!("\n\n{description}"));
        }
        if !info.enum_values.is_empty() {
            text.push_str(&format!("\n\nOne of: `{}`", info.enum_values.join("`, `")));
        }
        parts.insert(0, text);
    }
    if parts.is_empty() {
        return None;
    }
    Some(lsp::Hover {
        contents: lsp::HoverContents::Markup(lsp::MarkupContent {
            kind: lsp::MarkupKind::Markdown,
            value: parts.join("\n\n---\n\n"),
        }),
        range: None,
    })
}

/// The pointer of the mapping the cursor's line belongs to, by indentation: the nearest
/// line above with less indentation that ends with `key:` (or opens a list item).
fn parent_pointer(object: &Object, source: &Source, offset: usize) -> (String, usize) {
    let line = source.line_index(offset);
    let text = source.line_text(line);
    let indent = text.len() - text.trim_start_matches([' ', '-']).len();
    let mut l = line;
    while l > 0 {
        l -= 1;
        let above = source.line_text(l);
        let trimmed = above.trim_start_matches([' ', '-']);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let above_indent = above.len() - trimmed.len();
        if above_indent < indent {
            let start = source.line_start(l) + above_indent;
            return (object.pointer_at(start), indent);
        }
        if above.trim_start().starts_with("- ") && above_indent == indent {
            // The first key of this list item: the item itself.
            let start = source.line_start(l) + above_indent;
            let pointer = object.pointer_at(start);
            return (
                pointer
                    .rsplit_once('/')
                    .map_or(pointer.clone(), |(p, _)| p.to_owned()),
                indent,
            );
        }
    }
    (String::new(), indent)
}

pub fn completion(
    ws: &Workspace,
    path: &Path,
    position: lsp::Position,
) -> Option<lsp::CompletionResponse> {
    let source = ws.source(path)?;
    let offset = convert::offset(source, position);
    let line = source.line_text(position.line as usize);
    let before = &line[..offset
        .saturating_sub(source.line_start(position.line as usize))
        .min(line.len())];
    let trimmed = before.trim_start_matches([' ', '-']);
    let catalog = ws.catalog()?;
    let mut items = Vec::new();
    // `kind: ` or `apiVersion: `: the pairs the catalog knows, and the workspace's CRDs.
    if let Some(rest) = trimmed
        .strip_prefix("apiVersion:")
        .or_else(|| trimmed.strip_prefix("kind:"))
    {
        let _ = rest;
        let mut pairs: Vec<(String, String)> = catalog
            .builtin_kinds()
            .into_iter()
            .filter_map(|k| k.rsplit_once('/'))
            .map(|(v, k)| (v.to_owned(), k.to_owned()))
            .collect();
        for (_, o) in ws.objects() {
            if o.kind() == "CustomResourceDefinition" {
                let spec = o.value.get("spec");
                let group = spec.and_then(|s| s.get("group")).and_then(Value::as_str);
                let kind = spec
                    .and_then(|s| s.pointer("/names/kind"))
                    .and_then(Value::as_str);
                let versions = spec
                    .and_then(|s| s.get("versions"))
                    .and_then(Value::as_array);
                if let (Some(g), Some(k), Some(vs)) = (group, kind, versions) {
                    for v in vs.iter().filter_map(|v| v.get("name")?.as_str()) {
                        pairs.push((format!("{g}/{v}"), k.to_owned()));
                    }
                }
            }
        }
        let is_kind = trimmed.starts_with("kind:");
        for (version, kind) in pairs {
            let (label, insert) = if is_kind {
                (format!("{kind} ({version})"), kind.clone())
            } else {
                (format!("{version} {kind}"), version.clone())
            };
            items.push(lsp::CompletionItem {
                label,
                kind: Some(lsp::CompletionItemKind::CLASS),
                insert_text: Some(insert),
                filter_text: Some(if is_kind { kind } else { version }),
                ..Default::default()
            });
        }
        return Some(lsp::CompletionResponse::Array(items));
    }
    let object = object_at(ws.objects_of(path), offset)?;
    let (parent, _) = parent_pointer(object, source, offset);
    let present: Vec<String> = object
        .value
        .pointer(&parent)
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    // In labels or a selector: the label keys of the workspace, then the values of a key.
    if is_label_map(object, &parent) {
        let items = match trimmed.split_once(':') {
            Some((key, _)) => label_items(labels_seen(ws, Some(key.trim())), &[], false),
            None => label_items(labels_seen(ws, None), &present, true),
        };
        return Some(lsp::CompletionResponse::Array(items));
    }
    // `key: ` with the cursor after the colon: the key's enum values.
    if let Some((key, _)) = trimmed.split_once(':') {
        let pointer = format!(
            "{parent}/{}",
            key.trim().replace('~', "~0").replace('/', "~1")
        );
        let info = catalog.field(object.api_version(), object.kind(), &pointer)?;
        for value in info.enum_values {
            items.push(lsp::CompletionItem {
                label: value,
                kind: Some(lsp::CompletionItemKind::ENUM_MEMBER),
                ..Default::default()
            });
        }
        return Some(lsp::CompletionResponse::Array(items));
    }
    // A key: the fields of the mapping at this indentation, required ones first, present
    // ones left out.
    let info = catalog.field(object.api_version(), object.kind(), &parent)?;
    for name in info.fields {
        if present.contains(&name) || items.iter().any(|i: &lsp::CompletionItem| i.label == name) {
            continue;
        }
        let required = info.required_fields.contains(&name);
        let child = catalog.field(
            object.api_version(),
            object.kind(),
            &format!("{parent}/{}", name.replace('~', "~0").replace('/', "~1")),
        );
        items.push(lsp::CompletionItem {
            label: name.clone(),
            kind: Some(lsp::CompletionItemKind::FIELD),
            detail: child.as_ref().and_then(|c| c.type_name.clone()).map(|t| {
                if required {
                    format!("{t} (required)")
                } else {
                    t
                }
            }),
            documentation: child
                .and_then(|c| c.description)
                .map(lsp::Documentation::String),
            sort_text: Some(format!("{}{name}", if required { 0 } else { 1 })),
            insert_text: Some(format!("{name}: ")),
            ..Default::default()
        });
    }
    Some(lsp::CompletionResponse::Array(items))
}

/// What a reference names: kind, name, namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

/// The object a value at `pointer` names, when the pointer is a known reference.
fn reference(object: &Object, pointer: &str, value: &str) -> Option<Target> {
    let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
    let last = *tokens.last()?;
    let parent = tokens.len().checked_sub(2).map(|i| tokens[i]).unwrap_or("");
    let namespace = object.namespace().map(str::to_owned);
    let target = |kind: &str| {
        Some(Target {
            kind: kind.to_owned(),
            name: value.to_owned(),
            namespace: namespace.clone(),
        })
    };
    let sibling = |key: &str| -> Option<String> {
        let parent_pointer = &pointer[..pointer.rfind('/')?];
        object
            .value
            .pointer(&format!("{parent_pointer}/{key}"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match (parent, last) {
        ("configMapRef" | "configMapKeyRef" | "configMap", "name") => target("ConfigMap"),
        ("secretRef" | "secretKeyRef", "name") => target("Secret"),
        ("secret", "secretName") => target("Secret"),
        (_, "serviceAccountName" | "serviceAccount") if tokens.contains(&"spec") => {
            target("ServiceAccount")
        }
        ("persistentVolumeClaim", "claimName") => target("PersistentVolumeClaim"),
        ("service", "name")
            if tokens.contains(&"backend") || tokens.contains(&"defaultBackend") =>
        {
            target("Service")
        }
        (_, "serviceName") if tokens.contains(&"backend") => target("Service"),
        ("roleRef", "name") => {
            let kind = sibling("kind")?;
            let namespace = (kind == "Role").then(|| namespace.clone()).flatten();
            Some(Target {
                kind,
                name: value.to_owned(),
                namespace,
            })
        }
        ("scaleTargetRef", "name") => target(&sibling("kind")?),
        (_, "name") if tokens.len() == 3 && tokens[0] == "subjects" => Some(Target {
            kind: sibling("kind")?,
            name: value.to_owned(),
            namespace: sibling("namespace").or(namespace),
        }),
        (_, "name")
            if tokens.len() >= 2
                && tokens[tokens.len() - 2].parse::<usize>().is_ok()
                && tokens.get(tokens.len().wrapping_sub(3)) == Some(&"imagePullSecrets") =>
        {
            target("Secret")
        }
        _ => None,
    }
}

/// Every reference an object makes, with its pointer.
pub fn references_of(object: &Object) -> Vec<(String, Target)> {
    fn walk(object: &Object, value: &Value, pointer: &mut String, out: &mut Vec<(String, Target)>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    walk(object, v, pointer, out);
                    pointer.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push_str(&format!("/{i}"));
                    walk(object, v, pointer, out);
                    pointer.truncate(len);
                }
            }
            Value::String(s) => {
                if let Some(target) = reference(object, pointer, s) {
                    out.push((pointer.clone(), target));
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(object, &object.value, &mut String::new(), &mut out);
    out
}

fn matches(object: &Object, target: &Target) -> bool {
    object.kind() == target.kind
        && object.name() == Some(target.name.as_str())
        && (target.namespace.is_none()
            || object.namespace().is_none()
            || object.namespace() == target.namespace.as_deref())
}

fn object_location(path: &Path, object: &Object) -> Option<lsp::Location> {
    let span = object
        .value_span("/metadata/name")
        .unwrap_or_else(|| object.tree.span(object.root));
    Some(lsp::Location {
        uri: convert::uri_of(path)?,
        range: convert::range(&object.source, span),
    })
}

/// From a reference under the cursor to the objects it names.
pub fn definition(ws: &Workspace, path: &Path, position: lsp::Position) -> Vec<lsp::Location> {
    let Some(source) = ws.source(path) else {
        return Vec::new();
    };
    let offset = convert::offset(source, position);
    let Some(object) = object_at(ws.objects_of(path), offset) else {
        return Vec::new();
    };
    let pointer = object.pointer_at(offset);
    // A selector: the pods it selects; a pod template's labels: the selectors of them.
    let pods = selected_pods(ws, object, &pointer);
    if !pods.is_empty() {
        return pods;
    }
    let templates = pod_templates(ws);
    if let Some(pod) = templates.pod_spec(object)
        && pointer.starts_with(&format!("{}/labels", pod.meta_pointer))
    {
        return selectors_of(ws, object);
    }
    let Some(value) = object.value.pointer(&pointer).and_then(Value::as_str) else {
        return Vec::new();
    };
    let Some(target) = reference(object, &pointer, value) else {
        return Vec::new();
    };
    ws.objects()
        .filter(|(_, o)| matches(o, &target))
        .filter_map(|(p, o)| object_location(p, o))
        .collect()
}

/// From an object (the cursor anywhere in it) to every reference to it in the workspace.
pub fn references(ws: &Workspace, path: &Path, position: lsp::Position) -> Vec<lsp::Location> {
    let Some(source) = ws.source(path) else {
        return Vec::new();
    };
    let offset = convert::offset(source, position);
    let Some(object) = object_at(ws.objects_of(path), offset) else {
        return Vec::new();
    };
    // The Services (and budgets, network policies) that select its pods.
    let mut out = selectors_of(ws, object);
    // The workspace keeps RBAC bindings slimmed (identity and metadata): their files are
    // read again in full.
    let mut reread = Vec::new();
    for p in ws.paths() {
        let bindings = ws
            .objects_of(p)
            .iter()
            .any(|o| matches!(o.kind(), "RoleBinding" | "ClusterRoleBinding"));
        if let (true, Some(source)) = (bindings, ws.source(p)) {
            let file = plimsoll_core::load_bytes(
                source.name(),
                source.text().as_bytes().to_vec(),
                plimsoll_core::Discovery::Walked,
                &ws.engine().config().load,
            );
            reread.extend(file.objects.into_iter().map(|o| (p.to_path_buf(), o)));
        }
    }
    let slimmed = |o: &Object| matches!(o.kind(), "RoleBinding" | "ClusterRoleBinding");
    let all = ws
        .objects()
        .filter(|(_, o)| !slimmed(o))
        .chain(reread.iter().map(|(p, o)| (p.as_path(), o)));
    for (p, other) in all {
        for (pointer, target) in references_of(other) {
            if matches(object, &target)
                && let (Some(uri), Some(span)) = (convert::uri_of(p), other.value_span(&pointer))
            {
                out.push(lsp::Location {
                    uri,
                    range: convert::range(&other.source, span),
                });
            }
        }
    }
    out
}

/// The pod templates of the workspace's configuration (built-in kinds and `podTemplatePaths`).
fn pod_templates(ws: &Workspace) -> plimsoll_rules::pod::PodTemplates {
    plimsoll_rules::pod::PodTemplates::new(&ws.engine().config().rules.pod_template_paths)
        .or_else(|_| plimsoll_rules::pod::PodTemplates::new(&[]))
        .unwrap_or_else(|_| unreachable_templates())
}

/// The built-in pod templates always build.
fn unreachable_templates() -> plimsoll_rules::pod::PodTemplates {
    std::process::exit(2)
}

/// A selector of pods an object carries: a Service's map, or the `LabelSelector` of a
/// PodDisruptionBudget or NetworkPolicy, with its pointer.
enum PodSelector<'o> {
    Map(&'o serde_json::Map<String, Value>),
    Label(&'o Value),
}

fn pod_selector(object: &Object) -> Option<(&'static str, PodSelector<'_>)> {
    match object.kind() {
        "Service" => {
            let map = object.value.pointer("/spec/selector")?.as_object()?;
            Some(("/spec/selector", PodSelector::Map(map)))
        }
        "PodDisruptionBudget" => Some((
            "/spec/selector",
            PodSelector::Label(object.value.pointer("/spec/selector")?),
        )),
        "NetworkPolicy" => Some((
            "/spec/podSelector",
            PodSelector::Label(object.value.pointer("/spec/podSelector")?),
        )),
        _ => None,
    }
}

fn selects(selector: &PodSelector<'_>, labels: Option<&serde_json::Map<String, Value>>) -> bool {
    match selector {
        PodSelector::Map(map) => plimsoll_rules::util::map_selector_matches(map, labels),
        PodSelector::Label(value) => {
            !plimsoll_rules::util::selector_is_empty(value)
                && plimsoll_rules::util::label_selector_matches(value, labels) == Some(true)
        }
    }
}

fn same_namespace(a: &Object, b: &Object) -> bool {
    match (a.namespace(), b.namespace()) {
        (Some(x), Some(y)) => x == y,
        _ => true,
    }
}

/// From a Service's (PodDisruptionBudget's, NetworkPolicy's) selector under the cursor to
/// the pod templates it selects, at their labels.
fn selected_pods(ws: &Workspace, object: &Object, pointer: &str) -> Vec<lsp::Location> {
    let Some((at, selector)) = pod_selector(object) else {
        return Vec::new();
    };
    if !pointer.starts_with(at) {
        return Vec::new();
    }
    let templates = pod_templates(ws);
    let mut out = Vec::new();
    for (path, other) in ws.objects() {
        if ws.cancelled() {
            break;
        }
        if !same_namespace(object, other) {
            continue;
        }
        let Some(pod) = templates.pod_spec(other) else {
            continue;
        };
        if selects(&selector, pod.labels()) {
            let span = other
                .value_span(&format!("{}/labels", pod.meta_pointer))
                .unwrap_or_else(|| other.tree.span(other.root));
            if let Some(uri) = convert::uri_of(path) {
                out.push(lsp::Location {
                    uri,
                    range: convert::range(&other.source, span),
                });
            }
        }
    }
    out
}

/// From a workload's pod template to the Services, PodDisruptionBudgets and NetworkPolicies
/// whose selectors select its pods, at their selectors.
fn selectors_of(ws: &Workspace, object: &Object) -> Vec<lsp::Location> {
    let templates = pod_templates(ws);
    let Some(pod) = templates.pod_spec(object) else {
        return Vec::new();
    };
    let labels = pod.labels();
    let mut out = Vec::new();
    for (path, other) in ws.objects() {
        if ws.cancelled() {
            break;
        }
        let Some((at, selector)) = pod_selector(other) else {
            continue;
        };
        if same_namespace(object, other)
            && selects(&selector, labels)
            && let (Some(uri), Some(span)) = (convert::uri_of(path), other.value_span(at))
        {
            out.push(lsp::Location {
                uri,
                range: convert::range(&other.source, span),
            });
        }
    }
    out
}

/// Label keys (and, for `key`, its values) of the workspace: objects' labels and their pod
/// templates' labels, the most used first.
fn labels_seen(ws: &Workspace, key: Option<&str>) -> Vec<(String, usize)> {
    let templates = pod_templates(ws);
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut add = |labels: Option<&serde_json::Map<String, Value>>| {
        for (k, v) in labels.into_iter().flatten() {
            let word = match key {
                None => Some(k.clone()),
                Some(wanted) if wanted == k => v.as_str().map(str::to_owned),
                Some(_) => None,
            };
            if let Some(word) = word {
                *counts.entry(word).or_default() += 1;
            }
        }
    };
    for (_, object) in ws.objects() {
        add(object
            .value
            .pointer("/metadata/labels")
            .and_then(Value::as_object));
        if let Some(pod) = templates.pod_spec(object) {
            add(pod.labels());
        }
    }
    let mut out: Vec<(String, usize)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// Whether a mapping at `pointer` holds labels or a selector of them.
fn is_label_map(object: &Object, pointer: &str) -> bool {
    pointer.ends_with("/labels")
        || pointer.ends_with("/matchLabels")
        || (object.kind() == "Service" && pointer == "/spec/selector")
}

fn label_items(
    seen: Vec<(String, usize)>,
    present: &[String],
    keys: bool,
) -> Vec<lsp::CompletionItem> {
    seen.into_iter()
        .filter(|(word, _)| !present.contains(word))
        .enumerate()
        .map(|(rank, (word, count))| lsp::CompletionItem {
            label: word.clone(),
            kind: Some(if keys {
                lsp::CompletionItemKind::PROPERTY
            } else {
                lsp::CompletionItemKind::VALUE
            }),
            detail: Some(format!(
                "label {}, used {count} time(s) in the workspace",
                if keys { "key" } else { "value" }
            )),
            sort_text: Some(format!("{rank:05}")),
            insert_text: Some(if keys { format!("{word}: ") } else { word }),
            ..Default::default()
        })
        .collect()
}

fn symbol_name(object: &Object) -> String {
    let name = object.name().unwrap_or("<unnamed>");
    format!("{}/{name}", object.kind())
}

#[allow(deprecated)]
pub fn document_symbols(ws: &Workspace, path: &Path) -> Vec<lsp::DocumentSymbol> {
    ws.objects_of(path)
        .iter()
        .map(|o| {
            let range = convert::range(&o.source, o.tree.span(o.root));
            let selection = o
                .value_span("/metadata/name")
                .map_or(range, |s| convert::range(&o.source, s));
            lsp::DocumentSymbol {
                name: symbol_name(o),
                detail: Some(o.api_version().to_owned()),
                kind: lsp::SymbolKind::OBJECT,
                tags: None,
                deprecated: None,
                range,
                selection_range: selection,
                children: None,
            }
        })
        .collect()
}

#[allow(deprecated)]
pub fn workspace_symbols(ws: &Workspace, query: &str) -> Vec<lsp::SymbolInformation> {
    let query = query.to_lowercase();
    ws.objects()
        .filter(|(_, o)| symbol_name(o).to_lowercase().contains(&query))
        .filter_map(|(p, o)| {
            Some(lsp::SymbolInformation {
                name: symbol_name(o),
                kind: lsp::SymbolKind::OBJECT,
                tags: None,
                deprecated: None,
                location: object_location(p, o)?,
                container_name: o.namespace().map(str::to_owned),
            })
        })
        .collect()
}

/// Quick fixes and suppressions for the findings that touch `range`.
pub fn code_actions(
    ws: &Workspace,
    uri: &lsp::Url,
    path: &Path,
    range: lsp::Range,
    findings: &[Diagnostic],
) -> Vec<lsp::CodeActionOrCommand> {
    let Some(source) = ws.source(path) else {
        return Vec::new();
    };
    let start = convert::offset(source, range.start);
    let end = convert::offset(source, range.end);
    // The file read again in full: the workspace keeps some kinds slimmed.
    let full = plimsoll_core::load_bytes(
        source.name(),
        source.text().as_bytes().to_vec(),
        plimsoll_core::Discovery::Walked,
        &ws.engine().config().load,
    );
    let mut out = Vec::new();
    for d in findings {
        let Some(l) = &d.location else { continue };
        let touches = l.span.start as usize <= end && start <= l.span.end as usize;
        if !touches {
            continue;
        }
        let object = object_at(&full.objects, l.span.start as usize);
        let diagnostic = convert::diagnostic(d);
        let mut fixes = object
            .map(|o| fix::fixes(d, o, ws.catalog()))
            .unwrap_or_default();
        fixes.extend(fix::suppressions(d, object));
        for (i, f) in fixes.into_iter().enumerate() {
            let edits = f
                .edits
                .iter()
                .map(|e| lsp::TextEdit {
                    range: convert::range(source, e.span),
                    new_text: e.text.clone(),
                })
                .collect();
            let title = match f.safety {
                Safety::Safe => f.title,
                Safety::Unsafe => format!("{} (unsafe fix)", f.title),
            };
            out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title,
                kind: Some(lsp::CodeActionKind::QUICKFIX),
                diagnostics: diagnostic.clone().map(|d| vec![d]),
                edit: Some(lsp::WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), edits)])),
                    ..Default::default()
                }),
                is_preferred: Some(i == 0 && f.safety == Safety::Safe),
                ..Default::default()
            }));
        }
    }
    out
}

/// The workspace roots a client names.
#[allow(deprecated)]
pub fn roots(params: &lsp::InitializeParams) -> Vec<PathBuf> {
    if let Some(folders) = &params.workspace_folders {
        let roots: Vec<PathBuf> = folders
            .iter()
            .filter_map(|f| convert::path_of(&f.uri))
            .collect();
        if !roots.is_empty() {
            return roots;
        }
    }
    if let Some(path) = params.root_uri.as_ref().and_then(convert::path_of) {
        return vec![path];
    }
    params.root_path.iter().map(PathBuf::from).collect()
}
