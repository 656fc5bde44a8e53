#!/usr/bin/env python3
"""Generate kustomize/src/merge_keys.rs: how kustomize's strategic merge patches each list (and
each map with a strategy) of the Kubernetes kinds.

kustomize merges with the patch strategies of its own built-in schema (Kubernetes 1.21), not the
target cluster's. This script takes every field that declares `x-kubernetes-patch-strategy` in
the oldest schema plimsoll embeds (schemas/data/v1.25.schema.json.zst), walks to it from every
kind, and asks `kubectl kustomize` (kustomize 5.7) how it patches that field: one build with a
probe object per field, each patched once. A list that kubectl merges enters the table with its
merge key (or as a union of scalars); one it replaces (a field its 1.21 schema does not know)
stays out, and so does a map it merges key by key. The output is sorted; the build looks entries
up by (group/Kind, field path).

usage: kustomize/scripts/merge_keys.py [--check]     (from the repository root)
environment: PLIMSOLL_KUBECTL (default .tools/kubectl). Needs zstd and PyYAML.
With --check, compares the generated table with the committed one and exits 1 if they differ.
"""
import json
import os
import subprocess
import sys
import tempfile

import yaml

SCHEMA = "schemas/data/v1.25.schema.json.zst"
OUT = "kustomize/src/merge_keys.rs"
MAX_DEPTH = 14


def load_schema():
    raw = subprocess.run(["zstd", "-dc", SCHEMA], check=True, capture_output=True).stdout
    return json.loads(raw)


def resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    return node


def candidates(schema):
    """(group, version, kind, path, strategy, key, item kind) for each field with a strategy."""
    out = []
    for gvk, root in sorted(schema["kinds"].items()):
        group, version, kind = gvk.rsplit("/", 2) if gvk.count("/") == 2 else ("", *gvk.split("/"))
        if kind.endswith("List"):
            continue

        def walk(node, path, seen):
            node = resolve(schema, node)
            if not isinstance(node, dict) or len(path) > MAX_DEPTH:
                return
            for name, prop in sorted((node.get("properties") or {}).items()):
                if name in ("managedFields",):
                    continue
                here = path + [name]
                strategy = prop.get("x-kubernetes-patch-strategy")
                target = resolve(schema, prop)
                types = target.get("type") if isinstance(target, dict) else None
                types = types if isinstance(types, list) else [types]
                if strategy and "array" in types:
                    items = resolve(schema, target.get("items") or {})
                    item_types = items.get("type") if isinstance(items, dict) else None
                    item_types = item_types if isinstance(item_types, list) else [item_types]
                    scalar = "object" not in item_types and not items.get("properties")
                    out.append((group, version, kind, here, strategy,
                                prop.get("x-kubernetes-patch-merge-key") or "", scalar))
                elif strategy == "replace" and "object" in types:
                    out.append((group, version, kind, here, strategy, "", False))
                ref = prop.get("$ref") or (prop.get("items") or {}).get("$ref")
                if ref and ref in seen:
                    continue
                walk(prop.get("items") if "array" in types else prop, here,
                     seen | ({ref} if ref else set()))

        walk(root, [], set())
    return out


def probe_value(key, which):
    if key in ("containerPort", "port"):
        return 1000 + which
    return f"k{which}"


def nest(schema_path, leaf, keys_on_path):
    """An object with `leaf` at `schema_path`; lists on the way hold one item."""
    value = leaf
    for i in range(len(schema_path) - 1, -1, -1):
        name = schema_path[i]
        value = {name: value}
        if i > 0 and keys_on_path.get(i - 1) is not None:
            # The parent is a list: wrap in one item carrying the parent's merge key.
            item = dict(value)
            key = keys_on_path[i - 1]
            if key:
                item[key] = probe_value(key, 0)
            value = [item]
    return value


