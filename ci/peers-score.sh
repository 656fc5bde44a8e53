#!/usr/bin/env bash
# Agreement with kube-score's and kube-linter's own test suites (docs/peers/kube-score.md,
# docs/peers/kube-linter.md): every disagreement must have a recorded reason.
# Usage: ci/peers-score.sh PLIMSOLL
# Needs PLIMSOLL_PEERS, a folder holding the peers' fixtures as they lay them out
# (PLIMSOLL_PEERS/kube-score/score/testdata, PLIMSOLL_PEERS/kube-linter/tests/checks), fetched
# outside this repository; without it the check says so and is skipped. Takes a few seconds.
set -euo pipefail
bin=${1:?usage: ci/peers-score.sh PLIMSOLL}
cd "$(dirname "$0")/.."
peers=${PLIMSOLL_PEERS:-}
if [ -z "$peers" ]; then
    echo "peers-score: skipped (set PLIMSOLL_PEERS to the folder of the fetched fixtures)"
    exit 0
fi
fail=0
for runner in kube_score kube_linter; do
    echo "== bench/peers/$runner.py"
    if ! python3 "bench/peers/$runner.py" "$bin" "$peers" | tail -n 1; then
        echo "FAIL: $runner: a disagreement has no recorded reason (run it for the list)"
        fail=1
    fi
done
exit $fail
