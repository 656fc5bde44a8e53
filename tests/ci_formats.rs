//! End-to-end: the CI output formats (SARIF, JUnit, GitHub annotations), several outputs in
//! one run, and the exit-code gate.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ci_support;

use std::path::Path;

use ci_support::{plimsoll, repository, workspace};
use serde_json::Value;

fn sarif_validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(workspace().join("fixtures/schemas/sarif-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid_sarif(validator: &jsonschema::Validator, log: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}");
}

#[test]
fn sarif_is_valid_and_names_files_from_the_repository_root() {
    let repo = repository();
    // Run from a subfolder: names must still be relative to the repository root.
    let run = plimsoll(
        &repo.path().join("deploy"),
        &["lint", ".", "--format", "sarif"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let log: Value = serde_json::from_str(&run.stdout).unwrap();
    let validator = sarif_validator();
    assert_valid_sarif(&validator, &log);

    let run0 = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run0["tool"]["driver"]["name"], "plimsoll");
    let root = repo.path().canonicalize().unwrap();
    assert_eq!(
        run0["originalUriBaseIds"]["SRCROOT"]["uri"],
        format!("file://{}/", root.display())
    );
    assert_eq!(run0["columnKind"], "unicodeCodePoints");
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["id"], "yaml-duplicate-key");
    assert_eq!(
        rules[0]["helpUri"],
        "https://github.com/plimsoll-dev/plimsoll/blob/main/docs/rules/yaml-duplicate-key.md"
    );
    assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");

    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let first = &results[0];
    assert_eq!(first["ruleId"], "yaml-duplicate-key");
    assert_eq!(first["ruleIndex"], 0);
    assert_eq!(first["level"], "error");
    let location = &first["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"],
        serde_json::json!({ "uri": "deploy/bad.yaml", "uriBaseId": "SRCROOT" })
    );
    let region = &location["physicalLocation"]["region"];
    assert_eq!(
        (
            &region["startLine"],
            &region["startColumn"],
            &region["endLine"],
            &region["endColumn"]
        ),
        (
            &Value::from(9),
            &Value::from(3),
            &Value::from(9),
            &Value::from(11)
        )
    );
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        "shop/Deployment/web"
    );
    assert_eq!(first["properties"]["pointer"], "/spec/replicas");
    let fingerprint = first["partialFingerprints"]["plimsollFinding/v1"]
        .as_str()
        .unwrap();
    assert_eq!(fingerprint.len(), 32);

    // The schema check can fail: a broken copy is rejected.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
}

