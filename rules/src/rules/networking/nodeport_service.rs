use crate::rules::*;

declare_rule! {
    /// A Service is exposed on every node (`type: NodePort`).
    ///
    /// ## What it does
    /// Flags Services of `type: NodePort`. (LoadBalancer Services also open node ports, but
    /// are the usual way to publish a service and are not reported.)
    ///
    /// ## Why is this bad?
    /// A node port opens the service on every node's address, around ingress controllers and
    /// load balancers: firewalling and TLS must then be handled per node, and node addresses
    /// leak into client configuration.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   type: NodePort
    ///   selector: {app: web}
    ///   ports:
    ///     - port: 80
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: Service
    /// metadata:
    ///   name: web
    /// spec:
    ///   type: ClusterIP
    ///   selector: {app: web}
    ///   ports:
    ///     - port: 80
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Service type NodePort](https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport)
    /// - kube-linter `exposed-services`, kube-score `service-type`
    id: "nodeport-service",
    category: Networking,
    severity: Warning,
    enabled: false,
}

no_options!(check);

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let Some(spec) = super::service_spec(cx) else {
        return;
    };
    if spec.get("type").and_then(Value::as_str) == Some("NodePort") {
        out.push(
            cx.diag(
                "/spec/type",
                "this Service is exposed on a port of every node (`type: NodePort`)",
            )
            .with_help(
                "use `type: ClusterIP` behind an Ingress or a Gateway, or `type: LoadBalancer`",
            ),
        );
    }
}
