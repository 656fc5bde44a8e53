//! Hostile input never crashes plimsoll, never exhausts its memory, never hides another
//! finding and never prints a secret. Every limit is asserted by its outcome: the run
//! finishes, the diagnostic is there, the exit code is right, the secret is in no output.
//! Large inputs are generated here rather than committed; small ones are in
//! `fixtures/hostile/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[path = "../fuzz/src/lib.rs"]
mod fuzz_targets;

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

/// Writes a command's standard input.
type Feed<'a> = &'a mut dyn FnMut(&mut dyn Write);

fn run_with(dir: &Path, args: &[&str], stdin: Option<Feed<'_>>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(feed) = stdin {
        feed(&mut input);
    }
    drop(input);
    let output = child.wait_with_output().unwrap();
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code().unwrap_or(-1),
    }
}

fn plimsoll(dir: &Path, args: &[&str]) -> Run {
    run_with(dir, args, None)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout, run.stderr))
}

fn rules(run: &Run) -> Vec<String> {
    json(run)["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_owned())
        .collect()
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

const HEAD: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  a: b\nextra:\n";

/// A ConfigMap with an `extra` field nested `depth` levels deep in the given style.
fn nested(style: &str, depth: usize) -> String {
    let mut text = HEAD.to_owned();
    match style {
        "sequence" => {
            text.push_str("  ");
            text.push_str(&"- ".repeat(depth));
            text.push_str("x\n");
        }
        "mapping" => {
            for i in 0..depth {
                text.push_str(&" ".repeat(i + 1));
                text.push_str("k:\n");
            }
            text.push_str(&" ".repeat(depth + 1));
            text.push_str("x\n");
        }
        _ => unreachable!(),
    }
    text
}

#[test]
fn nesting_past_the_limit_is_a_diagnostic_in_manifests() {
    let dir = tempfile::tempdir().unwrap();
    // A block mapping's indentation grows with its depth: 1,500 levels are 1 MB.
    for (style, depth) in [("sequence", 60_000), ("mapping", 1_500)] {
        write(dir.path(), "deep.yaml", &nested(style, depth));
        // A second document and a second file are still checked.
        let next = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: next\ndata:\n  n: 1\n";
        write(dir.path(), "other.yaml", next);
        for args in [
            &["lint", "deep.yaml", "other.yaml", "--format", "json"][..],
            &["lint", ".", "--format", "json"][..],
        ] {
            let run = plimsoll(dir.path(), args);
            assert_eq!(run.code, 1, "{style}: {}", run.stderr);
            let rules = rules(&run);
            assert!(rules.contains(&"yaml-depth-limit".to_owned()), "{rules:?}");
            assert!(rules.contains(&"schema-invalid".to_owned()), "{rules:?}");
        }
        // The human output also copes with the 120 KB line of the sequence.
        let run = plimsoll(dir.path(), &["lint", "deep.yaml"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stdout.contains("yaml-depth-limit"), "{}", run.stdout);
    }
    // Below the limit, the whole pipeline (schemas, rules, policies, every format) copes.
    write(dir.path(), "deep.yaml", &nested("mapping", 990));
    std::fs::remove_file(dir.path().join("other.yaml")).unwrap();
    write(
        dir.path(),
        "policy/p.rego",
        "package main\n\ndeny contains msg if {\n  input.kind == \"ConfigMap\"\n  msg := \"seen\"\n}\n",
    );
    for format in ["human", "json", "sarif", "junit", "github"] {
        let run = plimsoll(
            dir.path(),
            &[
                "lint",
                "deep.yaml",
                "--policy",
                "policy",
                "--format",
                format,
            ],
        );
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(run.stdout.contains("seen"), "{format}: {}", run.stdout);
    }
    // The limit is configurable.
    let run = plimsoll(
        dir.path(),
        &["lint", "deep.yaml", "--max-depth", "50", "--format", "json"],
    );
    assert!(rules(&run).contains(&"yaml-depth-limit".to_owned()));
}

#[test]
fn nesting_past_the_limit_in_configuration_and_policy_data_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ok.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n",
    );
    let mut config = String::from("rules:\n  latest-image-tag:\n    options:\n      x:\n");
    config.push_str("        ");
    config.push_str(&"- ".repeat(60_000));
    config.push_str("x\n");
    write(dir.path(), "deep-config.yaml", &config);
    let run = plimsoll(
        dir.path(),
        &["lint", "ok.yaml", "--config", "deep-config.yaml"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("nest more than 1000"), "{}", run.stderr);

    write(
        dir.path(),
        "policy/p.rego",
        "package main\n\ndeny contains msg if {\n  false\n  msg := \"x\"\n}\n",
    );
    let mut data = String::from("settings:\n  ");
    data.push_str(&"- ".repeat(60_000));
    data.push_str("x\n");
    write(dir.path(), "policy/data.yaml", &data);
    let run = plimsoll(dir.path(), &["lint", "ok.yaml", "--policy", "policy"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("nest more than 1000"), "{}", run.stderr);
}

#[test]
fn findings_past_column_65535_and_on_very_long_lines_render() {
    let dir = tempfile::tempdir().unwrap();
    // Minified JSON: one line, the finding past column 70,000.
    let long = "a".repeat(70_000);
    let text = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"wide\", \"annotations\": {{\"a\": \"{long}\"}}}}, \"data\": {{\"k\": 1}}}}"
    );
    write(dir.path(), "wide.json", &text);
    let run = plimsoll(dir.path(), &["lint", "wide.json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("wide.json:1:70"), "{}", run.stdout);
    assert!(run.stdout.contains("\"k\": 1"), "{}", run.stdout);
    // The snippet is a window around the finding, not the whole line.
    assert!(run.stdout.len() < 4_000, "{}", run.stdout.len());
}

#[test]
fn fifty_thousand_wrong_values_on_one_line_are_all_reported() {
    let dir = tempfile::tempdir().unwrap();
    let values: Vec<String> = (0..50_000).map(|i| format!("k{i}: {i}")).collect();
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: wide}}\ndata: {{{}}}\n",
        values.join(", ")
    );
    write(dir.path(), "wide.yaml", &text);
    let run = plimsoll(dir.path(), &["lint", "wide.yaml", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 50_000);
    // Each finding points at its own value.
    let last = diagnostics
        .iter()
        .find(|d| d["pointer"] == "/data/k49999")
        .unwrap();
    assert_eq!(last["start"]["line"], 4);
    let human = plimsoll(dir.path(), &["lint", "wide.yaml"]);
    assert_eq!(human.code, 1);
    assert_eq!(human.stdout.matches("schema-invalid").count(), 50_000);
}

#[test]
fn reads_stop_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ok.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n",
    );
    if Path::new("/dev/zero").exists() {
        let run = plimsoll(dir.path(), &["lint", "/dev/zero", "--format", "json"]);
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        assert_eq!(rules(&run), vec!["file-too-large"]);

        let run = plimsoll(dir.path(), &["lint", "ok.yaml", "--baseline", "/dev/zero"]);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("more than"), "{}", run.stderr);

        let run = plimsoll(dir.path(), &["lint", "ok.yaml", "--config", "/dev/zero"]);
        assert_eq!(run.code, 2);
        assert!(run.stderr.contains("more than"), "{}", run.stderr);

        write(dir.path(), "crds.yaml", "crds: [/dev/zero]\n");
        let run = plimsoll(
            dir.path(),
            &["lint", ".", "--config", "crds.yaml", "--format", "json"],
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(rules(&run), vec!["file-too-large"]);
    }
    // An endless standard input: the run stops reading at the limit.
    let mut feed = |input: &mut dyn Write| {
        let chunk = vec![b'#'; 64 * 1024];
        // The reader stops early and closes the pipe; writing then fails, which ends this.
        for _ in 0..1024 {
            if input.write_all(&chunk).is_err() {
                break;
            }
        }
    };
    let run = run_with(
        dir.path(),
        &["lint", "-", "--max-file-size", "100000", "--format", "json"],
        Some(&mut feed),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(rules(&run), vec!["file-too-large"]);
    // A kustomization found on the walk obeys --max-file-size too.
    let mut big = String::from("resources: [a.yaml]\npatches:\n");
    while big.len() < 200_000 {
        big.push_str("- path: patch.yaml\n");
    }
    write(dir.path(), "k/kustomization.yaml", &big);
    write(
        dir.path(),
        "k/patch.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\n",
    );
    let run = plimsoll(
        dir.path(),
        &["lint", "k", "--max-file-size", "1000", "--format", "json"],
    );
    let rules = rules(&run);
    assert!(rules.contains(&"file-too-large".to_owned()), "{rules:?}");
}

#[test]
fn aliases_are_limited_per_file() {
    let dir = tempfile::tempdir().unwrap();
    // Each document stays under the per-document limit; together they pass the file's.
    let mut doc = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nx0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n",
    );
    for i in 1..5 {
        let p = i - 1;
        doc.push_str(&format!(
            "x{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    // About 680,000 nodes per document, under the limit of 1,000,000.
    doc.push_str("x5: [*a4, *a4, *a4, *a4, *a4]\n");
    let text = vec![doc; 30].join("---\n");
    write(dir.path(), "aliases.yaml", &text);
    let run = plimsoll(dir.path(), &["lint", "aliases.yaml", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run);
    let limits: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "yaml-alias-limit")
        .map(|d| d["message"].as_str().unwrap().to_owned())
        .collect();
    assert!(!limits.is_empty());
    assert!(limits.iter().all(|m| m.contains("this file")), "{limits:?}");
}

#[test]
fn aliases_are_limited_per_run() {
    let dir = tempfile::tempdir().unwrap();
    // About 12,000 nodes per file: far under the per-document and per-file limits.
    let mut doc = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: NAME\nx0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n",
    );
    for i in 1..4 {
        let p = i - 1;
        doc.push_str(&format!(
            "x{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    for n in 0..20 {
        write(
            dir.path(),
            &format!("m/cm{n:02}.yaml"),
            &doc.replace("NAME", &format!("cm{n}")),
        );
    }
    // A file without aliases keeps all its checks, whatever the budget.
    write(
        dir.path(),
        "m/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n    securityContext:\n      privileged: true\n",
    );
    let over_run = |run: &Run| {
        json(run)["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == "yaml-alias-limit")
            .map(|d| d["message"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    // Under the default budget (10,000,000 nodes) every file is expanded and checked.
    let run = plimsoll(dir.path(), &["lint", "m", "--format", "json"]);
    assert!(over_run(&run).is_empty(), "{}", run.stdout);
    // Together over a budget of 50,000: the files that fit are checked, the others each say
    // they were not expanded, and the run finishes with exit 1.
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "m",
            "--max-alias-nodes",
            "50000",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let messages = over_run(&run);
    assert!(
        (10..20).contains(&messages.len()),
        "{} over the budget: {messages:?}",
        messages.len()
    );
    assert!(
        messages
            .iter()
            .all(|m| m.contains("the run's limit of 50000") && m.contains("not expanded")),
        "{messages:?}"
    );
    assert!(rules(&run).contains(&"privileged-container".to_owned()));
    // The configuration key does the same.
    write(dir.path(), "aliases.yaml", "maxAliasNodes: 50000\n");
    let run = plimsoll(
        dir.path(),
        &["lint", "m", "--config", "aliases.yaml", "--format", "json"],
    );
    assert_eq!(over_run(&run).len(), messages.len());
}

#[test]
fn crd_files_obey_the_file_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut crd = String::from(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n  annotations:\n",
    );
    for i in 0..200 {
        crd.push_str(&format!(
            "    note{i}: \"padding to pass the size limit\"\n"
        ));
    }
    write(dir.path(), "crds/widgets.yaml", &crd);
    write(
        dir.path(),
        "ok.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n",
    );
    let run = plimsoll(
        dir.path(),
        &["lint", "ok.yaml", "--crds", "crds", "--format", "json"],
    );
    assert!(!rules(&run).contains(&"file-too-large".to_owned()));
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "ok.yaml",
            "--crds",
            "crds",
            "--max-file-size",
            "4000",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(rules(&run), vec!["file-too-large"]);
}

#[test]
fn after_an_unclosed_bracket_the_next_document_is_checked() {
    let dir = tempfile::tempdir().unwrap();
    for open in ["{", "["] {
        let text = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata: {open}a: b\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: next\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: true\n"
        );
        write(dir.path(), "two.yaml", &text);
        let run = plimsoll(dir.path(), &["lint", "two.yaml", "--format", "json"]);
        let rules = rules(&run);
        assert!(rules.contains(&"yaml-syntax".to_owned()), "{rules:?}");
        assert!(
            rules.contains(&"privileged-container".to_owned()),
            "{open}: {rules:?}"
        );
    }
}

#[test]
fn baseline_refuses_to_overwrite_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n";
    write(dir.path(), "app.yaml", manifest);
    let run = plimsoll(dir.path(), &["baseline", "app.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("not a plimsoll baseline"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app.yaml")).unwrap(),
        manifest
    );
    // A baseline (or a new file) is written as before.
    let run = plimsoll(dir.path(), &["baseline", "b.json", "app.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = plimsoll(dir.path(), &["baseline", "b.json", "app.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn policies_with_unbounded_builtins_or_network_calls_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ok.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n",
    );
    write(
        dir.path(),
        "range/p.rego",
        "package main\n\ndeny contains msg if {\n  n := count(numbers.range(1, 1e9))\n  msg := sprintf(\"%d\", [n])\n}\n",
    );
    let run = plimsoll(
        dir.path(),
        &["lint", "ok.yaml", "--policy", "range", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        rules(&run).contains(&"policy-error".to_owned()),
        "{}",
        run.stdout
    );

    write(
        dir.path(),
        "http/p.rego",
        "package main\n\ndeny contains msg if {\n  r := http.send({\"method\": \"get\", \"url\": \"https://example.com\"})\n  msg := r.body\n}\n",
    );
    let run = plimsoll(dir.path(), &["lint", "ok.yaml", "--policy", "http"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("`http.send` is not available"),
        "{}",
        run.stderr
    );

    let depth = 30;
    write(
        dir.path(),
        "nested/p.rego",
        &format!(
            "package main\n\nx := {}1{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
    );
    let run = plimsoll(dir.path(), &["lint", "ok.yaml", "--policy", "nested"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("nest more than"), "{}", run.stderr);
}

/// Every fuzz target's code runs over the seed inputs (the fixtures), so that a machine
/// without a nightly toolchain still checks what the fuzzers check.
#[test]
fn fuzz_targets_run_over_their_seeds() {
    let mut seeds = Vec::new();
    let mut stack = vec![workspace().join("fixtures")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                seeds.push(path);
            }
        }
    }
    seeds.sort();
    assert!(seeds.len() > 50);
    for path in &seeds {
        let data = std::fs::read(path).unwrap();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        match ext {
            "yaml" | "yml" | "json" => {
                fuzz_targets::yaml_loader(&data);
                fuzz_targets::yaml_fast(&data);
                fuzz_targets::config_reader(&data);
            }
            "rego" => fuzz_targets::rego_policy(&data),
            _ => {}
        }
    }
    // The webhook's request handling over its seed bodies (AdmissionReviews, good and bad).
    let bodies: Vec<_> = seeds
        .iter()
        .filter(|p| p.parent().is_some_and(|d| d.ends_with("hostile/webhook")))
        .collect();
    assert!(bodies.len() >= 5, "{bodies:?}");
    for path in bodies {
        fuzz_targets::webhook_request(&std::fs::read(path).unwrap());
    }
    // The whole lint is slower: a sample of the manifests.
    for path in seeds
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .step_by(7)
    {
        fuzz_targets::lint_file(&std::fs::read(path).unwrap());
    }
}

const FORMATS: &[&str] = &["human", "json", "sarif", "junit", "github"];

/// Every secret of `fixtures/hostile/secrets/` contains `kiwi7`, or is the base64 of a
/// text that starts with it (`a2l3aTdw`).
fn leaks(output: &str) -> bool {
    output.contains("kiwi7") || output.contains("a2l3aTdw")
}

#[test]
fn secrets_never_reach_any_output() {
    let dir = workspace().join("fixtures/hostile/secrets");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 13, "{names:?}");
    for name in &names {
        let path = format!("fixtures/hostile/secrets/{name}");
        let mut found = false;
        for format in FORMATS {
            let run = plimsoll(&workspace(), &["lint", &path, "--format", format]);
            assert!(
                run.code == 0 || run.code == 1,
                "{name} {format}: {}",
                run.stderr
            );
            assert!(
                !leaks(&run.stdout) && !leaks(&run.stderr),
                "{name} {format}:\n{}{}",
                run.stdout,
                run.stderr
            );
            found |= run.code == 1;
        }
        // Each fixture has a finding, so that its snippet and message were rendered.
        assert!(found, "{name} has no finding");
    }
    // A baseline records pointers and messages: no secret there either.
    let out = tempfile::tempdir().unwrap();
    let baseline = out.path().join("baseline.json");
    let run = plimsoll(
        &workspace(),
        &[
            "baseline",
            baseline.to_str().unwrap(),
            "fixtures/hostile/secrets",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!leaks(&std::fs::read_to_string(&baseline).unwrap()));
}

#[test]
fn policy_messages_are_scrubbed_of_secret_values() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: a2l3aTdwYXNzLXJlZ28=\nstringData:\n  token: kiwi7pass-token\n",
    );
    write(
        dir.path(),
        "policy/p.rego",
        "package main\n\ndeny contains msg if {\n  input.kind == \"Secret\"\n  msg := sprintf(\"data %v, decoded %v, token %v\", [input.data.password, base64.decode(input.data.password), input.stringData.token])\n}\n",
    );
    for format in FORMATS {
        let run = plimsoll(
            dir.path(),
            &[
                "lint",
                "secret.yaml",
                "--policy",
                "policy",
                "--format",
                format,
            ],
        );
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert!(run.stdout.contains("data ****"), "{format}: {}", run.stdout);
        assert!(!leaks(&run.stdout), "{format}: {}", run.stdout);
    }
    // Policy authors can ask for the raw text.
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "secret.yaml",
            "--policy",
            "policy",
            "--policy-raw-messages",
            "--format",
            "json",
        ],
    );
    assert!(
        run.stdout.contains("decoded kiwi7pass-rego"),
        "{}",
        run.stdout
    );
}

#[test]
fn sensitive_env_names_and_url_credentials_are_masked() {
    for name in [
        "DB_PASS",
        "PASSPHRASE",
        "STRIPE_KEY",
        "JWT",
        "BEARER",
        "COOKIE_SALT",
        "DATABASE_URL",
        "db-password",
    ] {
        assert!(plimsoll_core::is_sensitive_name(name), "{name}");
    }
    for name in ["PORT", "LOG_LEVEL", "KEYBOARD", "COMPASS_MODE"] {
        assert!(!plimsoll_core::is_sensitive_name(name), "{name}");
    }
    assert!(plimsoll_core::load::has_url_credentials(
        "postgres://app:pw@db:5432/app"
    ));
    assert!(!plimsoll_core::load::has_url_credentials(
        "https://example.com/a@b"
    ));
}

#[test]
fn a_misspelt_api_version_is_not_a_silent_pass() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "deploy.yaml",
        "apiVerison: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:latest\n        securityContext:\n          privileged: true\n",
    );
    for target in ["deploy.yaml", "."] {
        let run = plimsoll(dir.path(), &["lint", target, "--format", "json"]);
        assert_eq!(run.code, 1, "{target}: {}", run.stderr);
        assert!(
            rules(&run).contains(&"missing-api-version".to_owned()),
            "{target}: {}",
            run.stdout
        );
    }
}
