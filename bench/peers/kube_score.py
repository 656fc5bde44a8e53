#!/usr/bin/env python3
"""Agreement of plimsoll with kube-score's own test suite.

Usage: bench/peers/kube_score.py PLIMSOLL FOLDER [--verbose]

FOLDER holds kube-score's fixtures as kube-score lays them out, fetched beforehand (never
into this repository): FOLDER/kube-score/score/testdata/*.yaml. Each case of `kube_score.json`
is one assertion of kube-score's Go tests (`testExpectedScore(t, FILE, CHECK, GRADE)` and the
like, the test named in `test`). The fixture is linted alone (the shared helper passes
`--no-context`) with only the plimsoll rules the check maps to (and the options the mapping
gives; a case may name its own rules when kube-score's test runs with a configuration). A case
agrees when plimsoll reports a finding of those rules exactly when kube-score grades the check
Critical or Warning: both are "fix this" in kube-score's output, and plimsoll reports each at
the severity its rule has. A check graded All OK, Almost OK or skipped expects no finding.

Prints every disagreement with the reason recorded in `differences` (or `unexplained`), one
line per check, and the totals; cases whose check has no plimsoll counterpart and cases
whose fixture is not in FOLDER are counted apart. Exits 1 when a disagreement has no reason.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from agreement import command_line, lint  # noqa: E402

FIRES = {"critical", "warning"}
GRADES = FIRES | {"ok", "almost-ok", "skipped"}


def main():
    binary, folder, verbose = command_line(__doc__)
    mapping = json.load(open(os.path.join(HERE, "kube_score.json")))
    testdata = os.path.join(folder, "kube-score", "score", "testdata")
    if not os.path.isdir(testdata):
        sys.exit(f"{testdata}: no such folder (fetch kube-score's score/testdata there first)")
    checks, differences = mapping["checks"], mapping.get("differences", {})
    totals = {"agree": 0, "differ": 0, "unmapped": 0, "missing": 0}
    per_check = {}
    unexplained = 0
    for case in mapping["cases"]:
        check, name, grade = case["check"], case["file"], case["grade"]
        if grade not in GRADES:
            sys.exit(f"{name}: unknown grade {grade!r}")
        if check in mapping["unmapped"]:
            totals["unmapped"] += 1
            continue
        path = os.path.join(testdata, name)
        if not os.path.exists(path):
            totals["missing"] += 1
            if verbose:
                print(f"  missing {name}")
            continue
        entry = checks[check]
        rules = case.get("rules", entry["rules"])
        extra = case.get("args", entry.get("args", []))
        found = lint(binary, path, rules, entry.get("options", {}), extra)
        should_fire = grade in FIRES
        agree = bool(found) == should_fire
        stats = per_check.setdefault(check, [0, 0])
        stats[0 if agree else 1] += 1
        key = f"{name} | {check}"
        if agree:
            totals["agree"] += 1
            if verbose:
                print(f"  agree   {key} ({grade})")
            continue
        totals["differ"] += 1
        reason = differences.get(key)
        if reason is None:
            unexplained += 1
            reason = "unexplained"
        got = ", ".join(sorted({f["rule"] for f in found})) or "no finding"
        print(f"  differ  {key}: kube-score {grade}, plimsoll {got}; {reason}")
    print()
    for check, (agree, differ) in sorted(per_check.items()):
        print(f"{check:62} {agree:3}/{agree + differ:<3} -> {', '.join(checks[check]['rules'])}")
    checked = totals["agree"] + totals["differ"]
    print(
        f"\nkube-score: {totals['agree']}/{checked} cases agree "
        f"({totals['differ']} differ, {unexplained} unexplained; "
        f"{totals['unmapped']} cases of checks without a counterpart; "
        f"{totals['missing']} cases whose fixture is not in {folder})"
    )
    sys.exit(1 if unexplained else 0)


if __name__ == "__main__":
    main()
