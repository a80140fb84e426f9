#!/usr/bin/env python3
"""Runs the examples in a Markdown file: every ```bt block is compiled (through codegen); when an
```output block follows it, the program is also run (as root, with -q) and its stdout must equal
that block exactly. A ```bt-error block must fail, and its ```output block is the exact stderr.
Usage: run_docs.py --scry BIN FILE.md"""
import argparse
import os
import re
import subprocess
import sys

BLOCK = re.compile(r"```(bt|bt-error|output)\n(.*?)```\n", re.S)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scry", required=True)
    ap.add_argument("file")
    a = ap.parse_args()
    text = open(a.file).read()
    blocks = [(m.group(1), m.group(2), m.start(), m.end()) for m in BLOCK.finditer(text)]
    passed = failed = skipped = 0
    for i, (kind, body, start, end) in enumerate(blocks):
        if kind == "output":
            continue
        line = text.count("\n", 0, start) + 1
        prog = body.rstrip("\n")
        out = None
        if i + 1 < len(blocks) and blocks[i + 1][0] == "output" and text[end:blocks[i + 1][2]].strip() == "":
            out = blocks[i + 1][1]
        where = f"{os.path.basename(a.file)}:{line}"
        if kind == "bt-error":
            r = subprocess.run([a.scry, "--stop-after=codegen", "-e", prog], capture_output=True, text=True)
            ok = r.returncode == 1 and (out is None or r.stderr == out)
            detail = f"exit {r.returncode}\nstderr:\n{r.stderr}\nexpected:\n{out}"
        elif out is None or os.geteuid() != 0:
            if out is not None:
                skipped += 1
                print(f"SKIP {where}: running examples needs root (compile-checked only)")
            r = subprocess.run([a.scry, "--stop-after=codegen", "-e", prog], capture_output=True, text=True)
            ok = r.returncode == 0
            detail = f"exit {r.returncode}\nstderr:\n{r.stderr}"
        else:
            r = subprocess.run([a.scry, "-q", "-e", prog], capture_output=True, text=True, timeout=20)
            ok = r.returncode == 0 and r.stdout == out
            detail = f"exit {r.returncode}\nstdout:\n{r.stdout}\nexpected:\n{out}\nstderr:\n{r.stderr}"
        if ok:
            passed += 1
            print(f"PASS {where}")
        else:
            failed += 1
            print(f"FAIL {where}\n{prog}\n{detail}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
