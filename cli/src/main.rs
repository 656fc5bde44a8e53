//! The `plimsoll` command: argument parsing, configuration, and printing reports.

mod args;
mod baseline_cmd;
mod changed;
mod check_args;
mod commands;
mod fix;
mod kustomize_cmd;
mod lint;
mod objects_cmd;
mod output;
mod webhook;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Lint(lint) => lint::run(lint),
        args::Command::Baseline(baseline) => baseline_cmd::run(baseline),
        args::Command::Rules(rules) => commands::rules(rules),
        args::Command::Explain(explain) => commands::explain(explain),
        args::Command::Init(init) => commands::init(init),
        args::Command::Policy(policy) => commands::policy(policy),
        args::Command::ConfigSchema => commands::config_schema(),
        args::Command::Completions(completions) => commands::completions(completions),
        args::Command::Man => commands::man(),
        args::Command::Kustomize(kustomize) => kustomize_cmd::run(kustomize),
        args::Command::Objects(objects) => objects_cmd::run(objects),
        args::Command::Webhook(webhook) => webhook::run(webhook),
        args::Command::Lsp => plimsoll_lsp::run_stdio()
            .map(|()| ExitCode::SUCCESS)
            .map_err(|e| anyhow::anyhow!("language server: {e}")),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            // Each cause once: a wrapper that repeats its source's text adds nothing.
            let mut message = String::new();
            for cause in error.chain().map(ToString::to_string) {
                if !message.contains(&cause) {
                    if !message.is_empty() {
                        message.push_str(": ");
                    }
                    message.push_str(&cause);
                }
            }
            eprintln!("plimsoll: error: {message}");
            ExitCode::from(2)
        }
    }
}
