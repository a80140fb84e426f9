#!/usr/bin/env python3
"""Startup benchmark: runs scry, Debian's bpftrace and a hand-written libbpf program alternately
on the hello one-liner and prints, for each, the median wall time and the median peak RSS, and
the ratios. Usage: startup.py --scry BIN --libbpf BIN [--runs N]"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

PROG = 'BEGIN { printf("hello, world\\n"); exit(); }'


def measure(argv):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0 or b"hello, world" not in out:
        raise SystemExit(f"{argv[0]} failed (status {p.returncode}): {out!r}")
    return wall * 1000.0, ru.ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scry", required=True)
    ap.add_argument("--libbpf", required=True)
    ap.add_argument("--runs", type=int, default=11)
    a = ap.parse_args()
    tools = {"scry": [a.scry, "-e", PROG], "libbpf": [a.libbpf]}
    bt = shutil.which("bpftrace")
    if bt:
        tools["bpftrace"] = [bt, "-e", PROG]
    else:
        print("bpftrace not installed: comparing against the libbpf floor only", file=sys.stderr)
    res = {k: ([], []) for k in tools}
    for k, argv in tools.items():  # warm the page cache once
        measure(argv)
    for _ in range(a.runs):
        for k, argv in tools.items():
            w, r = measure(argv)
            res[k][0].append(w)
            res[k][1].append(r)
    med = {k: (statistics.median(v[0]), statistics.median(v[1])) for k, v in res.items()}
    print(f"{'tool':10} {'median wall ms':>15} {'peak RSS MB':>12}   ({a.runs} runs each, alternating)")
    for k, (w, r) in med.items():
        print(f"{k:10} {w:15.1f} {r:12.1f}")
    s = med["scry"]
    if "bpftrace" in med:
        b = med["bpftrace"]
        print(f"scry/bpftrace: wall {s[0] / b[0]:.3f} (target <= 0.200), RSS {s[1] / b[1]:.3f} (target <= 0.333)")
    l = med["libbpf"]
    print(f"scry/libbpf:   wall {s[0] / l[0]:.2f}, RSS {s[1] / l[1]:.2f}")


if __name__ == "__main__":
    main()
