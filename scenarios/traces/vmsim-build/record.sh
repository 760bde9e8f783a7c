#!/bin/sh
# Records clean ninja builds of vmsim at -j1 and -j2 (see ../README.md).
#
#   sh scenarios/traces/vmsim-build/record.sh [COMMIT] [OUTDIR]
#
# Builds the sources of COMMIT (default HEAD) from a `git archive` copy with
# CMakeLists.txt beside this script: one warm-up build, then REPS (default 3)
# timed clean builds at each -j, alternating -j1 and -j2. Before each timed
# build it waits (at most 5 minutes) for the 1-minute load average to fall
# below 0.5. Writes to OUTDIR (default ./vmsim-build-record):
#   times.tsv                    j, rep, wall s (date), user s, sys s, load before
#   vmsim-jJ-repR.ninja_log      each timed build's .ninja_log
#   query-jJ-repR.txt            `ninja -t query` of every output (the build graph)
# Needs git, cmake, ninja-build, pkg-config, libgsl-dev, libjansson-dev.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
commit=${1:-HEAD}
out=${2:-./vmsim-build-record}
reps=${REPS:-3}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d /tmp/vmsim-record-XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/src"
(cd "$top" && git archive "$commit" sim config models analysis cli) | tar -x -C "$work/src"
cp "$here/CMakeLists.txt" "$work/src/"

wait_idle() {
    i=0
    while [ $i -lt 300 ]; do
        l=$(cut -d' ' -f1 /proc/loadavg)
        if awk -v l="$l" 'BEGIN { exit !(l < 0.5) }'; then return 0; fi
        sleep 1
        i=$((i + 1))
    done
}

# build J REP: a clean configure, then a timed `ninja -jJ`
build() {
    rm -rf "$work/b"
    cmake -S "$work/src" -B "$work/b" -G Ninja -DVMSIM_SRC="$work/src" >/dev/null
    wait_idle
    load=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$work/cpu" ninja -C "$work/b" -j"$1" >/dev/null
    t1=$(date +%s.%N)
    [ "$2" = warmup ] && return 0
    printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" \
        "$(cut -d' ' -f1 "$work/cpu")	$(cut -d' ' -f2 "$work/cpu")" "$load" >>"$out/times.tsv"
    cp "$work/b/.ninja_log" "$out/vmsim-j$1-rep$2.ninja_log"
    (cd "$work/b" && for o in $(tail -n +2 .ninja_log | cut -f4 | sort -u); do ninja -t query "$o"; done) \
        >"$out/query-j$1-rep$2.txt"
}

printf 'j\trep\twall_s\tuser_s\tsys_s\tload\n' >"$out/times.tsv"
build 2 warmup
r=1
while [ $r -le "$reps" ]; do
    build 1 $r
    build 2 $r
    r=$((r + 1))
done
{
    echo "# commit $(cd "$top" && git rev-parse "$commit")"
    echo "# $(cc --version | head -1); $(cmake --version | head -1); ninja $(ninja --version)"
    echo "# $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
} >"$out/machine.txt"
cat "$out/times.tsv"
