//! The code each fuzz target runs on one input. The same file is compiled into the stable
//! test `tests/hostile_input.rs`, which runs every seed input through it, so that a machine
//! without a nightly toolchain still checks what the fuzzers found.

use std::cell::RefCell;

use plimsoll_core::{Discovery, LoadOptions};
use plimsoll_engine::{Config, Engine, Input};
use plimsoll_policy::{PolicyOptions, PolicySetBuilder};
use plimsoll_webhook::decide::{Mode, Rules};

/// The YAML loader on one file: values, spans, secrets, diagnostics.
pub fn yaml_loader(data: &[u8]) {
    let file = plimsoll_core::load_bytes(
        "fuzz.yaml",
        data.to_vec(),
        Discovery::Explicit,
        &LoadOptions::default(),
    );
    for d in &file.diagnostics {
        if let Some(location) = &d.location {
            let _ = location.source.line_col(location.span.start as usize);
        }
    }
    let _ = file.source.masked();
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// The fast YAML path against the general parser on one text: any difference in documents,
/// values, spans, key spans, indexes or errors is a failure (the depth limit is checked
/// with a small one too).
pub fn yaml_fast(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let shallow = plimsoll_core::yaml::ParseOptions {
        max_depth: 3,
        ..plimsoll_core::yaml::ParseOptions::default()
    };
    for options in [plimsoll_core::yaml::ParseOptions::default(), shallow] {
        if let Err(difference) = plimsoll_core::yaml::fast::agreement(text, options) {
            panic!("the fast YAML path disagrees with the general parser: {difference}");
        }
    }
}

/// The whole lint of one file, through an engine built once per thread.
pub fn lint_file(data: &[u8]) {
    ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Engine::new(Config::default()).ok();
        }
        if let Some(engine) = slot.as_ref() {
            let input = Input::Text {
                name: "fuzz.yaml".to_owned(),
                bytes: data.to_vec(),
            };
            let _ = engine.lint(&[input]);
        }
    });
}

/// The configuration file reader.
pub fn config_reader(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = plimsoll_engine::config::parse(".plimsoll.yaml", text.to_owned());
    }
}

/// Loading (parsing and compiling) one Rego module.
pub fn rego_policy(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let mut builder = PolicySetBuilder::new(PolicyOptions::default());
        if builder.add_module("fuzz.rego", text).is_ok() {
            let _ = builder.build();
        }
    }
}

thread_local! {
    static WEBHOOK: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// The webhook's handling of one request body, from parsing to the decision, with a
/// Gatekeeper constraint and a conftest policy loaded so that policy reviews run too.
pub fn webhook_request(data: &[u8]) {
    WEBHOOK.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            // The fuzz package sits in `fuzz/`; the stable test compiles this file at the root.
            let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let fixtures = [here.join("fixtures"), here.join("../fixtures")]
                .into_iter()
                .find(|p| p.is_dir())
                .unwrap_or_default();
            let config = Config {
                policies: vec![
                    fixtures.join("policies/conftest"),
                    fixtures.join("policies/gatekeeper/required-labels.yaml"),
                ],
                ..Config::default()
            };
            *slot = Engine::new(config).ok();
        }
        if let Some(engine) = slot.as_ref() {
            let rules = Rules {
                fail_on: plimsoll_core::Severity::Error,
                mode: Mode::Enforce,
                enforcement: Default::default(),
            };
            let _ = plimsoll_webhook::review::decide_body(data, engine, &rules);
        }
    });
}
