use crate::rules::*;

declare_rule! {
    /// An Ingress routes to a Service, or a Service port, that is not in the run.
    ///
    /// ## What it does
    /// Checks every backend of an Ingress (`spec.defaultBackend` and
    /// `spec.rules[].http.paths[].backend`, in the `networking.k8s.io/v1` shape, and
    /// `serviceName`/`servicePort` in the older `v1beta1` shape): the Service must be among the
    /// files checked together, in the same namespace, and must have the port (by `number` or
    /// by `name`). When the run holds no Service in that namespace at all, the rule stays
    /// silent.
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
    /// - kube-linter `dangling-ingress`, kube-score `ingress-targets-service`
    id: "ingress-backend-not-found",
    category: Networking,
    severity: Warning,
    enabled: true,
}

no_options!(check);

/// (pointer to the service name, pointer to the port, service name, port as text).
type Backend<'v> = (String, String, &'v str, Option<String>);

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
    if cx.object.kind() != "Ingress" {
        return;
    }
    let is_core = |s: &&crate::index::Entry<'_>| s.object.group().is_empty();
    if !cx
        .index
        .of_kind_near("Service", cx.object)
        .any(|s| is_core(&s))
    {
        return;
    }
    for (pointer, port_pointer, name, port) in backends(&cx.object.value) {
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
            .and_then(Value::as_array);
        let has_port = ports.into_iter().flatten().any(|p| {
            p.get("port").map(crate::util::scalar_text).as_deref() == Some(port.as_str())
                || p.get("name").and_then(Value::as_str) == Some(port.as_str())
        });
        if !has_port {
            out.push(
                cx.diag(
                    &port_pointer,
                    format!("the Service `{name}` has no port `{port}`"),
                )
                .with_help("use one of the Service's ports, by number or by name"),
            );
        }
    }
}
