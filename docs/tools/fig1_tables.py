#!/usr/bin/env python3
"""The fig1 tables of docs/results.md, made from a sweep's summary.csv.

    python3 docs/tools/fig1_tables.py SUMMARY.csv [RESULTS.md]

prints (or, with RESULTS.md, writes between the markers
<!-- fig1-tables:begin --> and <!-- fig1-tables:end --> of that file) the
per-VM throughput by kernel, VM count and core count with each point's
95 % half-width, and the numbers each of the study's six findings is judged
by (MODEL.md section 1). `make docs-tables` runs it on docs/data/fig1-summary.csv,
so the tables in results.md are never typed by hand.
"""
import csv
import sys
from collections import defaultdict

KERNELS = ["4.1-HVM", "4.1-PVM", "4.2-PVM", "4.1-oticket"]
BEGIN, END = "<!-- fig1-tables:begin -->", "<!-- fig1-tables:end -->"


def load(path):
    rows = list(csv.DictReader(open(path)))
    t, h, n = defaultdict(dict), defaultdict(dict), {}
    for r in rows:
        key = (r["kernel"], int(r["vms"]))
        c = int(r["cores"])
        t[key][c] = float(r["throughput_per_vm_mean"])
        h[key][c] = float(r["throughput_per_vm_ci95"])
        n[(key, c)] = int(r["n"])
    cores = sorted({int(r["cores"]) for r in rows})
    vms = sorted({int(r["vms"]) for r in rows})
    return t, h, n, cores, vms


def fmt(x):
    return f"{x:,.0f}"


def tables(t, h, n, cores, vms):
    out = []
    for v in vms:
        out.append(f"**{v} VM{'s' if v > 1 else ''}** (builds per hour per VM, mean +- 95 % half-width)\n")
        out.append("| kernel | " + " | ".join(str(c) for c in cores) + " |")
        out.append("|---|" + "---|" * len(cores))
        for k in KERNELS:
            cells = []
            for c in cores:
                m, hw = t[(k, v)].get(c), h[(k, v)].get(c)
                cells.append("" if m is None else f"{fmt(m)} +-{fmt(hw)}")
            out.append(f"| {k} | " + " | ".join(cells) + " |")
        out.append("")
    rel = [h[(k, v)][c] / t[(k, v)][c] for k in KERNELS for v in vms for c in cores
           if t[(k, v)].get(c)]
    seeds = sorted({x for x in n.values()})
    out.append(f"Seeds per point: {', '.join(map(str, seeds))}. Relative 95 % half-widths: "
               f"median {sorted(rel)[len(rel) // 2] * 100:.1f} %, largest {max(rel) * 100:.1f} %; "
               f"{sum(r <= 0.05 for r in rel)} of {len(rel)} points within 5 %.\n")
    return out


def ratio_row(label, xs, cores, digits=2):
    return f"| {label} | " + " | ".join("" if x is None else f"{x:.{digits}f}" for x in xs) + " |"


def findings(t, cores, vms):
    out = ["**The findings in numbers** (ratios of the means above)\n"]
    hdr = "| ratio | " + " | ".join(str(c) for c in cores) + " |"
    sep = "|---|" + "---|" * len(cores)

    def r(a, b):
        return [t[a].get(c) / t[b][c] if t[a].get(c) and t[b].get(c) else None for c in cores]

    out += ["1-4. One VM against bare metal (4.1-HVM), and bare metal against its own 60-core value:\n",
            hdr, sep]
    bm = t[("4.1-HVM", 1)]
    out.append(ratio_row("bare metal / bare metal at 60", [bm.get(c, 0) / bm[60] if 60 in bm else None
                                                          for c in cores], cores))
    for k in KERNELS[1:]:
        out.append(ratio_row(f"{k} / bare metal", r((k, 1), ("4.1-HVM", 1)), cores))
    out.append(ratio_row("4.2-PVM / 4.1-PVM", r(("4.2-PVM", 1), ("4.1-PVM", 1)), cores))
    out.append("")
    for v in vms:
        if v == 1:
            continue
        out += [f"5-6. {v} VMs: each VM against one VM alone (the study: below 1/2 at 2 VMs, "
                f"lower still at 4 and 10), o-ticket against 4.1, and all VMs' builds against "
                f"bare metal running the same {v} builds:\n", hdr, sep]
        for k in KERNELS:
            out.append(ratio_row(f"{k}, {v} VMs / 1 VM", r((k, v), (k, 1)), cores))
        out.append(ratio_row(f"o-ticket / 4.1-PVM, {v} VMs", r(("4.1-oticket", v), ("4.1-PVM", v)),
                             cores))
        for k in KERNELS[1:]:
            out.append(ratio_row(f"{k} / bare metal, {v} VMs", r((k, v), ("4.1-HVM", v)), cores))
        out.append("")
    return out


