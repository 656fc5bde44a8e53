#!/usr/bin/env bash
# Fidelity to the API server on real inputs: the API server's own checks (schema-invalid-port,
# schema-duplicate-name, schema-unknown-volume, schema-probe-handler, schema-restart-policy,
# schema-invalid-value), the enum table and broken-object detection must not fire on the
# corpus, except where the API server rejects the object too (the two Pods of
# kubernetes-examples whose container port says `protocol: tcp`, lower case). With kubectl, the
# broken objects without `kind` are confirmed to be unreadable for kubectl itself.
#
# usage: ci/fidelity.sh BINARY [CORPUS]   (CORPUS default: ../shared/corpus beside the repository)
# environment: PLIMSOLL_HELM (renders the corpus charts too), PLIMSOLL_KUBECTL (optional)
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 BINARY [CORPUS]" >&2
    exit 2
fi
binary=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=${2:-$repo/../shared/corpus}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo"

helm_args=(--no-helm)
if [ -n "${PLIMSOLL_HELM:-}" ]; then
    helm_args=(--helm "$PLIMSOLL_HELM")
fi

echo "fidelity: linting $corpus (${helm_args[*]})"
status=0
"$binary" lint --no-config "${helm_args[@]}" --format json "$corpus" >"$work/corpus.json" || status=$?
[ "$status" -le 1 ] || { echo "fidelity: plimsoll exited with $status" >&2; exit 1; }

python3 - "$work/corpus.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
api_server = {
    "schema-invalid-port", "schema-duplicate-name", "schema-unknown-volume",
    "schema-probe-handler", "schema-restart-policy", "schema-invalid-value",
    "missing-api-version", "missing-kind",
}
unexpected, enums = [], []
for d in report["diagnostics"]:
    if d["rule"] in api_server:
        unexpected.append(d)
    elif d["rule"] == "schema-invalid" and "must be one of" in d["message"]:
        enums.append(d)
expected_enums = [d for d in enums if "got a string (`\"tcp\"`)" in d["message"]]
for d in unexpected + [d for d in enums if d not in expected_enums]:
    print(f"fidelity: unexpected {d['rule']} on {d.get('object')}: {d['message']}", file=sys.stderr)
failed = len(unexpected) + len(enums) - len(expected_enums) + (len(expected_enums) != 2)
print(f"fidelity: {report['summary']['objects']} objects; API-server checks fired {len(unexpected)} times (expected 0); "
      f"enum findings {len(enums)} (expected 2, `protocol: tcp`)")
sys.exit(1 if failed else 0)
PY

echo "fidelity: the fixtures of tests/fidelity.rs through the release binary"
ids() { "$binary" lint --no-config --format json "$@" | python3 -c 'import json,sys; print(" ".join(sorted({d["rule"] for d in json.load(sys.stdin)["diagnostics"]})))' || true; }
got=$(ids --only duplicate-object fixtures/fidelity/broken-objects)
[ "$got" = "missing-api-version missing-kind" ] || { echo "fidelity: broken objects gave: $got" >&2; exit 1; }
got=$(ids --only duplicate-object fixtures/fidelity/not-objects)
[ -z "$got" ] || { echo "fidelity: files that are not objects gave: $got" >&2; exit 1; }

if [ -n "${PLIMSOLL_KUBECTL:-}" ]; then
    # kubectl's offline reading (`label --local`) needs `kind`, not `apiVersion`: it confirms
    # the documents without `kind`, and a complete one as the control.
    echo "fidelity: kubectl (label --local) rejects the broken objects without kind"
    python3 - fixtures/fidelity/broken-objects/manifests.yaml "$work" <<'PY'
import sys
for i, doc in enumerate(open(sys.argv[1]).read().split("\n---\n")):
    if "\nkind:" not in "\n" + doc:
        open(f"{sys.argv[2]}/no-kind-{i}.yaml", "w").write(doc)
open(f"{sys.argv[2]}/control.yaml", "w").write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
PY
    "$PLIMSOLL_KUBECTL" label --local -f "$work/control.yaml" x=y -o name >/dev/null
    count=0
    for doc in "$work"/no-kind-*.yaml; do
        if "$PLIMSOLL_KUBECTL" label --local -f "$doc" x=y -o name >/dev/null 2>&1; then
            echo "fidelity: kubectl reads $(basename "$doc"), plimsoll reports it" >&2
            exit 1
        fi
        count=$((count + 1))
    done
    [ "$count" -eq 2 ] || { echo "fidelity: expected 2 documents without kind, found $count" >&2; exit 1; }
fi
echo "fidelity: passed"
