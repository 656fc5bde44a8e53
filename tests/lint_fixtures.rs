//! Snapshots of `plimsoll lint` exactly as users see it, one per fixture under
//! `fixtures/loader/` (reading files) and `fixtures/validation/` (schemas), in human and JSON form.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn lint(args: &[&str]) -> (String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .current_dir(workspace())
        .arg("lint")
        // The loader's findings are always reported; built-in rules are narrowed to one that
        // these fixtures do not trigger, so each snapshot shows what reading the file found.
        .args(["--no-config", "--only", "duplicate-object"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    (stdout, output.status.code().unwrap_or(-1))
}

fn fixtures(folder: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace().join("fixtures").join(folder))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn snapshot_folder(folder: &str, prefix: &str, extra: &[&str]) {
    let names = fixtures(folder);
    assert!(
        names.len() >= 7,
        "fixtures/{folder} has {} files",
        names.len()
    );
    for name in names {
        let path = format!("fixtures/{folder}/{name}");
        let mut args = vec!["--color", "never", "--quiet"];
        args.extend(extra);
        args.push(&path);
        let (human, code) = lint(&args);
        insta::assert_snapshot!(
            format!("{prefix}{name}.human"),
            format!("exit: {code}\n{human}")
        );

        let mut args = vec!["--format", "json"];
        args.extend(extra);
        args.push(&path);
        let (json, _) = lint(&args);
        let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
        value["summary"]["durationMs"] = 0.into();
        insta::assert_json_snapshot!(format!("{prefix}{name}.json"), value);
    }
}

#[test]
fn every_loader_fixture_renders_as_snapshotted() {
    snapshot_folder("loader", "", &[]);
}

#[test]
fn every_validation_fixture_renders_as_snapshotted() {
    snapshot_folder(
        "validation",
        "validation-",
        &["--kubernetes-version", "1.37"],
    );
}

#[test]
fn deprecated_api_versions_warn_before_their_removal() {
    let path = "fixtures/validation/api-versions.yaml";
    let (human, code) = lint(&[
        "--color",
        "never",
        "--quiet",
        "--kubernetes-version",
        "1.25",
        path,
    ]);
    insta::assert_snapshot!(
        "validation-api-versions-1.25.human",
        format!("exit: {code}\n{human}")
    );
    assert!(human.contains("deprecated-api-version"), "{human}");
    // An unknown version is a usage error: nothing is printed on standard output.
    let (unknown, code) = lint(&["--kubernetes-version", "1.99", path]);
    assert_eq!((unknown.as_str(), code), ("", 2));
}

#[test]
fn secrets_never_reach_the_output() {
    for format in ["human", "json"] {
        for name in ["secret-redacted.yaml", "list.yaml"] {
            let (out, _) = lint(&[
                "--format",
                format,
                "--color",
                "never",
                &format!("fixtures/loader/{name}"),
            ]);
            for secret in [
                "c3VwZXItc2VjcmV0",
                "b3RoZXItc2VjcmV0",
                "plain-text-password",
                "another-password",
                "hunter2",
                "correct-horse",
            ] {
                assert!(
                    !out.contains(secret),
                    "{format} output of {name} shows {secret}:\n{out}"
                );
            }
        }
    }
}
