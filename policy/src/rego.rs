//! Rego source handling: syntax detection, error positions, a walk over the
//! parsed modules (packages, rule heads, function calls) and `# METADATA` blocks.

use std::collections::{BTreeMap, BTreeSet};

use regorus::Engine;
use serde_json::Value as Json;

use crate::{PolicyError, RegoVersion, SourceLocation};

/// The most numbers `numbers.range` and `numbers.range_step` may produce: regorus
/// allocates the whole array before any time limit can stop it.
pub const MAX_RANGE: u64 = 1_000_000;
/// How deep `[` and `{` may nest in a policy: parsing time grows exponentially with their
/// nesting (array, set and object literals, comprehensions), and a parse cannot be
/// interrupted once started. Parentheses are cheap and not counted.
pub const MAX_BRACKET_DEPTH: usize = 12;
/// Builtins regorus knows but that cannot work here: policies are evaluated offline.
const OFFLINE_BUILTINS: &[&str] = &["http.send", "net.lookup_ip_addr"];

/// An engine with the builtins that allocate in proportion to their arguments capped.
pub(crate) fn new_engine() -> Engine {
    let mut engine = Engine::new();
    // Extensions are looked up before builtins, so these replace regorus's own.
    let _ = engine.add_extension("sprintf".to_owned(), 2, Box::new(crate::compat::sprintf));
    crate::caps::add(&mut engine);
    crate::deprecated::add(&mut engine);
    let _ = engine.add_extension(
        "numbers.range".to_owned(),
        2,
        Box::new(|args: Vec<regorus::Value>| capped_range("numbers.range", &args, 1.0)),
    );
    let _ = engine.add_extension(
        "numbers.range_step".to_owned(),
        3,
        Box::new(|args: Vec<regorus::Value>| {
            let step = args.get(2).and_then(|v| v.as_f64().ok());
            match step {
                Some(step) if step >= 1.0 && step.fract() == 0.0 => {
                    capped_range("numbers.range_step", &args, step)
                }
                _ => Ok(regorus::Value::Undefined),
            }
        }),
    );
    engine
}

/// The integers from `args[0]` to `args[1]` (both included, descending when the second is
/// smaller) by `step`; undefined for non-integers, an error past [`MAX_RANGE`] numbers.
fn capped_range(name: &str, args: &[regorus::Value], step: f64) -> anyhow::Result<regorus::Value> {
    let integer = |i: usize| {
        args.get(i)
            .and_then(|v| v.as_f64().ok())
            .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)
    };
    let (Some(from), Some(to)) = (integer(0), integer(1)) else {
        return Ok(regorus::Value::Undefined);
    };
    let count = ((to - from).abs() / step).floor() + 1.0;
    if count > MAX_RANGE as f64 {
        anyhow::bail!("{name}: a range of {count} numbers is over plimsoll's limit of {MAX_RANGE}");
    }
    let (from, to, step) = (from as i64, to as i64, step as i64);
    let step = if to < from { -step } else { step };
    let mut values = Vec::with_capacity(count as usize);
    let mut n = from;
    while (step > 0 && n <= to) || (step < 0 && n >= to) {
        values.push(regorus::Value::from(n));
        n += step;
    }
    Ok(regorus::Value::from(values))
}

/// Refuses a policy whose brackets nest deeper than [`MAX_BRACKET_DEPTH`], before the parser
/// sees it. Brackets inside strings and comments are not counted.
pub(crate) fn check_nesting(location: &SourceLocation, text: &str) -> Result<(), PolicyError> {
    let mut depth = 0usize;
    let (mut line, mut column) = (1u32, 0u32);
    let mut chars = text.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        column += 1;
        match (quote, c) {
            (_, '\n') => {
                line += 1;
                column = 0;
                // Comments and (unterminated) double-quoted strings end with the line.
                if quote != Some('`') {
                    quote = None;
                }
            }
            (Some('"'), '\\') => {
                chars.next();
                column += 1;
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '`') => quote = Some(c),
            (None, '#') => quote = Some('\n'),
            (None, '[' | '{') => {
                depth += 1;
                if depth > MAX_BRACKET_DEPTH {
                    let mut location = location.clone();
                    location.line = line;
                    location.column = column;
                    return Err(PolicyError::Compile {
                        location,
                        message: format!(
                            "`[` and `{{` nest more than {MAX_BRACKET_DEPTH} levels deep here; plimsoll does not parse such policies (parsing time grows exponentially with their nesting)"
                        ),
                    });
                }
            }
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            (None, _) => {}
        }
    }
    Ok(())
}

