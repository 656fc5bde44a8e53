//! End-to-end: everyday use. Partial runs (pre-commit's staged files) reach the verdict of a
//! run over their folders; compact, statistics and HTML outputs; SARIF rule metadata;
//! `--stdin-filename`; profiles; runs that check nothing; completions and the man page; the
//! pages of every rule id.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ci_support;

use std::path::Path;

use ci_support::{Run, plimsoll, workspace};
use serde_json::Value;

fn write(root: &Path, name: &str, text: &str) {
    let path = root.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 80
";

const SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
    - port: 80
";

fn rules_of(run: &Run) -> Vec<String> {
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", run.stdout, run.stderr);
    });
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["rule"].as_str().unwrap().to_owned())
        .collect()
}

fn files_of(run: &Run) -> Vec<String> {
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let mut files: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["file"].as_str().map(str::to_owned))
        .collect();
    files.dedup();
    files
}

#[test]
fn a_named_file_is_checked_with_its_folder_as_context() {
    let dir = tempfile::tempdir().unwrap();
    // Each Service shares its file with a workload it does not select, so that judged alone
    // it selects nothing.
    let worker = DEPLOYMENT.replace("web", "worker");
    write(
        dir.path(),
        "deploy/service.yaml",
        &format!("{SERVICE}---\n{worker}"),
    );
    write(dir.path(), "deploy/deployment.yaml", DEPLOYMENT);
    write(
        dir.path(),
        "elsewhere/other.yaml",
        &format!("{}---\n{worker}", SERVICE.replace("web", "api")),
    );

    // The Service alone: its Deployment is in the folder, so its selector matches.
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "deploy/service.yaml",
            "--format",
            "json",
            "--no-config",
        ],
    );
    assert!(
        !rules_of(&run).contains(&"service-selector-matches-nothing".to_owned()),
        "{}",
        run.stdout
    );
    // Only the named file is reported, although the Deployment has findings of its own.
    assert_eq!(
        files_of(&run),
        vec!["deploy/service.yaml"],
        "{}",
        run.stdout
    );
    let whole = plimsoll(
        dir.path(),
        &["lint", "deploy", "--format", "json", "--no-config"],
    );
    assert!(files_of(&whole).contains(&"deploy/deployment.yaml".to_owned()));

    // Without context, the Service is judged alone.
    let alone = plimsoll(
        dir.path(),
        &[
            "lint",
            "deploy/service.yaml",
            "--format",
            "json",
            "--no-config",
            "--no-context",
        ],
    );
    assert!(rules_of(&alone).contains(&"service-selector-matches-nothing".to_owned()));

    // A Service elsewhere finds its Deployment through --context.
    let other = [
        "lint",
        "elsewhere/other.yaml",
        "--format",
        "json",
        "--no-config",
    ];
    let run = plimsoll(dir.path(), &other);
    assert!(rules_of(&run).contains(&"service-selector-matches-nothing".to_owned()));
    let api = DEPLOYMENT.replace("web", "api");
    write(dir.path(), "apps/api.yaml", &api);
    let mut with_context = other.to_vec();
    with_context.extend(["--context", "apps"]);
    let run = plimsoll(dir.path(), &with_context);
    assert!(
        !rules_of(&run).contains(&"service-selector-matches-nothing".to_owned()),
        "{}",
        run.stdout
    );
    // The named file is read once: no duplicate-object with its own walked copy.
    assert!(!rules_of(&run).contains(&"duplicate-object".to_owned()));

    // The configuration's `context:` does the same.
    write(dir.path(), ".plimsoll.yaml", "context: [apps]\n");
    let run = plimsoll(
        dir.path(),
        &["lint", "elsewhere/other.yaml", "--format", "json"],
    );
    assert!(!rules_of(&run).contains(&"service-selector-matches-nothing".to_owned()));
}

#[test]
fn files_that_are_not_objects_stay_quiet_with_the_hook_flag() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "values.yaml",
        "replicaCount: 2\nimage: {tag: '1.0'}\n",
    );
    let run = plimsoll(
        dir.path(),
        &["lint", "values.yaml", "--fail-on", "warning", "--no-config"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "values.yaml",
            "--fail-on",
            "warning",
            "--no-config",
            "--ignore-non-kubernetes",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("not-kubernetes"));
    // The hooks pass it.
    let hooks = std::fs::read_to_string(workspace().join(".pre-commit-hooks.yaml")).unwrap();
    assert_eq!(
        hooks
            .matches("entry: plimsoll lint --ignore-non-kubernetes")
            .count(),
        2,
        "{hooks}"
    );
}

