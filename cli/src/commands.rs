//! The small commands: `rules`, `explain`, `init`, `policy test`, `config-schema`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use plimsoll_engine::config;

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `plimsoll rules`: every built-in rule, one line each.
pub fn rules(args: RulesArgs) -> anyhow::Result<ExitCode> {
    let mut out = String::new();
    if args.json {
        let list: Vec<serde_json::Value> = plimsoll_rules::all_rules()
            .map(|r| {
                serde_json::json!({
                    "id": r.id,
                    "category": r.category.as_str(),
                    "severity": r.default_severity.as_str(),
                    "enabledByDefault": r.default_enabled,
                    "summary": r.summary(),
                })
            })
            .collect();
        out = serde_json::to_string_pretty(&list)?;
        out.push('\n');
    } else {
        let _ = writeln!(
            out,
            "{:<38} {:<12} {:<8} {:<8} SUMMARY",
            "RULE", "CATEGORY", "SEVERITY", "DEFAULT"
        );
        for r in plimsoll_rules::all_rules() {
            let _ = writeln!(
                out,
                "{:<38} {:<12} {:<8} {:<8} {}",
                r.id,
                r.category.as_str(),
                r.default_severity.as_str(),
                if r.default_enabled { "on" } else { "opt-in" },
                r.summary()
            );
        }
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A rule id (`plimsoll rules` lists the built-in ones).
    pub rule: String,

    /// Also look among the rules of these Rego policies (repeatable).
    #[arg(long, value_name = "DIR")]
    pub policy: Vec<PathBuf>,
}

/// `plimsoll explain RULE`: the rule's documentation.
pub fn explain(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    if let Some(info) = plimsoll_rules::rule_info(&args.rule) {
        print!("# {}\n\n{}", info.id, info.docs());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(text) = builtin_explanation(&args.rule) {
        println!("# {}\n\n{text}", args.rule);
        return Ok(ExitCode::SUCCESS);
    }
    if !args.policy.is_empty() {
        let config = plimsoll_engine::Config {
            policies: args.policy.clone(),
            ..plimsoll_engine::Config::default()
        };
        let engine = plimsoll_engine::Engine::new(config)?;
        if let Some(rule) = engine
            .policy_rules()
            .into_iter()
            .find(|r| r.id == args.rule)
        {
            let mut out = format!("# {}\n\n", rule.id);
            if let Some(title) = &rule.title {
                let _ = writeln!(out, "{title}\n");
            }
            if let Some(description) = &rule.description {
                let _ = writeln!(out, "{description}\n");
            }
            let _ = writeln!(out, "Severity: {:?}", rule.severity);
            let _ = writeln!(out, "Defined at: {}", rule.location);
            for link in &rule.related_resources {
                let _ = writeln!(out, "See: {link}");
            }
            print!("{out}");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let similar = plimsoll_rules::all_rules()
        .map(|r| r.id)
        .find(|id| id.contains(args.rule.as_str()) || args.rule.contains(id));
    match similar {
        Some(id) => bail!(
            "no rule `{}` (did you mean `{id}`?); `plimsoll rules` lists them",
            args.rule
        ),
        None => bail!("no rule `{}`; `plimsoll rules` lists them", args.rule),
    }
}

/// Short documentation of the findings that come from reading files, schemas and suppressions.
fn builtin_explanation(id: &str) -> Option<&'static str> {
    Some(match id {
        "yaml-syntax" => {
            "The file is not valid YAML at this position. The rest of the document is not checked; the next document (after a `---` line) is."
        }
        "yaml-duplicate-key" => {
            "A key appears twice in one mapping. The API server rejects duplicate fields (strict field validation), and other tools silently keep only the last value. Remove one of the entries."
        }
        "yaml-invalid-value" => {
            "A value that JSON cannot carry (`.inf`, `.nan`), a core tag whose content does not fit (`!!int abc`), or a merge key `<<` whose value is not a mapping. Kubernetes reads YAML as JSON, so the API server rejects these."
        }
        "yaml-invalid-key" => {
            "A mapping or a sequence used as a mapping key. Kubernetes objects are JSON, whose keys are strings."
        }
        "yaml-alias-limit" => {
            "Aliases in the document expand to more than 1,000,000 nodes (a \"billion laughs\" document). The document is not checked; the others are."
        }
        "invalid-document" => {
            "A YAML document (or `List` item) is a sequence or a scalar, not a Kubernetes object."
        }
        "missing-api-version" => {
            "The object has no `apiVersion`, or it is not a non-empty string. The API server needs it to know the object's schema."
        }
        "missing-kind" => "The object has no `kind`, or it is not a non-empty string.",
        "missing-name" => "The object has neither `metadata.name` nor `metadata.generateName`.",
        "file-not-utf8" => "The file is not valid UTF-8; Kubernetes reads manifests as UTF-8.",
        "file-too-large" => {
            "The file is larger than `--max-file-size` (`maxFileSize`), so it was not read."
        }
        "not-kubernetes" => {
            "A file named on the command line holds no Kubernetes object (no document with `apiVersion` and `kind`). Files found by walking a folder are skipped silently instead."
        }
        "schema-invalid" => {
            "A value does not fit the OpenAPI schema of its kind for the target Kubernetes version (`--kubernetes-version`): a wrong type, a value out of range (32- and 64-bit integers), a malformed quantity, base64 or date, or a value outside an enum (custom resources). The message names the field as `kubectl explain` does."
        }
        "schema-unknown-field" => {
            "A field the schema of the kind does not declare. `kubectl apply` rejects unknown fields since Kubernetes 1.25 (strict field validation); `--strict=false` reports them as warnings. The help suggests the closest known field."
        }
        "schema-missing-required" => {
            "A field the schema requires is absent, such as a Deployment's `spec.selector` or a container's `name`. The finding points at the mapping that lacks it."
        }
        "unknown-kind" => {
            "No schema is known for this `apiVersion` and `kind`: not a built-in kind of the target version, not defined by a CustomResourceDefinition among the inputs or `--crds`, not found in `--schema-location`. Lower it with `rules: {unknown-kind: {severity: warning}}` in .plimsoll.yaml, or add the CRD."
        }
        "deprecated-api-version" => {
            "The `apiVersion` of this kind is deprecated in the target Kubernetes version and will be removed; the message names the release that removes it and the replacement to use."
        }
        "removed-api-version" => {
            "The `apiVersion` of this kind is no longer served by the target Kubernetes version; the API server rejects the object. The help names the replacement."
        }
        "unused-suppression" => {
            "A suppression (annotation or `# plimsoll-ignore` comment) silences nothing, or names a rule that does not exist. Remove it, or correct the rule id."
        }
        "expired-suppression" => {
            "A suppression's `until=` date has passed: it no longer silences anything. Fix the findings, or extend the date."
        }
        "policy-error" => {
            "A Rego policy failed at run time for this object (for example a type error). The other policies and objects are still evaluated."
        }
        "policy-time-limit" => "A Rego policy exceeded its evaluation time for this object.",
        "rejected-kind" => {
            "An object of a kind named by `--reject` (kubeconform's flag): it is left out of the run and reported."
        }
        _ => return plimsoll_engine::schema::api_server_check_doc(id),
    })
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Overwrite an existing .plimsoll.yaml.
    #[arg(long)]
    pub force: bool,
}

/// `plimsoll init`: writes a commented starter `.plimsoll.yaml` in the current folder.
pub fn init(args: InitArgs) -> anyhow::Result<ExitCode> {
    let path = PathBuf::from(config::FILE_NAMES[0]);
    if path.exists() && !args.force {
        bail!(
            "{} already exists; use --force to overwrite it",
            path.display()
        );
    }
    std::fs::write(&path, config::STARTER)
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!("plimsoll: wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Run the `test_*` rules of Rego policies, as `opa test` and `conftest verify` do.
    Test(PolicyTestArgs),
}

#[derive(Args, Debug)]
pub struct PolicyTestArgs {
    /// Folders (or files) of policies, their tests and data.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// `plimsoll policy test DIR…`
pub fn policy(command: PolicyCommand) -> anyhow::Result<ExitCode> {
    let PolicyCommand::Test(args) = command;
    let inputs =
        plimsoll_engine::policies::read(&args.paths, plimsoll_policy::PolicyOptions::default())?;
    let outcomes = inputs.run_tests()?;
    let mut passed = 0;
    let mut failed = 0;
    for outcome in &outcomes {
        if outcome.passed {
            passed += 1;
            println!(
                "PASS {}.{} ({})",
                outcome.package, outcome.name, outcome.location
            );
        } else {
            failed += 1;
            let why = outcome.failure.as_deref().unwrap_or("failed");
            println!(
                "FAIL {}.{} ({}): {why}",
                outcome.package, outcome.name, outcome.location
            );
            for line in &outcome.output {
                println!("     {line}");
            }
        }
    }
    if outcomes.is_empty() {
        eprintln!("plimsoll: no test_* rules found");
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `plimsoll config-schema`: the JSON Schema of `.plimsoll.yaml`.
pub fn config_schema() -> anyhow::Result<ExitCode> {
    print!("{}", config::json_schema());
    Ok(ExitCode::SUCCESS)
}
