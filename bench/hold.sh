#!/bin/sh
# make bench: the hold benchmark of vmsim's event set against the plain C++
# std::priority_queue reference (../shared/bench/pq_baseline.cpp when present,
# else bench/pq_baseline.cpp), at P = 1,000 and 100,000 pending events,
# alternating runs (the machine is shared; rates drift between runs) and
# reporting the median ratio per P: of loop wall time (the figure to quote)
# and of loop CPU time (both programs print it; a loaded machine disturbs it
# less).
set -e
VMSIM=${1:-bin/vmsim}
E=${BENCH_EVENTS:-10000000}
ROUNDS=${BENCH_ROUNDS:-5}
REF_SRC=""
for c in ../shared/bench/pq_baseline.cpp bench/pq_baseline.cpp; do
  [ -f "$c" ] && REF_SRC=$c && break
done
REF=""
if [ -n "$REF_SRC" ] && command -v g++ >/dev/null 2>&1; then
  REF=${TMPDIR:-/tmp}/vmsim_pq_baseline.$$
  g++ -O2 -std=c++17 -o "$REF" "$REF_SRC"
fi
T=${TMPDIR:-/tmp}/vmsim_bench.$$
rate() { # "wall-rate cpu-rate": events / loop seconds from a RESULT line
  awk '{for(i=1;i<=NF;i++){split($i,kv,"="); v[kv[1]]=kv[2]}} END{printf "%.0f %.0f\n", v["events"]/v["loop_s"], v["events"]/v["cpu_s"]}'
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
col() { awk -v c="$1" '{print $c}' "$2" | median; }
for P in 1000 100000; do
  : > "$T.v"; : > "$T.r"
  i=0
  while [ $i -lt "$ROUNDS" ]; do
    "$VMSIM" bench hold --pending $P --events "$E" | rate >> "$T.v"
    if [ -n "$REF" ]; then "$REF" $P "$E" 1 | rate >> "$T.r"; fi
    i=$((i+1))
  done
  v=$(col 1 "$T.v"); vc=$(col 2 "$T.v")
  if [ -n "$REF" ]; then
    r=$(col 1 "$T.r"); rc=$(col 2 "$T.r")
    echo "hold P=$P: vmsim $(echo "$v" | awk '{printf "%.2f", $1/1e6}') M events/s, C++ std::priority_queue $(echo "$r" | awk '{printf "%.2f", $1/1e6}') M events/s, ratio $(echo "$v $r" | awk '{printf "%.2f", $1/$2}'); CPU-time ratio $(echo "$vc $rc" | awk '{printf "%.2f", $1/$2}') (medians of $ROUNDS alternating runs, $E events)"
  else
    echo "hold P=$P: vmsim $(echo "$v" | awk '{printf "%.2f", $1/1e6}') M events/s (no C++ reference: g++ or the source is missing)"
  fi
done
"$VMSIM" bench hold --pending 100000 --events 1000000 --json
rm -f "$T.v" "$T.r" "$REF"
