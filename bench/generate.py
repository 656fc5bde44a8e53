#!/usr/bin/env python3
"""Generate the benchmark set: 10,000 realistic documents in 1,000 files.

Documents are taken from the plain folders of the shared corpus (real manifests written by
others), round-robin; a large document (a CRD) is passed over while the set is ahead of an
average of 3.5 KB a document, so the set comes to about 35 MB like the one the figures in
DESIGN.md were measured on. Documents are renamed (`metadata.name` gets a suffix) so that no two objects in the set collide.
The output is deterministic.

usage: [BENCH_FILES=1000] bench/generate.py [CORPUS_DIR] [OUT_DIR]   (10 documents a file)
"""
import os
import re
import sys

CORPUS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "corpus")
OUT = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "bench-data", "generated")
FOLDERS = ["kube-prometheus", "argo-cd", "microservices-demo", "kubernetes-examples", "helm-rendered"]
FILES = int(os.environ.get("BENCH_FILES", "1000"))
PER_FILE, MAX_DOC, AVERAGE = 10, 2 * 1024 * 1024, 3500

NAME = re.compile(r"^(metadata:\n(?:[ \t]+.*\n|\n)*?  name: )([^\n#]+)", re.M)


def documents():
    docs = []
    for folder in FOLDERS:
        root = os.path.join(CORPUS, folder)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith((".yaml", ".yml")):
                    continue
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    text = f.read()
                for doc in re.split(r"^---[ \t]*\n", text, flags=re.M):
                    if "apiVersion:" in doc and "kind:" in doc and len(doc) <= MAX_DOC and NAME.search(doc):
                        docs.append(doc if doc.endswith("\n") else doc + "\n")
    return docs


def main():
    docs = documents()
    os.makedirs(OUT, exist_ok=True)
    total = 0
    n = 0
    cursor = 0
    for i in range(FILES):
        parts = []
        for _ in range(PER_FILE):
            doc = docs[cursor % len(docs)]
            cursor += 1
            while len(doc) > 16 * 1024 and total + sum(map(len, parts)) + len(doc) > AVERAGE * (n + 1) + 256 * 1024:
                doc = docs[cursor % len(docs)]
                cursor += 1
            renamed = NAME.sub(lambda m: m.group(1) + m.group(2).strip().strip("\"'") + f"-g{n}", doc, count=1)
            parts.append(renamed)
            n += 1
        text = "---\n" + "---\n".join(parts)
        total += len(text.encode())
        with open(os.path.join(OUT, f"set-{i:04d}.yaml"), "w", encoding="utf-8") as f:
            f.write(text)
    print(f"{FILES} files, {n} documents, {total / 1e6:.1f} MB from {len(docs)} corpus documents -> {OUT}")


if __name__ == "__main__":
    main()
