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

/// (pointer to the service name, pointer to the port, service name, port as text).
type Backend<'v> = (String, String, &'v str, Option<String>);

/// The Services an OpenShift Route sends traffic to (`spec.to`, `spec.alternateBackends`),
/// with the Route's `spec.port.targetPort`, which applies to each.
fn route_backends(value: &Value) -> Vec<Backend<'_>> {
    let port = value
        .pointer("/spec/port/targetPort")
        .map(crate::util::scalar_text);
    let to = value
        .pointer("/spec/to")
        .into_iter()
        .map(|t| ("/spec/to".to_owned(), t));
    let alternates = value
        .pointer("/spec/alternateBackends")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, b)| (format!("/spec/alternateBackends/{i}"), b));
    to.chain(alternates)
        .filter(|(_, b)| {
            b.get("kind")
                .and_then(Value::as_str)
                .is_none_or(|k| k == "Service")
        })
        .filter_map(|(pointer, b)| {
            let name = b.get("name").and_then(Value::as_str)?;
            Some((
                format!("{pointer}/name"),
                "/spec/port/targetPort".to_owned(),
                name,
                port.clone(),
            ))
        })
        .collect()
}

/// Whether a Route's `targetPort` reaches the Service's pods: a name is one of the Service's
/// port names; a number is one of its target ports (the port itself when `targetPort` is left
/// out), or any number when a target port is given by name (its number is the pods').
fn route_port_matches(ports: &[Value], port: &str) -> bool {
    if port.parse::<i64>().is_err() {
        return ports
            .iter()
            .any(|p| p.get("name").and_then(Value::as_str) == Some(port));
    }
    ports.iter().any(|p| match p.get("targetPort") {
        Some(Value::String(_)) => true,
        Some(target) => crate::util::scalar_text(target) == port,
        None => p.get("port").map(crate::util::scalar_text).as_deref() == Some(port),
    })
}

fn add<'v>(out: &mut Vec<Backend<'v>>, pointer: String, backend: &'v Value) {
    if let Some(name) = backend.pointer("/service/name").and_then(Value::as_str) {
        let port = backend
            .pointer("/service/port/number")
            .or_else(|| backend.pointer("/service/port/name"))
            .map(crate::util::scalar_text);
        out.push((
            format!("{pointer}/service/name"),
            format!("{pointer}/service/port"),
            name,
            port,
        ));
    } else if let Some(name) = backend.get("serviceName").and_then(Value::as_str) {
        let port = backend.get("servicePort").map(crate::util::scalar_text);
        out.push((
            format!("{pointer}/serviceName"),
            format!("{pointer}/servicePort"),
            name,
            port,
        ));
    }
}

fn backends(value: &Value) -> Vec<Backend<'_>> {
    let mut out = Vec::new();
    for field in ["defaultBackend", "backend"] {
        if let Some(b) = value.pointer(&format!("/spec/{field}")) {
            add(&mut out, format!("/spec/{field}"), b);
        }
    }
    for (r, rule) in value
        .pointer("/spec/rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (p, path) in rule
            .pointer("/http/paths")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(b) = path.get("backend") {
                add(
                    &mut out,
                    format!("/spec/rules/{r}/http/paths/{p}/backend"),
                    b,
                );
            }
        }
    }
    out
}

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let route = match (cx.object.kind(), cx.object.group()) {
        ("Ingress", _) => false,
        ("Route", "route.openshift.io" | "") => true,
        _ => return,
    };
    let is_core = |s: &&crate::index::Entry<'_>| s.object.group().is_empty();
    if !cx
        .index
        .of_kind_near("Service", cx.object)
        .any(|s| is_core(&s))
    {
        return;
    }
    let found = if route {
        route_backends(&cx.object.value)
    } else {
        backends(&cx.object.value)
    };
    for (pointer, port_pointer, name, port) in found {
        let Some(service) = cx
            .index
            .named_near("Service", name, cx.object)
            .find(is_core)
        else {
            let mut d = cx
                .diag(
                    &pointer,
                    format!("the backend Service `{name}` is not among the objects checked"),
                )
                .with_help("point the backend at an existing Service, or add the Service");
            d.related = crate::related::candidates_named_like(
                cx.index
                    .of_kind_near("Service", cx.object)
                    .filter(is_core)
                    .map(|e| e.object),
                name,
            );
            out.push(d);
            continue;
        };
        let Some(port) = port else { continue };
        let ports = service
            .object
            .value
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        let has_port = if route {
            route_port_matches(ports, &port)
        } else {
            ports.iter().any(|p| {
                p.get("port").map(crate::util::scalar_text).as_deref() == Some(port.as_str())
                    || p.get("name").and_then(Value::as_str) == Some(port.as_str())
            })
        };
        if !has_port {
            let help = if route {
                "set `port.targetPort` to one of the Service's port names or target ports"
            } else {
                "use one of the Service's ports, by number or by name"
            };
            out.push(
                cx.diag(
                    &port_pointer,
                    format!("the Service `{name}` has no port `{port}`"),
                )
                .with_help(help),
            );
        }
    }
}
