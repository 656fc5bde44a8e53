#!/usr/bin/env bash
# Differential check of `plimsoll kustomize build` against `kubectl kustomize`: every fixture
# under fixtures/kustomize/ and every kustomize tree of the shared corpus, built by both; the
# documents (parsed with PyYAML) compared in order, each difference printed. A tree that
# kubectl refuses must be refused by plimsoll too. Then the same trees through a kustomization
# with `buildMetadata: [originAnnotations]`, so that kubectl's origin of each object checks
# ours. With --update, also rewrites the committed expected outputs of the Rust test
# (kustomize/tests/expected/) from kubectl.
#
# usage: ci/kustomize-diff.sh BINARY [--update]
# environment: PLIMSOLL_KUBECTL (default .tools/kubectl), CORPUS (default ../shared/corpus)
# needs: python3 with PyYAML, zstd (for the merge-key table check); runs in 3-5 minutes.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 BINARY [--update]" >&2
    exit 2
fi
binary=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/.."
kubectl=${PLIMSOLL_KUBECTL:-.tools/kubectl}
kubectl=$(cd "$(dirname "$kubectl")" && pwd)/$(basename "$kubectl")
corpus=${CORPUS:-../shared/corpus}
if [ ! -x "$kubectl" ]; then
    echo "kustomize-diff: kubectl not found at $kubectl (set PLIMSOLL_KUBECTL)" >&2
    exit 2
fi
echo "kustomize-diff: $("$kubectl" version --client 2>/dev/null | grep -i kustomize || true)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

trees=()
for dir in fixtures/kustomize/*/; do
    trees+=("${dir%/}")
done
if [ -d "$corpus/kustomize" ]; then
    for tree in argo-cd/cluster-install argo-cd/namespace-install argo-cd/base argo-cd/crds \
        argo-cd/cluster-rbac kustomize-examples/helloWorld kustomize-examples/ldap/base \
        kustomize-examples/ldap/overlays/production kustomize-examples/ldap/overlays/staging \
        kustomize-examples/multibases kustomize-examples/wordpress \
        kustomize-examples/springboot/overlays/production \
        kustomize-examples/springboot/overlays/staging microservices-demo; do
        trees+=("$corpus/kustomize/$tree")
    done
else
    echo "kustomize-diff: no corpus at $corpus; fixtures only"
fi

compare() { # label ours theirs
    python3 - "$@" <<'PY'
import sys, yaml
label, ours, theirs = sys.argv[1:4]
def docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]
a, b = docs(ours), docs(theirs)
out = []
def walk(x, y, ptr):
    if isinstance(x, dict) and isinstance(y, dict):
        for k in y:
            if k not in x: out.append(f"{ptr}/{k}: missing")
            else: walk(x[k], y[k], f"{ptr}/{k}")
        for k in x:
            if k not in y: out.append(f"{ptr}/{k}: not in kubectl's output")
    elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (p, q) in enumerate(zip(x, y)): walk(p, q, f"{ptr}/{i}")
    elif x != y:
        out.append(f"{ptr}: plimsoll {x!r:.80}, kubectl {y!r:.80}")
if len(a) != len(b):
    out.append(f"{len(a)} documents built, kubectl {len(b)}")
for i, (x, y) in enumerate(zip(a, b)):
    name = f"{y.get('kind')}/{(y.get('metadata') or {}).get('name')}"
    before = len(out)
    walk(x, y, "")
    out[before:] = [f"document {i} ({name}): {d}" for d in out[before:]]
for d in out:
    print(f"DIFF {label}: {d}")
sys.exit(1 if out else 0)
PY
}

failures=0
checked=0
check() { # label dir
    local label=$1 dir=$2
    checked=$((checked + 1))
    local ours_ok=0 theirs_ok=0
    "$binary" kustomize build "$dir" >"$work/ours.yaml" 2>"$work/ours.err" || ours_ok=$?
    "$kubectl" kustomize "$dir" >"$work/theirs.yaml" 2>"$work/theirs.err" || theirs_ok=$?
    if [ "$ours_ok" -ne 0 ] && [ "$theirs_ok" -ne 0 ]; then
        echo "ok   $label (both refuse it)"
    elif [ "$theirs_ok" -ne 0 ]; then
        echo "DIFF $label: kubectl refuses it, plimsoll builds it: $(head -1 "$work/theirs.err")"
        failures=$((failures + 1))
    elif [ "$ours_ok" -ne 0 ]; then
        echo "DIFF $label: plimsoll refuses it, kubectl builds it: $(grep -m1 error "$work/ours.err")"
        failures=$((failures + 1))
    elif compare "$label" "$work/ours.yaml" "$work/theirs.yaml"; then
        echo "ok   $label ($(grep -c '^kind:' "$work/theirs.yaml" || true) objects)"
    else
        failures=$((failures + 1))
    fi
}

for tree in "${trees[@]}"; do
    check "$tree" "$tree"
done

# The origin oracle: each tree as the resource of a kustomization asking for origin annotations.
for tree in "${trees[@]}"; do
    case "$tree" in */error-* | */warn-* | */configmapgen-envs | */patches-delete-map) continue ;; esac
    if ! "$kubectl" kustomize "$tree" >/dev/null 2>&1; then continue; fi
    origin="$work/origin"
    rm -rf "$origin"
    mkdir -p "$origin"
    printf 'resources:\n- %s\nbuildMetadata: [originAnnotations]\n' "$(realpath --relative-to="$origin" "$tree")" \
        >"$origin/kustomization.yaml"
    check "origins of $tree" "$origin"
done

if [ "${2:-}" = "--update" ]; then
    echo "kustomize-diff: updating kustomize/tests/expected from kubectl"
    PLIMSOLL_KUSTOMIZE_UPDATE=1 PLIMSOLL_KUBECTL="$kubectl" \
        cargo test -q -p plimsoll-kustomize --test differential >/dev/null
fi

# The strategic-merge table of the build: regenerated from the schema with kubectl as the oracle.
if command -v zstd >/dev/null; then
    PLIMSOLL_KUBECTL="$kubectl" python3 kustomize/scripts/merge_keys.py --check || failures=$((failures + 1))
else
    echo "kustomize-diff: zstd not found; merge-key table not checked"
fi

echo "kustomize-diff: $checked builds compared, $failures with differences"
[ "$failures" -eq 0 ]
