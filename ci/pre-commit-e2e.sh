#!/usr/bin/env bash
# End-to-end test of .pre-commit-hooks.yaml with the real pre-commit: a throwaway repository
# with a bad manifest must fail the `plimsoll-system` hook with the finding, and pass once
# the manifest is fixed.
#
# usage: ci/pre-commit-e2e.sh REPO BINARY
#   REPO    this repository (a git checkout holding .pre-commit-hooks.yaml)
#   BINARY  a built plimsoll binary, put on PATH for the hook
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 REPO BINARY" >&2
    exit 2
fi
repo=$(cd "$1" && pwd)
binary=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
[ -x "$binary" ] || { echo "pre-commit-e2e: $binary is not an executable" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check pre-commit
mkdir "$work/bin"
ln -s "$binary" "$work/bin/plimsoll"
export PATH="$work/bin:$work/venv/bin:$PATH"
export PRE_COMMIT_HOME="$work/pre-commit-home"
export PRE_COMMIT_COLOR=never

project="$work/project"
mkdir -p "$project/deploy"
cd "$project"
git init --quiet
git config user.name "plimsoll e2e"
git config user.email "e2e@plimsoll.invalid"
git config commit.gpgsign false
cat > deploy/web.yaml <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
YAML
git add deploy/web.yaml

fail() {
    echo "pre-commit-e2e: $1" >&2
    echo "----- pre-commit output -----" >&2
    cat "$work/out" >&2
    exit 1
}

if pre-commit try-repo "$repo" plimsoll-system --all-files >"$work/out" 2>&1; then
    fail "the hook passed on a manifest with a duplicate key"
fi
grep -q "yaml-duplicate-key" "$work/out" || fail "the hook failed without naming yaml-duplicate-key"
grep -q "deploy/web.yaml" "$work/out" || fail "the hook failed without naming deploy/web.yaml"

sed -i '/replicas: 1/d' deploy/web.yaml
git add deploy/web.yaml
if ! pre-commit try-repo "$repo" plimsoll-system --all-files >"$work/out" 2>&1; then
    fail "the hook failed on the fixed manifest"
fi
grep -q "Passed" "$work/out" || fail "the hook did not report Passed"

echo "pre-commit-e2e: 2 passed, 0 failed"