#[test]
fn sarif_fingerprints_survive_unrelated_edits() {
    let repo = repository();
    let results = |repo: &Path| -> Vec<(String, u64)> {
        let run = plimsoll(repo, &["lint", "deploy", "--format", "sarif"]);
        let log: Value = serde_json::from_str(&run.stdout).unwrap();
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["partialFingerprints"]["plimsollFinding/v1"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect()
    };
    let before = results(repo.path());
    let path = repo.path().join("deploy/bad.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!("# owned by the shop team\n# reviewed\n{text}"),
    )
    .unwrap();
    let after = results(repo.path());
    assert_eq!(before.len(), 2);
    assert_eq!(after.len(), 2);
    for ((fp_before, line_before), (fp_after, line_after)) in before.iter().zip(&after) {
        assert_eq!(fp_before, fp_after);
        assert_eq!(line_before + 2, *line_after);
    }
    assert_ne!(before[0].0, before[1].0);
}

#[test]
fn the_xml_reader_rejects_what_is_not_well_formed() {
    use ci_support::xml::parse;
    assert!(parse("<a><b></a></b>").is_err());
    assert!(parse("<a x=1/>").is_err());
    assert!(parse("<a x='1' x='2'/>").is_err());
    assert!(parse("<a>&nbsp;</a>").is_err());
    assert!(parse("<a/><b/>").is_err());
    assert!(parse("<a x=\"<\"/>").is_err());
    assert!(parse("<a>\u{1}</a>").is_err());
    assert_eq!(parse("<a x='&lt;&#x41;'>t&amp;</a>").unwrap().text, "t&");
}

/// The JUnit report is checked in Rust (well-formedness and the structure JUnit readers rely
/// on); `ci/junit-xmllint.sh` also validates it against `fixtures/schemas/junit.xsd`.
#[test]
fn junit_is_well_formed_structured_and_escaped() {
    let repo = repository();
    let run = plimsoll(
        repo.path(),
        &["lint", "deploy", "--format", "junit=report.xml"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let report = repo.path().join("report.xml");
    let xml = std::fs::read_to_string(&report).unwrap();
    let root = ci_support::xml::check_junit(&xml).unwrap();
    assert_eq!(root.children.len(), 2);
    let failure = &root.children[0].children[1].children[0];
    assert_eq!(failure.name, "failure");
    assert_eq!(
        failure.attr("message"),
        Some("duplicate key `50%:a,b<&>\"'` in this mapping")
    );

    assert!(xml.contains(r#"<testsuites name="plimsoll" tests="4" failures="2" errors="0""#));
    assert!(xml.contains(
        r#"<testsuite name="deploy/bad.yaml" tests="3" failures="2" errors="0" skipped="0">"#
    ));
    assert!(xml.contains(r#"<testcase name="shop/ConfigMap/clean" classname="deploy/bad.yaml"/>"#));
    assert!(xml.contains(r#"<testsuite name="deploy/good.yaml" tests="1" failures="0""#));
    assert!(xml.contains(
        r#"<failure message="duplicate key `50%:a,b&lt;&amp;&gt;&quot;&apos;` in this mapping" type="yaml-duplicate-key">deploy/bad.yaml:20:3: error[yaml-duplicate-key]"#
    ));
    assert!(
        xml.contains("deploy/bad.yaml:9:3: error[yaml-duplicate-key]: duplicate key `replicas`")
    );

    // The check can fail: a test case without a name is rejected, and so is a broken tag.
    let broken = xml.replace("<testcase name=\"shop/ConfigMap/clean\"", "<testcase");
    assert!(ci_support::xml::check_junit(&broken).is_err());
    let broken = xml.replacen("</testsuite>", "</testsuit>", 1);
    assert!(ci_support::xml::check_junit(&broken).is_err());
}

#[test]
fn github_annotations_are_escaped_and_name_repository_paths() {
    let repo = repository();
    let run = plimsoll(
        &repo.path().join("deploy"),
        &["lint", "bad.yaml", "--format", "github"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let help = "%0Ahelp: remove one of the two entries; the API server rejects duplicate fields and other tools keep only the last";
    let expected = [
        format!(
            "::error file=deploy/bad.yaml,line=9,col=3,endLine=9,endColumn=11,title=plimsoll yaml-duplicate-key::duplicate key `replicas` in this mapping (shop/Deployment/web){help}"
        ),
        format!(
            "::error file=deploy/bad.yaml,line=20,col=3,endLine=20,endColumn=18,title=plimsoll yaml-duplicate-key::duplicate key `50%25:a,b<&>\"'` in this mapping (shop/ConfigMap/settings){help}"
        ),
    ];
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn several_outputs_in_one_run() {
    let repo = repository();
    std::fs::create_dir(repo.path().join("out")).unwrap();
    let run = plimsoll(
        repo.path(),
        &[
            "lint",
            "deploy",
            "--format",
            "human",
            "--format",
            "sarif=out/report.sarif",
            "--format",
            "junit=out/report.xml",
            "--format",
            "json=out/report.json",
            "--format",
            "github=out/annotations.txt",
            "--color",
            "never",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("yaml-duplicate-key"));
    assert!(
        run.stdout
            .contains("2 files, 4 objects, 2 errors, 0 warnings")
    );
    assert!(
        run.stderr
            .contains("plimsoll: failing: 2 errors at or above --fail-on error"),
        "{}",
        run.stderr
    );
    let out = repo.path().join("out");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.sarif")).unwrap()).unwrap();
    assert_valid_sarif(&sarif_validator(), &sarif);
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["summary"]["errors"], 2);
    assert!(
        std::fs::read_to_string(out.join("report.xml"))
            .unwrap()
            .contains("<testsuites")
    );
    assert_eq!(
        std::fs::read_to_string(out.join("annotations.txt"))
            .unwrap()
            .lines()
            .count(),
        2
    );

    // `--output` takes the format given without a file.
    let run = plimsoll(
        repo.path(),
        &[
            "lint",
            "deploy",
            "--format",
            "sarif=out/b.sarif",
            "--format",
            "json",
            "-o",
            "out/b.json",
        ],
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(out.join("b.sarif").is_file() && out.join("b.json").is_file());
}

#[test]
fn format_usage_errors_exit_2() {
    let repo = repository();
    let run = plimsoll(
        repo.path(),
        &["lint", "deploy", "--format", "json", "--format", "sarif"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("only one --format can go to standard output"),
        "{}",
        run.stderr
    );
    let run = plimsoll(repo.path(), &["lint", "deploy", "--format", "xml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown format `xml`"),
        "{}",
        run.stderr
    );
    let run = plimsoll(repo.path(), &["lint", "deploy", "--format", "sarif="]);
    assert_eq!(run.code, 2);
}

#[test]
fn the_gate_decides_the_exit_code_and_says_why() {
    let repo = repository();
    let run = plimsoll(repo.path(), &["lint", "deploy/good.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("failing"));

    let run = plimsoll(
        repo.path(),
        &["lint", "deploy", "--fail-on", "warning", "--format", "json"],
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.trim_end(),
        "plimsoll: failing: 2 errors at or above --fail-on warning"
    );

    // `--quiet` drops the summary, never the reason for a failing exit.
    let run = plimsoll(repo.path(), &["lint", "deploy", "--quiet"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr.trim_end(),
        "plimsoll: failing: 2 errors at or above --fail-on error"
    );
}