#[test]
fn a_named_file_of_a_kustomize_base_is_checked_through_its_build() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "base/deployment.yaml", DEPLOYMENT);
    write(dir.path(), "base/service.yaml", SERVICE);
    write(
        dir.path(),
        "base/kustomization.yaml",
        "resources: [deployment.yaml, service.yaml]\ncommonLabels: {team: shop}\n",
    );
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "base/deployment.yaml",
            "--no-config",
            "--fail-on-empty",
            "--format",
            "json",
        ],
    );
    assert!(
        !run.stderr.contains("no Kubernetes object"),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["diagnostics"].as_array().unwrap();
    assert!(!findings.is_empty());
    // Only the named file's findings: the build's other files are context.
    let service = plimsoll(
        dir.path(),
        &[
            "lint",
            "base/service.yaml",
            "--no-config",
            "--format",
            "json",
        ],
    );
    let service: Value = serde_json::from_str(&service.stdout).unwrap();
    assert_eq!(service["diagnostics"], serde_json::json!([]), "{service}");
    for finding in findings {
        assert_eq!(finding["file"], "base/deployment.yaml", "{finding}");
        assert_eq!(
            finding["related"][0]["message"]
                .as_str()
                .map(|m| m.starts_with("built by kustomize")),
            Some(true),
            "{finding}"
        );
    }
}

#[test]
fn a_run_that_checks_nothing_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let run = plimsoll(dir.path(), &["lint", "empty", "--no-config"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr
            .contains("plimsoll: warning: no Kubernetes object was checked (0 files read)"),
        "{}",
        run.stderr
    );
    let run = plimsoll(
        dir.path(),
        &["lint", "empty", "--no-config", "--fail-on-empty"],
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("--fail-on-empty"), "{}", run.stderr);
    write(dir.path(), ".plimsoll.yaml", "failOnEmpty: true\n");
    let run = plimsoll(dir.path(), &["lint", "empty"]);
    assert_eq!(run.code, 1);
    // Not when something was checked.
    write(dir.path(), "empty/d.yaml", DEPLOYMENT);
    let run = plimsoll(dir.path(), &["lint", "empty", "--format", "compact"]);
    assert!(
        !run.stderr.contains("no Kubernetes object"),
        "{}",
        run.stderr
    );
}

#[test]
fn compact_and_statistics() {
    let root = workspace();
    let run = plimsoll(
        &root,
        &[
            "lint",
            "fixtures/example",
            "--no-config",
            "--format",
            "compact",
        ],
    );
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines.contains(
        &"fixtures/example/deployment.yaml:22:9: error schema-unknown-field unknown field `spec.template.spec.containers[0].imagePullPolcy` (shop/Deployment/storefront)"
    ), "{}", run.stdout);
    assert!(lines.iter().all(|l| l.starts_with("fixtures/example/")));
    assert!(run.stderr.contains("failing"));

    let run = plimsoll(
        &root,
        &["lint", "fixtures/example", "--no-config", "--statistics"],
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("COUNT  RULE"), "{}", run.stdout);
    assert!(
        lines.iter().any(|l| l.contains("  privileged-container  ")
            && l.ends_with("A container runs in privileged mode.")),
        "{}",
        run.stdout
    );
    let counts: Vec<usize> = lines[1..lines.len() - 1]
        .iter()
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(
        lines.last().unwrap().contains("findings in"),
        "{}",
        run.stdout
    );
}