/// The syntax a module was parsed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Syntax {
    V0,
    V1,
}

/// A Rego text together with where it came from and the syntax it parses with.
#[derive(Clone, Debug)]
pub(crate) struct Module {
    /// The label given to regorus; unique within one engine.
    pub label: String,
    pub location: SourceLocation,
    pub text: String,
    pub syntax: Syntax,
}

/// Decides the syntax of one module.
///
/// `Auto` parses with v1 first and falls back to v0; when both fail, the error
/// of the parse that got further into the file is reported (a v0 file with a
/// typo fails late under v0 and early under v1); on a tie, v1 unless the
/// v1 parser only asks for the `if`/`contains` keywords.
pub(crate) fn parse_module(
    label: &str,
    location: &SourceLocation,
    text: &str,
    version: RegoVersion,
) -> Result<Module, PolicyError> {
    check_nesting(location, text)?;
    // OPA accepts a few constructs regorus reads differently; repaired in place, lines kept.
    let text = &*crate::compat::rewrite(text);
    let attempt = |syntax: Syntax| -> Result<Module, PolicyError> {
        let mut engine = new_engine();
        engine.set_rego_v0(syntax == Syntax::V0);
        match engine.add_policy(label.to_owned(), text.to_owned()) {
            Ok(_) => Ok(Module {
                label: label.to_owned(),
                location: location.clone(),
                text: text.to_owned(),
                syntax,
            }),
            Err(err) => Err(compile_error(location, &err)),
        }
    };
    match version {
        RegoVersion::V0 => attempt(Syntax::V0),
        RegoVersion::V1 => attempt(Syntax::V1),
        RegoVersion::Auto => match attempt(Syntax::V1) {
            Ok(module) => Ok(module),
            Err(v1_error) => match attempt(Syntax::V0) {
                Ok(module) => Ok(module),
                Err(v0_error) => {
                    // On a tie, a v1 complaint about a missing `if`/`contains`
                    // means the file is written in v0.
                    let (v0_at, v1_at) = (position(&v0_error), position(&v1_error));
                    let v0_style = v1_error.to_string().contains("keyword is required");
                    if v0_at > v1_at || (v0_at == v1_at && v0_style) {
                        Err(v0_error)
                    } else {
                        Err(v1_error)
                    }
                }
            },
        },
    }
}

fn position(error: &PolicyError) -> (u32, u32) {
    match error {
        PolicyError::Compile { location, .. } => (location.line, location.column),
        _ => (0, 0),
    }
}

/// Turns a regorus error into a compile error at the position it names.
///
/// regorus formats located errors as `--> FILE:LINE:COL`, a source excerpt and
/// `error: MESSAGE`; the label we gave is the file, so the position is read
/// from the right of that line.
pub(crate) fn compile_error(location: &SourceLocation, err: &dyn std::fmt::Display) -> PolicyError {
    let text = format!("{err:#}");
    let (line, column, message) = split_located(&text);
    let mut location = location.clone();
    if let Some((line, column)) = line.zip(column) {
        location.line = line;
        location.column = column;
    }
    PolicyError::Compile { location, message }
}

/// Splits a regorus error text into line, column and message.
pub(crate) fn split_located(text: &str) -> (Option<u32>, Option<u32>, String) {
    let mut line = None;
    let mut column = None;
    for l in text.lines() {
        if let Some(rest) = l.trim_start().strip_prefix("--> ") {
            let mut parts = rest.rsplitn(3, ':');
            column = parts.next().and_then(|c| c.trim().parse().ok());
            line = parts.next().and_then(|c| c.trim().parse().ok());
            break;
        }
    }
    let message = match text.rfind("error: ") {
        Some(at) if line.is_some() => text[at + "error: ".len()..].trim().to_owned(),
        _ => text.trim().to_owned(),
    };
    (line, column, message)
}

/// One rule head as written in a module.
#[derive(Clone, Debug)]
pub(crate) struct RuleHead {
    pub name: String,
    pub line: u32,
    pub column: u32,
    /// A function (`f(x) := …`): cannot be evaluated as a document.
    pub is_function: bool,
    pub shape: HeadShape,
}

