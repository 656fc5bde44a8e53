//! Snapshots of `plimsoll lint` exactly as users see it, one per fixture under
//! `fixtures/loader/`, in human and JSON form.

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

fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace().join("fixtures/loader"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_loader_fixture_renders_as_snapshotted() {
    let names = fixtures();
    assert!(
        names.len() >= 10,
        "fixtures/loader has {} files",
        names.len()
    );
    for name in names {
        let path = format!("fixtures/loader/{name}");
        let (human, code) = lint(&["--color", "never", "--quiet", &path]);
        insta::assert_snapshot!(format!("{name}.human"), format!("exit: {code}\n{human}"));

        let (json, _) = lint(&["--format", "json", &path]);
        let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
        value["summary"]["durationMs"] = 0.into();
        insta::assert_json_snapshot!(format!("{name}.json"), value);
    }
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