#[test]
fn html_is_one_self_contained_page() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "deploy/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  name: t\ndata:\n  password: c2VjcmV0\n",
    );
    write(
        dir.path(),
        "deploy/web.yaml",
        &DEPLOYMENT.replace("nginx:1.27", "nginx:<b>"),
    );
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "deploy",
            "--no-config",
            "--format",
            "html=report.html",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // No external assets: no source or stylesheet is fetched.
    for external in ["src=", "<link", "@import", "url("] {
        assert!(!html.contains(external), "{external}");
    }
    assert!(html.contains("id=\"summary\""));
    assert!(html.contains("<svg id=\"chart-rule\""));
    assert!(html.contains("<svg id=\"chart-severity\""));
    assert!(html.contains("<select id=\"filter-rule\""));
    assert!(html.contains("<select id=\"filter-file\""));
    assert!(html.contains("data-rule=\"yaml-duplicate-key\""));
    // Values are escaped, secrets masked.
    assert!(html.contains("nginx:&lt;b&gt;"));
    assert!(!html.contains("nginx:<b>"));
    assert!(!html.contains("c2VjcmV0"));
    let findings = html.matches("<li class=\"finding").count();
    let json = plimsoll(
        dir.path(),
        &["lint", "deploy", "--no-config", "--format", "json"],
    );
    assert_eq!(findings, rules_of(&json).len());
}

