#!/usr/bin/env bash
# Every case of the hardening issue (16) against the release binary: inputs made to crash,
# hang, exhaust memory, hide a finding or print a secret. Each case must finish with the
# expected exit code, say what it should (a rule id or a message), and stay under a memory
# ceiling; the time and peak memory of each are printed. The debug-build tests in
# tests/hostile_input.rs assert the same outcomes on smaller inputs.
#
# usage: ci/hostile.sh BINARY        needs: python3, GNU time (/usr/bin/time). About 30 s.
set -euo pipefail
if [ $# -ne 1 ]; then
    echo "usage: $0 BINARY" >&2
    exit 2
fi
bin=$(realpath "$1")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# No case may use more than this (KB of peak resident memory).
ceiling=${PLIMSOLL_HOSTILE_CEILING_KB:-1500000}
failed=0

python3 - "$work" <<'PY'
import os, json
import sys
os.chdir(sys.argv[1])
def w(p, t):
    os.makedirs(os.path.dirname(p) or '.', exist_ok=True)
    open(p, 'w').write(t)
# 1. deep nesting
w('deep/block.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\ndata:\n' + ''.join('  ' * 0 + '- ' * 1 for _ in range(0)) + ''.join(['- ' for _ in range(60000)]) + 'x\n')
w('deep12k/a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x:\n    ' + '- ' * 12000 + 'x\n')
for i in range(3): w(f'deep12k/b{i}.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b%d\n' % i)
w('deepcfg/.plimsoll.yaml', 'rules:\n  x: ' + '[' * 60000 + ']' * 60000 + '\n')
w('deepcfg/ok.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n')
w('deeppol/p/data.yaml', 'x: ' + '[' * 60000 + ']' * 60000 + '\n')
w('deeppol/p/p.rego', 'package main\ndeny[m] { false; m := "x" }\n')
w('deeppol/ok.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n')
# 2. column past 65535
cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "wide"}, "data": {("k%05d" % i): "v" for i in range(7000)}}
cm["data"]["zz"] = 5
w('wide/wide.json', json.dumps(cm, separators=(',', ':')))
# 3. numbers.range
w('range/p9/p.rego', 'package main\nimport rego.v1\ndeny contains m if { n := count(numbers.range(1, 1e9)); m := sprintf("%d", [n]) }\n')
w('range/p8/p.rego', 'package main\nimport rego.v1\ndeny contains m if { n := count(numbers.range(1, 1e8)); m := sprintf("%d", [n]) }\n')
w('range/ok.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n')
# 4. 50,000 wrong-typed values on one line
w('wrong/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w\ndata: {' + ', '.join('k%d: %d' % (i, i) for i in range(50000)) + '}\n')
# 5. aliases: 30 documents each under the per-document limit
doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nx0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n'
for i in range(1, 5):
    doc += 'x%d: &a%d [%s]\n' % (i, i, ', '.join(['*a%d' % (i - 1)] * 10))
doc += 'x5: [*a4, *a4, *a4, *a4, *a4]\n'
w('alias/aliases.yaml', '---\n'.join([doc] * 30))
w('aliask/kustomization.yaml', 'resources: []\n' + '---\n'.join([doc.replace('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n', 'y: 1\n')] * 30))
big = 'resources: [a.yaml]\npatches:\n' + '- path: patch.yaml\n' * 3200000
w('bigk/k/kustomization.yaml', big)
w('bigk/k/a.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n')
# alias budget per run: 40 files of about 680,000 nodes each
for n in range(40):
    w('aliasrun/f%02d.yaml' % n, doc.replace('name: a', 'name: a%d' % n))
# 7. 48 MB configuration file
w('bigcfg/.plimsoll.yaml', 'rules:\n' + ''.join('  r%d: {enabled: true}\n' % i for i in range(2000000)))
w('bigcfg/ok.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n')
# 8. Rego array nested 24 deep
w('nest/p/p.rego', 'package main\nx := ' + '[' * 24 + '1' + ']' * 24 + '\n')
w('nest/ok.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n')
# 9. 8,000 broken documents with non-ASCII text; 10,000 findings in one file
w('broken/b.yaml', '---\n'.join('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: é%d\ndata:\n  ü: "ñ\n  bad: [\n' % i for i in range(8000)))
w('many/m.yaml', '---\n'.join('apiVersion: v1\nkind: Pod\nmetadata:\n  name: p%d\nspec:\n  containers:\n  - name: c\n    image: nginx:latest\n' % i for i in range(1500)))
# 10. unclosed bracket
w('unclosed/two.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\ndata: {a: b\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: next\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n    securityContext:\n      privileged: true\n')
# 11. apiVerison
w('misspelt/dir/deploy.yaml', 'apiVerison: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:latest\n        securityContext:\n          privileged: true\n')
# 12. http.send
w('http/p/p.rego', 'package main\nimport rego.v1\ndeny contains m if { r := http.send({"method": "get", "url": "http://x"}); m := "x" }\n')
w('http/ok.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n')
# 13. baseline over a manifest
w('baseline/app.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n')
# new caps
w('caps/p/p.rego', 'package main\nimport rego.v1\ndeny contains m if { x := net.cidr_expand("::/0"); m := sprintf("%v", [count(x)]) }\ndeny contains m if { m := sprintf("%999999999d", [1]) }\ndeny contains m if { x := bits.lsh(1, 1000000000); m := "x" }\n')
w('caps/ok.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n')
PY