def build_probes(cands, schema_lists):
    docs, patches, index = [], [], []
    for n, (group, version, kind, path, strategy, key, scalar) in enumerate(cands):
        api = f"{group}/{version}" if group else version
        name = f"probe-{n}"
        # Lists on the way: their merge keys (None where the step is a map).
        keys_on_path = {i: schema_lists.get((group, kind, tuple(path[: i + 1])))
                        for i in range(len(path) - 1)}
        if strategy == "replace":
            base_leaf, patch_leaf = {"a": {"x": "1"}}, {"b": {"y": "2"}}
        elif scalar:
            base_leaf, patch_leaf = ["a"], ["b"]
        else:
            k = key or "name"
            base_leaf = [{k: probe_value(k, 1), "probeField": "base"}]
            patch_leaf = [{k: probe_value(k, 2), "probeField": "patch"}]
        body = nest(path, base_leaf, keys_on_path)
        patch = nest(path, patch_leaf, keys_on_path)
        meta = {"name": name}
        if path[0] == "metadata":
            meta.update(body["metadata"])
            patch_meta = {"name": name, **patch["metadata"]}
            doc = {"apiVersion": api, "kind": kind, "metadata": meta}
            pdoc = {"apiVersion": api, "kind": kind, "metadata": patch_meta}
        else:
            doc = {"apiVersion": api, "kind": kind, "metadata": meta, **body}
            pdoc = {"apiVersion": api, "kind": kind, "metadata": {"name": name}, **patch}
        docs.append(doc)
        patches.append(pdoc)
        index.append(name)
    return docs, patches, index


def leaf_of(obj, path):
    node = obj
    for name in path:
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, dict):
            return None
        node = node.get(name)
    return node


def generate():
    kubectl = os.environ.get("PLIMSOLL_KUBECTL", ".tools/kubectl")
    schema = load_schema()
    cands = candidates(schema)
    # Two rounds: the first learns which lists merge (so that the items of nested lists meet).
    merged = {}
    for _ in range(2):
        lists = {(g, k, tuple(p)): (key if key else "") for (g, _, k, p, s, key, sc) in cands
                 if merged.get((g, k, tuple(p)), True) and s != "replace" and not sc}
        docs, patches, index = build_probes(cands, lists)
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, "resources.yaml"), "w") as f:
                yaml.safe_dump_all(docs, f)
            with open(os.path.join(work, "patches.yaml"), "w") as f:
                yaml.safe_dump_all(patches, f)
            with open(os.path.join(work, "kustomization.yaml"), "w") as f:
                f.write("resources: [resources.yaml]\npatchesStrategicMerge: [patches.yaml]\n")
            built = subprocess.run([kubectl, "kustomize", work], check=True,
                                   capture_output=True, text=True).stdout
        by_name = {d["metadata"]["name"]: d for d in yaml.safe_load_all(built) if d}
        merged = {}
        for (group, version, kind, path, strategy, key, scalar), name in zip(cands, index):
            leaf = leaf_of(by_name[name], path)
            if strategy == "replace":
                merged[(group, kind, tuple(path))] = isinstance(leaf, dict) and "a" not in leaf
            else:
                merged[(group, kind, tuple(path))] = isinstance(leaf, list) and len(leaf) == 2
    rows = set()
    for (group, version, kind, path, strategy, key, scalar) in cands:
        if not merged[(group, kind, tuple(path))]:
            continue
        how = "replace" if strategy == "replace" else (key if key else "")
        rows.add((f"{group}/{kind}", "/".join(path), how))
    return sorted(rows)


def render(rows):
    lines = [
        "//! How kustomize's strategic merge patches the fields of Kubernetes kinds: generated by",
        "//! `kustomize/scripts/merge_keys.py` from the fields with a patch strategy in the",
        "//! Kubernetes 1.25 schema, each checked against `kubectl kustomize` 5.7 (whose built-in",
        "//! 1.21 schema lacks the later ones). Do not edit: run the script.",
        "",
        "/// (group/Kind, field path, merge key): a list merged by that key, a list of scalars",
        "/// merged as a set when the key is empty, a map replaced whole when it is `replace`.",
        "/// Sorted by kind, then path.",
        "#[rustfmt::skip]",
        "pub(crate) const MERGE_KEYS: &[(&str, &str, &str)] = &[",
    ]
    for kind, path, how in rows:
        lines.append(f'    ("{kind}", "{path}", "{how}"),')
    lines.append("];")
    return "\n".join(lines) + "\n"


def main():
    rows = generate()
    text = render(rows)
    if "--check" in sys.argv[1:]:
        with open(OUT) as f:
            if f.read() != text:
                print(f"merge_keys: {OUT} differs from what the schema and kubectl give; run {sys.argv[0]}")
                sys.exit(1)
        print(f"merge_keys: {OUT} is up to date")
        return
    with open(OUT, "w") as f:
        f.write(text)
    print(f"merge_keys: wrote {OUT} ({len(rows)} entries)")


if __name__ == "__main__":
    main()
