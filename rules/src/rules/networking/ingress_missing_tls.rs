use crate::rules::*;

declare_rule! {
    /// An Ingress serves its hosts without TLS.
    ///
    /// ## What it does
    /// Flags Ingresses (`networking.k8s.io`) that have no `spec.tls` entry.
    ///
    /// ## Why is this bad?
    /// Traffic between clients and the ingress controller is plain HTTP: credentials and
    /// cookies travel in clear text. Off by default: TLS is often terminated before the
    /// cluster, by a load balancer or a CDN.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: web
    /// spec:
    ///   rules:
    ///     - host: shop.example.com
    ///       http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service: {name: web, port: {number: 80}}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: networking.k8s.io/v1
    /// kind: Ingress
    /// metadata:
    ///   name: web
    /// spec:
    ///   tls:
    ///     - hosts: [shop.example.com]
    ///       secretName: shop-tls
    ///   rules:
    ///     - host: shop.example.com
    ///       http:
    ///         paths:
    ///           - path: /
    ///             pathType: Prefix
    ///             backend:
    ///               service: {name: web, port: {number: 80}}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Ingress TLS](https://kubernetes.io/docs/concepts/services-networking/ingress/#tls)
    /// - Polaris `tlsSettingsMissing` (opt-in there too)
    id: "ingress-missing-tls",
    category: Networking,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    if cx.object.kind() != "Ingress"
        || !matches!(cx.object.group(), "networking.k8s.io" | "extensions")
    {
        return;
    }
    let tls = cx
        .object
        .value
        .pointer("/spec/tls")
        .and_then(Value::as_array);
    if tls.is_some_and(|t| !t.is_empty()) {
        return;
    }
    out.push(
        cx.missing(
            "/spec/tls",
            "/spec",
            "this Ingress serves its hosts without TLS (no `spec.tls`)",
        )
        .with_help(
            "add a `spec.tls` entry naming the hosts and the Secret holding their certificate",
        ),
    );
}
