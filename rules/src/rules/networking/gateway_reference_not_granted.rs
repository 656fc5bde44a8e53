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
const ROUTES: &[&str] = &["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"];

/// A reference to another object: where it is, and the group, kind, namespace and name it
/// names (the group and kind defaulted as the Gateway API defaults them).
struct Reference<'v> {
    pointer: String,
    group: &'v str,
    kind: &'v str,
    namespace: &'v str,
    name: &'v str,
}

fn reference<'v>(pointer: String, value: &'v Value, kind: &'v str) -> Option<Reference<'v>> {
    let text = |key: &str| value.get(key).and_then(Value::as_str);
    Some(Reference {
        pointer,
        group: text("group").unwrap_or(""),
        kind: text("kind").unwrap_or(kind),
        namespace: text("namespace")?,
        name: text("name")?,
    })
}

/// The references of a Gateway (listeners' certificates) or a route (rules' backends).
fn list<'v>(value: &'v Value, key: &str) -> impl Iterator<Item = (usize, &'v Value)> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

fn references<'v>(value: &'v Value, kind: &str) -> Vec<Reference<'v>> {
    let mut out = Vec::new();
    let Some(spec) = value.get("spec") else {
        return out;
    };
    if kind == "Gateway" {
        for (l, listener) in list(spec, "listeners") {
            let Some(tls) = listener.get("tls") else {
                continue;
            };
            for (c, cert) in list(tls, "certificateRefs") {
                let pointer = format!("/spec/listeners/{l}/tls/certificateRefs/{c}/namespace");
                out.extend(reference(pointer, cert, "Secret"));
            }
        }
    } else {
        for (r, rule) in list(spec, "rules") {
            for (b, backend) in list(rule, "backendRefs") {
                let pointer = format!("/spec/rules/{r}/backendRefs/{b}/namespace");
                out.extend(reference(pointer, backend, "Service"));
            }
        }
    }
    out
}

/// Whether a ReferenceGrant lets objects of `kind` in `namespace` refer to `target` (any
/// namespace when the referring object names none: it gets one when applied).
fn grants(grant: &Value, kind: &str, namespace: Option<&str>, target: &Reference<'_>) -> bool {
    let entries = |key: &str| {
        grant
            .pointer(&format!("/spec/{key}"))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let from = entries("from").iter().any(|f| {
        text(f, "group") == GATEWAY_GROUP
            && text(f, "kind") == kind
            && namespace.is_none_or(|n| text(f, "namespace") == n)
    });
    let to = entries("to").iter().any(|t| {
        text(t, "group") == target.group
            && text(t, "kind") == target.kind
            && t.get("name")
                .and_then(Value::as_str)
                .is_none_or(|n| n == target.name)
    });
    from && to
}

fn text<'v>(value: &'v Value, key: &str) -> &'v str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let kind = cx.object.kind();
    if cx.object.group() != GATEWAY_GROUP || !(kind == "Gateway" || ROUTES.contains(&kind)) {
        return;
    }
    let own = cx.object.namespace();
    for target in references(&cx.object.value, kind) {
        if own == Some(target.namespace) {
            continue;
        }
        let granted = cx.index.of_kind("ReferenceGrant").any(|g| {
            g.object.namespace() == Some(target.namespace)
                && g.object.group() == GATEWAY_GROUP
                && grants(&g.object.value, kind, own, &target)
        });
        if granted {
            continue;
        }
        let (ns, what, name) = (target.namespace, target.kind, target.name);
        let (of, from) = match own {
            Some(own) => (format!(" of namespace `{own}`"), own),
            None => (String::new(), "<its namespace>"),
        };
        out.push(
            cx.diag(
                &target.pointer,
                format!(
                    "{what} `{name}` is in namespace `{ns}`, and no ReferenceGrant there lets {kind} objects{of} refer to it"
                ),
            )
            .with_help(format!(
                "add a ReferenceGrant in namespace `{ns}` with `from: [{{group: {GATEWAY_GROUP}, kind: {kind}, namespace: {from}}}]` and `to: [{{group: \"{}\", kind: {what}, name: {name}}}]`",
                target.group
            )),
        );
    }
}
