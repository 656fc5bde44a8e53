use crate::rules::*;

declare_rule! {
    /// A container image has no tag or the `latest` tag.
    ///
    /// ## What it does
    /// Flags main, init and ephemeral containers whose `image` has no tag or is tagged
    /// `latest`. An image pinned by digest (`name@sha256:…`, with or without a tag) is fine.
    /// The tag is what follows the last `:` after the last `/`, so a registry port
    /// (`registry:5000/app`) is not mistaken for a tag.
    ///
    /// ## Why is this bad?
    /// `latest` (which is what no tag means) moves: two nodes may run different code under the
    /// same manifest, a rollback redeploys the broken version, and nobody can tell from the
    /// manifest what is running.
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
    ///       image: nginx
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
    ///       image: nginx:1.27.3
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Images: updating images](https://kubernetes.io/docs/concepts/containers/images/#updating-images)
    /// - kube-linter `latest-tag`, Polaris `tagNotSpecified`, kube-score `container-image-tag`
    id: "latest-image-tag",
    category: Reliability,
    severity: Warning,
    enabled: true,
}

no_options!(check);

/// The tag of an image reference, `None` when it has none; digests count as pinned.
pub(crate) enum Tag<'a> {
    Digest,
    Named(&'a str),
    None,
}

pub(crate) fn tag(image: &str) -> Tag<'_> {
    if image.contains('@') {
        return Tag::Digest;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) => Tag::Named(tag),
        None => Tag::None,
    }
}

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    for c in pod.all_containers() {
        let Some(image) = c.get("/image").and_then(Value::as_str) else {
            continue;
        };
        // Templating placeholders and empty images are for schema validation to judge.
        if image.trim().is_empty() {
            continue;
        }
        let message = match tag(image) {
            Tag::Digest => continue,
            Tag::Named(t) if t != "latest" => continue,
            Tag::Named(_) => format!("{} uses the `latest` tag of `{image}`", c.describe()),
            Tag::None => format!(
                "{} uses `{image}` without a tag, which means `latest`",
                c.describe()
            ),
        };
        out.push(
            cx.diag(&c.at("/image"), message)
                .with_help("pin the image to a version tag or a digest (`@sha256:…`)"),
        );
    }
}