def scoreboard(t, cores, vms):
    """Each finding as a test of the means, with the reading of its words
    written out (MODEL.md section 1 gives only the words)."""
    def v(k, n, c):
        return t[(k, n)].get(c)

    def ok(x):
        return "holds" if x else "**does not hold**"

    bm = {c: v("4.1-HVM", 1, c) for c in cores}
    rows = []
    big = [c for c in cores if c >= 60]
    peak = max(bm.values())
    f1 = bm.get(60) and all(bm[c] <= 1.15 * bm[60] for c in big) and bm[60] >= 0.85 * peak
    rows.append(("1", "bare metal stops improving near 60 cores: every point from 60 on within "
                 "+15 % of the 60-core value, and 60 cores within 15 % of the peak",
                 f"120/60 = {bm[120] / bm[60]:.2f}, peak {fmt(peak)} at "
                 f"{max(bm, key=bm.get)} cores", f1))
    rel41 = {c: v("4.1-PVM", 1, c) / bm[c] for c in cores if bm.get(c)}
    fall = [c for c in cores if rel41.get(c, 1) < 0.6]
    f2 = fall and 40 <= fall[0] <= 50 and all(rel41[c] >= 0.9 for c in cores if c < fall[0])
    rows.append(("2", "4.1-PVM falls sharply from about 40 cores: first below 0.6 of bare metal "
                 "at 40 or 50 cores, within 10 % of it before",
                 f"first below 0.6 at {fall[0] if fall else '-'} cores", bool(f2)))
    relo = {c: v("4.1-oticket", 1, c) / bm[c] for c in cores if bm.get(c)}
    f3 = all(relo[c] >= 0.9 for c in cores if c <= 80)
    rows.append(("3", "o-ticket close to bare metal up to about 80 cores: within 10 % at every "
                 "point up to 80", f"lowest ratio up to 80: "
                 f"{min(relo[c] for c in cores if c <= 80):.2f}", f3))
    col = [c for c in cores if rel41.get(c, 1) < 0.6]
    g = {c: v("4.2-PVM", 1, c) / v("4.1-PVM", 1, c) for c in col}
    f4 = col and all(x > 1 for x in g.values()) and any(v("4.2-PVM", 1, c) < 0.9 * bm[c] for c in cores)
    rows.append(("4", "4.2 better than 4.1 wherever 4.1 has collapsed, and still degrades "
                 "(somewhere below 0.9 of bare metal)",
                 "4.2/4.1 where 4.1 collapsed: " + (f"{min(g.values()):.2f}-{max(g.values()):.2f}"
                                                    if g else "-"), bool(f4)))
    if 2 in vms:
        virt = ["4.1-PVM", "4.2-PVM", "4.1-oticket"]
        r2 = {(k, c): v(k, 2, c) / v(k, 1, c) for k in virt for c in cores if c >= 10}
        f5 = all(x < 0.5 for x in r2.values())
        worst = max(r2, key=r2.get)
        rows.append(("5", "each of 2 VMs below half of one VM, every virtual kernel, 10 cores on",
                     f"{sum(x < 0.5 for x in r2.values())} of {len(r2)} points below 0.5; highest "
                     f"{r2[worst]:.2f} ({worst[0]}, {worst[1]} cores)", f5))
    many = [n for n in vms if n >= 4]
    if many and 2 in vms:
        lower = all(v(k, n, c) / v(k, 1, c) <= v(k, 2, c) / v(k, 1, c) * 1.05
                    for k in ["4.1-PVM", "4.2-PVM", "4.1-oticket"] for n in many for c in cores
                    if c >= 10)
        slight = [v("4.1-oticket", n, c) / v("4.1-PVM", n, c) for n in many for c in cores if c >= 10]
        notfast = [v(k, n, c) / v("4.1-HVM", n, c) for k in ["4.1-PVM", "4.2-PVM", "4.1-oticket"]
                   for n in many for c in cores if c >= 10]
        f6 = lower and all(0.8 <= x <= 1.5 for x in slight) and max(notfast) <= 1
        rows.append(("6", "4 and 10 VMs lower still than 2 (per VM, within 5 %), o-ticket within "
                     "0.8-1.5x of 4.1 there, and no point where the VMs out-build bare metal "
                     "running the same builds",
                     f"o-ticket/4.1 {min(slight):.2f}-{max(slight):.2f}; VMs/bare metal at most "
                     f"{max(notfast):.2f}; lower than 2 VMs: {'yes' if lower else 'no'}", f6))
    out = ["**The six findings as tests** (our reading of the study's words; the thresholds are "
           "ours, MODEL.md gives only the words)\n", "| finding | test | the numbers | verdict |",
           "|---|---|---|---|"]
    for n, test, nums, res in rows:
        out.append(f"| {n} | {test} | {nums} | {ok(res)} |")
    out.append("")
    return out


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    t, h, n, cores, vms = load(sys.argv[1])
    text = "\n".join(scoreboard(t, cores, vms) + tables(t, h, n, cores, vms) + findings(t, cores, vms))
    if len(sys.argv) == 2:
        print(text)
        return
    doc = open(sys.argv[2]).read()
    if BEGIN not in doc or END not in doc:
        sys.exit(f"{sys.argv[2]}: no {BEGIN} ... {END} block to fill")
    a, rest = doc.split(BEGIN, 1)
    _, b = rest.split(END, 1)
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w") as f:
        f.write(a + BEGIN + "\n" + text + "\n" + END + b)
    import os
    os.replace(tmp, sys.argv[2])


if __name__ == "__main__":
    main()
