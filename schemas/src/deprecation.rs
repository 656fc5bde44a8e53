//! Kubernetes API versions that were deprecated and removed, with the
//! version to use instead, as listed by the Kubernetes deprecated API
//! migration guide.

/// One entry of the table: an `apiVersion` + `kind` that the API server
/// stopped serving (or will stop serving) at some release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deprecation {
    pub api_version: &'static str,
    pub kind: &'static str,
    /// The release that deprecated it (`"1.16"`), when known.
    pub deprecated_in: &'static str,
    /// The release that no longer serves it, if any yet.
    pub removed_in: Option<&'static str>,
    /// The `apiVersion` to use instead, if there is one.
    pub replacement: Option<&'static str>,
    /// Extra advice, for APIs removed without a drop-in replacement.
    pub note: Option<&'static str>,
}

/// Where `(api_version, kind)` stands in a target release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeprecationStatus {
    /// Still served in the target release, but deprecated.
    Deprecated,
    /// No longer served in the target release.
    Removed,
}

const fn entry(
    api_version: &'static str,
    kind: &'static str,
    deprecated_in: &'static str,
    removed_in: Option<&'static str>,
    replacement: Option<&'static str>,
) -> Deprecation {
    Deprecation {
        api_version,
        kind,
        deprecated_in,
        removed_in,
        replacement,
        note: None,
    }
}

const PSA: &str = "PodSecurityPolicy has no replacement API: use Pod Security Admission (namespace labels `pod-security.kubernetes.io/*`) or a policy engine";

