#!/usr/bin/env python3
"""Agreement of plimsoll with kube-linter's own test suite.

Usage: bench/peers/kube_linter.py PLIMSOLL FOLDER [--verbose]

FOLDER holds kube-linter's fixtures as kube-linter lays them out, fetched beforehand (never
into this repository): FOLDER/kube-linter/tests/checks/*.yml. Each test of `kube_linter.json`
is one check of kube-linter's end-to-end suite (`e2etests/bats-tests.sh` runs `kube-linter lint
--include CHECK tests/checks/FIXTURE` and asserts the objects reported), plus the fixtures of
`tests/checks/` whose check the suite does not assert, read by their `fire`/`dont-fire` names.
The fixture is linted alone (the shared helper passes `--no-context`) with only the plimsoll
rules the check maps to (and the options the mapping gives). `expect` lists the objects
kube-linter reports, as `Kind/name` (`-` for an object without a name); `A|B` accepts either,
where plimsoll reports the same problem on a related object (the Role a binding grants). A
test agrees when plimsoll reports exactly those objects: each expected one, and no other.

Prints every disagreement with the reason recorded in `differences` (or `unexplained`), and
the totals; checks without a plimsoll counterpart and fixtures not in FOLDER are counted
apart. Exits 1 when a disagreement has no reason.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from agreement import command_line, lint  # noqa: E402


def identity(finding):
    obj = finding.get("object") or {}
    return f"{obj.get('kind') or '-'}/{obj.get('name') or '-'}"


def compare(expect, flagged):
    """The expected entries no flagged object matches, and the flagged objects no entry names."""
    missing = [e for e in expect if not set(e.split("|")) & flagged]
    named = {alt for e in expect for alt in e.split("|")}
    extra = sorted(flagged - named)
    return missing, extra


def main():
    binary, folder, verbose = command_line(__doc__)
    mapping = json.load(open(os.path.join(HERE, "kube_linter.json")))
    checks = os.path.join(folder, "kube-linter", "tests", "checks")
    if not os.path.isdir(checks):
        sys.exit(f"{checks}: no such folder (fetch kube-linter's tests/checks there first)")
    differences = mapping.get("differences", {})
    totals = {"agree": 0, "differ": 0, "missing": 0}
    objects = [0, 0]
    unexplained = 0
    for name, test in sorted(mapping["tests"].items()):
        path = os.path.join(checks, test["fixture"])
        if not os.path.exists(path):
            totals["missing"] += 1
            if verbose:
                print(f"  missing {name}: {test['fixture']}")
            continue
        found = lint(binary, path, test["rules"], test.get("options", {}))
        flagged = {identity(f) for f in found}
        missing, extra = compare(test["expect"], flagged)
        objects[0] += len(test["expect"]) - len(missing)
        objects[1] += len(test["expect"]) + len(extra)
        if not missing and not extra:
            totals["agree"] += 1
            if verbose:
                print(f"  agree   {name}: {', '.join(sorted(flagged)) or 'nothing'}")
            continue
        totals["differ"] += 1
        reason = differences.get(name)
        if reason is None:
            unexplained += 1
            reason = "unexplained"
        detail = []
        if missing:
            detail.append("not reported: " + ", ".join(missing))
        if extra:
            detail.append("also reported: " + ", ".join(extra))
        print(f"  differ  {name} ({', '.join(test['rules'])}): {'; '.join(detail)}; {reason}")
    checked = totals["agree"] + totals["differ"]
    print(
        f"\nkube-linter: {totals['agree']}/{checked} checks agree "
        f"({totals['differ']} differ, {unexplained} unexplained; "
        f"{len(mapping['unmapped'])} checks without a counterpart; "
        f"{totals['missing']} fixtures not in {folder}); "
        f"objects: {objects[0]}/{objects[1]} reported alike"
    )
    sys.exit(1 if unexplained else 0)


if __name__ == "__main__":
    main()
