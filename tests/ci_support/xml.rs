//! A small XML reader for the tests: checks that a document is well formed (one root, tags
//! that nest and close, quoted attributes without `<`, no attribute twice, only the five
//! predefined entities and character references) and returns its elements, so that tests can
//! assert the structure the JUnit readers rely on without an external validator.

#![allow(dead_code)]

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn error<T>(&self, what: &str) -> Result<T, String> {
        let line = self.text[..self.pos].matches('\n').count() + 1;
        Err(format!("line {line}: {what}"))
    }

    fn skip_space(&mut self) {
        let trimmed = self.rest().trim_start_matches([' ', '\t', '\r', '\n']);
        self.pos = self.text.len() - trimmed.len();
    }

    fn skip_past(&mut self, end: &str) -> Result<(), String> {
        match self.rest().find(end) {
            Some(i) => {
                self.pos += i + end.len();
                Ok(())
            }
            None => self.error(&format!("`{end}` missing")),
        }
    }

    /// Comments, processing instructions and white space between elements.
    fn skip_misc(&mut self) -> Result<(), String> {
        loop {
            self.skip_space();
            if self.rest().starts_with("<!--") {
                self.skip_past("-->")?;
            } else if self.rest().starts_with("<?") {
                self.skip_past("?>")?;
            } else {
                return Ok(());
            }
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let end = self
            .rest()
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')))
            .unwrap_or(self.rest().len());
        if end == 0
            || self
                .rest()
                .starts_with(|c: char| c.is_ascii_digit() || c == '-')
        {
            return self.error("a name was expected");
        }
        let name = self.rest()[..end].to_owned();
        self.pos += end;
        Ok(name)
    }

    fn element(&mut self) -> Result<Element, String> {
        if !self.rest().starts_with('<') {
            return self.error("an element was expected");
        }
        self.pos += 1;
        let mut element = Element {
            name: self.name()?,
            ..Element::default()
        };
        loop {
            self.skip_space();
            if self.rest().starts_with("/>") {
                self.pos += 2;
                return Ok(element);
            }
            if self.rest().starts_with('>') {
                self.pos += 1;
                break;
            }
            let name = self.name()?;
            self.skip_space();
            if !self.rest().starts_with('=') {
                return self.error(&format!("attribute `{name}` has no value"));
            }
            self.pos += 1;
            self.skip_space();
            let quote = match self.rest().chars().next() {
                Some(q @ ('"' | '\'')) => q,
                _ => return self.error(&format!("attribute `{name}` is not quoted")),
            };
            self.pos += 1;
            let Some(end) = self.rest().find(quote) else {
                return self.error(&format!("attribute `{name}` is not closed"));
            };
            let raw = &self.rest()[..end];
            if raw.contains('<') {
                return self.error(&format!("`<` in attribute `{name}`"));
            }
            let value = unescape(raw).or_else(|e| self.error(&e))?;
            self.pos += end + 1;
            if element.attributes.iter().any(|(n, _)| *n == name) {
                return self.error(&format!("attribute `{name}` appears twice"));
            }
            element.attributes.push((name, value));
        }
        loop {
            let next = self.rest().find('<');
            let Some(next) = next else {
                return self.error(&format!("`<{}>` is not closed", element.name));
            };
            let raw = &self.rest()[..next];
            element
                .text
                .push_str(&unescape(raw).or_else(|e| self.error(&e))?);
            self.pos += next;
            if self.rest().starts_with("</") {
                self.pos += 2;
                let name = self.name()?;
                if name != element.name {
                    return self.error(&format!("`</{name}>` closes `<{}>`", element.name));
                }
                self.skip_space();
                if !self.rest().starts_with('>') {
                    return self.error("`>` expected");
                }
                self.pos += 1;
                return Ok(element);
            } else if self.rest().starts_with("<!--") {
                self.skip_past("-->")?;
            } else if self.rest().starts_with("<![CDATA[") {
                let start = self.pos + "<![CDATA[".len();
                self.skip_past("]]>")?;
                element.text.push_str(&self.text[start..self.pos - 3]);
            } else if self.rest().starts_with("<?") {
                self.skip_past("?>")?;
            } else {
                let child = self.element()?;
                element.children.push(child);
            }
        }
    }
}

fn unescape(raw: &str) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let Some(end) = rest[i..].find(';') else {
            return Err("`&` without `;`".to_owned());
        };
        let entity = &rest[i + 1..i + end];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .filter(|c| !matches!(*c as u32, 0 | 0xFFFE | 0xFFFF))
                    .ok_or_else(|| format!("unknown entity `&{entity};`"))?
            }
        };
        out.push(c);
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    if out
        .chars()
        .any(|c| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err("a control character XML does not allow".to_owned());
    }
    Ok(out)
}

/// Parses a whole document; `Err` says where it is not well formed.
pub fn parse(text: &str) -> Result<Element, String> {
    let mut reader = Reader { text, pos: 0 };
    reader.skip_misc()?;
    let root = reader.element()?;
    reader.skip_misc()?;
    if !reader.rest().is_empty() {
        return reader.error("content after the root element");
    }
    Ok(root)
}

fn count(element: &Element, name: &str) -> Result<Option<u64>, String> {
    match element.attr(name) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            format!(
                "`{}` attribute `{name}` is not a count: {v:?}",
                element.name
            )
        }),
    }
}

/// The structure JUnit readers (Jenkins, GitLab, the Ant task) rely on, as
/// `fixtures/schemas/junit.xsd` states it: `<testsuites>` of named `<testsuite>`s with a
/// `tests` count, of named `<testcase>`s holding only `skipped`, `error`, `failure`,
/// `system-out` and `system-err`; counts are whole numbers and agree with the content.
pub fn check_junit(text: &str) -> Result<Element, String> {
    let root = parse(text)?;
    if root.name != "testsuites" {
        return Err(format!("the root is `<{}>`, not `<testsuites>`", root.name));
    }
    for suite in &root.children {
        if suite.name != "testsuite" {
            return Err(format!("`<{}>` inside `<testsuites>`", suite.name));
        }
        if suite.attr("name").is_none() {
            return Err("a `<testsuite>` without a name".to_owned());
        }
        let tests = count(suite, "tests")?.ok_or("a `<testsuite>` without `tests`")?;
        let mut cases = 0;
        let mut failures = 0;
        for case in &suite.children {
            match case.name.as_str() {
                "properties" | "system-out" | "system-err" => continue,
                "testcase" => {}
                other => return Err(format!("`<{other}>` inside `<testsuite>`")),
            }
            cases += 1;
            if case.attr("name").is_none() {
                return Err("a `<testcase>` without a name".to_owned());
            }
            for inner in &case.children {
                match inner.name.as_str() {
                    "failure" => failures += 1,
                    "skipped" | "error" | "system-out" | "system-err" => {}
                    other => return Err(format!("`<{other}>` inside `<testcase>`")),
                }
                if !inner.children.is_empty() {
                    return Err(format!("`<{}>` holds elements", inner.name));
                }
            }
        }
        if tests != cases {
            return Err(format!("`tests=\"{tests}\"` but {cases} test cases"));
        }
        if let Some(declared) = count(suite, "failures")?
            && declared != failures
        {
            return Err(format!("`failures=\"{declared}\"` but {failures} failures"));
        }
        for attr in ["errors", "skipped"] {
            count(suite, attr)?;
        }
    }
    for attr in ["tests", "failures", "errors"] {
        count(&root, attr)?;
    }
    Ok(root)
}
