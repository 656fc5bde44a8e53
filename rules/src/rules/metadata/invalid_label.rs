use crate::rules::*;
use crate::util::{label_key_error, label_name_error, token};

declare_rule! {
    /// A label key or value is one the API server rejects.
    ///
    /// ## What it does
    /// Checks the labels of every object and of its pod template. A key is an optional DNS
    /// subdomain prefix and `/`, then a name of at most 63 letters, digits, `-`, `_` and `.`
    /// that starts and ends with a letter or digit. A value follows the same rule as the name
    /// and may be empty. Values that are not strings are left to schema validation.
    ///
    /// ## Why is this bad?
    /// The API server rejects the object. Values computed by templates (a version with `+`, a
    /// commit message, a long branch name) are the usual cause.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: settings
    ///   labels:
    ///     version: "1.2.0+build.7"
    /// data:
    ///   mode: fast
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: settings
    ///   labels:
    ///     version: "1.2.0-build.7"
    /// data:
    ///   mode: fast
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Labels: syntax and character set](https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set)
    /// - kube-score `label-values`
    id: "invalid-label",
    category: Metadata,
    severity: Error,
    enabled: true,
}

no_options!(check);

fn check_labels(cx: &Ctx<'_, '_>, meta_pointer: &str, out: &mut Vec<Diagnostic>) {
    let pointer = format!("{meta_pointer}/labels");
    let Some(labels) = cx.object.value.pointer(&pointer).and_then(Value::as_object) else {
        return;
    };
    for (key, value) in labels {
        let at = format!("{pointer}/{}", token(key));
        if let Some(error) = label_key_error(key) {
            out.push(
                cx.key_diag(&at, format!("the label key `{key}` is invalid: {error}"))
                    .with_help(
                        "use a key like `example.com/name` with letters, digits, `-`, `_` and `.`",
                    ),
            );
        }
        if let Some(text) = value.as_str()
            && let Some(error) = label_name_error(text, true)
        {
            out.push(
                    cx.diag(&at, format!("the value `{text}` of label `{key}` is invalid: {error}"))
                        .with_help("use at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit"),
                );
        }
    }
}

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    check_labels(cx, "/metadata", out);
    if let Some(pod) = cx.pod
        && pod.meta_pointer != "/metadata"
    {
        check_labels(cx, &pod.meta_pointer, out);
    }
}
