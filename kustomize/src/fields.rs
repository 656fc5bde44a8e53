//! Where kustomize's built-in transformers look: the field specs of labels, annotations,
//! namespaces and name references, written as tables of (kinds, paths).

/// A field a transformer reads or writes: in objects of `kind` (any when `None`) and `group`
/// (any when `None`), at `path` (map keys; lists on the way are walked item by item).
#[derive(Clone, Debug)]
pub(crate) struct FieldSpec {
    pub group: Option<String>,
    pub kind: Option<String>,
    pub path: Vec<String>,
    pub create: bool,
}

impl FieldSpec {
    pub fn new(group: Option<&str>, kind: Option<&str>, path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            group: group.map(str::to_owned),
            kind: kind.map(str::to_owned),
            path: split_path(path),
            create,
        }
    }

    pub fn applies(&self, group: &str, kind: &str) -> bool {
        self.kind.as_deref().is_none_or(|k| k == kind)
            && self.group.as_deref().is_none_or(|g| g == group)
    }
}

/// `metadata/annotations/a.b\/c` → [`metadata`, `annotations`, `a.b/c`]; `[]` markers dropped.
pub(crate) fn split_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                current.push('/');
                chars.next();
            }
            '/' => out.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    out.push(current);
    out.into_iter()
        .map(|s| s.trim_end_matches("[]").to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

const WORKLOADS_WITH_TEMPLATE: &[(&str, &str)] = &[
    ("", "ReplicationController"),
    ("", "Deployment"),
    ("", "ReplicaSet"),
    ("", "DaemonSet"),
    ("apps", "StatefulSet"),
];

const AFFINITY_SELECTORS: &[&str] = &[
    "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
    "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
    "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
];

fn group(g: &str) -> Option<&str> {
    (!g.is_empty()).then_some(g)
}

/// Labels on objects and on the pod templates they hold (`labels` with `includeTemplates`).
pub(crate) fn template_labels() -> Vec<FieldSpec> {
    let mut out = vec![FieldSpec::new(None, None, "metadata/labels", true)];
    for (g, kind) in WORKLOADS_WITH_TEMPLATE {
        out.push(FieldSpec::new(
            group(g),
            Some(kind),
            "spec/template/metadata/labels",
            true,
        ));
    }
    out.push(FieldSpec::new(
        Some("apps"),
        Some("StatefulSet"),
        "spec/volumeClaimTemplates/metadata/labels",
        true,
    ));
    out.push(FieldSpec::new(
        Some("batch"),
        Some("Job"),
        "spec/template/metadata/labels",
        true,
    ));
    out.push(FieldSpec::new(
        Some("batch"),
        Some("CronJob"),
        "spec/jobTemplate/metadata/labels",
        true,
    ));
    out.push(FieldSpec::new(
        Some("batch"),
        Some("CronJob"),
        "spec/jobTemplate/spec/template/metadata/labels",
        true,
    ));
    out
}

/// Where kustomize's namespace transformer sets the namespace besides `metadata.namespace`
/// and the subjects of bindings (which it sets whatever its field specs).
pub(crate) fn namespace_specs() -> Vec<FieldSpec> {
    vec![
        FieldSpec::new(None, Some("Namespace"), "metadata/name", true),
        FieldSpec::new(
            Some("apiregistration.k8s.io"),
            Some("APIService"),
            "spec/service/namespace",
            true,
        ),
        FieldSpec::new(
            Some("apiextensions.k8s.io"),
            Some("CustomResourceDefinition"),
            "spec/conversion/webhook/clientConfig/service/namespace",
            false,
        ),
    ]
}

/// Labels with their selectors (`commonLabels`, `labels` with `includeSelectors`).
pub(crate) fn selector_labels() -> Vec<FieldSpec> {
    let mut out = vec![
        FieldSpec::new(None, Some("Service"), "spec/selector", true),
        FieldSpec::new(None, Some("ReplicationController"), "spec/selector", true),
        FieldSpec::new(None, Some("Deployment"), "spec/selector/matchLabels", true),
        FieldSpec::new(None, Some("ReplicaSet"), "spec/selector/matchLabels", true),
        FieldSpec::new(None, Some("DaemonSet"), "spec/selector/matchLabels", true),
        FieldSpec::new(
            Some("apps"),
            Some("StatefulSet"),
            "spec/selector/matchLabels",
            true,
        ),
        FieldSpec::new(
            Some("batch"),
            Some("Job"),
            "spec/selector/matchLabels",
            false,
        ),
        FieldSpec::new(
            Some("batch"),
            Some("CronJob"),
            "spec/jobTemplate/spec/selector/matchLabels",
            false,
        ),
        FieldSpec::new(
            Some("policy"),
            Some("PodDisruptionBudget"),
            "spec/selector/matchLabels",
            false,
        ),
    ];
    for kind in ["Deployment", "StatefulSet"] {
        for path in AFFINITY_SELECTORS {
            out.push(FieldSpec::new(Some("apps"), Some(kind), path, false));
        }
    }
    for path in [
        "spec/podSelector/matchLabels",
        "spec/ingress/from/podSelector/matchLabels",
        "spec/egress/to/podSelector/matchLabels",
    ] {
        out.push(FieldSpec::new(
            Some("networking.k8s.io"),
            Some("NetworkPolicy"),
            path,
            false,
        ));
    }
    out.extend(template_labels());
    out
}

/// `commonAnnotations`: objects and their pod templates.
pub(crate) fn annotations() -> Vec<FieldSpec> {
    template_labels()
        .into_iter()
        .filter(|spec| !spec.path.iter().any(|p| p == "volumeClaimTemplates"))
        .map(|mut spec| {
            for part in spec.path.iter_mut() {
                if part == "labels" {
                    *part = "annotations".to_owned();
                }
            }
            spec
        })
        .collect()
}

/// Kinds without a namespace: the namespace transformer leaves them alone.
pub(crate) fn cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace"
            | "Node"
            | "PersistentVolume"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "CustomResourceDefinition"
            | "StorageClass"
            | "PriorityClass"
            | "IngressClass"
            | "RuntimeClass"
            | "CSIDriver"
            | "CSINode"
            | "VolumeAttachment"
            | "APIService"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "MutatingAdmissionPolicy"
            | "MutatingAdmissionPolicyBinding"
            | "PodSecurityPolicy"
            | "CertificateSigningRequest"
            | "ComponentStatus"
            | "FlowSchema"
            | "PriorityLevelConfiguration"
            | "ClusterTrustBundle"
            | "DeviceClass"
            | "StorageVersionMigration"
            | "VolumeAttributesClass"
    )
}

