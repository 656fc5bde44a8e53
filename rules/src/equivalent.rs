//! The check names of other Kubernetes linters, mapped to plimsoll rule ids, so that the
//! engine honours their suppression annotations (`ignore-check.kube-linter.io/<check>`,
//! `polaris.fairwinds.com/<check>-exempt`, `kube-score/ignore: <check>,…`) for the same
//! problems. One check may cover several rules (kube-score's `container-resources`).

/// A linter whose suppression annotations plimsoll honours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tool {
    KubeLinter,
    Polaris,
    KubeScore,
}

impl Tool {
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::KubeLinter => "kube-linter",
            Tool::Polaris => "polaris",
            Tool::KubeScore => "kube-score",
        }
    }
}

use Tool::{KubeLinter, KubeScore, Polaris};

/// (tool, the tool's check name, the rules it stands for).
pub const EQUIVALENTS: &[(Tool, &str, &[&str])] = &[
    // kube-linter
    (
        KubeLinter,
        "privileged-container",
        &["privileged-container"],
    ),
    (
        KubeLinter,
        "privilege-escalation-container",
        &["privilege-escalation-allowed"],
    ),
    (KubeLinter, "run-as-non-root", &["run-as-root"]),
    (
        KubeLinter,
        "no-read-only-root-fs",
        &["writable-root-filesystem"],
    ),
    (KubeLinter, "latest-tag", &["latest-image-tag"]),
    (KubeLinter, "no-liveness-probe", &["missing-liveness-probe"]),
    (
        KubeLinter,
        "no-readiness-probe",
        &["missing-readiness-probe"],
    ),
    (KubeLinter, "liveness-port", &["probe-port-not-exposed"]),
    (KubeLinter, "readiness-port", &["probe-port-not-exposed"]),
    (KubeLinter, "startup-port", &["probe-port-not-exposed"]),
    (
        KubeLinter,
        "unset-cpu-requirements",
        &["missing-cpu-request", "missing-cpu-limit"],
    ),
    (
        KubeLinter,
        "unset-memory-requirements",
        &["missing-memory-request", "missing-memory-limit"],
    ),
    (KubeLinter, "host-network", &["host-network"]),
    (KubeLinter, "host-pid", &["host-pid"]),
    (KubeLinter, "host-ipc", &["host-ipc"]),
    (
        KubeLinter,
        "sensitive-host-mounts",
        &["sensitive-host-path"],
    ),
    (KubeLinter, "docker-sock", &["sensitive-host-path"]),
    (KubeLinter, "writable-host-mount", &["host-path-volume"]),
    (KubeLinter, "unsafe-proc-mount", &["unsafe-proc-mount"]),
    (KubeLinter, "unsafe-sysctls", &["unsafe-sysctl"]),
    (KubeLinter, "env-var-secret", &["secret-in-env-literal"]),
    (KubeLinter, "ssh-port", &["ssh-port-exposed"]),
    (
        KubeLinter,
        "default-service-account",
        &["default-service-account"],
    ),
    (
        KubeLinter,
        "drop-net-raw-capability",
        &["capabilities-not-dropped"],
    ),
    (KubeLinter, "exposed-services", &["nodeport-service"]),
    (
        KubeLinter,
        "dangling-service",
        &["service-selector-matches-nothing"],
    ),
    (
        KubeLinter,
        "invalid-target-ports",
        &["service-target-port-not-found"],
    ),
    (
        KubeLinter,
        "dangling-ingress",
        &["ingress-backend-not-found"],
    ),
    (
        KubeLinter,
        "dangling-networkpolicy",
        &["network-policy-selects-nothing"],
    ),
    (KubeLinter, "non-isolated-pod", &["missing-network-policy"]),
    (
        KubeLinter,
        "mismatching-selector",
        &["workload-selector-mismatch"],
    ),
    (
        KubeLinter,
        "dangling-horizontalpodautoscaler",
        &["hpa-target-not-found"],
    ),
    (KubeLinter, "minimum-three-replicas", &["single-replica"]),
    (KubeLinter, "pdb-max-unavailable", &["pdb-blocks-eviction"]),
    (KubeLinter, "pdb-min-available", &["pdb-blocks-eviction"]),
    (KubeLinter, "no-anti-affinity", &["missing-anti-affinity"]),
    (
        KubeLinter,
        "job-ttl-seconds-after-finished",
        &["job-missing-ttl"],
    ),
    (
        KubeLinter,
        "priority-class-name",
        &["missing-priority-class"],
    ),
    (KubeLinter, "duplicate-env-var", &["duplicate-env-var"]),
    (KubeLinter, "use-namespace", &["missing-namespace"]),
    (KubeLinter, "wildcard-in-rules", &["rbac-wildcard"]),
    (KubeLinter, "bind-verb-in-role", &["rbac-escalation-verbs"]),
    (
        KubeLinter,
        "webhook-failure-policy-ignore",
        &["webhook-fails-open"],
    ),
    (
        KubeLinter,
        "escalate-verb-in-role",
        &["rbac-escalation-verbs"],
    ),
    (
        KubeLinter,
        "impersonate-without-resource-names",
        &["rbac-escalation-verbs"],
    ),
    (
        KubeLinter,
        "cluster-admin-role-binding",
        &["cluster-admin-binding"],
    ),
    (KubeLinter, "access-to-secrets", &["rbac-secrets-access"]),
    (KubeLinter, "access-to-create-pods", &["rbac-create-pods"]),
    // Polaris
    (Polaris, "runAsPrivileged", &["privileged-container"]),
    (
        Polaris,
        "privilegeEscalationAllowed",
        &["privilege-escalation-allowed"],
    ),
    (Polaris, "runAsRootAllowed", &["run-as-root"]),
    (
        Polaris,
        "notReadOnlyRootFilesystem",
        &["writable-root-filesystem"],
    ),
    (Polaris, "dangerousCapabilities", &["dangerous-capability"]),
    (
        Polaris,
        "insecureCapabilities",
        &["capabilities-not-dropped"],
    ),
    (Polaris, "hostNetworkSet", &["host-network"]),
    (Polaris, "hostPIDSet", &["host-pid"]),
    (Polaris, "hostIPCSet", &["host-ipc"]),
    (Polaris, "hostPortSet", &["host-port"]),
    (Polaris, "hostPathSet", &["host-path-volume"]),
    (Polaris, "procMount", &["unsafe-proc-mount"]),
    (Polaris, "tagNotSpecified", &["latest-image-tag"]),
    (
        Polaris,
        "pullPolicyNotAlways",
        &["image-pull-policy-not-always"],
    ),
    (Polaris, "cpuRequestsMissing", &["missing-cpu-request"]),
    (Polaris, "cpuLimitsMissing", &["missing-cpu-limit"]),
    (
        Polaris,
        "memoryRequestsMissing",
        &["missing-memory-request"],
    ),
    (Polaris, "memoryLimitsMissing", &["missing-memory-limit"]),
    (Polaris, "livenessProbeMissing", &["missing-liveness-probe"]),
    (
        Polaris,
        "readinessProbeMissing",
        &["missing-readiness-probe"],
    ),
    (
        Polaris,
        "sensitiveContainerEnvVar",
        &["secret-in-env-literal"],
    ),
    (
        Polaris,
        "automountServiceAccountToken",
        &["automount-service-account-token"],
    ),
    (Polaris, "deploymentMissingReplicas", &["single-replica"]),
    (
        Polaris,
        "missingPodDisruptionBudget",
        &["missing-pod-disruption-budget"],
    ),
    (Polaris, "pdbDisruptionsIsZero", &["pdb-blocks-eviction"]),
    (
        Polaris,
        "topologySpreadConstraint",
        &["missing-topology-spread"],
    ),
    (Polaris, "priorityClassNotSet", &["missing-priority-class"]),
    (Polaris, "missingNetworkPolicy", &["missing-network-policy"]),
    (
        Polaris,
        "clusterrolebindingClusterAdmin",
        &["cluster-admin-binding"],
    ),
    (
        Polaris,
        "rolebindingClusterAdminClusterRole",
        &["cluster-admin-binding"],
    ),
    (Polaris, "clusterrolePodExecAttach", &["rbac-pod-exec"]),
    (Polaris, "rolePodExecAttach", &["rbac-pod-exec"]),
    (
        Polaris,
        "clusterrolebindingPodExecAttach",
        &["binding-grants-pod-exec"],
    ),
    (
        Polaris,
        "rolebindingClusterRolePodExecAttach",
        &["binding-grants-pod-exec"],
    ),
    (
        Polaris,
        "rolebindingRolePodExecAttach",
        &["binding-grants-pod-exec"],
    ),
    (
        Polaris,
        "rolebindingClusterAdminRole",
        &["binding-grants-wildcard"],
    ),
    (
        Polaris,
        "metadataAndNameMismatched",
        &["app-label-mismatch"],
    ),
    (
        Polaris,
        "metadataAndInstanceMismatched",
        &["app-label-mismatch"],
    ),
    (
        Polaris,
        "httpRouteCrossNamespaceBackendRef",
        &["gateway-reference-not-granted"],
    ),
    (
        Polaris,
        "gatewayCrossNamespaceCertificateRef",
        &["gateway-reference-not-granted"],
    ),
    // kube-score
    (
        KubeScore,
        "container-resources",
        &[
            "missing-cpu-request",
            "missing-memory-request",
            "missing-cpu-limit",
            "missing-memory-limit",
        ],
    ),
    (
        KubeScore,
        "container-ephemeral-storage-request-and-limit",
        &["missing-ephemeral-storage-limit"],
    ),
    (
        KubeScore,
        "container-resource-requests-equal-limits",
        &["request-below-limit"],
    ),
    (
        KubeScore,
        "container-memory-requests-equal-limits",
        &["request-below-limit"],
    ),
    (
        KubeScore,
        "container-cpu-requests-equal-limits",
        &["request-below-limit"],
    ),
    (
        KubeScore,
        "container-ephemeral-storage-request-equals-limit",
        &["request-below-limit"],
    ),
    (KubeScore, "container-image-tag", &["latest-image-tag"]),
    (
        KubeScore,
        "container-image-pull-policy",
        &["image-pull-policy-not-always"],
    ),
    (
        KubeScore,
        "pod-probes",
        &["missing-liveness-probe", "missing-readiness-probe"],
    ),
    (
        KubeScore,
        "pod-probes-identical",
        &["identical-liveness-readiness-probe"],
    ),
    (KubeScore, "pod-networkpolicy", &["missing-network-policy"]),
    (
        KubeScore,
        "networkpolicy-targets-pod",
        &["network-policy-selects-nothing"],
    ),
    (
        KubeScore,
        "service-targets-pod",
        &["service-selector-matches-nothing"],
    ),
    (KubeScore, "service-type", &["nodeport-service"]),
    (
        KubeScore,
        "ingress-targets-service",
        &["ingress-backend-not-found"],
    ),
    (
        KubeScore,
        "route-targets-service",
        &["ingress-backend-not-found"],
    ),
    (
        KubeScore,
        "container-security-context-user-group-id",
        &["run-as-root"],
    ),
    (
        KubeScore,
        "container-security-context-privileged",
        &["privileged-container"],
    ),
    (
        KubeScore,
        "container-security-context-readonlyrootfilesystem",
        &["writable-root-filesystem"],
    ),
    (
        KubeScore,
        "container-seccomp-profile",
        &["seccomp-unconfined"],
    ),
    (
        KubeScore,
        "deployment-has-poddisruptionbudget",
        &["missing-pod-disruption-budget"],
    ),
    (
        KubeScore,
        "statefulset-has-poddisruptionbudget",
        &["missing-pod-disruption-budget"],
    ),
    (
        KubeScore,
        "poddisruptionbudget-has-policy",
        &["pdb-blocks-eviction"],
    ),
    (
        KubeScore,
        "deployment-has-host-podantiaffinity",
        &["missing-anti-affinity"],
    ),
    (
        KubeScore,
        "statefulset-has-host-podantiaffinity",
        &["missing-anti-affinity"],
    ),
    (
        KubeScore,
        "pod-topology-spread-constraints",
        &["missing-topology-spread"],
    ),
    (
        KubeScore,
        "deployment-targeted-by-hpa-does-not-have-replicas-configured",
        &["hpa-conflicts-with-replicas"],
    ),
    (
        KubeScore,
        "horizontalpodautoscaler-has-target",
        &["hpa-target-not-found"],
    ),
    (KubeScore, "deployment-replicas", &["single-replica"]),
    (
        KubeScore,
        "statefulset-has-servicename",
        &["statefulset-missing-service-name"],
    ),
    (
        KubeScore,
        "cronjob-has-deadline",
        &["cronjob-missing-deadline"],
    ),
    (
        KubeScore,
        "environment-variable-key-duplication",
        &["duplicate-env-var"],
    ),
    (KubeScore, "label-values", &["invalid-label"]),
    (
        KubeScore,
        "deployment-pod-selector-labels-match-template-metadata-labels",
        &["workload-selector-mismatch"],
    ),
    (
        KubeScore,
        "statefulset-pod-selector-labels-match-template-metadata-labels",
        &["workload-selector-mismatch"],
    ),
];

/// The rules a check of another tool stands for (empty when there is no equivalent).
pub fn equivalent_rules(tool: Tool, check: &str) -> &'static [&'static str] {
    EQUIVALENTS
        .iter()
        .find(|(t, name, _)| *t == tool && *name == check)
        .map_or(&[], |(_, _, rules)| rules)
}

/// The main rule a check of another tool stands for.
pub fn equivalent_rule(tool: Tool, check: &str) -> Option<&'static str> {
    equivalent_rules(tool, check).first().copied()
}
