//! The small commands: `rules`, `explain`, `init`, `policy test`, `config-schema`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use plimsoll_core::Severity;
use plimsoll_engine::config;

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,

    /// Say which rules are on in this profile (minimal, default, strict, all) instead of by default.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
}

/// `plimsoll rules`: every built-in rule, one line each.
pub fn rules(args: RulesArgs) -> anyhow::Result<ExitCode> {
    // The built-in rules, then the ids of the other stages (always on; `rules:` and
    // `--disable` accept them too).
    if let Some(profile) = &args.profile
        && !plimsoll_rules::PROFILES.contains(&profile.as_str())
    {
        bail!(
            "unknown profile `{profile}` (expected one of: {})",
            plimsoll_rules::PROFILES.join(", ")
        );
    }
    let enabled = |r: &plimsoll_rules::RuleInfo| match &args.profile {
        Some(profile) => plimsoll_rules::in_profile(profile, r).unwrap_or(r.default_enabled),
        None => r.default_enabled,
    };
    let rows: Vec<(&str, &str, &str, bool, &str)> = plimsoll_rules::all_rules()
        .map(|r| {
            (
                r.id,
                r.category.as_str(),
                r.default_severity.as_str(),
                enabled(r),
                r.summary(),
            )
        })
        .chain(
            STAGE_RULES
                .iter()
                .map(|r| (r.id, r.category, r.severity.as_str(), true, r.summary())),
        )
        .collect();
    let mut out = String::new();
    if args.json {
        let list: Vec<serde_json::Value> = rows
            .iter()
            .map(|(id, category, severity, enabled, summary)| {
                serde_json::json!({
                    "id": id,
                    "category": category,
                    "severity": severity,
                    "enabledByDefault": enabled,
                    "admission": plimsoll_engine::admission::runs_at_admission(id),
                    "summary": summary,
                })
            })
            .collect();
        out = serde_json::to_string_pretty(&list)?;
        out.push('\n');
    } else {
        let _ = writeln!(
            out,
            "{:<38} {:<12} {:<8} {:<8} {:<9} SUMMARY",
            "RULE", "CATEGORY", "SEVERITY", "DEFAULT", "ADMISSION"
        );
        // ADMISSION: whether `plimsoll webhook` runs the rule (rules across objects need
        // the other objects, which admission does not have).
        for (id, category, severity, enabled, summary) in &rows {
            let _ = writeln!(
                out,
                "{id:<38} {category:<12} {severity:<8} {:<8} {:<9} {summary}",
                if *enabled { "on" } else { "opt-in" },
                if plimsoll_engine::admission::runs_at_admission(id) {
                    "yes"
                } else {
                    "no"
                },
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
    if let Some(stage) = stage_rule(&args.rule) {
        println!("# {}\n\n{}", stage.id, stage.text);
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
    // Another linter's name for the same check (kube-linter's `latest-tag`).
    for tool in [
        plimsoll_rules::Tool::KubeLinter,
        plimsoll_rules::Tool::Polaris,
        plimsoll_rules::Tool::KubeScore,
    ] {
        let ids = plimsoll_rules::equivalent_rules(tool, &args.rule);
        if ids.is_empty() {
            continue;
        }
        let names: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
        let mut out = format!(
            "`{}` is {}'s name for {}.\n\n",
            args.rule,
            tool.as_str(),
            names.join(", ")
        );
        for id in ids {
            if let Some(info) = plimsoll_rules::rule_info(id) {
                let _ = write!(out, "# {}\n\n{}\n", info.id, info.docs());
            }
        }
        let text = format!("{}\n", out.trim_end_matches('\n'));
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        // A closed pipe (`plimsoll explain latest-tag | head`) is not an error worth reporting.
        let _ = stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush());
        return Ok(ExitCode::SUCCESS);
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

/// A finding of the loader, schema, suppression or policy stage: not a rule of the registry,
/// but an id that `rules:`, `--disable` and suppressions accept like one.
pub struct StageRule {
    pub id: &'static str,
    pub category: &'static str,
    pub severity: Severity,
    /// The documentation; its first sentence is the summary.
    pub text: &'static str,
}

impl StageRule {
    /// The first sentence of the documentation.
    pub fn summary(&self) -> &'static str {
        match self.text.find(". ") {
            Some(end) => &self.text[..=end],
            None => self.text,
        }
    }
}

macro_rules! stage {
    ($id:literal, $category:literal, $severity:ident, $text:expr) => {
        StageRule {
            id: $id,
            category: $category,
            severity: Severity::$severity,
            text: $text,
        }
    };
}

/// The ids of the loader, schema, suppression and policy stages, in the order `plimsoll rules`
/// lists them (after the built-in rules).
pub const STAGE_RULES: &[StageRule] = &[
    stage!(
        "yaml-syntax",
        "loader",
        Error,
        "The file is not valid YAML at this position. The rest of the document is not checked; the next document (after a `---` line) is."
    ),
    stage!(
        "yaml-duplicate-key",
        "loader",
        Error,
        "A key appears twice in one mapping. The API server rejects duplicate fields (strict field validation), and other tools silently keep only the last value. Remove one of the entries."
    ),
    stage!(
        "yaml-invalid-value",
        "loader",
        Error,
        "A value that JSON cannot carry (`.inf`, `.nan`), a core tag whose content does not fit (`!!int abc`), or a merge key `<<` whose value is not a mapping. Kubernetes reads YAML as JSON, so the API server rejects these."
    ),
    stage!(
        "yaml-invalid-key",
        "loader",
        Error,
        "A mapping or a sequence used as a mapping key. Kubernetes objects are JSON, whose keys are strings."
    ),
    stage!(
        "yaml-alias-limit",
        "loader",
        Error,
        "Aliases in the document expand to more than 1,000,000 nodes (a \"billion laughs\" document), or aliases in the whole file to more than 4,000,000: the document is not checked; the others are. Over all the files of a run, aliases may add `--max-alias-nodes` (`maxAliasNodes`, default 10,000,000) nodes: a file whose aliases do not fit in what is left is not checked, and files without aliases always are."
    ),
    stage!(
        "yaml-depth-limit",
        "loader",
        Error,
        "Collections in the document nest deeper than `--max-depth` (`maxDepth`, default 1,000) levels. Kubernetes objects nest a few dozen levels at most, so such a document is made to crash parsers; it is not checked, the others are."
    ),
    stage!(
        "invalid-document",
        "loader",
        Error,
        "A YAML document (or `List` item) is a sequence or a scalar, not a Kubernetes object."
    ),
    stage!(
        "missing-api-version",
        "loader",
        Error,
        "The object has no `apiVersion`, or it is not a non-empty string. The API server needs it to know the object's schema."
    ),
    stage!(
        "missing-kind",
        "loader",
        Error,
        "The object has no `kind`, or it is not a non-empty string."
    ),
    stage!(
        "missing-name",
        "loader",
        Error,
        "The object has neither `metadata.name` nor `metadata.generateName`."
    ),
    stage!(
        "file-not-utf8",
        "loader",
        Error,
        "The file is not valid UTF-8; Kubernetes reads manifests as UTF-8."
    ),
    stage!(
        "file-too-large",
        "loader",
        Error,
        "The file is larger than `--max-file-size` (`maxFileSize`), so it was not read."
    ),
    stage!(
        "not-kubernetes",
        "loader",
        Warning,
        "A file named on the command line holds no Kubernetes object (no document with `apiVersion` and `kind`). Files found by walking a folder are skipped silently instead."
    ),
    stage!(
        "schema-invalid",
        "schema",
        Error,
        "A value does not fit the OpenAPI schema of its kind for the target Kubernetes version (`--kubernetes-version`): a wrong type, a value out of range (32- and 64-bit integers), a malformed quantity, base64 or date, or a value outside an enum (custom resources). The message names the field as `kubectl explain` does."
    ),
    stage!(
        "schema-unknown-field",
        "schema",
        Error,
        "A field the schema of the kind does not declare. `kubectl apply` rejects unknown fields since Kubernetes 1.25 (strict field validation); `--strict=false` reports them as warnings. The help suggests the closest known field."
    ),
    stage!(
        "schema-missing-required",
        "schema",
        Error,
        "A field the schema requires is absent, such as a Deployment's `spec.selector` or a container's `name`. The finding points at the mapping that lacks it."
    ),
    stage!(
        "unknown-kind",
        "schema",
        Error,
        "No schema is known for this `apiVersion` and `kind`: not a built-in kind of the target version, not defined by a CustomResourceDefinition among the inputs or `--crds`, not found in `--schema-location`. For custom resources whose CRD is not at hand, choose one: give the CRD (`--crds DIR`); give a schema location, a folder of JSON schemas in kubeconform's layout (`--schema-location 'schemas/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'`), or a URL template such as the community CRD catalog's, fetched once into the schema cache (`--offline` reads only the cache); lower the finding with `rules: {unknown-kind: {severity: warning}}` in .plimsoll.yaml; or turn it off with `--disable unknown-kind`."
    ),
    stage!(
        "deprecated-api-version",
        "schema",
        Warning,
        "The `apiVersion` of this kind is deprecated in the target Kubernetes version and will be removed; the message names the release that removes it and the replacement to use."
    ),
    stage!(
        "removed-api-version",
        "schema",
        Error,
        "The `apiVersion` of this kind is no longer served by the target Kubernetes version; the API server rejects the object. The help names the replacement."
    ),
    stage!(
        "schema-validation-rule",
        "schema",
        Error,
        "A custom resource breaks a CEL rule (`x-kubernetes-validations`) of its CustomResourceDefinition, evaluated offline as the API server does on create: the message is the rule's `message` (or its evaluated `messageExpression`), the finding points at the rule's `fieldPath` or at the field that carries the rule, and the help shows the rule. Rules that read `oldSelf` are skipped (there is no old object) unless `optionalOldSelf: true`. Also reported on the CRD itself, at the rule's line, when a rule does not compile, and on the resource when a rule fails at run time or its estimated cost exceeds the budget. See docs/cel.md."
    ),
    stage!(
        "admission-policy",
        "policy",
        Error,
        "A ValidatingAdmissionPolicy (from the inputs or a `--policy` folder), through one of its bindings, rejects the CREATE request of this object: a validation's expression is false. The severity follows the binding's `validationActions`: Deny is an error, Warn a warning, Audit an info. The message names the policy and the binding; the finding points at the field the expression reads (`object.spec.replicas`) when the object has it. See docs/cel.md."
    ),
    stage!(
        "admission-policy-error",
        "policy",
        Error,
        "A ValidatingAdmissionPolicy cannot be used: an expression does not compile (reported on the policy, which is then left out), or fails on this object while the policy's `failurePolicy` is `Fail` (with `Ignore`, the failure is silent, as in the API server)."
    ),
    stage!(
        "admission-audit-annotation",
        "policy",
        Info,
        "The value of an `auditAnnotations` entry of a ValidatingAdmissionPolicy for this object, as the API server would record it in the audit log."
    ),
    stage!(
        "schema-invalid-port",
        "schema",
        Error,
        plimsoll_engine::schema::API_SERVER_CHECKS[0].doc
    ),
    stage!(
        "schema-duplicate-name",
        "schema",
        Error,
        plimsoll_engine::schema::API_SERVER_CHECKS[1].doc
    ),
    stage!(
        "schema-unknown-volume",
        "schema",
        Error,
        plimsoll_engine::schema::API_SERVER_CHECKS[2].doc
    ),
    stage!(
        "schema-probe-handler",
        "schema",
        Error,
        plimsoll_engine::schema::API_SERVER_CHECKS[3].doc
    ),
    stage!(
        "schema-restart-policy",
        "schema",
        Error,
        plimsoll_engine::schema::API_SERVER_CHECKS[4].doc
    ),
    stage!(
        "schema-invalid-value",
        "schema",
        Error,
        plimsoll_engine::schema::API_SERVER_CHECKS[5].doc
    ),
    stage!(
        "rejected-kind",
        "loader",
        Error,
        "An object of a kind named by `--reject` (kubeconform's flag): it is left out of the run and reported."
    ),
    stage!(
        "unused-suppression",
        "suppression",
        Info,
        "A suppression (annotation or `# plimsoll-ignore` comment) silences nothing, or names a rule that does not exist. Remove it, or correct the rule id."
    ),
    stage!(
        "expired-suppression",
        "suppression",
        Warning,
        "A suppression's `until=` date has passed: it no longer silences anything. Fix the findings, or extend the date."
    ),
    stage!(
        "policy-error",
        "policy",
        Error,
        "A Rego policy failed at run time for this object (for example a type error). The other policies and objects are still evaluated."
    ),
    stage!(
        "policy-time-limit",
        "policy",
        Error,
        "A Rego policy exceeded its evaluation time for this object."
    ),
    stage!(
        "helm-not-found",
        "loader",
        Error,
        "A Helm chart is among the inputs, but there is no `helm` binary to render it with: `helm` is not on `PATH`, or the one named by `--helm PATH` (`helm.binary`) cannot be run. The chart is not checked; the finding sits on its `Chart.yaml`. Install Helm 3 or 4, or render the chart yourself and pipe it in (`helm template RELEASE CHART | plimsoll lint -`); `--no-helm` leaves charts out instead."
    ),
    stage!(
        "helm-template-error",
        "loader",
        Error,
        "`helm template` failed in one of the chart's templates (a parse error, an execution error, a nil pointer, a `required` or `fail` call), or a template renders text that is not YAML. The render yields no objects; the finding sits on the template file and line helm names. Fix the template, or the values it reads."
    ),
    stage!(
        "helm-values-schema",
        "loader",
        Error,
        "The values of a render break the chart's `values.schema.json`. Helm then renders nothing for that render, so its objects are not checked; the other renders of the chart still are. The finding sits on the values key (or the `--set` entry) that set the value, else on `values.schema.json`. Correct the value, or the schema."
    ),
    stage!(
        "helm-missing-dependencies",
        "loader",
        Error,
        "The chart lists dependencies in `Chart.yaml` that are not in its `charts/` folder, so helm cannot render it. Run `helm dependency build` in the chart's folder first."
    ),
    stage!(
        "helm-render-error",
        "loader",
        Error,
        "`helm template` failed for a reason that is not in a template, the values schema or the dependencies (an unreadable chart, a values file that is not YAML, a bad `--set`). The chart's render yields no objects; the finding sits on `Chart.yaml` with helm's message."
    ),
];

pub fn stage_rule(id: &str) -> Option<&'static StageRule> {
    STAGE_RULES.iter().find(|r| r.id == id)
}

/// The one-line summary of a built-in rule or stage id.
pub fn summary(id: &str) -> Option<&'static str> {
    match plimsoll_rules::rule_info(id) {
        Some(info) => Some(info.summary()),
        None => stage_rule(id).map(StageRule::summary),
    }
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
    /// Run the `test_*` rules of Rego policies, as `opa test` and `conftest verify` do, the
    /// admission-policy tests of `kyverno-test.yaml` files, and Gatekeeper `Suite` files as
    /// `gator verify` does.
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
    // Admission policies: `kyverno-test.yaml` files (docs/cel.md).
    let admission = plimsoll_engine::vap_test::run_tests(&args.paths)?;
    for outcome in &admission {
        if outcome.passed() {
            passed += 1;
            println!("PASS {} ({})", outcome.name, outcome.actual);
        } else {
            failed += 1;
            println!(
                "FAIL {}: expected {}, got {}",
                outcome.name, outcome.expected, outcome.actual
            );
        }
    }
    // Gatekeeper `Suite` files, as `gator verify` runs them.
    let gator = plimsoll_engine::gator_test::run_tests(&args.paths)?;
    for outcome in &gator {
        match (&outcome.failure, outcome.skipped) {
            (_, true) => println!("SKIP {}", outcome.name),
            (None, false) => {
                passed += 1;
                println!("PASS {}", outcome.name);
            }
            (Some(why), false) => {
                failed += 1;
                println!("FAIL {}: {why}", outcome.name);
            }
        }
    }
    if outcomes.is_empty() && admission.is_empty() && gator.is_empty() {
        // Nothing was tested: a failure, as `conftest verify` and `opa test` make it.
        eprintln!(
            "plimsoll: no test_* rules, kyverno-test.yaml files or Gatekeeper Suite files found"
        );
        return Ok(ExitCode::from(1));
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

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `plimsoll completions SHELL`: a completion script generated from the argument definitions.
pub fn completions(args: CompletionsArgs) -> anyhow::Result<ExitCode> {
    let mut command = <crate::args::Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "plimsoll", &mut out);
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`plimsoll completions bash | head`) is not an error worth reporting.
    let _ = stdout.write_all(&out).and_then(|()| stdout.flush());
    Ok(ExitCode::SUCCESS)
}

/// `plimsoll man`: the manual page, with a section per subcommand, from the argument definitions.
pub fn man() -> anyhow::Result<ExitCode> {
    let command = <crate::args::Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut out)
        .context("rendering the manual page")?;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        // A one-shot command: the names live until the process exits.
        let name: &'static str = format!("plimsoll-{}", sub.get_name()).leak();
        let bin_name: &'static str = format!("plimsoll {}", sub.get_name()).leak();
        let sub = sub.clone().name(name).bin_name(bin_name);
        out.extend_from_slice(
            b".\\\" ------------------------------------------------------------\n",
        );
        clap_mangen::Man::new(sub)
            .title(name)
            .render(&mut out)
            .context("rendering the manual page")?;
    }
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(&out).and_then(|()| stdout.flush());
    Ok(ExitCode::SUCCESS)
}
