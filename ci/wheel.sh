#!/usr/bin/env bash
# Builds the Python wheel of plimsoll with maturin (pyproject.toml), reusing the release
# build's target folder, installs it in a fresh virtualenv and runs it from there.
# Usage: ci/wheel.sh path/to/release/plimsoll   (the binary of `cargo build --release --locked`)
# Needs python3 with venv; maturin is installed from the package registry into a virtualenv
# when `maturin` is not on PATH (MATURIN=/path/to/maturin to choose one).
set -euo pipefail
bin=$(realpath "${1:?usage: $0 PLIMSOLL_RELEASE_BINARY}")
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

maturin=${MATURIN:-$(command -v maturin || true)}
if [ -z "$maturin" ]; then
  echo "== installing maturin in a virtualenv"
  python3 -m venv "$work/tools"
  "$work/tools/bin/pip" install --quiet 'maturin>=1.5,<2.0'
  maturin="$work/tools/bin/maturin"
fi

echo "== building the wheel (target folder: $root/target, shared with the release build)"
start=$(date +%s)
CARGO_TARGET_DIR="$root/target" "$maturin" build --release --locked --out "$work/dist" >"$work/build.log" 2>&1 || {
  cat "$work/build.log"; exit 1; }
echo "   built in $(( $(date +%s) - start )) s: $(cd "$work/dist" && ls *.whl)"

echo "== installing it in a fresh virtualenv"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --no-index "$work"/dist/*.whl
installed="$work/venv/bin/plimsoll"
test -x "$installed" || { echo "FAIL: the wheel installed no plimsoll command"; exit 1; }

echo "== plimsoll --version from the wheel matches the release binary"
got=$("$installed" --version)
want=$("$bin" --version)
echo "   $got"
[ "$got" = "$want" ] || { echo "FAIL: '$got' != '$want'"; exit 1; }

echo "== one lint from the wheel: fixtures/example fails with its known findings"
set +e
"$installed" lint fixtures/example --no-config --format compact >"$work/lint.out" 2>"$work/lint.err"
code=$?
set -e
[ "$code" = 1 ] || { echo "FAIL: exit code $code, expected 1"; cat "$work/lint.err"; exit 1; }
grep -q 'fixtures/example/deployment.yaml:22:9: error schema-unknown-field' "$work/lint.out" || {
  echo "FAIL: the expected finding is missing"; cat "$work/lint.out"; exit 1; }
echo "   $(wc -l <"$work/lint.out") findings, exit code 1"
echo "wheel: all checks passed"
