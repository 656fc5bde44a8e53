//! Schema locations that are URLs: fetched once from a server on loopback started here, cached
//! under `$XDG_CACHE_HOME/plimsoll/schemas/`, read from the cache on later runs and only from
//! it with `--offline` (or `offline: true`); a failed fetch is a warning naming the URL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const SCHEMA: &str = r#"{"type": "object", "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}"#;

const WIDGET: &str =
    "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: big\n";

/// Serves `SCHEMA` at `/example.com/widget_v1.json` and 404 elsewhere, one request per
/// connection, counting the requests. The thread ends with the test process.
fn serve() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            // The rest of the head, up to the blank line.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            counter.fetch_add(1, Ordering::SeqCst);
            let path = request_line.split_whitespace().nth(1).unwrap_or_default();
            let (status, body) = if path == "/example.com/widget_v1.json" {
                ("200 OK", SCHEMA)
            } else {
                ("404 Not Found", "not found")
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (port, requests)
}

fn lint(dir: &Path, cache: &Path, args: &[&str]) -> (String, String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(dir)
        .env("XDG_CACHE_HOME", cache)
        .args(["lint", "--only", "duplicate-object", "--format", "json"])
        .args(["--kubernetes-version", "1.37"])
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code().unwrap_or(-1),
    )
}

fn template(port: u16) -> String {
    format!(
        "http://127.0.0.1:{port}/{{{{ .Group }}}}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json"
    )
}

#[test]
fn fetched_once_then_read_from_the_cache() {
    let (port, requests) = serve();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("widget.yaml"), WIDGET).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let location = template(port);
    let args = ["--no-config", "--schema-location", &location, "widget.yaml"];

    let (out, err, code) = lint(dir.path(), cache.path(), &args);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("schema-invalid"), "{out}");
    assert!(!out.contains("unknown-kind"), "{out}");
    assert_eq!(requests.load(Ordering::SeqCst), 1);
    let cached = cache.path().join(format!(
        "plimsoll/schemas/127.0.0.1_{port}/example.com/widget_v1.json"
    ));
    assert_eq!(std::fs::read_to_string(&cached).unwrap(), SCHEMA);

    // The second run, and an offline one, read the cache: the server sees no request.
    let (out2, _, code2) = lint(dir.path(), cache.path(), &args);
    assert_eq!(code2, 1);
    assert!(
        out2.contains("schema-invalid") && !out2.contains("unknown-kind"),
        "{out2}"
    );
    let mut offline = args.to_vec();
    offline.insert(0, "--offline");
    let (out3, _, code3) = lint(dir.path(), cache.path(), &offline);
    assert_eq!(code3, 1);
    assert!(
        out3.contains("schema-invalid") && !out3.contains("unknown-kind"),
        "{out3}"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}

#[test]
fn offline_with_an_empty_cache_is_unknown_kind_with_a_note() {
    let (port, requests) = serve();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("widget.yaml"), WIDGET).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let location = template(port);

    let (out, err, code) = lint(
        dir.path(),
        cache.path(),
        &[
            "--no-config",
            "--offline",
            "--schema-location",
            &location,
            "widget.yaml",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("unknown-kind"), "{out}");
    assert!(out.contains("not fetched because of --offline"), "{out}");
    assert!(
        out.contains(&format!(
            "http://127.0.0.1:{port}/example.com/widget_v1.json"
        )),
        "{out}"
    );

    // The same from the configuration file.
    std::fs::write(
        dir.path().join(".plimsoll.yaml"),
        format!("offline: true\nschemaLocations:\n  - '{location}'\n"),
    )
    .unwrap();
    let (out, err, code) = lint(dir.path(), cache.path(), &["widget.yaml"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("not fetched because of --offline"), "{out}");
    assert_eq!(requests.load(Ordering::SeqCst), 0);
}

#[test]
fn a_failed_fetch_is_a_warning_and_the_run_goes_on() {
    let (port, requests) = serve();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("gadget.yaml"),
        WIDGET.replace("Widget", "Gadget"),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let location = template(port);
    // A port where nothing listens: the connection is refused.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = template(closed.local_addr().unwrap().port());
    drop(closed);

    let (out, err, code) = lint(
        dir.path(),
        cache.path(),
        &[
            "--no-config",
            "--schema-location",
            &location,
            "--schema-location",
            &refused,
            "gadget.yaml",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    let url = format!("http://127.0.0.1:{port}/example.com/gadget_v1.json");
    assert!(
        err.contains(&format!("warning: could not fetch schema {url}")),
        "{err}"
    );
    assert!(err.contains("404"), "{err}");
    assert_eq!(
        err.matches("warning: could not fetch schema").count(),
        2,
        "{err}"
    );
    assert!(out.contains("unknown-kind"), "{out}");
    assert!(out.contains(&format!("{url}: fetching it failed")), "{out}");
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}
