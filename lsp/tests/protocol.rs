//! The server through the protocol, in memory: one client, one workspace in a temporary folder.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{Value, json};

struct Client {
    conn: Connection,
    next: i32,
    /// Notifications received while waiting for responses.
    notes: Vec<Notification>,
    thread: Option<std::thread::JoinHandle<()>>,
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      serviceAccountName: runner
      containers:
        - name: web
          image: nginx:latest
          imagePullPolcy: Always
          envFrom:
            - configMapRef: {name: settings}
";

const OTHERS: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: b
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: runner
";

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: string, enum: [small, large]}
";

const RBAC: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: runner
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
subjects:
  - {kind: ServiceAccount, name: runner}
";

impl Client {
    fn start(root: &Path, capabilities: Value) -> Client {
        let (server, conn) = Connection::memory();
        let thread = std::thread::spawn(move || {
            plimsoll_lsp::run(server).unwrap();
        });
        let mut client = Client {
            conn,
            next: 0,
            notes: Vec::new(),
            thread: Some(thread),
        };
        let uri = url(root);
        let result = client.request(
            "initialize",
            json!({"processId": null, "rootUri": uri, "capabilities": capabilities}),
        );
        assert_eq!(result["serverInfo"]["name"], "plimsoll");
        client.notify("initialized", json!({}));
        client
    }

    fn notify(&self, method: &str, params: Value) {
        self.conn
            .sender
            .send(Message::Notification(Notification::new(
                method.into(),
                params,
            )))
            .unwrap();
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = RequestId::from(self.next);
        self.conn
            .sender
            .send(Message::Request(Request::new(
                id.clone(),
                method.into(),
                params,
            )))
            .unwrap();
        loop {
            match self.conn.receiver.recv().unwrap() {
                Message::Response(r) if r.id == id => {
                    if let Some(e) = r.error {
                        panic!("{method}: {}", e.message);
                    }
                    return r.result.unwrap_or(Value::Null);
                }
                Message::Notification(n) => self.notes.push(n),
                _ => {}
            }
        }
    }

    /// The diagnostics last pushed for `uri`, after a round trip that lets the server finish.
    fn pushed(&mut self, uri: &str) -> Vec<Value> {
        self.request("workspace/symbol", json!({"query": "zzz-sync"}));
        self.notes
            .iter()
            .rev()
            .filter(|n| n.method == "textDocument/publishDiagnostics")
            .find(|n| n.params["uri"] == uri)
            .map(|n| n.params["diagnostics"].as_array().unwrap().clone())
            .unwrap_or_default()
    }

    fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.thread.take().unwrap().join().unwrap();
    }
}

fn url(path: &Path) -> String {
    lsp_types::Url::from_file_path(path).unwrap().to_string()
}

fn codes(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

fn workspace() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("deploy.yaml"), DEPLOYMENT).unwrap();
    std::fs::write(root.join("others.yaml"), OTHERS).unwrap();
    std::fs::write(root.join("crd.yaml"), CRD).unwrap();
    std::fs::write(root.join("rbac.yaml"), RBAC).unwrap();
    (dir, root)
}

fn open(client: &Client, uri: &str, text: &str) {
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
}

