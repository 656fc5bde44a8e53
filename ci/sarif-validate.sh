#!/usr/bin/env bash
# Validates plimsoll's SARIF with the official SARIF validator (the npm package
# @microsoft/sarif-multitool-linux): fails on any result of level error or warning; notes
# (style advice such as "use conventional rule ids") are printed and accepted.
#
# usage: ci/sarif-validate.sh REPO BINARY
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 REPO BINARY" >&2
    exit 2
fi
repo=$(cd "$1" && pwd)
binary=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm install --silent --no-audit --no-fund --prefix "$work/npm" @microsoft/sarif-multitool-linux@5.7.0 >/dev/null
tool="$work/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
chmod u+x "$tool"

cd "$repo"
# Exit code 1 is expected: the fixtures have findings.
status=0
"$binary" lint fixtures/ci fixtures/loader --quiet --format "sarif=$work/plimsoll.sarif" || status=$?
[ "$status" -le 1 ] || { echo "sarif-validate: plimsoll exited with $status" >&2; exit 1; }

DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$tool" validate "$work/plimsoll.sarif" \
    -o "$work/validation.sarif" --level "Error;Warning;Note" >/dev/null
python3 - "$work/validation.sarif" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["runs"][0].get("results", [])
bad = [r for r in results if r.get("level", "warning") in ("error", "warning")]
notes = sorted({r["ruleId"] for r in results} - {r["ruleId"] for r in bad})
for r in bad:
    print(f"sarif-validate: {r.get('level', 'warning')} {r['ruleId']}: {r['message']}", file=sys.stderr)
print(f"sarif-validate: {len(bad)} errors or warnings; notes from {', '.join(notes) or 'none'}")
print(f"sarif-validate: {1 if not bad else 0} passed, {1 if bad else 0} failed")
sys.exit(1 if bad else 0)
PY
