//! The webhook over real HTTPS on loopback, with a CA made here and real AdmissionReview
//! bodies: allowed, denied, warnings, update, delete, dry-run, v1beta1, exemptions, audit,
//! malformed traffic, health, metrics and reloads.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use tokio::io::AsyncWriteExt;

fn never() -> impl Future<Output = ()> + Send + 'static {
    std::future::pending()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_are_allowed_denied_and_warned() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let config = dir.path().join(".plimsoll.yaml");
    std::fs::write(
        &config,
        "rules:\n  missing-pod-disruption-budget: {enabled: true}\nwebhook:\n  enforcement:\n    rego-latest-image-tag: audit\n",
    )
    .unwrap();
    let mut options = options(&pki);
    options.config = Some(config);
    options.policies = vec![
        fixtures().join("policies/conftest"),
        fixtures().join("policies/gatekeeper/required-labels.yaml"),
    ];
    let (addr, metrics, _task) = start(options, never()).await;
    let tls = connector(&pki);

    // A clean Deployment: allowed, the uid echoed, no warnings.
    let reply = post(
        addr,
        &tls,
        &review("u-clean", "CREATE", &good_deployment(), None),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let answer = reply.json();
    assert_eq!(answer["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(answer["kind"], "AdmissionReview");
    assert_eq!(answer["response"]["uid"], "u-clean");
    assert_eq!(answer["response"]["allowed"], true, "{answer}");
    assert!(answer["response"].get("warnings").is_none(), "{answer}");

    // A privileged container (an error of a built-in rule), no owner label (the
    // Gatekeeper constraint) and a misspelt field (the schema): denied, each listed.
    let mut bad = good_deployment();
    bad["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    bad["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:latest");
    bad["metadata"]["labels"] = json!({"app": "web"});
    bad["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = json!("Always");
    let reply = post(addr, &tls, &review("u-bad", "CREATE", &bad, None)).await;
    let answer = reply.json();
    assert_eq!(answer["response"]["uid"], "u-bad");
    assert_eq!(answer["response"]["allowed"], false);
    assert_eq!(answer["response"]["status"]["code"], 403);
    let message = answer["response"]["status"]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "privileged-container: spec.template.spec.containers[0].securityContext.privileged: "
        ),
        "{message}"
    );
    assert!(message.contains("must have the labels"), "{message}");
    assert!(
        message.contains("spec.template.spec.containers[0].imagePullPolcy"),
        "{message}"
    );
    // The built-in latest-image-tag is a warning; the conftest rule that finds the same is
    // set to audit: it is neither in the message nor in the warnings.
    assert!(
        answer["response"]["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("latest-image-tag: spec.template.spec.containers[0].image: "),
        "{answer}"
    );
    assert!(!message.contains("rego-latest-image-tag"), "{message}");
    assert!(!answer.to_string().contains("rego-latest-image-tag"));

    // Warnings only: a finding below failOn (a missing PodDisruptionBudget is a cross-object
    // rule and does not run; a missing readiness probe is a warning).
    let mut warned = good_deployment();
    let container = &mut warned["spec"]["template"]["spec"]["containers"][0];
    container.as_object_mut().unwrap().remove("readinessProbe");
    let reply = post(addr, &tls, &review("u-warn", "CREATE", &warned, None)).await;
    let answer = reply.json();
    assert_eq!(answer["response"]["allowed"], true, "{answer}");
    let warnings: Vec<&str> = answer["response"]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("missing-readiness-probe: ")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .all(|w| w.len() <= 256 && !w.starts_with("Warning"))
    );
    assert!(!answer.to_string().contains("missing-pod-disruption-budget"));

    // UPDATE reviews the new object; dry-run is evaluated the same way.
    let mut update = review("u-update", "UPDATE", &bad, Some(&good_deployment()));
    update["request"]["dryRun"] = json!(true);
    let answer = post(addr, &tls, &update).await.json();
    assert_eq!(answer["response"]["allowed"], false);
    let update = review("u-update-2", "UPDATE", &good_deployment(), Some(&bad));
    let answer = post(addr, &tls, &update).await.json();
    assert_eq!(answer["response"]["allowed"], true);

    // DELETE of a bad object is allowed: rules are about what is created or changed, and
    // the Gatekeeper constraint that covers it (required labels) finds its labels.
    let mut deleted = bad.clone();
    deleted["metadata"]["labels"] = good_deployment()["metadata"]["labels"].clone();
    let answer = post(addr, &tls, &review("u-delete", "DELETE", &deleted, None))
        .await
        .json();
    assert_eq!(answer["response"]["allowed"], true);
    assert_eq!(answer["response"]["uid"], "u-delete");

    // v1beta1 is answered in v1beta1.
    let mut beta = review("u-beta", "CREATE", &bad, None);
    beta["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let answer = post(addr, &tls, &beta).await.json();
    assert_eq!(answer["apiVersion"], "admission.k8s.io/v1beta1");
    assert_eq!(answer["response"]["allowed"], false);

    // Metrics count what happened.
    let text = get(addr, &tls, "/metrics").await.text();
    assert!(
        text.contains(
            "plimsoll_webhook_requests_total{operation=\"CREATE\",kind=\"apps/v1/Deployment\"} 4"
        ),
        "{text}"
    );
    assert!(
        text.contains("plimsoll_webhook_denials_total{rule=\"privileged-container\"} 3"),
        "{text}"
    );
    assert!(
        // The DELETE was reviewed by the Gatekeeper constraint that covers it: allowed.
        text.contains("plimsoll_webhook_decisions_total{decision=\"allowed\"} 4")
            && !text.contains("decision=\"skipped\""),
        "{text}"
    );
    assert!(
        text.contains("plimsoll_webhook_review_duration_seconds_count 7"),
        "{text}"
    );
    let expiry = text
        .lines()
        .find_map(|l| l.strip_prefix("plimsoll_webhook_certificate_expiry_timestamp_seconds "))
        .unwrap();
    assert!(expiry.parse::<i64>().unwrap() > 1_700_000_000, "{expiry}");
    assert_eq!(metrics.reviews(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exemptions_and_audit_mode_allow() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let config = dir.path().join("plimsoll.yaml");
    std::fs::write(
        &config,
        "webhook:\n  exempt: {namespaces: [kube-system], usernames: [ci-bot], groups: [admins]}\n",
    )
    .unwrap();
    let mut opts = options(&pki);
    opts.config = Some(config.clone());
    let (addr, _, _task) = start(opts, never()).await;
    let tls = connector(&pki);
    let mut bad = good_deployment();
    bad["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    assert_eq!(
        post(addr, &tls, &review("a", "CREATE", &bad, None))
            .await
            .json()["response"]["allowed"],
        false
    );
    let mut system = bad.clone();
    system["metadata"]["namespace"] = json!("kube-system");
    assert_eq!(
        post(addr, &tls, &review("b", "CREATE", &system, None))
            .await
            .json()["response"]["allowed"],
        true
    );
    let mut by_bot = review("c", "CREATE", &bad, None);
    by_bot["request"]["userInfo"]["username"] = json!("ci-bot");
    assert_eq!(
        post(addr, &tls, &by_bot).await.json()["response"]["allowed"],
        true
    );
    let mut by_group = review("d", "CREATE", &bad, None);
    by_group["request"]["userInfo"]["groups"] = json!(["admins"]);
    assert_eq!(
        post(addr, &tls, &by_group).await.json()["response"]["allowed"],
        true
    );

    // Audit mode never denies, and counts what it would have denied.
    let mut opts = options(&pki);
    opts.mode = plimsoll_webhook::Mode::Audit;
    let (addr, _, _task) = start(opts, never()).await;
    let answer = post(addr, &tls, &review("e", "CREATE", &bad, None))
        .await
        .json();
    assert_eq!(answer["response"]["allowed"], true, "{answer}");
    let text = get(addr, &tls, "/metrics").await.text();
    assert!(
        text.contains("plimsoll_webhook_denials_total{rule=\"privileged-container\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("plimsoll_webhook_decisions_total{decision=\"allowed\"} 1"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_traffic_gets_400s_and_the_next_request_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let mut opts = options(&pki);
    opts.max_body_size = 64 * 1024;
    opts.body_timeout = Duration::from_millis(500);
    let (addr, _, _task) = start(opts, never()).await;
    let tls = connector(&pki);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"this is not json".to_vec(), "not JSON"),
        (b"{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}".to_vec(), "not admission.k8s.io"),
        (
            b"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}".to_vec(),
            "no `request`",
        ),
        (
            serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                "request": {"uid": "x", "operation": "CREATE", "kind": {"version": "v1", "kind": "Pod"}, "object": [1, 2]}}))
            .unwrap(),
            "is not an object",
        ),
        (vec![b'{'; 100 * 1024], "over the limit of 65536 bytes"),
    ];
    for (body, reason) in cases {
        let reply = request(addr, &tls, "POST", "/validate", &body)
            .await
            .unwrap();
        assert_eq!(reply.status, 400, "{reason}: {}", reply.text());
        assert!(reply.text().contains(reason), "{reason}: {}", reply.text());
        // After each bad request, a good one is answered.
        let answer = post(
            addr,
            &tls,
            &review("ok", "CREATE", &good_deployment(), None),
        )
        .await;
        assert_eq!(answer.json()["response"]["allowed"], true);
    }

    // A client that promises a body and sends half of it: 400 once the body time is up.
    let mut stream = connect(addr, &tls).await.unwrap();
    stream
        .write_all(b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n{\"apiVersion\"")
        .await
        .unwrap();
    stream.flush().await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        use tokio::io::AsyncReadExt;
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    out.extend_from_slice(&buf[..n]);
                    if out.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await
    .unwrap();
    assert!(
        String::from_utf8_lossy(&out).starts_with("HTTP/1.1 400"),
        "{}",
        String::from_utf8_lossy(&out)
    );

    // Garbage instead of HTTP, and a client that speaks no TLS: the connection closes.
    let _ = raw(addr, &tls, b"\x00\x01\x02 garbage\r\n\r\n").await;
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\n\r\n")
        .await
        .unwrap();
    drop(plain);

    // Other paths and methods are refused; health answers.
    assert_eq!(get(addr, &tls, "/validate").await.status, 405);
    assert_eq!(get(addr, &tls, "/nothing").await.status, 404);
    assert_eq!(get(addr, &tls, "/healthz").await.status, 200);
    assert_eq!(get(addr, &tls, "/readyz").await.status, 200);
    let answer = post(
        addr,
        &tls,
        &review("last", "CREATE", &good_deployment(), None),
    )
    .await;
    assert_eq!(answer.json()["response"]["uid"], "last");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_and_certificate_reload() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let config = dir.path().join(".plimsoll.yaml");
    std::fs::write(&config, "rules: {}\n").unwrap();
    let mut opts = options(&pki);
    opts.config = Some(config.clone());
    let (addr, _, _task) = start(opts, never()).await;
    let tls = connector(&pki);
    let mut bad = good_deployment();
    bad["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    assert_eq!(
        post(addr, &tls, &review("1", "CREATE", &bad, None))
            .await
            .json()["response"]["allowed"],
        false
    );

    // A new configuration makes the rule a warning.
    std::fs::write(
        &config,
        "rules:\n  privileged-container: {severity: warning}\n",
    )
    .unwrap();
    let mut allowed = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let answer = post(addr, &tls, &review("2", "CREATE", &bad, None))
            .await
            .json();
        if answer["response"]["allowed"] == true {
            allowed = true;
            break;
        }
    }
    assert!(allowed, "the new configuration was not loaded");

    // A broken configuration is refused and the running one kept.
    std::fs::write(
        &config,
        "rules:\n  privileged-container: {severity: fatal}\n",
    )
    .unwrap();
    let mut failed = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let text = get(addr, &tls, "/metrics").await.text();
        if text
            .contains("plimsoll_webhook_reloads_total{what=\"configuration\",result=\"failure\"} 1")
        {
            failed = true;
            break;
        }
    }
    assert!(failed);
    assert_eq!(
        post(addr, &tls, &review("3", "CREATE", &bad, None))
            .await
            .json()["response"]["allowed"],
        true
    );

    // A new certificate from another CA: new connections use it.
    let other = tempfile::tempdir().unwrap();
    let new_pki = Pki::new(other.path());
    std::fs::copy(&new_pki.cert, &pki.cert).unwrap();
    std::fs::copy(&new_pki.key, &pki.key).unwrap();
    let new_tls = connector(&new_pki);
    let mut switched = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if let Ok(reply) = request(addr, &new_tls, "GET", "/healthz", b"").await {
            assert_eq!(reply.status, 200);
            switched = true;
            break;
        }
    }
    assert!(switched, "the new certificate was not served");
    assert!(request(addr, &tls, "GET", "/healthz", b"").await.is_err());
}

/// Gatekeeper templates that read `input.review` as admission gives it.
const REVIEW_TEMPLATES: &str = r#"apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8simmutablereplicas
spec:
  crd:
    spec:
      names:
        kind: K8sImmutableReplicas
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8simmutablereplicas

        violation[{"msg": msg}] {
          input.review.operation == "UPDATE"
          old := input.review.oldObject.spec.replicas
          new := input.review.object.spec.replicas
          old != new
          msg := sprintf("replicas of %s may not change (%v to %v) by %s", [input.review.name, old, new, input.review.userInfo.username])
        }
---
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sprotected
spec:
  crd:
    spec:
      names:
        kind: K8sProtected
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sprotected

        violation[{"msg": msg}] {
          input.review.operation == "DELETE"
          input.review.object.metadata.labels.protected == "true"
          msg := sprintf("%s/%s is protected from deletion", [input.review.namespace, input.review.object.metadata.name])
        }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sImmutableReplicas
metadata:
  name: fixed-replicas
spec:
  match:
    kinds:
      - apiGroups: ["apps"]
        kinds: ["Deployment"]
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sProtected
metadata:
  name: protected
spec:
  match:
    kinds:
      - apiGroups: ["apps"]
        kinds: ["Deployment"]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gatekeeper_policies_read_the_review_of_updates_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let policies = dir.path().join("review-policies.yaml");
    std::fs::write(&policies, REVIEW_TEMPLATES).unwrap();
    let mut options = options(&pki);
    options.policies = vec![policies];
    let (addr, _metrics, _task) = start(options, never()).await;
    let tls = connector(&pki);

    // CREATE: nothing to compare, allowed.
    let answer = post(
        addr,
        &tls,
        &review("u-create", "CREATE", &good_deployment(), None),
    )
    .await
    .json();
    assert_eq!(answer["response"]["allowed"], true, "{answer}");

    // UPDATE that changes replicas: the template compares oldObject with object.
    let old = good_deployment();
    let mut new = good_deployment();
    new["spec"]["replicas"] = json!(5);
    let answer = post(addr, &tls, &review("u-scale", "UPDATE", &new, Some(&old)))
        .await
        .json();
    assert_eq!(answer["response"]["uid"], "u-scale");
    assert_eq!(answer["response"]["allowed"], false, "{answer}");
    let message = answer["response"]["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("K8sImmutableReplicas/fixed-replicas"),
        "{message}"
    );
    assert!(
        message.contains("replicas of web may not change (3 to 5) by alice"),
        "{message}"
    );

    // UPDATE that keeps replicas: allowed.
    let mut relabelled = good_deployment();
    relabelled["metadata"]["labels"]["tier"] = json!("front");
    let answer = post(
        addr,
        &tls,
        &review("u-relabel", "UPDATE", &relabelled, Some(&old)),
    )
    .await
    .json();
    assert_eq!(answer["response"]["allowed"], true, "{answer}");

    // DELETE of a protected Deployment: the template sees operation DELETE and the
    // deleted object (the request's oldObject) as object.
    let mut protected = good_deployment();
    protected["metadata"]["labels"]["protected"] = json!("true");
    let answer = post(addr, &tls, &review("u-del", "DELETE", &protected, None))
        .await
        .json();
    assert_eq!(answer["response"]["uid"], "u-del");
    assert_eq!(answer["response"]["allowed"], false, "{answer}");
    let message = answer["response"]["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("shop/web is protected from deletion"),
        "{message}"
    );

    // A dry-run DELETE is reviewed the same way.
    let mut dry = review("u-del-dry", "DELETE", &protected, None);
    dry["request"]["dryRun"] = json!(true);
    let answer = post(addr, &tls, &dry).await.json();
    assert_eq!(answer["response"]["allowed"], false, "{answer}");

    // DELETE of an unprotected Deployment, and of a kind no constraint covers: allowed.
    let answer = post(
        addr,
        &tls,
        &review("u-del-ok", "DELETE", &good_deployment(), None),
    )
    .await
    .json();
    assert_eq!(answer["response"]["allowed"], true, "{answer}");
    let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "shop", "labels": {"protected": "true"}}});
    let answer = post(addr, &tls, &review("u-del-cm", "DELETE", &config_map, None))
        .await
        .json();
    assert_eq!(answer["response"]["allowed"], true, "{answer}");
}
