#!/usr/bin/env bash
# Real LSP clients against `plimsoll lsp`: pytest-lsp (installed into a venv made here) and
# Neovim's built-in client (Debian's neovim, 0.7) when `nvim` is on PATH.
# Usage: ci/lsp.sh path/to/plimsoll   (PLIMSOLL_NVIM=path overrides nvim; about a minute)
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

echo "== pytest-lsp: initialize, open, change, diagnostics, hover, completion, definition, codeAction, apply"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet pytest-lsp pytest-asyncio
PLIMSOLL_BINARY="$binary" PLIMSOLL_LSP_ROOT="$root" \
  "$work/venv/bin/python" -m pytest -q -s -p no:cacheprovider -o asyncio_default_fixture_loop_scope=function "$here/lsp/test_client.py"

nvim=${PLIMSOLL_NVIM:-$(command -v nvim || true)}
if [[ -z "$nvim" ]]; then
  echo "== neovim: not installed (apt-get install neovim); skipped"
  exit 0
fi
echo "== neovim $("$nvim" --version | head -1): push diagnostics through the built-in client"
PLIMSOLL_BINARY="$binary" PLIMSOLL_LSP_FILE="$root/deploy.yaml" \
  timeout 60 "$nvim" --headless --clean -u NONE -c "luafile $here/lsp/nvim.lua"
echo "ok"
