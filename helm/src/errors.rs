//! Reading what `helm template` says when it fails: template errors with their file and line,
//! `values.schema.json` violations (worded differently by Helm 3 and Helm 4), missing
//! dependencies.

/// One problem helm reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HelmError {
    /// An error in a template. `file` is as helm names it (`shop/templates/x.yaml`, starting
    /// with the chart's name); `line` is a line of the template, when helm gives one.
    Template {
        file: String,
        line: Option<u32>,
        column: Option<u32>,
        message: String,
    },
    /// A template whose output is not YAML: `line` is a line of that output, not of the template.
    Output {
        file: String,
        output_line: Option<u32>,
        message: String,
    },
    /// A values-schema violation at a values path (empty: the root).
    Schema {
        chart: String,
        path: Vec<String>,
        message: String,
    },
    /// Dependencies listed in `Chart.yaml` and absent from `charts/`.
    MissingDependencies { names: Vec<String>, message: String },
    /// Anything else, as helm wrote it.
    Other(String),
}

/// Parses helm's standard error.
pub fn parse(stderr: &str) -> Vec<HelmError> {
    let text = stderr.trim();
    let Some(start) = text.find("Error:") else {
        return if text.is_empty() {
            Vec::new()
        } else {
            vec![HelmError::Other(text.to_owned())]
        };
    };
    let body = text[start + "Error:".len()..].trim();
    // Helm 3 prefixes some errors with the action.
    let body = body
        .strip_prefix("INSTALLATION FAILED:")
        .unwrap_or(body)
        .trim();
    let body = body
        .split("\n\nUse --debug flag")
        .next()
        .unwrap_or(body)
        .trim();
    if body.starts_with("values don't meet the specifications") {
        return schema(body);
    }
    if body.contains("helm dependency build") || body.contains("missing in charts/ directory") {
        let names = body
            .rsplit_once("missing in charts/ directory:")
            .map(|(_, rest)| {
                rest.split(',')
                    .map(|n| n.trim().to_owned())
                    .filter(|n| !n.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        return vec![HelmError::MissingDependencies {
            names,
            message: body.to_owned(),
        }];
    }
    if let Some(rest) = body.strip_prefix("YAML parse error on ") {
        let (file, message) = rest.split_once(": ").unwrap_or((rest, ""));
        let output_line = message
            .split("line ")
            .nth(1)
            .and_then(|r| r.split(':').next())
            .and_then(|n| n.trim().parse().ok());
        return vec![HelmError::Output {
            file: file.to_owned(),
            output_line,
            message: message.to_owned(),
        }];
    }
    if let Some(found) = template_error(body) {
        return vec![found];
    }
    vec![HelmError::Other(body.to_owned())]
}

/// `parse error at (f:9): m`, `execution error at (f:1:6): m`, `f:1:13\n  executing … : m`,
/// `template: f:1:13: executing … : m`.
fn template_error(body: &str) -> Option<HelmError> {
    let (position, message) = if let Some(at) = body.find(" at (") {
        let rest = &body[at + 5..];
        let close = rest.find("):")?;
        (&rest[..close], rest[close + 2..].trim().to_owned())
    } else {
        let body = body.strip_prefix("template: ").unwrap_or(body);
        let first = body.lines().next()?;
        let (position, tail) = match first.find(": ") {
            Some(cut) => (&first[..cut], &first[cut + 2..]),
            None => (first.trim_end_matches(':'), ""),
        };
        let mut message = tail.to_owned();
        for line in body.lines().skip(1) {
            if !message.is_empty() {
                message.push(' ');
            }
            message.push_str(line.trim());
        }
        (position, message)
    };
    let mut parts = position.split(':');
    let file = parts.next()?.trim();
    if !file.contains('/') {
        return None;
    }
    let line = parts.next().and_then(|n| n.parse().ok());
    let column = parts.next().and_then(|n| n.parse().ok());
    line?;
    Some(HelmError::Template {
        file: file.to_owned(),
        line,
        column,
        message: tidy(&message),
    })
}

/// Shortens `executing "x" at <.Values.a>: error calling include: …` to what matters.
fn tidy(message: &str) -> String {
    let mut m = message.trim().to_owned();
    if let Some(rest) = m.strip_prefix("executing \"")
        && let Some(at) = rest.find("\" at <")
    {
        m = format!("at <{}", &rest[at + 6..]);
    }
    m
}

/// The list under `values don't meet the specifications of the schema(s) in the following
/// chart(s):`, per chart: Helm 4 (and 3.18+) writes `- at '/a/b': message`, older Helm 3
/// writes `- a.b: Message` and `- (root): Message`.
fn schema(body: &str) -> Vec<HelmError> {
    let mut out = Vec::new();
    let mut chart = String::new();
    for line in body.lines().skip(1) {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(entry) = trimmed.strip_prefix("- ") {
            let (path, message) = if let Some(rest) = entry.strip_prefix("at '") {
                match rest.split_once("': ") {
                    Some((pointer, message)) => (pointer_tokens(pointer), message),
                    None => (Vec::new(), rest),
                }
            } else if let Some(rest) = entry.strip_prefix("(root): ") {
                (Vec::new(), rest)
            } else {
                match entry.split_once(": ") {
                    Some((path, message)) => (
                        path.split('.').map(str::to_owned).collect::<Vec<_>>(),
                        message,
                    ),
                    None => (Vec::new(), entry),
                }
            };
            out.push(HelmError::Schema {
                chart: chart.clone(),
                path,
                message: message.trim().to_owned(),
            });
        } else if let Some(name) = trimmed.strip_suffix(':') {
            chart = name.to_owned();
        } else if let Some(HelmError::Schema { message, .. }) = out.last_mut() {
            // A message that goes on over several lines.
            message.push(' ');
            message.push_str(trimmed);
        }
    }
    if out.is_empty() {
        out.push(HelmError::Other(body.to_owned()));
    }
    out
}

fn pointer_tokens(pointer: &str) -> Vec<String> {
    pointer
        .trim_start_matches('/')
        .split('/')
        .filter(|t| !t.is_empty())
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(file: &str, line: Option<u32>, column: Option<u32>, message: &str) -> HelmError {
        HelmError::Template {
            file: file.into(),
            line,
            column,
            message: message.into(),
        }
    }

    #[test]
    fn template_errors_of_helm_3_and_4() {
        assert_eq!(
            parse(
                "Error: parse error at (shop/templates/deployment.yaml:9): function \"badfn\" not defined\n\nUse --debug flag to render out invalid YAML\n"
            ),
            vec![template(
                "shop/templates/deployment.yaml",
                Some(9),
                None,
                "function \"badfn\" not defined"
            )]
        );
        assert_eq!(
            parse("Error: execution error at (shop/templates/f.yaml:1:6): boom\n"),
            vec![template("shop/templates/f.yaml", Some(1), Some(6), "boom")]
        );
        assert_eq!(
            parse(
                "Error: shop/templates/f.yaml:1:13\n  executing \"shop/templates/f.yaml\" at <.Values.nope.deeper.x>:\n    nil pointer evaluating interface {}.deeper\n\nUse --debug flag to render out invalid YAML"
            ),
            vec![template(
                "shop/templates/f.yaml",
                Some(1),
                Some(13),
                "at <.Values.nope.deeper.x>: nil pointer evaluating interface {}.deeper"
            )]
        );
        assert_eq!(
            parse(
                "Error: template: shop/templates/f.yaml:1:13: executing \"shop/templates/f.yaml\" at <.Values.nope.deeper.x>: nil pointer evaluating interface {}.deeper\n"
            ),
            vec![template(
                "shop/templates/f.yaml",
                Some(1),
                Some(13),
                "at <.Values.nope.deeper.x>: nil pointer evaluating interface {}.deeper"
            )]
        );
        assert_eq!(
            parse("Error: YAML parse error on shop/templates/f.yaml: error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context\n"),
            vec![HelmError::Output {
                file: "shop/templates/f.yaml".into(),
                output_line: Some(2),
                message: "error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context".into(),
            }]
        );
    }

    #[test]
    fn schema_violations_of_helm_3_and_4() {
        let helm4 = "Error: values don't meet the specifications of the schema(s) in the following chart(s):\nshop:\n- at '/replicaCount': minimum: got 0, want 1\n- at '/image/tag': 'latest' does not match pattern '^v'\n";
        assert_eq!(
            parse(helm4),
            vec![
                HelmError::Schema {
                    chart: "shop".into(),
                    path: vec!["replicaCount".into()],
                    message: "minimum: got 0, want 1".into()
                },
                HelmError::Schema {
                    chart: "shop".into(),
                    path: vec!["image".into(), "tag".into()],
                    message: "'latest' does not match pattern '^v'".into()
                },
            ]
        );
        let helm3 = "Error: values don't meet the specifications of the schema(s) in the following chart(s):\nshop:\n- replicaCount: Must be greater than or equal to 1\n- (root): Additional property foo is not allowed\n";
        assert_eq!(
            parse(helm3),
            vec![
                HelmError::Schema {
                    chart: "shop".into(),
                    path: vec!["replicaCount".into()],
                    message: "Must be greater than or equal to 1".into()
                },
                HelmError::Schema {
                    chart: "shop".into(),
                    path: vec![],
                    message: "Additional property foo is not allowed".into()
                },
            ]
        );
    }

    #[test]
    fn missing_dependencies() {
        let found = parse(
            "Error: an error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: redis, postgresql\n",
        );
        assert!(
            matches!(&found[0], HelmError::MissingDependencies { names, .. } if names == &["redis", "postgresql"])
        );
    }
}
