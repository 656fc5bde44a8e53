#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for a bounded time, seeded at run time from fixtures/ and,
# when present, ../shared/corpus (nothing is copied into the repository).
#
#   ci/fuzz.sh [RELEASE_BINARY]
#
# The binary argument is accepted for symmetry with the other ci scripts and not used.
# Environment: PLIMSOLL_FUZZ_SECONDS (per target, default 30), PLIMSOLL_FUZZ_TARGETS
# (default: every target), PLIMSOLL_CORPUS (default: ../shared/corpus beside the repository).
# Needs `cargo +nightly` and cargo-fuzz; without them it says so and exits 0 (the stable test
# `tests/hostile_input.rs` runs the targets' code over the seeds on every `cargo test`).
# A crash leaves its input in fuzz/artifacts/<target>/ and fails the script.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${PLIMSOLL_FUZZ_SECONDS:-30}"
targets="${PLIMSOLL_FUZZ_TARGETS:-yaml_loader yaml_fast lint_file config_reader rego_policy webhook_request}"
corpus_src="${PLIMSOLL_CORPUS:-$root/../shared/corpus}"

if ! cargo +nightly --version >/dev/null 2>&1; then
    echo "fuzz: no nightly toolchain (cargo +nightly); skipping the fuzz targets"
    exit 0
fi
if ! cargo +nightly fuzz --help >/dev/null 2>&1; then
    echo "fuzz: cargo-fuzz is not installed (cargo install cargo-fuzz --locked); skipping"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

seed() {
    # seed TARGET EXTENSIONS...: copies matching files into the target's corpus folder.
    local target="$1"
    shift
    mkdir -p "$work/$target"
    local ext
    for dir in "$root/fixtures" "$corpus_src"; do
        [ -d "$dir" ] || continue
        for ext in "$@"; do
            find "$dir" -type f -name "*.$ext" -size -256k -print0 |
                while IFS= read -r -d '' f; do
                    cp "$f" "$work/$target/$(printf '%s' "$f" | cksum | cut -d' ' -f1).$ext"
                done
        done
    done
    # Inputs found earlier (kept outside the repository by the caller, if any).
    if [ -d "$root/fuzz/corpus/$target" ]; then
        cp -r "$root/fuzz/corpus/$target/." "$work/$target/"
    fi
}

status=0
# libFuzzer writes its job logs (fuzz-0.log) into the current folder: keep them out of the tree.
cd "$work"
for target in $targets; do
    case "$target" in
        rego_policy) seed "$target" rego ;;
        config_reader) seed "$target" yaml yml ;;
        # AdmissionReview bodies (fixtures/hostile/webhook/) and any other JSON.
        webhook_request) seed "$target" json ;;
        *) seed "$target" yaml yml json ;;
    esac
    if ! cargo +nightly fuzz build --fuzz-dir "$root/fuzz" "$target" >"$work/$target.log" 2>&1; then
        echo "fuzz: $target does not build"
        tail -20 "$work/$target.log"
        status=1
        continue
    fi
    echo "fuzz: $target for ${seconds}s over $(ls "$work/$target" | wc -l) seeds"
    if ! cargo +nightly fuzz run --fuzz-dir "$root/fuzz" "$target" "$work/$target" -- \
        -max_total_time="$seconds" -jobs=1 -rss_limit_mb=2048 -timeout=20 \
        -max_len=262144 -print_final_stats=1 >"$work/$target.log" 2>&1; then
        echo "fuzz: $target FAILED; the input is in fuzz/artifacts/$target/"
        tail -40 "$work/$target.log" "$work"/fuzz-*.log 2>/dev/null || true
        status=1
    else
        grep -hE "stat::number_of_executed_units|Done [0-9]+ runs" "$work"/fuzz-*.log | tail -2 || true
    fi
    rm -f "$work"/fuzz-*.log
done
exit "$status"
