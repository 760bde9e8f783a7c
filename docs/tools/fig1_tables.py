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


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    t, h, n, cores, vms = load(sys.argv[1])
    text = "\n".join(tables(t, h, n, cores, vms) + findings(t, cores, vms))
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
