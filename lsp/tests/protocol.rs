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
        Client::start_with(root, capabilities, json!({}))
    }

    fn start_with(root: &Path, capabilities: Value, options: Value) -> Client {
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
            json!({"processId": null, "rootUri": uri, "capabilities": capabilities, "initializationOptions": options}),
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
    let list = client.pushed(&uri);
    let finding = list
        .iter()
        .find(|d| d["code"] == "service-selector-matches-nothing")
        .unwrap();
    // The workload it fails to select, at its pod labels, as related information.
    let related = &finding["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], url(&root.join("deploy.yaml")));
    assert_eq!(related["location"]["range"]["start"]["line"], 9);
    assert_eq!(
        related["message"],
        "Deployment `web` has the pod labels `app=web`"
    );
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

fn ids_and_kinds(report: &Value) -> Vec<(String, String, String)> {
    report["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["uri"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
                i["kind"].as_str().unwrap().to_owned(),
                i["resultId"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn workspace_diagnostics_with_result_ids() {
    let (_dir, root) = workspace();
    let mut client = Client::start(&root, json!({"textDocument": {"diagnostic": {}}}));
    let first = client.request("workspace/diagnostic", json!({"previousResultIds": []}));
    let items = ids_and_kinds(&first);
    assert!(items.iter().all(|(_, kind, _)| kind == "full"), "{items:?}");
    let deploy = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["uri"].as_str().unwrap().ends_with("/deploy.yaml"))
        .unwrap();
    assert!(codes(deploy["items"].as_array().unwrap()).contains(&"latest-image-tag".to_owned()));
    let previous: Vec<Value> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| json!({"uri": i["uri"], "value": i["resultId"]}))
        .collect();
    // Nothing changed: every report is "unchanged", with the same ids.
    let again = client.request(
        "workspace/diagnostic",
        json!({"previousResultIds": previous}),
    );
    let same = ids_and_kinds(&again);
    assert_eq!(same.len(), items.len());
    assert!(
        same.iter().all(|(_, kind, _)| kind == "unchanged"),
        "{same:?}"
    );
    // An edit: that file's report is full again, the others stay unchanged.
    let uri = url(&root.join("deploy.yaml"));
    open(
        &client,
        &uri,
        &DEPLOYMENT.replace("nginx:latest", "nginx:1.27"),
    );
    let after = client.request(
        "workspace/diagnostic",
        json!({"previousResultIds": previous}),
    );
    for (file, kind, _) in ids_and_kinds(&after) {
        let expected = if file == "deploy.yaml" {
            "full"
        } else {
            "unchanged"
        };
        assert_eq!(kind, expected, "{file}");
    }
    // The document pull answers "unchanged" for a current id too.
    let report = client.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri}}),
    );
    let id = report["resultId"].as_str().unwrap();
    let report = client.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": uri}, "previousResultId": id}),
    );
    assert_eq!(report["kind"], "unchanged");
    client.stop();
}

#[test]
fn a_burst_of_changes_is_checked_once() {
    let (_dir, root) = workspace();
    // A long debounce: only the request at the end makes the server check.
    let mut client = Client::start_with(&root, json!({}), json!({"debounceMs": 600000}));
    let uri = url(&root.join("deploy.yaml"));
    client.pushed(&uri);
    client.notes.clear();
    open(&client, &uri, DEPLOYMENT);
    for version in 2..=6 {
        let tag = format!("nginx:1.{version}");
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": DEPLOYMENT.replace("nginx:latest", &tag)}]}),
        );
    }
    client.pushed(&uri);
    let pushes: Vec<&Notification> = client
        .notes
        .iter()
        .filter(|n| n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri)
        .collect();
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    // The diagnostics say which version they are for.
    assert_eq!(pushes[0].params["version"], 6);
    assert!(
        !codes(pushes[0].params["diagnostics"].as_array().unwrap())
            .contains(&"latest-image-tag".to_owned())
    );
    client.stop();
}

#[test]
fn the_debounce_timer_publishes_without_a_request() {
    let (_dir, root) = workspace();
    let client = Client::start_with(&root, json!({}), json!({"debounceMs": 5}));
    let uri = url(&root.join("deploy.yaml"));
    open(
        &client,
        &uri,
        &DEPLOYMENT.replace("nginx:latest", "nginx:1.27"),
    );
    // No request follows: the timer alone brings the diagnostics of version 1.
    loop {
        if let Message::Notification(n) = client.conn.receiver.recv().unwrap()
            && n.method == "textDocument/publishDiagnostics"
            && n.params["uri"] == uri
            && n.params["version"] == 1
        {
            assert!(
                !codes(n.params["diagnostics"].as_array().unwrap())
                    .contains(&"latest-image-tag".to_owned())
            );
            break;
        }
    }
    client.stop();
}

