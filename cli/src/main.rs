//! The `plimsoll` command: argument parsing, configuration, and printing reports.

mod args;
mod lint;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Lint(lint) => lint::run(lint),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("plimsoll: error: {error:#}");
            ExitCode::from(2)
        }
    }
}
