//! Where a pod spec lives in each kind of workload, and the containers in it.
//!
//! Built-in kinds: `Pod` (`/spec`); `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`,
//! `ReplicationController`, `Job` (`/spec/template/spec`); `CronJob`
//! (`/spec/jobTemplate/spec/template/spec`); and the custom workloads Argo Rollouts
//! `Rollout`, Knative `Service` and `Configuration`, KEDA `ScaledJob`, OpenKruise `CloneSet`,
//! `StatefulSet` and `DaemonSet`, and OpenShift `DeploymentConfig`. The configuration
//! adds more (`podTemplatePaths`). The metadata of a template is the sibling of its spec
//! (`…/template/metadata`); for a bare Pod it is the object's own `/metadata`.
//!
//! Argo Workflows (`Workflow`, `CronWorkflow`, `WorkflowTemplate`, `ClusterWorkflowTemplate`)
//! run one pod per step: the workflow spec holds the pod-level fields (`securityContext`,
//! `volumes`, `serviceAccountName`, `hostNetwork`…) and `podMetadata`, and each of
//! `spec.templates[]` brings its containers: `container`, `script`, `containerSet.containers[]`
//! and `sidecars[]` (main containers) and `initContainers[]`. A container without a name is
//! named after its template.

use plimsoll_core::Object;
use serde_json::{Map, Value};

use crate::config::{PodTemplatePath, RuleConfigError};

/// (API group, kind, pointer to the pod spec). `*` as the group matches any group.
const BUILT_IN: &[(&str, &str, &str)] = &[
    ("", "Pod", "/spec"),
    ("apps", "Deployment", "/spec/template/spec"),
    ("extensions", "Deployment", "/spec/template/spec"),
    ("apps", "StatefulSet", "/spec/template/spec"),
    ("apps", "DaemonSet", "/spec/template/spec"),
    ("extensions", "DaemonSet", "/spec/template/spec"),
    ("apps", "ReplicaSet", "/spec/template/spec"),
    ("extensions", "ReplicaSet", "/spec/template/spec"),
    ("", "ReplicationController", "/spec/template/spec"),
    ("batch", "Job", "/spec/template/spec"),
    ("batch", "CronJob", "/spec/jobTemplate/spec/template/spec"),
    ("argoproj.io", "Rollout", "/spec/template/spec"),
    ("serving.knative.dev", "Service", "/spec/template/spec"),
    (
        "keda.sh",
        "ScaledJob",
        "/spec/jobTemplate/spec/template/spec",
    ),
    ("apps.kruise.io", "CloneSet", "/spec/template/spec"),
    ("apps.kruise.io", "StatefulSet", "/spec/template/spec"),
    ("apps.kruise.io", "DaemonSet", "/spec/template/spec"),
    (
        "apps.openshift.io",
        "DeploymentConfig",
        "/spec/template/spec",
    ),
    // OpenShift 3 served DeploymentConfig in the core group (`apiVersion: v1`).
    ("", "DeploymentConfig", "/spec/template/spec"),
    (
        "serving.knative.dev",
        "Configuration",
        "/spec/template/spec",
    ),
];

/// Argo Workflows kinds and the pointer to their workflow spec (see the module comment).
const ARGO_WORKFLOWS: &[(&str, &str)] = &[
    ("Workflow", "/spec"),
    ("WorkflowTemplate", "/spec"),
    ("ClusterWorkflowTemplate", "/spec"),
    ("CronWorkflow", "/spec/workflowSpec"),
];

/// Whether an object is an Argo workflow (its containers live in `templates[]`).
fn is_argo_workflow(object: &Object, pointer: &str) -> bool {
    object.group() == "argoproj.io"
        && ARGO_WORKFLOWS
            .iter()
            .any(|(k, p)| *k == object.kind() && *p == pointer)
}

/// The compiled table of kinds that carry a pod template.
#[derive(Clone, Debug)]
pub struct PodTemplates {
    /// (group or `None` for any, version or `None` for any, kind, pointer).
    custom: Vec<(Option<String>, Option<String>, String, String)>,
}

