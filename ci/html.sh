#!/usr/bin/env bash
# Loads plimsoll's HTML report in headless Chromium and asserts what the page shows: the
# summary, both charts, the files ranked, every finding, and the filters at work (set from the
# address, as a user's click sets them). Keeps a screenshot.
# Usage: ci/html.sh path/to/plimsoll [ARTEFACT_DIR]   (default artefact folder: target/ci-html)
# Needs Debian's `chromium` (installed here with apt-get when missing; CHROMIUM=/path to choose).
set -euo pipefail
bin=$(realpath "${1:?usage: $0 PLIMSOLL_BINARY [ARTEFACT_DIR]}")
root=$(cd "$(dirname "$0")/.." && pwd)
artefacts=${2:-$root/target/ci-html}
mkdir -p "$artefacts"
artefacts=$(realpath "$artefacts")

chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$chromium" ]; then
  echo "== installing chromium (Debian package)"
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium >/dev/null
  chromium=$(command -v chromium)
fi
browse() {
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --window-size=1280,2000 "$@" 2>/dev/null
}

fail=0
check() { # check NAME FILE PATTERN...: every pattern (grep -E) is in FILE
  local name=$1 file=$2; shift 2
  for pattern in "$@"; do
    if ! grep -Eq -- "$pattern" "$file"; then
      echo "FAIL: $name: '$pattern' not found"; fail=1
    fi
  done
}

report="$artefacts/report.html"
echo "== plimsoll lint fixtures/example --format html=$report"
(cd "$root" && "$bin" lint fixtures/example --no-config --format html="$report" -q) || true
compact=$(cd "$root" && "$bin" lint fixtures/example --no-config --format compact 2>/dev/null || true)
findings=$(printf '%s\n' "$compact" | grep -c . || true)
errors=$(printf '%s\n' "$compact" | grep -c ': error ' || true)

echo "== the page as Chromium renders it ($findings findings, $errors errors)"
browse --dump-dom "file://$report" > "$artefacts/dom.html"
check "summary" "$artefacts/dom.html" \
  "id=\"summary\" class=\"fail\">2 files, 3 objects: $errors errors" \
  '<svg id="chart-severity"' '<svg id="chart-rule"' \
  'fixtures/example/deployment.yaml</a></td><td>' \
  "id=\"shown\">$findings findings shown" \
  '<mark>imagePullPolcy</mark>'
shown=$(grep -o '<li class="finding[^>]*>' "$artefacts/dom.html" | grep -vc ' hidden' || true)
[ "$shown" = "$findings" ] || { echo "FAIL: $shown findings shown, expected $findings"; fail=1; }

echo "== filtered by severity (report.html#severity=error)"
browse --dump-dom "file://$report#severity=error" > "$artefacts/dom-error.html"
check "severity filter" "$artefacts/dom-error.html" "id=\"shown\">$errors findings shown"
shown=$(grep -o '<li class="finding[^>]*>' "$artefacts/dom-error.html" | grep -vc ' hidden' || true)
[ "$shown" = "$errors" ] || { echo "FAIL: $shown findings shown with severity=error, expected $errors"; fail=1; }
hidden_errors=$(grep -o '<li class="finding error[^>]*>' "$artefacts/dom-error.html" | grep -c ' hidden' || true)
[ "$hidden_errors" = 0 ] || { echo "FAIL: $hidden_errors errors hidden"; fail=1; }

echo "== filtered by rule and file"
browse --dump-dom "file://$report#rule=privileged-container&file=fixtures/example/deployment.yaml" > "$artefacts/dom-rule.html"
check "rule filter" "$artefacts/dom-rule.html" 'id="shown">1 finding shown'
browse --dump-dom "file://$report#file=fixtures/example/service.yaml" > "$artefacts/dom-file.html"
services=$(printf '%s\n' "$compact" | grep -c '^fixtures/example/service.yaml' || true)
check "file filter" "$artefacts/dom-file.html" "id=\"shown\">$services findings? shown"

echo "== no request leaves the page"
external=$(grep -Eo '<(script|link|img|iframe)[^>]*(src|href)=' "$report" | wc -l || true)
[ "$external" = 0 ] || { echo "FAIL: $external external assets"; fail=1; }

echo "== screenshot: $artefacts/report.png"
browse --screenshot="$artefacts/report.png" "file://$report" >/dev/null
[ -s "$artefacts/report.png" ] || { echo "FAIL: no screenshot"; fail=1; }

[ $fail = 0 ] && echo "html: all checks passed"
exit $fail
