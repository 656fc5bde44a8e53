#!/usr/bin/env bash
# Helm benchmarks: for each chart of the corpus, `plimsoll lint CHART` (render + lint, one
# render) next to `helm template` alone; then one run of 3 renders of a chart next to 3 runs
# of one render each. Medians of RUNS runs (default 5), in milliseconds.
#
# usage: PLIMSOLL_HELM=/path/to/helm bench/helm.sh target/release/plimsoll [CORPUS]
set -euo pipefail
bin=$(realpath "$1")
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=$(realpath "${2:-$repo/../shared/corpus/helm-charts}")
helm=${PLIMSOLL_HELM:-$(command -v helm)}
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { # command... → median wall time in ms
    local times=()
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        end=$(date +%s%N)
        times+=($(( (end - start) / 1000000 )))
    done
    printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

# A configuration that lists the given renders (name:values-file pairs) for one chart.
config() { # file chart render...
    local file=$1 chart=$2; shift 2
    {
        echo "helm:"
        echo "  charts:"
        echo "    $chart:"
        echo "      renders:"
        for render in "$@"; do
            local name=${render%%:*} values=${render#*:}
            if [ -z "$values" ]; then
                echo "        $name: {}"
            else
                echo "        $name: {values: [$values]}"
            fi
        done
    } >"$file"
}

echo "plimsoll $("$bin" --version | awk '{print $2}'), $("$helm" version --short), $(nproc) cores, median of $runs runs"
printf '%-30s %14s %22s\n' chart "helm template" "plimsoll lint (1 render)"
for chart in "$corpus"/*/; do
    chart=${chart%/}
    name=$(basename "$chart")
    config "$work/$name.yaml" "$chart" "default:"
    h=$(median "$helm" template "$name" "$chart" --include-crds)
    p=$(median "$bin" lint "$chart" --helm "$helm" --config "$work/$name.yaml")
    printf '%-30s %11s ms %19s ms\n' "$name" "$h" "$p"
done

chart=$corpus/prometheus
ci=($(ls "$chart/ci" | head -n 3))
renders=()
for file in "${ci[@]}"; do renders+=("${file%-values.yaml}:ci/$file"); done
config "$work/three.yaml" "$chart" "${renders[@]}"
three=$(median "$bin" lint "$chart" --helm "$helm" --config "$work/three.yaml")
separate() {
    for render in "${renders[@]}"; do
        config "$work/one.yaml" "$chart" "$render"
        "$bin" lint "$chart" --helm "$helm" --config "$work/one.yaml" >/dev/null 2>&1 || true
    done
}
sep=$(median separate)
helm3() {
    for file in "${ci[@]}"; do "$helm" template prometheus "$chart" -f "$chart/ci/$file" >/dev/null; done
}
h3=$(median helm3)
echo "prometheus, 3 renders (${ci[*]}):"
echo "  one plimsoll run with 3 renders: $three ms; 3 plimsoll runs of 1 render: $sep ms; 3 helm template runs: $h3 ms"
