#!/usr/bin/env bash
# CEL end to end with the release binary: the kube-prometheus CRDs of the corpus (valid
# custom resources pass, each invalid one fails on the rule it aims at, every rule
# type-checks and fits the cost limits), the CEL fixtures (CRD rules: typed, refused,
# runtime and cost; set and map lists, pruning, schema-location files; admission
# policies: params, authorizer, matchPolicy, oldObject, type checking; exit codes), and a
# policy folder holding a ValidatingAdmissionPolicy. Needs python3 and the shared corpus
# beside the repository (CORPUS overrides its path). Runs in about ten seconds.
#
# usage: ci/cel.sh BINARY
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 BINARY" >&2
    exit 2
fi
binary=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/.."
corpus=${CORPUS:-../shared/corpus}
failures=0

# count RULE FILE ARGS…: how many findings of RULE the binary reports.
count() {
    local rule=$1
    shift
    "$binary" lint --no-config --no-context --only duplicate-object --kubernetes-version 1.34 --format json "$@" \
        | python3 -c 'import json,sys; r=sys.argv[1]; print(sum(1 for d in json.load(sys.stdin)["diagnostics"] if d["rule"]==r))' "$rule"
}

expect() { # label expected actual
    if [ "$2" = "$3" ]; then
        echo "ok   $1 ($3)"
    else
        echo "FAIL $1: expected $2, got $3"
        failures=$((failures + 1))
    fi
}

crds="$corpus/kube-prometheus/setup"
if [ -d "$crds" ]; then
    expect "kube-prometheus: valid custom resources pass every CEL rule" 0 \
        "$(count schema-validation-rule --crds "$crds" fixtures/cel/kube-prometheus/valid.yaml)"
    expect "kube-prometheus: each invalid custom resource fails its rule" 7 \
        "$(count schema-validation-rule --crds "$crds" fixtures/cel/kube-prometheus/invalid.yaml)"
    expect "kube-prometheus: the CRDs' own rules all compile" 0 \
        "$(count schema-validation-rule "$crds")"
else
    echo "FAIL no corpus at $crds"
    failures=$((failures + 1))
fi

expect "CRD rules fixture" 10 "$(count schema-validation-rule fixtures/cel/crd-rules.yaml)"
expect "CRD rules that do not compile" 6 "$(count schema-validation-rule fixtures/cel/crd-rules-broken.yaml)"
expect "CRD rules over the runtime and static cost budgets, a runtime error" 3 \
    "$(count schema-validation-rule fixtures/cel/crd-rules-runtime.yaml)"
# 4 refused rules (undeclared field, int == string, a field without schema, under anyOf)
# and 2 failing ones (an atomic list in another order, int-or-string); the set, the map
# list merge and the pruned object pass.
expect "CRD rules type-checked, list types, int-or-string, pruning" 6 \
    "$(count schema-validation-rule fixtures/cel/crd-rules-typed.yaml)"
expect "an unknown field is still reported once pruned for the rules" 1 \
    "$(count schema-unknown-field fixtures/cel/crd-rules-typed.yaml)"
expect "rules of a --schema-location file" 1 \
    "$(count schema-validation-rule --schema-location 'fixtures/cel/schema-location/schemas/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json' \
        fixtures/cel/schema-location/gadgets.yaml)"
expect "admission policy: denials and warnings" 3 "$(count admission-policy fixtures/cel/vap-basic.yaml)"
expect "admission policy: authorizer over the run's RBAC" 2 "$(count admission-policy fixtures/cel/vap-authorizer.yaml)"
expect "admission policy: authorizer without RBAC errs" 1 "$(count admission-policy fixtures/cel/vap-authorizer-no-rbac.yaml)"
expect "admission policy: matchPolicy Equivalent and Exact, oldObject null" 2 \
    "$(count admission-policy fixtures/cel/vap-match-policy.yaml)"
expect "admission policy: type-check warnings against apps/v1 Deployment" 2 \
    "$(count admission-policy-error fixtures/cel/vap-typecheck.yaml)"
expect "admission policy: params" 2 "$(count admission-policy fixtures/cel/vap-params.yaml)"
expect "admission policy from a --policy folder" 1 \
    "$(count admission-policy --policy fixtures/cel/policy-folder/policies fixtures/cel/policy-folder/manifests)"

# Exit codes: a Warn binding alone does not fail the run; a Deny binding does.
status=0
"$binary" lint --no-config --no-context --quiet --only duplicate-object --policy fixtures/cel/policy-folder/policies \
    fixtures/cel/policy-folder/manifests >/dev/null || status=$?
expect "exit code with a Warn binding" 0 "$status"
status=0
"$binary" lint --no-config --no-context --quiet --only duplicate-object fixtures/cel/vap-params.yaml >/dev/null || status=$?
expect "exit code with a Deny binding" 1 "$status"

# plimsoll policy test: admission-policy tests in the kyverno-test.yaml layout.
summary=$("$binary" policy test fixtures/cel/policy-test | tail -n 1)
expect "policy test on kyverno-test.yaml" "4 passed, 0 failed" "$summary"

if [ "$failures" -ne 0 ]; then
    echo "cel: $failures check(s) failed"
    exit 1
fi
echo "cel: all checks passed"
