#!/usr/bin/env bash
# End-to-end checks of the peer rules of issue 13 part 3 with a built binary:
# - credentials found by their shape (env values, ConfigMaps) never appear in any output format;
# - the RBAC binding rules, Argo workflows and app-label-mismatch on fixtures and on the corpus.
# Usage: ci/fidelity-rules.sh PLIMSOLL [CORPUS]   (CORPUS defaults to ../shared/corpus)
set -euo pipefail
bin=${1:?usage: ci/fidelity-rules.sh PLIMSOLL [CORPUS]}
corpus=${2:-$(cd "$(dirname "$0")/../.." && pwd)/shared/corpus}
cd "$(dirname "$0")/.."
fail=0
check() { # description, command...
  local what=$1; shift
  if "$@"; then echo "ok    $what"; else echo "FAIL  $what"; fail=1; fi
}

secrets=('RSA PRIVATE KEY' 'EC PRIVATE KEY' MIIEowIBAAKCAQEA MHcCAQEE AKIAIOSFODNN7EXAMPLE ghp_0123456789
  hooks.slack.com/services/T0 xoxb-1234567890 eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9 s3cr3t-value db.internal)
no_secret_in() { # file
  local s
  for s in "${secrets[@]}"; do
    if grep -q -- "$s" "$1"; then echo "      $s shown in $1"; return 1; fi
  done
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for format in human compact json sarif; do
  "$bin" lint fixtures/rules/secret-in-env-literal/fire-value-shapes.yaml \
    fixtures/rules/secret-in-config-map/fire.yaml --enable secret-in-config-map \
    --no-config --format "$format" > "$tmp/out.$format" 2>&1 || true
  check "no credential in --format $format" no_secret_in "$tmp/out.$format"
done
check "each value is reported (7 env values, 5 ConfigMap values)" \
  test "$(grep -c 'looks like' "$tmp/out.compact")" -eq 12

count() { # rule, paths... -> number of findings of rule
  local rule=$1; shift
  "$bin" lint "$@" --no-config --only "$rule" --format json 2>/dev/null |
    python3 -c "import json,sys; print(sum(d['rule']=='$rule' for d in json.load(sys.stdin)['diagnostics']))"
}
check "binding-grants-pod-exec fires on its fixtures (5)" \
  test "$(count binding-grants-pod-exec fixtures/rules/binding-grants-pod-exec/fire.yaml fixtures/rules/binding-grants-pod-exec/fire-default-roles.yaml)" -eq 5
check "binding-grants-wildcard fires on its fixture (2)" \
  test "$(count binding-grants-wildcard fixtures/rules/binding-grants-wildcard/fire.yaml)" -eq 2
check "Argo workflow containers are checked (8)" \
  test "$(count privileged-container fixtures/rules/privileged-container/fire-argo-workflows.yaml)" -eq 8
# A role and its binding in different files of a walked folder still meet (roles are kept
# whole for the rules across objects).
mkdir -p "$tmp/rbac"
sed -n '1,/^---/p' fixtures/rules/binding-grants-pod-exec/fire.yaml | sed '$d' > "$tmp/rbac/role.yaml"
sed -n '/^kind: RoleBinding/,/^---/p' fixtures/rules/binding-grants-pod-exec/fire.yaml | sed '$d' |
  sed '1i apiVersion: rbac.authorization.k8s.io/v1' > "$tmp/rbac/binding.yaml"
check "a binding finds its Role in another file" test "$(count binding-grants-pod-exec "$tmp/rbac")" -eq 1

if [ -d "$corpus" ]; then
  "$bin" lint "$corpus" --no-config --format json \
    --only binding-grants-pod-exec --only binding-grants-wildcard --only app-label-mismatch \
    > "$tmp/corpus.json" 2>/dev/null || true
  summary=$(python3 -c "
import json,collections
d=json.load(open('$tmp/corpus.json'))['diagnostics']
c=collections.Counter(x['rule'] for x in d)
print(c['binding-grants-pod-exec'], c['binding-grants-wildcard'], c['app-label-mismatch'])")
  read -r exec wildcard labels <<< "$summary"
  echo "      corpus: binding-grants-pod-exec $exec, binding-grants-wildcard $wildcard, app-label-mismatch $labels"
  check "corpus: the edit binding of the archived PSP example is found" test "$exec" -ge 1
  check "corpus: app-label-mismatch stays silent" test "$labels" -eq 0
else
  echo "skip  corpus checks ($corpus not found)"
fi
exit $fail
