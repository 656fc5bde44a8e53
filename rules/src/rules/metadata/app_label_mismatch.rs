use crate::rules::*;

declare_rule! {
    /// A workload and its pods disagree on `app.kubernetes.io/name` or `instance`.
    ///
    /// ## What it does
    /// For objects that carry a pod template (Deployments, StatefulSets, Jobs, CronJobs and
    /// the other workload kinds), compares the recommended labels `app.kubernetes.io/name` and
    /// `app.kubernetes.io/instance` of the object with those of its pod template, and flags
    /// the template label when both are set and differ. The object's own label is given as a
    /// related location.
    ///
    /// With the option `matchName`, the listed label keys must also be set on the object (bare
    /// Pods included) and equal its `metadata.name`, as Polaris's `metadataAndNameMismatched`
    /// (`app.kubernetes.io/name`) and `metadataAndInstanceMismatched`
    /// (`app.kubernetes.io/instance`) ask. This is off by default: Helm charts name objects
    /// `<release>-<chart>` while `instance` is the release and `name` the chart, so the
    /// convention does not hold for them.
    ///
    /// ## Why is this bad?
    /// These labels say which application and which installation of it an object belongs
    /// to; dashboards, `kubectl get -l`, cost reports and Helm itself group by them. Pods
    /// that carry another application's or release's values are counted under it, and a
    /// Service or NetworkPolicy written for one release selects the pods of another.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: shop-api
    ///   labels:
    ///     app.kubernetes.io/name: api
    ///     app.kubernetes.io/instance: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app.kubernetes.io/name: api
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app.kubernetes.io/name: api
    ///         app.kubernetes.io/instance: shop-staging
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: example.com/api:1.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: shop-api
    ///   labels:
    ///     app.kubernetes.io/name: api
    ///     app.kubernetes.io/instance: shop
    /// spec:
    ///   selector:
    ///     matchLabels:
    ///       app.kubernetes.io/name: api
    ///   template:
    ///     metadata:
    ///       labels:
    ///         app.kubernetes.io/name: api
    ///         app.kubernetes.io/instance: shop
    ///     spec:
    ///       containers:
    ///         - name: api
    ///           image: example.com/api:1.0
    /// ```
    ///
    /// ## Options
    /// - `matchName` (list of label keys, default `[]`): keys that must be set on the
    ///   workload and equal its `metadata.name`, e.g. `["app.kubernetes.io/instance"]`.
    ///
    /// ## References
    /// - [Recommended labels](https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/)
    /// - Polaris `metadataAndNameMismatched` and `metadataAndInstanceMismatched` (with
    ///   `matchName`)
    id: "app-label-mismatch",
    category: Metadata,
    severity: Warning,
    enabled: true,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Options {
    #[serde(default)]
    match_name: Vec<String>,
}

const KEYS: &[&str] = &["app.kubernetes.io/name", "app.kubernetes.io/instance"];

fn label_pointer(base: &str, key: &str) -> String {
    format!("{base}/labels/{}", plimsoll_core::yaml::escape_token(key))
}

pub(crate) fn build(options: Options) -> Result<Box<dyn Check>, String> {
    for key in &options.match_name {
        if key.is_empty() {
            return Err("`matchName` lists an empty label key".into());
        }
    }
    let match_name = options.match_name;
    Ok(Box::new(
        move |cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>| check(cx, &match_name, out),
    ))
}

fn check(cx: &Ctx<'_, '_>, match_name: &[String], out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    // A bare Pod's labels are its own: only `matchName` applies to it.
    let template = pod.meta_pointer != "/metadata";
    let kind = cx.object.kind();
    let own = cx
        .object
        .value
        .pointer("/metadata/labels")
        .and_then(Value::as_object);
    let text = |v: &Value| crate::util::scalar_text(v);
    for key in KEYS.iter().filter(|_| template) {
        let (Some(mine), Some(theirs)) = (
            own.and_then(|l| l.get(*key)),
            pod.labels().and_then(|l| l.get(*key)),
        ) else {
            continue;
        };
        let (mine, theirs) = (text(mine), text(theirs));
        if mine == theirs {
            continue;
        }
        let mut d = cx
            .diag(
                &label_pointer(&pod.meta_pointer, key),
                format!("the pod template labels its pods `{key}: {theirs}`, but the {kind} itself is labelled `{key}: {mine}`"),
            )
            .with_help(format!("give the pod template the {kind}'s `{key}` value, `{mine}`"));
        d.related.push(plimsoll_core::Related {
            message: format!("the {kind}'s own `{key}`"),
            location: Some(cx.object.locate(&label_pointer("/metadata", key), false)),
        });
        out.push(d);
    }
    let Some(name) = cx.object.name() else { return };
    for key in match_name {
        match own.and_then(|l| l.get(key.as_str())).map(text) {
            Some(value) if value == name => {}
            Some(value) => out.push(
                cx.diag(
                    &label_pointer("/metadata", key),
                    format!("label `{key}: {value}` does not match the {kind}'s name `{name}`"),
                )
                .with_help(format!("set `{key}` to `{name}`")),
            ),
            None => out.push(
                cx.missing(
                    &label_pointer("/metadata", key),
                    "/metadata/name",
                    format!("this {kind} has no `{key}` label (it should be its name, `{name}`)"),
                )
                .with_help(format!("add the label `{key}: {name}`")),
            ),
        }
    }
}
