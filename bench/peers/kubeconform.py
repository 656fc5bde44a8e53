#!/usr/bin/env python3
"""Agreement of plimsoll's schema verdict with kubeconform's acceptance tests.

Usage: bench/peers/kubeconform.py PLIMSOLL FOLDER [--verbose]

FOLDER/kubeconform/fixtures holds the fixtures the cases of `kubeconform.json` name, fetched
or written beforehand (never into this repository; see that file's `reconstructed`). Each case
is one test of kubeconform's `acceptance.bats`: its flags translated to plimsoll's, run from
FOLDER/kubeconform with the built-in rules off (`--disable all`: the loader and the schema
checks give the verdict, as kubeconform's is a schema verdict), offline. A case agrees when
plimsoll passes or fails as kubeconform does (an exit code of 2, plimsoll's usage and I/O
errors, counts as failing), its `--summary` line says what kubeconform's says (plimsoll's
leaves out the `Skipped` count), and the TAP lines match when the test checks them. Cases that
need the network or kubeconform's own cache are listed, not run. Prints each disagreement with
the reason recorded in the case (or `unexplained`) and the totals; exits 1 on an unexplained
one.
"""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agreement import command_line  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LARGE = 100_000


def large_fixture(fixtures):
    """valid_large.yaml: valid.yaml 100,000 times, as kubeconform's test describes it."""
    path = os.path.join(fixtures, "valid_large.yaml")
    if not os.path.exists(path):
        with open(os.path.join(fixtures, "valid.yaml")) as f:
            one = f.read().rstrip("\n") + "\n"
        with open(path, "w") as f:
            for _ in range(LARGE):
                f.write("---\n" + one)
    return path


def summary_of(stderr):
    lines = [l for l in stderr.splitlines() if l.startswith("Summary: ")]
    return lines[-1] if lines else None


def run_case(binary, base, root, case):
    stdin = None
    if "stdin" in case:
        stdin = ""
        if case["stdin"]:
            with open(os.path.join(root, case["stdin"])) as f:
                stdin = f.read()
    # Without a path plimsoll checks the current folder: such cases run in an empty one.
    implicit = "stdin" in case and not any(a == "-" or a.startswith("fixtures") for a in case["args"])
    with tempfile.TemporaryDirectory() as empty:
        run = subprocess.run(
            [binary] + base + case["args"],
            cwd=empty if implicit else root,
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            timeout=600,
        )
    problems = []
    failed = run.returncode != 0
    if failed != (case["status"] != 0):
        problems.append(f"exit {run.returncode}, kubeconform {case['status']}")
    elif run.returncode not in (0, case["status"]):
        problems.append(f"exit {run.returncode}, kubeconform {case['status']} (both fail)")
    if "summary" in case:
        expected = case["summary"].rsplit(", Skipped: ", 1)[0]
        got = summary_of(run.stderr)
        if got != expected:
            problems.append(f"summary `{got}`, kubeconform `{expected}`")
    if "lines" in case:
        got = run.stdout.splitlines()[: len(case["lines"])]
        if got != case["lines"]:
            problems.append(f"output {got}, kubeconform {case['lines']}")
    return problems, run


def main():
    binary, folder, verbose = command_line(__doc__)
    binary = os.path.abspath(binary)
    spec = json.load(open(os.path.join(HERE, "kubeconform.json")))
    root = os.path.join(folder, "kubeconform")
    large_fixture(os.path.join(root, "fixtures"))
    agree = differ = unexplained = exit_only = 0
    not_run = []
    for case in spec["cases"]:
        if "not_run" in case:
            not_run.append(case)
            continue
        problems, run = run_case(binary, spec["base"], root, case)
        only_code = problems and all("(both fail)" in p for p in problems)
        if not problems or only_code:
            agree += 1
            exit_only += bool(only_code)
            if verbose or only_code:
                detail = f" ({'; '.join(problems)}: {case.get('difference', 'unexplained')})" if only_code else ""
                print(f"  agree   {case['test']}{detail}")
            continue
        differ += 1
        reason = case.get("difference")
        if reason is None:
            unexplained += 1
            reason = "unexplained"
        print(f"  differ  {case['test']}: {'; '.join(problems)}; {reason}")
        if verbose and reason == "unexplained":
            print("    " + run.stderr.strip().replace("\n", "\n    ")[:2000])
    print()
    for case in not_run:
        print(f"  not run {case['test']}: {case['not_run']}")
    checked = agree + differ
    print(
        f"\nkubeconform: {agree}/{checked} cases agree ({exit_only} of them with another failing "
        f"exit code), {differ} differ ({differ - unexplained} explained, {unexplained} "
        f"unexplained); {len(not_run)} cases not run offline"
    )
    sys.exit(1 if unexplained else 0)


if __name__ == "__main__":
    main()
