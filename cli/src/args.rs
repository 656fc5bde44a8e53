//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "plimsoll",
    version,
    about = "Check Kubernetes manifests against schemas, rules and policies, with exact positions",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check manifests: files, folders (walked, .gitignore respected) or `-` for standard input.
    Lint(LintArgs),
    /// Record the current findings in a baseline file, so that `lint --baseline FILE`
    /// reports and gates only new ones.
    Baseline(crate::baseline_cmd::BaselineArgs),
    /// List the built-in rules.
    Rules(crate::commands::RulesArgs),
    /// Print a rule's documentation.
    Explain(crate::commands::ExplainArgs),
    /// Write a commented starter .plimsoll.yaml in the current folder.
    Init(crate::commands::InitArgs),
    /// Work with Rego policies.
    #[command(subcommand)]
    Policy(crate::commands::PolicyCommand),
    /// Print the JSON Schema of .plimsoll.yaml.
    ConfigSchema,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(crate::commands::CompletionsArgs),
    /// Print the manual page (roff), e.g. `plimsoll man > plimsoll.1`.
    Man,
    /// Build Kustomize trees in-process (`kustomize build DIR`).
    #[command(subcommand)]
    Kustomize(crate::kustomize_cmd::KustomizeCommand),
    /// Print the objects read from files as JSON (or `-o yaml`), values as the checks see them.
    Objects(crate::objects_cmd::ObjectsArgs),
    /// Serve a validating admission webhook over HTTPS (docs/webhook.md).
    Webhook(crate::webhook::WebhookArgs),
    /// Run the language server on standard input and output (docs/editors.md).
    Lsp,
}

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Files and folders to check; `-` reads standard input. Default: the current folder.
    pub paths: Vec<PathBuf>,

    #[command(flatten)]
    pub output: crate::output::OutputArgs,

    #[command(flatten)]
    pub check: crate::check_args::CheckArgs,

    #[command(flatten)]
    pub partial: crate::lint::PartialArgs,

    #[command(flatten)]
    pub fix: crate::fix::FixArgs,
}
