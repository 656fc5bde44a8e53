#!/usr/bin/env python3
"""Build schemas/data/ from the Kubernetes JSON schemas shipped in a wheel.

Usage: update.py WHEEL OUT_DIR

For every `kubernetes-json-schema/v1.NN.0-local-strict/` folder of the wheel
this writes two compact, zstd-compressed JSON documents:

  v1.NN.schema.json.zst  {"$defs": {...}, "kinds": {"group/version/Kind": schema}}
                         every "description", "$schema" and "$id" removed;
                         everything else kept (types, formats, required,
                         enums, x-kubernetes-*). References are "#/$defs/X"
                         everywhere: a kind plus the definitions it reaches
                         is a self-contained schema. Integer formats get
                         their ranges; IntOrString and Quantity become type
                         lists with a format (see as_api_server_checks).
  v1.NN.docs.json.zst    {JSON pointer into the schema document: description}
                         for hover text; loaded only when asked for.

Keys are sorted and the compressor is run at a fixed level with no
timestamps, so the same wheel always gives the same bytes.
"""
import json
import os
import re
import subprocess
import sys
import zipfile

PREFIX = "kubernetes_validate/kubernetes-json-schema/"
DEFS_REF = "/api/_definitions.json#/$defs/"


def escape(token):
    return token.replace("~", "~0").replace("/", "~1")


DEFS_REF = "/api/_definitions.json#/$defs/"


def split_descriptions(node, pointer, docs):
    """Return `node` without descriptions; record them in `docs` by pointer."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                docs[pointer] = value
                continue
            if key in ("$schema", "$id"):
                continue
            out[key] = split_descriptions(value, pointer + "/" + escape(key), docs)
        return out
    if isinstance(node, list):
        return [split_descriptions(v, "%s/%d" % (pointer, i), docs) for i, v in enumerate(node)]
    return node


INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
RANGES = {"int32": (-2**31, 2**31 - 1), "int64": (-2**63, 2**63 - 1)}


def as_api_server_checks(node):
    """Rewrite a schema so that a JSON Schema validator checks what the API
    server checks: references made local (`#/$defs/X`), and `minimum`/`maximum`
    beside integer formats, which validators leave unchecked."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(DEFS_REF):
                value = "#/$defs/" + value[len(DEFS_REF):]
            out[key] = as_api_server_checks(value)
        bounds = RANGES.get(out.get("format")) if isinstance(out.get("format"), str) else None
        if bounds:
            out.setdefault("minimum", bounds[0])
            out.setdefault("maximum", bounds[1])
        return out
    if isinstance(node, list):
        return [as_api_server_checks(v) for v in node]
    return node


def file_key(api_group, version, kind):
    # The file naming of the source: kind lowercased, first label of the group, version.
    first = api_group.split(".")[0]
    return "%s-%s-%s.json" % (kind.lower(), first, version) if first else "%s-%s.json" % (kind.lower(), version)


def build_version(zf, folder):
    defs_doc = json.loads(zf.read(folder + "_definitions.json"))
    docs = {}
    defs = split_descriptions(defs_doc["$defs"], "/$defs", docs)
    # IntOrString and Quantity come as a `oneOf` of two nullable types, which
    # rejects null (both branches match) and nests its errors; a type list
    # with a format accepts null as the API server does and fails plainly.
    defs[INT_OR_STRING] = {"type": ["integer", "string", "null"], "format": "int-or-string"}
    defs[QUANTITY] = {"type": ["string", "number", "null"], "format": "quantity"}
    bundle = {"$defs": as_api_server_checks(defs), "kinds": {}}
    candidates = []
    for name in sorted(n for n in zf.namelist() if n.startswith(folder) and n.endswith(".json")):
        base = name[len(folder):]
        if "/" in base or base in ("_definitions.json", "all.json"):
            continue
        schema = json.loads(zf.read(name))
        gvks = schema.get("x-kubernetes-group-version-kind", [])
        for gvk in gvks:
            exact = file_key(gvk["group"], gvk["version"], gvk["kind"]) == base
            # Files named after their Go package (StorageVersion, Status) still
            # describe one kind; shared option types (DeleteOptions, WatchEvent)
            # list every group and are no manifests anyone applies.
            if exact or len(gvks) == 1:
                candidates.append((not exact, name, gvk, schema))
    # A kind named by its own file wins, then the first file by name.
    for _, name, gvk, schema in sorted(candidates, key=lambda c: (c[0], c[1])):
        api_version = "%s/%s" % (gvk["group"], gvk["version"]) if gvk["group"] else gvk["version"]
        key = "%s/%s" % (api_version, gvk["kind"])
        if key in bundle["kinds"]:
            continue
        bundle["kinds"][key] = as_api_server_checks(split_descriptions(schema, "/kinds/" + escape(key), docs))
    return bundle, docs


def compress(data, path):
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    out = subprocess.run(
        ["zstd", "-19", "-q", "-c", "--no-progress", "--no-check"],
        input=raw, stdout=subprocess.PIPE, check=True,
    ).stdout
    with open(path, "wb") as f:
        f.write(out)
    return len(raw), len(out)


def main():
    wheel, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        folders = sorted(
            {m.group(1) for n in zf.namelist() if (m := re.match(re.escape(PREFIX) + r"(v1\.\d+\.0-local-strict/)", n))},
            key=lambda f: int(f.split(".")[1]),
        )
        for folder in folders:
            minor = folder.split(".")[1]
            bundle, docs = build_version(zf, PREFIX + folder)
            s = compress(bundle, os.path.join(out_dir, "v1.%s.schema.json.zst" % minor))
            d = compress(docs, os.path.join(out_dir, "v1.%s.docs.json.zst" % minor))
            print("1.%s: %d kinds, schema %d -> %d bytes, docs %d -> %d bytes"
                  % (minor, len(bundle["kinds"]), s[0], s[1], d[0], d[1]))


if __name__ == "__main__":
    main()
