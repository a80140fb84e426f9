#!/usr/bin/env python3
"""Runtime test runner: runs the real scry binary against the real kernel (as root).

A .test file holds one or more cases, each starting with a NAME line. Fields (one per line,
"KEY value"; a value may continue on following lines indented by a tab or four spaces):

  NAME x               case name
  PROG text            program passed with -e (required unless RUN is given)
  RUN args             extra command-line arguments (shell-split), placed before -e PROG;
                       with no PROG the whole command line after the binary
  PARAMS args          positional parameters after the program (shell-split)
  STDIN text           text fed to standard input (escape sequences \\n decoded)
  EXPECT text          a stdout line that must appear (in order with other EXPECTs)
  EXPECT_REGEX re      a stdout line that must fully match re (in order with EXPECTs)
  EXPECT_NONE re       no stdout line may match re
  EXPECT_STDOUT        exact stdout: the following lines up to a line "END" (tabs kept)
  EXPECT_STDERR text   a stderr line that must appear
  EXPECT_STDERR_REGEX  a stderr line that must fully match re
  EXIT n               expected exit status (default 0)
  TIMEOUT s            seconds before the case fails (default 10)
  REQUIRES cmd         shell command; when it fails the case is skipped, with cmd as the reason
  WORKLOAD cmd         shell command run once every probe is attached
  SIGINT_AFTER s       send SIGINT this many seconds after attach (after WORKLOAD if any)
  SIGTERM_AFTER s      the same with SIGTERM
  ENV k=v              extra environment variable
  CHECK cmd            shell command run after scry exits; it must succeed ($SCRY is the binary)
  BACKGROUND cmd       shell command started before scry; ${PID} in RUN/PROG/PARAMS is its pid;
                       it is killed after the case if still running

Exit status: 0 all passed (some may have been skipped), 1 a case failed, 77 every case skipped.
"""
import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time

NOTIFY = "__BPFTRACE_NOTIFY_PROBES_ATTACHED"


def parse_cases(path):
    cases, cur, key = [], None, None
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            key = None
            continue
        if (line.startswith("\t") or line.startswith("    ")) and cur is not None and key:
            cur[key][-1] += "\n" + line.lstrip("\t") if line.startswith("\t") else "\n" + line[4:]
            continue
        k, _, v = line.partition(" ")
        if k == "NAME":
            cur = {"NAME": [v]}
            cases.append(cur)
            key = "NAME"
            continue
        if cur is None:
            raise SystemExit(f"{path}: field {k} before NAME")
        if k == "EXPECT_STDOUT":
            block = []
            while i < len(lines) and lines[i] != "END":
                block.append(lines[i])
                i += 1
            i += 1
            cur.setdefault(k, []).append("\n".join(block) + ("\n" if block else ""))
            key = None
            continue
        cur.setdefault(k, []).append(v)
        key = k
    return cases


def one(case, field, default=None):
    v = case.get(field)
    return v[-1] if v else default


