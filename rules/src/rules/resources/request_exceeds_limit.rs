use crate::rules::*;
use crate::util::parse_quantity;

declare_rule! {
    /// A container requests more of a resource than its limit.
    ///
    /// ## What it does
    /// Compares, for main and init containers, every resource set in both
    /// `resources.requests` and `resources.limits` (`cpu`, `memory`, `ephemeral-storage`,
    /// extended resources) as quantities (`1Gi` is `1024Mi`, `0.5` is `500m`), and flags a
    /// request above its limit. Quantities that cannot be read are left to schema validation.
    ///
    /// ## Why is this bad?
    /// The API server rejects the object: a request must be less than or equal to the limit.
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
    ///       resources:
    ///         requests:
    ///           memory: 1Gi
    ///         limits:
    ///           memory: 512Mi
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
    ///       resources:
    ///         requests:
    ///           memory: 512Mi
    ///         limits:
    ///           memory: 1Gi
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Requests and limits](https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits)
    id: "request-exceeds-limit",
    category: Resources,
    severity: Error,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(pod) = cx.pod else { return };
    for c in pod.regular_containers() {
        let (Some(requests), Some(limits)) = (
            c.get("/resources/requests").and_then(Value::as_object),
            c.get("/resources/limits").and_then(Value::as_object),
        ) else {
            continue;
        };
        for (resource, request) in requests {
            let Some(limit) = limits.get(resource) else {
                continue;
            };
            let (Some(r), Some(l)) = (parse_quantity(request), parse_quantity(limit)) else {
                continue;
            };
            if r > l * (1.0 + 1e-12) {
                let text = |v: &Value| crate::util::scalar_text(v);
                out.push(
                    cx.diag(
                        &c.at(&format!(
                            "/resources/requests/{}",
                            crate::util::token(resource)
                        )),
                        format!(
                            "{} requests {} {resource}, more than its limit of {}",
                            c.describe(),
                            text(request),
                            text(limit)
                        ),
                    )
                    .with_help(format!(
                        "lower the {resource} request to at most the limit, or raise the limit"
                    ))
                    .with_note(
                        "the API server rejects a container whose request is above its limit",
                    ),
                );
            }
        }
    }
}
