#!/usr/bin/env python3
"""Differential test: runs each program in cases.txt with scry and with Debian's bpftrace 0.17
(an oracle only) and compares their stdout after removing the known, documented 0.17 -> newest
format differences (the reference's section 0):
  - 0.17 prints "Attaching N probes..." on stdout; newest prints "Attached N probes" on stderr
  - 0.17 writes "@h: " (trailing space) before a histogram; newest "@h:"
  - 0.17 prints avg/stats maps followed by a blank line and stats as "count 2, average 15,
    total 31"; newest as "{ .count = 2, .average = 15, .total = 31 }" with no blank line
Programs use 0.17's spellings (BEGIN, args->x). Exit 77 (skip) when bpftrace is not installed.

With --format json both run with -f json (and without -q, so the attached_probes object is compared
too); the documented 0.17 -> newest JSON differences are removed from 0.17's output:
  - 0.17 has no "count" field in attached_probes / lost_events; newest has
    {"type": "attached_probes", "count": N, "data": {"probes": N}}
  - 0.17 prints two empty lines at the end of the run (end()); newest prints nothing
  - 0.17 separates histogram buckets with ", "; newest with "," ({...},{...})
Not normalised, so left out of the JSON cases: string keys containing spaces (newest removes every
space from a key, 0.17 only those of tuple separators), integers a double cannot hold (newest prints
them as strings), buffers (newest: arrays), non-ASCII text (0.17 sign-extends it to "\uffffffc3").
Usage: run_diff.py [--format text|json] --scry BIN cases.txt"""
import argparse
import os
import re
import shutil
import subprocess
import sys


def normalize_017(out):
    lines = out.split("\n")
    res = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.fullmatch(r"Attaching \d+ probes?\.\.\.", line):
            i += 1
            continue
        m = re.fullmatch(r"(@.*): count (-?\d+), average (-?\d+), total (-?\d+)", line)
        if m:
            res.append(f"{m.group(1)}: {{ .count = {m.group(2)}, .average = {m.group(3)}, .total = {m.group(4)} }}")
            if i + 1 < len(lines) and lines[i + 1] == "":
                i += 1  # newest prints no blank line after stats
            i += 1
            continue
        if re.fullmatch(r"@[^ ]*: ", line):
            line = line[:-1]
        res.append(line)
        i += 1
    return "\n".join(res)


def normalize_avg_blank(out, prog):
    # 0.17 also follows avg maps with a blank line: drop a blank line after a line of an avg map
    names = set(re.findall(r"(@\w*)(?:\[[^\]]*\])?\s*=\s*avg\(", prog))
    lines = out.split("\n")
    res = []
    for i, line in enumerate(lines):
        if line == "" and res and any(res[-1].startswith(n + ":") or res[-1].startswith(n + "[") for n in names) \
                and i + 1 < len(lines) and lines[i + 1] != "":
            continue
        res.append(line)
    return "\n".join(res)


def normalize_017_json(out):
    res = []
    for line in out.split("\n"):
        if line == "":
            continue  # end() of 0.17 prints two newlines; newest JSON mode prints nothing
        m = re.fullmatch(r'\{"type": "(attached_probes|lost_events)", "data": \{"(probes|events)": (\d+)\}\}', line)
        if m:
            line = f'{{"type": "{m.group(1)}", "count": {m.group(3)}, "data": {{"{m.group(2)}": {m.group(3)}}}}}'
        elif line.startswith('{"type": "hist", '):
            line = line.replace('}, {"m', '},{"m')  # bucket objects start with "min" or "max"
        res.append(line)
    return "\n".join(res) + ("\n" if res else "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scry", required=True)
    ap.add_argument("--format", choices=["text", "json"], default="text")
    ap.add_argument("cases")
    a = ap.parse_args()
    bt = shutil.which("bpftrace")
    if not bt:
        print("SKIP: bpftrace is not installed (scripts/test.sh installs it as an oracle)")
        return 77
    if os.geteuid() != 0:
        print("SKIP: needs root")
        return 77
    passed = failed = 0
    for n, prog in enumerate(l for l in open(a.cases).read().split("\n") if l and not l.startswith("#")):
        if a.format == "json":
            s = subprocess.run([a.scry, "-f", "json", "-e", prog], capture_output=True, text=True, timeout=30)
            b = subprocess.run([bt, "-f", "json", "-e", prog], capture_output=True, text=True, timeout=60)
            want = normalize_017_json(b.stdout)
        else:
            s = subprocess.run([a.scry, "-q", "-e", prog], capture_output=True, text=True, timeout=30)
            b = subprocess.run([bt, "-e", prog], capture_output=True, text=True, timeout=60)
            want = normalize_avg_blank(normalize_017(b.stdout), prog)
        if s.returncode == 0 and b.returncode == 0 and s.stdout == want:
            passed += 1
            print(f"PASS {n + 1}: {prog}")
        else:
            failed += 1
            print(f"FAIL {n + 1}: {prog}\nscry (exit {s.returncode}):\n{s.stdout}{s.stderr}\n"
                  f"bpftrace 0.17, normalised (exit {b.returncode}):\n{want}\n{b.stderr}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
