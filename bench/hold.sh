#!/bin/sh
# make bench: the hold benchmark of vmsim's event set against the plain C++
# std::priority_queue reference (../shared/bench/pq_baseline.cpp when present,
# else bench/pq_baseline.cpp), at P = 1,000 and 100,000 pending events,
# alternating runs (the machine is shared; rates drift between runs) and
# reporting the median ratio per P.
set -e
VMSIM=${1:-bin/vmsim}
E=${BENCH_EVENTS:-10000000}
ROUNDS=${BENCH_ROUNDS:-3}
REF_SRC=""
for c in ../shared/bench/pq_baseline.cpp bench/pq_baseline.cpp; do
  [ -f "$c" ] && REF_SRC=$c && break
done
REF=""
if [ -n "$REF_SRC" ] && command -v g++ >/dev/null 2>&1; then
  REF=${TMPDIR:-/tmp}/vmsim_pq_baseline.$$
  g++ -O2 -std=c++17 -o "$REF" "$REF_SRC"
fi
rate() { # events / loop seconds from a RESULT line
  awk '{for(i=1;i<=NF;i++){split($i,kv,"="); v[kv[1]]=kv[2]}} END{printf "%.0f", v["events"]/v["loop_s"]}'
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
for P in 1000 100000; do
  : > /tmp/vmsim_bench_v.$$; : > /tmp/vmsim_bench_r.$$
  i=0
  while [ $i -lt "$ROUNDS" ]; do
    "$VMSIM" bench hold --pending $P --events "$E" | rate >> /tmp/vmsim_bench_v.$$; echo >> /tmp/vmsim_bench_v.$$
    if [ -n "$REF" ]; then "$REF" $P "$E" 1 | rate >> /tmp/vmsim_bench_r.$$; echo >> /tmp/vmsim_bench_r.$$; fi
    i=$((i+1))
  done
  v=$(grep . /tmp/vmsim_bench_v.$$ | median)
  if [ -n "$REF" ]; then
    r=$(grep . /tmp/vmsim_bench_r.$$ | median)
    echo "hold P=$P: vmsim $(echo "$v" | awk '{printf "%.2f", $1/1e6}') M events/s, C++ std::priority_queue $(echo "$r" | awk '{printf "%.2f", $1/1e6}') M events/s, ratio $(echo "$v $r" | awk '{printf "%.2f", $1/$2}') (median of $ROUNDS alternating runs, $E events)"
  else
    echo "hold P=$P: vmsim $(echo "$v" | awk '{printf "%.2f", $1/1e6}') M events/s (no C++ reference: g++ or the source is missing)"
  fi
done
"$VMSIM" bench hold --pending 100000 --events 1000000 --json
rm -f /tmp/vmsim_bench_v.$$ /tmp/vmsim_bench_r.$$ "$REF"
