#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Values that are credentials by their shape, and secret-looking ConfigMap values, are
//! masked by the loader: no rendering of the source shows them, whatever rules run.

mod common;

use std::fs;

fn masked(fixture: &str) -> String {
    let path = common::workspace_root()
        .join("fixtures/rules")
        .join(fixture);
    let text = fs::read_to_string(path).unwrap();
    let objects = common::load(fixture, &text);
    let source = &objects[0].source;
    source.redacted(0..source.text().len())
}

#[test]
fn env_values_shaped_like_credentials_are_masked() {
    let out = masked("secret-in-env-literal/fire-value-shapes.yaml");
    for secret in [
        "PRIVATE KEY",
        "MIIEowIBAAKCAQEA",
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_0123456789",
        "hooks.slack.com",
        "xoxb-",
        "eyJhbGci",
        "hunter2",
    ] {
        assert!(!out.contains(secret), "{secret} is shown:\n{out}");
    }
    assert!(out.contains("- name: SIGNING"), "{out}");
    assert!(out.contains("image: example.com/worker:1.0"), "{out}");
}

#[test]
fn ordinary_env_values_stay_visible() {
    let out = masked("secret-in-env-literal/pass-value-shapes.yaml");
    for visible in [
        "BEGIN CERTIFICATE",
        "BEGIN PUBLIC KEY",
        "registry.example.com/team/sidecar:1.2.3",
    ] {
        assert!(out.contains(visible), "{visible} is masked:\n{out}");
    }
}

#[test]
fn config_map_values_that_look_like_secrets_are_masked() {
    let out = masked("secret-in-config-map/fire.yaml");
    for secret in [
        "hunter2",
        "s3cr3t-value",
        "PRIVATE KEY",
        "MHcCAQEE",
        "ghp_0123456789",
    ] {
        assert!(!out.contains(secret), "{secret} is shown:\n{out}");
    }
    assert!(out.contains("LOG_LEVEL: info"), "{out}");
    assert!(out.contains("\n  app.ini: |"), "{out}");
    assert!(out.contains("DB_PASSWORD: *******\n"), "{out}");
    let out = masked("secret-in-config-map/pass.yaml");
    for visible in [
        "/var/run/secrets/tokens/api",
        "auth_mode = oidc",
        "BEGIN CERTIFICATE",
    ] {
        assert!(out.contains(visible), "{visible} is masked:\n{out}");
    }
}
