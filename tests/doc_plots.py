#!/usr/bin/env python3
"""Runs every `vmsim plot` command of the documentation on a small sweep.

Usage: VMSIM=bin/vmsim python3 tests/doc_plots.py   (`make test` runs it)

The commands are extracted from README.md, docs/*.md and the Makefile (lines
`vmsim plot DIR ...` or `$(BIN)/vmsim plot DIR ...`). DIR names the sweep of a
scenario (out/fig1 -> scenarios/paper/fig1.json, out/whatif-NAME ->
scenarios/whatif/NAME.json, out/lockloop -> the lock-loop example of
docs/sweep.md); the test runs that sweep small (the first two values of every
axis, plus any value a --where asks for; 2 seeds; a short simulated time),
then the plot command with DIR and -o moved into a temporary directory, and
checks that the pictures it promises are there and not empty. A command whose
DIR is not known fails: add its scenario to SWEEPS."""
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

SRC = os.environ.get("VMSIM_SRC") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VMSIM = os.path.abspath(os.environ.get("VMSIM", os.path.join(SRC, "bin/vmsim")))
SHORT = ["--set", "duration_s=0.05", "--set", "warmup_s=0.005"]
LOCKLOOP_SWEEP = ('{"axes": [{"path": "workload.threads", "values": [1, 2, 4, 8]}, '
                  '{"path": "guest.lock.algorithm", "name": "lock", "values": ["ticket", "mcs"]}], '
                  '"seeds": [1, 2, 3]}')


def scenario_of(d):
    """The scenario file and extra --set options of the sweep in directory d."""
    name = os.path.basename(d.rstrip("/"))
    if name in ("fig1", "fig1-quick"):
        return "scenarios/paper/fig1.json", []
    if name.startswith("whatif-"):
        return "scenarios/whatif/%s.json" % name[7:], []
    if name == "lockloop":
        return "scenarios/micro/lockloop.json", ["--set", "sweep=" + LOCKLOOP_SWEEP]
    return None, None


def commands():
    """(file, line, argv after 'plot') of every documented plot command."""
    out = []
    files = [os.path.join(SRC, "README.md"), os.path.join(SRC, "Makefile")]
    files += sorted(glob.glob(os.path.join(SRC, "docs", "*.md")))
    pat = re.compile(r"^\s*(?:\$\(BIN\)/|bin/)?vmsim plot (.*)$")
    for f in files:
        for i, line in enumerate(open(f, encoding="utf-8"), 1):
            m = pat.match(line.rstrip("\n"))
            if not m or "..." in m.group(1) or m.group(1).startswith("DIR"):
                continue  # a usage line, not a command
            text = m.group(1).split(" #")[0].strip()
            out.append((os.path.relpath(f, SRC), i, shlex.split(text)))
    return out


def small_sets(scn, wheres):
    """--set options that cut the scenario's sweep to two values per axis."""
    doc = json.load(open(os.path.join(SRC, scn)))
    sets = []
    for k, ax in enumerate(doc.get("sweep", {}).get("axes", [])):
        if "set" in ax:
            continue  # an axis of named settings: its "set" names every value
        vals = ax["values"][:2]
        name = ax.get("name", ax.get("path"))
        for col, v in wheres:
            if col == name and v not in [str(x) for x in vals]:
                vals = [x for x in ax["values"] if str(x) == v][:1] + vals[:1]
        sets += ["--set", "sweep.axes.%d.values=%s" % (k, json.dumps(vals))]
    return sets + ["--set", "sweep.seeds=[1,2]"]


