#!/usr/bin/env bash
# Real LSP clients against `plimsoll lsp`: pytest-lsp (installed into a venv made here) and
# Neovim's built-in client (Debian's neovim, 0.7) when `nvim` is on PATH.
# Usage: ci/lsp.sh path/to/plimsoll   (PLIMSOLL_NVIM=path overrides nvim; PLIMSOLL_HELM=path
# (else helm on PATH) and PLIMSOLL_CORPUS (default ../shared/corpus) for the chart step; about
# a minute)
# Needs python3 with venv and network access for pip (pytest-lsp, pytest-asyncio).
set -euo pipefail
binary=$(realpath "${1:?usage: ci/lsp.sh BINARY}")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

root="$work/manifests"
mkdir -p "$root"
cat > "$root/config.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: b
YAML
cat > "$root/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:latest
YAML

cat > "$root/svc.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports: [{port: 80}]
YAML
# Rego policies named by the configuration.
mkdir -p "$root/policy"
cat > "$root/policy/deny.rego" <<'REGO'
package main

import rego.v1

deny contains msg if {
  input.kind == "ConfigMap"
  msg := "config maps are frowned upon"
}
REGO
cat > "$root/.plimsoll.yaml" <<'YAML'
policies: [policy]
YAML
# A Kustomize base and the overlay that builds it.
mkdir -p "$root/kbase" "$root/koverlay"
sed 's/nginx:latest/nginx:1.27/; s/name: web$/name: api/; s/app: web/app: api/g' "$root/deploy.yaml" > "$root/kbase/deploy.yaml"
echo 'resources: [deploy.yaml]' > "$root/kbase/kustomization.yaml"
printf 'resources: [../kbase]\nnamePrefix: prod-\n' > "$root/koverlay/kustomization.yaml"

# A Gatekeeper template in a policy folder, compiled again as it is typed.
gk="$work/gatekeeper"
mkdir -p "$gk/policy"
cp "$here/../fixtures/policies/gatekeeper/required-labels.yaml" "$gk/policy/"
cp "$root/deploy.yaml" "$gk/deploy.yaml"
echo 'policies: [policy]' > "$gk/.plimsoll.yaml"
export PLIMSOLL_LSP_GATEKEEPER="$gk"

# A chart of the corpus, rendered when one of its templates opens (needs helm).
helm=${PLIMSOLL_HELM:-$(command -v helm || true)}
corpus=${PLIMSOLL_CORPUS:-$here/../../shared/corpus}
chart="$(realpath "$corpus")/helm-charts/prometheus-pushgateway"
if [[ -n "$helm" && -d "$chart" ]]; then
  helm=$(realpath "$helm")
  export PATH="$(dirname "$helm"):$PATH"
  "$binary" lint "$chart" --helm "$helm" --format json > "$work/chart-lint.json" || true
  export PLIMSOLL_LSP_CHART="$chart" PLIMSOLL_LSP_CHART_LINT="$work/chart-lint.json"
  echo "== a chart of the corpus: $chart, rendered with $helm"
else
  echo "== a chart of the corpus: skipped (no helm: set PLIMSOLL_HELM, or no corpus: set PLIMSOLL_CORPUS)"
fi

echo "== pytest-lsp: initialize, open, change, diagnostics, hover, completion, definition, codeAction, apply;"
echo "   workspace/diagnostic with result ids, .plimsoll.yaml and Rego problems as typed, selector navigation,"
echo "   label completion, relatedInformation, an unsaved Kustomize base, \$/cancelRequest,"
echo "   a Gatekeeper template as typed, a chart of the corpus rendered with an unsaved values file"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet pytest-lsp pytest-asyncio
PLIMSOLL_BINARY="$binary" PLIMSOLL_LSP_ROOT="$root" \
  "$work/venv/bin/python" -m pytest -q -s -p no:cacheprovider -o asyncio_default_fixture_loop_scope=function "$here/lsp/test_client.py"

nvim=${PLIMSOLL_NVIM:-$(command -v nvim || true)}
if [[ -z "$nvim" ]]; then
  echo "== neovim: not installed (apt-get install neovim); skipped"
  exit 0
fi
echo "== neovim $("$nvim" --version | head -1): push diagnostics, then references (the Service that selects the pods)"
PLIMSOLL_BINARY="$binary" PLIMSOLL_LSP_FILE="$root/deploy.yaml" \
  timeout 60 "$nvim" --headless --clean -u NONE -c "luafile $here/lsp/nvim.lua"
echo "ok"
