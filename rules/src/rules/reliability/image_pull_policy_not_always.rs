use super::latest_image_tag::{Tag, tag};
use crate::rules::*;

declare_rule! {
    /// A container does not pull its image on every start.
    ///
    /// ## What it does
    /// Flags main, init and ephemeral containers whose effective `imagePullPolicy` is not
    /// `Always`. When the field is left out the API server picks `Always` for images without a
    /// tag or tagged `latest` and `IfNotPresent` otherwise; this rule applies that default.
    ///
    /// ## Why is this bad?
    /// With `IfNotPresent`, a pod may start from an image a node cached long ago, and any pod
    /// on that node can use a private image it could not pull itself, since the registry
    /// credentials are only checked on pull.
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
    ///       imagePullPolicy: Always
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Image pull policy](https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy)
    /// - Polaris `pullPolicyNotAlways`, kube-score `container-image-pull-policy`
    id: "image-pull-policy-not-always",
    category: Reliability,
    severity: Info,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    for c in pod.all_containers() {
        let image = c.get("/image").and_then(Value::as_str).unwrap_or("");
        let d = match c.get("/imagePullPolicy").and_then(Value::as_str) {
            Some("Always") => continue,
            Some(policy) => cx.diag(
                &c.at("/imagePullPolicy"),
                format!("{} pulls its image with policy `{policy}`", c.describe()),
            ),
            None => match tag(image) {
                Tag::None => continue,
                Tag::Named("latest") => continue,
                _ => cx.missing(
                    &c.at("/imagePullPolicy"),
                    &c.at("/image"),
                    format!("{} pulls its image with policy `IfNotPresent` (the default for a tagged image)", c.describe()),
                ),
            },
        };
        out.push(d.with_help("set `imagePullPolicy: Always`"));
    }
}
