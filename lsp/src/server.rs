//! The message loop and the server's state.
//!
//! A reader thread takes the client's messages off the connection: it notes every
//! `$/cancelRequest` at once (raising the workspace's cancellation flag when the request is
//! the one running) and hands the rest to the loop. Changes to documents are applied as they
//! come; the findings are computed again once no change has come for the debounce time (or at
//! once, before answering a request, so that answers are always current), then pushed or kept
//! for pulls.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use plimsoll_core::{Diagnostic, Source};
use plimsoll_engine::workspace::{Workspace, config_from_file, engine_keeping_going};
use serde_json::Value;

use crate::{config_file, convert, features};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// How long the server waits after a change for more before checking, by default: short
/// enough that change-to-diagnostics stays within 50 ms on a busy machine (the check itself
/// takes 10–25 ms on an 800-file workspace), long enough that the changes of one edit sent
/// as several messages (a multi-cursor edit, an editor's formatting) are checked once.
pub const DEFAULT_DEBOUNCE_MS: u64 = 10;

/// Settings from `initializationOptions` (and `workspace/didChangeConfiguration`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Options {
    kubernetes_version: Option<String>,
    config_path: Option<PathBuf>,
    /// Milliseconds to wait after a change before checking (0: check at once).
    debounce_ms: Option<u64>,
}

/// What the reader thread and the loop share about cancellation.
#[derive(Default)]
struct Cancellation {
    /// Requests the client cancelled and the loop has not answered yet.
    cancelled: Mutex<HashSet<RequestId>>,
    /// The request being handled.
    running: Mutex<Option<RequestId>>,
    /// The workspace's flag, raised when the running request is cancelled.
    flag: Arc<AtomicBool>,
}

impl Cancellation {
    fn note(&self, id: RequestId) {
        if let Ok(running) = self.running.lock()
            && running.as_ref() == Some(&id)
        {
            self.flag.store(true, Ordering::Relaxed);
        }
        if let Ok(mut cancelled) = self.cancelled.lock() {
            // Cancellations of requests already answered are never looked up again.
            if cancelled.len() > 4096 {
                cancelled.clear();
            }
            cancelled.insert(id);
        }
    }

    fn is_cancelled(&self, id: &RequestId) -> bool {
        self.flag.load(Ordering::Relaxed) || self.cancelled.lock().is_ok_and(|c| c.contains(id))
    }

    fn start(&self, id: &RequestId) {
        if let Ok(mut running) = self.running.lock() {
            *running = Some(id.clone());
        }
        self.flag.store(false, Ordering::Relaxed);
    }

    fn finish(&self, id: &RequestId) {
        if let Ok(mut running) = self.running.lock() {
            *running = None;
        }
        self.flag.store(false, Ordering::Relaxed);
        if let Ok(mut cancelled) = self.cancelled.lock() {
            cancelled.remove(id);
        }
    }
}

fn cancel_id(n: &Notification) -> Option<RequestId> {
    match n.params.get("id")? {
        Value::Number(n) => Some(RequestId::from(i32::try_from(n.as_i64()?).ok()?)),
        Value::String(s) => Some(RequestId::from(s.clone())),
        _ => None,
    }
}

/// Why a request got no answer of its own.
enum Failure {
    Cancelled,
    Invalid(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Invalid(message)
    }
}

