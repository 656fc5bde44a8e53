#!/usr/bin/env bash
# Validates plimsoll's JUnit output against fixtures/schemas/junit.xsd with xmllint
# (Debian package libxml2-utils). The test suite checks the same report in Rust; this adds the
# schema check. Usage: ci/junit-xmllint.sh path/to/plimsoll
set -euo pipefail
bin=$(realpath "${1:?usage: $0 PLIMSOLL_BINARY}")
root=$(cd "$(dirname "$0")/.." && pwd)
xmllint=${XMLLINT:-xmllint}
command -v "$xmllint" >/dev/null || { echo "xmllint not found (apt-get install libxml2-utils)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
for input in "$root/fixtures/example" "$root/fixtures/ci" "$root/fixtures/loader"; do
  [ -e "$input" ] || continue
  out="$work/$(basename "$input").xml"
  echo "== JUnit report of $(basename "$input") validates against junit.xsd"
  (cd "$root" && "$bin" lint "$input" --no-config --format junit="$out" >/dev/null 2>&1) || true
  if ! "$xmllint" --noout --schema "$root/fixtures/schemas/junit.xsd" "$out"; then fail=1; fi
done
echo "== a report without a test case name is rejected"
sed '0,/<testcase name="[^"]*"/s//<testcase/' "$work/example.xml" > "$work/broken.xml"
if "$xmllint" --noout --schema "$root/fixtures/schemas/junit.xsd" "$work/broken.xml" 2>/dev/null; then
  echo "FAIL: xmllint accepted a broken report"; fail=1
fi
exit $fail
