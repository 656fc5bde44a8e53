use std::collections::HashSet;

use crate::facts::{Detail, Loc, Sym};
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
    let facts = cx.facts();
    let Detail::Service(service) = &facts.detail else {
        return;
    };
    if !cx.text(facts.group).is_empty() || !service.spec_is_map {
        return;
    }
    let Some(selector) = service.selector.pairs() else {
        return;
    };
    if service.ports.is_none() {
        return;
    }
    let named: Vec<(usize, Sym, Loc)> = service.named_target_ports(cx.index.symbols).collect();
    if named.is_empty() {
        return;
    }
    let mut any_selected = false;
    let mut declared: HashSet<Sym> = HashSet::new();
    // Where the selected pods declare their ports, for the reader (a few workloads at most).
    let mut related = Vec::new();
    for entry in cx.index.pod_owners_selected_by(facts, selector) {
        any_selected = true;
        let Some(pod) = &entry.facts.pod else {
            continue;
        };
        for container in &pod.containers {
            let Some(names) = &container.port_names else {
                continue;
            };
            if related.len() < 3 {
                let container_name = container.name.map_or("<unnamed>", |n| cx.text(n));
                let kind = cx.text(entry.facts.kind);
                let owner = entry.facts.name().map_or("<unnamed>", |n| cx.text(n));
                let message = if names.is_empty() {
                    format!(
                        "{kind} `{owner}`: container `{container_name}` names none of its ports"
                    )
                } else {
                    let names: Vec<&str> = names.iter().map(|&n| cx.text(n)).collect();
                    format!(
                        "{kind} `{owner}`: container `{container_name}` names its ports `{}`",
                        names.join("`, `")
                    )
                };
                related.push(plimsoll_core::Related {
                    message,
                    location: cx.location(container.ports_loc),
                });
            }
            declared.extend(names.iter().copied());
        }
    }
    if !any_selected {
        return;
    }
    for (i, name, loc) in named {
        if !declared.contains(&name) {
            let name = cx.text(name);
            let mut d = cx
                .diag_at(
                    &format!("/spec/ports/{i}/targetPort"),
                    loc,
                    format!("no container selected by this Service declares a port named `{name}`"),
                )
                .with_help("name one of the containers' `ports` after the target port, or use a port that exists");
            d.related = related.clone();
            out.push(d);
        }
    }
}
