//! Rego that OPA accepts, made acceptable to regorus without asking users to edit it.
//!
//! Two kinds of repair, both keeping every line where it was (so that error positions and
//! `# METADATA` blocks still point at the user's text):
//!
//! - [`rewrite`] changes the source before it is parsed:
//!   - a rule with several bodies, `deny[msg] { … } { … }` (v0), becomes one rule per body,
//!     `deny[msg] { … } deny[msg] { … }`, which is what OPA makes of it;
//!   - a body line that starts with `(` right after a line that ends in a reference or a
//!     call (`x := input.spec` / `(x.replicas > 1)`) is a new expression for OPA (a newline
//!     ends an expression in a body), where regorus reads a call: a `;` is put before the `(`.
//! - [`sprintf`] replaces regorus's `sprintf` (extensions are looked up before builtins) with
//!   Go's `fmt.Sprintf` behaviour, which OPA inherits: a verb without an argument prints
//!   `%!v(MISSING)` instead of failing the rule, an argument without a verb `%!(EXTRA …)`.

use std::borrow::Cow;
use std::fmt::Write as _;

/// What the scanner knows about the text before the current character.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    /// Nothing significant yet on this statement (start of text, or after a newline that
    /// ended one).
    Nothing,
    /// A `}` that closed a rule body (depth back to 0).
    ClosedBody,
    /// The end of a reference or call: an identifier character, `]`, `)` or a closing quote.
    Operand,
    /// Anything else.
    Other,
}

/// One token of the renaming pass: an identifier, `:=`, a bracket, `|`, `;`, `.`, or a line end.
#[derive(Clone, Copy, Debug)]
struct Token {
    start: usize,
    end: usize,
    kind: u8,
}

const IDENT: u8 = b'a';
const DECLARE: u8 = b'=';
const NEWLINE: u8 = b'\n';