/// Where the pod spec is in each kind that holds one.
const POD_SPECS: &[(&str, &str)] = &[
    ("Pod", "spec"),
    ("PodTemplate", "template/spec"),
    ("Deployment", "spec/template/spec"),
    ("ReplicaSet", "spec/template/spec"),
    ("DaemonSet", "spec/template/spec"),
    ("StatefulSet", "spec/template/spec"),
    ("Job", "spec/template/spec"),
    ("CronJob", "spec/jobTemplate/spec/template/spec"),
];

/// A row of the name-reference table: objects of `kind` (in `group`) are referred to from
/// these fields.
pub(crate) struct NameRef<'a> {
    pub group: &'a str,
    pub kind: &'a str,
    pub referrers: Vec<FieldSpec>,
}

fn pod_fields(kinds: &[&str], paths: &[&str]) -> Vec<FieldSpec> {
    let mut out = Vec::new();
    for (kind, prefix) in POD_SPECS {
        if !kinds.contains(kind) {
            continue;
        }
        for path in paths {
            out.push(FieldSpec::new(
                None,
                Some(kind),
                &format!("{prefix}/{path}"),
                false,
            ));
        }
    }
    out
}

fn of(kind: &str, paths: &[&str]) -> Vec<FieldSpec> {
    paths
        .iter()
        .map(|p| FieldSpec::new(None, Some(kind), p, false))
        .collect()
}

