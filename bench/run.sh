#!/usr/bin/env bash
# Whole-process benchmarks of `plimsoll lint`: wall time (median of several runs) and peak memory.
#   bench/run.sh            builds the release binary, generates the 10,000-document set if
#                           missing, and measures the corpus, the set and one small file.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${CORPUS:-../shared/corpus}
cargo build --release -p plimsoll --quiet
bin=target/release/plimsoll
[ -d bench-data/generated ] || python3 bench/generate.py "$corpus" bench-data/generated

measure() { # label runs args...
  local label=$1 runs=$2; shift 2
  local times=() mem=0 stats
  stats=$(mktemp)
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$stats" -f '%e %M' "$bin" lint --quiet --format json "$@" >/dev/null || true
    read -r t m < <(tail -n 1 "$stats")
    times+=("$t")
    mem=$m
  done
  rm -f "$stats"
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-44s wall %6.3f s (median of %d)   peak %6.1f MB\n' "$label" "$median" "$runs" "$(echo "$mem/1024" | bc -l)"
}

measure "corpus plain folders (513 documents)" 5 \
  "$corpus"/kube-prometheus "$corpus"/argo-cd "$corpus"/microservices-demo "$corpus"/kubernetes-examples "$corpus"/helm-rendered
measure "generated set (10,000 documents, 35 MB)" 5 bench-data/generated
measure "one small file (peak memory)" 3 "$corpus"/microservices-demo/adservice.yaml
# /usr/bin/time counts in centiseconds: time a loop for the small file instead.
runs=50
start=$(date +%s%N)
for _ in $(seq $runs); do "$bin" lint --quiet "$corpus"/microservices-demo/adservice.yaml >/dev/null || true; done
end=$(date +%s%N)
printf '%-44s wall %6.1f ms (mean of %d)\n' "one small file" "$(echo "($end - $start) / 1000000 / $runs" | bc -l)" "$runs"
