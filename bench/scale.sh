#!/usr/bin/env bash
# Scaling run: CPU and peak memory of `plimsoll lint` with every rule on, on generated sets of
# growing size (10 documents a file, objects renamed copies of the corpus's, so they share
# namespaces and selectors: the worst case for cross-object rules). CPU per document should be
# flat from the smallest set to the largest.
#
# usage: bench/scale.sh [BINARY] [SIZES…]   (sizes in documents; default 10000 20000 50000 100000)
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

printf '%-10s %10s %10s %14s %12s\n' documents "cpu s" "wall s" "cpu µs/doc" "peak MiB"
for n in "${sizes[@]}"; do
    dir=bench-data/scale-$n
    [ -d "$dir" ] || BENCH_FILES=$((n / 10)) python3 bench/generate.py "$corpus" "$dir" >/dev/null
    stats=$(mktemp)
    /usr/bin/time -o "$stats" -f '%U %S %e %M' "$bin" lint --quiet --format json "${enable[@]}" "$dir" >/dev/null || true
    read -r user sys wall mem < <(tail -n 1 "$stats")
    rm -f "$stats"
    awk -v n="$n" -v u="$user" -v s="$sys" -v w="$wall" -v m="$mem" \
        'BEGIN { printf "%-10d %10.2f %10.2f %14.1f %12.1f\n", n, u + s, w, (u + s) * 1e6 / n, m / 1024 }'
done
