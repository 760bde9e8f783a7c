#!/bin/sh
# make bench-growth: how the cost of one run grows with the model's size.
# One representative scenario - the paper's figure (scenarios/paper/fig1.json,
# 4.1-PVM: CFS and pv-ticket) at 2 VMs x 30 vCPUs on 30 cores, 0.5 s
# simulated - is run while one quantity doubles in turn:
#   vms       the number of VMs (host fixed: more overcommit)
#   vcpus     the vCPUs per VM together with the host's cores (15 to 120)
#   duration  the simulated seconds
# and the table gives per run: events, the wall seconds of the process and
# of its event loop, events per second and nanoseconds per event of the loop,
# and the peak resident set size. The goal (docs/performance.md, "Cost
# growth"): wall time linear in events (constant ns/event) and memory
# independent of the simulated duration.
#
# Usage: sh bench/growth.sh [VMSIM]   (default bin/vmsim). GROWTH_ROUNDS runs
# per row (default 3; the fastest is kept, the machine being shared).
# Peak RSS needs GNU time (/usr/bin/time; Debian: apt-get install time).
VMSIM=${1:-bin/vmsim}
ROUNDS=${GROWTH_ROUNDS:-3}
SCN=${GROWTH_SCENARIO:-scenarios/paper/fig1.json}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmsim-growth.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
if [ ! -x "$VMSIM" ]; then
    echo "growth: $VMSIM is not an executable (run make first)" >&2
    exit 2
fi
TIME=""
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then
    TIME=/usr/bin/time
else
    echo "growth: /usr/bin/time (GNU time) not found: peak RSS is not measured (Debian: apt-get install time)" >&2
fi

now_ns() { date +%s%N; }

# row SERIES VMS CORES DURATION: runs the point ROUNDS times, prints a table row.
row() {
    series=$1 vms=$2 cores=$3 dur=$4
    best_wall="" best_loop="" rss=0 events=""
    r=0
    while [ $r -lt "$ROUNDS" ]; do
        t0=$(now_ns)
        if [ -n "$TIME" ]; then
            $TIME -f %M -o "$TMP/rss" "$VMSIM" run "$SCN" -q -o "$TMP/r.json" \
                --set vms.count="$vms" --set host.cores="$cores" \
                --set duration_s="$dur" --set warmup_s=0.1 || exit 1
        else
            "$VMSIM" run "$SCN" -q -o "$TMP/r.json" --set vms.count="$vms" --set host.cores="$cores" \
                --set duration_s="$dur" --set warmup_s=0.1 || exit 1
            echo 0 >"$TMP/rss"
        fi
        t1=$(now_ns)
        wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", (b - a) / 1e9}')
        # the results document: top-level "events", and "seconds" of the "wall" object
        events=$(sed -n 's/^  "events": \([0-9]*\),*$/\1/p' "$TMP/r.json")
        loop=$(awk '/^  "wall": *\{/{w=1} w && /"seconds":/{gsub(/[^0-9.eE+-]/, "", $2); print $2; exit}' "$TMP/r.json")
        m=$(tail -n 1 "$TMP/rss")
        [ "$m" -gt "$rss" ] && rss=$m
        if [ -z "$best_loop" ] || awk -v a="$loop" -v b="$best_loop" 'BEGIN{exit !(a < b)}'; then best_loop=$loop; fi
        if [ -z "$best_wall" ] || awk -v a="$wall" -v b="$best_wall" 'BEGIN{exit !(a < b)}'; then best_wall=$wall; fi
        r=$((r + 1))
    done
    awk -v s="$series" -v v="$vms" -v c="$cores" -v d="$dur" -v e="$events" -v w="$best_wall" \
        -v l="$best_loop" -v m="$rss" 'BEGIN{
        printf "| %-8s | %3d | %3d | %4d | %4g | %10d | %7.3f | %7.3f | %6.2f | %5.0f | %s |\n",
            s, v, c, v * c, d, e, w, l, e / l / 1e6, l / e * 1e9, (m > 0 ? sprintf("%.1f", m / 1024) : "n/a") }'
}

echo "vmsim cost growth: $SCN (4.1-PVM), warmup 0.1 s, best of $ROUNDS runs per row"
echo
echo "| series   | VMs | vCPUs/VM (= cores) | vCPUs | sim s | events | wall s | loop s | M events/s | ns/event | peak RSS MiB |"
echo "|----------|----:|----:|-----:|------:|-------:|-------:|-------:|------:|------:|------:|"
for v in 2 4 8 16 32; do row vms "$v" 30 0.5; done
for c in 15 30 60 120; do row vcpus 2 "$c" 0.5; done
for d in 0.5 1 2 4 8; do row duration 2 30 "$d"; done
echo
echo "wall s: the whole process (setup, run, results); loop s: the event loop alone (the results' wall.seconds);"
echo "M events/s and ns/event from the loop; peak RSS: GNU time's maximum resident set size."
