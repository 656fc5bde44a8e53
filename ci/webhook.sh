#!/usr/bin/env bash
# Checks of the admission webhook that need the release binary, helm, openssl and curl:
# the chart passes `helm lint`, deploy/manifests is the chart rendered with default values,
# both variants (self-signed bootstrap, cert-manager) are clean under `plimsoll lint` with
# every rule on, and an HTTPS exchange with the running webhook (allowed, denied, warning,
# malformed, metrics, SIGTERM) answers as documented.
#
# usage: ci/webhook.sh BINARY          environment: PLIMSOLL_HELM (the helm binary; the helm
#                                      checks are skipped, and said so, when it is unset)
# needs: openssl, curl, python3. Takes about 15 seconds.
set -euo pipefail
if [ $# -ne 1 ]; then
    echo "usage: $0 BINARY" >&2
    exit 2
fi
bin=$(realpath "$1")
cd "$(dirname "$0")/.."
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
all_rules=$("$bin" rules --json | python3 -c 'import json,sys; print(" ".join("--enable " + r["id"] for r in json.load(sys.stdin)))')

echo "== plimsoll lint, every rule on: deploy/manifests"
# shellcheck disable=SC2086
"$bin" lint --no-config $all_rules --fail-on info deploy/manifests || fail "deploy/manifests is not clean"

if [ -n "${PLIMSOLL_HELM:-}" ]; then
    echo "== helm lint deploy/chart (default values, then cert-manager)"
    "$PLIMSOLL_HELM" lint deploy/chart
    "$PLIMSOLL_HELM" lint deploy/chart --set certificates.certManager.enabled=true
    echo "== deploy/manifests is the chart rendered with default values"
    "$PLIMSOLL_HELM" template plimsoll-webhook deploy/chart --namespace plimsoll >"$work/rendered.yaml"
    diff -u deploy/manifests/plimsoll-webhook.yaml "$work/rendered.yaml" \
        || fail "deploy/manifests is stale: render it again with helm template plimsoll-webhook deploy/chart --namespace plimsoll"
    echo "== plimsoll lint, every rule on: the cert-manager variant (with deploy/lint CRDs)"
    "$PLIMSOLL_HELM" template plimsoll-webhook deploy/chart --namespace plimsoll \
        --set certificates.certManager.enabled=true >"$work/cert-manager.yaml"
    # shellcheck disable=SC2086
    "$bin" lint --no-config $all_rules --fail-on info --crds deploy/lint "$work/cert-manager.yaml" \
        || fail "the cert-manager variant is not clean"
else
    echo "== PLIMSOLL_HELM is not set: helm lint, the rendering and the cert-manager variant are not checked"
fi

echo "== HTTPS exchange with plimsoll webhook"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" webhook --listen "127.0.0.1:$port" --tls-cert "$work/tls.crt" --tls-key "$work/tls.key" \
    --policy fixtures/policies/gatekeeper/required-labels.yaml 2>"$work/server.log" &
server=$!
url=https://localhost:$port
for _ in $(seq 100); do
    curl -sf --cacert "$work/tls.crt" "$url/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf --cacert "$work/tls.crt" "$url/readyz" >/dev/null || { cat "$work/server.log"; fail "not ready"; }
curl -s "http://localhost:$port/healthz" >/dev/null 2>&1 && fail "plain HTTP answered"

review() { # uid image owner-label
    python3 - "$@" <<'PY'
import json, sys
uid, image, owner = sys.argv[1:4]
labels = {"app": "web"}
if owner:
    labels["owner"] = owner
container = {"name": "web", "image": image,
    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "64Mi"}},
    "livenessProbe": {"httpGet": {"path": "/", "port": 8080}},
    "readinessProbe": {"httpGet": {"path": "/", "port": 8080}},
    "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True}}
obj = {"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "shop", "labels": labels},
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [container]}}}}
print(json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
    "uid": uid, "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
    "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
    "name": "web", "namespace": "shop", "operation": "CREATE",
    "userInfo": {"username": "ci"}, "object": obj, "dryRun": False}}))
PY
}
post() { curl -s --cacert "$work/tls.crt" -H 'Content-Type: application/json' --data-binary @- -w '\n%{http_code}' "$url/validate"; }
check() { # name, python expression over r (the answer) and code
    python3 -c "import json,sys; body,code=sys.stdin.read().rsplit('\n',1); r=json.loads(body) if code=='200' else body; code=int(code); sys.exit(0 if ($2) else 1)" \
        || fail "$1"
    echo "ok: $1"
}
review allowed-1 registry.example.com/web:1.2.3 team | post | check "a clean Deployment is allowed" \
    "code==200 and r['response']['uid']=='allowed-1' and r['response']['allowed'] is True"
review denied-1 registry.example.com/web:1.2.3 "" | post | check "a Deployment without the owner label is denied by the Gatekeeper constraint" \
    "code==200 and r['response']['allowed'] is False and 'must have the labels' in r['response']['status']['message']"
review warned-1 nginx:latest team | post | check "an image tagged latest is allowed with a warning" \
    "code==200 and r['response']['allowed'] is True and r['response']['warnings'][0].startswith('latest-image-tag: spec.template.spec.containers[0].image: ')"
printf 'not json' | post | check "a body that is not JSON gets a 400 with a reason" "code==400 and 'not JSON' in r"
curl -sf --cacert "$work/tls.crt" "$url/metrics" | grep -q 'plimsoll_webhook_decisions_total{decision="denied"} 1' \
    || fail "metrics do not count the denial"
echo "ok: /metrics counts the denial"
grep -q '"msg":"review","uid":"denied-1"' "$work/server.log" || fail "no log line for the review"
grep -q 'registry.example.com' "$work/server.log" && fail "the log shows object contents"
echo "ok: one JSON log line per review, without object contents"
kill -TERM "$server"
wait "$server" || fail "the webhook did not exit cleanly on SIGTERM"
server=
echo "ok: SIGTERM stops the webhook cleanly"
echo "webhook checks passed"
