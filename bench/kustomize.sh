#!/usr/bin/env bash
# `plimsoll kustomize build` next to `kubectl kustomize` on two corpus trees, in paired runs
# (one of each, alternating, so that both meet the same machine state), plus
# `plimsoll --version` as the floor of starting the binary. Prints the median wall time and
# the median CPU time (user + system) of each.
#
#   bench/kustomize.sh [BINARY]   (default: builds and uses target/release/plimsoll)
# environment: PLIMSOLL_KUBECTL (default .tools/kubectl), CORPUS (default ../shared/corpus),
# RUNS (default 21). Needs python3.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${CORPUS:-../shared/corpus}
kubectl=${PLIMSOLL_KUBECTL:-.tools/kubectl}
runs=${RUNS:-21}
bin=${1:-}
if [ -z "$bin" ]; then
    cargo build --release -p plimsoll --quiet
    bin=target/release/plimsoll
fi
python3 - "$bin" "$kubectl" "$corpus" "$runs" <<'PY'
import os, resource, statistics, subprocess, sys, time
binary, kubectl, corpus, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def measure(cmd):
    # getrusage counts children's CPU in microseconds (os.times() only in clock ticks).
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter() - start
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu

def fmt(seconds):
    return f"{seconds * 1000:8.2f} ms"

for tree in ["kustomize/argo-cd/cluster-install", "kustomize/kustomize-examples/helloWorld"]:
    path = os.path.join(corpus, tree)
    cases = {
        "plimsoll kustomize build": [binary, "kustomize", "build", path],
        "kubectl kustomize": [kubectl, "kustomize", path],
        "plimsoll --version": [binary, "--version"],
    }
    samples = {name: [] for name in cases}
    for name, cmd in cases.items():
        measure(cmd)  # warm the page cache
    for _ in range(runs):
        for name, cmd in cases.items():
            samples[name].append(measure(cmd))
    print(f"{tree} ({runs} paired runs, median)")
    for name, values in samples.items():
        wall = statistics.median(v[0] for v in values)
        cpu = statistics.median(v[1] for v in values)
        print(f"  {name:28} wall {fmt(wall)}   cpu {fmt(cpu)}")
    ours = statistics.median(v[0] for v in samples["plimsoll kustomize build"])
    theirs = statistics.median(v[0] for v in samples["kubectl kustomize"])
    floor = statistics.median(v[0] for v in samples["plimsoll --version"])
    cpu_ours = statistics.median(v[1] for v in samples["plimsoll kustomize build"])
    cpu_floor = statistics.median(v[1] for v in samples["plimsoll --version"])
    print(f"  kubectl / plimsoll: {theirs / ours:.1f}x; plimsoll above --version: {(ours - floor) * 1000:.1f} ms wall, {(cpu_ours - cpu_floor) * 1000:.1f} ms cpu")
PY
