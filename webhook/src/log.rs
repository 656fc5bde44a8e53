//! Structured logs: one JSON object per line on standard error. A review's line names the
//! request (uid, kind, namespace, name, operation), the decision, the rule ids and the time
//! taken; never the object's content.

use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::decide::Decision;
use crate::review::Request;

/// The current time as RFC 3339 in UTC, to the millisecond.
fn now() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = i64::try_from(since.as_secs()).unwrap_or(0);
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since the epoch (the inverse of tls::days_from_civil).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

fn write(fields: Map<String, Value>, level: &str, message: &str) {
    // Time, level and message first, as log readers expect.
    let mut line = Map::new();
    line.insert("time".into(), now().into());
    line.insert("level".into(), level.into());
    line.insert("msg".into(), message.into());
    line.extend(fields);
    let mut text = serde_json::to_string(&line).unwrap_or_default();
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// A line about the server itself.
pub fn event(level: &str, message: &str, fields: &[(&str, Value)]) {
    let map = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    write(map, level, message);
}

/// The line of one review.
pub fn review(request: &Request, decision: &str, outcome: &Decision, took: Duration) {
    let line = json!({
        "uid": request.uid,
        "operation": request.operation.as_str(),
        "kind": request.kind,
        "namespace": request.namespace,
        "name": request.name,
        "dryRun": request.dry_run,
        "decision": decision,
        "denied": outcome.denied_by,
        "warned": outcome.warned_by,
        "audited": outcome.audited,
        "durationMs": took.as_secs_f64() * 1000.0,
    });
    if let Value::Object(map) = line {
        write(map, "info", "review");
    }
}
