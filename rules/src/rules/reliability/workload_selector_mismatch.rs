use crate::rules::*;
use crate::util::{label_selector_matches, selector_is_empty};

declare_rule! {
    /// A controller's selector does not match the labels of its own pod template.
    ///
    /// ## What it does
    /// For Deployments, StatefulSets, DaemonSets, ReplicaSets, Argo Rollouts and OpenKruise
    /// CloneSets, checks that `spec.selector` (`matchLabels` and `matchExpressions`) matches
    /// `spec.template.metadata.labels`, and that it is not empty. For ReplicationControllers
    /// and OpenShift DeploymentConfigs the `selector` map, when set, must match; for Jobs only
    /// a `manualSelector` is checked
    /// (otherwise the API server generates it).
    ///
    /// ## Why is this bad?
    /// The API server rejects the object (`selector does not match template labels`); an
    /// empty selector is rejected too, because it would adopt every pod of the namespace.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: frontend}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: nginx:1.27
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector:
    ///     matchLabels: {app: web}
    ///   template:
    ///     metadata:
    ///       labels: {app: web}
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: nginx:1.27
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Deployments: selector](https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#selector)
    /// - kube-linter `mismatching-selector`, kube-score `deployment-pod-selector-labels-match-template-metadata-labels`
    id: "workload-selector-mismatch",
    category: Reliability,
    severity: Error,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    let kind = cx.object.kind();
    if pod.pointer != "/spec/template/spec" {
        return;
    }
    let Some(selector) = cx.object.value.pointer("/spec/selector") else {
        return;
    };
    let labels = pod.labels();
    let matches = match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Rollout" | "CloneSet" => {
            if selector_is_empty(selector) {
                out.push(
                    cx.diag("/spec/selector", format!("the selector of this {kind} is empty"))
                        .with_help("select the pods by the labels of the template, e.g. `matchLabels: {app: <name>}`")
                        .with_note("the API server rejects an empty selector, which would adopt every pod of the namespace"),
                );
                return;
            }
            label_selector_matches(selector, labels)
        }
        "Job" => {
            if cx.object.value.pointer("/spec/manualSelector") != Some(&Value::Bool(true)) {
                return;
            }
            label_selector_matches(selector, labels)
        }
        // Both select with a plain map of labels.
        "ReplicationController" | "DeploymentConfig" => selector
            .as_object()
            .filter(|s| !s.is_empty())
            .map(|s| crate::util::map_selector_matches(s, labels)),
        _ => return,
    };
    if matches == Some(false) {
        out.push(
            cx.diag(
                "/spec/selector",
                format!(
                    "the selector of this {kind} does not match the labels of its pod template"
                ),
            )
            .with_help("make `spec.selector` match `spec.template.metadata.labels`")
            .with_note(
                "the API server rejects a controller whose selector does not match its template",
            ),
        );
    }
}
