#!/usr/bin/env python3
"""CPU utilisation over time of one command: samples /proc/PID/stat (user + system time of the
process and its threads) every interval and prints how many cores it used in each, then the
totals. Shows serial stretches of a run (a stretch near 1.0 on a many-core machine).

usage: bench/utilisation.py [--interval SECONDS] COMMAND [ARGS...]   (its output goes to /dev/null)
"""
import os
import subprocess
import sys
import time


def cpu_seconds(pid, ticks):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # Fields 14 and 15 (utime, stime) are the 12th and 13th after the command name.
    return (int(fields[11]) + int(fields[12])) / ticks


def main():
    args = sys.argv[1:]
    interval = 0.2
    if args[:1] == ["--interval"]:
        interval = float(args[1])
        args = args[2:]
    if not args:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    ticks = os.sysconf("SC_CLK_TCK")
    start = time.monotonic()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last_time, last_cpu = start, 0.0
    rows = []
    while child.poll() is None:
        time.sleep(interval)
        try:
            cpu = cpu_seconds(child.pid, ticks)
        except (FileNotFoundError, ProcessLookupError, IndexError):
            break
        now = time.monotonic()
        rows.append((now - start, (cpu - last_cpu) / (now - last_time)))
        last_time, last_cpu = now, cpu
    _, status = os.waitpid(child.pid, 0) if child.returncode is None else (0, 0)
    usage = os.times()
    wall = time.monotonic() - start
    cpu = usage.children_user + usage.children_system
    for at, cores in rows:
        print(f"{at:6.1f} s {cores:5.2f} {'#' * round(cores * 20)}")
    threads = os.cpu_count() or 1
    print(
        f"wall {wall:.2f} s, cpu {cpu:.2f} s (user {usage.children_user:.2f}, "
        f"sys {usage.children_system:.2f}), wall/(cpu/threads) {wall * threads / cpu:.2f}"
    )


if __name__ == "__main__":
    main()
