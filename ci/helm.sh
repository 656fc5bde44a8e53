#!/usr/bin/env bash
# Renders the Helm fixtures and every chart of the shared corpus with plimsoll, and checks that
# no render fails and that findings are traced back to template lines.
#
# usage: PLIMSOLL_HELM=/path/to/helm ci/helm.sh path/to/plimsoll [CORPUS]
#   CORPUS defaults to ../shared/corpus/helm-charts (relative to the repository).
# Needs python3. Prints, per chart, how many findings got a template line, a values key, or
# only the file; fails when a render fails or fewer than 90% of the findings get a line.
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: PLIMSOLL_HELM=HELM $0 PLIMSOLL [CORPUS]" >&2
    exit 2
fi
bin=$(realpath "$1")
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=${2:-$repo/../shared/corpus/helm-charts}
helm=${PLIMSOLL_HELM:-$(command -v helm || true)}
if [ -z "$helm" ] || [ ! -x "$helm" ]; then
    echo "helm not found: set PLIMSOLL_HELM" >&2
    exit 2
fi
echo "helm: $("$helm" version --short 2>/dev/null || echo "$helm")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failed=0

# 1. Fixtures: the shop chart renders twice and its findings point at templates and values;
#    the broken charts give their findings at the right place.
cd "$repo"
"$bin" lint fixtures/helm/shop --helm "$helm" --format json --no-config >"$work/shop.json" || true
"$bin" lint fixtures/helm/broken-template fixtures/helm/bad-values fixtures/helm/missing-dependency \
    --helm "$helm" --format json --no-config >"$work/broken.json" || true
python3 - "$work/shop.json" "$work/broken.json" <<'PY' || failed=1
import json, sys
shop = json.load(open(sys.argv[1]))["diagnostics"]
broken = json.load(open(sys.argv[2]))["diagnostics"]
def check(what, ok):
    print(("ok   " if ok else "FAIL ") + what)
    return ok
ok = True
ok &= check("fixtures: no finding in the stream of a render",
            all("@" not in (d["file"] or "") for d in shop))
ok &= check("fixtures: latest-image-tag at deployment.yaml:19 with image.tag at values.yaml:5",
            any(d["rule"] == "latest-image-tag" and d["file"].endswith("shop/templates/deployment.yaml")
                and d["start"]["line"] == 19
                and any(r.get("file", "").endswith("shop/values.yaml") and r["start"]["line"] == 5
                        for r in d.get("related", []))
                for d in shop))
ok &= check("fixtures: privileged-container at the include line, in render shop@ci/01-debug only",
            any(d["rule"] == "privileged-container" and d["start"]["line"] == 41
                and "in render shop@ci/01-debug" in (d["note"] or "") for d in shop))
ok &= check("fixtures: a finding of both renders is reported once, naming them",
            sum(1 for d in shop if d["rule"] == "nodeport-out-of-range") == 1
            and any("in renders shop@default, shop@ci/01-debug" in (d["note"] or "") for d in shop))
rules = sorted(d["rule"] for d in broken)
ok &= check("fixtures: template error, 2 values-schema violations, missing dependencies: %s" % rules,
            rules == ["helm-missing-dependencies", "helm-template-error",
                      "helm-values-schema", "helm-values-schema"])
sys.exit(0 if ok else 1)
PY

# 2. The corpus: every chart (dependencies through their parent), every ci/*-values.yaml render.
total_line=0; total_values=0; total_file=0; total=0
printf '%-32s %7s %8s %6s %6s %6s %8s\n' chart renders findings line values file tool-err
for chart in "$corpus"/*/; do
    name=$(basename "$chart")
    start=$(date +%s%N)
    "$bin" lint "$chart" --helm "$helm" --format json --no-config >"$work/$name.json" || true
    end=$(date +%s%N)
    read -r renders findings line values file errors < <(python3 - "$work/$name.json" <<'PY'
import json, sys
diags = json.load(open(sys.argv[1]))["diagnostics"]
tool = [d for d in diags if d["rule"].startswith("helm-")]
for d in tool:
    print("tool error:", d["rule"], d["file"], d["message"], file=sys.stderr)
found = [d for d in diags if not d["rule"].startswith("helm-")]
renders = set()
line = values = file = 0
for d in found:
    note = d["note"] or ""
    for r in d.get("related", []):
        if r["message"].startswith("rendered by helm as "):
            renders.add(r["message"][len("rendered by helm as "):])
    if "template line unknown" in note:
        file += 1
    else:
        line += 1
    if any(r["message"].endswith("set here") for r in d.get("related", [])):
        values += 1
print(len(renders), len(found), line, values, file, len(tool))
PY
)
    printf '%-32s %7s %8s %6s %6s %6s %8s  (%d ms)\n' "$name" "$renders" "$findings" "$line" "$values" "$file" "$errors" $(( (end - start) / 1000000 ))
    [ "$errors" -eq 0 ] || failed=1
    total=$((total + findings)); total_line=$((total_line + line))
    total_values=$((total_values + values)); total_file=$((total_file + file))
done
pct=$(( total == 0 ? 100 : total_line * 100 / total ))
echo "all charts: $total findings, $total_line with a template line ($pct%), $total_values with a values key, $total_file with the file only"
if [ "$pct" -lt 90 ]; then
    echo "FAIL fewer than 90% of the findings have a template line"
    failed=1
fi
exit $failed
