#!/usr/bin/env bash
# Agreement with Polaris's and kubeconform's own test suites (docs/peers/polaris.md,
# docs/peers/kubeconform.md): every disagreement must have a recorded reason. Also, with the
# release binary alone, kubeconform's verdict on our own fixture: `--disable all --summary`.
# Usage: ci/peers-polaris.sh PLIMSOLL
# The suites need PLIMSOLL_PEERS, a folder holding the peers' fixtures as they lay them out
# (PLIMSOLL_PEERS/polaris/test/checks, PLIMSOLL_PEERS/kubeconform/fixtures), fetched outside this
# repository; without it they are skipped and say so. About 20 s.
set -euo pipefail
bin=${1:?usage: ci/peers-polaris.sh PLIMSOLL}
cd "$(dirname "$0")/.."
fail=0

echo "== kubeconform's summary line, schema verdict only (fixtures/fidelity/summary)"
want="Summary: 4 resources found in 1 file - Valid: 1, Invalid: 1, Errors: 2"
set +e
got=$("$bin" lint --no-config --disable all --summary --quiet fixtures/fidelity/summary 2>&1 >/dev/null | grep '^Summary: ')
"$bin" lint --no-config --disable all --quiet fixtures/fidelity/summary >/dev/null 2>&1
code=$?
set -e
if [ "$got" = "$want" ] && [ "$code" = 1 ]; then
    echo "ok    $got (exit $code)"
else
    echo "FAIL  got '$got' (exit $code), want '$want' (exit 1)"
    fail=1
fi

peers=${PLIMSOLL_PEERS:-}
if [ -z "$peers" ]; then
    echo "peers-polaris: suites skipped (set PLIMSOLL_PEERS to the folder of the fetched fixtures)"
    exit $fail
fi
for runner in agreement kubeconform; do
    echo "== bench/peers/$runner.py"
    if ! python3 "bench/peers/$runner.py" "$bin" "$peers" | tail -n 1; then
        echo "FAIL: $runner: a disagreement has no recorded reason (run it for the list)"
        fail=1
    fi
done
exit $fail