/// What a rule head defines, as far as splitting a rule by definition needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeadShape {
    /// `name[x] { … }`, `name contains x if …`: a partial set named by one identifier.
    Set,
    /// `name { … }`, `name = v { … }`, `name := v if …`: a complete value named by one
    /// identifier.
    Complete,
    /// `default name := v`.
    Default,
    /// Anything else (ref heads, partial objects, functions).
    Other,
}

/// What the module walk learns about one module.
#[derive(Clone, Debug, Default)]
pub(crate) struct ModuleFacts {
    pub package: Vec<String>,
    /// 1-based line of the `package` statement.
    pub package_line: u32,
    pub rules: Vec<RuleHead>,
    pub imports: BTreeSet<String>,
    /// The path each `data.` import names, by the name it is imported as.
    pub import_paths: BTreeMap<String, Vec<String>>,
    /// Called function names with the line and column of the call.
    pub calls: Vec<(String, u32, u32)>,
}

/// Walks the parsed modules of an engine, keyed by module label.
pub(crate) fn module_facts(engine: &Engine) -> Result<BTreeMap<String, ModuleFacts>, String> {
    let ast = engine.get_ast_as_json().map_err(|e| format!("{e:#}"))?;
    let ast: Json = serde_json::from_str(&ast).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for policy in ast.as_array().into_iter().flatten() {
        let Some(label) = policy.pointer("/source/file").and_then(Json::as_str) else {
            continue;
        };
        let module = &policy["ast"];
        let mut facts = ModuleFacts {
            package: ref_components(&module["package"]["refr"]).unwrap_or_default(),
            package_line: span_line(&module["package"]["span"]),
            ..ModuleFacts::default()
        };
        for import in module["imports"].as_array().into_iter().flatten() {
            let alias = import
                .pointer("/as")
                .and_then(|span| span_text(policy, span))
                .or_else(|| ref_components(&import["refr"]).and_then(|c| c.last().cloned()));
            if let Some(alias) = alias {
                if let Some(path) = ref_components(&import["refr"])
                    .filter(|path| path.first().is_some_and(|root| root == "data"))
                {
                    facts.import_paths.insert(alias.clone(), path);
                }
                facts.imports.insert(alias);
            }
        }
        for rule in module["rules"].as_array().into_iter().flatten() {
            let (refr, span, is_function, shape) = if let Some(spec) = rule.get("Spec") {
                let head = &spec["head"];
                let is_function = head.get("Func").is_some();
                let (inner, shape) = if let Some(set) = head.get("Set") {
                    (set, HeadShape::Set)
                } else if let Some(compr) = head.get("Compr") {
                    (compr, HeadShape::Complete)
                } else if let Some(func) = head.get("Func") {
                    (func, HeadShape::Other)
                } else {
                    continue;
                };
                // Only a head named by one identifier can be renamed in place.
                let shape = if inner["refr"].get("Var").is_some() {
                    shape
                } else {
                    HeadShape::Other
                };
                (&inner["refr"], &spec["span"], is_function, shape)
            } else if let Some(default) = rule.get("Default") {
                (
                    &default["refr"],
                    &default["span"],
                    false,
                    HeadShape::Default,
                )
            } else {
                continue;
            };
            if let Some(name) = ref_components(refr).and_then(|c| c.into_iter().next()) {
                facts.rules.push(RuleHead {
                    name,
                    line: span_line(span),
                    column: span_column(span),
                    is_function,
                    shape,
                });
            }
            collect_calls(rule, &mut facts.calls);
        }
        out.insert(label.to_owned(), facts);
    }
    Ok(out)
}