#[test]
fn a_cancelled_request_is_answered_request_cancelled() {
    let (_dir, root) = workspace();
    let mut client = Client::start(&root, json!({}));
    // The cancellation may reach the server before the request: it still holds.
    let id = client.next + 1;
    client.notify("$/cancelRequest", json!({"id": id}));
    client.next = id;
    client
        .conn
        .sender
        .send(Message::Request(Request::new(
            RequestId::from(id),
            "workspace/symbol".into(),
            json!({"query": "web"}),
        )))
        .unwrap();
    loop {
        if let Message::Response(r) = client.conn.receiver.recv().unwrap() {
            assert_eq!(r.id, RequestId::from(id));
            assert_eq!(r.error.unwrap().code, -32800);
            break;
        }
    }
    // The next request is answered as usual.
    let found = client.request("workspace/symbol", json!({"query": "runner"}));
    assert_eq!(found[0]["name"], "ServiceAccount/runner");
    client.stop();
}

#[test]
fn the_configuration_file_is_checked_as_typed() {
    let (_dir, root) = workspace();
    let config = root.join(".plimsoll.yaml");
    std::fs::write(&config, "strict: true\nfailon: error\n").unwrap();
    let mut client = Client::start(&root, json!({}));
    let uri = url(&config);
    // On disk: the unknown key, at its key, with the key it may have meant.
    let list = client.pushed(&uri);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(
        list[0]["range"]["start"],
        json!({"line": 1, "character": 0})
    );
    assert!(
        list[0]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `failOn`?")
    );
    // As typed: every problem, each at its place.
    let typed = "strict: maybe\nfailOn: error\nrules:\n  latest-image-tag:\n    severty: error\n";
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": typed}}),
    );
    let list = client.pushed(&uri);
    let places: Vec<(u64, u64)> = list
        .iter()
        .map(|d| {
            (
                d["range"]["start"]["line"].as_u64().unwrap(),
                d["range"]["start"]["character"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(places, [(0, 8), (4, 4)], "{list:?}");
    // Hover and completion of its keys.
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 2}}),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("severity")
    );
    let items = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 4, "character": 4}}),
    );
    let labels: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"enabled"), "{labels:?}");
    client.stop();
}

#[test]
fn rego_compile_errors_show_in_the_policy_and_a_fix_relints() {
    let (_dir, root) = workspace();
    std::fs::create_dir(root.join("policy")).unwrap();
    let good = |word: &str| {
        format!(
            "package main\n\nimport rego.v1\n\ndeny contains msg if {{\n  input.kind == \"ConfigMap\"\n  msg := \"{word} config map\"\n}}\n"
        )
    };
    let rego = root.join("policy/deny.rego");
    std::fs::write(&rego, good("first")).unwrap();
    std::fs::write(root.join(".plimsoll.yaml"), "policies: [policy]\n").unwrap();
    let mut client = Client::start(&root, json!({}));
    let others = url(&root.join("others.yaml"));
    let messages = |list: &[Value]| -> Vec<String> {
        list.iter()
            .map(|d| d["message"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        messages(&client.pushed(&others))
            .iter()
            .any(|m| m.starts_with("first config map"))
    );
    // A broken module: the error at its line, while the manifests keep the last policies.
    let uri = url(&rego);
    let broken = good("second").replace("  msg := ", "  msg := concat(\"\", [undefined_fn(1), ");
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "rego", "version": 1, "text": broken}}),
    );
    let list = client.pushed(&uri);
    assert!(!list.is_empty(), "no diagnostic on the policy");
    assert_eq!(list[0]["code"], "policy-error");
    assert!(
        (5..=7).contains(&list[0]["range"]["start"]["line"].as_u64().unwrap()),
        "{list:?}"
    );
    assert!(
        messages(&client.pushed(&others))
            .iter()
            .any(|m| m.starts_with("first config map"))
    );
    // Fixed, unsaved: the error goes and the manifests are checked with the new policy.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": good("second")}]}),
    );
    assert!(client.pushed(&uri).is_empty());
    let now = messages(&client.pushed(&others));
    assert!(
        now.iter().any(|m| m.starts_with("second config map")),
        "{now:?}"
    );
    client.stop();
}

