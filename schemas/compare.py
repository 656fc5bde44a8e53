#!/usr/bin/env python3
"""Differential check: plimsoll's schema verdicts against kubernetes-validate's.

Usage: schemas/compare.py [--version 1.33] [--non-strict] PATH...

Loads every YAML document under PATH, validates each with
kubernetes-validate (`pip install kubernetes-validate==1.37.0`) and with this
crate (through `examples/validate_stream.rs`), and prints the documents whose
verdicts disagree. Only schema findings count (not deprecation warnings);
documents of kinds kubernetes-validate has no schema for are counted apart.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

import yaml
import kubernetes_validate

SCHEMA_RULES = {"schema-invalid", "schema-unknown-field", "schema-missing-required"}


def documents(paths):
    for root in paths:
        files = [root] if os.path.isfile(root) else sorted(
            os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs if f.endswith((".yaml", ".yml"))
        )
        for path in files:
            try:
                with open(path) as f:
                    for i, doc in enumerate(yaml.safe_load_all(f)):
                        if isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc:
                            yield path, i, doc
            except yaml.YAMLError as e:
                print(f"skipped {path}: {e.__class__.__name__}", file=sys.stderr)


def to_json(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat().replace("+00:00", "Z")
    raise TypeError(type(value))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", default="1.37")
    parser.add_argument("--non-strict", action="store_true")
    parser.add_argument("--show", action="store_true", help="print the findings of agreed invalid documents")
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args()
    strict = not args.non_strict

    docs = list(documents(args.paths))
    lines = "".join(json.dumps(d, default=to_json) + "\n" for _, _, d in docs)
    here = os.path.dirname(os.path.abspath(__file__))
    ours = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "-p", "plimsoll-schemas", "--example", "validate_stream", "--", args.version],
        input=lines, capture_output=True, text=True, check=True, cwd=here,
    ).stdout.splitlines()

    agree = disagree = no_schema = both_invalid = 0
    for (path, index, doc), line in zip(docs, ours):
        mine = json.loads(line)
        findings = [f for f in mine["findings"] if f[0] in SCHEMA_RULES]
        if not strict:
            findings = [f for f in findings if f[0] != "schema-unknown-field"]
        try:
            kubernetes_validate.validate(json.loads(json.dumps(doc, default=to_json)), args.version, strict)
            theirs = None
        except kubernetes_validate.SchemaNotFoundError:
            no_schema += 1
            origin = mine["origin"] or "no schema"
            if args.show or findings:
                print(f"{path} #{index} ({origin}): {[f[2] for f in mine['findings']] or 'valid'}")
            continue
        except kubernetes_validate.ValidationError as e:
            theirs = f"{'/'.join(str(p) for p in e.path)}: {e.message[:160]}"
        if (theirs is None) == (not findings):
            agree += 1
            both_invalid += theirs is not None
            if args.show and findings:
                print(f"{path} #{index}: {[f[2] for f in findings]}")
            continue
        disagree += 1
        print(f"{path} #{index} {doc.get('kind')}/{doc.get('metadata', {}).get('name')}")
        print(f"  kubernetes-validate: {theirs or 'valid'}")
        print(f"  plimsoll:            {[f[2] for f in findings] or 'valid'}")
    print(f"{agree} agree ({both_invalid} invalid for both), {disagree} disagree, {no_schema} without a kubernetes-validate schema "
          f"(Kubernetes {args.version}, {'strict' if strict else 'non-strict'})")


if __name__ == "__main__":
    main()
