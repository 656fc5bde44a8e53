use crate::rules::*;
use serde::Deserialize;

declare_rule! {
    /// A container keeps the default Linux capabilities instead of dropping them.
    ///
    /// ## What it does
    /// Flags main, init and ephemeral containers whose `securityContext.capabilities.drop`
    /// does not include `ALL` (or, with the `mustDrop` option, every capability listed there).
    ///
    /// ## Why is this bad?
    /// Container runtimes grant a default set of capabilities (`NET_RAW`, `CHOWN`, `SETUID`,
    /// `DAC_OVERRIDE`…) that most applications never use; `NET_RAW` alone allows spoofing
    /// packets on the node's network. Dropping `ALL` and adding back what is needed is what the
    /// `restricted` Pod Security Standard requires.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Pod
    /// metadata:
    ///   name: web
    /// spec:
    ///   containers:
    ///     - name: web
    ///       image: nginx:1.27
    ///       securityContext:
    ///         capabilities:
    ///           drop: ["ALL"]
    ///           add: ["NET_BIND_SERVICE"]
    /// ```
    ///
    /// ## Options
    /// - `mustDrop` (list of strings, default `["ALL"]`): the container passes when it drops
    ///   `ALL` or every capability of this list (e.g. `["NET_RAW"]`, as kube-linter's
    ///   `drop-net-raw-capability`).
    ///
    /// ## References
    /// - [Pod Security Standards: restricted](https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted)
    /// - kube-linter `drop-net-raw-capability`, Polaris `insecureCapabilities`
    id: "capabilities-not-dropped",
    category: Security,
    severity: Warning,
    enabled: false,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Options {
    must_drop: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            must_drop: vec!["ALL".to_owned()],
        }
    }
}

pub(crate) fn build(options: Options) -> Result<Box<dyn Check>, String> {
    use super::dangerous_capability::normalize;
    if options.must_drop.is_empty() {
        return Err("`mustDrop` is empty; disable the rule instead".into());
    }
    let must: Vec<String> = options.must_drop.iter().map(|c| normalize(c)).collect();
    Ok(Box::new(
        move |cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>| {
            let Some(pod) = cx.pod else { return };
            for c in pod.all_containers() {
                let dropped: Vec<String> = c
                    .get("/securityContext/capabilities/drop")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(normalize)
                    .collect();
                if dropped.iter().any(|d| d == "ALL") || must.iter().all(|m| dropped.contains(m)) {
                    continue;
                }
                let missing: Vec<&str> = must
                    .iter()
                    .filter(|m| !dropped.contains(m))
                    .map(String::as_str)
                    .collect();
                out.push(
                cx.missing(
                    &c.at("/securityContext/capabilities/drop"),
                    &c.at("/name"),
                    format!("{} does not drop the capabilities {}", c.describe(), missing.join(", ")),
                )
                .with_help("add `drop: [\"ALL\"]` under `securityContext.capabilities` and add back only what the process needs"),
            );
            }
        },
    ))
}
