use std::collections::HashSet;

use crate::rules::*;

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

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(spec) = super::service_spec(cx) else {
        return;
    };
    let Some(selector) = spec.get("selector").and_then(Value::as_object) else {
        return;
    };
    let Some(ports) = spec.get("ports").and_then(Value::as_array) else {
        return;
    };
    let named: Vec<(usize, &str)> = ports
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i, p.get("targetPort")?.as_str()?)))
        .filter(|(_, name)| name.parse::<i64>().is_err())
        .collect();
    if named.is_empty() {
        return;
    }
    let mut any_selected = false;
    let mut declared: HashSet<&str> = HashSet::new();
    // Where the selected pods declare their ports, for the reader (a few workloads at most).
    let mut related = Vec::new();
    for entry in cx.index.pod_owners_selected(cx.object, selector) {
        any_selected = true;
        let Some(pod) = &entry.pod else { continue };
        for field in ["containers", "initContainers"] {
            let containers = pod.spec.get(field).and_then(Value::as_array);
            for (j, container) in containers.into_iter().flatten().enumerate() {
                let Some(ports) = container.get("ports").and_then(Value::as_array) else {
                    continue;
                };
                let names: Vec<&str> = ports
                    .iter()
                    .filter_map(|p| p.get("name").and_then(Value::as_str))
                    .collect();
                if related.len() < 3 {
                    let container_name = container
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("<unnamed>");
                    let message = if names.is_empty() {
                        format!(
                            "{} `{}`: container `{container_name}` names none of its ports",
                            entry.object.kind(),
                            entry.object.name().unwrap_or("<unnamed>")
                        )
                    } else {
                        format!(
                            "{} `{}`: container `{container_name}` names its ports `{}`",
                            entry.object.kind(),
                            entry.object.name().unwrap_or("<unnamed>"),
                            names.join("`, `")
                        )
                    };
                    related.push(plimsoll_core::Related {
                        message,
                        location: Some(
                            entry
                                .object
                                .locate(&format!("{}/{field}/{j}/ports", pod.pointer), false),
                        ),
                    });
                }
                declared.extend(names);
            }
        }
    }
    if !any_selected {
        return;
    }
    for (i, name) in named {
        if !declared.contains(name) {
            let mut d = cx
                .diag(
                    &format!("/spec/ports/{i}/targetPort"),
                    format!("no container selected by this Service declares a port named `{name}`"),
                )
                .with_help("name one of the containers' `ports` after the target port, or use a port that exists");
            d.related = related.clone();
            out.push(d);
        }
    }
}