struct Server<'c> {
    connection: &'c Connection,
    roots: Vec<PathBuf>,
    options: Options,
    workspace: Workspace,
    /// Open documents: their text as the client has it, and its version.
    open: HashMap<PathBuf, (String, i32)>,
    /// The last findings, by file.
    findings: BTreeMap<PathBuf, Arc<Vec<Diagnostic>>>,
    /// The last findings as LSP diagnostics, with the problems of the configuration and
    /// policy files: what is pushed or pulled.
    current: BTreeMap<PathBuf, Arc<Vec<lsp::Diagnostic>>>,
    /// What was last pushed per file (the LSP diagnostics, to push only changes).
    pushed: HashMap<PathBuf, Arc<Vec<lsp::Diagnostic>>>,
    /// Each file's findings as LSP diagnostics, with a fingerprint of the findings they were
    /// made from: a file whose findings did not change is not converted again.
    /// The sources the fingerprint names are held, so that their addresses are not reused.
    converted: HashMap<PathBuf, Converted>,
    /// Problems of the configuration file (as typed, when it is open) and of the engine
    /// built from it.
    config_problems: BTreeMap<PathBuf, Vec<lsp::Diagnostic>>,
    /// Compile errors of the policy files, by file.
    policy_problems: BTreeMap<PathBuf, Vec<lsp::Diagnostic>>,
    pull: bool,
    dirty: bool,
    /// When the findings are due, once changes stop coming.
    due: Option<Instant>,
    debounce: Duration,
    shutdown: bool,
    /// When the first change not yet checked arrived (`PLIMSOLL_TIMINGS=1` logs the time from
    /// there to the findings being published).
    changed_at: Option<Instant>,
    timings: bool,
    /// Where that time went: the changed files' own stages, the stages across objects, and
    /// turning findings into diagnostics and sending them.
    spent: [Duration; 3],
    /// Documents opened or changed since the last push: they get diagnostics even when
    /// their findings did not change, so that the client knows they are current.
    touched: HashSet<PathBuf>,
    cancellation: Arc<Cancellation>,
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
                workspace_diagnostics: true,
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
    let cancellation = Arc::new(Cancellation::default());
    let (mut workspace, config_problems, policy_problems) =
        build(&roots, &options, &HashMap::new());
    workspace.set_cancel(cancellation.flag.clone());
    let mut server = Server {
        connection: &connection,
        roots,
        debounce: Duration::from_millis(options.debounce_ms.unwrap_or(DEFAULT_DEBOUNCE_MS)),
        options,
        workspace,
        open: HashMap::new(),
        findings: BTreeMap::new(),
        current: BTreeMap::new(),
        pushed: HashMap::new(),
        converted: HashMap::new(),
        config_problems,
        policy_problems,
        pull,
        dirty: true,
        due: None,
        shutdown: false,
        changed_at: None,
        timings: std::env::var_os("PLIMSOLL_TIMINGS").is_some(),
        spent: [Duration::ZERO; 3],
        touched: HashSet::new(),
        cancellation: cancellation.clone(),
    };
    if watch {
        server.watch_files()?;
    }
    // The client's messages, through a thread that notes cancellations as they arrive.
    let (inbox, messages) = mpsc::channel();
    let receiver = connection.receiver.clone();
    std::thread::spawn(move || {
        for message in receiver {
            if let Message::Notification(n) = &message
                && n.method == "$/cancelRequest"
            {
                if let Some(id) = cancel_id(n) {
                    cancellation.note(id);
                }
                continue;
            }
            let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
            if inbox.send(message).is_err() || exit {
                break;
            }
        }
    });
    // The workspace's findings, before the client asks for anything.
    server.refresh_findings()?;
    server.serve(&messages)
}

/// The configuration file for these roots: the one named, else the nearest `.plimsoll.yaml`.
fn config_path(roots: &[PathBuf], options: &Options) -> Option<PathBuf> {
    if let Some(path) = &options.config_path {
        let base = roots.first().map_or(Path::new("."), PathBuf::as_path);
        return Some(base.join(path));
    }
    roots.iter().find_map(|r| plimsoll_engine::config::find(r))
}

type Problems = BTreeMap<PathBuf, Vec<lsp::Diagnostic>>;

