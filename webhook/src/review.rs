//! The AdmissionReview wire format (`admission.k8s.io/v1` and `v1beta1`, which share their
//! shape), read as plain JSON so that any malformed part gets a precise reason.

use plimsoll_core::Diagnostic;
use plimsoll_engine::Engine;
use plimsoll_engine::admission::{AdmissionPolicies, ReviewContext, ReviewOperation};
use serde_json::{Map, Value, json};

use crate::decide::{self, Decision, Rules};

/// The version of the request, answered in kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V1,
    V1beta1,
}

impl Version {
    pub fn api_version(self) -> &'static str {
        match self {
            Version::V1 => "admission.k8s.io/v1",
            Version::V1beta1 => "admission.k8s.io/v1beta1",
        }
    }
}

/// The operations of admission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
    Connect,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::Connect => "CONNECT",
        }
    }
}

/// The parts of an `AdmissionRequest` the webhook reads.
#[derive(Debug)]
pub struct Request {
    pub version: Version,
    pub uid: String,
    /// `group/version/Kind` of the object (`apps/v1/Deployment`, `v1/Pod`).
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub operation: Operation,
    pub username: Option<String>,
    pub groups: Vec<String>,
    /// `request.userInfo` as sent (`null` when absent), for the policies that read it.
    pub user_info: Value,
    pub dry_run: bool,
    /// The object under review (`null` for DELETE and CONNECT).
    pub object: Value,
    /// The object before an UPDATE, or the one being deleted.
    pub old_object: Value,
    /// The request's other fields (`resource`, `subResource`, `requestKind`, `options`…)
    /// as sent, for the policies that read `input.review`.
    pub fields: Map<String, Value>,
}

/// Why a body is not an AdmissionReview we can answer.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

fn bad(message: impl Into<String>) -> BadRequest {
    BadRequest(message.into())
}

