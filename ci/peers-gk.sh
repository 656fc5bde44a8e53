#!/usr/bin/env bash
# Agreement with the gatekeeper-library's Suites and conftest's acceptance tests
# (docs/peers/gatekeeper.md, docs/peers/conftest.md): every difference must have a recorded
# reason. Also checks, with no fetched fixtures, the conftest and gator behaviours the
# agreement rests on: a Gatekeeper Suite runs as gator verify runs it, and a policy folder
# with nothing to read fails (lint and policy test) instead of passing every object.
# Usage: ci/peers-gk.sh PLIMSOLL
# PLIMSOLL_PEERS, when set, is a folder holding the peers' files as they lay them out
# (PLIMSOLL_PEERS/gatekeeper-library/library/..., PLIMSOLL_PEERS/conftest/examples/...),
# fetched outside this repository; without it the two suites are skipped. Takes seconds.
set -euo pipefail
bin=${1:?usage: ci/peers-gk.sh PLIMSOLL}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
cd "$(dirname "$0")/.."
fail=0
check() { # name, then the command; the command must succeed
    local name=$1
    shift
    if "$@" >/tmp/peers-gk.out 2>&1; then
        echo "ok    $name"
    else
        echo "FAIL  $name"
        sed 's/^/      /' /tmp/peers-gk.out | tail -n 20
        fail=1
    fi
}
check "a Gatekeeper Suite runs as gator verify runs it" \
    bash -c "'$bin' policy test fixtures/policies/gator | tail -n 1 | grep -qx '4 passed, 0 failed'"
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
mkdir "$empty/policies"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n' >"$empty/a.yaml"
check "lint --policy with an empty folder fails (exit 2)" \
    bash -c "'$bin' lint --no-config --policy '$empty/policies' '$empty/a.yaml'; test \$? -eq 2"
check "policy test of an empty folder fails (exit 2)" \
    bash -c "'$bin' policy test '$empty/policies'; test \$? -eq 2"
peers=${PLIMSOLL_PEERS:-}
if [ -z "$peers" ]; then
    echo "peers-gk: the peers' suites skipped (set PLIMSOLL_PEERS to the folder of the fetched files)"
    exit $fail
fi
for runner in gatekeeper conftest; do
    echo "== bench/peers/$runner.py"
    if ! python3 "bench/peers/$runner.py" "$bin" "$peers" | tail -n 1; then
        echo "FAIL: $runner: a difference has no recorded reason (run it for the list)"
        fail=1
    fi
done
exit $fail
