#!/usr/bin/env python3
"""A dataset held out of every fold of the cross-validation.

    python3 docs/tools/xval_heldout.py --name NAME --scenario S.json --measured M.csv
        [--normalize first|max|none] [--vmsim BIN] [--jobs N] [--seeds N] [--out DIR]
        [--doc VALIDATION.md] [--text FILE]

`make xval` fits the costs on four datasets, one left out at a time
(docs/data/xval.json). A dataset that is in none of its fits - the dbench rows
(L6), as fig1 is for docs/tools/xval_fig1.py - is predicted at every fold's
fitted vector and at the fit on all: `vmsim validate` at each vector, and the
scenario as it stands. Only wake_ns and coherence_ns are passed (the datasets
this is for have no background activity, where background_burst_ns does
nothing), rounded to 5 significant digits as docs/data/xval.txt prints them.
Prints a Markdown table (MAPE, RMS log error, CI coverage and each normalised
row's prediction against its measurement) and writes it to --text and, with
--doc, between <!-- xval-NAME:begin --> and <!-- xval-NAME:end -->.
"""
import argparse
import json
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import xval_fig1  # noqa: E402  (vectors, scenario_costs, write_atomic, fill_block)


def validate(a, out, vec):
    cmd = [a.vmsim, "validate", a.scenario, "--measured", a.measured, "--normalize", a.normalize,
           "--seeds", str(a.seeds), "-j", str(a.jobs), "-o", out, "-q", "--no-plot"]
    if vec is not None:
        for p in xval_fig1.PARAMS:
            cmd += ["--set", f"{p}={vec[p]:.5g}"]
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode
    if rc != 0:
        sys.exit(f"xval_heldout: vmsim validate into {out} failed (exit {rc}, its message above)")
    return json.load(open(os.path.join(out, "validation.json")))


def row_label(pt):
    return ", ".join(f"{k}={v}" for k, v in pt["axes"].items())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--name", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--measured", required=True)
    ap.add_argument("--normalize", default="first")
    ap.add_argument("--vmsim", default="bin/vmsim")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out")
    ap.add_argument("--xval", default="docs/data/xval.json")
    ap.add_argument("--doc")
    ap.add_argument("--text")
    a = ap.parse_args()
    out = a.out or f"out/xval-{a.name}"
    xval = json.load(open(a.xval))
    rows, header, measured = [], None, []
    for label, tag, vec in xval_fig1.vectors(xval):
        v = validate(a, os.path.join(out, tag), vec)
        pts = [p for p in v["points"] if not p["reference"]]
        logs = [math.log(p["predicted_mean"] / p["measured"]) for p in pts
                if p["predicted_mean"] > 0 and p["measured"] > 0]
        rms = math.sqrt(sum(x * x for x in logs) / len(logs)) if logs else float("nan")
        s = v["summary"]
        shown = vec or xval_fig1.scenario_costs(a.scenario)
        if header is None:
            header = [row_label(p) for p in pts]
            measured = [f"{p['measured']:.3g}" for p in pts]
        cells = [f"{p['predicted_mean']:.3g}" for p in pts]
        rows.append(f"| {label} | {shown['host.costs.wake_ns'] / 1000:.1f} us | "
                    f"{shown['host.costs.coherence_ns']:.1f} ns | {s['mape_pct']:.1f} % / {rms:.3f} | "
                    f"{s['inside_ci']} of {len(pts)} | " + " | ".join(cells) + " |")
    lines = ["| vector | wake_ns | coherence_ns | MAPE / RMS log | in CI | " + " | ".join(header) + " |",
             "|---|---|---|---|---|" + "---|" * len(header),
             "| measured | | | | | " + " | ".join(measured) + " |"] + rows
    text = "\n".join(lines) + "\n"
    print(text, end="")
    if a.text:
        xval_fig1.write_atomic(a.text, text)
    if a.doc:
        xval_fig1.fill_block(a.doc, f"<!-- xval-{a.name}:begin -->", f"<!-- xval-{a.name}:end -->", text)


if __name__ == "__main__":
    main()
