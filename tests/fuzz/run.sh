#!/bin/sh
# Runs the libFuzzer harnesses built by `make fuzz` (docs/robustness.md).
#
# Usage: sh tests/fuzz/run.sh BUILD_DIR SECONDS [NAME...]
#   BUILD_DIR  where `make fuzz` put fuzz_scenario, fuzz_csv, fuzz_buildlog
#   SECONDS    run time of each harness (-max_total_time)
#   NAME       only these harnesses (scenario, csv, buildlog); default: all built
#
# Each harness starts from a seed corpus made in a temporary directory: the
# JSON files under scenarios/ for scenario, the CSV files under scenarios/ and
# docs/ for csv, the recorded build logs under scenarios/ for buildlog, and
# the matching inputs of tests/bad-inputs/ (*.json, *.csv, *.ninja_log and
# *.jobs.csv). Inputs that found new coverage are kept in BUILD_DIR/corpus/NAME
# and reused by the next run. A crash, leak, timeout or contract violation
# leaves its input in BUILD_DIR/crashes/ (replay it: BUILD_DIR/fuzz_NAME FILE)
# and makes this script exit 1. Runs from the source tree, so the scenario
# harness finds the host presets in scenarios/hosts/.
set -u
[ $# -ge 2 ] || { echo "usage: sh tests/fuzz/run.sh BUILD_DIR SECONDS [NAME...]" >&2; exit 2; }
B=$1 S=$2
shift 2
cd "$(dirname "$0")/../.." || exit 2
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmsim-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# seeds NAME FILE...: copies the files into $TMP/NAME under unique names.
seeds() {
    name=$1
    shift
    mkdir -p "$TMP/$name"
    i=0
    for f in "$@"; do
        [ -f "$f" ] || continue
        i=$((i + 1))
        cp "$f" "$TMP/$name/seed-$i-$(basename "$f")"
    done
}
seeds scenario $(find scenarios -name '*.json' | sort) tests/bad-inputs/*.json
seeds csv $(find scenarios docs -name '*.csv' | sort) tests/bad-inputs/*.csv
# fuzz_buildlog reads its format from the first byte (even: ninja, odd: CSV)
mkdir -p "$TMP/buildlog"
for f in tests/bad-inputs/*.ninja_log tests/bad-inputs/*.jobs.csv \
    $(find scenarios -name '*ninja_log' -o -name '*jobs*.csv' | sort); do
    [ -f "$f" ] || continue
    case $f in *.csv) p='\001' ;; *) p='\000' ;; esac
    { printf "$p"; cat "$f"; } >"$TMP/buildlog/seed-$(basename "$f")"
done

names=${*:-scenario csv buildlog}
status=0
for n in $names; do
    bin=$B/fuzz_$n
    if [ ! -x "$bin" ]; then
        echo "fuzz: $bin not built, skipped"
        continue
    fi
    mkdir -p "$B/corpus/$n" "$B/crashes"
    dict=
    [ -f "tests/fuzz/$n.dict" ] && dict=-dict=tests/fuzz/$n.dict
    echo "fuzz: $n for $S s"
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: 2.5 GB is a
    # runaway allocation; -max_len: the shipped scenarios are below 64 KiB.
    "$bin" -max_total_time="$S" -timeout=10 -rss_limit_mb=2560 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$B/crashes/$n-" $dict \
        "$B/corpus/$n" "$TMP/$n" >"$B/fuzz_$n.log" 2>&1
    rc=$?
    runs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$B/fuzz_$n.log" | tail -1)
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$B/fuzz_$n.log" | tail -1)
    if [ $rc -eq 0 ]; then
        echo "fuzz: $n: ${runs:-no summary}, $cov, no crash"
    else
        status=1
        echo "fuzz: $n: FAILED (exit $rc), $cov; see $B/fuzz_$n.log:"
        grep -E 'ERROR|SUMMARY|fuzz_[a-z]*: |Test unit written' "$B/fuzz_$n.log" | head -8
    fi
done
exit $status
