use crate::rules::*;
use crate::util::parse_quantity;

declare_rule! {
    /// A container requests less of a resource than its limit (Guaranteed QoS wanted).
    ///
    /// ## What it does
    /// For main containers and sidecars, compares the request and the limit of each resource
    /// named by the `resources` option (by default `memory`) as quantities (`1Gi` is
    /// `1024Mi`), and flags a request below its limit. A request left out counts as the
    /// limit (the API server copies the limit into it); a resource without a limit is left to
    /// `missing-memory-limit` and `missing-cpu-limit`, so one problem gives one finding.
    /// Opt-in: a request below the limit is valid and often intended (bursting); teams that
    /// want every pod in the Guaranteed QoS class, or never to overcommit a node's memory,
    /// turn it on (kube-score's optional `container-resource-requests-equal-limits`).
    ///
    /// ## Why is this bad?
    /// The scheduler places a pod by its requests, but the container may use up to its
    /// limit. When the containers of a node use more memory than they requested, the node
    /// runs out and the kernel kills some of them, whichever pod they belong to; a pod whose
    /// requests equal its limits (Guaranteed) is the last one evicted under pressure.
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
    ///           memory: 256Mi
    ///         limits:
    ///           memory: 1Gi
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
    ///           memory: 1Gi
    ///         limits:
    ///           memory: 1Gi
    /// ```
    ///
    /// ## Options
    /// - `resources` (list of strings, default `[memory]`): the resources whose request must
    ///   equal the limit, e.g. `[cpu, memory]` for the Guaranteed QoS class, or
    ///   `ephemeral-storage`.
    ///
    /// ## References
    /// - [Pod Quality of Service classes](https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/)
    /// - kube-score `container-resource-requests-equal-limits`, `container-memory-requests-equal-limits`, `container-cpu-requests-equal-limits`, `container-ephemeral-storage-request-equals-limit` (optional there)
    id: "request-below-limit",
    category: Resources,
    severity: Warning,
    enabled: false,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Options {
    resources: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            resources: vec!["memory".to_owned()],
        }
    }
}

pub(crate) fn build(options: Options) -> Result<Box<dyn Check>, String> {
    if options.resources.is_empty() {
        return Err("`resources` must name at least one resource".to_owned());
    }
    let resources = options.resources;
    Ok(Box::new(
        move |cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>| {
            let Some(pod) = cx.pod else { return };
            for c in pod.long_running_containers() {
                for resource in &resources {
                    check_resource(cx, out, &c, resource);
                }
            }
        },
    ))
}

fn check_resource(
    cx: &Ctx<'_, '_>,
    out: &mut Vec<Diagnostic>,
    c: &crate::pod::Container<'_>,
    resource: &str,
) {
    let field = |section: &str| {
        c.get(&format!(
            "/resources/{section}/{}",
            crate::util::token(resource)
        ))
        .filter(|v| !v.is_null())
    };
    // Without a limit there is nothing to equal: the missing-*-limit rules say so.
    let Some(limit) = field("limits") else { return };
    let Some(request) = field("requests") else {
        return;
    };
    let (Some(r), Some(l)) = (parse_quantity(request), parse_quantity(limit)) else {
        return;
    };
    // Above the limit is request-exceeds-limit's (the API server rejects it).
    if r * (1.0 + 1e-12) >= l {
        return;
    }
    let text = crate::util::scalar_text;
    out.push(
        cx.diag(
            &c.at(&format!(
                "/resources/requests/{}",
                crate::util::token(resource)
            )),
            format!(
                "{} requests {} {resource}, less than its limit of {}",
                c.describe(),
                text(request),
                text(limit)
            ),
        )
        .with_help(format!(
            "set the {resource} request equal to the limit ({})",
            text(limit)
        )),
    );
}