#[test]
fn selectors_navigate_to_the_pods_they_select_and_complete_label_keys() {
    let (_dir, root) = workspace();
    let svc = root.join("svc.yaml");
    std::fs::write(
        &svc,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports: [{port: 80}]\n",
    )
    .unwrap();
    let mut client = Client::start(&root, json!({}));
    let svc = url(&svc);
    let deploy = url(&root.join("deploy.yaml"));
    let at = |uri: &str, line: u32, character: u32| json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}, "context": {"includeDeclaration": false}});
    let place = |found: &Value| -> Vec<(String, u64)> {
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["uri"]
                        .as_str()
                        .unwrap()
                        .rsplit('/')
                        .next()
                        .unwrap()
                        .to_owned(),
                    l["range"]["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    // From the Service's selector to the Deployment's pod labels.
    let found = client.request("textDocument/definition", at(&svc, 6, 6));
    assert_eq!(place(&found), [("deploy.yaml".to_owned(), 9)]);
    // And back: from the pod labels to the Service's selector.
    let found = client.request("textDocument/definition", at(&deploy, 9, 16));
    assert_eq!(place(&found), [("svc.yaml".to_owned(), 6)]);
    // References of the Deployment include the Service that selects it.
    let found = client.request("textDocument/references", at(&deploy, 3, 8));
    assert!(
        place(&found).contains(&("svc.yaml".to_owned(), 6)),
        "{found}"
    );
    // Completion in a selector: the label keys of the workspace, then a key's values.
    let other = url(&root.join("other.yaml"));
    open(
        &client,
        &other,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: other\nspec:\n  selector:\n    \n",
    );
    let labels = |items: Value| -> Vec<String> {
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_owned())
            .collect()
    };
    let here = |line: u32, character: u32| json!({"textDocument": {"uri": other}, "position": {"line": line, "character": character}});
    let keys = labels(client.request("textDocument/completion", here(6, 4)));
    assert_eq!(keys, ["app"]);
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": other, "version": 2}, "contentChanges": [{"range": {"start": {"line": 6, "character": 4}, "end": {"line": 6, "character": 4}}, "text": "app: "}]}),
    );
    let values = labels(client.request("textDocument/completion", here(6, 9)));
    assert_eq!(values, ["web"]);
    client.stop();
}

#[test]
fn an_unsaved_kustomize_base_shows_the_findings_of_the_build() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("base")).unwrap();
    std::fs::create_dir_all(root.join("overlay")).unwrap();
    let base = root.join("base/deploy.yaml");
    let pinned = DEPLOYMENT
        .replace("nginx:latest", "nginx:1.27")
        .replace("          imagePullPolcy: Always\n", "");
    std::fs::write(&base, &pinned).unwrap();
    std::fs::write(
        root.join("base/kustomization.yaml"),
        "resources: [deploy.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("overlay/kustomization.yaml"),
        "resources: [../base]\nnamePrefix: prod-\n",
    )
    .unwrap();
    let mut client = Client::start(&root, json!({}));
    let uri = url(&base);
    assert!(!codes(&client.pushed(&uri)).contains(&"latest-image-tag".to_owned()));
    open(&client, &uri, &pinned.replace("nginx:1.27", "nginx:latest"));
    let list = client.pushed(&uri);
    let finding = list
        .iter()
        .find(|d| d["code"] == "latest-image-tag")
        .unwrap_or_else(|| panic!("{list:?}"));
    let chain: Vec<&str> = finding["relatedInformation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"].as_str().unwrap())
        .collect();
    assert!(
        chain.iter().any(|m| m.starts_with("built by kustomize")),
        "{chain:?}"
    );
    client.stop();
}

