//! SIGTERM during a burst: the server stops accepting, and every review it accepted is
//! answered. (A file of its own: the signal goes to the whole test process.)

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_answers_every_accepted_review() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let mut opts = options(&pki);
    opts.policies = vec![fixtures().join("policies/gatekeeper/required-labels.yaml")];
    let (addr, metrics, server) = start(opts, plimsoll_webhook::shutdown_signal()).await;
    let tls = connector(&pki);
    let answered = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let body = review("burst", "CREATE", &good_deployment(), None);
    let mut clients = Vec::new();
    for _ in 0..16 {
        let (tls, body) = (tls.clone(), body.clone());
        let (answered, refused) = (Arc::clone(&answered), Arc::clone(&refused));
        clients.push(tokio::spawn(async move {
            for _ in 0..40 {
                let bytes = serde_json::to_vec(&body).unwrap();
                match request(addr, &tls, "POST", "/validate", &bytes).await {
                    Ok(reply) => {
                        // Anything that comes back is a whole, correct answer.
                        assert_eq!(reply.status, 200, "{}", reply.text());
                        assert_eq!(reply.json()["response"]["uid"], "burst");
                        assert_eq!(reply.json()["response"]["allowed"], true);
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(_) => {
                        refused.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        }));
    }
    while answered.load(Ordering::SeqCst) < 100 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let stopped = tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("the server stops after SIGTERM");
    stopped.unwrap().unwrap();
    for client in clients {
        client.await.unwrap();
    }
    let answered = answered.load(Ordering::SeqCst);
    let refused = refused.load(Ordering::SeqCst);
    assert_eq!(answered + refused, 16 * 40);
    assert!(answered >= 100, "{answered}");
    assert!(refused > 0, "the server went on accepting after SIGTERM");
    // Every review the server took in was answered.
    assert_eq!(metrics.reviews(), answered as u64);
}