/// kustomize's built-in name-reference table: after prefixes, suffixes and hashes change a
/// name, these fields are rewritten to follow it.
pub(crate) fn name_references() -> Vec<NameRef<'static>> {
    let all_pods = [
        "Pod",
        "PodTemplate",
        "Deployment",
        "ReplicaSet",
        "DaemonSet",
        "StatefulSet",
        "Job",
        "CronJob",
    ];
    let scale = |kind: &'static str, group: &'static str| NameRef {
        group,
        kind,
        referrers: of("HorizontalPodAutoscaler", &["spec/scaleTargetRef/name"]),
    };
    let mut config_maps = pod_fields(
        &all_pods,
        &[
            "volumes/configMap/name",
            "containers/env/valueFrom/configMapKeyRef/name",
            "initContainers/env/valueFrom/configMapKeyRef/name",
            "containers/envFrom/configMapRef/name",
            "initContainers/envFrom/configMapRef/name",
            "volumes/projected/sources/configMap/name",
        ],
    );
    config_maps.extend(of("Node", &["spec/configSource/configMap"]));
    config_maps.extend(of("Role", &["rules/resourceNames"]));
    config_maps.extend(of("ClusterRole", &["rules/resourceNames"]));
    config_maps.extend(of(
        "Ingress",
        &["metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap"],
    ));
    let mut secrets = pod_fields(
        &all_pods,
        &[
            "volumes/secret/secretName",
            "containers/env/valueFrom/secretKeyRef/name",
            "initContainers/env/valueFrom/secretKeyRef/name",
            "containers/envFrom/secretRef/name",
            "initContainers/envFrom/secretRef/name",
            "imagePullSecrets/name",
            "volumes/projected/sources/secret/name",
        ],
    );
    secrets.extend(of(
        "Ingress",
        &[
            "spec/tls/secretName",
            "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret",
        ],
    ));
    secrets.extend(of("ServiceAccount", &["imagePullSecrets/name"]));
    secrets.extend(of(
        "StorageClass",
        &[
            "parameters/secretName",
            "parameters/adminSecretName",
            "parameters/userSecretName",
            "parameters/secretRef",
        ],
    ));
    secrets.extend(of("Role", &["rules/resourceNames"]));
    secrets.extend(of("ClusterRole", &["rules/resourceNames"]));
    secrets.push(FieldSpec::new(
        Some("serving.knative.dev"),
        Some("Service"),
        "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
        false,
    ));
    secrets.extend(of("PersistentVolume", &["spec/azureFile/secretName"]));
    let mut services = vec![FieldSpec::new(
        Some("apps"),
        Some("StatefulSet"),
        "spec/serviceName",
        false,
    )];
    services.extend(of(
        "Ingress",
        &[
            "spec/rules/http/paths/backend/serviceName",
            "spec/backend/serviceName",
            "spec/rules/http/paths/backend/service/name",
            "spec/defaultBackend/service/name",
        ],
    ));
    services.push(FieldSpec::new(
        Some("apiregistration.k8s.io"),
        Some("APIService"),
        "spec/service/name",
        false,
    ));
    for kind in [
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    ] {
        services.push(FieldSpec::new(
            Some("admissionregistration.k8s.io"),
            Some(kind),
            "webhooks/clientConfig/service",
            false,
        ));
    }
    services.extend(of("HTTPRoute", &["spec/rules/backendRefs/name"]));
    let rbac = Some("rbac.authorization.k8s.io");
    let mut service_accounts = vec![
        FieldSpec::new(rbac, Some("RoleBinding"), "subjects", false),
        FieldSpec::new(rbac, Some("ClusterRoleBinding"), "subjects", false),
    ];
    service_accounts.extend(pod_fields(
        &[
            "Pod",
            "StatefulSet",
            "Deployment",
            "CronJob",
            "Job",
            "DaemonSet",
        ],
        &["serviceAccountName"],
    ));
    service_accounts.extend(of(
        "ReplicationController",
        &["spec/template/spec/serviceAccountName"],
    ));
    let claim_kinds = [
        "Pod",
        "StatefulSet",
        "Deployment",
        "CronJob",
        "Job",
        "DaemonSet",
    ];
    let mut claims = pod_fields(&claim_kinds, &["volumes/persistentVolumeClaim/claimName"]);
    claims.extend(of(
        "ReplicationController",
        &["spec/template/spec/volumes/persistentVolumeClaim/claimName"],
    ));
    let mut priority = pod_fields(&claim_kinds, &["priorityClassName"]);
    priority.extend(of(
        "ReplicationController",
        &["spec/template/spec/priorityClassName"],
    ));
    let mut volumes = of("PersistentVolumeClaim", &["spec/volumeName"]);
    volumes.extend(of("ClusterRole", &["rules/resourceNames"]));
    let mut storage = of("PersistentVolume", &["spec/storageClassName"]);
    storage.extend(of("PersistentVolumeClaim", &["spec/storageClassName"]));
    storage.extend(of(
        "StatefulSet",
        &["spec/volumeClaimTemplates/spec/storageClassName"],
    ));
    vec![
        scale("Deployment", "apps"),
        scale("ReplicationController", ""),
        scale("ReplicaSet", "apps"),
        scale("StatefulSet", "apps"),
        NameRef {
            group: "",
            kind: "ConfigMap",
            referrers: config_maps,
        },
        NameRef {
            group: "",
            kind: "Secret",
            referrers: secrets,
        },
        NameRef {
            group: "",
            kind: "Service",
            referrers: services,
        },
        NameRef {
            group: "rbac.authorization.k8s.io",
            kind: "Role",
            referrers: vec![FieldSpec::new(
                rbac,
                Some("RoleBinding"),
                "roleRef/name",
                false,
            )],
        },
        NameRef {
            group: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            referrers: vec![
                FieldSpec::new(rbac, Some("RoleBinding"), "roleRef/name", false),
                FieldSpec::new(rbac, Some("ClusterRoleBinding"), "roleRef/name", false),
            ],
        },
        NameRef {
            group: "",
            kind: "ServiceAccount",
            referrers: service_accounts,
        },
        NameRef {
            group: "",
            kind: "PersistentVolumeClaim",
            referrers: claims,
        },
        NameRef {
            group: "",
            kind: "PersistentVolume",
            referrers: volumes,
        },
        NameRef {
            group: "storage.k8s.io",
            kind: "StorageClass",
            referrers: storage,
        },
        NameRef {
            group: "scheduling.k8s.io",
            kind: "PriorityClass",
            referrers: priority,
        },
        NameRef {
            group: "networking.k8s.io",
            kind: "IngressClass",
            referrers: of("Ingress", &["spec/ingressClassName"]),
        },
    ]
}

