#!/bin/sh
# make valgrind: one representative run and the hold benchmark under
# valgrind's memcheck; fails on any error or leak.
set -e
VMSIM=${1:-bin/vmsim}
if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2
  exit 1
fi
VG="valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible -q"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
$VG "$VMSIM" run scenarios/teaching/overcommit.json --set duration_s=0.05 --set warmup_s=0.005 \
    --trace "$out/t.json" -o "$out/r.json" -q
$VG "$VMSIM" run scenarios/paper/fig1.json --set host.cores=8 --set vms.count=2 --set duration_s=0.05 \
    --set warmup_s=0.01 -o "$out/g.json" -q
$VG "$VMSIM" bench hold --pending 1000 --events 100000 >/dev/null
$VG "$VMSIM" check scenarios/micro/lockloop.json --set workload.hold.mean_n=1 2>/dev/null || [ $? -eq 2 ]
echo "valgrind: no errors, no leaks"
