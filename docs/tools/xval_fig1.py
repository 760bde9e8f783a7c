#!/usr/bin/env python3
"""The study's findings as a held-out dataset of the cross-validation.

    python3 docs/tools/xval_fig1.py [--vmsim BIN] [--jobs N] [--out DIR] [--doc VALIDATION.md]

For every fold of `make xval` (docs/data/xval.json: the costs fitted with one
dataset held out) and for the fit on all datasets, runs the fig1 sweep
(scenarios/paper/fig1.json, 624 runs) at that fold's fitted vector and judges
the six findings with the tests of docs/results.md (docs/tools/fig1_tables.py,
scoreboard). None of the folds saw fig1, so every row is held out. Only
wake_ns and coherence_ns are passed: fig1 has no background activity
(hypervisor.background_share 0), where background_burst_ns has no effect.
The values are passed rounded to 5 significant digits, as docs/data/xval.txt
prints them. Sweeps resume (a killed run continues where it stopped). Prints
the table and writes it to docs/data/xval-fig1.txt and, with --doc, between
the markers <!-- xval-fig1:begin --> and <!-- xval-fig1:end -->. The last
row, the scenario's own values, is docs/data/fig1-summary.csv (make
docs-tables), not run again.
About 2-3 minutes a sweep on 2 cores.
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fig1_tables  # noqa: E402

PARAMS = ["host.costs.wake_ns", "host.costs.coherence_ns"]
BEGIN, END = "<!-- xval-fig1:begin -->", "<!-- xval-fig1:end -->"


def vectors(xval):
    cv = xval["cv_datasets"]["folds"]
    rows = [(f"held out {f['held_out']} (fit on the others)", "heldout-" + f["held_out"], f["fitted"])
            for f in cv]
    rows.append(("fit on all", "all", {p["path"]: p["fitted"] for p in xval["calibration"]["params"]}))
    rows.append(("the scenario's own values", "scenario", None))
    return rows


def scenario_costs(path="scenarios/paper/fig1.json"):
    """The scenario's own host.costs values of PARAMS, as the loader resolves
    them: the preset's costs, then the scenario's host.costs over them."""
    sc = json.load(open(path))
    host = sc.get("host", {})
    costs = {}
    if "preset" in host:
        preset = os.path.join(os.path.dirname(path), "..", "hosts", host["preset"] + ".json")
        costs.update(json.load(open(preset)).get("costs", {}))
    costs.update(host.get("costs", {}))
    out = {}
    for p in PARAMS:
        key = p.split(".")[-1]
        if key not in costs:
            sys.exit(f"xval_fig1: {path}: no {p} in the scenario or its preset")
        out[p] = costs[key]
    return out


def sweep(vmsim, out, vec, jobs):
    if vec is None:  # the scenario as it stands: the sweep docs/results.md shows
        return "docs/data/fig1-summary.csv"
    cmd = [vmsim, "sweep", "scenarios/paper/fig1.json", "-o", out, "-j", str(jobs), "-q", "--resume"]
    for p in PARAMS:
        cmd += ["--set", f"{p}={vec[p]:.5g}"]
    rc = subprocess.run(cmd).returncode
    if rc != 0:
        sys.exit(f"xval_fig1: the sweep into {out} failed (vmsim exit {rc}, its message above); "
                 f"if docs/data/xval.json changed since that sweep ran, remove {out} and run again")
    return os.path.join(out, "summary.csv")


def judge(summary):
    t, _, _, cores, vms = fig1_tables.load(summary)
    rows = fig1_tables.scoreboard(t, cores, vms)
    verdicts, numbers = [], []
    for line in rows[3:]:
        if not line.startswith("| "):
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        verdicts.append("yes" if cells[3] == "holds" else "no")
        numbers.append(cells[2])
    return verdicts, numbers


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vmsim", default="bin/vmsim")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default="out/xval-fig1")
    ap.add_argument("--xval", default="docs/data/xval.json")
    ap.add_argument("--doc")
    a = ap.parse_args()
    xval = json.load(open(a.xval))
    lines = ["| vector | wake_ns | coherence_ns | findings that hold | 1: bare metal | "
             "2: 4.1 in a VM | 5: 2 VMs per VM / 1 VM | 6: o-ticket / 4.1 at 4 and 10 VMs |",
             "|---|---|---|---|---|---|---|---|"]
    for label, name, vec in vectors(xval):
        summary = sweep(a.vmsim, os.path.join(a.out, name), vec, a.jobs)
        ok, nums = judge(summary)
        held = ", ".join(str(i + 1) for i, v in enumerate(ok) if v == "yes") or "none"
        shown = vec or scenario_costs()
        w = f"{shown['host.costs.wake_ns'] / 1000:.{1 if vec else 0}f} us"
        c = f"{shown['host.costs.coherence_ns']:.{1 if vec else 0}f} ns"
        f6 = nums[5].split(";")[0] if len(nums) > 5 else "-"
        lines.append(f"| {label} | {w} | {c} | {sum(v == 'yes' for v in ok)} of 6: {held} | "
                     f"{nums[0]} | {nums[1]} | {nums[4] if len(nums) > 4 else '-'} | {f6} |")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    os.makedirs("docs/data", exist_ok=True)
    write_atomic("docs/data/xval-fig1.txt", text)
    if a.doc:
        fill_block(a.doc, BEGIN, END, text)


def write_atomic(path, text):
    """Writes text to path through a temporary file (never half-written)."""
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def fill_block(doc, begin, end, text):
    """Replaces what stands between the markers begin and end of file doc."""
    s = open(doc).read()
    if begin not in s or end not in s:
        sys.exit(f"{doc}: no {begin} ... {end} block to fill")
    head, rest = s.split(begin, 1)
    _, tail = rest.split(end, 1)
    write_atomic(doc, head + begin + "\n" + text + end + tail)


if __name__ == "__main__":
    main()
