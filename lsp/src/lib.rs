//! The plimsoll language server (`plimsoll lsp`, stdio): the findings of `plimsoll lint`
//! while the user types, with hover, completion, navigation and fixes. This is the only
//! crate that knows LSP types.
//!
//! [`run`] answers `initialize`, builds an engine from `.plimsoll.yaml` (found from the
//! workspace root) and a [`plimsoll_engine::workspace::Workspace`] over the files on disk,
//! then serves messages one at a time. Notifications that change documents are applied as
//! they come; once no message is waiting, the workspace's findings are computed again and
//! pushed for the files whose findings changed (or kept for `textDocument/diagnostic` when
//! the client pulls). Every handler runs under `catch_unwind`: a bug is logged and answered
//! with an error, never a crash. The features themselves are in [`features`]; how engine
//! types become LSP types is in [`convert`].

pub mod config_file;
pub mod convert;
pub mod features;
mod server;

pub use server::DEFAULT_DEBOUNCE_MS;

pub use server::run;

/// Runs the server on standard input and output until the client says `exit`.
pub fn run_stdio() -> Result<(), String> {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let result = run(connection).map_err(|e| e.to_string());
    // A client that goes away without `exit` (an editor closed) ends the session as well.
    let _ = io_threads.join();
    match result {
        Err(e) if e.contains("disconnected") => Ok(()),
        other => other,
    }
}
