#!/usr/bin/env bash
# Start-up, output and ordering checks on the release binary:
# - the report is byte for byte the same on one thread and on every thread, in JSON and in the
#   terminal format (findings are sorted, suppressed and laid out in parallel);
# - on Linux the executable is linked at a fixed address (no relocations to apply at start-up);
# - figures are printed, not judged (a benchmark is not a test): CPU of one small file, and
#   the CPU the terminal format costs per finding over JSON.
#
# usage: ci/speed.sh BINARY   (environment: CORPUS, default ../shared/corpus)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: ci/speed.sh BINARY}
corpus=${CORPUS:-../shared/corpus}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "speed: a set of 2,000 generated documents"
BENCH_FILES=200 python3 bench/generate.py "$corpus" "$work/set" >/dev/null

# Timings and durations are the only parts that may differ from one run to the next.
strip_time() { sed -E 's/"durationMs": [0-9]+/"durationMs": 0/; s/ in [0-9]+ ms$/ in 0 ms/'; }

for format in json human; do
    for input in "$work/set" "$corpus"; do
        echo "speed: --format $format, every rule, $(basename "$input"): one thread and every thread give the same bytes"
        RAYON_NUM_THREADS=1 "$bin" lint --no-config --enable all --format "$format" "$input" 2>/dev/null \
            | strip_time >"$work/one" || true
        "$bin" lint --no-config --enable all --format "$format" "$input" 2>/dev/null \
            | strip_time >"$work/all" || true
        [ -s "$work/all" ] || { echo "FAIL: no output" >&2; exit 1; }
        if ! cmp -s "$work/one" "$work/all"; then
            echo "FAIL: the $format report differs with the thread count" >&2
            diff "$work/one" "$work/all" | head -20 >&2
            exit 1
        fi
    done
done

if [ "$(uname -s)" = Linux ] && command -v readelf >/dev/null; then
    echo "speed: the executable is linked at a fixed address"
    type=$(readelf -h "$bin" | awk '/Type:/ {print $2}')
    if [ "$type" != EXEC ]; then
        echo "FAIL: ELF type $type (a position-independent executable relocates itself at every start)" >&2
        exit 1
    fi
fi

echo "speed: figures (not judged)"
if command -v perf >/dev/null && perf stat -e task-clock true 2>/dev/null; then
    perf stat -x, -e task-clock -r 50 "$bin" lint --no-config fixtures/example/deployment.yaml 2>&1 >/dev/null \
        | awk -F, '/task-clock/ {printf "speed: one small file, %.2f ms of CPU (mean of 50 runs)\n", $1}' || true
fi
if [ -x /usr/bin/time ]; then
    cpu() {
        /usr/bin/time -f '%U %S' -o "$work/time" "$bin" lint --no-config --enable all --format "$1" "$work/set" \
            >/dev/null 2>&1 || true
        tail -n 1 "$work/time" | awk '{print $1 + $2}'
    }
    findings=$("$bin" lint --no-config --enable all --format json "$work/set" 2>/dev/null \
        | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["diagnostics"]))' || true)
    json=$(cpu json)
    human=$(cpu human)
    awk -v j="$json" -v h="$human" -v n="$findings" \
        'BEGIN { printf "speed: %d findings, CPU %.2f s as JSON, %.2f s for the terminal: %.1f µs per finding\n", n, j, h, (h - j) * 1e6 / n }'
fi
echo "speed: ok"