# check LABEL DIR EXIT PATTERN COMMAND...: runs COMMAND in DIR; its exit code must be EXIT and
# its output (standard output and error) must contain PATTERN (an extended regex).
check() {
    local label=$1 dir=$2 want=$3 pattern=$4
    shift 4
    local code=0
    (cd "$work/$dir" && /usr/bin/time -f "%e s %M KB" -o "$work/time.txt" "$@" >"$work/out.txt" 2>"$work/err.txt") || code=$?
    local figures kb
    figures=$(tail -1 "$work/time.txt")
    kb=$(echo "$figures" | awk '{print $3}')
    local verdict=ok
    if [ "$code" != "$want" ]; then
        verdict="FAIL (exit $code, expected $want)"
    elif ! grep -Eq -- "$pattern" "$work/out.txt" "$work/err.txt"; then
        verdict="FAIL (no match for /$pattern/)"
    elif [ "${kb:-0}" -gt "$ceiling" ]; then
        verdict="FAIL (over $ceiling KB)"
    fi
    printf '%-56s %-20s exit %-3s %s\n' "$label" "$figures" "$code" "$verdict"
    if [ "$verdict" != ok ]; then
        failed=1
        head -c 600 "$work/err.txt" >&2
    fi
}

J=(--no-config --format json)
check "block sequence nested 60,000 deep" deep 1 yaml-depth-limit "$bin" lint block.yaml "${J[@]}"
check "12,000 deep among other files (worker threads)" deep12k 1 yaml-depth-limit "$bin" lint . "${J[@]}"
check ".plimsoll.yaml nested 60,000 deep" deepcfg 2 "Recursion limit|deeper" "$bin" lint ok.yaml --format json
check "policy data.yaml nested 60,000 deep" deeppol 2 "Recursion limit|deeper" "$bin" lint ok.yaml --no-config --policy p --format json
check "finding past column 65,535 (minified JSON), human" wide 1 "schema-invalid" "$bin" lint wide.json --no-config
check "numbers.range(1, 1e9)" range 1 "policy-error" "$bin" lint ok.yaml --policy p9 "${J[@]}"
check "numbers.range(1, 1e8)" range 1 "policy-error" "$bin" lint ok.yaml --policy p8 "${J[@]}"
check "50,000 wrong-typed values on one line, human" wrong 1 "schema-invalid" "$bin" lint cm.yaml --no-config
check "30 documents each under the per-document alias limit" alias 1 "yaml-alias-limit" "$bin" lint aliases.yaml "${J[@]}"
check "the same in a kustomization.yaml found walking" aliask 1 "yaml-alias-limit" "$bin" lint . "${J[@]}"
check "60 MB kustomization with --max-file-size 1000" bigk 1 "file-too-large" "$bin" lint . --max-file-size 1000 "${J[@]}"
check "40 files of 680,000 alias nodes (run budget)" aliasrun 1 "the run's limit of 10000000" "$bin" lint . "${J[@]}"
if [ -e /dev/zero ]; then
    check "lint /dev/zero" range 1 "file-too-large" "$bin" lint /dev/zero "${J[@]}"
    check "--baseline /dev/zero" range 2 "more than" "$bin" lint ok.yaml --baseline /dev/zero "${J[@]}"
    printf 'crds: [/dev/zero]\n' >"$work/range/crds.yaml"
    check "crds: [/dev/zero]" range 1 "file-too-large" "$bin" lint ok.yaml --config crds.yaml --format json
fi
check "endless standard input" range 1 "file-too-large" sh -c "yes | '$bin' lint - --no-config --format json"
check "53 MB configuration file" bigcfg 2 "more than" "$bin" lint ok.yaml --format json
check "Rego array literal nested 24 deep" nest 2 "nest more than" "$bin" lint ok.yaml --no-config --policy p --format json
check "8,000 broken documents with non-ASCII text" broken 1 "yaml-syntax" "$bin" lint b.yaml "${J[@]}"
check "1,500 Pods in one file, human" many 0 "1500 objects" "$bin" lint m.yaml --no-config
check "unclosed { then a privileged Pod: the Pod is checked" unclosed 1 "privileged-container" "$bin" lint two.yaml "${J[@]}"
check "privileged Deployment with apiVerison, walked" misspelt 1 "apiVerison" "$bin" lint dir "${J[@]}"
check "the same, named" misspelt 1 "apiVerison" "$bin" lint dir/deploy.yaml "${J[@]}"
check "http.send in a policy" http 2 "http.send" "$bin" lint ok.yaml --no-config --policy p --format json
cp "$work/baseline/app.yaml" "$work/baseline/app.copy"
check "plimsoll baseline app.yaml (FILE forgotten)" baseline 2 "not a plimsoll baseline" "$bin" baseline app.yaml
if ! cmp -s "$work/baseline/app.yaml" "$work/baseline/app.copy"; then
    echo "FAIL: plimsoll baseline overwrote app.yaml" >&2
    failed=1
fi
check "cidr_expand(::/0), %999999999d, bits.lsh(1, 1e9)" caps 1 "over plimsoll's limit" "$bin" lint ok.yaml --no-config --policy p --format json

echo "== secrets: every fixture of fixtures/hostile/secrets in every format"
for f in "$root"/fixtures/hostile/secrets/*; do
    for format in human compact json sarif junit github tap; do
        if "$bin" lint "$f" --no-config --format "$format" 2>&1 | grep -q -e kiwi7 -e a2l3aTdw; then
            echo "FAIL: a secret of $(basename "$f") is printed in $format" >&2
            failed=1
        fi
    done
done
[ "$failed" = 0 ] && echo "hostile: every case held"
exit "$failed"
