#!/usr/bin/env bash
# Output unchanged by the YAML fast path and by the memory savings: the JSON report over the
# shared corpus (Helm and Kustomize off) is byte-identical, timing fields aside, between BINARY
# and the reference: OLD_BINARY when given (for instance the previous commit's build), else
# BINARY itself, once with the fast path turned off (PLIMSOLL_YAML_GENERAL=1) and once keeping
# every file's text and every object whole (PLIMSOLL_KEEP_WHOLE=1). Checked with the default
# rules and with every rule on, and on the generated benchmark set when bench-data/generated
# exists.
#
#   ci/output-unchanged.sh BINARY [OLD_BINARY]
#
# Environment: PLIMSOLL_CORPUS (default: ../shared/corpus beside the repository; without it
# the script says so and exits 0). Needs nothing but the binaries; about 10-20 s.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:?usage: ci/output-unchanged.sh BINARY [OLD_BINARY]}"
old="${2:-}"
corpus="${PLIMSOLL_CORPUS:-$root/../shared/corpus}"
if [ ! -d "$corpus" ]; then
    echo "output-unchanged: no corpus at $corpus; skipping"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0

report() { # report OUT BINARY [ENV...] -- ARGS...: the JSON report without its timing field
    local out="$1" binary="$2"
    shift 2
    local env=()
    while [ "$1" != "--" ]; do
        env+=("$1")
        shift
    done
    shift
    local code=0
    env "${env[@]}" "$binary" lint --no-config --format json --no-helm --no-kustomize "$@" \
        >"$out.raw" 2>"$out.err" || code=$?
    sed -E 's/"durationMs": *[0-9]+,?//' "$out.raw" >"$out"
    echo "exit $code" >>"$out"
}

compare() { # compare LABEL ARGS...: against OLD_BINARY, or against each switch turned on
    local label="$1"
    shift
    if [ -n "$old" ]; then
        compare_with "$label" "$old" -- "$@"
    else
        compare_with "$label, general YAML parser" "$bin" PLIMSOLL_YAML_GENERAL=1 -- "$@"
        compare_with "$label, texts and objects kept whole" "$bin" PLIMSOLL_KEEP_WHOLE=1 -- "$@"
    fi
}

compare_with() { # compare_with LABEL REFERENCE [ENV...] -- ARGS...
    local label="$1" reference="$2"
    shift 2
    local env=()
    while [ "$1" != "--" ]; do
        env+=("$1")
        shift
    done
    shift
    report "$work/new" "$bin" PLIMSOLL_YAML_GENERAL=0 PLIMSOLL_KEEP_WHOLE=0 -- "$@"
    report "$work/old" "$reference" "${env[@]}" -- "$@"
    local findings
    findings=$(grep -c '"rule":' "$work/new.raw" || true)
    if cmp -s "$work/new" "$work/old"; then
        echo "output-unchanged: $label: identical ($findings findings)"
    else
        echo "output-unchanged: $label: DIFFERENT"
        diff "$work/old" "$work/new" | head -40 || true
        status=1
    fi
}

compare "corpus, default rules" "$corpus"
compare "corpus, every rule" --enable all "$corpus"
if [ -d "$root/bench-data/generated" ]; then
    compare "generated set, every rule" --enable all "$root/bench-data/generated"
fi
exit "$status"
