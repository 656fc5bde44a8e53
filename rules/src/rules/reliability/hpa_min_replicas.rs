use serde::Deserialize;

use crate::rules::*;

declare_rule! {
    /// A HorizontalPodAutoscaler may scale its workload down to a single replica.
    ///
    /// ## What it does
    /// Flags HorizontalPodAutoscalers whose `minReplicas` (1 when absent) is below the `min`
    /// option (default 2).
    ///
    /// ## Why is this bad?
    /// At low load the autoscaler leaves one pod, so a node drain or a crash takes the
    /// workload down entirely. Off by default: small or batch workloads often accept it.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: web
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
    ///   maxReplicas: 10
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: autoscaling/v2
    /// kind: HorizontalPodAutoscaler
    /// metadata:
    ///   name: web
    /// spec:
    ///   scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
    ///   minReplicas: 2
    ///   maxReplicas: 10
    /// ```
    ///
    /// ## Options
    /// - `min` (integer, default 2): the lowest `minReplicas` accepted.
    ///
    /// ## References
    /// - kube-linter `hpa-minimum-replicas` (opt-in there too, `minReplicas` option)
    id: "hpa-min-replicas",
    category: Reliability,
    severity: Warning,
    enabled: false,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Options {
    #[serde(default = "two")]
    min: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options { min: 2 }
    }
}

fn two() -> i64 {
    2
}

pub(crate) fn build(options: Options) -> Result<Box<dyn Check>, String> {
    if options.min < 1 {
        return Err(format!("`min` must be at least 1, got {}", options.min));
    }
    let min = options.min;
    Ok(Box::new(
        move |cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>| check(cx, out, min),
    ))
}

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>, min: i64) {
    if cx.object.kind() != "HorizontalPodAutoscaler" || cx.object.group() != "autoscaling" {
        return;
    }
    let set = cx
        .object
        .value
        .pointer("/spec/minReplicas")
        .and_then(Value::as_i64);
    let replicas = set.unwrap_or(1);
    if replicas >= min {
        return;
    }
    let message = format!(
        "this HorizontalPodAutoscaler may scale down to {replicas} replica(s), fewer than {min}"
    );
    let d = match set {
        Some(_) => cx.diag("/spec/minReplicas", message),
        None => cx.missing("/spec/minReplicas", "/spec", message),
    };
    out.push(d.with_help(format!("set `spec.minReplicas` to at least {min}")));
}