/// A workspace with the engine the configuration describes (or the default one when the
/// configuration cannot be used), with the problems of the configuration file (`open`: its
/// text as the editor has it) and of the policy files to show on them.
fn build(
    roots: &[PathBuf],
    options: &Options,
    open: &HashMap<PathBuf, (String, i32)>,
) -> (Workspace, Problems, Problems) {
    let mut config_problems = Problems::new();
    let mut policy_problems = Problems::new();
    let path = config_path(roots, options);
    let file = match &path {
        Some(path) => {
            if let Some(text) = open
                .get(path)
                .map(|(t, _)| t.clone())
                .or_else(|| std::fs::read_to_string(path).ok())
            {
                let found = config_file::problems(&path.display().to_string(), &text);
                if !found.is_empty() {
                    config_problems.insert(path.clone(), found);
                }
            }
            match plimsoll_engine::config::read(path) {
                Ok(file) => file,
                Err(error) => {
                    if config_problems.is_empty() {
                        let position = lsp::Position {
                            line: error.line.saturating_sub(1),
                            character: error.column.saturating_sub(1),
                        };
                        config_problems.insert(
                            path.clone(),
                            vec![engine_problem(
                                lsp::Range::new(position, position),
                                error.message,
                            )],
                        );
                    }
                    Default::default()
                }
            }
        }
        None => Default::default(),
    };
    let make = || {
        let mut config = config_from_file(&file);
        if options.kubernetes_version.is_some() {
            config.kubernetes_version = options.kubernetes_version.clone();
        }
        config
    };
    let engine = match engine_keeping_going(make) {
        Ok((engine, problems)) => {
            policy_problems = policy_diagnostics(&problems, path.as_deref());
            engine
        }
        Err(error) => {
            if let Some(path) = &path {
                config_problems
                    .entry(path.clone())
                    .or_default()
                    .push(engine_problem(lsp::Range::default(), error.to_string()));
            }
            match plimsoll_engine::Engine::new(plimsoll_engine::Config::default()) {
                Ok(engine) => engine,
                Err(_) => unreachable_engine(),
            }
        }
    };
    let mut workspace = Workspace::new(engine, roots.to_vec());
    let _ = workspace.load();
    (workspace, config_problems, policy_problems)
}

fn engine_problem(range: lsp::Range, message: String) -> lsp::Diagnostic {
    lsp::Diagnostic {
        range,
        severity: Some(lsp::DiagnosticSeverity::ERROR),
        code: Some(lsp::NumberOrString::String("invalid-config".into())),
        source: Some("plimsoll".into()),
        message,
        ..Default::default()
    }
}

/// The engine's policy problems (`path:line:column: message`, or `path: message`) as
/// diagnostics in those files, at their line and column (characters, 1-based); a problem
/// that names no policy file goes on the configuration file, at its start.
fn policy_diagnostics(problems: &[String], config: Option<&Path>) -> Problems {
    let mut out = Problems::new();
    for problem in problems {
        let Some((path, rest)) = [".rego:", ".yaml:", ".yml:", ".json:"]
            .iter()
            .find_map(|ext| {
                let at = problem.find(ext)? + ext.len() - 1;
                Some((&problem[..at], &problem[at + 1..]))
            })
            .filter(|(path, _)| config.is_none_or(|c| Path::new(path) != c))
        else {
            if let Some(config) = config {
                out.entry(config.to_path_buf())
                    .or_default()
                    .push(engine_problem(lsp::Range::default(), problem.clone()));
            }
            continue;
        };
        let mut parts = rest.splitn(3, ':');
        let (line, column, message) = match (parts.next(), parts.next(), parts.next()) {
            (Some(l), Some(c), Some(m)) if l.parse::<u32>().is_ok() && c.parse::<u32>().is_ok() => {
                (l.parse().unwrap_or(1), c.parse().unwrap_or(1), m.trim())
            }
            _ => (1, 1, rest.trim()),
        };
        let path = PathBuf::from(path);
        // Columns count characters; LSP counts UTF-16 units, the same for Rego's ASCII.
        let start = lsp::Position::new(line.max(1) - 1, column.max(1) - 1);
        let end = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| {
                t.lines()
                    .nth(start.line as usize)
                    .map(|l| l.encode_utf16().count())
            })
            .map_or(start, |len| {
                lsp::Position::new(start.line, (len as u32).max(start.character))
            });
        out.entry(path).or_default().push(lsp::Diagnostic {
            range: lsp::Range::new(start, end),
            severity: Some(lsp::DiagnosticSeverity::ERROR),
            code: Some(lsp::NumberOrString::String("policy-error".into())),
            source: Some("plimsoll".into()),
            message: message.to_owned(),
            ..Default::default()
        });
    }
    out
}

