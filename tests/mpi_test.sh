#!/bin/sh
# MPI sweeps (docs/scaling-out.md): builds `make MPI=1` into build-mpi/ and
# checks that `mpirun -np K vmsim sweep` gives the tables of a local sweep
# (apart from the wall-clock columns) for K = 1, 2 and 3, that --resume
# under mpirun runs exactly the deleted points again, and that a vmsim built
# without MPI refuses to run under mpirun.
#
# Usage: sh tests/mpi_test.sh   (from the source tree; CI runs it after
# `make test`). Needs mpicc and mpirun (Debian: libopenmpi-dev openmpi-bin);
# without them it says so and exits 0, or 1 when VMSIM_REQUIRE_MPI=1.
cd "$(dirname "$0")/.." || exit 2
if ! command -v mpicc >/dev/null 2>&1 || ! command -v mpirun >/dev/null 2>&1; then
    echo "mpi_test: skipped: mpicc or mpirun not found (Debian: apt-get install libopenmpi-dev openmpi-bin)"
    [ "${VMSIM_REQUIRE_MPI:-0}" = 1 ] && exit 1
    exit 0
fi
JOBS=$(nproc 2>/dev/null || echo 2)
make -s MPI=1 BUILD=build-mpi BIN=build-mpi/bin -j "$JOBS" build-mpi/bin/vmsim || exit 1
make -s -j "$JOBS" bin/vmsim || exit 1
V=$(pwd)/build-mpi/bin/vmsim
PLAIN=$(pwd)/bin/vmsim
SCN=$(pwd)/scenarios/micro/lockloop.json

# Open MPI in containers and CI: root, more ranks than cores, no ptrace-based
# single-copy transfers.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_rmaps_base_oversubscribe=1
MPIRUN="mpirun --oversubscribe"
[ "$(id -u)" = 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"
if mpirun --help 2>&1 | grep -q -- '--timeout'; then MPIRUN="$MPIRUN --timeout 300"; fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmsim-mpi.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$TMP/err" ] && sed 's/^/       /' "$TMP/err" | head -20; }

SWEEP='sweep={"axes": [{"path": "workload.threads", "values": [8, 1, 2, 4]},
                       {"path": "guest.lock.algorithm", "name": "lock", "values": ["ticket", "mcs"]}],
              "seeds": [1, 2, 3]}'
sweep() { # BIN DIR [EXTRA...]: runs BIN sweep into DIR, stderr in $TMP/err
    bin=$1 dir=$2
    shift 2
    "$bin" sweep "$SCN" -o "$dir" -q --set duration_s=0.02 --set warmup_s=0.002 --set "$SWEEP" "$@" 2>"$TMP/err"
}
mpisweep() { # K DIR [EXTRA...]
    k=$1 dir=$2
    shift 2
    $MPIRUN -np "$k" "$V" sweep "$SCN" -o "$dir" -q --set duration_s=0.02 --set warmup_s=0.002 \
        --set "$SWEEP" "$@" >"$TMP/out" 2>"$TMP/err"
}
sans_wall() { # results.csv without the last two columns (wall_s, events_per_s)
    sed 's/,[^,]*,[^,]*$//' "$1/results.csv"
}
same_tables() { # NAME REF DIR
    if [ "$(sans_wall "$2")" = "$(sans_wall "$3")" ] && cmp -s "$2/summary.csv" "$3/summary.csv" &&
        cmp -s "$2/sweep.json" "$3/sweep.json" && [ "$(wc -l <"$3/results.csv")" -eq 25 ]; then
        ok "$1"
    else
        bad "$1: tables differ from the local sweep's"
        diff "$2/results.csv" "$3/results.csv" | head -10
    fi
}

# The reference: a local sweep of the plain build, and of the MPI build
# started without mpirun (it runs the local worker pool).
if sweep "$PLAIN" "$TMP/local" -j 2; then ok "local sweep"; else bad "local sweep"; fi
if sweep "$V" "$TMP/local-mpibuild" -j 2; then
    same_tables "MPI build without mpirun runs locally" "$TMP/local" "$TMP/local-mpibuild"
else
    bad "MPI build without mpirun"
fi

for k in 1 2 3; do
    if mpisweep $k "$TMP/np$k"; then
        same_tables "mpirun -np $k" "$TMP/local" "$TMP/np$k"
    else
        bad "mpirun -np $k: status $?"
    fi
done
n=$(ls "$TMP/np2/points" | wc -l)
if [ "$n" -eq 24 ]; then ok "rank 0 wrote 24 point files"; else bad "np2: $n point files"; fi

# resume under mpirun after deleting points (and a leftover temporary)
rm -f "$TMP/np2/points/000000.json" "$TMP/np2/points/000007.json" "$TMP/np2/points/000023.json"
echo '{"trunc' >"$TMP/np2/points/000007.json.tmp.host.1234"
for f in "$TMP"/np2/points/*.json; do touch -d '2000-01-01' "$f"; done
if mpisweep 2 "$TMP/np2"; then
    bad "mpirun without --resume on a finished sweep should be refused"
elif grep -q "use --resume" "$TMP/err"; then
    ok "mpirun without --resume refused"
else
    bad "mpirun without --resume: wrong message"
fi
if mpisweep 2 "$TMP/np2" --resume; then
    same_tables "mpirun -np 2 --resume after deleting points" "$TMP/local" "$TMP/np2"
    new=$(find "$TMP/np2/points" -name '*.json' -newer "$TMP/local/sweep.json" | wc -l)
    if [ "$new" -eq 3 ] && [ ! -e "$TMP/np2/points/000007.json.tmp.host.1234" ]; then
        ok "resume ran exactly the 3 deleted points"
    else
        bad "resume rewrote $new point files"
    fi
else
    bad "mpirun -np 2 --resume: status $?"
fi

# a different sweep in the directory: refused by rank 0, every rank ends
if $MPIRUN -np 3 "$V" sweep "$SCN" -o "$TMP/np2" -q --resume --set duration_s=0.03 \
    --set warmup_s=0.002 --set "$SWEEP" >"$TMP/out" 2>"$TMP/err"; then
    bad "different sweep under mpirun accepted"
elif grep -q "describes a different sweep" "$TMP/err"; then
    ok "different sweep under mpirun refused"
else
    bad "different sweep under mpirun: wrong message"
fi

# a shard under mpirun: the ranks share the shard's points
if mpisweep 3 "$TMP/shard" --shard 2/3; then
    n=$(ls "$TMP/shard/points" | wc -l)
    if [ "$n" -eq 8 ] && [ -e "$TMP/shard/points/000001.json" ]; then ok "mpirun with --shard 2/3"; else bad "shard 2/3 under mpirun: $n points"; fi
else
    bad "mpirun with --shard: status $?"
fi

# the plain build under mpirun refuses instead of running the sweep twice
if $MPIRUN -np 2 "$PLAIN" sweep "$SCN" -o "$TMP/plain" -q --set "$SWEEP" >"$TMP/out" 2>"$TMP/err"; then
    bad "a vmsim without MPI ran under mpirun -np 2"
elif grep -q "built without MPI" "$TMP/err" && [ ! -e "$TMP/plain/sweep.json" ]; then
    ok "a vmsim without MPI refuses to run under mpirun"
else
    bad "a vmsim without MPI under mpirun: wrong message"
fi

echo "mpi_test: $pass passed, $fail failed"
[ "$fail" = 0 ]