#[test]
fn two_outputs_to_one_file_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d.yaml", DEPLOYMENT);
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "d.yaml",
            "--format",
            "sarif=out.txt",
            "--format",
            "json=./out.txt",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("two outputs"), "{}", run.stderr);
    assert!(!dir.path().join("out.txt").exists());
    let run = plimsoll(
        dir.path(),
        &[
            "lint",
            "d.yaml",
            "--format",
            "sarif",
            "--format",
            "json=out.txt",
            "-o",
            "out.txt",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn stdin_takes_the_name_given() {
    let root = workspace();
    let text = std::fs::read(root.join("fixtures/example/deployment.yaml")).unwrap();
    let output = |format: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_plimsoll"))
            .current_dir(&root)
            .args(["lint", "-", "--no-config", "--format", format])
            .args(["--stdin-filename", "fixtures/example/deployment.yaml"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        child.stdin.take().unwrap().write_all(&text).unwrap();
        String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
    };
    assert!(output("compact").starts_with("fixtures/example/deployment.yaml:"));
    assert!(output("github").contains("file=fixtures/example/deployment.yaml,line="));
    let sarif: Value = serde_json::from_str(&output("sarif")).unwrap();
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "fixtures/example/deployment.yaml"
    );
    let json = output("json");
    assert!(!json.contains("<stdin>"));
}

#[test]
fn sarif_rules_carry_their_documentation() {
    let root = workspace();
    let run = plimsoll(
        &root,
        &[
            "lint",
            "fixtures/example",
            "--no-config",
            "--format",
            "sarif",
        ],
    );
    let log: Value = serde_json::from_str(&run.stdout).unwrap();
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(!rules.is_empty());
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        let uri = rule["helpUri"].as_str().unwrap();
        let page = uri.rsplit("/docs/rules/").next().unwrap();
        assert!(
            root.join("docs/rules").join(page).is_file(),
            "{id}: no page {page}"
        );
        assert!(!rule["help"]["markdown"].as_str().unwrap().is_empty());
        assert!(
            !rule["shortDescription"]["text"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        let tags = rule["properties"]["tags"].as_array().unwrap();
        if let Some(score) = rule["properties"]["security-severity"].as_str() {
            let score: f64 = score.parse().unwrap();
            assert!((0.1..=10.0).contains(&score));
            assert!(tags.contains(&Value::from("security")), "{id}");
        }
    }
    let privileged = rules
        .iter()
        .find(|r| r["id"] == "privileged-container")
        .unwrap();
    assert_eq!(
        privileged["shortDescription"]["text"],
        "A container runs in privileged mode."
    );
    assert_eq!(privileged["properties"]["security-severity"], "8.0");
    assert!(
        privileged["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## Why is this bad?")
    );
}

#[test]
fn profiles_choose_the_rules_that_run() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d.yaml", DEPLOYMENT);
    let lint = |extra: &[&str]| {
        let mut args = vec!["lint", "d.yaml", "--no-config", "--format", "json"];
        args.extend(extra);
        let mut rules = rules_of(&plimsoll(dir.path(), &args));
        rules.sort();
        rules.dedup();
        rules
    };
    let default = lint(&[]);
    assert!(
        default.contains(&"missing-resources".to_owned()),
        "{default:?}"
    );
    assert_eq!(lint(&["--profile", "default"]), default);
    let minimal = lint(&["--profile", "minimal"]);
    assert!(minimal.len() < default.len(), "{minimal:?}");
    assert!(!minimal.contains(&"missing-resources".to_owned()));
    let strict = lint(&["--profile", "strict"]);
    assert!(
        strict.contains(&"missing-pod-disruption-budget".to_owned()),
        "{strict:?}"
    );
    assert!(!strict.contains(&"missing-priority-class".to_owned()));
    let all = lint(&["--profile", "all"]);
    assert!(all.contains(&"missing-priority-class".to_owned()));
    assert_eq!(lint(&["--enable", "all"]), all);
    // Flags win over the profile, and the configuration's rules: too.
    assert!(
        !lint(&["--profile", "all", "--disable", "missing-priority-class"])
            .contains(&"missing-priority-class".to_owned())
    );
    let run = plimsoll(dir.path(), &["lint", "d.yaml", "--profile", "lax"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown profile `lax`"),
        "{}",
        run.stderr
    );
}

#[test]
fn one_finding_for_a_container_without_resources() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d.yaml", DEPLOYMENT);
    let rules = rules_of(&plimsoll(
        dir.path(),
        &[
            "lint",
            "d.yaml",
            "--no-config",
            "--format",
            "json",
            "--enable",
            "all",
        ],
    ));
    assert_eq!(
        rules.iter().filter(|r| *r == "missing-resources").count(),
        1
    );
    assert!(
        !rules
            .iter()
            .any(|r| r.starts_with("missing-cpu") || r.starts_with("missing-memory"))
    );
    // Turned off, the per-field rules report as usual.
    let rules = rules_of(&plimsoll(
        dir.path(),
        &[
            "lint",
            "d.yaml",
            "--no-config",
            "--format",
            "json",
            "--disable",
            "missing-resources",
        ],
    ));
    assert!(
        rules.contains(&"missing-memory-limit".to_owned()),
        "{rules:?}"
    );
    assert!(
        rules.contains(&"missing-cpu-request".to_owned()),
        "{rules:?}"
    );
    // A suppression of a per-field rule silences it, and is used.
    let suppressed = DEPLOYMENT.replace(
        "        - name: web\n",
        "        - name: web # plimsoll-ignore missing-memory-limit -- sized by the platform\n",
    );
    write(dir.path(), "d.yaml", &suppressed);
    let rules = rules_of(&plimsoll(
        dir.path(),
        &["lint", "d.yaml", "--no-config", "--format", "json"],
    ));
    assert!(
        !rules.contains(&"missing-resources".to_owned()),
        "{rules:?}"
    );
    assert!(
        !rules.contains(&"unused-suppression".to_owned()),
        "{rules:?}"
    );
}

#[test]
fn unused_suppression_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let text = DEPLOYMENT.replace(
        "  replicas: 2\n",
        "  replicas: 2 # plimsoll-ignore host-pid\n",
    );
    write(dir.path(), "d.yaml", &text);
    let lint = |extra: &[&str]| {
        let mut args = vec!["lint", "d.yaml", "--format", "json"];
        args.extend(extra);
        rules_of(&plimsoll(dir.path(), &args))
    };
    assert!(lint(&["--no-config"]).contains(&"unused-suppression".to_owned()));
    assert!(
        !lint(&["--no-config", "--disable", "unused-suppression"])
            .contains(&"unused-suppression".to_owned())
    );
    write(
        dir.path(),
        "c.yaml",
        "rules:\n  unused-suppression: {enabled: false}\n",
    );
    assert!(!lint(&["--config", "c.yaml"]).contains(&"unused-suppression".to_owned()));
}

#[test]
fn completions_and_man_page() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F _plimsoll"),
        ("zsh", "#compdef plimsoll"),
        ("fish", "complete -c plimsoll"),
    ] {
        let run = plimsoll(dir.path(), &["completions", shell]);
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains(marker), "{shell}");
        assert!(run.stdout.contains("stdin-filename"), "{shell}");
    }
    let man = plimsoll(dir.path(), &["man"]);
    assert_eq!(man.code, 0);
    assert!(man.stdout.contains(".TH plimsoll 1"));
    assert!(man.stdout.contains(".TH plimsoll-lint 1"));
    assert!(
        man.stdout.contains("fail\\-on\\-empty"),
        "{}",
        &man.stdout[..2000]
    );
}

