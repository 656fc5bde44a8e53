#!/usr/bin/env bash
# Load test of `plimsoll webhook` on loopback: a Deployment review with the default rules,
# a conftest policy and a Gatekeeper template, at fixed rates for a fixed time, server and
# generator pinned to separate cores. Latencies are measured from when each request was due
# (corrected for coordinated omission); CPU and memory are the server's.
#
# usage: [PLIMSOLL_BIN=target/release/plimsoll] bench/webhook.sh [SECONDS]    (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
# PLIMSOLL_BIN names a release binary already built (the generator is built in any case).
if [ -z "${PLIMSOLL_BIN:-}" ]; then
    cargo build -q --release -p plimsoll
fi
cargo build -q --release -p plimsoll-webhook --example webhook-load
bin=${PLIMSOLL_BIN:-target/release/plimsoll}
load=target/release/examples/webhook-load
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

# A CA and a leaf it signs: rustls (the generator) refuses a CA certificate as a server's.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=plimsoll bench CA" -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
    -keyout "$work/tls.key" -out "$work/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$work/ext"
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
    -days 2 -extfile "$work/ext" -out "$work/tls.crt" 2>/dev/null
python3 - "$work/body.json" <<'PY'
import json, sys
deployment = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web", "owner": "shop"}},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
            "containers": [{"name": "web", "image": "registry.example.com/shop/web:1.4.2",
                "ports": [{"containerPort": 8080}],
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "128Mi"}},
                "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True}}]}}}}
review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
    "uid": "load", "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
    "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
    "name": "web", "namespace": "shop", "operation": "CREATE",
    "userInfo": {"username": "alice", "groups": ["system:authenticated"]},
    "object": deployment, "oldObject": None, "dryRun": False}}
json.dump(review, open(sys.argv[1], "w"))
PY

run() {
    local rate=$1 malformed=$2
    taskset -c 0 "$bin" webhook --listen 127.0.0.1:18443 --tls-cert "$work/tls.crt" --tls-key "$work/tls.key" \
        --policy fixtures/policies/conftest --policy fixtures/policies/gatekeeper/required-labels.yaml \
        2>"$work/server.log" &
    server=$!
    for _ in $(seq 100); do
        curl -sf --cacert "$work/ca.crt" https://localhost:18443/readyz >/dev/null 2>&1 && break
        sleep 0.1
    done
    local ticks=$(getconf CLK_TCK)
    local cpu0=$(awk '{print $14+$15}' /proc/$server/stat)
    local rss0=$(awk '/VmRSS/{print $2}' /proc/$server/status)
    ( while kill -0 "$server" 2>/dev/null; do awk '/VmRSS/{print $2}' /proc/$server/status 2>/dev/null; sleep 5; done ) >"$work/rss" &
    local sampler=$!
    echo "== $rate requests/s for $seconds s, $malformed% malformed"
    taskset -c 1 "$load" 127.0.0.1:18443 "$work/ca.crt" "$work/body.json" "$rate" "$seconds" "$malformed" || echo "(errors above)"
    local cpu1=$(awk '{print $14+$15}' /proc/$server/stat)
    local rss1=$(awk '/VmRSS/{print $2}' /proc/$server/status)
    local hwm=$(awk '/VmHWM/{print $2}' /proc/$server/status)
    kill "$sampler" 2>/dev/null || true
    echo "server CPU $(( (cpu1 - cpu0) * 100 / ticks / seconds ))% of one core; RSS ${rss0} KiB after start, ${rss1} KiB at the end, peak ${hwm} KiB; samples every 5 s (KiB): $(tr '\n' ' ' <"$work/rss")"
    kill -TERM "$server"; wait "$server" || true
}

run 500 0
run 1000 0
run 1000 10
