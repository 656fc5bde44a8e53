//! The schema stage: every object against the OpenAPI schema of its kind, for the chosen
//! Kubernetes version, with custom resources checked against the CRDs of the run.
//!
//! The built-in catalog is made once per engine (`--kubernetes-version`, schema locations,
//! `--crds` folders); a run that holds `CustomResourceDefinition`s works on a copy with them
//! added, so that a custom resource is validated by the CRDs of its own run, in any file order.

use std::path::PathBuf;
use std::sync::Arc;

use plimsoll_core::{Diagnostic, LoadOptions, Object, Severity};
use plimsoll_schemas::{Catalog, Level, SchemaFinding, rule};
use rayon::prelude::*;

use crate::EngineError;

/// A CRD of a run converted for its catalog, or the finding that it cannot be used.
pub struct PreparedCrd {
    crd: Option<plimsoll_schemas::PreparedCrd>,
    diagnostics: Vec<Diagnostic>,
}

pub struct SchemaStage {
    base: Catalog,
    strict: bool,
    /// The reader of schema locations that are URLs, when there are any.
    fetcher: Option<Arc<crate::fetch::SchemaFetcher>>,
    /// Problems found in the `--crds` folders, reported with every run.
    pub startup: Vec<Diagnostic>,
}

/// The checks of the API server's own validation, in the order of their ids' documentation.
pub const API_SERVER_CHECKS: &[plimsoll_schemas::apiserver::ApiServerCheck] =
    plimsoll_schemas::apiserver::CHECKS;

/// An object of a kind named by `--reject`.
pub const REJECTED_KIND: &str = "rejected-kind";

/// Whether `object` is of a kind in `specs`: `Deployment` or `apps/v1/Deployment`.
fn kind_matches(specs: &[String], object: &Object) -> bool {
    specs
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .any(|spec| {
            spec == object.kind()
                || spec.rsplit_once('/').is_some_and(|(version, kind)| {
                    kind == object.kind() && version == object.api_version()
                })
        })
}

/// `--skip` and `--reject`: objects of skipped kinds leave the run; objects of rejected kinds
/// leave it with a `rejected-kind` error.
pub fn filter_kinds(config: &crate::Config, objects: &mut Vec<Object>, out: &mut Vec<Diagnostic>) {
    if config.skip_kinds.is_empty() && config.reject_kinds.is_empty() {
        return;
    }
    objects.retain(|object| {
        if kind_matches(&config.skip_kinds, object) {
            return false;
        }
        if kind_matches(&config.reject_kinds, object) {
            out.push(
                object
                    .diagnostic(
                        REJECTED_KIND,
                        Severity::Error,
                        "/kind",
                        format!(
                            "objects of kind `{}` are not allowed here (--reject)",
                            object.kind()
                        ),
                    )
                    .with_help("remove the object, or take its kind out of `--reject`"),
            );
            return false;
        }
        true
    });
}

/// Compiles `--ignore-filename-pattern` expressions.
pub fn compile_patterns(patterns: &[String]) -> Result<Vec<regex::Regex>, EngineError> {
    patterns
        .iter()
        .map(|p| {
            regex::Regex::new(p).map_err(|e| {
                EngineError::Schema(format!("invalid --ignore-filename-pattern `{p}`: {e}"))
            })
        })
        .collect()
}

/// Whether a file's path matches one of the `--ignore-filename-pattern` expressions.
pub fn is_ignored(patterns: &[regex::Regex], path: &std::path::Path) -> bool {
    !patterns.is_empty() && {
        let text = path.to_string_lossy();
        patterns.iter().any(|p| p.is_match(&text))
    }
}

/// The documentation of a check of the API server's own validation (`schema-invalid-port`…).
pub fn api_server_check_doc(id: &str) -> Option<&'static str> {
    plimsoll_schemas::apiserver::check(id).map(|c| c.doc)
}

pub fn is_crd(object: &Object) -> bool {
    object.kind() == "CustomResourceDefinition" && object.group() == "apiextensions.k8s.io"
}

impl SchemaStage {
    pub fn new(
        version: Option<&str>,
        strict: bool,
        locations: &[String],
        crds: &[PathBuf],
        load: &LoadOptions,
        offline: bool,
    ) -> Result<SchemaStage, EngineError> {
        let version = version.unwrap_or(plimsoll_schemas::default_version());
        let mut base = Catalog::new(version).map_err(|e| EngineError::Schema(e.to_string()))?;
        base.set_strict(strict);
        for template in locations {
            base.add_schema_location(template)
                .map_err(|e| EngineError::Schema(e.to_string()))?;
        }
        let fetcher = locations.iter().any(|l| crate::fetch::is_url(l)).then(|| {
            Arc::new(crate::fetch::SchemaFetcher::new(
                crate::fetch::default_cache_dir(),
                offline,
            ))
        });
        if let Some(fetcher) = &fetcher {
            let reader = Arc::clone(fetcher);
            base.set_schema_reader(move |path| reader.read(path));
        }
        let mut startup = Vec::new();
        if !crds.is_empty() {
            let inputs: Vec<crate::Input> = crds.iter().cloned().map(crate::Input::Path).collect();
            // Read with the run's limits (`--max-file-size`, `--max-depth`), as manifests are.
            let config = crate::Config {
                load: load.clone(),
                ..crate::Config::default()
            };
            let loaded = crate::load(&inputs, &config)?;
            // A CRD file that could not be read (too large, not UTF-8, broken YAML) says so.
            startup.extend(loaded.files.iter().flat_map(|f| {
                f.diagnostics
                    .iter()
                    .filter(|d| d.rule.starts_with("file-") || d.rule.starts_with("yaml-"))
                    .cloned()
            }));
            for object in loaded.objects().filter(|o| is_crd(o)) {
                match base.add_crd_checked(&object.value) {
                    Ok(problems) => startup.extend(crd_rule_problems(object, problems)),
                    Err(error) => startup.push(invalid_crd(object, &error.to_string())),
                }
            }
        }
        Ok(SchemaStage {
            base,
            strict,
            fetcher,
            startup,
        })
    }