/// The default configuration always makes an engine; should it not, the server cannot work.
fn unreachable_engine() -> plimsoll_engine::Engine {
    std::process::exit(2)
}

/// A file's findings (the workspace gives the same list again while they do not change),
/// their fingerprint, and the LSP diagnostics made from them. The findings are held, so that
/// the addresses of the sources the fingerprint names are not reused.
type Converted = (Arc<Vec<Diagnostic>>, u64, Arc<Vec<lsp::Diagnostic>>);

/// What a file's LSP diagnostics are made from: the findings' ids, severities, messages,
/// places (the source they are in, by identity, and the span) and related places.
fn fingerprint(list: &[Diagnostic]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for d in list {
        d.rule.hash(&mut hasher);
        (d.severity as u8).hash(&mut hasher);
        d.message.hash(&mut hasher);
        d.help.hash(&mut hasher);
        d.pointer.hash(&mut hasher);
        let place = |l: &plimsoll_core::Location,
                     h: &mut std::collections::hash_map::DefaultHasher| {
            (Arc::as_ptr(&l.source) as usize).hash(h);
            (l.span.start, l.span.end).hash(h);
        };
        if let Some(l) = &d.location {
            place(l, &mut hasher);
        }
        for r in &d.related {
            r.message.hash(&mut hasher);
            if let Some(l) = &r.location {
                place(l, &mut hasher);
            }
        }
    }
    hasher.finish()
}

