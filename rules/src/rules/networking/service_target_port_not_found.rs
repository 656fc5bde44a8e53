use crate::rules::*;
use crate::util::map_selector_matches;

declare_rule! {
    /// A Service's named `targetPort` is not declared by the containers it selects.
    ///
    /// ## What it does
    /// For each Service port whose `targetPort` is a name (not a number), checks that at least
    /// one container of the workloads the Service selects (in the files checked together)
    /// declares a port with that `name`. Services that select no workload of the run are left
    /// to `service-selector-matches-nothing`.
    ///
    /// ## Why is this bad?
    /// Endpoints are built only from pods that declare the named port: traffic to this Service
    /// port goes nowhere.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector: {app: web}
    ///   ports:
    ///     - port: 80
    ///       targetPort: https
    /// ---
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
    ///           ports:
    ///             - name: http
    ///               containerPort: 80
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector: {app: web}
    ///   ports:
    ///     - port: 80
    ///       targetPort: http
    /// ---
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
    ///           ports:
    ///             - name: http
    ///               containerPort: 80
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Defining a Service: named ports](https://kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports)
    /// - kube-linter `invalid-target-ports`
    id: "service-target-port-not-found",
    category: Networking,
    severity: Warning,
    enabled: true,
}

pub(crate) type Options = NoOptions;

pub(crate) fn build(_: Options) -> Result<Box<dyn Check>, String> {
    Ok(Box::new(check))
}

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.object.kind() != "Service" || cx.object.group() != "" {
        return;
    }
    let Some(selector) = cx
        .object
        .value
        .pointer("/spec/selector")
        .and_then(Value::as_object)
    else {
        return;
    };
    let Some(ports) = cx
        .object
        .value
        .pointer("/spec/ports")
        .and_then(Value::as_array)
    else {
        return;
    };
    let selected: Vec<_> = cx
        .index
        .pod_owners_near(cx.object)
        .filter(|e| map_selector_matches(selector, e.pod_labels()))
        .filter_map(|e| e.pod.as_ref())
        .collect();
    if selected.is_empty() {
        return;
    }
    for (i, port) in ports.iter().enumerate() {
        let Some(name) = port.get("targetPort").and_then(Value::as_str) else {
            continue;
        };
        if name.parse::<i64>().is_ok() {
            continue;
        }
        let declared = selected.iter().any(|pod| {
            pod.regular_containers()
                .iter()
                .any(|c| c.ports().any(|(n, _)| n == Some(name)))
        });
        if !declared {
            out.push(
                cx.diag(&format!("/spec/ports/{i}/targetPort"), format!("no container selected by this Service declares a port named `{name}`"))
                    .with_help("name one of the containers' `ports` after the target port, or use a port that exists"),
            );
        }
    }
}