#[test]
fn diagnostics_follow_open_change_and_close() {
    let (_dir, root) = workspace();
    let mut client = Client::start(&root, json!({}));
    let uri = url(&root.join("deploy.yaml"));
    // Files on disk get their findings at start-up, before any is opened or asked for.
    let first = loop {
        match client.conn.receiver.recv().unwrap() {
            Message::Notification(n) if n.method == "textDocument/publishDiagnostics" => {
                client.notes.push(n.clone());
                break n;
            }
            _ => {}
        }
    };
    assert!(first.params["uri"].as_str().unwrap().starts_with("file://"));
    let at_start = client.pushed(&uri);
    assert!(codes(&at_start).contains(&"latest-image-tag".to_owned()));
    open(&client, &uri, DEPLOYMENT);
    let list = client.pushed(&uri);
    let unknown = list
        .iter()
        .find(|d| d["code"] == "schema-unknown-field")
        .unwrap();
    // The same place and message as `plimsoll lint`, with the help on a second line.
    assert_eq!(
        unknown["range"]["start"],
        json!({"line": 15, "character": 10})
    );
    assert_eq!(unknown["severity"], 1);
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .ends_with("help: did you mean `imagePullPolicy`?")
    );
    assert!(
        unknown["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("/docs/rules/schema-unknown-field.md")
    );
    // An incremental change: fix the tag on line 14.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {"start": {"line": 14, "character": 23}, "end": {"line": 14, "character": 29}}, "text": "1.27"}]
        }),
    );
    let list = client.pushed(&uri);
    assert!(
        !codes(&list).contains(&"latest-image-tag".to_owned()),
        "{list:?}"
    );
    assert!(codes(&list).contains(&"schema-unknown-field".to_owned()));
    // A half-typed document after the first keeps the first one's findings.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 3},
            "contentChanges": [{"text": format!("{DEPLOYMENT}---\napiVersion: v1\nkind: [\n")}]
        }),
    );
    let list = client.pushed(&uri);
    assert!(codes(&list).contains(&"latest-image-tag".to_owned()));
    assert!(
        codes(&list).iter().any(|c| c.starts_with("yaml-")),
        "{list:?}"
    );
    // Closing brings back the file on disk.
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    let list = client.pushed(&uri);
    assert!(!codes(&list).iter().any(|c| c.starts_with("yaml-")));
    client.stop();
}

#[test]
fn cross_object_findings_see_open_buffers() {
    let (_dir, root) = workspace();
    let svc = root.join("svc.yaml");
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 80}]\n";
    std::fs::write(&svc, text).unwrap();
    let mut client = Client::start(&root, json!({}));
    let uri = url(&svc);
    open(&client, &uri, &text.replace("app: web", "app: nobody"));
    assert!(codes(&client.pushed(&uri)).contains(&"service-selector-matches-nothing".to_owned()));
    client.stop();
}

#[test]
fn pull_diagnostics_when_the_client_supports_them() {
    let (_dir, root) = workspace();
    let mut client = Client::start(&root, json!({"textDocument": {"diagnostic": {}}}));
    let uri = url(&root.join("deploy.yaml"));
    let report = client.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(report["kind"], "full");
    let items = report["items"].as_array().unwrap();
    assert!(codes(items).contains(&"latest-image-tag".to_owned()));
    assert!(
        client
            .notes
            .iter()
            .all(|n| n.method != "textDocument/publishDiagnostics")
    );
    client.stop();
}

#[test]
fn hover_completion_and_symbols() {
    let (_dir, root) = workspace();
    let mut client = Client::start(&root, json!({}));
    let uri = url(&root.join("deploy.yaml"));
    open(&client, &uri, DEPLOYMENT);
    let at = |line: u32, character: u32| json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
    // On the key `image`: its schema documentation.
    let hover = client.request("textDocument/hover", at(14, 12));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("spec.template.spec.containers[0].image"),
        "{text}"
    );
    assert!(text.contains("`string"), "{text}");
    // On the value `nginx:latest`: the finding's rule explained.
    let hover = client.request("textDocument/hover", at(14, 20));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("latest-image-tag"), "{text}");
    assert!(text.contains("## Why is this bad?"), "{text}");
    // A new key in the container: the fields left, required ones first.
    let with_blank = DEPLOYMENT.replace(
        "          image: nginx:latest\n",
        "          image: nginx:latest\n          \n",
    );
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": with_blank}]}),
    );
    let items = client.request("textDocument/completion", at(15, 10));
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"livenessProbe"), "{labels:?}");
    assert!(!labels.contains(&"image"), "present keys are left out");
    assert!(!labels.contains(&"name"));
    // Enum values after a key, here from a CRD of the workspace.
    let cr = url(&root.join("cr.yaml"));
    open(
        &client,
        &cr,
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: \n",
    );
    let items = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": cr}, "position": {"line": 5, "character": 8}}),
    );
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["small", "large"]);
    // apiVersion/kind pairs.
    let items = client.request("textDocument/completion", at(1, 6));
    assert!(
        items
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["insertText"] == "StatefulSet")
    );
    // Symbols.
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": url(&root.join("others.yaml"))}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ConfigMap/settings", "ServiceAccount/runner"]);
    let found = client.request("workspace/symbol", json!({"query": "deployment/w"}));
    assert_eq!(found[0]["name"], "Deployment/web");
    client.stop();
}