/// kustomize's legacy output order: these kinds first, in this order; the last ones last;
/// the rest in between.
pub(crate) fn kind_rank(kind: &str) -> usize {
    const FIRST: &[&str] = &[
        "Namespace",
        "ResourceQuota",
        "StorageClass",
        "CustomResourceDefinition",
        "ServiceAccount",
        "PodSecurityPolicy",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "ConfigMap",
        "Secret",
        "Endpoints",
        "Service",
        "LimitRange",
        "PriorityClass",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "Deployment",
        "StatefulSet",
        "CronJob",
        "PodDisruptionBudget",
    ];
    const LAST: &[&str] = &[
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    ];
    if let Some(i) = FIRST.iter().position(|k| *k == kind) {
        return i;
    }
    if let Some(i) = LAST.iter().position(|k| *k == kind) {
        return FIRST.len() + 1 + i;
    }
    FIRST.len()
}

/// Where kustomize substitutes `$(VAR)` by default (its varReference field specs): the
/// arguments, commands, environment values and mount paths of every container of a pod
/// template, NFS servers, Ingress hosts and TLS, Service ports, and any object's labels and
/// annotations.
pub(crate) fn var_references() -> Vec<FieldSpec> {
    let mut out = Vec::new();
    let workloads: &[(&str, &str)] = &[
        ("CronJob", "spec/jobTemplate/spec/template/spec"),
        ("DaemonSet", "spec/template/spec"),
        ("Deployment", "spec/template/spec"),
        ("Job", "spec/template/spec"),
        ("Pod", "spec"),
        ("ReplicaSet", "spec/template/spec"),
        ("StatefulSet", "spec/template/spec"),
    ];
    for (kind, pod) in workloads {
        for list in ["containers", "initContainers"] {
            for field in ["args", "command", "env/value", "volumeMounts/mountPath"] {
                out.push(FieldSpec::new(
                    None,
                    Some(kind),
                    &format!("{pod}/{list}/{field}"),
                    false,
                ));
            }
        }
        // A StatefulSet's NFS server is read in its claim templates, not its pod's volumes;
        // a CronJob's is not substituted at all (kubectl kustomize 5.7 leaves it as written).
        let nfs = match *kind {
            "StatefulSet" => "spec/volumeClaimTemplates/spec/nfs/server".to_owned(),
            "CronJob" => continue,
            _ => format!("{pod}/volumes/nfs/server"),
        };
        out.push(FieldSpec::new(None, Some(kind), &nfs, false));
    }
    for (kind, path) in [
        ("Ingress", "spec/rules/host"),
        ("Ingress", "spec/tls/hosts"),
        ("Ingress", "spec/tls/secretName"),
        ("Service", "spec/ports/port"),
        ("Service", "spec/ports/targetPort"),
        ("PersistentVolume", "spec/nfs/server"),
    ] {
        out.push(FieldSpec::new(None, Some(kind), path, false));
    }
    out.push(FieldSpec::new(None, None, "metadata/labels", false));
    out.push(FieldSpec::new(None, None, "metadata/annotations", false));
    out
}