impl PodTemplates {
    pub fn new(paths: &[PodTemplatePath]) -> Result<PodTemplates, RuleConfigError> {
        let mut custom = Vec::new();
        for path in paths {
            if path.kind.is_empty() {
                return Err(RuleConfigError::InvalidPodTemplatePath {
                    kind: path.kind.clone(),
                    message: "`kind` is empty".into(),
                });
            }
            if !path.pointer.starts_with('/') {
                return Err(RuleConfigError::InvalidPodTemplatePath {
                    kind: path.kind.clone(),
                    message: format!(
                        "`pointer` must be a JSON pointer starting with `/`, got `{}`",
                        path.pointer
                    ),
                });
            }
            let (group, version) = match path.api_version.as_deref() {
                None => (None, None),
                Some(api) => match api.rsplit_once('/') {
                    Some((group, version)) => (Some(group.to_owned()), Some(version.to_owned())),
                    // A bare word is a core version (`v1`) when it looks like one, else a group.
                    None if api.starts_with('v')
                        && api[1..].starts_with(|c: char| c.is_ascii_digit()) =>
                    {
                        (Some(String::new()), Some(api.to_owned()))
                    }
                    None => (Some(api.to_owned()), None),
                },
            };
            custom.push((group, version, path.kind.clone(), path.pointer.clone()));
        }
        Ok(PodTemplates { custom })
    }

    /// The pointer to the pod spec of `object`, if its kind carries one.
    pub fn spec_pointer<'a>(&'a self, object: &Object) -> Option<&'a str> {
        let kind = object.kind();
        let group = object.group();
        let version = object.api_version().rsplit('/').next().unwrap_or("");
        // Configuration first, so that a user can override a built-in path.
        for (g, v, k, pointer) in &self.custom {
            if k == kind
                && g.as_deref().is_none_or(|g| g == group)
                && v.as_deref().is_none_or(|v| v == version)
            {
                return Some(pointer);
            }
        }
        if group == "argoproj.io"
            && let Some((_, pointer)) = ARGO_WORKFLOWS.iter().find(|(k, _)| *k == kind)
        {
            return Some(pointer);
        }
        BUILT_IN
            .iter()
            .find(|(g, k, _)| *k == kind && *g == group)
            .map(|(_, _, pointer)| *pointer)
    }

    /// The pod spec of `object`, when it has one and it is a mapping.
    pub fn pod_spec<'o>(&self, object: &'o Object) -> Option<PodSpec<'o>> {
        let pointer = self.spec_pointer(object)?;
        let spec = object.value.pointer(pointer)?.as_object()?;
        let workflow = is_argo_workflow(object, pointer);
        let meta_pointer = match pointer.strip_suffix("/spec") {
            _ if workflow => format!("{pointer}/podMetadata"),
            Some(template) if !template.is_empty() => format!("{template}/metadata"),
            _ => "/metadata".to_owned(),
        };
        let metadata = object
            .value
            .pointer(&meta_pointer)
            .and_then(Value::as_object);
        Some(PodSpec {
            object,
            spec,
            pointer: pointer.to_owned(),
            meta_pointer,
            metadata,
            workflow,
        })
    }
}

/// The pod spec of one object.
#[derive(Clone, Debug)]
pub struct PodSpec<'o> {
    pub object: &'o Object,
    pub spec: &'o Map<String, Value>,
    /// Pointer to the spec, e.g. `/spec/template/spec`.
    pub pointer: String,
    /// Pointer to the pod's metadata, e.g. `/spec/template/metadata`.
    pub meta_pointer: String,
    pub metadata: Option<&'o Map<String, Value>>,
    /// An Argo workflow: containers come from each of `templates[]`.
    pub workflow: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    Main,
    Init,
    Ephemeral,
}

impl ContainerKind {
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Main => "containers",
            ContainerKind::Init => "initContainers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }

    /// How messages name it: `container`, `init container`, `ephemeral container`.
    pub fn label(self) -> &'static str {
        match self {
            ContainerKind::Main => "container",
            ContainerKind::Init => "init container",
            ContainerKind::Ephemeral => "ephemeral container",
        }
    }
}

