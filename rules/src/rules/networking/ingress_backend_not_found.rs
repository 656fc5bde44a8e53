use crate::facts::Detail;
use crate::index::Entry;
use crate::rules::*;

declare_rule! {
    /// An Ingress or OpenShift Route points at a Service, or a Service port, not in the run.
    ///
    /// ## What it does
    /// Checks every backend of an Ingress (`spec.defaultBackend` and
    /// `spec.rules[].http.paths[].backend`, in the `networking.k8s.io/v1` shape, and
    /// `serviceName`/`servicePort` in the older `v1beta1` shape): the Service must be among the
    /// files checked together, in the same namespace, and must have the port (by `number` or
    /// by `name`). OpenShift Routes are checked the same way (`spec.to` and
    /// `spec.alternateBackends` naming a Service): their `spec.port.targetPort` is the port
    /// the pods receive, so a name must be one of the Service's port names and a number one of
    /// its target ports (a Route that names no port is not checked for one). When the run
    /// holds no Service in that namespace at all, the rule stays silent.
    ///
    /// ## Why is this bad?
    /// The ingress controller answers 503 for that path: the route exists but leads nowhere.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: web
    /// spec:
    ///   rules:
    ///     - http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service: {name: website, port: {number: 80}}
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector: {app: web}
    ///   ports:
    ///     - port: 80
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: web
    /// spec:
    ///   rules:
    ///     - http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service: {name: web, port: {number: 80}}
    /// ---
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   selector: {app: web}
    ///   ports:
    ///     - port: 80
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Ingress](https://kubernetes.io/docs/concepts/services-networking/ingress/)
    /// - kube-linter `dangling-ingress`, kube-score `ingress-targets-service` and
    ///   `route-targets-service`
    id: "ingress-backend-not-found",
    category: Networking,
    severity: Warning,
    enabled: true,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let facts = cx.facts();
    let Detail::Ingress(ingress) = &facts.detail else {
        return;
    };
    let route = ingress.route;
    let Some(kind) = cx.index.symbols.get("Service") else {
        return;
    };
    let is_core = |s: &&Entry<'_>| cx.text(s.facts.group).is_empty();
    if !cx.index.kind_near(kind, facts).any(|s| is_core(&s)) {
        return;
    }
    for backend in &ingress.backends {
        let name = cx.text(backend.name);
        let Some(service) = cx
            .index
            .named_kind_near(kind, backend.name, facts)
            .find(is_core)
        else {
            let mut d = cx
                .diag_at(
                    cx.text(backend.name_pointer),
                    backend.name_loc,
                    format!("the backend Service `{name}` is not among the objects checked"),
                )
                .with_help("point the backend at an existing Service, or add the Service");
            d.related = crate::related::entries_named_like(
                cx.index,
                cx.index.kind_near(kind, facts).filter(is_core),
                name,
            );
            out.push(d);
            continue;
        };
        let Some(port) = backend.port else { continue };
        let Detail::Service(ports) = &service.facts.detail else {
            continue;
        };
        let has_port = if route {
            ports.route_port_matches(port, cx.index.symbols)
        } else {
            ports.has_port(port)
        };
        if !has_port {
            let help = if route {
                "set `port.targetPort` to one of the Service's port names or target ports"
            } else {
                "use one of the Service's ports, by number or by name"
            };
            out.push(
                cx.diag_at(
                    cx.text(backend.port_pointer),
                    backend.port_loc,
                    format!("the Service `{name}` has no port `{}`", cx.text(port)),
                )
                .with_help(help),
            );
        }
    }
}
