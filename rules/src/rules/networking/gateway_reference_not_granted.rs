use crate::facts::Detail;
use crate::rules::*;

declare_rule! {
    /// A Gateway API object refers to another namespace without a ReferenceGrant there.
    ///
    /// ## What it does
    /// Flags a Gateway listener's `tls.certificateRefs` entry, and a route's (`HTTPRoute`,
    /// `GRPCRoute`, `TLSRoute`, `TCPRoute`, `UDPRoute`) `backendRefs` entry, that names a
    /// `namespace` other than the object's own when no ReferenceGrant of the run, in that
    /// namespace, lets objects of this kind and namespace refer to it (its `from` names the
    /// kind and namespace, its `to` the group, kind and, when given, the name).
    ///
    /// ## Why is this bad?
    /// A reference across namespaces is refused unless the target namespace grants it: the
    /// gateway does not serve the certificate or send traffic to the backend, and says so
    /// only in the object's status (`RefNotPermitted`). The manifest looks right and the
    /// route does not work.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: gateway.networking.k8s.io/v1
    /// kind: HTTPRoute
    /// metadata:
    ///   name: shop
    ///   namespace: web
    /// spec:
    ///   rules:
    ///     - backendRefs:
    ///         - name: cart
    ///           namespace: backend
    ///           port: 8080
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: gateway.networking.k8s.io/v1
    /// kind: HTTPRoute
    /// metadata:
    ///   name: shop
    ///   namespace: web
    /// spec:
    ///   rules:
    ///     - backendRefs:
    ///         - name: cart
    ///           namespace: backend
    ///           port: 8080
    /// ---
    /// apiVersion: gateway.networking.k8s.io/v1beta1
    /// kind: ReferenceGrant
    /// metadata:
    ///   name: web-routes
    ///   namespace: backend
    /// spec:
    ///   from:
    ///     - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: web}
    ///   to:
    ///     - {group: "", kind: Service, name: cart}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Gateway API: ReferenceGrant](https://gateway-api.sigs.k8s.io/api-types/referencegrant/)
    /// - Polaris `httpRouteCrossNamespaceBackendRef` and `gatewayCrossNamespaceCertificateRef`
    id: "gateway-reference-not-granted",
    category: Networking,
    severity: Warning,
    enabled: true,
}

no_options!(check);

const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let facts = cx.facts();
    let Detail::GatewayRefs(references) = &facts.detail else {
        return;
    };
    let kind = cx.text(facts.kind);
    let grant_kind = cx.index.symbols.get("ReferenceGrant");
    let own = facts.namespace;
    for target in references.iter() {
        if own == Some(target.namespace) {
            continue;
        }
        let granted = grant_kind.is_some_and(|grant_kind| {
            cx.index
                .kind_in_namespace(grant_kind, target.namespace)
                .any(|g| {
                    let Detail::ReferenceGrant(grant) = &g.facts.detail else {
                        return false;
                    };
                    g.facts.group == facts.group
                        && grant.grants(facts.group, facts.kind, own, target)
                })
        });
        if granted {
            continue;
        }
        let (ns, what, name) = (
            cx.text(target.namespace),
            cx.text(target.kind),
            cx.text(target.name),
        );
        let (of, from) = match own.map(|n| cx.text(n)) {
            Some(own) => (format!(" of namespace `{own}`"), own),
            None => (String::new(), "<its namespace>"),
        };
        out.push(
            cx.diag_at(
                cx.text(target.pointer),
                target.loc,
                format!(
                    "{what} `{name}` is in namespace `{ns}`, and no ReferenceGrant there lets {kind} objects{of} refer to it"
                ),
            )
            .with_help(format!(
                "add a ReferenceGrant in namespace `{ns}` with `from: [{{group: {GATEWAY_GROUP}, kind: {kind}, namespace: {from}}}]` and `to: [{{group: \"{}\", kind: {what}, name: {name}}}]`",
                cx.text(target.group)
            )),
        );
    }
}
