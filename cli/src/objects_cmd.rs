//! `plimsoll objects FILE...`: the objects read from files, printed as the checks see them.
//!
//! Every value is printed as the YAML reader resolved it (`0777` is 511, `on` is `true`), so
//! that what plimsoll reads can be compared with what `kubectl ... -o json` prints. Items of
//! a `List` are printed one by one, as kubectl does.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use plimsoll_core::{Discovery, LoadOptions, Severity};
use serde_json::{Value, json};

#[derive(Args, Debug)]
pub struct ObjectsArgs {
    /// Files to read; `-` reads standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,

    /// How to print the objects: one JSON value (the object, or a `List` of several, as
    /// `kubectl -o json` prints them) or YAML documents.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = ObjectsFormat::Json)]
    pub format: ObjectsFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ObjectsFormat {
    Json,
    Yaml,
}

/// Prints the objects; problems reading them go to standard error, and make the exit code 1.
pub fn run(args: ObjectsArgs) -> anyhow::Result<ExitCode> {
    let options = LoadOptions::default();
    let mut objects = Vec::new();
    let mut failed = false;
    let mut stderr = std::io::stderr().lock();
    for path in &args.paths {
        let (name, bytes) = if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("reading standard input")?;
            ("-".to_owned(), bytes)
        } else {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            (path.display().to_string(), bytes)
        };
        let file = plimsoll_core::load_bytes(&name, bytes, Discovery::Explicit, &options);
        for d in &file.diagnostics {
            if d.severity == Severity::Error && d.rule.starts_with("yaml-") {
                failed = true;
            }
            let level = d.severity.as_str();
            let at = d
                .location
                .as_ref()
                .map(|l| {
                    let start = l.start();
                    format!("{}:{}:{}: ", l.file(), start.line, start.column)
                })
                .unwrap_or_default();
            writeln!(stderr, "{at}{level}[{}]: {}", d.rule, d.message)?;
        }
        objects.extend(file.objects.into_iter().map(|o| o.value));
    }
    let text = match args.format {
        ObjectsFormat::Json => {
            let value = if objects.len() == 1 {
                objects.pop().unwrap_or(Value::Null)
            } else {
                json!({"apiVersion": "v1", "kind": "List", "items": objects})
            };
            let mut text = serde_json::to_string_pretty(&value)?;
            text.push('\n');
            text
        }
        ObjectsFormat::Yaml => plimsoll_engine::kustomize::to_yaml(objects.iter()),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