fn span_line(span: &Json) -> u32 {
    span["line"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

fn span_column(span: &Json) -> u32 {
    span["col"]
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

fn span_text(policy: &Json, span: &Json) -> Option<String> {
    let contents = policy.pointer("/source/contents")?.as_str()?;
    let start = usize::try_from(span["start"].as_u64()?).ok()?;
    let end = usize::try_from(span["end"].as_u64()?).ok()?;
    contents.get(start..end).map(str::to_owned)
}

/// The components of a reference expression (`a.b["c"]` → `[a, b, c]`).
fn ref_components(expr: &Json) -> Option<Vec<String>> {
    if let Some(var) = expr.get("Var") {
        return Some(vec![var["value"].as_str()?.to_owned()]);
    }
    if let Some(dot) = expr.get("RefDot") {
        let mut out = ref_components(&dot["refr"])?;
        out.push(dot["field"].get(1)?.as_str()?.to_owned());
        return Some(out);
    }
    if let Some(brack) = expr.get("RefBrack") {
        let mut out = ref_components(&brack["refr"])?;
        let index = &brack["index"];
        let text = index
            .get("String")
            .or_else(|| index.get("RawString"))
            .and_then(|s| s["value"].as_str())?;
        out.push(text.to_owned());
        return Some(out);
    }
    None
}

fn first_span(expr: &Json) -> (u32, u32) {
    for key in ["Var", "RefDot", "RefBrack"] {
        if let Some(inner) = expr.get(key) {
            if key == "Var" {
                return (span_line(&inner["span"]), span_column(&inner["span"]));
            }
            return first_span(&inner["refr"]);
        }
    }
    (0, 0)
}

fn collect_calls(node: &Json, out: &mut Vec<(String, u32, u32)>) {
    match node {
        Json::Object(map) => {
            if let Some(call) = map.get("Call")
                && let Some(name) = ref_components(&call["fcn"])
            {
                let (line, column) = first_span(&call["fcn"]);
                out.push((name.join("."), line, column));
            }
            for value in map.values() {
                collect_calls(value, out);
            }
        }
        Json::Array(items) => {
            for item in items {
                collect_calls(item, out);
            }
        }
        _ => {}
    }
}

/// Reports every call to a function that is neither a builtin regorus
/// provides nor defined by the policies (OPA builtins regorus lacks, such as
/// `io.jwt.*` or `crypto.*`, and plain typos).
pub(crate) fn missing_functions(
    facts: &BTreeMap<String, ModuleFacts>,
    locations: &BTreeMap<String, SourceLocation>,
) -> Vec<PolicyError> {
    let mut defined: BTreeMap<&[String], BTreeSet<&str>> = BTreeMap::new();
    for module in facts.values() {
        let names = defined.entry(module.package.as_slice()).or_default();
        names.extend(module.rules.iter().map(|r| r.name.as_str()));
    }
    let builtins = &*regorus::unstable::BUILTINS;
    let mut out = Vec::new();
    for (label, module) in facts {
        let local = defined.get(module.package.as_slice());
        for (name, line, column) in &module.calls {
            let first = name.split('.').next().unwrap_or(name);
            if OFFLINE_BUILTINS.contains(&name.as_str()) {
                if let Some(base) = locations.get(label) {
                    let mut location = base.clone();
                    location.line = *line;
                    location.column = *column;
                    out.push(PolicyError::Compile {
                        location,
                        message: format!(
                            "`{name}` is not available: plimsoll evaluates policies offline, so this call would never return a value"
                        ),
                    });
                }
                continue;
            }
            // A call through `data` (written out or through an import) names a rule of a
            // package: OPA refuses the policy when no module defines it (a library that was
            // left out), and so does plimsoll, instead of failing on every evaluation.
            if let Some(path) = data_path(name, module)
                && !defined_in(&path, facts)
            {
                if let Some(base) = locations.get(label) {
                    let mut location = base.clone();
                    location.line = *line;
                    location.column = *column;
                    out.push(PolicyError::UnsupportedFunction {
                        location,
                        name: path.join("."),
                    });
                }
                continue;
            }
            // `print` is handled by the interpreter itself, outside the builtin table.
            let known = builtins.contains_key(name.as_str())
                || crate::deprecated::provides(name)
                || name == "print"
                || first == "data"
                || first == "input"
                || module.imports.contains(first)
                || local.is_some_and(|names| names.contains(first));
            if known {
                continue;
            }
            let Some(base) = locations.get(label) else {
                continue;
            };
            let mut location = base.clone();
            location.line = *line;
            location.column = *column;
            out.push(PolicyError::UnsupportedFunction {
                location,
                name: name.clone(),
            });
        }
    }
    out
}

/// The full `data.…` path of a call written through `data` or through a `data.` import.
fn data_path(name: &str, module: &ModuleFacts) -> Option<Vec<String>> {
    let mut parts = name.split('.');
    let first = parts.next()?;
    let mut path = if first == "data" {
        vec!["data".to_owned()]
    } else {
        module.import_paths.get(first)?.clone()
    };
    path.extend(parts.map(str::to_owned));
    Some(path)
}

/// Whether a module's package is a prefix of `path` (after `data`) and defines the rule that
/// follows it.
fn defined_in(path: &[String], facts: &BTreeMap<String, ModuleFacts>) -> bool {
    let path = &path[1.min(path.len())..];
    facts.values().any(|module| {
        let package = module.package.as_slice();
        package.len() < path.len()
            && path.starts_with(package)
            && module.rules.iter().any(|r| r.name == path[package.len()])
    })
}

/// A `# METADATA` block: its YAML content and the line of the statement it annotates.
#[derive(Clone, Debug)]
pub(crate) struct MetadataBlock {
    /// 1-based line of the first line after the block.
    pub annotates_line: u32,
    pub value: Json,
}

/// Finds the `# METADATA` blocks of a module (OPA's annotation syntax: a
/// `# METADATA` line followed by comment lines holding YAML).
pub(crate) fn metadata_blocks(
    location: &SourceLocation,
    text: &str,
) -> (Vec<MetadataBlock>, Vec<PolicyError>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut errors = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "# METADATA" {
            i += 1;
            continue;
        }
        let header = i;
        let mut yaml = String::new();
        i += 1;
        while let Some(line) = lines.get(i) {
            let Some(comment) = line.trim_start().strip_prefix('#') else {
                break;
            };
            yaml.push_str(comment.strip_prefix(' ').unwrap_or(comment));
            yaml.push('\n');
            i += 1;
        }
        let annotates_line = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let parsed = regorus::Value::from_yaml_str(&yaml)
            .map_err(|e| format!("{e:#}"))
            .and_then(|v| serde_json::to_value(&v).map_err(|e| e.to_string()));
        match parsed {
            Ok(value) if value.is_object() => blocks.push(MetadataBlock {
                annotates_line,
                value,
            }),
            Ok(_) | Err(_) => {
                let mut at = location.clone();
                at.line = u32::try_from(header + 1).unwrap_or(u32::MAX);
                at.column = 1;
                let detail = match parsed {
                    Err(e) => e,
                    Ok(_) => "expected a mapping".to_owned(),
                };
                errors.push(PolicyError::Compile {
                    location: at,
                    message: format!("invalid METADATA block: {detail}"),
                });
            }
        }
    }
    (blocks, errors)
}

/// The Rego path of a rule in a package, e.g. `data.main.deny`.
pub(crate) fn rule_path(package: &[String], rule: &str) -> String {
    let mut out = String::from("data");
    for part in package.iter().map(String::as_str).chain([rule]) {
        if is_identifier(part) {
            out.push('.');
            out.push_str(part);
        } else {
            out.push('[');
            out.push_str(&Json::from(part).to_string());
            out.push(']');
        }
    }
    out
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Adds modules to an engine, each with its own syntax (the flag is read per
/// module when it is parsed, so v0 and v1 modules can share one engine and
/// import each other).
pub(crate) fn load_modules<'a>(
    engine: &mut Engine,
    modules: impl IntoIterator<Item = &'a Module>,
) -> Vec<PolicyError> {
    let mut errors = Vec::new();
    for module in modules {
        engine.set_rego_v0(module.syntax == Syntax::V0);
        if let Err(err) = engine.add_policy(module.label.clone(), module.text.clone()) {
            errors.push(compile_error(&module.location, &err));
        }
    }
    engine.set_rego_v0(false);
    errors
}

/// Compiles the engine's modules now rather than at the first object, so that
/// compile errors surface before any object is checked.
pub(crate) fn prepare(
    engine: &mut Engine,
    locations: &BTreeMap<String, SourceLocation>,
) -> Vec<PolicyError> {
    match engine.eval_query("true".to_owned(), false) {
        Ok(_) => Vec::new(),
        Err(err) => {
            let text = format!("{err:#}");
            let label = text
                .lines()
                .find_map(|l| l.trim_start().strip_prefix("--> "))
                .and_then(|rest| rest.rsplitn(3, ':').nth(2))
                .map(str::to_owned);
            let location = label
                .and_then(|l| locations.get(&l).cloned())
                .unwrap_or_else(|| SourceLocation::file(""));
            vec![compile_error(&location, &text)]
        }
    }
}