/// One container of a pod spec.
#[derive(Clone, Debug)]
pub struct Container<'o> {
    pub kind: ContainerKind,
    pub value: &'o Map<String, Value>,
    /// Pointer to the container, e.g. `/spec/template/spec/containers/0`.
    pub pointer: String,
    pub name: &'o str,
}

impl<'o> Container<'o> {
    /// `container "web"`, `init container "migrate"`.
    pub fn describe(&self) -> String {
        format!("{} \"{}\"", self.kind.label(), self.name)
    }

    /// The value at a relative pointer (`/securityContext/privileged`).
    pub fn get(&self, pointer: &str) -> Option<&'o Value> {
        get(self.value, pointer)
    }

    /// The absolute pointer of a path inside the container.
    pub fn at(&self, pointer: &str) -> String {
        format!("{}{pointer}", self.pointer)
    }

    /// A sidecar: an init container that keeps running with the pod (`restartPolicy: Always`).
    pub fn is_sidecar(&self) -> bool {
        self.kind == ContainerKind::Init
            && self.get("/restartPolicy").and_then(Value::as_str) == Some("Always")
    }

    /// Whether the container runs as long as the pod: main containers and sidecars.
    pub fn is_long_running(&self) -> bool {
        self.kind == ContainerKind::Main || self.is_sidecar()
    }

    /// The declared `containerPort`s, with their names.
    pub fn ports(&self) -> impl Iterator<Item = (Option<&'o str>, i64)> + 'o {
        let ports = self.value.get("ports").and_then(Value::as_array);
        ports.into_iter().flatten().filter_map(|port| {
            let number = port.get("containerPort")?.as_i64()?;
            Some((port.get("name").and_then(Value::as_str), number))
        })
    }
}

/// `get(map, "/a/b")`: the value at a pointer relative to a mapping.
pub fn get<'v>(map: &'v Map<String, Value>, pointer: &str) -> Option<&'v Value> {
    let rest = pointer.strip_prefix('/')?;
    let (first, tail) = match rest.split_once('/') {
        Some((first, tail)) => (first, Some(tail)),
        None => (rest, None),
    };
    let value = map.get(first)?;
    match tail {
        None => Some(value),
        Some(tail) => value.pointer(&format!("/{tail}")),
    }
}

impl<'o> PodSpec<'o> {
    /// Containers of the given kinds, in the order `containers`, `initContainers`,
    /// `ephemeralContainers`. Entries that are not mappings are skipped (schema validation
    /// reports them); a container without a name is named `<unnamed>`.
    pub fn containers_of(&self, kinds: &'static [ContainerKind]) -> Vec<Container<'o>> {
        if self.workflow {
            return self.workflow_containers(kinds);
        }
        let mut out = Vec::new();
        for &kind in kinds {
            let Some(list) = self.spec.get(kind.field()).and_then(Value::as_array) else {
                continue;
            };
            for (i, item) in list.iter().enumerate() {
                let Some(value) = item.as_object() else {
                    continue;
                };
                out.push(Container {
                    kind,
                    value,
                    pointer: format!("{}/{}/{i}", self.pointer, kind.field()),
                    name: value
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("<unnamed>"),
                });
            }
        }
        out
    }

    /// The containers of an Argo workflow's templates, template by template.
    fn workflow_containers(&self, kinds: &'static [ContainerKind]) -> Vec<Container<'o>> {
        let mut out = Vec::new();
        let Some(templates) = self.spec.get("templates").and_then(Value::as_array) else {
            return out;
        };
        for (t, template) in templates.iter().enumerate() {
            let Some(template) = template.as_object() else {
                continue;
            };
            let base = format!("{}/templates/{t}", self.pointer);
            let template_name = template.get("name").and_then(Value::as_str);
            let mut push = |kind, value: &'o Value, pointer: String| {
                if let Some(value) = value.as_object() {
                    let name = value.get("name").and_then(Value::as_str);
                    out.push(Container {
                        kind,
                        value,
                        pointer,
                        name: name.or(template_name).unwrap_or("<unnamed>"),
                    });
                }
            };
            let lists: &[(ContainerKind, &str)] = &[
                (ContainerKind::Main, "sidecars"),
                (ContainerKind::Init, "initContainers"),
            ];
            if kinds.contains(&ContainerKind::Main) {
                for field in ["container", "script"] {
                    if let Some(value) = template.get(field) {
                        push(ContainerKind::Main, value, format!("{base}/{field}"));
                    }
                }
                let set = template
                    .get("containerSet")
                    .and_then(|s| s.get("containers"));
                for (i, value) in set
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    push(
                        ContainerKind::Main,
                        value,
                        format!("{base}/containerSet/containers/{i}"),
                    );
                }
            }
            for &(kind, field) in lists {
                if !kinds.contains(&kind) {
                    continue;
                }
                let list = template.get(field).and_then(Value::as_array);
                for (i, value) in list.into_iter().flatten().enumerate() {
                    push(kind, value, format!("{base}/{field}/{i}"));
                }
            }
        }
        out
    }