/// The table. Releases are `"1.NN"` strings.
pub static TABLE: &[Deprecation] = &[
    // Removed in 1.16.
    entry(
        "extensions/v1beta1",
        "Deployment",
        "1.9",
        Some("1.16"),
        Some("apps/v1"),
    ),
    entry(
        "apps/v1beta1",
        "Deployment",
        "1.9",
        Some("1.16"),
        Some("apps/v1"),
    ),
    entry(
        "apps/v1beta2",
        "Deployment",
        "1.9",
        Some("1.16"),
        Some("apps/v1"),
    ),
    entry(
        "extensions/v1beta1",
        "DaemonSet",
        "1.9",
        Some("1.16"),
        Some("apps/v1"),
    ),
    entry(
        "apps/v1beta2",
        "DaemonSet",
        "1.9",
        Some("1.16"),
        Some("apps/v1"),
    ),
    entry(
        "extensions/v1beta1",
        "ReplicaSet",
        "1.9",
        Some("1.16"),
        Some("apps/v1"),
    ),
    entry(
        "apps/v1beta1",
        "ReplicaSet",
        "1.9",
        Some("1.16"),
        Some("apps/v1"),
    ),
    entry(
        "apps/v1beta2",
        "ReplicaSet",
        "1.9",
        Some("1.16"),
        Some("apps/v1"),
    ),
    entry(
        "apps/v1beta1",
        "StatefulSet",
        "1.9",
        Some("1.16"),
        Some("apps/v1"),
    ),
    entry(
        "apps/v1beta2",
        "StatefulSet",
        "1.9",
        Some("1.16"),
        Some("apps/v1"),
    ),
    entry(
        "apps/v1beta1",
        "ControllerRevision",
        "1.9",
        Some("1.16"),
        Some("apps/v1"),
    ),
    entry(
        "apps/v1beta2",
        "ControllerRevision",
        "1.9",
        Some("1.16"),
        Some("apps/v1"),
    ),
    entry(
        "extensions/v1beta1",
        "NetworkPolicy",
        "1.9",
        Some("1.16"),
        Some("networking.k8s.io/v1"),
    ),
    entry(
        "extensions/v1beta1",
        "PodSecurityPolicy",
        "1.10",
        Some("1.16"),
        Some("policy/v1beta1"),
    ),
    // Removed in 1.22.
    entry(
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        "1.16",
        Some("1.22"),
        Some("admissionregistration.k8s.io/v1"),
    ),
    entry(
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        "1.16",
        Some("1.22"),
        Some("admissionregistration.k8s.io/v1"),
    ),
    entry(
        "apiextensions.k8s.io/v1beta1",
        "CustomResourceDefinition",
        "1.16",
        Some("1.22"),
        Some("apiextensions.k8s.io/v1"),
    ),
    entry(
        "apiregistration.k8s.io/v1beta1",
        "APIService",
        "1.19",
        Some("1.22"),
        Some("apiregistration.k8s.io/v1"),
    ),
    entry(
        "authentication.k8s.io/v1beta1",
        "TokenReview",
        "1.19",
        Some("1.22"),
        Some("authentication.k8s.io/v1"),
    ),
    entry(
        "authorization.k8s.io/v1beta1",
        "SubjectAccessReview",
        "1.19",
        Some("1.22"),
        Some("authorization.k8s.io/v1"),
    ),
    entry(
        "authorization.k8s.io/v1beta1",
        "LocalSubjectAccessReview",
        "1.19",
        Some("1.22"),
        Some("authorization.k8s.io/v1"),
    ),
    entry(
        "authorization.k8s.io/v1beta1",
        "SelfSubjectAccessReview",
        "1.19",
        Some("1.22"),
        Some("authorization.k8s.io/v1"),
    ),
    entry(
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        "1.19",
        Some("1.22"),
        Some("certificates.k8s.io/v1"),
    ),
    entry(
        "coordination.k8s.io/v1beta1",
        "Lease",
        "1.19",
        Some("1.22"),
        Some("coordination.k8s.io/v1"),
    ),
    entry(
        "extensions/v1beta1",
        "Ingress",
        "1.14",
        Some("1.22"),
        Some("networking.k8s.io/v1"),
    ),
    entry(
        "networking.k8s.io/v1beta1",
        "Ingress",
        "1.19",
        Some("1.22"),
        Some("networking.k8s.io/v1"),
    ),
    entry(
        "networking.k8s.io/v1beta1",
        "IngressClass",
        "1.19",
        Some("1.22"),
        Some("networking.k8s.io/v1"),
    ),
    entry(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRole",
        "1.17",
        Some("1.22"),
        Some("rbac.authorization.k8s.io/v1"),
    ),
    entry(
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        "1.17",
        Some("1.22"),
        Some("rbac.authorization.k8s.io/v1"),
    ),
    entry(
        "rbac.authorization.k8s.io/v1beta1",
        "Role",
        "1.17",
        Some("1.22"),
        Some("rbac.authorization.k8s.io/v1"),
    ),
    entry(
        "rbac.authorization.k8s.io/v1beta1",
        "RoleBinding",
        "1.17",
        Some("1.22"),
        Some("rbac.authorization.k8s.io/v1"),
    ),
    entry(
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        "1.14",
        Some("1.22"),
        Some("scheduling.k8s.io/v1"),
    ),
    entry(
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        "1.19",
        Some("1.22"),
        Some("storage.k8s.io/v1"),
    ),
    entry(
        "storage.k8s.io/v1beta1",
        "CSINode",
        "1.17",
        Some("1.22"),
        Some("storage.k8s.io/v1"),
    ),
    entry(
        "storage.k8s.io/v1beta1",
        "StorageClass",
        "1.19",
        Some("1.22"),
        Some("storage.k8s.io/v1"),
    ),
    entry(
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        "1.19",
        Some("1.22"),
        Some("storage.k8s.io/v1"),
    ),
    // Removed in 1.25.
    entry(
        "batch/v1beta1",
        "CronJob",
        "1.21",
        Some("1.25"),
        Some("batch/v1"),
    ),
    entry(
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        "1.21",
        Some("1.25"),
        Some("discovery.k8s.io/v1"),
    ),
    entry(
        "events.k8s.io/v1beta1",
        "Event",
        "1.22",
        Some("1.25"),
        Some("events.k8s.io/v1"),
    ),
    entry(
        "autoscaling/v2beta1",
        "HorizontalPodAutoscaler",
        "1.22",
        Some("1.25"),
        Some("autoscaling/v2"),
    ),
    entry(
        "policy/v1beta1",
        "PodDisruptionBudget",
        "1.21",
        Some("1.25"),
        Some("policy/v1"),
    ),
    Deprecation {
        api_version: "policy/v1beta1",
        kind: "PodSecurityPolicy",
        deprecated_in: "1.21",
        removed_in: Some("1.25"),
        replacement: None,
        note: Some(PSA),
    },
    entry(
        "node.k8s.io/v1beta1",
        "RuntimeClass",
        "1.22",
        Some("1.25"),
        Some("node.k8s.io/v1"),
    ),
    // Removed in 1.26.
    entry(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        "1.23",
        Some("1.26"),
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    entry(
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
        "1.23",
        Some("1.26"),
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    entry(
        "autoscaling/v2beta2",
        "HorizontalPodAutoscaler",
        "1.23",
        Some("1.26"),
        Some("autoscaling/v2"),
    ),
    // Removed in 1.27.
    entry(
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        "1.24",
        Some("1.27"),
        Some("storage.k8s.io/v1"),
    ),
    // Removed in 1.29.
    entry(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema",
        "1.26",
        Some("1.29"),
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    entry(
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        "1.26",
        Some("1.29"),
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    // Removed in 1.32.
    entry(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        "1.29",
        Some("1.32"),
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    entry(
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "PriorityLevelConfiguration",
        "1.29",
        Some("1.32"),
        Some("flowcontrol.apiserver.k8s.io/v1"),
    ),
    // Deprecated, still served.
    Deprecation {
        api_version: "v1",
        kind: "Endpoints",
        deprecated_in: "1.33",
        removed_in: None,
        replacement: None,
        note: Some("use `EndpointSlice` objects (`apiVersion: discovery.k8s.io/v1`) instead"),
    },
];

/// The table entry for `(api_version, kind)` and where it stands in
/// `target` (`"1.NN"`), or `None` when it is neither deprecated nor
/// removed there.
pub fn deprecation(
    api_version: &str,
    kind: &str,
    target: &str,
) -> Option<(&'static Deprecation, DeprecationStatus)> {
    let target = release(target)?;
    let entry = TABLE
        .iter()
        .find(|d| d.api_version == api_version && d.kind == kind)?;
    if entry
        .removed_in
        .and_then(release)
        .is_some_and(|r| r <= target)
    {
        Some((entry, DeprecationStatus::Removed))
    } else if release(entry.deprecated_in).is_some_and(|r| r <= target) {
        Some((entry, DeprecationStatus::Deprecated))
    } else {
        None
    }
}

/// `"1.25"` (or `"v1.25.3"`) → `(1, 25)`.
pub(crate) fn release(version: &str) -> Option<(u32, u32)> {
    let version = version.strip_prefix('v').unwrap_or(version);
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}
