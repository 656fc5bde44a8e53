#!/usr/bin/env bash
# Reading YAML as kubectl does: for every YAML file of the corpus that is meant to be read as
# manifests (chart templates, values files and chart ci/ files left out; rendered output,
# Kustomize trees' plain resources and examples in), compare the objects that
# `kubectl label --local -f FILE x=y -o json` prints (with the label taken out again) with the
# objects `plimsoll objects FILE` prints. Files kubectl rejects are counted, and must be
# rejected by plimsoll too (an error of the YAML reader, or no object at all). Then the
# fixtures of fixtures/yaml-lenient/ (each must read as kubectl reads it) and of
# fixtures/yaml-strict/ (kubectl rejects each, plimsoll must report yaml-syntax). The objects
# kubectl prints for each lenient fixture must be the ones recorded beside it (NAME.json),
# which tests/yaml_reading.rs holds plimsoll to without kubectl.
#
# usage: ci/fidelity-yaml.sh BINARY [CORPUS]   (CORPUS default: ../shared/corpus beside the repository)
# environment: PLIMSOLL_KUBECTL (default: kubectl on PATH)
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 BINARY [CORPUS]" >&2
    exit 2
fi
binary=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
repo=$(cd "$(dirname "$0")/.." && pwd)
corpus=${2:-$repo/../shared/corpus}
corpus=$(cd "$corpus" && pwd)
kubectl=${PLIMSOLL_KUBECTL:-$(command -v kubectl || true)}
if [ -z "$kubectl" ] || [ ! -x "$kubectl" ]; then
    echo "fidelity-yaml: kubectl not found (set PLIMSOLL_KUBECTL)" >&2
    exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo"

# The files: every .yaml/.yml of the corpus but chart sources that are not manifests.
find "$corpus" -type f \( -name '*.yaml' -o -name '*.yml' \) \
    -not -path '*/helm-charts/*/templates/*' \
    -not -path '*/helm-charts/*/ci/*' \
    -not -path '*/helm-charts/*/values*.yaml' \
    -not -name 'kustomization.y*ml' -not -name 'Kustomization' |
    LC_ALL=C sort >"$work/files"
for dir in fixtures/yaml-lenient fixtures/yaml-strict; do
    find "$repo/$dir" -type f -name '*.yaml' | LC_ALL=C sort >"$work/$(basename "$dir")"
done
cat "$work/files" "$work/yaml-lenient" "$work/yaml-strict" >"$work/all"
echo "fidelity-yaml: $(wc -l <"$work/files") corpus files, $(wc -l <"$work/yaml-lenient") lenient and $(wc -l <"$work/yaml-strict") strict fixtures; kubectl $("$kubectl" version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')"

# One pair of outputs per file, numbered as in the list, two files at a time.
export binary kubectl work
nl -ba -w1 -s' ' "$work/all" | xargs -P 2 -L 1 sh -c '
    n=$0; file=$1
    "$kubectl" label --local -f "$file" plimsoll-fidelity=x -o json >"$work/$n.k" 2>"$work/$n.ke"; echo $? >"$work/$n.kr"
    "$binary" objects "$file" >"$work/$n.p" 2>"$work/$n.pe"; echo $? >"$work/$n.pr"
'

python3 - "$work" "$corpus" <<'PY'
import json, os, sys

work, corpus = sys.argv[1], sys.argv[2]
label = "plimsoll-fidelity"

def read(n, ext):
    with open(os.path.join(work, f"{n}.{ext}"), encoding="utf-8", errors="replace") as f:
        return f.read()

def items(text):
    if not text.strip():
        return []
    # kubectl prints one value per object it read, or one List; several values may follow
    # each other.
    decoder, out, at = json.JSONDecoder(), [], 0
    while at < len(text):
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            break
        value, at = decoder.raw_decode(text, at)
        if isinstance(value, dict) and value.get("kind") == "List" and "items" in value:
            out.extend(value["items"])
        else:
            out.append(value)
    return out

