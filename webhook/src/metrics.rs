//! Counters and the latency histogram, rendered in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Counters {
    /// (operation, kind)
    requests: BTreeMap<(String, String), u64>,
    /// allowed, denied, exempt, skipped, timeout
    decisions: BTreeMap<&'static str, u64>,
    denials: BTreeMap<String, u64>,
    audits: BTreeMap<String, u64>,
    /// bad-request, timeout, internal
    errors: BTreeMap<&'static str, u64>,
    /// (what, result)
    reloads: BTreeMap<(&'static str, &'static str), u64>,
}

/// Everything `/metrics` shows.
pub struct Metrics {
    counters: Mutex<Counters>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_nanos: AtomicU64,
    /// Unix time at which the serving certificate expires.
    pub certificate_expiry: AtomicI64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            counters: Mutex::default(),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_nanos: AtomicU64::new(0),
            certificate_expiry: AtomicI64::new(0),
        }
    }
}

fn bump<K: Ord>(map: &mut BTreeMap<K, u64>, key: K) {
    *map.entry(key).or_default() += 1;
}

impl Metrics {
    fn with<R>(&self, f: impl FnOnce(&mut Counters) -> R) -> R {
        let mut guard = match self.counters.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    /// A review answered (whatever the answer), with its decision and rule ids.
    pub fn review(
        &self,
        operation: &str,
        kind: &str,
        decision: &'static str,
        denied_by: &[String],
        audited: &[String],
        took: Duration,
    ) {
        self.with(|c| {
            bump(&mut c.requests, (operation.to_owned(), kind.to_owned()));
            bump(&mut c.decisions, decision);
            for rule in denied_by {
                bump(&mut c.denials, rule.clone());
            }
            for rule in audited {
                bump(&mut c.audits, rule.clone());
            }
        });
        self.observe(took);
    }

    pub fn error(&self, reason: &'static str) {
        self.with(|c| bump(&mut c.errors, reason));
    }

    pub fn reload(&self, what: &'static str, ok: bool) {
        self.with(|c| {
            bump(
                &mut c.reloads,
                (what, if ok { "success" } else { "failure" }),
            )
        });
    }

    fn observe(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Reviews answered so far.
    pub fn reviews(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let label = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        self.with(|c| {
            out.push_str("# HELP plimsoll_webhook_requests_total Admission reviews answered, by operation and kind.\n# TYPE plimsoll_webhook_requests_total counter\n");
            for ((op, kind), n) in &c.requests {
                let _ = writeln!(
                    out,
                    "plimsoll_webhook_requests_total{{operation=\"{}\",kind=\"{}\"}} {n}",
                    label(op),
                    label(kind)
                );
            }
            out.push_str("# HELP plimsoll_webhook_decisions_total Admission reviews by decision.\n# TYPE plimsoll_webhook_decisions_total counter\n");
            for (decision, n) in &c.decisions {
                let _ = writeln!(
                    out,
                    "plimsoll_webhook_decisions_total{{decision=\"{decision}\"}} {n}"
                );
            }
            out.push_str("# HELP plimsoll_webhook_denials_total Denying findings by rule (in audit mode: findings that would deny).\n# TYPE plimsoll_webhook_denials_total counter\n");
            for (rule, n) in &c.denials {
                let _ = writeln!(
                    out,
                    "plimsoll_webhook_denials_total{{rule=\"{}\"}} {n}",
                    label(rule)
                );
            }
            out.push_str("# HELP plimsoll_webhook_audit_findings_total Findings only logged and counted, by rule.\n# TYPE plimsoll_webhook_audit_findings_total counter\n");
            for (rule, n) in &c.audits {
                let _ = writeln!(
                    out,
                    "plimsoll_webhook_audit_findings_total{{rule=\"{}\"}} {n}",
                    label(rule)
                );
            }
            out.push_str("# HELP plimsoll_webhook_errors_total Requests not answered with a review, by reason.\n# TYPE plimsoll_webhook_errors_total counter\n");
            for (reason, n) in &c.errors {
                let _ = writeln!(
                    out,
                    "plimsoll_webhook_errors_total{{reason=\"{reason}\"}} {n}"
                );
            }
            out.push_str("# HELP plimsoll_webhook_reloads_total Reloads of the configuration and the certificate.\n# TYPE plimsoll_webhook_reloads_total counter\n");
            for ((what, result), n) in &c.reloads {
                let _ = writeln!(
                    out,
                    "plimsoll_webhook_reloads_total{{what=\"{what}\",result=\"{result}\"}} {n}"
                );
            }
        });
        out.push_str("# HELP plimsoll_webhook_review_duration_seconds Time from request body read to answer.\n# TYPE plimsoll_webhook_review_duration_seconds histogram\n");
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "plimsoll_webhook_review_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "plimsoll_webhook_review_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "plimsoll_webhook_review_duration_seconds_sum {}",
            self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9
        );
        let _ = writeln!(
            out,
            "plimsoll_webhook_review_duration_seconds_count {count}"
        );
        out.push_str("# HELP plimsoll_webhook_certificate_expiry_timestamp_seconds When the serving certificate expires (Unix time).\n# TYPE plimsoll_webhook_certificate_expiry_timestamp_seconds gauge\n");
        let _ = writeln!(
            out,
            "plimsoll_webhook_certificate_expiry_timestamp_seconds {}",
            self.certificate_expiry.load(Ordering::Relaxed)
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histogram() {
        let m = Metrics::default();
        m.review(
            "CREATE",
            "apps/v1/Deployment",
            "denied",
            &["latest-image-tag".into()],
            &[],
            Duration::from_micros(700),
        );
        m.error("bad-request");
        let text = m.render();
        assert!(text.contains(
            "plimsoll_webhook_requests_total{operation=\"CREATE\",kind=\"apps/v1/Deployment\"} 1"
        ));
        assert!(text.contains("plimsoll_webhook_denials_total{rule=\"latest-image-tag\"} 1"));
        assert!(text.contains("plimsoll_webhook_review_duration_seconds_bucket{le=\"0.0005\"} 0"));
        assert!(text.contains("plimsoll_webhook_review_duration_seconds_bucket{le=\"0.001\"} 1"));
        assert!(text.contains("plimsoll_webhook_errors_total{reason=\"bad-request\"} 1"));
    }
}