fn tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        match c {
            b'"' | b'`' => {
                i = skip_string(bytes, i);
                out.push(Token {
                    start,
                    end: i,
                    kind: b'"',
                });
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b':' if bytes.get(i + 1) == Some(&b'=') => {
                out.push(Token {
                    start,
                    end: i + 2,
                    kind: DECLARE,
                });
                i += 2;
                continue;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                out.push(Token {
                    start,
                    end: i,
                    kind: IDENT,
                });
                continue;
            }
            b'[' | b']' | b'{' | b'}' | b'(' | b')' | b'|' | b';' | b'.' | b',' | b':' | b'\n' => {
                out.push(Token {
                    start,
                    end: i + 1,
                    kind: c,
                });
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Inside a comprehension, `x := …` declares a new `x` for the rest of the comprehension, even
/// when the enclosing body has an `x` that the comprehension used before that point (OPA reads
/// the earlier uses as the outer `x`); regorus rejects the use before the declaration. So does
/// `some x` naming a variable the enclosing body declared (`some i, j` outside, `some i` in a
/// comprehension: regorus reports a duplicated definition, OPA shadows it). The
/// declared variable and its later uses (and the comprehension's head) are renamed, which is
/// what OPA's compiler does with local variables.
fn rename_shadowed_in_comprehensions(text: &str) -> Option<String> {
    let tokens = tokens(text);
    // Open brackets: (token index, position of `|` when the bracket is a comprehension).
    let mut stack: Vec<(usize, Option<usize>)> = Vec::new();
    let mut renames: Vec<(usize, usize, String)> = Vec::new();
    let mut counter = 0usize;
    // Every comprehension: (its rule body's `{`, open, `|`, close).
    let mut comprehensions: Vec<(usize, usize, usize, usize)> = Vec::new();
    for (t, token) in tokens.iter().enumerate() {
        match token.kind {
            b'[' | b'{' | b'(' => stack.push((t, None)),
            b'|' => {
                let nested = stack.len() > 1;
                if let Some(top) = stack.last_mut()
                    && top.1.is_none()
                    && tokens[top.0].kind != b'('
                    && nested
                {
                    top.1 = Some(t);
                }
            }
            b']' | b'}' | b')' => {
                let Some((open, bar)) = stack.pop() else {
                    continue;
                };
                let Some(bar) = bar else { continue };
                collect_renames(text, &tokens, open, bar, t, &mut counter, &mut renames);
                if let Some(&(body, _)) = stack.first() {
                    comprehensions.push((body, open, bar, t));
                }
            }
            _ => {}
        }
    }
    localize_some_variables(text, &tokens, &comprehensions, &mut counter, &mut renames);
    if renames.is_empty() {
        return None;
    }
    renames.sort_by_key(|r| r.0);
    renames.dedup_by_key(|r| r.0);
    let mut out = String::with_capacity(text.len() + renames.len() * 12);
    let mut from = 0;
    for (start, end, name) in renames {
        if start < from {
            continue;
        }
        out.push_str(&text[from..start]);
        out.push_str(&name);
        from = end;
    }
    out.push_str(&text[from..]);
    Some(out)
}

fn collect_renames(
    text: &str,
    tokens: &[Token],
    open: usize,
    bar: usize,
    close: usize,
    counter: &mut usize,
    renames: &mut Vec<(usize, usize, String)>,
) {
    let name = |t: &Token| &text[t.start..t.end];
    // A variable, not a field after `.` nor an object key before `:`.
    let is_variable = |i: usize| {
        tokens[i].kind == IDENT
            && (i == 0 || tokens[i - 1].kind != b'.')
            && tokens.get(i + 1).is_none_or(|n| n.kind != b':')
    };
    let mut depth = 0usize;
    for i in bar + 1..close {
        match tokens[i].kind {
            b'[' | b'{' | b'(' => depth += 1,
            b']' | b'}' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        let statement_start = depth == 0
            && tokens[i].kind == IDENT
            && matches!(tokens[i - 1].kind, b'|' | b';' | NEWLINE);
        if !statement_start {
            continue;
        }
        // `x := …` after a use of `x` in the comprehension, or `some x, y (in …)` naming a
        // variable of the enclosing body: a new variable for the rest of the comprehension.
        let declared: Vec<usize> = if tokens.get(i + 1).is_some_and(|n| n.kind == DECLARE) {
            let var = name(&tokens[i]);
            let used_before = (bar + 1..i).any(|j| is_variable(j) && name(&tokens[j]) == var);
            if used_before { vec![i] } else { Vec::new() }
        } else if name(&tokens[i]) == "some" {
            (i + 1..close)
                .take_while(|&j| tokens[j].kind == IDENT && name(&tokens[j]) != "in")
                .filter(|&j| {
                    let var = name(&tokens[j]);
                    var != "_" && (0..open).any(|k| is_variable(k) && name(&tokens[k]) == var)
                })
                .collect()
        } else {
            Vec::new()
        };
        for d in declared {
            let var = name(&tokens[d]);
            *counter += 1;
            let fresh = format!("__plimsoll_{var}{counter}");
            let head = open + 1..bar;
            for j in head.chain(d..close) {
                if is_variable(j) && name(&tokens[j]) == var {
                    renames.push((tokens[j].start, tokens[j].end, fresh.clone()));
                }
            }
        }
    }
}

/// A variable that a rule body declares with `some` but binds only inside comprehensions
/// (`some i, j` then `[u | u := xs[i]]`, `{t | t := ys[i][j]}`) is, for OPA, a new variable
/// in each comprehension; regorus binds it in the first and reports a duplicated definition
/// in the next. Each comprehension gets its own name for it.
fn localize_some_variables(
    text: &str,
    tokens: &[Token],
    comprehensions: &[(usize, usize, usize, usize)],
    counter: &mut usize,
    renames: &mut Vec<(usize, usize, String)>,
) {
    let name = |i: usize| &text[tokens[i].start..tokens[i].end];
    let is_variable = |i: usize| {
        tokens[i].kind == IDENT
            && (i == 0 || tokens[i - 1].kind != b'.')
            && tokens.get(i + 1).is_none_or(|n| n.kind != b':')
    };
    let inside = |i: usize, body: usize| {
        comprehensions
            .iter()
            .any(|&(b, open, _, close)| b == body && open < i && i < close)
    };
    let mut bodies: Vec<usize> = comprehensions.iter().map(|c| c.0).collect();
    bodies.dedup();
    for body in bodies {
        // The body's extent: up to the last comprehension's close, then to the matching `}`.
        let mut depth = 0usize;
        let mut end = tokens.len();
        for (i, token) in tokens.iter().enumerate().skip(body) {
            match token.kind {
                b'[' | b'{' | b'(' => depth += 1,
                b']' | b'}' | b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        // Variables declared by `some` outside the comprehensions, used nowhere else outside.
        let mut declared: Vec<&str> = Vec::new();
        for i in body + 1..end {
            if name(i) != "some"
                || inside(i, body)
                || !matches!(tokens[i - 1].kind, b'{' | b';' | NEWLINE)
            {
                continue;
            }
            let vars: Vec<usize> = (i + 1..end)
                .take_while(|&j| (tokens[j].kind == IDENT && name(j) != "in") || name(j) == ",")
                .filter(|&j| tokens[j].kind == IDENT)
                .collect();
            // `some x in xs` binds `x` in the body itself.
            let binds_here = vars
                .last()
                .and_then(|&last| tokens.get(last + 1))
                .is_some_and(|n| n.kind == IDENT);
            if binds_here {
                continue;
            }
            let local: Vec<usize> = vars
                .iter()
                .copied()
                .filter(|&j| {
                    let var = name(j);
                    var != "_"
                        && !(body + 1..end)
                            .any(|k| k != j && is_variable(k) && name(k) == var && !inside(k, body))
                })
                .collect();
            declared.extend(local.iter().map(|&j| name(j)));
            // A `some` whose every variable now lives in the comprehensions declares nothing
            // the body uses (regorus refuses such a declaration): it becomes `true`.
            if let Some(&last) = vars.last()
                && local.len() == vars.len()
            {
                renames.push((tokens[i].start, tokens[last].end, "true".to_owned()));
            }
        }
        for &(b, open, _, close) in comprehensions {
            if b != body {
                continue;
            }
            for var in &declared {
                let uses: Vec<usize> = (open + 1..close)
                    .filter(|&j| is_variable(j) && name(j) == *var)
                    .collect();
                if uses.is_empty() {
                    continue;
                }
                *counter += 1;
                let fresh = format!("__plimsoll_{var}{counter}");
                for j in uses {
                    renames.push((tokens[j].start, tokens[j].end, fresh.clone()));
                }
            }
        }
    }
}

/// Hoists the arguments of a negated call out of the negation, on the same line:
/// `not f(a, input.x)` becomes `__plimsoll_arg1 := input.x; not f(a, __plimsoll_arg1)`. OPA
/// evaluates a call's arguments before the negation, so an undefined argument makes the whole
/// body undefined (nothing is reported); regorus evaluates them inside it, where an undefined
/// argument makes the call undefined and `not` true. Only a `not` that starts a line and a
/// call that ends it are rewritten; literals and plain variables stay where they are.
fn hoist_negated_arguments(text: &str) -> Option<String> {
    let mut changed = false;
    let mut counter = 0usize;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match hoist_line(line, &mut counter) {
            Some(fixed) => {
                out.push_str(&fixed);
                changed = true;
            }
            None => out.push_str(line),
        }
    }
    changed.then_some(out)
}

fn hoist_line(line: &str, counter: &mut usize) -> Option<String> {
    let body = line.trim_end_matches(['\n', '\r']);
    let ending = &line[body.len()..];
    let indent = &body[..body.len() - body.trim_start().len()];
    let rest = body.trim_start().strip_prefix("not ")?.trim_start();
    let name_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))?;
    let (name, call) = rest.split_at(name_end);
    if name.is_empty() || !call.starts_with('(') {
        return None;
    }
    let arguments = split_call(call)?;
    let mut lets = String::new();
    let mut kept = Vec::with_capacity(arguments.len());
    for argument in arguments {
        let argument = argument.trim();
        if is_plain(argument) {
            kept.push(argument.to_owned());
        } else {
            *counter += 1;
            let var = format!("__plimsoll_arg{counter}");
            let _ = write!(lets, "{var} := {argument}; ");
            kept.push(var);
        }
    }
    if lets.is_empty() {
        return None;
    }
    Some(format!(
        "{indent}{lets}not {name}({}){ending}",
        kept.join(", ")
    ))
}

/// The arguments of a call written `(a, b, …)` that ends the line (a trailing comment aside);
/// `None` when the parentheses do not close at its end.
fn split_call(call: &str) -> Option<Vec<&str>> {
    let bytes = call.as_bytes();
    let mut depth = 0usize;
    let mut arguments = Vec::new();
    let mut start = 1;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'`' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    let tail = call[i + 1..].trim();
                    if !(tail.is_empty() || tail.starts_with('#')) {
                        return None;
                    }
                    let last = call[start..i].trim();
                    if !last.is_empty() || !arguments.is_empty() {
                        arguments.push(&call[start..i]);
                    }
                    return Some(arguments);
                }
            }
            b',' if depth == 1 => {
                arguments.push(&call[start..i]);
                start = i + 1;
            }
            b'#' => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// A literal or a plain variable: evaluating it cannot be undefined.
fn is_plain(argument: &str) -> bool {
    let is_identifier = argument
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && argument.chars().next().is_some_and(|c| !c.is_ascii_digit());
    is_identifier
        || argument.parse::<f64>().is_ok()
        || (argument.starts_with('"')
            && argument.ends_with('"')
            && !argument[1..argument.len() - 1].contains('"'))
}

/// On the bracket stack: a `{` at the top level that opens a literal (a rule's value), not a body.
const LITERAL: u8 = b'o';

/// Repairs the constructs OPA accepts and regorus does not (see the module docs). Returns the
/// text unchanged (borrowed) when there is nothing to repair.
pub fn rewrite(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    // (position, text to insert there, whether the byte before is a space to replace)
    let mut edits: Vec<(usize, String, bool)> = Vec::new();
    let mut stack: Vec<u8> = Vec::new();
    let mut last = Last::Nothing;
    // The head of the rule whose body is open or just closed, as written.
    let mut head_start: Option<usize> = None;
    let mut head: Option<&str> = None;
    let mut line_start = true;
    let mut newline_since_last = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => {
                line_start = true;
                newline_since_last = true;
                if stack.is_empty() && last != Last::ClosedBody {
                    last = Last::Nothing;
                }
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        let at_line_start = std::mem::replace(&mut line_start, false);
        let after_newline = std::mem::replace(&mut newline_since_last, false);
        match c {
            b'"' | b'`' => {
                i = skip_string(bytes, i);
                last = Last::Operand;
                continue;
            }
            b'{' if stack.is_empty() => {
                if last == Last::ClosedBody {
                    if let Some(head) = head {
                        // Another body of the same rule: repeat its head.
                        edits.push((i, format!("{head} "), false));
                    }
                } else if last == Last::Other {
                    // After `=`, `:=` or `,`: an object or set literal, not a body.
                    stack.push(LITERAL);
                    last = Last::Other;
                    i += 1;
                    continue;
                } else if let Some(start) = head_start {
                    let text = text[start..i].trim_end();
                    head = (!text.is_empty()).then_some(text);
                }
                stack.push(c);
                last = Last::Other;
            }
            b'(' => {
                if after_newline
                    && at_line_start
                    && last == Last::Operand
                    && stack.last() == Some(&b'{')
                {
                    let space_before = i > 0 && bytes[i - 1] == b' ';
                    edits.push((i, ";".to_owned(), space_before));
                }
                stack.push(c);
                last = Last::Other;
            }
            b'{' | b'[' => {
                stack.push(c);
                last = Last::Other;
            }
            b'}' | b']' | b')' => {
                let closed = stack.pop();
                last = if c == b'}' && stack.is_empty() && closed != Some(LITERAL) {
                    Last::ClosedBody
                } else {
                    Last::Operand
                };
            }
            _ => {
                if stack.is_empty() && at_line_start && last == Last::Nothing {
                    head_start = Some(i);
                    head = None;
                }
                if stack.is_empty() && last == Last::ClosedBody && c != b'{' {
                    // `else`, or the next rule on the same line.
                    if at_line_start && !text[i..].starts_with("else") {
                        head_start = Some(i);
                        head = None;
                    }
                }
                last = if c.is_ascii_alphanumeric() || c == b'_' {
                    Last::Operand
                } else {
                    Last::Other
                };
            }
        }
        i += 1;
    }
    if edits.is_empty() {
        let renamed = rename_shadowed_in_comprehensions(text);
        let current = renamed.as_deref().unwrap_or(text);
        return match (hoist_negated_arguments(current), renamed) {
            (Some(fixed), _) | (None, Some(fixed)) => Cow::Owned(fixed),
            (None, None) => Cow::Borrowed(text),
        };
    }
    let mut out = String::with_capacity(text.len() + edits.len() * 16);
    let mut from = 0;
    for (at, insert, replace_space) in edits {
        let keep_to = if replace_space { at - 1 } else { at };
        out.push_str(&text[from..keep_to]);
        out.push_str(&insert);
        from = at;
    }
    out.push_str(&text[from..]);
    let out = rename_shadowed_in_comprehensions(&out).unwrap_or(out);
    match hoist_negated_arguments(&out) {
        Some(fixed) => Cow::Owned(fixed),
        None => Cow::Owned(out),
    }
}

/// The position just after the string literal that starts at `start`.
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\n' if quote == b'"' => return i,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// A `sprintf` argument: a Rego value, with sets apart from arrays (Rego prints them in braces).
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Str(String),
    Num(serde_json::Number),
    Bool(bool),
    Null,
    Array(Vec<Arg>),
    Set(Vec<Arg>),
    Object(Vec<(Arg, Arg)>),
}

impl From<&regorus::Value> for Arg {
    fn from(value: &regorus::Value) -> Arg {
        use regorus::Value;
        match value {
            Value::Null | Value::Undefined => Arg::Null,
            Value::Bool(b) => Arg::Bool(*b),
            Value::String(s) => Arg::Str(s.to_string()),
            Value::Array(items) => Arg::Array(items.iter().map(Arg::from).collect()),
            Value::Set(items) => Arg::Set(items.iter().map(Arg::from).collect()),
            Value::Object(map) => Arg::Object(
                map.iter()
                    .map(|(k, v)| (Arg::from(k), Arg::from(v)))
                    .collect(),
            ),
            other => match serde_json::to_value(other) {
                Ok(serde_json::Value::Number(n)) => Arg::Num(n),
                _ => Arg::Null,
            },
        }
    }
}

impl From<&serde_json::Value> for Arg {
    fn from(value: &serde_json::Value) -> Arg {
        use serde_json::Value;
        match value {
            Value::Null => Arg::Null,
            Value::Bool(b) => Arg::Bool(*b),
            Value::Number(n) => Arg::Num(n.clone()),
            Value::String(s) => Arg::Str(s.clone()),
            Value::Array(items) => Arg::Array(items.iter().map(Arg::from).collect()),
            Value::Object(map) => Arg::Object(
                map.iter()
                    .map(|(k, v)| (Arg::Str(k.clone()), Arg::from(v)))
                    .collect(),
            ),
        }
    }
}

/// Go's `fmt.Sprintf` over Rego values, as OPA's `sprintf` gives it.
pub fn sprintf(args: Vec<regorus::Value>) -> anyhow::Result<regorus::Value> {
    let format = match args.first() {
        Some(regorus::Value::String(s)) => s.to_string(),
        _ => anyhow::bail!("sprintf: the format must be a string"),
    };
    let values: Vec<Arg> = match args.get(1) {
        Some(regorus::Value::Array(items)) => items.iter().map(Arg::from).collect(),
        _ => anyhow::bail!("sprintf: the arguments must be an array"),
    };
    check_widths(&format)?;
    Ok(regorus::Value::from(go_sprintf(&format, &values)))
}

/// The widest field `sprintf` pads to, and the most digits it prints after the point: a
/// width is allocated in full, so `%999999999d` would take gigabytes.
pub const MAX_FORMAT_WIDTH: usize = 100_000;

/// Refuses widths and precisions past [`MAX_FORMAT_WIDTH`] before anything is formatted.
fn check_widths(format: &str) -> anyhow::Result<()> {
    let bytes = format.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        while i < bytes.len() && matches!(bytes[i], b'+' | b'-' | b' ' | b'0' | b'#') {
            i += 1;
        }
        for part in ["width", "precision"] {
            if part == "precision" {
                if bytes.get(i) != Some(&b'.') {
                    break;
                }
                i += 1;
            }
            let mut value = 0usize;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                value = value
                    .saturating_mul(10)
                    .saturating_add(usize::from(bytes[i] - b'0'));
                i += 1;
            }
            if value > MAX_FORMAT_WIDTH {
                anyhow::bail!(
                    "sprintf: a {part} of {value} is over plimsoll's limit of {MAX_FORMAT_WIDTH}"
                );
            }
        }
        // The verb (a `%%` included).
        i += 1;
    }
    Ok(())
}