def run_case(scry, case):
    name = one(case, "NAME")
    for req in case.get("REQUIRES", []):
        if subprocess.run(req, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
            return "skip", f"requirement not met: {req}"
    if os.geteuid() != 0:
        return "skip", "runtime tests need root (BPF)"
    argv = [scry]
    run = one(case, "RUN")
    prog = one(case, "PROG")
    bg = None
    if one(case, "BACKGROUND"):
        bg = subprocess.Popen(["sh", "-c", "exec " + one(case, "BACKGROUND")], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        sub = lambda x: x.replace("${PID}", str(bg.pid)) if x is not None else x
        run, prog = sub(run), sub(prog)
        case = dict(case, PARAMS=[sub(v) for v in case.get("PARAMS", [])])
    try:
        return run_scry(scry, case, argv, run, prog)
    finally:
        if bg is not None and bg.poll() is None:
            bg.kill()
            bg.wait()


def run_scry(scry, case, argv, run, prog):
    if run:
        srcdir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        argv += shlex.split(run.replace("${SRCDIR}", srcdir).replace("${BUILDDIR}", os.environ.get("BUILDDIR", "")))
    if prog is not None:
        argv += ["-e", prog]
    if one(case, "PARAMS"):
        argv += shlex.split(one(case, "PARAMS"))
    env = dict(os.environ)
    env[NOTIFY] = "1"
    for kv in case.get("ENV", []):
        k, _, v = kv.partition("=")
        env[k] = v
    timeout = float(one(case, "TIMEOUT", "10"))
    stdin_text = one(case, "STDIN")
    p = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    out_lines, err_chunks = [], []
    attached = threading.Event()

    def read_out():
        for line in p.stdout:
            if line.rstrip("\n") == NOTIFY:
                attached.set()
            else:
                out_lines.append(line)
        attached.set()  # process ended (possibly without attaching)

    def read_err():
        err_chunks.append(p.stderr.read())

    threads = [threading.Thread(target=read_out), threading.Thread(target=read_err)]
    for t in threads:
        t.start()
    if stdin_text is not None:
        p.stdin.write(stdin_text.encode().decode("unicode_escape"))
        p.stdin.close()
    deadline = time.monotonic() + timeout
    workload = one(case, "WORKLOAD")
    sigint_after = one(case, "SIGINT_AFTER")
    sig = signal.SIGINT
    if one(case, "SIGTERM_AFTER") is not None:
        sigint_after, sig = one(case, "SIGTERM_AFTER"), signal.SIGTERM
    attached.wait(timeout)
    if p.poll() is None and time.monotonic() < deadline:
        if workload:
            subprocess.run(workload, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=max(1.0, deadline - time.monotonic()))
        if sigint_after is not None:
            time.sleep(float(sigint_after))
            if p.poll() is None:
                p.send_signal(sig)
    timed_out = False
    try:
        p.wait(timeout=max(0.5, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        timed_out = True
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    for t in threads:
        t.join()
    out = "".join(out_lines)
    err = "".join(err_chunks)
    if timed_out:
        return "fail", f"timed out after {timeout}s\nstdout:\n{out}\nstderr:\n{err}"
    problems = []
    want_exit = int(one(case, "EXIT", "0"))
    if p.returncode != want_exit:
        problems.append(f"exit status {p.returncode}, expected {want_exit}")
    olines = out.split("\n")
    pos = 0
    for k, v in case.get("_ordered", []):
        found = False
        while pos < len(olines):
            line = olines[pos]
            pos += 1
            if (k == "EXPECT" and line == v) or (k == "EXPECT_REGEX" and re.fullmatch(v, line)):
                found = True
                break
        if not found:
            problems.append(f"missing stdout line ({k}): {v!r}")
            pos = 0
    for v in case.get("EXPECT_NONE", []):
        for line in olines:
            if re.fullmatch(v, line):
                problems.append(f"unexpected stdout line matching {v!r}: {line!r}")
    for v in case.get("EXPECT_STDOUT", []):
        if out != v:
            problems.append("stdout differs from EXPECT_STDOUT:\n--- expected\n" + v + "--- got\n" + out)
    elines = err.split("\n")
    for v in case.get("EXPECT_STDERR", []):
        if v not in elines:
            problems.append(f"missing stderr line: {v!r}")
    for v in case.get("EXPECT_STDERR_REGEX", []):
        if not any(re.fullmatch(v, line) for line in elines):
            problems.append(f"no stderr line matches: {v!r}")
    for c in case.get("CHECK", []):
        r = subprocess.run(c, shell=True, capture_output=True, text=True, env=dict(os.environ, SCRY=scry))
        if r.returncode:
            problems.append(f"CHECK failed: {c}\n{r.stdout}{r.stderr}")
    if problems:
        return "fail", "\n".join(problems) + f"\ncommand: {shlex.join(argv)}\nstdout:\n{out}\nstderr:\n{err}"
    return "pass", ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scry", required=True)
    ap.add_argument("--builddir", help="build directory (${BUILDDIR} in RUN; $BUILDDIR in shell fields)")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    if a.builddir:
        os.environ["BUILDDIR"] = os.path.abspath(a.builddir)
    passed = failed = skipped = 0
    for f in a.files:
        for case in parse_cases_ordered(f):
            status, msg = run_case(os.path.abspath(a.scry), case)
            name = f"{os.path.basename(f)}:{one(case, 'NAME')}"
            if status == "pass":
                passed += 1
                print(f"PASS {name}")
            elif status == "skip":
                skipped += 1
                print(f"SKIP {name}: {msg}")
            else:
                failed += 1
                print(f"FAIL {name}\n{msg}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    if failed:
        return 1
    if skipped and not passed:
        return 77
    return 0


def parse_cases_ordered(path):
    """parse_cases, plus the EXPECT/EXPECT_REGEX lines in file order under '_ordered'."""
    cases = parse_cases(path)
    # re-scan to keep the relative order of EXPECT and EXPECT_REGEX lines
    idx = -1
    for line in open(path).read().split("\n"):
        k, _, v = line.partition(" ")
        if k == "NAME":
            idx += 1
            cases[idx]["_ordered"] = []
        elif k in ("EXPECT", "EXPECT_REGEX") and idx >= 0:
            cases[idx]["_ordered"].append((k, v))
    return cases


if __name__ == "__main__":
    sys.exit(main())
