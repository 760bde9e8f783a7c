#!/bin/sh
# Records clean ninja builds of vmsim at -j1 and -j2 (see ../README.md).
#
#   sh scenarios/traces/vmsim-build/record.sh [COMMIT] [OUTDIR]
#
# Builds the sources of COMMIT (default HEAD) from a `git archive` copy with
# CMakeLists.txt beside this script: one warm-up build, then REPS (default 3)
# timed clean builds at each -j, alternating -j1 and -j2. Before each timed
# build it waits for the machine to be idle (below). Writes to OUTDIR
# (default ./vmsim-build-record):
#   times.tsv                    j, rep, wall s (date +%s.%N around ninja), user
#                                and sys s of the build (/usr/bin/time), others_s:
#                                CPU s the rest of the machine used meanwhile
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
work=$(mktemp -d /tmp/ninja-record-XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/src"
(cd "$top" && git archive "$commit" sim config models analysis cli) | tar -x -C "$work/src"
cp "$here/CMakeLists.txt" "$work/src/"

# Busy and total CPU ticks of the whole machine so far.
ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }

# Waits (at most WAIT_S, default 900 s) until the machine is idle: less than
# 10% of its CPU time busy over 5 seconds.
wait_idle() {
    i=0
    while [ $i -lt "${WAIT_S:-900}" ]; do
        a=$(ticks)
        sleep 5
        b=$(ticks)
        if echo "$a $b" | awk '{ exit !(($3 - $1) < 0.1 * ($4 - $2)) }'; then return 0; fi
        i=$((i + 5))
    done
    echo "record.sh: the machine did not become idle; building anyway" >&2
}

# build J REP: a clean configure, then a timed `ninja -jJ`
build() {
    rm -rf "$work/b"
    cmake -S "$work/src" -B "$work/b" -G Ninja -DVMSIM_SRC="$work/src" >/dev/null
    wait_idle
    a=$(ticks)
    t0=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$work/cpu" ninja -C "$work/b" -j"$1" >"$work/ninja.out" ||
        { cat "$work/ninja.out" >&2; exit 1; }
    t1=$(date +%s.%N)
    b=$(ticks)
    [ "$2" = warmup ] && return 0
    # others_s: CPU time the rest of the machine used during the build
    echo "$1 $2 $t0 $t1 $(cat "$work/cpu") $a $b $(getconf CLK_TCK)" | awk '{
        printf "%s\t%s\t%.3f\t%s\t%s\t%.2f\n", $1, $2, $4 - $3, $5, $6, ($9 - $7) / $11 - $5 - $6 }' \
        >>"$out/times.tsv"
    cp "$work/b/.ninja_log" "$out/vmsim-j$1-rep$2.ninja_log"
    (cd "$work/b" && for o in $(tail -n +2 .ninja_log | cut -f4 | sort -u); do ninja -t query "$o"; done) \
        >"$out/query-j$1-rep$2.txt"
}

printf 'j\trep\twall_s\tuser_s\tsys_s\tothers_s\n' >"$out/times.tsv"
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