#[test]
fn definition_and_references() {
    let (_dir, root) = workspace();
    let mut client = Client::start(&root, json!({}));
    let uri = url(&root.join("deploy.yaml"));
    let others = url(&root.join("others.yaml"));
    let at = |uri: &str, line: u32, character: u32| json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}, "context": {"includeDeclaration": false}});
    // configMapRef name -> the ConfigMap.
    let found = client.request("textDocument/definition", at(&uri, 17, 36));
    assert_eq!(found[0]["uri"], others.as_str());
    assert_eq!(found[0]["range"]["start"]["line"], 3);
    // serviceAccountName -> the ServiceAccount.
    let found = client.request("textDocument/definition", at(&uri, 11, 28));
    assert_eq!(found[0]["range"]["start"]["line"], 10);
    // From the ServiceAccount to the Deployment and the RoleBinding that name it.
    let found = client.request("textDocument/references", at(&others, 10, 8));
    let lines: Vec<(String, u64)> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let file = l["uri"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned();
            (file, l["range"]["start"]["line"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(
        lines,
        [("deploy.yaml".to_owned(), 11), ("rbac.yaml".to_owned(), 9)]
    );
    // From the ConfigMap to who uses it.
    let found = client.request("textDocument/references", at(&others, 3, 8));
    assert_eq!(found[0]["uri"], uri.as_str());
    assert_eq!(found[0]["range"]["start"]["line"], 17);
    client.stop();
}

#[test]
fn code_actions_fix_and_suppress() {
    let (_dir, root) = workspace();
    let mut client = Client::start(&root, json!({}));
    let uri = url(&root.join("deploy.yaml"));
    open(&client, &uri, DEPLOYMENT);
    let actions = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 15, "character": 12}, "end": {"line": 15, "character": 12}}, "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Rename to `imagePullPolicy`"),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Suppress `schema-unknown-field`"))
    );
    let rename = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"] == "Rename to `imagePullPolicy`")
        .unwrap();
    let edit = &rename["edit"]["changes"][uri.as_str()][0];
    assert_eq!(edit["newText"], "imagePullPolicy");
    assert_eq!(edit["range"]["start"], json!({"line": 15, "character": 10}));
    assert_eq!(rename["isPreferred"], true);
    client.stop();
}

#[test]
fn bad_input_is_answered_not_fatal() {
    let (_dir, root) = workspace();
    let mut client = Client::start(&root, json!({}));
    // Garbage parameters, a change to a document never opened, an unknown method.
    client.notify("textDocument/didChange", json!({"nonsense": true}));
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///nowhere.yaml", "version": 1}, "contentChanges": [{"text": "x"}]}),
    );
    client.next += 1;
    let id = RequestId::from(client.next);
    client
        .conn
        .sender
        .send(Message::Request(Request::new(
            id.clone(),
            "textDocument/hover".into(),
            json!({"bad": 1}),
        )))
        .unwrap();
    loop {
        if let Message::Response(r) = client.conn.receiver.recv().unwrap() {
            assert_eq!(r.id, id);
            assert!(r.error.is_some());
            break;
        }
    }
    // Still serving.
    let found = client.request("workspace/symbol", json!({"query": "runner"}));
    assert_eq!(found[0]["name"], "ServiceAccount/runner");
    client.stop();
}
