#!/usr/bin/env python3
"""Draft the enum table of built-in kinds from the schema descriptions.

Usage: enums_draft.py [DATA_DIR]   (default: schemas/data)

The Kubernetes OpenAPI documents carry no `enum` for built-in kinds: the
allowed values of a field are stated only in its description, in uneven prose
("One of Always, OnFailure, Never", "Must be UDP, TCP, or SCTP", "Valid values
are ..."). This script reads the descriptions of every embedded version
(`vX.Y.docs.json.zst`), picks the sentences that state allowed values, and
prints one candidate line per definition property:

    definition <TAB> property <TAB> values (comma-separated) <TAB> versions <TAB> sentence

It also compares the candidates with the reviewed table, `data/enums.tsv`,
and lists the candidates the table leaves out (with `#`), so that a new
Kubernetes version's new enums are noticed. The table itself is written by
hand: each entry is checked against the API server's validation code
(`pkg/apis/core/validation/validation.go` and its siblings), which is what
rejects a value, whatever the prose says. Status fields are skipped: they are
written by controllers, not by users.
"""
import json
import os
import re
import subprocess
import sys

PATTERNS = [
    re.compile(r"(?:One of|one of|Must be one of|must be one of|Can be|can be|Must be|must be)\s*:?\s*((?:[\"'`]?[A-Za-z][A-Za-z0-9]*[\"'`]?(?:\s*\([^)]*\))?(?:,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+)){1,}[\"'`]?[A-Za-z][A-Za-z0-9]*[\"'`]?)"),
    re.compile(r"(?:Valid values are|valid values are|Possible values are|Allowed values are)\s*:?\s*((?:\s*-?\s*[\"'`]?[A-Za-z][A-Za-z0-9]*[\"'`]?[^.;\n]*?(?:,|\bor\b|\band\b|\n|;)\s*){1,}[\"'`]?[A-Za-z][A-Za-z0-9]*[\"'`]?)"),
]
WORD = re.compile(r"[\"'`]([A-Za-z][A-Za-z0-9]*)[\"'`]|\b([A-Z][A-Za-z0-9]*)\b")
NOISE = {"If", "The", "Defaults", "Default", "Cannot", "More", "This", "When", "Note", "It", "In", "Required"}


def versions(data):
    out = []
    for name in sorted(os.listdir(data)):
        m = re.match(r"v(1\.\d+)\.docs\.json\.zst$", name)
        if m:
            out.append(m.group(1))
    return sorted(out, key=lambda v: int(v.split(".")[1]))


def docs(data, version):
    raw = subprocess.run(["zstd", "-dc", os.path.join(data, "v%s.docs.json.zst" % version)],
                         check=True, capture_output=True).stdout
    return json.loads(raw)


def candidates(text):
    for pattern in PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        values = []
        for quoted, bare in WORD.findall(m.group(1)):
            word = quoted or bare
            if word and word not in NOISE and word not in values:
                values.append(word)
        if len(values) >= 2:
            start = max(0, m.start() - 40)
            return values, " ".join(text[start:m.end()].split())
    return None


def reviewed(data):
    table = {}
    path = os.path.join(data, "enums.tsv")
    if not os.path.exists(path):
        return table
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        cells = line.rstrip("\n").split("\t")
        table[(cells[0], cells[1])] = cells[2]
    return table


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "data")
    found = {}
    for version in versions(data):
        for pointer, text in docs(data, version).items():
            m = re.match(r"^/\$defs/([^/]+)/properties/([^/]+)$", pointer)
            if not m or "Status" in m.group(1) or m.group(1).endswith("Condition"):
                continue
            hit = candidates(text)
            if hit:
                entry = found.setdefault((m.group(1), m.group(2)), [hit[0], [], hit[1]])
                entry[1].append(version)
    table = reviewed(data)
    for (definition, prop), (values, vers, sentence) in sorted(found.items()):
        mark = "" if (definition, prop) in table else "# "
        span = vers[0] if len(vers) == 1 else "%s-%s" % (vers[0], vers[-1])
        print("%s%s\t%s\t%s\t%s\t%s" % (mark, definition, prop, ",".join(values), span, sentence))


if __name__ == "__main__":
    main()