    pub fn version(&self) -> &'static str {
        self.base.version()
    }

    /// The catalog of the engine's version, without the CRDs of any run.
    pub fn base(&self) -> &Catalog {
        &self.base
    }

    /// The catalog for a run whose objects include `crds`: the engine's own when there are
    /// none, else a copy with them added (problems with a CRD go to `out`).
    pub fn catalog_with<'a>(
        &self,
        crds: impl IntoIterator<Item = &'a Object>,
        run: &mut Option<Catalog>,
        out: &mut Vec<Diagnostic>,
    ) {
        self.add_prepared(self.prepare(crds), run, out);
    }

    /// The expensive part of [`SchemaStage::catalog_with`], which needs no catalog: the CRDs
    /// among `objects` converted (in parallel), with the findings their addition gives.
    pub fn prepare<'a>(&self, objects: impl IntoIterator<Item = &'a Object>) -> Vec<PreparedCrd> {
        let crds: Vec<&Object> = objects.into_iter().filter(|o| is_crd(o)).collect();
        crds.into_par_iter()
            .map(|crd| match plimsoll_schemas::PreparedCrd::new(&crd.value) {
                Ok(mut prepared) => {
                    let problems = std::mem::take(&mut prepared.findings);
                    PreparedCrd {
                        crd: Some(prepared),
                        diagnostics: crd_rule_problems(crd, problems),
                    }
                }
                Err(error) => PreparedCrd {
                    crd: None,
                    diagnostics: vec![invalid_crd(crd, &error.to_string())],
                },
            })
            .collect()
    }

    /// Adds CRDs converted by [`SchemaStage::prepare`] to the run's catalog, in order: the
    /// cheap part of [`SchemaStage::catalog_with`].
    pub fn add_prepared(
        &self,
        prepared: Vec<PreparedCrd>,
        run: &mut Option<Catalog>,
        out: &mut Vec<Diagnostic>,
    ) {
        for prepared in prepared {
            let catalog = run.get_or_insert_with(|| self.base.clone());
            if let Some(crd) = prepared.crd {
                catalog.add_prepared(crd);
            }
            out.extend(prepared.diagnostics);
        }
    }

    /// Whether checking `object` reads nothing of a run's catalog but what the base one
    /// holds: a built-in kind (looked up before any CRD), or no kind at all. A run whose
    /// CRDs define a built-in kind ([`Catalog::shadows_builtin`]) is the exception.
    pub fn needs_no_crds(&self, object: &Object) -> bool {
        let value = &object.value;
        match (
            value.get("apiVersion").and_then(serde_json::Value::as_str),
            value.get("kind").and_then(serde_json::Value::as_str),
        ) {
            (Some(api_version), Some(kind)) => self.base.is_builtin(api_version, kind),
            _ => true,
        }
    }

    /// Validates objects against `catalog` (from [`SchemaStage::catalog_with`]) or the base one.
    pub fn validate(&self, catalog: Option<&Catalog>, objects: &[Object]) -> Vec<Diagnostic> {
        let catalog = catalog.unwrap_or(&self.base);
        objects
            .par_iter()
            .flat_map_iter(|object| {
                catalog
                    .validate(&object.value)
                    .findings
                    .into_iter()
                    .map(|finding| self.diagnostic(object, finding))
            })
            .collect()
    }

    fn diagnostic(&self, object: &Object, finding: SchemaFinding) -> Diagnostic {
        let mut severity = match finding.level {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
        };
        if finding.rule == rule::UNKNOWN_FIELD && !self.strict {
            severity = Severity::Warning;
        }
        let mut d = if finding.at_key {
            object.key_diagnostic(finding.rule, severity, &finding.pointer, finding.message)
        } else {
            object.diagnostic(finding.rule, severity, &finding.pointer, finding.message)
        };
        d.help = finding.help.map(Into::into);
        if finding.rule == rule::UNKNOWN_KIND
            && let Some(fetcher) = &self.fetcher
        {
            // Why the schema-location URLs gave no schema (--offline, or a failed fetch).
            let notes: Vec<String> = self
                .base
                .schema_location_targets(object.api_version(), object.kind())
                .iter()
                .filter_map(|p| p.to_str())
                .filter_map(|url| fetcher.note(url).map(|n| format!("{url}: {n}")))
                .collect();
            if !notes.is_empty() {
                let help = d.help.take().unwrap_or_default();
                let sep = if help.is_empty() { "" } else { "; " };
                d.help = Some(format!("{help}{sep}schema location {}", notes.join("; ")).into());
            }
        }
        d
    }
}

/// CEL rules of a CRD that cannot be used, at the rule's line in the CRD.
fn crd_rule_problems(crd: &Object, problems: Vec<SchemaFinding>) -> Vec<Diagnostic> {
    problems
        .into_iter()
        .map(|p| {
            let mut d = crd.diagnostic(p.rule, Severity::Error, &p.pointer, p.message);
            d.help = p.help.map(Into::into);
            d
        })
        .collect()
}

fn invalid_crd(object: &Object, message: &str) -> Diagnostic {
    object
        .diagnostic(rule::INVALID, Severity::Error, "/spec", format!("cannot use this CustomResourceDefinition: {message}"))
        .with_help("fix the CRD's `spec.versions[].schema.openAPIV3Schema`; its custom resources are checked without it")
}