/// The formatting itself.
pub fn go_sprintf(format: &str, args: &[Arg]) -> String {
    let mut out = String::with_capacity(format.len() + 16);
    let mut next = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek() {
            if matches!(f, '+' | '-' | ' ' | '0' | '#') {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut digits = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(d);
                chars.next();
            }
            precision = Some(digits.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        next += 1;
        let text = format_one(
            verb,
            arg,
            precision,
            flags.contains('+'),
            flags.contains('#'),
        );
        let width: usize = width.parse().unwrap_or(0);
        let len = text.chars().count();
        if len >= width {
            out.push_str(&text);
        } else if flags.contains('-') {
            out.push_str(&text);
            out.extend(std::iter::repeat_n(' ', width - len));
        } else if flags.contains('0') && matches!(verb, 'd' | 'f' | 'e' | 'g' | 'x' | 'X') {
            let (sign, digits) = match text.strip_prefix('-') {
                Some(rest) => ("-", rest),
                None => ("", text.as_str()),
            };
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', width - len));
            out.push_str(digits);
        } else {
            out.extend(std::iter::repeat_n(' ', width - len));
            out.push_str(&text);
        }
    }
    if next < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[next..]
            .iter()
            .map(|a| format!("{}={}", go_type(a), format_one('v', a, None, false, false)))
            .collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

fn go_type(value: &Arg) -> &'static str {
    match value {
        Arg::Str(_) => "string",
        Arg::Num(n) if n.is_i64() || n.is_u64() => "int",
        Arg::Num(_) => "float64",
        Arg::Bool(_) => "ast.Boolean",
        Arg::Null => "ast.Null",
        Arg::Array(_) => "*ast.Array",
        Arg::Set(_) => "*ast.set",
        Arg::Object(_) => "*ast.object",
    }
}

/// One argument under one verb. Strings print as they are under `%v`/`%s`; numbers as Go
/// prints an int or a float64; anything else as Rego writes the value (`["a", "b"]`).
fn format_one(
    verb: char,
    value: &Arg,
    precision: Option<usize>,
    plus: bool,
    sharp: bool,
) -> String {
    match (verb, value) {
        ('v' | 's', Arg::Str(s)) => match precision {
            Some(p) if verb == 's' => s.chars().take(p).collect(),
            _ => s.clone(),
        },
        ('q', Arg::Str(s)) => serde_json::to_string(s).unwrap_or_default(),
        ('d', Arg::Num(n)) if n.as_i64().is_some() => {
            let i = n.as_i64().unwrap_or_default();
            if plus && i >= 0 {
                format!("+{i}")
            } else {
                i.to_string()
            }
        }
        ('x' | 'X', Arg::Num(n)) if n.as_i64().is_some() => {
            let i = n.as_i64().unwrap_or_default();
            let hex = if verb == 'x' {
                format!("{i:x}")
            } else {
                format!("{i:X}")
            };
            if sharp { format!("0x{hex}") } else { hex }
        }
        ('x' | 'X', Arg::Str(s)) => {
            let mut hex = String::with_capacity(s.len() * 2);
            for b in s.bytes() {
                let _ = if verb == 'x' {
                    write!(hex, "{b:02x}")
                } else {
                    write!(hex, "{b:02X}")
                };
            }
            hex
        }
        ('f' | 'F', Arg::Num(n)) => {
            format!("{:.*}", precision.unwrap_or(6), n.as_f64().unwrap_or(0.0))
        }
        ('e', Arg::Num(n)) => go_exponent(n.as_f64().unwrap_or(0.0), precision.unwrap_or(6)),
        ('g' | 'v', Arg::Num(n)) => number_text(n),
        ('t' | 'v', Arg::Bool(b)) => b.to_string(),
        ('T', v) => go_type(v).to_owned(),
        ('v' | 's', v) => rego_text(v),
        (verb, v) => format!("%!{verb}({}={})", go_type(v), rego_text(v)),
    }
}

fn go_exponent(x: f64, precision: usize) -> String {
    let text = format!("{x:.precision$e}");
    // Rust writes `1.5e2`; Go writes `1.500000e+02`.
    match text.split_once('e') {
        Some((mantissa, exponent)) => {
            let (sign, digits) = match exponent.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exponent),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => text,
    }
}

fn number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

/// A value as Rego prints it: `["a", 1]`, `{"a"}` for a set, `{"k": true}`.
fn rego_text(value: &Arg) -> String {
    let join = |items: &[Arg]| items.iter().map(rego_text).collect::<Vec<_>>().join(", ");
    match value {
        Arg::Str(s) => serde_json::to_string(s).unwrap_or_default(),
        Arg::Num(n) => number_text(n),
        Arg::Bool(b) => b.to_string(),
        Arg::Null => "null".to_owned(),
        Arg::Array(items) => format!("[{}]", join(items)),
        Arg::Set(items) if items.is_empty() => "set()".to_owned(),
        Arg::Set(items) => format!("{{{}}}", join(items)),
        Arg::Object(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", rego_text(k), rego_text(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn several_bodies_become_one_rule_each() {
        let text = "package p\n\ndeny[msg] {\n  input.a\n  msg := \"a\"\n} {\n  input.b\n  msg := \"b\"\n}\n";
        let fixed = rewrite(text);
        assert_eq!(
            fixed,
            "package p\n\ndeny[msg] {\n  input.a\n  msg := \"a\"\n} deny[msg] {\n  input.b\n  msg := \"b\"\n}\n"
        );
        assert_eq!(fixed.lines().count(), text.lines().count());
    }

    #[test]
    fn else_chains_and_object_values_are_left_alone() {
        let text = "package p\n\nx = 1 {\n  input.a\n} else = 2 {\n  input.b\n}\n\ny := {\"a\": {\"b\": 1}}\n\nz {\n  true\n}\nw = {\"a\": 1} { true }\n";
        assert!(matches!(rewrite(text), Cow::Borrowed(_)));
    }

    #[test]
    fn a_parenthesis_at_line_start_starts_a_new_expression() {
        let text = "package p\n\ndeny[msg] {\n  x := input.spec\n  (x.replicas > 1)\n  msg := f(\n    (1 + 2)\n  )\n}\n";
        let fixed = rewrite(text);
        assert_eq!(
            fixed,
            "package p\n\ndeny[msg] {\n  x := input.spec\n ;(x.replicas > 1)\n  msg := f(\n    (1 + 2)\n  )\n}\n"
        );
    }

    #[test]
    fn arguments_of_a_negated_call_are_evaluated_outside_the_negation() {
        let text = "package p\n\ndeny[msg] {\n  not f(1, \"a\", x, input.params.y) # why\n  not g(x)\n  msg := \"m\"\n}\n";
        assert_eq!(
            rewrite(text),
            "package p\n\ndeny[msg] {\n  __plimsoll_arg1 := input.params.y; not f(1, \"a\", x, __plimsoll_arg1)\n  not g(x)\n  msg := \"m\"\n}\n"
        );
    }

    #[test]
    fn a_declaration_in_a_comprehension_shadows_the_outer_variable_from_there_on() {
        let text = "package p\n\ndeny[msg] {\n  name := input.name\n  seen := [name | some i; input.items[i].name == name; name := input.items[i].id]\n  msg := name\n}\n";
        assert_eq!(
            rewrite(text),
            "package p\n\ndeny[msg] {\n  name := input.name\n  seen := [__plimsoll_name1 | some i; input.items[i].name == name; __plimsoll_name1 := input.items[i].id]\n  msg := name\n}\n"
        );
        let plain = "package p\n\nx := [y | some i; y := input[i]]\n";
        assert!(matches!(rewrite(plain), Cow::Borrowed(_)));
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let text = "package p\n\n# a { comment\ndeny[msg] {\n  msg := \"} {\"\n}\n";
        assert!(matches!(rewrite(text), Cow::Borrowed(_)));
    }

    fn go_sprintf(format: &str, args: &[serde_json::Value]) -> String {
        super::go_sprintf(format, &args.iter().map(Arg::from).collect::<Vec<_>>())
    }

    #[test]
    fn sprintf_prints_as_go_does() {
        assert_eq!(go_sprintf("%v and %v", &[json!("a")]), "a and %!v(MISSING)");
        assert_eq!(go_sprintf("%d%%", &[json!(42)]), "42%");
        assert_eq!(go_sprintf("%v", &[json!(["a", 1])]), "[\"a\", 1]");
        assert_eq!(go_sprintf("%s", &[json!({"k": true})]), "{\"k\": true}");
        assert_eq!(go_sprintf("%q", &[json!("x")]), "\"x\"");
        assert_eq!(
            go_sprintf("%5s|%-4d|%03d", &[json!("ab"), json!(7), json!(5)]),
            "   ab|7   |005"
        );
        assert_eq!(go_sprintf("%.2f", &[json!(1.005)]), "1.00");
        assert_eq!(
            go_sprintf("%v", &[json!(1.5), json!("x")]),
            "1.5%!(EXTRA string=x)"
        );
        assert_eq!(go_sprintf("%d", &[json!("x")]), "%!d(string=\"x\")");
        let set = Arg::Set(vec![Arg::Str("owner".into())]);
        assert_eq!(super::go_sprintf("%v", &[set]), "{\"owner\"}");
    }
}