/// A result id for a list of diagnostics: equal lists, equal ids.
fn result_id(list: &[lsp::Diagnostic]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(list)
        .unwrap_or_default()
        .hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

impl Server<'_> {
    fn serve(&mut self, messages: &mpsc::Receiver<Message>) -> Result<(), Error> {
        loop {
            let message = match self.due {
                Some(due) => {
                    match messages.recv_timeout(due.saturating_duration_since(Instant::now())) {
                        Ok(message) => Some(message),
                        Err(mpsc::RecvTimeoutError::Timeout) => None,
                        Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
                    }
                }
                None => match messages.recv() {
                    Ok(message) => Some(message),
                    Err(_) => return Ok(()),
                },
            };
            let Some(message) = message else {
                // No change for the debounce time: check.
                self.due = None;
                self.refresh_findings()?;
                continue;
            };
            match message {
                Message::Request(request) => self.handle_request(request)?,
                Message::Notification(notification) => {
                    if notification.method == "exit" {
                        return Ok(());
                    }
                    let method = notification.method.clone();
                    if self.changed_at.is_none() && method.starts_with("textDocument/did") {
                        self.changed_at = Some(Instant::now());
                    }
                    if let Err(panic) = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        self.notification(notification)
                    })) {
                        let text = panic_text(&panic);
                        self.log(&format!("plimsoll: {method} failed: {text}"))?;
                    }
                    // With no debounce, the check still waits for the messages already
                    // waiting: the timer of zero fires once none is left.
                    if self.dirty {
                        self.due = Some(Instant::now() + self.debounce);
                    }
                }
                Message::Response(_) => {}
            }
        }
    }

    fn handle_request(&mut self, request: Request) -> Result<(), Error> {
        if request.method == "shutdown" {
            self.shutdown = true;
            return self.respond(Response::new_ok(request.id, Value::Null));
        }
        let id = request.id.clone();
        let method = request.method.clone();
        self.cancellation.start(&id);
        let response = if self.cancellation.is_cancelled(&id) {
            None
        } else {
            // Findings must be current before a request reads them; a check cut short by
            // the cancellation is taken up again later.
            match self.refresh_findings() {
                Err(e) => {
                    self.cancellation.finish(&id);
                    return Err(e);
                }
                Ok(false) => None,
                Ok(true) => {
                    match std::panic::catch_unwind(AssertUnwindSafe(|| self.request(request))) {
                        Ok(Ok(value)) => Some(Response::new_ok(id.clone(), value)),
                        Ok(Err(Failure::Cancelled)) => None,
                        Ok(Err(Failure::Invalid(message))) => Some(Response::new_err(
                            id.clone(),
                            ErrorCode::InvalidParams as i32,
                            message,
                        )),
                        Err(panic) => {
                            let text = panic_text(&panic);
                            self.log(&format!("plimsoll: {method} failed: {text}"))?;
                            Some(Response::new_err(
                                id.clone(),
                                ErrorCode::InternalError as i32,
                                text,
                            ))
                        }
                    }
                }
            }
        };
        // A cancellation that came while the request ran wins over its answer.
        let response = match response {
            Some(response) if !self.cancellation.is_cancelled(&id) => response,
            _ => Response::new_err(
                id.clone(),
                ErrorCode::RequestCanceled as i32,
                "cancelled".into(),
            ),
        };
        self.cancellation.finish(&id);
        self.respond(response)
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
        let watchers = [
            "**/*.yaml",
            "**/*.yml",
            "**/*.json",
            "**/*.rego",
            "**/*.tpl",
            "**/.plimsoll.yaml",
        ]
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

    /// Computes the findings again when something changed, and pushes what changed. `false`
    /// when the running request was cancelled before they were done (they stay due).
    fn refresh_findings(&mut self) -> Result<bool, Error> {
        if !self.dirty {
            return Ok(true);
        }
        let started = Instant::now();
        let Some(findings) = self.workspace.try_diagnostics() else {
            return Ok(false);
        };
        self.spent[1] += started.elapsed();
        let started = Instant::now();
        self.dirty = false;
        self.due = None;
        self.findings = findings;
        let mut cache = std::mem::take(&mut self.converted);
        let mut now: BTreeMap<PathBuf, Arc<Vec<lsp::Diagnostic>>> = BTreeMap::new();
        for (path, list) in &self.findings {
            let (key, converted) = match cache.remove(path) {
                // The same list: nothing to look at.
                Some((old, key, converted)) if Arc::ptr_eq(&old, list) => (key, converted),
                cached => {
                    let key = fingerprint(list);
                    match cached {
                        Some((_, old, converted)) if old == key => (key, converted),
                        _ => {
                            let converted = list.iter().filter_map(convert::diagnostic).collect();
                            (key, Arc::new(converted))
                        }
                    }
                }
            };
            self.converted
                .insert(path.clone(), (list.clone(), key, converted.clone()));
            now.insert(path.clone(), converted);
        }
        for (path, list) in self.config_problems.iter().chain(&self.policy_problems) {
            let entry = now.entry(path.clone()).or_default();
            Arc::make_mut(entry).extend(list.iter().cloned());
        }
        self.current = now;
        if self.pull {
            self.touched.clear();
            self.spent[2] += started.elapsed();
            self.log_timing()?;
            return Ok(true);
        }
        let mut now = self.current.clone();
        // Files that no longer take part (closed, deleted, no longer Kubernetes) are cleared.
        for path in self.pushed.keys() {
            now.entry(path.clone()).or_default();
        }
        for path in self.open.keys() {
            now.entry(path.clone()).or_default();
        }
        let changed: Vec<(PathBuf, Arc<Vec<lsp::Diagnostic>>)> = now
            .into_iter()
            .filter(|(path, list)| match self.pushed.get(path) {
                _ if self.touched.contains(path) => true,
                Some(before) => !Arc::ptr_eq(before, list) && before != list,
                None => !list.is_empty() || self.open.contains_key(path),
            })
            .collect();
        self.touched.clear();
        for (path, list) in changed {
            if let Some(uri) = convert::uri_of(&path) {
                self.notify(
                    lsp::notification::PublishDiagnostics::METHOD,
                    lsp::PublishDiagnosticsParams {
                        uri,
                        diagnostics: list.to_vec(),
                        // The version checked, so that a client drops what is older than
                        // its text.
                        version: self.open.get(&path).map(|(_, v)| *v),
                    },
                )?;
            }
            self.pushed.insert(path, list);
        }
        self.spent[2] += started.elapsed();
        self.log_timing()?;
        Ok(true)
    }

    fn log_timing(&mut self) -> Result<(), Error> {
        let spent = std::mem::take(&mut self.spent);
        if let (true, Some(at)) = (self.timings, self.changed_at.take()) {
            self.notify(
                lsp::notification::LogMessage::METHOD,
                lsp::LogMessageParams {
                    typ: lsp::MessageType::INFO,
                    message: format!(
                        "plimsoll: checked in {:.2} ms (changed files {:.2} ms, across objects {:.2} ms, diagnostics out {:.2} ms)",
                        at.elapsed().as_secs_f64() * 1000.0,
                        spent[0].as_secs_f64() * 1000.0,
                        spent[1].as_secs_f64() * 1000.0,
                        spent[2].as_secs_f64() * 1000.0,
                    ),
                },
            )?;
        }
        Ok(())
    }

    fn is_config(&self, path: &Path) -> bool {
        is_config(path) || config_path(&self.roots, &self.options).as_deref() == Some(path)
    }

    /// A file of the policy folders: a Rego module, or YAML or JSON (Gatekeeper templates and
    /// constraints, data), compiled again as it is typed.
    fn is_policy(&self, path: &Path) -> bool {
        path.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "rego" | "yaml" | "yml" | "json"))
            && self
                .workspace
                .engine()
                .config()
                .policies
                .iter()
                .any(|folder| path.starts_with(folder))
    }

    /// Compiles the policies again (with open buffers); their problems replace the last ones.
    fn recompile_policies(&mut self) {
        self.policy_problems = match self.workspace.reload_policies() {
            Ok(()) => Problems::new(),
            Err(problems) => policy_diagnostics(
                &problems,
                config_path(&self.roots, &self.options).as_deref(),
            ),
        };
        // Problems placed by the text on disk are placed again by the buffers' text.
        for (path, list) in &mut self.policy_problems {
            if let Some((text, _)) = self.open.get(path) {
                for d in list.iter_mut() {
                    if let Some(line) = text.lines().nth(d.range.start.line as usize) {
                        d.range.end = lsp::Position::new(
                            d.range.start.line,
                            (line.encode_utf16().count() as u32).max(d.range.start.character),
                        );
                    }
                }
            }
        }
        self.dirty = true;
    }

    /// The configuration file's text changed in the editor: its problems as typed.
    fn check_config_text(&mut self, path: &Path, text: &str) {
        let found = config_file::problems(&path.display().to_string(), text);
        self.config_problems.remove(path);
        if !found.is_empty() {
            self.config_problems.insert(path.to_path_buf(), found);
        }
        self.dirty = true;
    }

    /// A document's text, as the client has it now.
    fn document_changed(&mut self, path: PathBuf, text: String, version: i32) {
        let started = Instant::now();
        self.touched.insert(path.clone());
        self.open.insert(path.clone(), (text.clone(), version));
        if self.is_config(&path) {
            self.check_config_text(&path, &text);
        } else if self.is_policy(&path) {
            // A template or constraint is an object too, checked as `lint` checks it.
            if !is_rego(&path) {
                self.workspace.set_buffer(path.clone(), text.clone());
            }
            self.workspace.set_policy_buffer(path, text);
            self.recompile_policies();
        } else {
            self.workspace.set_buffer(path, text);
        }
        self.dirty = true;
        self.spent[0] += started.elapsed();
    }

    fn notification(&mut self, n: Notification) {
        use lsp::notification::*;
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params)
                    && let Some(path) = convert::path_of(&p.text_document.uri)
                {
                    self.document_changed(path, p.text_document.text, p.text_document.version);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params)
                {
                    let Some(path) = convert::path_of(&p.text_document.uri) else {
                        return;
                    };
                    let Some((mut text, _)) = self.open.get(&path).cloned() else {
                        return;
                    };
                    for change in p.content_changes {
                        text = apply_change(&text, change);
                    }
                    self.document_changed(path, text, p.text_document.version);
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidSaveTextDocumentParams>(n.params)
                    && let Some(path) = convert::path_of(&p.text_document.uri)
                {
                    if self.is_config(&path) {
                        self.reload();
                    } else if self.is_policy(&path) {
                        if !is_rego(&path) {
                            self.workspace.refresh(&path);
                        }
                        self.recompile_policies();
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
                    if self.is_config(&path) {
                        self.reload();
                    } else if self.is_policy(&path) {
                        self.workspace.close_policy_buffer(&path);
                        if !is_rego(&path) {
                            self.workspace.close_buffer(&path);
                        }
                        self.recompile_policies();
                    } else {
                        self.workspace.close_buffer(&path);
                    }
                    self.dirty = true;
                }
            }
            DidChangeWatchedFiles::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeWatchedFilesParams>(n.params)
                {
                    let mut reload = false;
                    let mut policies = false;
                    for change in p.changes {
                        if let Some(path) = convert::path_of(&change.uri) {
                            if self.is_config(&path) {
                                reload = true;
                            } else if self.is_policy(&path) {
                                policies = true;
                                if !is_rego(&path) {
                                    self.workspace.refresh(&path);
                                }
                            } else {
                                self.workspace.refresh(&path);
                            }
                        }
                    }
                    if reload {
                        self.reload();
                    } else if policies {
                        self.recompile_policies();
                    }
                    self.dirty = true;
                }
            }
            DidChangeConfiguration::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp::DidChangeConfigurationParams>(n.params)
                {
                    let settings = p.settings.get("plimsoll").cloned().unwrap_or(p.settings);
                    if let Ok(options) = serde_json::from_value::<Options>(settings) {
                        if let Some(ms) = options.debounce_ms {
                            self.debounce = Duration::from_millis(ms);
                        }
                        if options.kubernetes_version.is_some() || options.config_path.is_some() {
                            self.options = options;
                            self.reload();
                            self.dirty = true;
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Builds the engine and the workspace again (the configuration changed); open buffers
    /// are laid over the new workspace.
    fn reload(&mut self) {
        let (mut workspace, config_problems, policy_problems) =
            build(&self.roots, &self.options, &self.open);
        workspace.set_cancel(self.cancellation.flag.clone());
        self.workspace = workspace;
        self.config_problems = config_problems;
        self.policy_problems = policy_problems;
        let open: Vec<(PathBuf, String)> = self
            .open
            .iter()
            .filter(|(path, _)| !self.is_config(path))
            .map(|(path, (text, _))| (path.clone(), text.clone()))
            .collect();
        let mut policies = false;
        for (path, text) in open {
            if self.is_policy(&path) {
                if !is_rego(&path) {
                    self.workspace.set_buffer(path.clone(), text.clone());
                }
                self.workspace.set_policy_buffer(path, text);
                policies = true;
            } else {
                self.workspace.set_buffer(path, text);
            }
        }
        if policies {
            self.recompile_policies();
        }
        // The configuration file as typed, when it is open.
        if let Some((path, text)) = self
            .open
            .iter()
            .find(|(path, _)| self.is_config(path))
            .map(|(p, (t, _))| (p.clone(), t.clone()))
        {
            self.check_config_text(&path, &text);
        }
        self.dirty = true;
    }

    fn request(&mut self, request: Request) -> Result<Value, Failure> {
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
                let position = p.text_document_position_params.position;
                if self.is_config(&path) {
                    let text = self.text_of(&path);
                    return Ok(json(&config_file::hover(&text, position)));
                }
                let findings = self.findings.get(&path).map_or(&[][..], |l| l.as_slice());
                Ok(json(&features::hover(
                    &self.workspace,
                    &path,
                    position,
                    findings,
                )))
            }
            Completion::METHOD => {
                let p: lsp::CompletionParams = params(request)?;
                let path = path(&p.text_document_position.text_document.uri)?;
                let position = p.text_document_position.position;
                if self.is_config(&path) {
                    let text = self.text_of(&path);
                    return Ok(json(&lsp::CompletionResponse::Array(
                        config_file::completion(&text, position),
                    )));
                }
                Ok(json(&features::completion(
                    &self.workspace,
                    &path,
                    position,
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
                let found =
                    features::references(&self.workspace, &path, p.text_document_position.position);
                if self.workspace.cancelled() {
                    return Err(Failure::Cancelled);
                }
                Ok(json(&found))
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
                let findings = self.findings.get(&path).map_or(&[][..], |l| l.as_slice());
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
                let items = self
                    .current
                    .get(&path)
                    .map(|l| l.to_vec())
                    .unwrap_or_default();
                let id = result_id(&items);
                let report = if p.previous_result_id.as_deref() == Some(id.as_str()) {
                    lsp::DocumentDiagnosticReport::Unchanged(
                        lsp::RelatedUnchangedDocumentDiagnosticReport {
                            related_documents: None,
                            unchanged_document_diagnostic_report:
                                lsp::UnchangedDocumentDiagnosticReport { result_id: id },
                        },
                    )
                } else {
                    lsp::DocumentDiagnosticReport::Full(lsp::RelatedFullDocumentDiagnosticReport {
                        related_documents: None,
                        full_document_diagnostic_report: lsp::FullDocumentDiagnosticReport {
                            result_id: Some(id),
                            items,
                        },
                    })
                };
                Ok(json(&lsp::DocumentDiagnosticReportResult::Report(report)))
            }
            WorkspaceDiagnosticRequest::METHOD => {
                let p: lsp::WorkspaceDiagnosticParams = params(request)?;
                Ok(json(&lsp::WorkspaceDiagnosticReportResult::Report(
                    self.workspace_diagnostics(&p.previous_result_ids)?,
                )))
            }
            other => Err(Failure::Invalid(format!("unsupported request {other}"))),
        }
    }

    /// Every file's diagnostics: unchanged reports where the client's result id is current,
    /// full ones elsewhere, and empty ones for files the client knows that have none now.
    fn workspace_diagnostics(
        &self,
        previous: &[lsp::PreviousResultId],
    ) -> Result<lsp::WorkspaceDiagnosticReport, Failure> {
        let known: HashMap<PathBuf, &str> = previous
            .iter()
            .filter_map(|p| Some((convert::path_of(&p.uri)?, p.value.as_str())))
            .collect();
        let mut items = Vec::new();
        let empty = Arc::new(Vec::new());
        let paths: std::collections::BTreeSet<&PathBuf> =
            self.current.keys().chain(known.keys()).collect();
        for path in paths {
            if self.workspace.cancelled() {
                return Err(Failure::Cancelled);
            }
            let list = self.current.get(path).unwrap_or(&empty);
            let Some(uri) = convert::uri_of(path) else {
                continue;
            };
            let version = self.open.get(path).map(|(_, v)| i64::from(*v));
            let id = result_id(list);
            if known.get(path) == Some(&id.as_str()) {
                items.push(lsp::WorkspaceDocumentDiagnosticReport::Unchanged(
                    lsp::WorkspaceUnchangedDocumentDiagnosticReport {
                        uri,
                        version,
                        unchanged_document_diagnostic_report:
                            lsp::UnchangedDocumentDiagnosticReport { result_id: id },
                    },
                ));
            } else if !list.is_empty() || known.contains_key(path) {
                items.push(lsp::WorkspaceDocumentDiagnosticReport::Full(
                    lsp::WorkspaceFullDocumentDiagnosticReport {
                        uri,
                        version,
                        full_document_diagnostic_report: lsp::FullDocumentDiagnosticReport {
                            result_id: Some(id),
                            items: list.to_vec(),
                        },
                    },
                ));
            }
        }
        Ok(lsp::WorkspaceDiagnosticReport { items })
    }

    /// The text of a file: its buffer, else the disk.
    fn text_of(&self, path: &Path) -> String {
        self.open
            .get(path)
            .map(|(t, _)| t.clone())
            .or_else(|| std::fs::read_to_string(path).ok())
            .unwrap_or_default()
    }
}

fn json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn path(uri: &lsp::Url) -> Result<PathBuf, String> {
    convert::path_of(uri).ok_or_else(|| format!("not a file: {uri}"))
}

fn is_rego(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rego")
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
