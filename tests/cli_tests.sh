#!/bin/sh
# CLI end-to-end tests: exit codes and messages of every vmsim command.
#
# Usage: VMSIM=bin/vmsim sh tests/cli_tests.sh   (run from anywhere; `make test`
# sets VMSIM). Prints one line per check ("ok" or "FAIL" with the reason) and
# exits 1 if any check failed. JSON-parsing checks use python3 when present and
# are skipped (with a message) otherwise. Takes a few seconds.

VMSIM=${VMSIM:-bin/vmsim}
SRC=${VMSIM_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
case $VMSIM in /*) ;; *) VMSIM=$(pwd)/$VMSIM ;; esac
if [ ! -x "$VMSIM" ]; then
    echo "cli_tests: $VMSIM is not an executable (set VMSIM)" >&2
    exit 2
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmsim-cli.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

if command -v python3 >/dev/null 2>&1; then PY=python3; else PY=; fi

pass=0
fail=0
skip=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/       /'; }
skipped() { skip=$((skip + 1)); echo "skip $1"; }

# run_cmd ARGS...: runs vmsim, leaving the status in $rc, stdout in $TMP/out,
# stderr in $TMP/err.
run_cmd() {
    "$VMSIM" "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
}

# expect NAME STATUS PATTERN ARGS...: vmsim ARGS exits with STATUS and its
# stdout+stderr contains PATTERN (a fixed string; "" for any).
expect() {
    name=$1 want=$2 pat=$3
    shift 3
    run_cmd "$@"
    if [ "$rc" -ne "$want" ]; then
        bad "$name" "exit status $rc, want $want; stderr: $(head -c 400 "$TMP/err")"
    elif [ -n "$pat" ] && ! cat "$TMP/out" "$TMP/err" | grep -qF -- "$pat"; then
        bad "$name" "output lacks: $pat
stdout: $(head -c 300 "$TMP/out")
stderr: $(head -c 300 "$TMP/err")"
    else
        ok "$name"
    fi
}

LOCKLOOP=$SRC/scenarios/micro/lockloop.json
SHORT="--set duration_s=0.05 --set warmup_s=0.005"

# --- top level --------------------------------------------------------------
expect "--version prints the version" 0 "vmsim 0." --version
expect "--help lists the commands" 0 "usage: vmsim COMMAND" --help
run_cmd --help
if grep -q "^  run " "$TMP/out" && grep -q "^  check " "$TMP/out" && grep -q "^  bench " "$TMP/out" &&
    grep -q "^  fit " "$TMP/out"; then ok "--help names run, check, bench, fit"; else bad "--help names run, check, bench, fit" "$(cat "$TMP/out")"; fi
expect "no command: usage, exit 2" 2 "usage: vmsim"
expect "unknown command: exit 2" 2 'unknown command "frobnicate"' frobnicate
expect "run --help" 0 "usage: vmsim run SCENARIO" run --help
expect "check --help" 0 "usage: vmsim check SCENARIO" check --help
expect "bench --help" 0 "usage: vmsim bench hold" bench --help
expect "fit --help" 0 "usage: vmsim fit FILE.csv" fit --help

# --- bad input to run/check -------------------------------------------------
expect "run without a scenario: exit 2" 2 "missing SCENARIO" run
expect "run with a missing file: exit 2" 2 "$TMP/nope.json: cannot read" run "$TMP/nope.json"
expect "check with a missing file: exit 2" 2 "cannot read" check "$TMP/nope.json"
expect "run with an unknown option: exit 2" 2 "unknown option --frob" run "$LOCKLOOP" --frob
expect "run with a second scenario: exit 2" 2 "unexpected argument" run "$LOCKLOOP" "$LOCKLOOP"
expect "--set without a value: exit 2" 2 "--set needs a value" run "$LOCKLOOP" --set

printf '{\n  "duration_s": 1,\n  "host": {"sockets": 1,, "cores_per_socket": 2}\n}\n' >"$TMP/bad.json"
expect "bad JSON: exit 2 with file:line:column" 2 "$TMP/bad.json:3:" check "$TMP/bad.json"
if grep -q "bad.json:3:[0-9][0-9]*: invalid JSON" "$TMP/err"; then ok "bad JSON: message has line:column"; else bad "bad JSON: message has line:column" "$(cat "$TMP/err")"; fi
expect "bad JSON via run: exit 2" 2 "invalid JSON" run "$TMP/bad.json"
: >"$TMP/empty.json"
expect "empty file: exit 2" 2 "invalid JSON" check "$TMP/empty.json"
expect "directory as scenario: exit 2" 2 "not a regular file" check "$TMP"

expect "--set typo: exit 2, did you mean" 2 'workload.hodl: unknown key (did you mean "hold"?)' \
    check "$LOCKLOOP" --set workload.hodl.mean_ns=5
expect "--set typo in run: exit 2" 2 'did you mean "duration_s"' run "$LOCKLOOP" --set duraton_s=1
expect "--set out of range: exit 2 with the path" 2 "duration_s: expected a number" \
    check "$LOCKLOOP" --set duration_s=-1
expect "--set without '=': exit 2" 2 "expected PATH=VALUE" check "$LOCKLOOP" --set duration_s
expect "--set bad array index: exit 2" 2 "no such array element" \
    check "$LOCKLOOP" --set 'vms=[{"vcpus": 1}]' --set 'vms[4].vcpus=2'
expect "--seed non-numeric: exit 2" 2 "--seed abc: expected a non-negative integer" run "$LOCKLOOP" --seed abc
expect "--seed negative: exit 2" 2 "expected a non-negative integer" run "$LOCKLOOP" --seed -5
expect "--seed trailing junk: exit 2" 2 "expected a non-negative integer" run "$LOCKLOOP" --seed 12x
expect "--seed too large: exit 2" 2 "expected a non-negative integer" run "$LOCKLOOP" --seed 99999999999999999999
expect "check --seed non-numeric: exit 2" 2 "expected a non-negative integer" check "$LOCKLOOP" --seed abc
expect "check rejects -o: exit 2" 2 "unknown option -o" check "$LOCKLOOP" -o "$TMP/x.json"

# --- check on every shipped scenario --------------------------------------------
n=0
# (measurement data under scenarios/real is not a scenario: machine facts, calibrations)
for f in $(find "$SRC/scenarios" -name '*.json' ! -path '*/hosts/*' ! -name machine.json ! -name 'calibration*.json' | sort); do
    n=$((n + 1))
    rel=${f#"$SRC"/}
    expect "check $rel" 0 "valid" check "$f"
done
[ "$n" -gt 0 ] && ok "found $n scenarios to check" || bad "no scenarios found under $SRC/scenarios"

# --- run: output file errors ------------------------------------------------------
echo x >"$TMP/afile"
run_cmd run "$LOCKLOOP" $SHORT -q -o "$TMP/afile/out.json"
if [ "$rc" -eq 1 ] && grep -q "$TMP/afile/out.json" "$TMP/err"; then
    ok "run -o into an unwritable directory: exit 1 naming the path"
else
    bad "run -o into an unwritable directory: exit 1 naming the path" "status $rc; stderr: $(cat "$TMP/err")"
fi
run_cmd run "$LOCKLOOP" $SHORT -q -o "$TMP/nodir/sub/out.json"
if [ "$rc" -eq 1 ] && [ -s "$TMP/err" ]; then ok "run -o into a missing directory: exit 1"; else bad "run -o into a missing directory: exit 1" "status $rc; stderr: $(cat "$TMP/err")"; fi

mkdir "$TMP/outdir"
run_cmd run "$LOCKLOOP" $SHORT -q -o "$TMP/outdir/r.json"
if [ "$rc" -eq 0 ] && [ -s "$TMP/outdir/r.json" ] && [ ! -s "$TMP/out" ]; then
    ok "run -o writes the file, nothing on stdout"
else
    bad "run -o writes the file, nothing on stdout" "status $rc; stderr: $(cat "$TMP/err")"
fi
if [ "$(ls "$TMP/outdir")" = "r.json" ]; then ok "run -o leaves no temporary file"; else bad "run -o leaves no temporary file" "$(ls "$TMP/outdir")"; fi
run_cmd run "$LOCKLOOP" $SHORT -o "$TMP/outdir/r2.json"
if [ "$rc" -eq 0 ] && grep -q "vmsim run: lockloop: .* simulated, .* events" "$TMP/err"; then
    ok "run prints a summary line on stderr"
else
    bad "run prints a summary line on stderr" "$(cat "$TMP/err")"
fi

# --- determinism ------------------------------------------------------------------
# The results differ between runs only in "wall" (and in "command_line" when the
# command lines differ).
strip() { sed -e '/^  "wall": {/,/^  }/d' -e '/^  "command_line":/d' "$1"; }
"$VMSIM" run "$LOCKLOOP" $SHORT --seed 3 -q >"$TMP/a.json" 2>"$TMP/err"; ra=$?
"$VMSIM" run "$LOCKLOOP" $SHORT --seed 3 -q >"$TMP/b.json" 2>>"$TMP/err"; rb=$?
"$VMSIM" run "$LOCKLOOP" $SHORT --seed 4 -q >"$TMP/c.json" 2>>"$TMP/err"; rc=$?
if [ "$ra$rb$rc" != 000 ]; then
    bad "determinism runs succeed" "statuses $ra $rb $rc: $(cat "$TMP/err")"
else
    ok "determinism runs succeed"
    if grep -q '"wall": {' "$TMP/a.json"; then ok "results have a \"wall\" object"; else bad "results have a \"wall\" object"; fi
    sed -e '/^  "wall": {/,/^  }/d' "$TMP/a.json" >"$TMP/a1"
    sed -e '/^  "wall": {/,/^  }/d' "$TMP/b.json" >"$TMP/b1"
    if cmp -s "$TMP/a1" "$TMP/b1"; then
        ok "same scenario and seed: identical results apart from \"wall\""
    else
        bad "same scenario and seed: identical results apart from \"wall\"" "$(diff "$TMP/a1" "$TMP/b1" | head -20)"
    fi
    strip "$TMP/a.json" | grep -v '^  "seed":' >"$TMP/a2"
    strip "$TMP/c.json" | grep -v '^  "seed":' >"$TMP/c2"
    if cmp -s "$TMP/a2" "$TMP/c2"; then
        bad "a different seed gives different results"
    else
        ok "a different seed gives different results"
    fi
fi
# --set seed=N is the same as --seed N
"$VMSIM" run "$LOCKLOOP" $SHORT --set seed=3 -q >"$TMP/d.json" 2>"$TMP/err"
strip "$TMP/a.json" >"$TMP/a3"
strip "$TMP/d.json" >"$TMP/d3"
if cmp -s "$TMP/a3" "$TMP/d3"; then ok "--set seed=3 equals --seed 3"; else bad "--set seed=3 equals --seed 3" "$(diff "$TMP/a3" "$TMP/d3" | head -10)"; fi

if [ -n "$PY" ]; then
    if $PY - "$TMP/a.json" 2>"$TMP/pyerr" <<'EOF'; then ok "run output is JSON with the documented keys"; else bad "run output is JSON with the documented keys" "$(tail -1 "$TMP/pyerr")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
for k in ["vmsim_version", "command_line", "scenario", "scenario_file", "seed", "simulated_s",
          "warmup_s", "measured_s", "events", "stop_reason", "host", "ops", "ops_per_s", "locks",
          "vms", "pcpu_busy_ns", "wall"]:
    assert k in d, "missing key " + k
assert d["seed"] == 3 and d["scenario"] == "lockloop", d["seed"]
assert abs(d["simulated_s"] - 0.05) < 1e-9 and abs(d["warmup_s"] - 0.005) < 1e-9
assert d["stop_reason"] == "end time", d["stop_reason"]
assert d["ops"] > 0 and len(d["vms"]) == 1 and len(d["locks"]) >= 1
assert d["vms"][0]["vcpus"] == len(d["vms"][0]["vcpu_detail"]) == 8
assert len(d["pcpu_busy_ns"]) == d["host"]["pcpus"] == 8
assert set(d["wall"]) >= {"seconds", "events_per_s", "peak_pending_events"}
EOF
else
    skipped "run output is JSON (python3 not found)"
fi

# --- bench ----------------------------------------------------------------------------
run_cmd bench hold --pending 1000 --events 100000 --json
if [ "$rc" -ne 0 ]; then
    bad "bench hold --json: exit 0" "status $rc: $(cat "$TMP/err")"
elif [ -n "$PY" ]; then
    if $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["benchmark"] == "hold" and d["pending"] == 1000 and d["events"] == 100000, d
assert d["events_per_s"] > 0 and d["loop_s"] >= 0 and d["event_set_bytes"] > 0
' "$TMP/out" 2>"$TMP/pyerr"; then ok "bench hold --json prints valid JSON"; else bad "bench hold --json prints valid JSON" "$(tail -1 "$TMP/pyerr"; cat "$TMP/out")"; fi
else
    grep -q '^{"benchmark":"hold"' "$TMP/out" && ok "bench hold --json (python3 not found: not parsed)" || bad "bench hold --json" "$(cat "$TMP/out")"
fi
expect "bench hold plain output" 0 "RESULT events=5000" bench hold --pending 10 --events 5000
expect "bench without a benchmark: exit 2" 2 "missing BENCHMARK (hold)" bench
expect "bench unknown benchmark: exit 2" 2 'unknown benchmark "frob"' bench frob
expect "bench bad number: exit 2" 2 "--events 1e5: expected a non-negative integer" bench hold --events 1e5
expect "bench --pending 0: exit 2" 2 "--pending must be in" bench hold --pending 0

# --- fit -----------------------------------------------------------------------------
# X(N) = 1000 N / (1 + 0.05 (N - 1) + 0.001 N (N - 1)), rounded
cat >"$TMP/usl.csv" <<'EOF'
# synthetic USL data
cores,throughput,label
1,1000,a
2,1901.14,b
4,3442.34,c
8,5689.9,d
16,8040.2,e
32,9034.44,f
64,7822.05,g
EOF
expect "fit on a small CSV" 0 "sigma" fit "$TMP/usl.csv"
if grep -q 'N = column "cores", X = column "throughput", 7 points' "$TMP/out"; then ok "fit picks the numeric columns"; else bad "fit picks the numeric columns" "$(cat "$TMP/out")"; fi
run_cmd fit "$TMP/usl.csv" --json
if [ "$rc" -ne 0 ]; then
    bad "fit --json" "status $rc: $(cat "$TMP/err")"
elif [ -n "$PY" ]; then
    if $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["points"] == 7 and d["x"] == "cores" and d["y"] == "throughput", d
assert abs(d["sigma"] - 0.05) < 0.005 and abs(d["kappa"] - 0.001) < 0.0002, d
assert abs(d["lambda"] - 1000) < 20 and d["r2"] > 0.999 and d["converged"], d
' "$TMP/out" 2>"$TMP/pyerr"; then ok "fit --json recovers sigma and kappa"; else bad "fit --json recovers sigma and kappa" "$(tail -1 "$TMP/pyerr"; cat "$TMP/out")"; fi
else
    skipped "fit --json parsing (python3 not found)"
fi
expect "fit on a missing file: exit 2" 2 "vmsim fit: " fit "$TMP/nope.csv"
expect "fit without a file: exit 2" 2 "missing the CSV file" fit
expect "fit unknown column: exit 2" 2 'no column "speed"' fit "$TMP/usl.csv" --y speed
expect "fit unknown option: exit 2" 2 "unknown option" fit "$TMP/usl.csv" --frob

# calibrate (tests/test_calibrate.c fits; these only check the refusals)
printf 'workload.threads,ops_per_s\n2,180000\n4,350000\n' > "$TMP/cal.csv"
LL="$SRC/scenarios/micro/lockloop.json"
expect "calibrate --help: exit 0" 0 "usage: vmsim calibrate" calibrate --help
expect "calibrate without --param: exit 2" 2 "missing --param" calibrate "$LL" --measured "$TMP/cal.csv"
expect "calibrate unknown path: exit 2" 2 'unknown key (did you mean "mean_ns"?)' calibrate "$LL" --measured "$TMP/cal.csv" --param workload.hold.mean_nss:100:1000
expect "calibrate LO >= HI: exit 2" 2 "LO must be less than HI" calibrate "$LL" --measured "$TMP/cal.csv" --param workload.hold.mean_ns:9:9
expect "calibrate empty held-out part: exit 2" 2 "holds out 0 of the 2 rows" calibrate "$LL" --measured "$TMP/cal.csv" --param workload.hold.mean_ns:100:1000 --holdout 'workload.threads>=9'
# --- measure: a real lock benchmark (tiny runs; never asserts a timing) -------
MQ="--duration-s 0.03 --warmup-s 0.005 --quiet-wait-s 0 --max-noise 1 -q"
expect "measure: every lock, tiny run" 0 "" measure --lock ticket,tas,mcs,pv-ticket,pvqspinlock,oticket,preemptable-ticket,mutex --threads 2,3 --reps 2 --spin-threshold 64 $MQ -o "$TMP/meas"
for f in runs.csv summary.csv measured.csv measured-wait.csv machine.json model.json log.txt; do
    if [ -s "$TMP/meas/$f" ]; then ok "measure writes $f"; else bad "measure writes $f"; fi
done
if grep -q '^lock,threads,think_hold,ops_per_s,ops_per_s_sd$' "$TMP/meas/measured.csv" &&
   ! grep -q '^mutex,' "$TMP/meas/measured.csv" && grep -q ',mutex,' "$TMP/meas/runs.csv"; then
    ok "measure: measured.csv has the model axes, mutex only in runs.csv"
else
    bad "measure: measured.csv has the model axes, mutex only in runs.csv" "$(head -6 "$TMP/meas/measured.csv")"
fi
if [ -n "$PY" ]; then
    if $PY -c '
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/runs.csv")))
assert len(rows) >= 32, len(rows)
kept = {}
for r in rows:
    assert r["status"] in ("ok", "rejected", "noisy-kept"), r["status"]
    n = int(r["acquisitions"]); assert n >= 0
    assert float(r["lock_wait_ns_mean"]) >= 0 and float(r["wait_ns_p99"]) >= 0
    sh = [float(x) for x in r["shares"].split(";")]
    assert len(sh) == int(r["threads"]), r
    if n: assert abs(sum(sh) - 1) < 1e-4, sh
    if r["lock"] in ("ticket", "tas", "mcs", "preemptable-ticket"):
        assert r["futex_waits"] == "0" and r["futex_wakes"] == "0", r
    if r["lock"] == "mutex": assert r["futex_waits"] == "", r
    if r["status"] != "rejected":
        k = (r["config"], r["rep"]); assert k not in kept, k; kept[k] = 1
assert len(kept) == 32, len(kept)
m = json.load(open(d + "/machine.json"))
for k in ("cpus_online", "kernel", "hz", "clocksource", "cpu_model", "pause_round_ns", "command_line", "sched_knobs"):
    assert k in m, k
assert m["pause_round_ns"] > 0
s = json.load(open(d + "/model.json"))
ax = [a["name"] for a in s["sweep"]["axes"]]
assert ax == ["lock", "threads", "think_hold"], ax
assert "mutex" not in s["sweep"]["axes"][0]["values"]
assert s["hypervisor"]["scheduler"] == ("eevdf" if tuple(int(x) for x in __import__("re").match(r"(\d+)\.(\d+)", __import__("os").uname().release).groups()) >= (6, 6) else "cfs"), s["hypervisor"]
assert s["hypervisor"]["ple"]["enabled"] is False
' "$TMP/meas" 2>"$TMP/pyerr"; then ok "measure: runs.csv, machine.json and model.json sane"; else bad "measure: runs.csv, machine.json and model.json sane" "$(tail -3 "$TMP/pyerr")"; fi
else
    skipped "measure output parsing (python3 not found)"
fi
expect "measure: model.json is a valid scenario and sweep" 0 "sweep valid" check "$TMP/meas/model.json"
expect "measure: validate reads measured.csv" 0 "metric ops_per_s" validate "$TMP/meas/model.json" --measured "$TMP/meas/measured.csv" --seeds 1 --set duration_s=0.01 --set warmup_s=0.001 --no-plot -q -o "$TMP/meas/val"
expect "measure: validate reads measured-wait.csv" 0 "metric lock_wait_ns_mean" validate "$TMP/meas/model.json" --measured "$TMP/meas/measured-wait.csv" --seeds 1 --set duration_s=0.01 --set warmup_s=0.001 --no-plot -q -o "$TMP/meas/val2"
printf 'lock,threads,think_ns,hold_ns\nmcs,2,1000,100\nmutex,1,0,100\n' >"$TMP/mx.csv"
expect "measure --matrix CSV" 0 "" measure --matrix "$TMP/mx.csv" --reps 1 $MQ -o "$TMP/mx1"
if [ "$(grep -c ',ok,\|,noisy-kept,' "$TMP/mx1/runs.csv")" = 2 ]; then ok "measure --matrix CSV runs its 2 configurations"; else bad "measure --matrix CSV runs its 2 configurations" "$(cat "$TMP/mx1/runs.csv")"; fi
printf '{"locks": ["tas"], "threads": [1, 2], "think_hold": [[1000, 100]]}\n' >"$TMP/mx.json"
expect "measure --matrix JSON (product form)" 0 "" measure --matrix "$TMP/mx.json" --reps 1 $MQ -o "$TMP/mx2"
expect "measure --max-noise 0: rejected runs are retried, one kept" 0 "" measure --lock tas --threads 1 --reps 1 --duration-s 0.03 --warmup-s 0 --quiet-wait-s 0 --max-noise 0 --retries 1 -q -o "$TMP/mx3"
if [ "$(grep -c ',ok,\|,noisy-kept,' "$TMP/mx3/runs.csv")" = 1 ]; then ok "measure: exactly one attempt kept per rep"; else bad "measure: exactly one attempt kept per rep" "$(cat "$TMP/mx3/runs.csv")"; fi
expect "measure --help" 0 "usage: vmsim measure" measure --help
run_cmd measure --matrix default --list
if [ "$rc" -eq 0 ] && [ -n "$PY" ]; then
    if $PY -c '
import csv, os, sys
n = len(os.sched_getaffinity(0)); mx = min(4 * n, 1024)
ts = [t for t in range(1, mx + 1) if t <= 4 or t in (n, 2 * n, 3 * n, 4 * n) or 2 * t == 3 * n or t & (t - 1) == 0]
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 8 * len(ts) * 2, (len(rows), ts)
assert sorted({int(r["threads"]) for r in rows}) == ts
assert {(r["think_ns"], r["hold_ns"]) for r in rows} == {("2000", "500"), ("20000", "2000")}
assert len({r["lock"] for r in rows}) == 8
' "$TMP/out" 2>"$TMP/pyerr"; then ok "measure --matrix default --list: every lock x T x 2 pairs"; else bad "measure --matrix default --list: every lock x T x 2 pairs" "$(tail -2 "$TMP/pyerr")"; fi
elif [ "$rc" -ne 0 ]; then
    bad "measure --matrix default --list" "status $rc: $(cat "$TMP/err")"
else
    skipped "measure --list parsing (python3 not found)"
fi
expect "measure: unknown lock suggests" 2 'unknown lock "tiket" (did you mean "ticket"?)' measure --lock tiket $MQ -o "$TMP/bad"
expect "measure: --threads 0" 2 "--threads: expected an integer from 1 to 1024" measure --threads 0 $MQ -o "$TMP/bad"
expect "measure: --threads 1025" 2 "--threads: expected an integer from 1 to 1024" measure --threads 1025 $MQ -o "$TMP/bad"
expect "measure: --threads abc" 2 'found "abc"' measure --threads abc $MQ -o "$TMP/bad"
expect "measure: --think-ns -1" 2 "--think-ns: expected a time from 0 to 1000000000 ns" measure --think-ns -1 $MQ -o "$TMP/bad"
expect "measure: --duration-s 0" 2 "--duration-s: expected a time from 0.01 to 3600 s" measure --duration-s 0 -o "$TMP/bad"
expect "measure: --spin-threshold 1.5" 2 "--spin-threshold: expected an integer" measure --spin-threshold 1.5 $MQ -o "$TMP/bad"
expect "measure: --max-noise 2" 2 "--max-noise: expected a number from 0 to 1" measure --max-noise 2 -o "$TMP/bad"
expect "measure: unknown option" 2 'unknown option --frob' measure --frob
expect "measure: missing value" 2 "--threads needs a value" measure --threads
expect "measure: --matrix and --lock" 2 "give one or the other" measure --matrix default --lock tas
expect "measure: --matrix missing file" 2 "cannot open" measure --matrix "$TMP/nope.csv" $MQ -o "$TMP/bad"
printf 'lock,threads,think_ns,hold_ns\nmcs,2,1000,100\npv-tiket,2,1000,100\n' >"$TMP/mxbad.csv"
expect "measure: bad lock in a matrix CSV names the line" 2 "mxbad.csv:3: unknown lock \"pv-tiket\" (did you mean \"pv-ticket\"?)" measure --matrix "$TMP/mxbad.csv" $MQ -o "$TMP/bad"
printf '{"configs": [{"lock": "tas", "threads": 0, "think_ns": 0, "hold_ns": 0}]}' >"$TMP/mxbad.json"
expect "measure: bad threads in a matrix JSON" 2 "configs[0].threads: expected an integer from 1 to 1024" measure --matrix "$TMP/mxbad.json" $MQ -o "$TMP/bad"
if [ ! -e "$TMP/bad" ]; then ok "measure: bad input writes nothing"; else bad "measure: bad input writes nothing"; fi


# --- one parser for every command (cli/args.c) -------------------------------------
# usage_error NAME ARGS...: exit 2, stderr exactly one line that names the
# offending option and ends with the pointer to the command's --help.
usage_error() {
    name=$1 optname=$2
    shift 2
    cmd=$1
    run_cmd "$@"
    if [ "$rc" -ne 2 ]; then
        bad "$name" "exit status $rc, want 2; stderr: $(head -c 300 "$TMP/err")"
    elif [ "$(wc -l <"$TMP/err")" -ne 1 ]; then
        bad "$name" "stderr is not one line: $(head -c 500 "$TMP/err")"
    elif ! grep -qF -- "$optname" "$TMP/err" || ! grep -qF -- "; see 'vmsim $cmd --help'" "$TMP/err"; then
        bad "$name" "stderr lacks $optname or the pointer: $(cat "$TMP/err")"
    else
        ok "$name"
    fi
}
for c in run check bench fit sweep merge plot timeline validate sensitivity calibrate measure; do
    usage_error "$c --frobnicate: one line naming it, then see 'vmsim $c --help'" --frobnicate $c --frobnicate
    usage_error "$c -Z: one line naming it" "-Z" $c -Z
    expect "vmsim help $c = vmsim $c --help" 0 "usage: vmsim $c" help $c
    "$VMSIM" $c --help >"$TMP/h1" 2>&1
    "$VMSIM" help $c >"$TMP/h2" 2>&1
    if cmp -s "$TMP/h1" "$TMP/h2"; then ok "help $c is $c --help"; else bad "help $c is $c --help"; fi
    # every option of the table (the completion's list) is in the --help text
    opts=$("$VMSIM" help --bash-completion | sed -n "/^    $c)/{n;p;}" | sed 's/.*opts="//; s/"$//')
    missing=
    for o in $opts; do
        case $o in --help) continue ;; esac
        grep -qF -- "$o" "$TMP/h1" || missing="$missing $o"
    done
    if [ -z "$missing" ]; then ok "$c --help documents every option"; else bad "$c --help documents every option" "missing:$missing"; fi
done
usage_error "run --sed suggests --seed" "did you mean --seed?" run "$LOCKLOOP" --sed 3
usage_error "a value missing names the option" "--seed needs a value" run "$LOCKLOOP" --seed
usage_error "a flag given a value" "--quiet takes no value" run "$LOCKLOOP" --quiet=1
usage_error "run --trace-from with a bad unit" "--trace-from 3parsecs" run "$LOCKLOOP" --trace-from 3parsecs
usage_error "sweep --seeds 0" "--seeds 0" sweep "$LOCKLOOP" -o "$TMP/sw0" --seeds 0
expect "unknown command suggests one" 2 'unknown command "ru" (did you mean "run"?)' ru
# --opt=value, -oFILE, bundling, -- and - on the commands that have them
expect "run --set=P=V --seed=N -qoFILE" 0 "" run "$LOCKLOOP" $SHORT --set=workload.threads=2 --seed=5 -qo"$TMP/eq.json"
if grep -q '"seed": 5' "$TMP/eq.json" && grep -q '"vcpus": 8' "$TMP/eq.json"; then ok "run: --seed=5 and -oFILE took effect"; else bad "run: --seed=5 and -oFILE took effect"; fi
expect "run --output=FILE -- SCENARIO" 0 "" run $SHORT --output="$TMP/eq2.json" -q -- "$LOCKLOOP"
if [ -s "$TMP/eq2.json" ]; then ok "run: --output= and --"; else bad "run: --output= and --"; fi
run_cmd run "$LOCKLOOP" $SHORT -q -o -
if [ "$rc" -eq 0 ] && grep -q '"vmsim_version"' "$TMP/out"; then ok "run -o - writes stdout"; else bad "run -o - writes stdout" "$(head -c 300 "$TMP/err")"; fi
if "$VMSIM" check - <"$LOCKLOOP" >"$TMP/out" 2>"$TMP/err" && grep -q "valid" "$TMP/out"; then ok "check - reads stdin"; else bad "check - reads stdin" "$(cat "$TMP/err")"; fi
if "$VMSIM" run - $SHORT -q <"$LOCKLOOP" >"$TMP/out" 2>"$TMP/err" && grep -q '"ops"' "$TMP/out"; then ok "run - reads stdin"; else bad "run - reads stdin" "$(cat "$TMP/err")"; fi
expect "run --trace-from=2ms --trace-to=0.004 (units and bare seconds)" 0 "" run "$LOCKLOOP" $SHORT -q -o "$TMP/t.json" --trace "$TMP/tr.json" --trace-from=2ms --trace-to=0.004
expect "bench hold --events=1000 --pending=10" 0 "RESULT events=1000" bench hold --events=1000 --pending=10
printf 'cores,throughput\n1,1000\n2,1900\n4,3400\n8,5600\n16,8000\n' >"$TMP/fit.csv"
expect "fit --x=cores --y=throughput" 0 "sigma" fit "$TMP/fit.csv" --x=cores --y=throughput
if "$VMSIM" fit - --x=cores <"$TMP/fit.csv" >"$TMP/out" 2>"$TMP/err" && grep -q sigma "$TMP/out"; then ok "fit - reads stdin"; else bad "fit - reads stdin" "$(cat "$TMP/err")"; fi
expect "merge --allow-missing=x refused" 2 "--allow-missing takes no value" merge "$TMP/a" "$TMP/b" --allow-missing=x
expect "measure --list --lock=tas --threads=1,2 --think-ns=2us --hold-ns=500" 0 "tas,2,2000,500" measure --list --lock=tas --threads=1,2 --think-ns=2us --hold-ns=500
expect "measure -qo DIR --list" 0 "tas,1" measure -qo"$TMP/mq" --list --lock tas --threads 1

SWP='sweep={"axes": [{"path": "workload.threads", "values": [1, 2]}], "seeds": [1]}'
expect "sweep -oDIR -j1 --seeds=2 --set=..." 0 "" sweep "$LOCKLOOP" -o"$TMP/swq" -j1 --seeds=2 $SHORT --set="$SWP" -q
if grep -q '"seeds": \[1, 2\]' "$TMP/swq/sweep.json" 2>/dev/null || grep -q '"seeds": \[$' "$TMP/swq/sweep.json"; then ok "sweep --seeds 2 runs seeds 1..2"; else bad "sweep --seeds 2 runs seeds 1..2" "$(head -c 300 "$TMP/swq/sweep.json")"; fi
if [ "$(grep -c . "$TMP/swq/results.csv")" -eq 5 ]; then ok "sweep --seeds 2: 2 x 2 rows"; else bad "sweep --seeds 2: 2 x 2 rows" "$(cat "$TMP/swq/results.csv")"; fi
if command -v gnuplot >/dev/null 2>&1; then
    expect "plot --x=... -oPREFIX.svg: one SVG" 0 "wrote q.svg" plot "$TMP/swq" --x=workload.threads -o"$TMP/pl/q.svg"
    if [ -s "$TMP/pl/q.svg" ] && [ ! -e "$TMP/pl/q.png" ]; then ok "plot -o q.svg writes only the SVG"; else bad "plot -o q.svg writes only the SVG"; fi
    expect "plot -o q.pdf: a PDF" 0 "wrote q.pdf" plot "$TMP/swq" -o "$TMP/pl/q.pdf"
    if grep -q "set xtics (1, 2)" "$TMP/pl/q.gp" && grep -q "threads" "$TMP/pl/q.gp"; then ok "plot: integer ticks and a human label for threads"; else bad "plot: integer ticks and a human label for threads" "$(grep -n 'xtics\|xlabel' "$TMP/pl/q.gp")"; fi
    if grep -q "critical sections per second per VM" "$TMP/pl/q.gp"; then ok "plot: lockloop's default y reads critical sections per second per VM"; else bad "plot: lockloop's default y label"; fi
    run_cmd run "$LOCKLOOP" $SHORT -q -o "$TMP/tl.json" --trace "$TMP/tl-trace.json" --trace-from=1ms --trace-to=3ms
    expect "timeline -oFILE --from=1ms --to=2000 (bare: us)" 0 "wrote" timeline "$TMP/tl-trace.json" -o"$TMP/tl.png" --from=1ms --to=2000
    if [ -s "$TMP/tl.png" ]; then ok "timeline -oFILE wrote the PNG"; else bad "timeline -oFILE wrote the PNG"; fi
else
    skipped "plot and timeline with --opt=value and -oFILE (gnuplot not found)"
fi
printf 'workload.threads,ops_per_s\n1,90000\n2,180000\n' >"$TMP/val.csv"
expect "validate --measured=FILE --seeds=1 -oDIR --no-plot" 0 "" validate "$LOCKLOOP" --measured="$TMP/val.csv" --seeds=1 -o"$TMP/vq" --no-plot -q $SHORT
if [ -s "$TMP/vq/validation.json" ]; then ok "validate -oDIR wrote validation.json"; else bad "validate -oDIR wrote validation.json"; fi
expect "sensitivity --param=... --values=... -oDIR" 0 "" sensitivity "$LOCKLOOP" --measured="$TMP/val.csv" --param=workload.hold.mean_ns --values=100,200 --seeds=1 -o"$TMP/sq" -q $SHORT
expect "calibrate --param=... --max-iter=2 -oDIR" 0 "" calibrate "$LOCKLOOP" --measured="$TMP/val.csv" --param=workload.hold.mean_ns:100:1000 --max-iter=2 --seeds=1 -o"$TMP/cq" -q $SHORT
if [ -s "$TMP/cq/fitted.json" ]; then ok "calibrate -oDIR wrote fitted.json"; else bad "calibrate -oDIR wrote fitted.json"; fi

# progress changes no number: a run cut into slices (progress on) equals one without (-q)
run_cmd run "$LOCKLOOP" --set duration_s=1.5 -o "$TMP/pr1.json"
run_cmd run "$LOCKLOOP" --set duration_s=1.5 -q -o "$TMP/pr2.json"
if [ -n "$PY" ]; then
    if $PY -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for d in (a, b):
    d.pop("wall"); d.pop("command_line")
assert a == b and a["events"] > 2000000, a["events"]
' "$TMP/pr1.json" "$TMP/pr2.json" 2>"$TMP/pyerr"; then ok "run with progress (slices of events) = run -q, over 2M events"; else bad "run with progress = run -q" "$(tail -2 "$TMP/pyerr")"; fi
else
    skipped "run with progress = run -q (python3 not found)"
fi

# the trace: a size limit with a clear message, Perfetto-friendly ids
OVC=$SRC/scenarios/teaching/overcommit.json
run_cmd run "$OVC" -q -o /dev/null --trace "$TMP/big.json" --trace-max-mb=1
if [ "$rc" -eq 0 ] && grep -q "warning: the trace reached --trace-max-mb 1 at" "$TMP/err" && [ "$(wc -c <"$TMP/big.json")" -lt 1400000 ]; then
    ok "run --trace-max-mb=1: cut near 1 MB, with a warning"
else
    bad "run --trace-max-mb=1: cut near 1 MB, with a warning" "status $rc, $(wc -c <"$TMP/big.json") bytes: $(cat "$TMP/err")"
fi
usage_error "run --trace-max-mb x" "--trace-max-mb x" run "$LOCKLOOP" --trace "$TMP/x.json" --trace-max-mb x
if [ -n "$PY" ]; then
    if $PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
od = d["otherData"]
assert od["dropped_events"] > 0 and od["truncated_at_ns"] > 0, od
ids = {(e["pid"], e["tid"]) for e in d["traceEvents"] if e["name"] == "thread_name"}
assert min(p for p, t in ids) >= 1 and min(t for p, t in ids) >= 1, ids
assert len({t for p, t in ids}) == len(ids), "a tid used by two processes"
' "$TMP/big.json" 2>"$TMP/pyerr"; then ok "trace: valid after the cut, says where; pid/tid unique and from 1"; else bad "trace: valid after the cut; ids" "$(tail -2 "$TMP/pyerr")"; fi
else
    skipped "trace ids (python3 not found)"
fi

# the time series: one row per interval, and it changes no number
run_cmd run "$OVC" -q -o "$TMP/se1.json" --series "$TMP/se.csv" --interval=5ms
run_cmd run "$OVC" -q -o "$TMP/se2.json"
rows=$(grep -vc '^#' "$TMP/se.csv")
if [ "$rows" -eq 101 ] && grep -q '^time_s,ops,ops_per_s,work_per_hour,running,spinning,halted,runnable,lhp,lwp' "$TMP/se.csv"; then
    ok "run --series --interval=5ms: a header and 100 rows over 0.5 s"
else
    bad "run --series --interval=5ms: a header and 100 rows" "$rows rows: $(head -3 "$TMP/se.csv")"
fi
if [ -n "$PY" ]; then
    if $PY -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for d in (a, b):
    d.pop("wall"); d.pop("command_line")
assert a == b
rows = [l.split(",") for l in open(sys.argv[3]) if l[0].isdigit()]
assert sum(int(r[1]) for r in rows) == a["ops"], "the series ops add up to the results"
# an LHP counts when it ends; the results also end the ones open at the end
assert sum(int(r[8]) for r in rows) + int(rows[-1][10]) == sum(l["lhp_count"] for l in a["locks"])
' "$TMP/se1.json" "$TMP/se2.json" "$TMP/se.csv" 2>"$TMP/pyerr"; then ok "run --series changes no number; its ops and LHP add up to the results"; else bad "run --series changes no number" "$(tail -2 "$TMP/pyerr")"; fi
fi
usage_error "run --interval without --series" "--interval needs --series" run "$LOCKLOOP" --interval 1ms
usage_error "run --series --interval 0" "--interval 0" run "$LOCKLOOP" --series "$TMP/x.csv" --interval 0
if command -v gnuplot >/dev/null 2>&1; then
    expect "plot --series FILE.csv -oPREFIX.png" 0 "wrote se.png" plot --series "$TMP/se.csv" -o"$TMP/pl/se.png"
    if [ -s "$TMP/pl/se.png" ]; then ok "plot --series wrote the PNG"; else bad "plot --series wrote the PNG"; fi
fi

VMSIM="$VMSIM" VMSIM_SRC="$SRC" sh "$SRC/tests/bad_inputs.sh" && ok "bad-input catalogue (tests/bad_inputs.sh)" || bad "bad-input catalogue (tests/bad_inputs.sh)"
echo "cli_tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