def main():
    tmp = tempfile.mkdtemp(prefix="vmsim-docplots.")
    cmds = commands()
    ran, failed = {}, 0
    for f, line, argv in cmds:
        where = "%s:%d: vmsim plot %s" % (f, line, " ".join(argv))
        d = argv[0]
        if d == "--series":  # a run's time series: make one with the teaching run
            csv = os.path.join(tmp, "series%d.csv" % line)
            r = subprocess.run([VMSIM, "run", os.path.join(SRC, "scenarios/teaching/overcommit.json"),
                                "-q", "-o", "/dev/null", "--series", csv, "--interval", "5ms"],
                               capture_output=True, text=True)
            args = ["--series", csv] + argv[2:]
            prefix = os.path.join(tmp, "series%d" % line)
            if "-o" in args:
                k = args.index("-o")
                prefix = os.path.join(tmp, "out%d" % line, os.path.basename(args[k + 1]))
                args[k + 1] = prefix
            m = re.match(r"(.*)\.(png|svg|pdf)$", prefix)
            want = [prefix] if m else [prefix + ".png", prefix + ".svg"]
            r2 = subprocess.run([VMSIM, "plot"] + args, capture_output=True, text=True, cwd=tmp)
            missing = [w for w in want if not os.path.isfile(w) or os.path.getsize(w) == 0]
            if r.returncode or r2.returncode or missing:
                print("FAIL %s: exit %d/%d, missing %s: %s" % (where, r.returncode, r2.returncode,
                                                             missing, (r.stderr + r2.stderr)[:400]))
                failed += 1
            else:
                print("ok   %s" % where)
            continue
        if d.endswith(".csv") and os.path.isfile(os.path.join(SRC, d)):
            ran.setdefault(("csv", d), os.path.join(SRC, d))  # a kept table: no sweep
            scn, extra = "csv", []
        else:
            scn, extra = scenario_of(d)
        if not scn:
            print("FAIL %s: no scenario known for %s (add it to tests/doc_plots.py)" % (where, d))
            failed += 1
            continue
        wheres = [tuple(argv[i + 1].split("=", 1)) for i, a in enumerate(argv) if a == "--where"]
        key = ("csv", d) if scn == "csv" else (scn, tuple(wheres))
        sdir = os.path.join(tmp, "sweep%d" % len(ran)) if key not in ran else ran[key]
        if key not in ran:
            ran[key] = sdir
            r = subprocess.run([VMSIM, "sweep", os.path.join(SRC, scn), "-o", sdir, "-j", "2", "-q"]
                               + SHORT + extra + small_sets(scn, wheres),
                               capture_output=True, text=True, cwd=SRC)
            if r.returncode != 0:
                print("FAIL %s: the sweep failed: %s" % (where, r.stderr.strip()[:400]))
                failed += 1
                continue
        args = [sdir] + argv[1:]
        prefix = os.path.join(sdir, "plot")
        if scn == "csv" and "-o" not in args:  # never write beside the kept table
            prefix = os.path.join(tmp, "plot%d" % line)
            args += ["-o", prefix]
        if "-o" in args:
            k = args.index("-o")
            prefix = os.path.join(tmp, "out%d" % line, os.path.basename(args[k + 1]))
            args[k + 1] = prefix
        r = subprocess.run([VMSIM, "plot"] + args, capture_output=True, text=True, cwd=tmp)
        m = re.match(r"(.*)\.(png|svg|pdf)$", prefix)
        want = [prefix] if m else [prefix + ".png", prefix + ".svg"]
        if "--locks" in args:
            base, ext = (m.group(1), [m.group(2)]) if m else (prefix, ["png", "svg"])
            want += ["%s-locks.%s" % (base, e) for e in ext]
        missing = [w for w in want if not os.path.isfile(w) or os.path.getsize(w) == 0]
        if r.returncode != 0 or missing:
            print("FAIL %s: exit %d, missing %s: %s" % (where, r.returncode, missing,
                                                       r.stderr.strip()[:400]))
            failed += 1
        else:
            print("ok   %s" % where)
    if len(cmds) < 8:
        print("FAIL only %d plot commands found in the docs" % len(cmds))
        failed += 1
    print("doc_plots: %d commands, %d failed" % (len(cmds), failed))
    subprocess.run(["rm", "-rf", tmp])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
