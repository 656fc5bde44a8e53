//! Reading YAML as kubectl reads it, through `plimsoll objects`: every file of
//! `fixtures/yaml-lenient/` prints the objects kubectl printed for it (recorded beside it as
//! `NAME.json`, from `kubectl label --local -f NAME.yaml x=y -o json` with the label taken
//! out), and every file of `fixtures/yaml-strict/` is a `yaml-syntax` error at the place
//! go-yaml stops. `ci/fidelity-yaml.sh` compares the same files, and the corpus, with kubectl
//! itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn plimsoll(args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    let output = child.wait_with_output().unwrap();
    Run {
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
        code: output.status.code().unwrap_or(-1),
    }
}

fn fixtures(dir: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    names
}

#[test]
fn lenient_files_read_as_kubectl_reads_them() {
    let names = fixtures("fixtures/yaml-lenient");
    assert!(names.len() >= 8, "{names:?}");
    for name in names {
        let path = format!("fixtures/yaml-lenient/{name}");
        let run = plimsoll(&["objects", &path], None);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{name}");
        let ours: Value = serde_json::from_str(&run.stdout).unwrap();
        let recorded = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(path.replace(".yaml", ".json")),
        )
        .unwrap();
        let kubectl: Value = serde_json::from_str(&recorded).unwrap();
        assert_eq!(ours, kubectl, "{name}");
        // And lint reads them without a YAML finding.
        let run = plimsoll(&["lint", "--no-config", "--format", "json", &path], None);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        let yaml: Vec<_> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"].as_str().unwrap().starts_with("yaml-"))
            .collect();
        assert!(yaml.is_empty(), "{name}: {yaml:?}");
    }
}

#[test]
fn strict_files_are_syntax_errors_where_go_yaml_stops() {
    // Line and column of the error, and a word of its message.
    let expected = [
        ("control-character.yaml", "5:37", "U+0001"),
        ("directive.yaml", "1:1", "Directives"),
        ("empty-flow-entry.yaml", "6:11", "node content"),
        ("quoted-document-marker.yaml", "7:6", "document indicator"),
        ("tab-after-dash.yaml", "10:2", "tab after `-`"),
        (
            "tab-before-block-entry.yaml",
            "7:7",
            "Block sequence entries",
        ),
        ("tab-indented-block.yaml", "7:2", "Tabs"),
        ("unclosed-quote.yaml", "7:6", "no closing quote"),
        ("unknown-escape.yaml", "7:6", "unknown escape"),
    ];
    assert_eq!(
        fixtures("fixtures/yaml-strict"),
        expected.iter().map(|e| e.0).collect::<Vec<_>>()
    );
    for (name, at, words) in expected {
        let path = format!("fixtures/yaml-strict/{name}");
        let run = plimsoll(&["objects", &path], None);
        assert_eq!(run.code, 1, "{name}");
        let line = run
            .stderr
            .lines()
            .find(|l| l.contains("error[yaml-syntax]"))
            .unwrap_or_else(|| panic!("{name}: {}", run.stderr));
        assert!(line.starts_with(&format!("{path}:{at}: ")), "{line}");
        assert!(line.contains(words), "{line}");
        // The broken document is not read.
        let objects: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(objects["items"], json!([]), "{name}");
    }
}

#[test]
fn objects_prints_one_object_a_list_or_yaml() {
    let one =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  mode: 0777\n  on: on\n";
    let run = plimsoll(&["objects", "-"], Some(one));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["data"], json!({"mode": 511, "true": true}));

    let two = format!(
        "{one}---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: b\n"
    );
    let run = plimsoll(&["objects", "-"], Some(&two));
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["kind"], "List");
    let kinds: Vec<_> = value["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["ConfigMap", "Namespace"]);

    let run = plimsoll(&["objects", "-o", "yaml", "-"], Some(one));
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("  mode: 511\n"), "{}", run.stdout);
    assert!(run.stdout.contains("  \"true\": true\n"), "{}", run.stdout);
}
