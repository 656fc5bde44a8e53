#!/usr/bin/env bash
# Speed and scale checks on the release binary: the per-file pipeline reports the same findings
# whatever the number of threads, and the scaling benchmark runs (figures printed, not judged:
# a benchmark is not a test).
#
# usage: ci/scale.sh BINARY   (environment: CORPUS, default ../shared/corpus; KUBECONFORM, optional)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: ci/scale.sh BINARY}
corpus=${CORPUS:-../shared/corpus}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "scale: a set of 2,000 generated documents"
BENCH_FILES=200 python3 bench/generate.py "$corpus" "$work/set" >/dev/null

enable=()
while read -r id; do
    enable+=(--enable "$id")
done < <("$bin" rules | awk 'NR > 1 {print $1}')

report() {
    "$@" lint --quiet --format json "${enable[@]}" "$work/set" \
        | python3 -c 'import json, sys; d = json.load(sys.stdin); print("\n".join(sorted(json.dumps(x, sort_keys=True) for x in d["diagnostics"])))' || true
}

echo "scale: every rule on, one thread and every thread give the same findings"
RAYON_NUM_THREADS=1 report "$bin" >"$work/one"
report "$bin" >"$work/all"
if ! cmp -s "$work/one" "$work/all"; then
    echo "FAIL: the findings differ with the thread count" >&2
    diff "$work/one" "$work/all" | head -20 >&2
    exit 1
fi
[ -s "$work/all" ] || { echo "FAIL: no findings on the generated set" >&2; exit 1; }
echo "scale: $(wc -l <"$work/all") findings, the same both ways"

echo "scale: the scaling benchmark on 2,000 documents"
mkdir -p bench-data
rm -rf bench-data/scale-2000
cp -r "$work/set" bench-data/scale-2000
bash bench/scale.sh "$bin" 2000
rm -rf bench-data/scale-2000
echo "scale: ok"
