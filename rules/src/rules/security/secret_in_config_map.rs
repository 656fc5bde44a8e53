use crate::rules::*;

declare_rule! {
    /// A ConfigMap holds a value that looks like a secret.
    ///
    /// ## What it does
    /// Flags entries of a ConfigMap's `data` whose value holds a credential recognised by its
    /// shape (a PEM private key, an AWS access key id, a GitHub, GitLab or Slack token, a
    /// Slack webhook URL, a Google API key, a Stripe secret key, a JSON Web Token, a URL with
    /// a password), or whose key has a sensitive name (`DB_PASSWORD`, `api-token`,
    /// `client_secret`…) and whose value is a single line that is not a reference (a path, a
    /// URL without a password, a `$(VAR)`, `${VAR}` or `{{ … }}` placeholder). Multi-line
    /// values under sensitive keys are files and are judged by their content only. The
    /// finding is on the key; the value is masked (`********`) wherever plimsoll shows the
    /// source, whether the rule runs or not.
    ///
    /// Opt-in: the key names are a guess, and many charts keep harmless `token` settings
    /// (lengths, paths, audience names) in ConfigMaps.
    ///
    /// ## Why is this bad?
    /// ConfigMaps are not treated as confidential: they are readable by every role that may
    /// read configuration (`view` included), printed by `kubectl describe`, kept unencrypted
    /// at rest and copied into logs and dashboards. Credentials belong in a Secret, mounted or
    /// read through `secretKeyRef`.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: api
    /// data:
    ///   LOG_LEVEL: info
    ///   DB_PASSWORD: hunter2
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: api
    /// data:
    ///   LOG_LEVEL: info
    ///   DB_PASSWORD_FILE: /var/run/secrets/db/password
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [ConfigMaps](https://kubernetes.io/docs/concepts/configuration/configmap/): "ConfigMap
    ///   does not provide secrecy or encryption"
    /// - [Good practices for Kubernetes Secrets](https://kubernetes.io/docs/concepts/security/secrets-good-practices/)
    id: "secret-in-config-map",
    category: Security,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.object.kind() != "ConfigMap" || !cx.object.group().is_empty() {
        return;
    }
    let Some(data) = cx.object.value.get("data").and_then(Value::as_object) else {
        return;
    };
    for (key, value) in data {
        let Some(why) = plimsoll_core::load::config_map_secret(key, value) else {
            continue;
        };
        let pointer = format!("/data/{}", plimsoll_core::yaml::escape_token(key));
        let message = if why == "a value under a sensitive key" {
            format!("ConfigMap key `{key}` looks like it holds a secret")
        } else {
            format!("the value of ConfigMap key `{key}` looks like {why}")
        };
        out.push(
            cx.key_diag(&pointer, message)
                .with_help("move the value to a Secret and mount it, or read it with `secretKeyRef`")
                .with_note("ConfigMaps are readable by every role that reads configuration and are not encrypted at rest"),
        );
    }
}
