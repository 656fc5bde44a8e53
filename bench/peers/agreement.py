#!/usr/bin/env python3
"""Agreement of plimsoll with a peer's own test fixtures.

Usage: bench/peers/agreement.py PLIMSOLL FOLDER [--peer polaris] [--verbose]

FOLDER holds the peer's fixtures as the peer lays them out, fetched beforehand (never into
this repository): for Polaris, FOLDER/polaris/test/checks/<check>/{success,failure}*.yaml.
Each fixture of a check that `mapping.json` maps to plimsoll rules is linted alone
(`--no-context`) with only those rules (and the options the mapping gives; `schema-*` ids
are the schema stage's findings); a `failure` fixture agrees when at least one finding of
those rules is reported, a `success` fixture when none is. A check mapped to no rule
records why (`none`); its fixtures, and those of unmapped checks, are counted apart. Prints one line per check, every disagreement with the
reason recorded in the mapping (or `unexplained`), and the totals; exits 1 when a
disagreement has no recorded reason.
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


# Findings of the loading and schema stages: always reported, never named by `--only`.
STAGE_FINDINGS = frozenset(
    """yaml-syntax yaml-duplicate-key yaml-invalid-value yaml-invalid-key yaml-alias-limit
    yaml-depth-limit invalid-document missing-api-version missing-kind missing-name file-not-utf8
    file-too-large not-kubernetes unknown-kind deprecated-api-version removed-api-version
    admission-policy admission-policy-error admission-audit-annotation rejected-kind""".split()
)


def lint(binary, path, rules, options, extra=()):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as config:
        config.write(json.dumps({"rules": {r: {"options": o} for r, o in options.items()}}))
    # Each fixture is a case of its own: `--no-context` keeps the other fixtures of its folder
    # out of the run (a file named alone is otherwise checked with its folder as context).
    args = [binary, "lint", path, "--config", config.name, "--format", "json", "--offline"]
    args.append("--no-context")
    # Schema checks are a stage, not built-in rules: `--only` does not name them (their
    # findings are kept by the filter below).
    for rule in rules:
        if not rule.startswith("schema-") and rule not in STAGE_FINDINGS:
            args += ["--only", rule]
    args += list(extra)
    try:
        run = subprocess.run(args, capture_output=True, text=True, timeout=300)
    finally:
        os.unlink(config.name)
    if run.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(args)}: exit {run.returncode}: {run.stderr.strip()}")
    report = json.loads(run.stdout)
    findings = report if isinstance(report, list) else report.get("diagnostics", [])
    return [f for f in findings if f["rule"] in rules]


def command_line(usage):
    """(binary, folder, verbose) from `RUNNER PLIMSOLL FOLDER [--verbose]`; the usage otherwise."""
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit(usage)
    return args[0], args[1], "--verbose" in sys.argv


def polaris_cases(folder):
    root = os.path.join(folder, "polaris", "test", "checks")
    for check in sorted(os.listdir(root)):
        directory = os.path.join(root, check)
        for name in sorted(os.listdir(directory)):
            if name.startswith(("success", "failure")) and name.endswith((".yaml", ".yml")):
                yield check, name, os.path.join(directory, name), name.startswith("failure")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    verbose = "--verbose" in sys.argv
    peer = "polaris"
    if "--peer" in sys.argv:
        peer = sys.argv[sys.argv.index("--peer") + 1]
        args.remove(peer)
    if len(args) != 2:
        sys.exit(__doc__)
    binary, folder = args
    mapping = json.load(open(os.path.join(HERE, "mapping.json")))[peer]
    cases = {"polaris": polaris_cases}[peer](folder)
    totals = {"agree": 0, "differ": 0, "unmapped": 0, "none": 0}
    per_check = {}
    unexplained = 0
    for check, name, path, should_fire in cases:
        entry = mapping.get(check)
        if entry is None:
            totals["unmapped"] += 1
            continue
        if not entry["rules"]:
            # A check with no counterpart: its reason is recorded, its fixtures not run.
            totals["none"] += 1
            stats = per_check.setdefault(check, [0, 0])
            continue
        found = lint(binary, path, entry["rules"], entry.get("options", {}))
        agree = bool(found) == should_fire
        stats = per_check.setdefault(check, [0, 0])
        stats[0 if agree else 1] += 1
        if agree:
            totals["agree"] += 1
            if verbose:
                print(f"  agree   {check}/{name}")
            continue
        totals["differ"] += 1
        reason = entry.get("differences", {}).get(name)
        if reason is None:
            unexplained += 1
            reason = "unexplained"
        got = ", ".join(sorted({f["rule"] for f in found})) or "no finding"
        print(f"  differ  {check}/{name}: {got}; {reason}")
    print()
    for check, (agree, differ) in sorted(per_check.items()):
        if mapping[check]["rules"]:
            print(f"{check:45} {agree:3}/{agree + differ:<3} -> {', '.join(mapping[check]['rules'])}")
    # Checks without a counterpart, whether or not their fixtures were fetched.
    for check, entry in sorted(mapping.items()):
        if not entry["rules"]:
            print(f"{check:45} no counterpart: {entry['none']}")
    checked = totals["agree"] + totals["differ"]
    deliberate = totals["differ"] - unexplained
    print(
        f"\n{peer}: {totals['agree']}/{checked} fixtures agree "
        f"({totals['differ']} differ: {deliberate} explained, {unexplained} unexplained; "
        f"{totals['none']} fixtures of checks without a counterpart; "
        f"{totals['unmapped']} fixtures of unmapped checks)"
    )
    sys.exit(1 if unexplained else 0)


if __name__ == "__main__":
    main()
