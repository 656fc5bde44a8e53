use crate::rules::*;

declare_rule! {
    /// A namespaced object does not say which namespace it belongs to.
    ///
    /// ## What it does
    /// Flags objects of namespaced kinds without `metadata.namespace`. Cluster-scoped kinds
    /// (Namespace, Node, PersistentVolume, ClusterRole, ClusterRoleBinding, StorageClass,
    /// PriorityClass, IngressClass, RuntimeClass, CustomResourceDefinition, webhook
    /// configurations…) are skipped, and so are custom resources whose
    /// CustomResourceDefinition among the checked files has `scope: Cluster`.
    ///
    /// ## Why is this bad?
    /// Without a namespace, the object lands in whatever namespace the applying tool or
    /// context defaults to, so the same manifest deploys differently for different people.
    ///
    /// ## Example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: settings
    /// data:
    ///   mode: fast
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: settings
    ///   namespace: shop
    /// data:
    ///   mode: fast
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## References
    /// - [Namespaces](https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/)
    /// - kube-linter `use-namespace`
    id: "missing-namespace",
    category: Metadata,
    severity: Info,
    enabled: false,
}

no_options!(check);

const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "CustomResourceDefinition",
    "APIService",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "CertificateSigningRequest",
    "PodSecurityPolicy",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "ComponentStatus",
    "VolumeSnapshotClass",
    "ClusterIssuer",
    "GatewayClass",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "IPAddress",
    "ServiceCIDR",
    "DeviceClass",
    "ResourceSlice",
];

fn check(cx: &Ctx<'_, '_>, out: &mut Vec<Diagnostic>) {
    let facts = cx.facts();
    let kind = cx.text(facts.kind);
    if kind.is_empty()
        || CLUSTER_SCOPED.contains(&kind)
        || facts.namespace.is_some_and(|n| !cx.text(n).is_empty())
    {
        return;
    }
    if cx.index.crd_scope_of(facts.group, facts.kind) == Some("Cluster") {
        return;
    }
    out.push(
        cx.diag_at(
            "/metadata/namespace",
            facts.namespace_loc,
            format!("this {kind} has no `metadata.namespace`"),
        )
        .with_help("set `metadata.namespace` to the namespace the object belongs in"),
    );
}
