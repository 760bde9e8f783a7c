#!/bin/sh
# make trace-cost: what tracing costs, in instructions (not wall time: the
# machine may be shared). The paper's figure at 10 VMs on 60 cores, 0.2 s
# simulated, is run untraced and traced with a 0.1 ms window in the middle;
# the traced run must cost less than twice the untraced one (docs/trace.md,
# "Cost"): before the window the tracer only copies a few words per observed
# event, after it it detaches. Counts with `perf stat -e instructions` when
# perf can count them, else with valgrind's callgrind (slower, same count
# of the program's own instructions).
#
# Usage: sh bench/trace_cost.sh [VMSIM]   (default bin/vmsim). Exit 1 when
# the ratio is 2 or more, 2 when neither counter is available.
VMSIM=${1:-bin/vmsim}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmsim-tracecost.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
RUN="run scenarios/paper/fig1.json --set vms.count=10 --set host.cores=60 --set duration_s=0.2 --set warmup_s=0.01 -q -o $TMP/r.json"
TRACE="--trace $TMP/t.json --trace-from 100ms --trace-to 100.1ms"

count() { # count ARGS...: instructions of vmsim ARGS
    if perf stat -x, -e instructions:u -o "$TMP/perf" "$VMSIM" "$@" >/dev/null 2>&1 &&
        n=$(grep instructions "$TMP/perf" | cut -d, -f1) && [ -n "$n" ] && [ "$n" != "<not supported>" ] &&
        [ "$n" != "<not counted>" ]; then
        echo "$n"
    elif command -v valgrind >/dev/null 2>&1; then
        valgrind --tool=callgrind --callgrind-out-file="$TMP/cg" "$VMSIM" "$@" 2>&1 |
            sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
    else
        echo "trace_cost: neither perf nor valgrind can count instructions here" >&2
        exit 2
    fi
}
plain=$(count $RUN) || exit 2
traced=$(count $RUN $TRACE) || exit 2
[ -n "$plain" ] && [ -n "$traced" ] || { echo "trace_cost: no count" >&2; exit 2; }
ratio=$(awk -v a="$traced" -v b="$plain" 'BEGIN { printf "%.3f", a / b }')
echo "trace_cost: untraced $plain instructions, traced (0.1 ms window) $traced: ratio $ratio (must be < 2)"
awk -v r="$ratio" 'BEGIN { exit !(r < 2) }'
