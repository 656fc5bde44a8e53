#!/usr/bin/env python3
"""Agreement of plimsoll with the gatekeeper-library's own test suites.

Usage: bench/peers/gatekeeper.py PLIMSOLL FOLDER [--verbose]

FOLDER holds the library as it lays itself out, fetched beforehand (never into this
repository): FOLDER/gatekeeper-library/library/<group>/<template>/suite.yaml, each Suite
naming its template, constraints, objects and inventories by paths relative to it. Every
Suite is run through `plimsoll policy test`, which reads them as `gator verify` does, and
each case is counted: it agrees when plimsoll's verdict is the one the Suite asserts. A test
whose template or constraint plimsoll refuses counts every one of its cases as differing.

`gatekeeper.json` beside this file records, per `<template>/<test>/<case>` (or per
`<template>/<test>` for all its cases), why a difference is accepted: the Suite asserts what
its own template cannot give under OPA either (`peer:` reasons), or plimsoll deliberately
answers otherwise. Prints one line per template, every difference with its reason (or
`unexplained`), and the totals; exits 1 when a difference has no recorded reason.
"""

import json
import os
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agreement import command_line  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def suites(folder):
    root = os.path.join(folder, "gatekeeper-library", "library")
    for directory, _, files in sorted(os.walk(root)):
        if "suite.yaml" in files:
            yield os.path.relpath(directory, root), os.path.join(directory, "suite.yaml")


def cases(suite_path):
    """(test, case) names in the Suite's order; a case-less test stands for itself."""
    with open(suite_path) as f:
        suite = yaml.safe_load(f)
    for t, test in enumerate(suite.get("tests") or []):
        name = test.get("name") or f"test {t + 1}"
        listed = test.get("cases") or []
        if not listed:
            yield name, None
        for c, case in enumerate(listed):
            yield name, case.get("name") or f"case {c + 1}"


def run(binary, suite_path):
    """plimsoll's verdict per `test/case` (and per `test` for test-level failures)."""
    done = subprocess.run(
        [binary, "policy", "test", suite_path], capture_output=True, text=True, timeout=300
    )
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{suite_path}: exit {done.returncode}: {done.stderr.strip()}")
    verdicts = {}
    prefix = f"{suite_path}: "
    for line in done.stdout.splitlines():
        word, _, rest = line.partition(" ")
        if word not in ("PASS", "FAIL", "SKIP") or not rest.startswith(prefix):
            continue
        rest = rest[len(prefix):]
        name, _, why = rest.partition(": ")
        verdicts[name.removesuffix(" (invalid constraint)")] = (word, why)
    return verdicts


def main():
    binary, folder, verbose = command_line(__doc__)
    with open(os.path.join(HERE, "gatekeeper.json")) as f:
        reasons = json.load(f)["differences"]
    totals = {"agree": 0, "differ": 0}
    unexplained = 0
    per_template = []
    for template, suite_path in suites(folder):
        verdicts = run(binary, suite_path)
        agree = differ = 0
        for test, case in cases(suite_path):
            key = test if case is None else f"{test}/{case}"
            word, why = verdicts.get(key) or verdicts.get(test) or ("FAIL", "no verdict printed")
            name = f"{os.path.basename(template)}/{key}"
            if word in ("PASS", "SKIP"):
                agree += 1
                if verbose:
                    print(f"  agree   {name}")
                continue
            differ += 1
            reason = reasons.get(name) or reasons.get(f"{os.path.basename(template)}/{test}")
            if reason is None:
                unexplained += 1
                reason = "unexplained"
            print(f"  differ  {name}: {why}\n          -> {reason}")
        totals["agree"] += agree
        totals["differ"] += differ
        per_template.append((template, agree, differ))
    print()
    for template, agree, differ in per_template:
        print(f"{template:55} {agree:3}/{agree + differ}")
    checked = totals["agree"] + totals["differ"]
    print(
        f"\ngatekeeper-library: {totals['agree']}/{checked} cases agree "
        f"({totals['differ']} differ, {unexplained} unexplained; {len(per_template)} suites)"
    )
    sys.exit(1 if unexplained else 0)


if __name__ == "__main__":
    main()