    /// Every container: main, init and ephemeral.
    pub fn all_containers(&self) -> Vec<Container<'o>> {
        self.containers_of(ALL)
    }

    /// Main and init containers: those the scheduler sizes and the kubelet starts with the pod.
    pub fn regular_containers(&self) -> Vec<Container<'o>> {
        self.containers_of(REGULAR)
    }

    /// The containers that run for the life of the pod: main containers and sidecars.
    pub fn long_running_containers(&self) -> Vec<Container<'o>> {
        let mut all = self.containers_of(REGULAR);
        all.retain(Container::is_long_running);
        all
    }

    /// The value at a pointer relative to the pod spec.
    pub fn get(&self, pointer: &str) -> Option<&'o Value> {
        get(self.spec, pointer)
    }

    /// The absolute pointer of a path inside the pod spec.
    pub fn at(&self, pointer: &str) -> String {
        format!("{}{pointer}", self.pointer)
    }

    /// The pod's labels (template labels for a controller).
    pub fn labels(&self) -> Option<&'o Map<String, Value>> {
        self.metadata?.get("labels")?.as_object()
    }

    pub fn annotations(&self) -> Option<&'o Map<String, Value>> {
        self.metadata?.get("annotations")?.as_object()
    }

    /// Whether the pod says it runs on Windows (`os.name: windows`), where Linux-only
    /// security settings do not apply.
    pub fn is_windows(&self) -> bool {
        self.get("/os/name").and_then(Value::as_str) == Some("windows")
    }

    /// Whether the workload runs to completion (Job, CronJob, ScaledJob, an Argo workflow, or
    /// a Pod whose `restartPolicy` is not `Always`), so that probes and replicas do not apply
    /// to it.
    pub fn runs_to_completion(&self) -> bool {
        if self.workflow {
            return true;
        }
        match self.object.kind() {
            "Job" | "CronJob" | "ScaledJob" => true,
            "Pod" => matches!(
                self.spec.get("restartPolicy").and_then(Value::as_str),
                Some("Never" | "OnFailure")
            ),
            _ => false,
        }
    }
}

pub const ALL: &[ContainerKind] = &[
    ContainerKind::Main,
    ContainerKind::Init,
    ContainerKind::Ephemeral,
];
pub const REGULAR: &[ContainerKind] = &[ContainerKind::Main, ContainerKind::Init];
pub const MAIN: &[ContainerKind] = &[ContainerKind::Main];

impl<'o> PodSpec<'o> {
    /// A security setting as it applies to a container: the container's
    /// `securityContext.<field>`, else the pod's (for the fields a pod may set), with the
    /// pointer of whichever was found.
    pub fn effective_security(
        &self,
        container: &Container<'o>,
        field: &str,
    ) -> Option<(&'o Value, String)> {
        let relative = format!("/securityContext/{field}");
        if let Some(value) = container.get(&relative).filter(|v| !v.is_null()) {
            return Some((value, container.at(&relative)));
        }
        self.get(&relative)
            .filter(|v| !v.is_null())
            .map(|value| (value, self.at(&relative)))
    }
}