def unlabel(obj, ours):
    # kubectl added one label; take it out, and the labels map if it made one.
    labels = obj.get("metadata", {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(label, None)
        if not labels and "labels" not in (ours or {}).get("metadata", {}):
            del obj["metadata"]["labels"]
    return obj

def diff(a, b, path=""):
    """The first place two values differ, as a JSON pointer with both sides."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in a or k not in b:
                return f"{path}/{k}: kubectl {json.dumps(a.get(k, '<absent>'))[:80]} plimsoll {json.dumps(b.get(k, '<absent>'))[:80]}"
            d = diff(a[k], b[k], f"{path}/{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: kubectl {len(a)} items, plimsoll {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, f"{path}/{i}")
            if d:
                return d
        return None
    if a != b or type(a) is not type(b):
        return f"{path}: kubectl {json.dumps(a)[:80]} plimsoll {json.dumps(b)[:80]}"
    return None

def check(n, name):
    """None when both read the file alike, else what differs."""
    k_ok = read(n, "kr").strip() == "0"
    p_rc = read(n, "pr").strip()
    try:
        ours = items(read(n, "p")) if p_rc in ("0", "1") else None
    except ValueError as error:
        return "read" if k_ok else "rejected", f"plimsoll printed no JSON: {error}"
    yaml_error = "error[yaml-" in read(n, "pe")
    if not k_ok:
        # kubectl rejects the file: plimsoll must not read objects kubectl would accept.
        if yaml_error or not ours:
            return "rejected", None
        return "rejected", f"kubectl rejects it ({read(n, 'ke').strip().splitlines()[-1][:120]}), plimsoll reads {len(ours)} objects"
    theirs = items(read(n, "k"))
    if ours is None:
        return "read", f"plimsoll failed: {read(n, 'pe').strip()[:200]}"
    errors = [l for l in read(n, "pe").splitlines() if "error[yaml-" in l]
    # A duplicate key is a documented choice (docs/yaml.md): the API server rejects the
    # object, kubectl keeps the last value; plimsoll reports it and keeps the last value too.
    if any("error[yaml-duplicate-key]" not in l for l in errors):
        first = [l for l in errors if "error[yaml-duplicate-key]" not in l][0]
        return "read", f"plimsoll reports {first[:200]}"
    if errors:
        counts["duplicate"] += 1
    if len(theirs) != len(ours):
        return "read", f"kubectl {len(theirs)} objects, plimsoll {len(ours)}"
    for i, (t, o) in enumerate(zip(theirs, ours)):
        d = diff(unlabel(t, o), o)
        if d:
            return "read", f"object {i}{d}"
    return "read", None

names = [l.rstrip("\n") for l in open(os.path.join(work, "all"))]
corpus_count = sum(1 for _ in open(os.path.join(work, "files")))
lenient = sum(1 for _ in open(os.path.join(work, "yaml-lenient")))
failures = 0
counts = {"read": 0, "rejected": 0, "objects": 0, "differences": 0, "duplicate": 0}
for n, name in enumerate(names, start=1):
    kind = "corpus" if n <= corpus_count else ("lenient" if n <= corpus_count + lenient else "strict")
    status, problem = check(n, name)
    shown = os.path.relpath(name, corpus) if kind == "corpus" else os.path.relpath(name)
    if kind == "corpus":
        counts[status] += 1
        if status == "read":
            counts["objects"] += len(items(read(n, "k")))
        if problem:
            counts["differences"] += 1
    elif kind == "lenient" and status != "read":
        problem = problem or "kubectl rejects this fixture"
    elif kind == "lenient" and not problem:
        # tests/yaml_reading.rs compares plimsoll with this recording of kubectl's output.
        recorded = json.load(open(name[: -len(".yaml")] + ".json"))
        theirs = items(read(n, "k"))
        if len(theirs) != 1 or unlabel(theirs[0], recorded) != recorded:
            problem = "kubectl's output is not the one recorded beside the fixture (.json)"
    elif kind == "strict":
        if status != "rejected":
            problem = "kubectl reads this fixture"
        elif "error[yaml-syntax]" not in read(n, "pe"):
            problem = "plimsoll does not report yaml-syntax"
    if problem:
        failures += 1
        print(f"fidelity-yaml: DIFFERENT {shown}: {problem}", file=sys.stderr)
print(f"fidelity-yaml: corpus: {corpus_count} files, {counts['read']} read by kubectl "
      f"({counts['objects']} objects), {counts['rejected']} rejected by kubectl; "
      f"{counts['differences']} files differ; {counts['duplicate']} files read alike but with a "
      f"duplicate key, which plimsoll reports (a documented choice)")
print(f"fidelity-yaml: fixtures: {len(names) - corpus_count} checked, {failures - counts['differences']} differ")
sys.exit(1 if failures else 0)
PY
