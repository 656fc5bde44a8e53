#!/usr/bin/env bash
# CEL benchmarks: 10,000 custom resources checked against a CRD with 5 CEL rules, and a
# ValidatingAdmissionPolicy with 3 validations over the 10,000-document set.
#   bench/cel.sh [BINARY]   (default: builds and uses target/release/plimsoll)
# Each case is measured with and without the CEL part, so the difference is CEL's cost.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${CORPUS:-../shared/corpus}
bin=${1:-}
if [ -z "$bin" ]; then
  cargo build --release -p plimsoll --quiet
  bin=target/release/plimsoll
fi
[ -d bench-data/generated ] || python3 bench/generate.py "$corpus" bench-data/generated
out=bench-data/cel
mkdir -p "$out/crs" "$out/policy"
python3 - "$out" <<'PY'
import os, sys
out = sys.argv[1]
rules = [
    ("self.minReplicas <= self.maxReplicas", "minReplicas must not exceed maxReplicas"),
    ("self.mode in ['Fast', 'Normal', 'Slow']", "unknown mode"),
    ("self.ports.all(p, p.port > 0 && p.port < 65536)", "port out of range"),
    ("self.ports.all(p, self.ports.exists_one(q, q.name == p.name))", "port names must be unique"),
    ("!has(self.endpoint) || self.endpoint.startsWith('https://')", "endpoint must use https"),
]
crd = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.bench.example.com}
spec:
  group: bench.example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              x-kubernetes-validations:
%s              properties:
                minReplicas: {type: integer}
                maxReplicas: {type: integer}
                mode: {type: string}
                endpoint: {type: string}
                ports:
                  type: array
                  items:
                    type: object
                    properties:
                      name: {type: string}
                      port: {type: integer}
""" % "".join('                - rule: "%s"\n                  message: "%s"\n' % r for r in rules)
with open(os.path.join(out, "crd.yaml"), "w") as f:
    f.write(crd)
for file in range(1000):
    docs = []
    for i in range(10):
        n = file * 10 + i
        bad = n % 10 == 0
        docs.append(f"""apiVersion: bench.example.com/v1
kind: Widget
metadata: {{name: widget-{n}, namespace: ns-{n % 20}}}
spec:
  minReplicas: {5 if bad else 1}
  maxReplicas: 3
  mode: {'Turbo' if bad else 'Normal'}
  endpoint: https://svc-{n}.example.com
  ports:
    - {{name: http, port: 80}}
    - {{name: https, port: 443}}
    - {{name: metrics, port: 9090}}
""")
    with open(os.path.join(out, "crs", f"widgets-{file:04}.yaml"), "w") as f:
        f.write("---\n".join(docs))
with open(os.path.join(out, "policy", "vap.yaml"), "w") as f:
    f.write("""apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: bench-policy}
spec:
  matchConstraints:
    resourceRules:
      - {apiGroups: ["*"], apiVersions: ["*"], operations: ["CREATE"], resources: ["*"]}
  validations:
    - expression: "has(object.metadata.name) && object.metadata.name.size() <= 253"
      message: "name too long"
    - expression: "!has(object.metadata.labels) || object.metadata.labels.all(k, k.size() <= 63 || k.contains('/'))"
      message: "label key too long"
    - expression: "!has(object.spec) || !has(object.spec.template) || !has(object.spec.template.spec) || object.spec.template.spec.containers.all(c, !c.image.endsWith(':latest'))"
      message: "no latest tag"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: bench-policy}
spec:
  policyName: bench-policy
  validationActions: [Warn]
""")
PY

measure() { # label runs args...
  local label=$1 runs=$2; shift 2
  local times=() cpus=() stats
  stats=$(mktemp)
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$stats" -f '%e %U %S' "$bin" lint --no-config --quiet --format json "$@" >/dev/null || true
    read -r t u s < <(tail -n 1 "$stats")
    times+=("$t")
    cpus+=("$(echo "$u $s" | awk '{printf "%.2f", $1 + $2}')")
  done
  rm -f "$stats"
  median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  # CPU time (user + system, all threads) varies less than wall time on a shared machine.
  printf '%-62s wall %6.3f s, cpu %6.2f s (medians of %d)\n' "$label" \
    "$(median "${times[@]}")" "$(median "${cpus[@]}")" "$runs"
}

# The same CRD without its rules, for the difference.
sed '/x-kubernetes-validations/,/properties:$/{/x-kubernetes-validations/d;/rule:\|message:/d}' "$out/crd.yaml" > "$out/crd-norules.yaml"
mkdir -p "$out/norules" && mv "$out/crd-norules.yaml" "$out/norules/crd.yaml"
measure "10,000 custom resources, CRD without rules" 5 --crds "$out/norules" "$out/crs"
measure "10,000 custom resources x 5 CEL rules" 5 --crds "$out/crd.yaml" "$out/crs"
measure "10,000-document set, no policy" 3 bench-data/generated
measure "10,000-document set, VAP with 3 validations (--policy)" 3 --policy "$out/policy" bench-data/generated
