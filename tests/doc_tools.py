#!/usr/bin/env python3
"""The generated blocks of the docs are what their tools make of the data.

Usage: python3 tests/doc_tools.py   (`make test` runs it when python3 is there)

- docs/results.md's fig1 tables (<!-- fig1-tables -->) are exactly what
  docs/tools/fig1_tables.py prints for docs/data/fig1-summary.csv (so a new
  sweep copied there without `make docs-tables` fails here);
- docs/validation.md's xval-fig1 block is docs/data/xval-fig1.txt, and
  docs/tools/xval_fig1.py judges the shipped summary as that file's last row
  says (six verdicts, the findings that hold);
- docs/validation.md's xval block is docs/data/xval.txt, and its xval-L6
  block docs/data/xval-L6.txt (make xval-l6), its xval-switch block
  docs/data/xval-switch.txt (make xval-switch).
Prints one line per check and exits 1 if any failed."""
import os
import subprocess
import sys

SRC = os.environ.get("VMSIM_SRC") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SRC, "docs", "tools"))
import xval_fig1  # noqa: E402

fails = 0


def check(name, ok, why=""):
    global fails
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + why))
    fails += not ok


def block(path, begin, end):
    text = open(os.path.join(SRC, path)).read()
    if begin not in text or end not in text:
        return None
    return text.split(begin, 1)[1].split(end, 1)[0]


os.chdir(SRC)
out = subprocess.run([sys.executable, "docs/tools/fig1_tables.py", "docs/data/fig1-summary.csv"],
                     capture_output=True, text=True)
want = block("docs/results.md", "<!-- fig1-tables:begin -->", "<!-- fig1-tables:end -->")
check("results.md fig1 tables = fig1_tables.py of docs/data/fig1-summary.csv",
      out.returncode == 0 and want is not None and want.strip() == out.stdout.strip(),
      "run make docs-tables" if want is not None else "no fig1-tables block")

def check_block(name, target, fenced=False):
    """validation.md's block between the name markers is docs/data/name.txt
    (inside a ``` fence when fenced), as `make target` writes it."""
    data = open(f"docs/data/{name}.txt").read()
    got = block("docs/validation.md", f"<!-- {name}:begin -->", f"<!-- {name}:end -->")
    if got is not None and fenced:
        got = got.strip().strip("`")
    check(f"validation.md {name} block = docs/data/{name}.txt",
          got is not None and got.strip() == data.strip(), f"run make {target}")
    return data


rows = check_block("xval-fig1", "xval-fig1")
ok, nums = xval_fig1.judge("docs/data/fig1-summary.csv")
held = ", ".join(str(i + 1) for i, v in enumerate(ok) if v == "yes")
last = rows.strip().splitlines()[-1]
check("xval_fig1.judge: six verdicts, as the scenario's row states",
      len(ok) == 6 and len(nums) == 6 and f"of 6: {held} |" in last, f"{ok} against {last}")

check_block("xval", "xval", fenced=True)
check_block("xval-L6", "xval-l6")
check_block("xval-switch", "xval-switch", fenced=True)

sys.exit(1 if fails else 0)
