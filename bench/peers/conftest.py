#!/usr/bin/env python3
"""Agreement of plimsoll with conftest's acceptance tests.

Usage: bench/peers/conftest.py PLIMSOLL FOLDER [--verbose]

FOLDER holds conftest's examples as conftest lays them out, fetched beforehand (never into
this repository): FOLDER/conftest/examples/<example>/... `conftest.json` beside this file
lists the acceptance tests (`acceptance.bats`) whose inputs are YAML or JSON, each with the
conftest command, the plimsoll command that does the same (`{plimsoll}` is the binary), and
what the test asserts: the exit status, messages that must appear, and the numbers of
failures, warnings or passed tests (`fails`: any non-zero status, where conftest's 1 is
plimsoll's 2 for a mistake in the command). A test agrees when plimsoll's run meets every assertion.

For `lint` runs, only policy findings count (the built-in rules and schema checks are turned
off, as conftest has none), and an error finding is a conftest failure, a warning finding a
conftest warning. Tests of conftest features plimsoll does not have (other input formats,
`--trace`, output formats) are listed under `not_applicable` with the reason. Exits 1 when a
test disagrees without a recorded reason.
"""

import json
import os
import shlex
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agreement import command_line  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def builtin_rules(binary):
    """Every rule id plimsoll lists, except the policy stage's own."""
    run = subprocess.run([binary, "rules"], capture_output=True, text=True, check=True)
    ids = []
    for line in run.stdout.splitlines():
        word = line.split(" ", 1)[0]
        if word and word[0].islower() and "-" in word:
            ids.append(word)
    return ids


def run_case(binary, folder, case, config):
    args = [a.replace("{plimsoll}", binary) for a in shlex.split(case["plimsoll"])]
    if args[1] == "lint":
        args += ["--config", config, "--format", "json"]
    cwd = os.path.join(folder, "conftest", case.get("cwd", ""))
    stdin = None
    if "stdin" in case:
        stdin = open(os.path.join(folder, "conftest", case["stdin"]))
    try:
        done = subprocess.run(args, cwd=cwd, stdin=stdin, capture_output=True, text=True, timeout=300)
    finally:
        if stdin:
            stdin.close()
    observed = {"status": done.returncode, "text": done.stdout + done.stderr}
    if args[1] == "lint" and done.stdout.strip().startswith("{"):
        report = json.loads(done.stdout)
        rules = set(builtin_rules.cache)
        policy = [d for d in report["diagnostics"] if d["rule"] not in rules]
        observed["failures"] = sum(1 for d in policy if d["severity"] == "error")
        observed["warnings"] = sum(1 for d in policy if d["severity"] == "warning")
        observed["text"] += "\n".join(d["message"] for d in policy)
        observed["policy_errors"] = [
            d["message"] for d in report["diagnostics"] if d["rule"] == "policy-error"
        ]
    if args[1] == "policy":
        for line in done.stdout.splitlines():
            if line.endswith(" failed") and " passed, " in line:
                observed["passed"] = int(line.split(" passed")[0])
    return observed


def check(expect, observed):
    problems = [f"policy-error: {m}" for m in observed.get("policy_errors", [])]
    if expect.get("fails") and observed["status"] == 0:
        problems.append("status 0 (conftest: fails)")
    for key in ("status", "failures", "warnings", "passed"):
        if key in expect and observed.get(key) != expect[key]:
            problems.append(f"{key} {observed.get(key)} (conftest: {expect[key]})")
    for message in expect.get("messages", []):
        if message not in observed["text"]:
            problems.append(f"no message {message!r}")
    return problems


def main():
    binary, folder, verbose = command_line(__doc__)
    binary = os.path.abspath(binary)
    with open(os.path.join(HERE, "conftest.json")) as f:
        table = json.load(f)
    builtin_rules.cache = builtin_rules(binary)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as config:
        rules = {
            r: {"enabled": False}
            for r in builtin_rules.cache
            if r != "not-kubernetes" and not r.startswith("policy")
        }
        config.write(json.dumps({"rules": rules}))
    agree = differ = unexplained = 0
    try:
        for case in table["cases"]:
            observed = run_case(binary, folder, case, config.name)
            problems = check(case["expect"], observed)
            if not problems:
                agree += 1
                if verbose:
                    print(f"  agree   {case['name']}")
                continue
            differ += 1
            reason = case.get("reason")
            if reason is None:
                unexplained += 1
                reason = "unexplained"
            print(f"  differ  {case['name']}: {'; '.join(problems)}\n          -> {reason}")
    finally:
        os.unlink(config.name)
    for case in table["not_applicable"]:
        if verbose:
            print(f"  n/a     {case['name']}: {case['reason']}")
    print(
        f"\nconftest acceptance tests: {agree}/{agree + differ} agree "
        f"({differ} differ, {unexplained} unexplained; "
        f"{len(table['not_applicable'])} tests of features plimsoll does not have)"
    )
    sys.exit(1 if unexplained else 0)


if __name__ == "__main__":
    main()
