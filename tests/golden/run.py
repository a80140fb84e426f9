#!/usr/bin/env python3
"""Golden compile tests: run scry on a case and compare with the expected output.

Usage: run.py --scry BIN [--update] CASE.bt [CASE.bt ...]

The mode comes from the case's directory (relative to this file's directory):
  parse/   BIN --stop-after=parse -d ast CASE
  sema/    BIN --stop-after=sema -d types CASE
  errors/  BIN --stop-after=sema CASE
scry runs with this directory as its working directory and the case path relative to it, so
diagnostics read "errors/foo.bt:1:5-7: ERROR: ...". The actual output is stdout, then stderr, then a
last line "[exit N]"; it must equal CASE with .bt replaced by .expected. On a mismatch a unified diff
is printed and the exit status is 1. --update rewrites the expected files instead (review the diff
before committing them).
"""
import argparse
import difflib
import os
import subprocess
import sys

GOLDEN_DIR = os.path.dirname(os.path.abspath(__file__))

MODES = {
    "parse": ["--stop-after=parse", "-d", "ast"],
    "sema": ["--stop-after=sema", "-d", "types"],
    "errors": ["--stop-after=sema"],
}


def run_case(scry, case):
    rel = os.path.relpath(os.path.abspath(case), GOLDEN_DIR)
    mode = rel.split(os.sep)[0]
    if mode not in MODES or not rel.endswith(".bt"):
        raise SystemExit(f"{case}: not a golden case (expected {'|'.join(MODES)}/NAME.bt under {GOLDEN_DIR})")
    env = dict(os.environ, LC_ALL="C", NO_COLOR="1")
    try:
        p = subprocess.run([scry] + MODES[mode] + [rel], cwd=GOLDEN_DIR, env=env,
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        out = p.stdout.decode("utf-8", "backslashreplace") + p.stderr.decode("utf-8", "backslashreplace")
        status = p.returncode
    except subprocess.TimeoutExpired as e:
        out = ((e.stdout or b"") + (e.stderr or b"")).decode("utf-8", "backslashreplace")
        status = "timeout"
    if out and not out.endswith("\n"):
        out += "\n"
    return rel, out + f"[exit {status}]\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scry", required=True, help="path to the scry binary")
    ap.add_argument("--update", action="store_true", help="rewrite the expected files")
    ap.add_argument("cases", nargs="+", metavar="CASE.bt")
    args = ap.parse_args()
    scry = os.path.abspath(args.scry)

    failed = 0
    for case in args.cases:
        rel, actual = run_case(scry, case)
        exp_path = os.path.join(GOLDEN_DIR, rel[:-3] + ".expected")
        if args.update:
            old = open(exp_path).read() if os.path.exists(exp_path) else None
            if old != actual:
                with open(exp_path, "w") as f:
                    f.write(actual)
                print(f"updated {os.path.relpath(exp_path, GOLDEN_DIR)}")
            continue
        if not os.path.exists(exp_path):
            print(f"{rel}: missing {os.path.relpath(exp_path, GOLDEN_DIR)} (run with --update and review it)")
            print(actual, end="")
            failed += 1
            continue
        expected = open(exp_path).read()
        if expected != actual:
            sys.stdout.writelines(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                       fromfile=os.path.relpath(exp_path, GOLDEN_DIR),
                                                       tofile=f"{rel} (actual)"))
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
