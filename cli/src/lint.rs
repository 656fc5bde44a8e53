//! `plimsoll lint`.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;
use plimsoll_engine::{Config, Input};

use crate::args::LintArgs;
use crate::output;

pub fn run(args: LintArgs) -> anyhow::Result<ExitCode> {
    let mut inputs = Vec::new();
    let paths = if args.paths.is_empty() {
        vec![std::path::PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    for path in paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("reading standard input")?;
            inputs.push(Input::Text {
                name: "<stdin>".to_owned(),
                bytes,
            });
        } else {
            inputs.push(Input::Path(path));
        }
    }
    let mut config = Config {
        exclude: args.exclude.clone(),
        ..Config::default()
    };
    config.load.max_file_size = args.max_file_size;

    let report = plimsoll_engine::lint(&inputs, &config)?;
    output::emit(&report, &args.output)
}
