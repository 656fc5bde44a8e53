//! The message loop and the server's state.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use plimsoll_core::{Diagnostic, Source};
use plimsoll_engine::workspace::{Workspace, config_from_file};
use serde_json::Value;

use crate::{convert, features};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Settings from `initializationOptions`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Options {
    kubernetes_version: Option<String>,
    config_path: Option<PathBuf>,
}

struct Server<'c> {
    connection: &'c Connection,
    roots: Vec<PathBuf>,
    options: Options,
    workspace: Workspace,
    /// Open documents: their text as the client has it.
    open: HashMap<PathBuf, String>,
    /// The last findings, by file.
    findings: BTreeMap<PathBuf, Vec<Diagnostic>>,
    /// What was last pushed per file (the LSP diagnostics, to push only changes).
    pushed: HashMap<PathBuf, Vec<lsp::Diagnostic>>,
    /// Problems with the configuration file, shown on it.
    config_problem: Option<(PathBuf, lsp::Diagnostic)>,
    pull: bool,
    dirty: bool,
    shutdown: bool,
    /// When the first change not yet checked arrived (`PLIMSOLL_TIMINGS=1` logs the time from
    /// there to the findings being published).
    changed_at: Option<std::time::Instant>,
    timings: bool,
    /// Documents opened or changed since the last push: they get diagnostics even when
    /// their findings did not change, so that the client knows they are current.
    touched: HashSet<PathBuf>,
}

fn capabilities(pull: bool) -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec![":".into(), " ".into()]),
            ..Default::default()
        }),
        definition_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        workspace_symbol_provider: Some(lsp::OneOf::Left(true)),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
                ..Default::default()
            },
        )),
        diagnostic_provider: pull.then(|| {
            lsp::DiagnosticServerCapabilities::Options(lsp::DiagnosticOptions {
                identifier: Some("plimsoll".into()),
                inter_file_dependencies: true,
                workspace_diagnostics: false,
                ..Default::default()
            })
        }),
        ..Default::default()
    }
}