/// Every id `plimsoll rules` lists has a page in docs/rules; the pages of the loader, schema,
/// suppression and policy ids are generated from `plimsoll explain` (regenerate with
/// `UPDATE_DOCS=1 cargo test --test everyday`), and so is docs/profiles.md.
#[test]
fn every_rule_id_has_a_page_and_the_generated_pages_are_current() {
    let root = workspace();
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let run = plimsoll(&root, &["rules", "--json"]);
    let rules: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let listed = plimsoll(&root, &["rules"]);
    let mut stale = Vec::new();
    for rule in &rules {
        let id = rule["id"].as_str().unwrap();
        assert!(listed.stdout.contains(id), "{id} not listed");
        let page = root.join("docs/rules").join(format!("{id}.md"));
        let stage = ["loader", "schema", "suppression", "policy"]
            .contains(&rule["category"].as_str().unwrap());
        if !stage {
            assert!(page.is_file(), "{id}: no {}", page.display());
            continue;
        }
        let explain = plimsoll(&root, &["explain", id]);
        let body = explain.stdout.strip_prefix(&format!("# {id}\n\n")).unwrap();
        let expected = format!(
            "# `{id}`\n\nCategory: {} · Default severity: {} · Always on (turn off with `--disable {id}`)\n\n{}",
            rule["category"].as_str().unwrap(),
            rule["severity"].as_str().unwrap(),
            body
        );
        if update {
            std::fs::write(&page, &expected).unwrap();
        } else if std::fs::read_to_string(&page).ok().as_deref() != Some(expected.as_str()) {
            stale.push(page.display().to_string());
        }
    }

    let mut table = String::from(
        "# Profiles\n\n\
         Generated from the rule registry; do not edit (regenerate with \
         `UPDATE_DOCS=1 cargo test --test everyday`).\n\n\
         A profile is the set of rules on before `rules:` in `.plimsoll.yaml`, `--enable` and \
         `--disable` (which win over it): `--profile NAME` or `profile: NAME`. \
         `--enable all` turns every rule on, as `--profile all` does.\n\n\
         - `minimal`: the rules on by default whose findings are errors;\n\
         - `default`: the rules on by default (what runs without a profile);\n\
         - `strict`: every rule except a few conventions;\n\
         - `all`: every rule.\n\n\
         The ids of the loader, schema, suppression and policy stages are always on; \
         `--disable ID` turns one off.\n\n\
         | Rule | Category | Severity | minimal | default | strict | all |\n\
         |---|---|---|---|---|---|---|\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let members = |profile: &str| -> Vec<String> {
        // `--only` is not used: the profile is what decides.
        let run = plimsoll(dir.path(), &["rules", "--json", "--profile", profile]);
        let list: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
        list.iter()
            .filter(|r| r["enabledByDefault"] == true)
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let profiles: Vec<Vec<String>> = ["minimal", "default", "strict", "all"]
        .iter()
        .map(|p| members(p))
        .collect();
    for rule in &rules {
        let category = rule["category"].as_str().unwrap();
        if ["loader", "schema", "suppression", "policy"].contains(&category) {
            continue;
        }
        let id = rule["id"].as_str().unwrap();
        let marks: Vec<&str> = profiles
            .iter()
            .map(|p| if p.iter().any(|m| m == id) { "✓" } else { "" })
            .collect();
        table.push_str(&format!(
            "| [`{id}`](rules/{id}.md) | {category} | {} | {} |\n",
            rule["severity"].as_str().unwrap(),
            marks.join(" | ")
        ));
    }
    let path = root.join("docs/profiles.md");
    if update {
        std::fs::write(&path, &table).unwrap();
    } else if std::fs::read_to_string(&path).ok().as_deref() != Some(table.as_str()) {
        stale.push(path.display().to_string());
    }
    assert!(
        stale.is_empty(),
        "stale pages (run UPDATE_DOCS=1 cargo test --test everyday): {stale:?}"
    );
}

/// The README's rule counts are those of `plimsoll rules`.
#[test]
fn the_readme_counts_the_rules_that_exist() {
    let root = workspace();
    let run = plimsoll(&root, &["rules", "--json"]);
    let rules: Vec<Value> = serde_json::from_str(&run.stdout).unwrap();
    let rules: Vec<&Value> = rules
        .iter()
        .filter(|r| {
            !["loader", "schema", "suppression", "policy"]
                .contains(&r["category"].as_str().unwrap())
        })
        .collect();
    let on = rules
        .iter()
        .filter(|r| r["enabledByDefault"] == true)
        .count();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let claim = format!(
        "**Runs {} built-in rules** ({on} on by default)",
        rules.len()
    );
    assert!(readme.contains(&claim), "README.md should say: {claim}");
}

/// The other linters' check names that suppressions understand resolve in `explain` too.
#[test]
fn explain_knows_the_peers_names() {
    let dir = tempfile::tempdir().unwrap();
    let run = plimsoll(dir.path(), &["explain", "latest-tag"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(
            "`latest-tag` is kube-linter's name for `latest-image-tag`.\n\n# latest-image-tag\n"
        ),
        "{}",
        run.stdout
    );
    let run = plimsoll(dir.path(), &["explain", "container-resources"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("kube-score's name for"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("# missing-cpu-request"));
}

/// Configuration mistakes name the file, line and column, once, with what to do.
#[test]
fn configuration_errors_say_where_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d.yaml", DEPLOYMENT);
    write(
        dir.path(),
        "rules.yaml",
        "failOn: error\nrules:\n  nosuch: {enabled: true}\n",
    );
    let run = plimsoll(dir.path(), &["lint", "d.yaml", "--config", "rules.yaml"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.trim_end(),
        "plimsoll: error: rules.yaml:3:3: unknown rule `nosuch` under `rules:` (`plimsoll rules` lists them)"
    );
    let run = plimsoll(
        dir.path(),
        &["lint", "d.yaml", "--no-config", "--disable", "nosuch"],
    );
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.matches("unknown rule `nosuch`").count(),
        1,
        "{}",
        run.stderr
    );
    write(dir.path(), "version.yaml", "kubernetesVersion: 1.30\n");
    let run = plimsoll(dir.path(), &["lint", "d.yaml", "--config", "version.yaml"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("version.yaml:1:20:"), "{}", run.stderr);
    assert!(run.stderr.contains("quote the version"), "{}", run.stderr);
}

#[test]
fn a_named_template_of_a_chart_is_checked_through_the_chart() {
    let helm = std::env::var("PLIMSOLL_HELM").ok();
    let mut args = vec![
        "lint",
        "fixtures/helm/shop/templates/deployment.yaml",
        "--no-config",
        "--format",
        "json",
    ];
    if let Some(helm) = &helm {
        args.extend(["--helm", helm.as_str()]);
    }
    let run = plimsoll(&workspace(), &args);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["diagnostics"].as_array().unwrap();
    // The template is never read as a manifest (its `{{ }}` would be YAML errors).
    assert!(
        findings.iter().all(|f| f["rule"] != "yaml-syntax"),
        "{}",
        run.stdout
    );
    if helm.is_some() {
        assert!(!findings.is_empty(), "{}", run.stdout);
        for finding in findings {
            assert_eq!(
                finding["file"], "fixtures/helm/shop/templates/deployment.yaml",
                "{finding}"
            );
        }
        assert!(findings.iter().any(|f| f["rule"] == "privileged-container"));
    }
}

#[test]
fn a_named_values_file_reports_the_findings_its_keys_set() {
    let Ok(helm) = std::env::var("PLIMSOLL_HELM") else {
        return;
    };
    let run = plimsoll(
        &workspace(),
        &[
            "lint",
            "fixtures/helm/shop/values.yaml",
            "--no-config",
            "--helm",
            &helm,
            "--format",
            "json",
        ],
    );
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = report["diagnostics"].as_array().unwrap();
    assert!(!findings.is_empty(), "{}", run.stdout);
    // Each one is located in a template, and names a key of the values file as its origin.
    for finding in findings {
        assert!(
            finding["related"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["file"] == "fixtures/helm/shop/values.yaml"),
            "{finding}"
        );
    }
    assert!(findings.iter().any(|f| f["rule"] == "latest-image-tag"));
}