#[test]
fn an_open_chart_file_renders_the_chart_and_its_findings_follow_the_buffer() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let chart = root.join("shop");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(chart.join("values.yaml"), "image:\n  tag: \"1.27\"\n").unwrap();
    let text = DEPLOYMENT
        .replace("nginx:latest", "nginx:{{ .Values.image.tag }}")
        .replace("          imagePullPolcy: Always\n", "");
    let template = chart.join("templates/deploy.yaml");
    std::fs::write(&template, &text).unwrap();
    // With `PLIMSOLL_HELM`, charts are rendered; without it, the helm named is not there.
    let helm = std::env::var_os("PLIMSOLL_HELM").map(std::path::PathBuf::from);
    let binary = helm.clone().unwrap_or_else(|| root.join("no-helm"));
    std::fs::write(
        root.join(".plimsoll.yaml"),
        format!("helm:\n  binary: {}\n", binary.display()),
    )
    .unwrap();
    // What `plimsoll lint` gives in a file, as LSP diagnostics.
    let lint = |path: &Path| -> Value {
        let file = plimsoll_engine::config::read(&root.join(".plimsoll.yaml")).unwrap();
        let config = plimsoll_engine::workspace::config_from_file(&file);
        let report =
            plimsoll_engine::lint(&[plimsoll_engine::Input::Path(root.clone())], config).unwrap();
        let list: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| {
                d.location
                    .as_ref()
                    .is_some_and(|l| Path::new(l.file()) == path)
            })
            .filter_map(plimsoll_lsp::convert::diagnostic)
            .collect();
        serde_json::to_value(list).unwrap()
    };
    let mut client = Client::start(&root, json!({}));
    let uri = url(&template);
    let chart_uri = url(&chart.join("Chart.yaml"));
    // Not rendered at start-up.
    assert!(client.pushed(&uri).is_empty());
    assert!(client.pushed(&chart_uri).is_empty());
    open(&client, &uri, &text);
    let list = client.pushed(&uri);
    assert_eq!(Value::Array(list), lint(&template));
    if helm.is_none() {
        let list = client.pushed(&chart_uri);
        assert_eq!(codes(&list), ["helm-not-found"]);
        assert_eq!(Value::Array(list), lint(&chart.join("Chart.yaml")));
        client.stop();
        return;
    }
    let latest = |list: &[Value]| {
        list.iter()
            .filter(|d| d["code"] == "latest-image-tag")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert!(latest(&client.pushed(&uri)).is_empty());
    // An unsaved edit makes the finding appear at the template's line…
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"text": text.replace("{{ .Values.image.tag }}", "latest")}]
        }),
    );
    let found = latest(&client.pushed(&uri));
    assert_eq!(found.len(), 1, "{found:?}");
    let line = text.lines().position(|l| l.contains("image:")).unwrap();
    assert_eq!(found[0]["range"]["start"]["line"], line);
    // … the same as lint's once saved …
    std::fs::write(&template, text.replace("{{ .Values.image.tag }}", "latest")).unwrap();
    assert_eq!(Value::Array(client.pushed(&uri)), lint(&template));
    std::fs::write(&template, &text).unwrap();
    // … and go when the edit is undone.
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 3},
            "contentChanges": [{"text": text}]
        }),
    );
    assert!(latest(&client.pushed(&uri)).is_empty());
    // An unsaved values file: the finding is at the template's line, with the values key.
    let values_uri = url(&chart.join("values.yaml"));
    open(&client, &values_uri, "image:\n  tag: latest\n");
    let found = latest(&client.pushed(&uri));
    assert_eq!(found.len(), 1, "{found:?}");
    let related = &found[0]["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], values_uri);
    assert_eq!(related["message"], "`image.tag` set here");
    client.stop();
}

#[test]
fn a_gatekeeper_template_is_compiled_again_as_it_is_typed() {
    let (_dir, root) = workspace();
    std::fs::create_dir(root.join("policy")).unwrap();
    let template = root.join("policy/required-labels.yaml");
    let good = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/policies/gatekeeper/required-labels.yaml"),
    )
    .unwrap();
    std::fs::write(&template, &good).unwrap();
    std::fs::write(root.join(".plimsoll.yaml"), "policies: [policy]\n").unwrap();
    let mut client = Client::start(&root, json!({}));
    let deploy = url(&root.join("deploy.yaml"));
    let labels = |list: &[Value]| -> Vec<String> {
        list.iter()
            .map(|d| d["message"].as_str().unwrap().to_owned())
            .filter(|m| m.contains("must have the labels"))
            .collect()
    };
    assert_eq!(labels(&client.pushed(&deploy)).len(), 1);
    // Broken Rego in the template, unsaved: the error at the line of the broken Rego.
    let uri = url(&template);
    let broken = good.replace("count(missing) > 0", "count(missing) > undefined_fn(0)");
    open(&client, &uri, &broken);
    let list = client.pushed(&uri);
    let problem = list
        .iter()
        .find(|d| d["code"] == "policy-error")
        .unwrap_or_else(|| panic!("{list:?}"));
    let line = broken
        .lines()
        .position(|l| l.contains("undefined_fn"))
        .unwrap();
    assert_eq!(problem["range"]["start"]["line"], line, "{problem}");
    // The manifests keep the policies that compiled last.
    assert_eq!(labels(&client.pushed(&deploy)).len(), 1);
    // Fixed and changed, unsaved: the error goes and the new message is used.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": good.replace("must have the labels", "must have the labels, see the wiki:")}]}),
    );
    assert!(
        !codes(&client.pushed(&uri)).contains(&"policy-error".to_owned()),
        "{:?}",
        client.pushed(&uri)
    );
    let now = labels(&client.pushed(&deploy));
    assert!(now.iter().any(|m| m.contains("see the wiki")), "{now:?}");
    client.stop();
}
