#!/usr/bin/env bash
# Regenerate schemas/data/ from the Kubernetes JSON schemas of the PyPI
# package kubernetes-validate. Needs python3, pip and the zstd command.
# The output depends only on the package version: re-running gives the same bytes.
set -euo pipefail

VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

pip download --quiet --no-deps --dest "$work" "kubernetes-validate==${VERSION}"
wheel="$(ls "$work"/kubernetes_validate-"${VERSION}"-*.whl)"

rm -f "$here"/data/v1.*.json.zst
python3 "$here/update.py" "$wheel" "$here/data"
