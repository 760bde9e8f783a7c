#!/usr/bin/env python3
"""How much the seeds' common random numbers correlate the kernels of a sweep.

    python3 docs/tools/crn.py RESULTS.csv [METRIC]

For every pair of kernels, pooled over the (VM count, core count) points
that have the same seeds: the variance of the seed-by-seed difference of the logarithms,
ln A - ln B, against Var ln A + Var ln B (what independent streams would
give); logarithms so that no point dominates by its scale. A ratio below 1
means the common random numbers make the comparison of the two kernels more
precise than each curve: the effective correlation is 1 - ratio.
"""
import csv
import sys
from collections import defaultdict
from itertools import combinations
from math import log
from statistics import variance


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    metric = sys.argv[2] if len(sys.argv) == 3 else "throughput_per_vm"
    rows = list(csv.DictReader(open(sys.argv[1])))
    by = defaultdict(dict)  # (vms, cores) -> kernel -> seed -> value
    for r in rows:
        v = float(r[metric])
        if v > 0:
            by[(r["vms"], r["cores"])].setdefault(r["kernel"], {})[r["seed"]] = log(v)
    kernels = sorted({r["kernel"] for r in rows})
    print("| kernels | points | Var(ln A - ln B) / (Var ln A + Var ln B) | effective correlation |")
    print("|---|---|---|---|")
    for a, b in combinations(kernels, 2):
        num = den = 0.0
        n = 0
        for pt, ks in by.items():
            if a not in ks or b not in ks or int(pt[1]) < 10:
                continue
            seeds = sorted(set(ks[a]) & set(ks[b]))
            if len(seeds) < 3:
                continue
            xa = [ks[a][s] for s in seeds]
            xb = [ks[b][s] for s in seeds]
            d = [x - y for x, y in zip(xa, xb)]
            num += variance(d)
            den += variance(xa) + variance(xb)
            n += 1
        if n and den > 0:
            print(f"| {a} vs {b} | {n} | {num / den:.2f} | {1 - num / den:+.2f} |")


if __name__ == "__main__":
    main()
