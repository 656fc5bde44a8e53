//! `plimsoll lint`.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use anyhow::Context;
use plimsoll_core::Severity;
use plimsoll_engine::{Config, Input};

use crate::args::{ColorChoice, FailOn, Format, LintArgs};
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
    let fail_on = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };

    let to_terminal = args.output.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let text = match args.format {
        Format::Human => output::human::render(
            &report,
            &output::human::Options {
                color,
                summary: !args.quiet,
            },
        ),
        Format::Json => output::json::render(&report),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`plimsoll lint | head`) is not an error worth reporting.
            let _ = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush());
        }
    }
    Ok(if report.fails(fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