/// Serves one client over `connection` until `exit`.
pub fn run(connection: Connection) -> Result<(), Error> {
    let (id, params) = connection.initialize_start()?;
    let params: lsp::InitializeParams = serde_json::from_value(params)?;
    let pull = params
        .capabilities
        .text_document
        .as_ref()
        .is_some_and(|t| t.diagnostic.is_some());
    let result = lsp::InitializeResult {
        capabilities: capabilities(pull),
        server_info: Some(lsp::ServerInfo {
            name: "plimsoll".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    connection.initialize_finish(id, serde_json::to_value(result)?)?;
    let options: Options = params
        .initialization_options
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let roots = features::roots(&params);
    let watch = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files)
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false);
    let (workspace, config_problem) = build(&roots, &options);
    let mut server = Server {
        connection: &connection,
        roots,
        options,
        workspace,
        open: HashMap::new(),
        findings: BTreeMap::new(),
        pushed: HashMap::new(),
        config_problem,
        pull,
        dirty: true,
        shutdown: false,
        changed_at: None,
        timings: std::env::var_os("PLIMSOLL_TIMINGS").is_some(),
        touched: HashSet::new(),
    };
    if watch {
        server.watch_files()?;
    }
    // The workspace's findings, before the client asks for anything.
    server.refresh_findings()?;
    server.serve()
}

/// The configuration file for these roots: the one named, else the nearest `.plimsoll.yaml`.
fn config_path(roots: &[PathBuf], options: &Options) -> Option<PathBuf> {
    if let Some(path) = &options.config_path {
        let base = roots.first().map_or(Path::new("."), PathBuf::as_path);
        return Some(base.join(path));
    }
    roots.iter().find_map(|r| plimsoll_engine::config::find(r))
}

/// A workspace with the engine the configuration describes (or the default one, with the
/// problem of the configuration file to show on it).
fn build(roots: &[PathBuf], options: &Options) -> (Workspace, Option<(PathBuf, lsp::Diagnostic)>) {
    let mut problem = None;
    let file = match config_path(roots, options) {
        Some(path) => match plimsoll_engine::config::read(&path) {
            Ok(file) => file,
            Err(error) => {
                let position = lsp::Position {
                    line: error.line.saturating_sub(1),
                    character: error.column.saturating_sub(1),
                };
                problem = Some((
                    path,
                    lsp::Diagnostic {
                        range: lsp::Range {
                            start: position,
                            end: position,
                        },
                        severity: Some(lsp::DiagnosticSeverity::ERROR),
                        code: Some(lsp::NumberOrString::String("invalid-config".into())),
                        source: Some("plimsoll".into()),
                        message: error.message,
                        ..Default::default()
                    },
                ));
                Default::default()
            }
        },
        None => Default::default(),
    };
    let mut config = config_from_file(&file);
    if options.kubernetes_version.is_some() {
        config.kubernetes_version = options.kubernetes_version.clone();
    }
    let engine = match plimsoll_engine::Engine::new(config) {
        Ok(engine) => engine,
        Err(error) => {
            if let Some(path) = config_path(roots, options) {
                problem.get_or_insert((
                    path,
                    lsp::Diagnostic {
                        severity: Some(lsp::DiagnosticSeverity::ERROR),
                        source: Some("plimsoll".into()),
                        message: error.to_string(),
                        ..Default::default()
                    },
                ));
            }
            match plimsoll_engine::Engine::new(plimsoll_engine::Config::default()) {
                Ok(engine) => engine,
                Err(_) => unreachable_engine(),
            }
        }
    };
    let mut workspace = Workspace::new(engine, roots.to_vec());
    let _ = workspace.load();
    (workspace, problem)
}

/// The default configuration always makes an engine; should it not, the server cannot work.
fn unreachable_engine() -> plimsoll_engine::Engine {
    std::process::exit(2)
}

impl Server<'_> {
    fn serve(&mut self) -> Result<(), Error> {
        loop {
            // Take every message waiting, so that a burst of changes is checked once.
            let first = match self.connection.receiver.recv() {
                Ok(message) => message,
                Err(_) => return Ok(()),
            };
            let mut batch = vec![first];
            while let Ok(more) = self.connection.receiver.try_recv() {
                batch.push(more);
            }
            let cancelled: HashSet<RequestId> = batch
                .iter()
                .filter_map(|m| match m {
                    Message::Notification(n) if n.method == "$/cancelRequest" => {
                        let id = n.params.get("id")?;
                        match id {
                            Value::Number(n) => Some(RequestId::from(n.as_i64()? as i32)),
                            Value::String(s) => Some(RequestId::from(s.clone())),
                            _ => None,
                        }
                    }
                    _ => None,
                })
                .collect();
            for message in batch {
                match message {
                    Message::Request(request) => {
                        if request.method == "shutdown" {
                            self.shutdown = true;
                            self.respond(Response::new_ok(request.id, Value::Null))?;
                            continue;
                        }
                        if cancelled.contains(&request.id) {
                            self.respond(Response::new_err(
                                request.id,
                                ErrorCode::RequestCanceled as i32,
                                "cancelled".into(),
                            ))?;
                            continue;
                        }
                        // Findings must be current before a request reads them.
                        self.refresh_findings()?;
                        let id = request.id.clone();
                        let method = request.method.clone();
                        let response = match std::panic::catch_unwind(AssertUnwindSafe(|| {
                            self.request(request)
                        })) {
                            Ok(Ok(value)) => Response::new_ok(id, value),
                            Ok(Err(message)) => {
                                Response::new_err(id, ErrorCode::InvalidParams as i32, message)
                            }
                            Err(panic) => {
                                let text = panic_text(&panic);
                                self.log(&format!("plimsoll: {method} failed: {text}"))?;
                                Response::new_err(id, ErrorCode::InternalError as i32, text)
                            }
                        };
                        self.respond(response)?;
                    }
                    Message::Notification(notification) => {
                        if notification.method == "exit" {
                            return Ok(());
                        }
                        let method = notification.method.clone();
                        if self.changed_at.is_none() && method.starts_with("textDocument/did") {
                            self.changed_at = Some(std::time::Instant::now());
                        }
                        if let Err(panic) = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            self.notification(notification)
                        })) {
                            let text = panic_text(&panic);
                            self.log(&format!("plimsoll: {method} failed: {text}"))?;
                        }
                    }
                    Message::Response(_) => {}
                }
            }
            self.refresh_findings()?;
        }
    }

    fn respond(&self, response: Response) -> Result<(), Error> {
        self.connection.sender.send(Message::Response(response))?;
        Ok(())
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) -> Result<(), Error> {
        self.connection
            .sender
            .send(Message::Notification(Notification::new(
                method.into(),
                params,
            )))?;
        Ok(())
    }

    fn log(&self, message: &str) -> Result<(), Error> {
        self.notify(
            lsp::notification::LogMessage::METHOD,
            lsp::LogMessageParams {
                typ: lsp::MessageType::ERROR,
                message: message.into(),
            },
        )
    }

    fn watch_files(&self) -> Result<(), Error> {
        let watchers = ["**/*.yaml", "**/*.yml", "**/*.json", "**/.plimsoll.yaml"]
            .into_iter()
            .map(|glob| lsp::FileSystemWatcher {
                glob_pattern: lsp::GlobPattern::String(glob.into()),
                kind: None,
            })
            .collect();
        let params = lsp::RegistrationParams {
            registrations: vec![lsp::Registration {
                id: "plimsoll-watch".into(),
                method: lsp::notification::DidChangeWatchedFiles::METHOD.into(),
                register_options: serde_json::to_value(
                    lsp::DidChangeWatchedFilesRegistrationOptions { watchers },
                )
                .ok(),
            }],
        };
        self.connection.sender.send(Message::Request(Request::new(
            RequestId::from("plimsoll-register-watchers".to_owned()),
            lsp::request::RegisterCapability::METHOD.into(),
            params,
        )))?;
        Ok(())
    }

    /// Computes the findings again when something changed, and pushes what changed.
    fn refresh_findings(&mut self) -> Result<(), Error> {
        if !self.dirty {
            return Ok(());
        }
        self.dirty = false;
        self.findings = self.workspace.diagnostics();
        if self.pull {
            self.touched.clear();
            return Ok(());
        }
        let mut now: HashMap<PathBuf, Vec<lsp::Diagnostic>> = self
            .findings
            .iter()
            .map(|(path, list)| {
                (
                    path.clone(),
                    list.iter().filter_map(convert::diagnostic).collect(),
                )
            })
            .collect();
        if let Some((path, problem)) = &self.config_problem {
            now.entry(path.clone()).or_default().push(problem.clone());
        }
        // Files that no longer take part (closed, deleted, no longer Kubernetes) are cleared.
        for path in self.pushed.keys() {
            now.entry(path.clone()).or_default();
        }
        for path in self.open.keys() {
            now.entry(path.clone()).or_default();
        }
        let mut changed: Vec<(PathBuf, Vec<lsp::Diagnostic>)> = now
            .into_iter()
            .filter(|(path, list)| match self.pushed.get(path) {
                _ if self.touched.contains(path) => true,
                Some(before) => before != list,
                None => !list.is_empty() || self.open.contains_key(path),
            })
            .collect();
        changed.sort_by(|a, b| a.0.cmp(&b.0));
        self.touched.clear();
        for (path, list) in changed {
            if let Some(uri) = convert::uri_of(&path) {
                self.notify(
                    lsp::notification::PublishDiagnostics::METHOD,
                    lsp::PublishDiagnosticsParams {
                        uri,
                        diagnostics: list.clone(),
                        version: None,
                    },
                )?;
            }
            self.pushed.insert(path, list);
        }
        if let (true, Some(at)) = (self.timings, self.changed_at.take()) {
            self.notify(
                lsp::notification::LogMessage::METHOD,
                lsp::LogMessageParams {
                    typ: lsp::MessageType::INFO,
                    message: format!(
                        "plimsoll: checked in {:.2} ms",
                        at.elapsed().as_secs_f64() * 1000.0
                    ),
                },
            )?;
        }
        Ok(())
    }

    fn notification(&mut self, n: Notification) {
        use lsp::notification::*;
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params)
                    && let Some(path) = convert::path_of(&p.text_document.uri)
                {
                    self.touched.insert(path.clone());
                    self.open.insert(path.clone(), p.text_document.text.clone());
                    self.workspace.set_buffer(path, p.text_document.text);
                    self.dirty = true;
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params)
                {
                    let Some(path) = convert::path_of(&p.text_document.uri) else {
                        return;
                    };
                    let Some(mut text) = self.open.get(&path).cloned() else {
                        return;
                    };
                    for change in p.content_changes {
                        text = apply_change(&text, change);
                    }
                    self.touched.insert(path.clone());
                    self.open.insert(path.clone(), text.clone());
                    self.workspace.set_buffer(path, text);
                    self.dirty = true;
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidSaveTextDocumentParams>(n.params)
                    && let Some(path) = convert::path_of(&p.text_document.uri)
                {
                    if is_config(&path) {
                        self.reload();
                    } else {
                        self.workspace.refresh(&path);
                    }
                    self.dirty = true;
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params)
                    && let Some(path) = convert::path_of(&p.text_document.uri)
                {
                    self.open.remove(&path);
                    self.workspace.close_buffer(&path);
                    self.dirty = true;
                }
            }
            DidChangeWatchedFiles::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeWatchedFilesParams>(n.params)
                {
                    let mut reload = false;
                    for change in p.changes {
                        if let Some(path) = convert::path_of(&change.uri) {
                            if is_config(&path) {
                                reload = true;
                            } else {
                                self.workspace.refresh(&path);
                            }
                        }
                    }
                    if reload {
                        self.reload();
                    }
                    self.dirty = true;
                }
            }
            DidChangeConfiguration::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeConfigurationParams>(n.params)
                {
                    let settings = p.settings.get("plimsoll").cloned().unwrap_or(p.settings);
                    if let Ok(options) = serde_json::from_value::<Options>(settings)
                        && (options.kubernetes_version.is_some() || options.config_path.is_some())
                    {
                        self.options = options;
                        self.reload();
                        self.dirty = true;
                    }
                }
            }
            _ => {}
        }
    }

    /// Builds the engine and the workspace again (the configuration changed); open buffers
    /// are laid over the new workspace.
    fn reload(&mut self) {
        let (mut workspace, problem) = build(&self.roots, &self.options);
        for (path, text) in &self.open {
            workspace.set_buffer(path.clone(), text.clone());
        }
        self.workspace = workspace;
        self.config_problem = problem;
    }

    fn request(&mut self, request: Request) -> Result<Value, String> {
        use lsp::request::*;
        fn params<P: serde::de::DeserializeOwned>(
            request: lsp_server::Request,
        ) -> Result<P, String> {
            serde_json::from_value(request.params).map_err(|e| e.to_string())
        }
        match request.method.as_str() {
            HoverRequest::METHOD => {
                let p: lsp::HoverParams = params(request)?;
                let path = path(&p.text_document_position_params.text_document.uri)?;
                let findings = self.findings.get(&path).map_or(&[][..], Vec::as_slice);
                Ok(json(&features::hover(
                    &self.workspace,
                    &path,
                    p.text_document_position_params.position,
                    findings,
                )))
            }
            Completion::METHOD => {
                let p: lsp::CompletionParams = params(request)?;
                let path = path(&p.text_document_position.text_document.uri)?;
                Ok(json(&features::completion(
                    &self.workspace,
                    &path,
                    p.text_document_position.position,
                )))
            }
            GotoDefinition::METHOD => {
                let p: lsp::GotoDefinitionParams = params(request)?;
                let path = path(&p.text_document_position_params.text_document.uri)?;
                let found = features::definition(
                    &self.workspace,
                    &path,
                    p.text_document_position_params.position,
                );
                Ok(json(&lsp::GotoDefinitionResponse::Array(found)))
            }
            References::METHOD => {
                let p: lsp::ReferenceParams = params(request)?;
                let path = path(&p.text_document_position.text_document.uri)?;
                Ok(json(&features::references(
                    &self.workspace,
                    &path,
                    p.text_document_position.position,
                )))
            }
            DocumentSymbolRequest::METHOD => {
                let p: lsp::DocumentSymbolParams = params(request)?;
                let path = path(&p.text_document.uri)?;
                Ok(json(&lsp::DocumentSymbolResponse::Nested(
                    features::document_symbols(&self.workspace, &path),
                )))
            }
            WorkspaceSymbolRequest::METHOD => {
                let p: lsp::WorkspaceSymbolParams = params(request)?;
                Ok(json(&features::workspace_symbols(
                    &self.workspace,
                    &p.query,
                )))
            }
            CodeActionRequest::METHOD => {
                let p: lsp::CodeActionParams = params(request)?;
                let path = path(&p.text_document.uri)?;
                let findings = self.findings.get(&path).map_or(&[][..], Vec::as_slice);
                Ok(json(&features::code_actions(
                    &self.workspace,
                    &p.text_document.uri,
                    &path,
                    p.range,
                    findings,
                )))
            }
            DocumentDiagnosticRequest::METHOD => {
                let p: lsp::DocumentDiagnosticParams = params(request)?;
                let path = path(&p.text_document.uri)?;
                let mut items: Vec<lsp::Diagnostic> = self
                    .findings
                    .get(&path)
                    .map(|l| l.iter().filter_map(convert::diagnostic).collect())
                    .unwrap_or_default();
                if let Some((config, problem)) = &self.config_problem
                    && *config == path
                {
                    items.push(problem.clone());
                }
                Ok(json(&lsp::DocumentDiagnosticReportResult::Report(
                    lsp::DocumentDiagnosticReport::Full(lsp::RelatedFullDocumentDiagnosticReport {
                        related_documents: None,
                        full_document_diagnostic_report: lsp::FullDocumentDiagnosticReport {
                            result_id: None,
                            items,
                        },
                    }),
                )))
            }
            other => Err(format!("unsupported request {other}")),
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn path(uri: &lsp::Url) -> Result<PathBuf, String> {
    convert::path_of(uri).ok_or_else(|| format!("not a file: {uri}"))
}

fn is_config(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == ".plimsoll.yaml" || n == ".plimsoll.yml")
}

/// Applies one incremental (or full) change to a document's text.
pub(crate) fn apply_change(text: &str, change: lsp::TextDocumentContentChangeEvent) -> String {
    let Some(range) = change.range else {
        return change.text;
    };
    let source = Source::new("", text.to_owned());
    let start = convert::offset(&source, range.start);
    let end = convert::offset(&source, range.end).max(start);
    let mut out = String::with_capacity(text.len() + change.text.len());
    out.push_str(&text[..start]);
    out.push_str(&change.text);
    out.push_str(&text[end..]);
    out
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}
