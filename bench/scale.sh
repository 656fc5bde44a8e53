#!/usr/bin/env bash
# Scaling run: CPU and peak memory of `plimsoll lint` with every rule on, on generated sets of
# growing size (10 documents a file, objects renamed copies of the corpus's, so they share
# namespaces and selectors: the worst case for cross-object rules). CPU per document should be
# flat from the smallest set to the largest.
#
# usage: bench/scale.sh [BINARY] [SIZES…]   (sizes in documents; default 10000 20000 50000 100000)
#
# With KUBECONFORM naming a kubeconform binary, each size is also run through it (schemas only,
# `-strict`, as the issue's figures were taken) right after plimsoll, for a paired comparison.
# The last column is wall time over CPU time per thread (1.0: the threads never wait).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${CORPUS:-../shared/corpus}
bin=${1:-target/release/plimsoll}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 20000 50000 100000)
[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release -p plimsoll)" >&2; exit 2; }

enable=()
while read -r id; do
    enable+=(--enable "$id")
done < <("$bin" rules | awk 'NR > 1 {print $1}')

threads=$(nproc)
# measure TOOL DOCUMENTS COMMAND…: one row of the table.
measure() {
    local tool=$1 n=$2 stats user sys wall mem
    shift 2
    stats=$(mktemp)
    /usr/bin/time -o "$stats" -f '%U %S %e %M' "$@" >/dev/null 2>&1 || true
    read -r user sys wall mem < <(tail -n 1 "$stats")
    rm -f "$stats"
    awk -v t="$tool" -v n="$n" -v u="$user" -v s="$sys" -v w="$wall" -v m="$mem" -v c="$threads" \
        'BEGIN { printf "%-12s %-10d %10.2f %10.2f %14.1f %12.1f %10.2f\n", t, n, u + s, w, (u + s) * 1e6 / n, m / 1024, w * c / (u + s) }'
}

printf '%-12s %-10s %10s %10s %14s %12s %10s\n' tool documents "cpu s" "wall s" "cpu µs/doc" "peak MiB" "wall/cpu"
for n in "${sizes[@]}"; do
    dir=bench-data/scale-$n
    [ -d "$dir" ] || BENCH_FILES=$((n / 10)) python3 bench/generate.py "$corpus" "$dir" >/dev/null
    measure plimsoll "$n" "$bin" lint --quiet --format json "${enable[@]}" "$dir"
    if [ -n "${KUBECONFORM:-}" ]; then
        measure kubeconform "$n" "$KUBECONFORM" -strict -summary "$dir"
    fi
done
