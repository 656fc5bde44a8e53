use crate::rules::*;

declare_rule! {
    /// An admission webhook lets requests through when it cannot be reached.
    ///
    /// ## What it does
    /// Flags the webhooks of ValidatingWebhookConfigurations and
    /// MutatingWebhookConfigurations whose `failurePolicy` is `Ignore` (in
    /// `admissionregistration.k8s.io/v1beta1`, a `failurePolicy` left out means `Ignore` too).
    /// Opt-in: failing open is a deliberate choice for webhooks that only add convenience, so
    /// that their outage does not stop every deployment; turn the rule on where webhooks
    /// enforce policy.
    ///
    /// ## Why is this bad?
    /// When the webhook is down, overloaded or slower than its `timeoutSeconds`, the API
    /// server admits the request unchecked: a policy webhook that fails open can be bypassed
    /// by anyone able to make it time out, and silently stops enforcing during an outage.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingWebhookConfiguration
    /// metadata:
    ///   name: policy
    /// webhooks:
    ///   - name: policy.example.com
    ///     failurePolicy: Ignore
    ///     clientConfig:
    ///       service: {name: policy, namespace: policy}
    ///     admissionReviewVersions: [v1]
    ///     sideEffects: None
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: admissionregistration.k8s.io/v1
    /// kind: ValidatingWebhookConfiguration
    /// metadata:
    ///   name: policy
    /// webhooks:
    ///   - name: policy.example.com
    ///     failurePolicy: Fail
    ///     clientConfig:
    ///       service: {name: policy, namespace: policy}
    ///     admissionReviewVersions: [v1]
    ///     sideEffects: None
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Failure policy](https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#failure-policy)
    /// - kube-linter `webhook-failure-policy-ignore`
    id: "webhook-fails-open",
    category: Security,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let kind = cx.object.kind();
    if !matches!(
        kind,
        "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration"
    ) || cx.object.group() != "admissionregistration.k8s.io"
    {
        return;
    }
    let ignore_by_default = cx.object.api_version() == "admissionregistration.k8s.io/v1beta1";
    let webhooks = cx.object.value.get("webhooks").and_then(Value::as_array);
    for (i, webhook) in webhooks.into_iter().flatten().enumerate() {
        let name = webhook.get("name").and_then(Value::as_str).unwrap_or("");
        let help = "set `failurePolicy: Fail`, and keep the webhook highly available (replicas, a PodDisruptionBudget)";
        match webhook.get("failurePolicy").and_then(Value::as_str) {
            Some("Ignore") => out.push(
                cx.diag(
                    &format!("/webhooks/{i}/failurePolicy"),
                    format!("webhook `{name}` admits requests unchecked when it cannot be reached (`failurePolicy: Ignore`)"),
                )
                .with_help(help),
            ),
            None if ignore_by_default => out.push(
                cx.missing(
                    &format!("/webhooks/{i}/failurePolicy"),
                    &format!("/webhooks/{i}/name"),
                    format!("webhook `{name}` admits requests unchecked when it cannot be reached (`failurePolicy` defaults to `Ignore` in v1beta1)"),
                )
                .with_help(help),
            ),
            _ => {}
        }
    }
}