/// Reads a request body.
pub fn parse(body: &[u8]) -> Result<Request, BadRequest> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("the body is not JSON: {e}")))?;
    let Value::Object(mut review) = value else {
        return Err(bad("the body is not a JSON object"));
    };
    let version = match review.get("apiVersion").and_then(Value::as_str) {
        Some("admission.k8s.io/v1") => Version::V1,
        Some("admission.k8s.io/v1beta1") => Version::V1beta1,
        Some(other) => {
            return Err(bad(format!(
                "apiVersion `{other}` is not admission.k8s.io/v1 or v1beta1"
            )));
        }
        None => return Err(bad("the body is not an AdmissionReview: no apiVersion")),
    };
    if review.get("kind").and_then(Value::as_str) != Some("AdmissionReview") {
        return Err(bad(
            "the body is not an AdmissionReview: kind is not AdmissionReview",
        ));
    }
    let Some(Value::Object(mut request)) = review.remove("request") else {
        return Err(bad("the AdmissionReview has no `request` object"));
    };
    let uid = match request.get("uid") {
        Some(Value::String(uid)) if !uid.is_empty() => uid.clone(),
        _ => return Err(bad("`request.uid` is missing or not a string")),
    };
    let operation = match request.get("operation").and_then(Value::as_str) {
        Some("CREATE") => Operation::Create,
        Some("UPDATE") => Operation::Update,
        Some("DELETE") => Operation::Delete,
        Some("CONNECT") => Operation::Connect,
        Some(other) => return Err(bad(format!("`request.operation` `{other}` is unknown"))),
        None => return Err(bad("`request.operation` is missing")),
    };
    let kind = match request.get("kind") {
        Some(Value::Object(gvk)) => {
            let part = |key: &str| gvk.get(key).and_then(Value::as_str).unwrap_or("");
            if part("kind").is_empty() {
                return Err(bad("`request.kind.kind` is missing"));
            }
            [part("group"), part("version"), part("kind")]
                .iter()
                .filter(|p| !p.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("/")
        }
        _ => return Err(bad("`request.kind` is missing or not an object")),
    };
    let string = |map: &Map<String, Value>, key: &str| {
        map.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (username, groups) = match request.get("userInfo") {
        Some(Value::Object(user)) => (
            string(user, "username"),
            user.get("groups")
                .and_then(Value::as_array)
                .map(|g| {
                    g.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        ),
        _ => (None, Vec::new()),
    };
    let user_info = request.get("userInfo").cloned().unwrap_or(Value::Null);
    let object = request.remove("object").unwrap_or(Value::Null);
    let old_object = request.remove("oldObject").unwrap_or(Value::Null);
    match operation {
        Operation::Create | Operation::Update if !object.is_object() => {
            return Err(bad(format!(
                "`request.object` of a {} is not an object",
                operation.as_str()
            )));
        }
        Operation::Update if !(old_object.is_object() || old_object.is_null()) => {
            return Err(bad("`request.oldObject` is not an object"));
        }
        Operation::Delete if !(old_object.is_object() || old_object.is_null()) => {
            return Err(bad("`request.oldObject` is not an object"));
        }
        _ => {}
    }
    Ok(Request {
        version,
        uid,
        kind,
        namespace: string(&request, "namespace"),
        name: string(&request, "name"),
        dry_run: request.get("dryRun").and_then(Value::as_bool) == Some(true),
        operation,
        username,
        groups,
        user_info,
        object,
        old_object,
        fields: request,
    })
}

/// Runs the engine over the object a review is about: `object`, or for a DELETE `oldObject`,
/// with the request as Gatekeeper policies read it in `input.review`.
pub fn check(
    request: &Request,
    engine: &Engine,
    policies: Option<&mut AdmissionPolicies>,
) -> Vec<Diagnostic> {
    let operation = match request.operation {
        Operation::Update => ReviewOperation::Update,
        Operation::Delete => ReviewOperation::Delete,
        Operation::Create | Operation::Connect => ReviewOperation::Create,
    };
    let object = if operation == ReviewOperation::Delete {
        &request.old_object
    } else {
        &request.object
    };
    let context = ReviewContext {
        operation,
        old_object: Some(&request.old_object).filter(|o| o.is_object()),
        user_info: Some(&request.user_info).filter(|u| u.is_object()),
        dry_run: request.dry_run,
        uid: Some(request.uid.as_str()),
        request_fields: Some(&request.fields),
    };
    engine.admit_review(object, policies, Some(&context))
}

/// A request body from parsing to decision, without the network, limits or exemptions around
/// it: [`parse`], then (for what the server reviews) [`check`] and [`decide::decide`]. The
/// HTTPS handler runs the same three steps; the webhook's fuzz target drives this.
pub fn decide_body(body: &[u8], engine: &Engine, rules: &Rules) -> Result<Decision, BadRequest> {
    let request = parse(body)?;
    let mut policies = engine.admission_policies();
    let reviewed = match request.operation {
        Operation::Connect => false,
        Operation::Delete => policies.is_some() && request.old_object.is_object(),
        Operation::Create | Operation::Update => true,
    };
    if !reviewed {
        return Ok(Decision::default_allowed());
    }
    let found = check(&request, engine, policies.as_mut());
    Ok(decide::decide(rules, &found))
}

/// The answer to a review.
#[derive(Debug, Default)]
pub struct Answer {
    pub allowed: bool,
    /// `status.message` of a denial.
    pub message: Option<String>,
    pub warnings: Vec<String>,
}

/// The AdmissionReview that answers `uid`, in `version`.
pub fn response(version: Version, uid: &str, answer: &Answer) -> Value {
    let mut response = json!({"uid": uid, "allowed": answer.allowed});
    if let Some(message) = &answer.message {
        response["status"] = json!({
            "code": 403,
            "reason": "Forbidden",
            "message": message,
        });
    }
    if !answer.warnings.is_empty() {
        response["warnings"] = json!(answer.warnings);
    }
    json!({
        "apiVersion": version.api_version(),
        "kind": "AdmissionReview",
        "response": response,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(request: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "request": request,
        }))
        .unwrap()
    }

    #[test]
    fn a_create_is_read() {
        let request = parse(&body(json!({
            "uid": "u1",
            "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "operation": "CREATE",
            "namespace": "shop",
            "userInfo": {"username": "alice", "groups": ["dev"]},
            "dryRun": true,
            "object": {"kind": "Deployment"},
        })))
        .unwrap();
        assert_eq!(request.kind, "apps/v1/Deployment");
        assert_eq!(request.username.as_deref(), Some("alice"));
        assert_eq!(request.groups, ["dev"]);
        assert!(request.dry_run);
        assert_eq!(request.operation, Operation::Create);
    }

    #[test]
    fn malformed_reviews_say_why() {
        let cases: &[(&[u8], &str)] = &[
            (b"nope", "not JSON"),
            (b"[]", "not a JSON object"),
            (br#"{"kind":"AdmissionReview"}"#, "no apiVersion"),
            (
                br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#,
                "no `request`",
            ),
            (
                br#"{"apiVersion":"v1","kind":"AdmissionReview","request":{}}"#,
                "apiVersion `v1`",
            ),
        ];
        for (bytes, reason) in cases {
            let error = parse(bytes).unwrap_err().to_string();
            assert!(error.contains(reason), "{error}");
        }
        let error = parse(&body(json!({
            "uid": "u", "kind": {"version": "v1", "kind": "Pod"},
            "operation": "CREATE", "object": "text",
        })))
        .unwrap_err();
        assert!(error.to_string().contains("not an object"), "{error}");
    }

    #[test]
    fn bodies_are_decided_as_the_server_decides_them() {
        let engine = Engine::new(plimsoll_engine::Config::default()).unwrap();
        let rules = Rules {
            fail_on: plimsoll_core::Severity::Error,
            mode: decide::Mode::Enforce,
            enforcement: Default::default(),
        };
        let pod = |privileged: bool| {
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "namespace": "default"},
                "spec": {"containers": [{
                    "name": "c", "image": "busybox:1.36",
                    "securityContext": {"privileged": privileged},
                }]},
            })
        };
        let request = |operation: &str, object: Value| {
            body(json!({
                "uid": "u", "kind": {"version": "v1", "kind": "Pod"},
                "operation": operation, "object": object,
            }))
        };
        let denied = decide_body(&request("CREATE", pod(true)), &engine, &rules).unwrap();
        assert!(!denied.answer.allowed);
        assert_eq!(denied.denied_by, ["privileged-container"]);
        let allowed = decide_body(&request("CREATE", pod(false)), &engine, &rules).unwrap();
        assert!(allowed.answer.allowed, "{:?}", allowed.answer);
        // A CONNECT, and a DELETE without policies, are not reviewed.
        let connect = decide_body(&request("CONNECT", pod(true)), &engine, &rules).unwrap();
        assert!(connect.answer.allowed);
        let delete = decide_body(&request("DELETE", Value::Null), &engine, &rules).unwrap();
        assert!(delete.answer.allowed);
        let error = decide_body(b"{", &engine, &rules).unwrap_err();
        assert!(error.0.contains("not JSON"), "{error}");
    }

    #[test]
    fn answers_echo_uid_and_version() {
        let answer = Answer {
            allowed: false,
            message: Some("no".into()),
            warnings: vec!["w".into()],
        };
        let value = response(Version::V1beta1, "u9", &answer);
        assert_eq!(value["apiVersion"], "admission.k8s.io/v1beta1");
        assert_eq!(value["response"]["uid"], "u9");
        assert_eq!(value["response"]["status"]["code"], 403);
        assert_eq!(value["response"]["warnings"][0], "w");
    }
}
