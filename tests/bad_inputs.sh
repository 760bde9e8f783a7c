#!/bin/sh
# The bad-input catalogue: runs every case of tests/bad-inputs/MANIFEST (its
# header describes the format) and a few checks of killed runs and special
# output files, and fails on a wrong exit status, a missing message, a crash
# (exit 134 or 139), a hang (60 s) or any sanitizer report.
#
# Usage: VMSIM=bin/vmsim sh tests/bad_inputs.sh   (`make test` runs it from
# tests/cli_tests.sh; `make asan` with the sanitized binary). Prints one line
# per case ("ok" or "FAIL" with the reason), then "bad_inputs: N passed, N
# failed", and exits 1 if any case failed. Large inputs (a 20 MB scenario,
# 10,000 nested arrays, a million CSV rows) are made in a temporary directory,
# never committed. See docs/robustness.md.

VMSIM=${VMSIM:-bin/vmsim}
SRC=${VMSIM_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
case $VMSIM in /*) ;; *) VMSIM=$(pwd)/$VMSIM ;; esac
if [ ! -x "$VMSIM" ]; then
    echo "bad_inputs: $VMSIM is not an executable (set VMSIM)" >&2
    exit 2
fi
cd "$SRC" || exit 2 # the messages name inputs as tests/bad-inputs/FILE
DIR=tests/bad-inputs
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmsim-bad.XXXXXX") || exit 2
trap 'chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
TIMEOUT=
command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout 60"

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/       /'; }

# A directory no file can be created in: permissions do not stop root, so
# root uses a kernel file system (/sys, or /proc where /sys is not mounted,
# as in a bare chroot), after checking that it really refuses new files.
if [ "$(id -u)" = 0 ]; then
    RODIR=
    for d in /sys /proc; do
        if mkdir "$d/.vmsim-w" 2>/dev/null; then rmdir "$d/.vmsim-w"
        elif ! (: >"$d/.vmsim-w") 2>/dev/null; then RODIR=$d; break
        else rm -f "$d/.vmsim-w"; fi
    done
    [ -n "$RODIR" ] || { echo "bad_inputs: no directory refuses new files to root" >&2; exit 2; }
else
    RODIR=$TMP/ro
    mkdir "$RODIR" && chmod 555 "$RODIR"
fi
TAB=$(printf '\t')
XFF=$(printf '\377')

# gen_input NAME: makes the generated input @NAME in $TMP/gen and prints its
# path. Inputs too large to commit, or that are not plain files.
gen_input() {
    g=$TMP/gen/$1
    mkdir -p "$TMP/gen"
    [ -e "$g" ] && { echo "$g"; return; }
    case $1 in
    deep-10000.json) # 10,000 nested arrays: the parser's depth limit (2048)
        awk 'BEGIN { printf "{\"duration_s\": 1, \"_x\": ";
                     for (i = 0; i < 10000; i++) printf "[";
                     for (i = 0; i < 10000; i++) printf "]"; print "}" }' >"$g" ;;
    big-20mb.json) # exactly 20 MiB of valid JSON: above the 16 MiB limit
        pre='{"duration_s": 1, "_comment": "'
        post='"}'
        n=$((20971520 - ${#pre} - ${#post}))
        { printf '%s' "$pre"; head -c "$n" /dev/zero | tr '\0' x; printf '%s' "$post"; } >"$g" ;;
    directory.json | directory.csv) mkdir "$g" ;;
    fifo.json) mkfifo "$g" ;;
    long-line.csv) # a 70,000-byte line: above the 65,536-byte line limit
        { echo "cores,throughput"; head -c 70000 /dev/zero | tr '\0' 1; echo ",1"; } >"$g" ;;
    wide.csv) # 1001 columns: above the 1000-column limit
        awk 'BEGIN { for (i = 0; i <= 1000; i++) printf "%sc%d", i ? "," : "", i; print "" }' >"$g" ;;
    many-rows.csv) # 1,000,001 data rows: above the 1,000,000-row limit
        awk 'BEGIN { print "cores,throughput"; for (i = 0; i <= 1000000; i++) print "1,1" }' >"$g" ;;
    *) echo "bad_inputs: no generator for @$1" >&2; return 1 ;;
    esac
    echo "$g"
}

# sub WORD: the placeholders of a COMMAND word replaced (see MANIFEST).
sub() {
    printf '%s\n' "$1" | sed -e "s|{}|$in|g" -e "s|{src}|$SRC|g" -e "s|{tmp}|$ctmp|g" \
        -e "s|{rodir}|$RODIR|g" -e "s|{tab}|$TAB|g" -e "s|{xff}|$XFF|g"
}

# sanitized FILE: 0 when FILE holds a sanitizer report.
sanitized() {
    grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$1"
}

# --- the catalogue ----------------------------------------------------------------------
n=0
set -f # no globbing of the words split from COMMAND
while IFS= read -r line || [ -n "$line" ]; do
    case $line in '' | '#'*) continue ;; esac
    file=${line%% | *}
    rest=${line#* | }
    cmd=${rest%% | *}
    rest=${rest#* | }
    want=${rest%% | *}
    msg=${rest#* | }
    n=$((n + 1))
    name="$file: vmsim $cmd -> $want"
    ctmp=$TMP/case$n
    mkdir -p "$ctmp"
    case $file in
    -) in= ;;
    @*) in=$(gen_input "${file#@}") || { bad "$name" "cannot make the input"; continue; } ;;
    *) in=$DIR/$file
       [ -e "$in" ] || { bad "$name" "missing input $in"; continue; } ;;
    esac
    # rebuild the arguments word by word: {empty} becomes an empty argument
    set --
    for w in $cmd; do
        if [ "$w" = "{empty}" ]; then set -- "$@" ""; else set -- "$@" "$(sub "$w")"; fi
    done
    $TIMEOUT "$VMSIM" "$@" </dev/null >"$TMP/out" 2>&1
    rc=$?
    if [ "$rc" -eq 134 ] || [ "$rc" -eq 139 ] || [ "$rc" -eq 124 ] || sanitized "$TMP/out"; then
        bad "$name" "crashed or hung (exit $rc): $(grep -m3 -E 'ERROR|runtime error|SUMMARY' "$TMP/out" || head -c 300 "$TMP/out")"
    elif [ "$rc" -ne "$want" ]; then
        bad "$name" "exit status $rc, want $want: $(head -c 400 "$TMP/out")"
    elif ! head -n 1 "$TMP/out" | grep -qF -- "$msg"; then
        bad "$name" "first line lacks: $msg
got: $(head -c 400 "$TMP/out")"
    elif [ "$(wc -l <"$TMP/out")" -gt 1 ] && ! sed -n 2p "$TMP/out" | grep -q '^usage: '; then
        # one line, or a usage error followed by the usage
        bad "$name" "the error is not one line: $(head -c 400 "$TMP/out")"
    else
        ok "$name"
    fi
    rm -rf "$ctmp"
done <"$DIR/MANIFEST"
set +f
[ "$n" -ge 40 ] && ok "the catalogue has $n cases" || bad "the catalogue has $n cases, expected at least 40"

# --- killed runs and special output files -----------------------------------------
VALID=$DIR/valid.json
LONG="--set duration_s=1000 -q"

# killed SIG: a run writing -o r.json (which exists) and --trace t.json is
# killed with SIG once its trace temporary exists; r.json must keep its old
# contents and no t.json may appear. With a catchable signal the temporary
# must be gone too; SIGKILL cannot be caught and may leave it (documented).
killed() {
    sig=$1
    k=$TMP/kill-$sig
    mkdir -p "$k"
    echo previous >"$k/r.json"
    # the trace window starts at 999 s so the trace stays small
    "$VMSIM" run "$VALID" $LONG -o "$k/r.json" --trace "$k/t.json" --trace-from 999 2>"$k/err" &
    pid=$!
    i=0
    while [ $i -lt 100 ] && ! ls "$k"/t.json.tmp.* >/dev/null 2>&1; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -"$sig" "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    left=$(cd "$k" && ls | grep -v '^err$' | tr '\n' ' ')
    what="run killed by SIG$sig: -o file intact, no partial trace"
    if [ "$(cat "$k/r.json")" != previous ] || [ -e "$k/t.json" ]; then
        bad "$what" "r.json: $(head -c 100 "$k/r.json"); files: $left"
    elif [ "$rc" -le 128 ]; then
        bad "$what" "exit status $rc: not stopped by the signal (did the run end first?)"
    elif [ "$sig" != KILL ] && [ "$left" != "r.json " ]; then
        bad "$what" "temporary files left behind: $left"
    elif sanitized "$k/err"; then
        bad "$what" "$(head -c 300 "$k/err")"
    else
        left=${left#r.json }
        ok "$what${left:+ (SIGKILL cannot be caught; left behind: $left)}"
    fi
}
killed TERM
killed INT
killed HUP
killed KILL

# -o to a FIFO is written in place (not replaced by a regular file)
mkfifo "$TMP/fifo.out"
cat "$TMP/fifo.out" >"$TMP/fifo.got" &
cpid=$!
$TIMEOUT "$VMSIM" run "$VALID" -q -o "$TMP/fifo.out" >"$TMP/out" 2>&1
rc=$?
wait $cpid
if [ $rc -eq 0 ] && [ -p "$TMP/fifo.out" ] && grep -q '"vmsim_version"' "$TMP/fifo.got"; then
    ok "run -o FIFO: results written through the FIFO, which stays a FIFO"
else
    bad "run -o FIFO: results written through the FIFO, which stays a FIFO" "exit $rc; $(head -c 300 "$TMP/out")"
fi

# -o to a symbolic link replaces its target, not the link
echo previous >"$TMP/target.json"
ln -s target.json "$TMP/link.json"
$TIMEOUT "$VMSIM" run "$VALID" -q -o "$TMP/link.json" >"$TMP/out" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ -L "$TMP/link.json" ] && grep -q '"vmsim_version"' "$TMP/target.json"; then
    ok "run -o SYMLINK: the target is written, the link stays a link"
else
    bad "run -o SYMLINK: the target is written, the link stays a link" "exit $rc; $(ls -l "$TMP" | head -5)"
fi

# results on a full standard output are an error, not a silent loss
if [ -w /dev/full ]; then
    $TIMEOUT "$VMSIM" run "$VALID" -q >/dev/full 2>"$TMP/out"
    rc=$?
    if [ $rc -eq 1 ] && grep -q "cannot write the results to standard output: No space left" "$TMP/out"; then
        ok "run >/dev/full: exit 1, the write error named"
    else
        bad "run >/dev/full: exit 1, the write error named" "exit $rc; $(head -c 300 "$TMP/out")"
    fi
fi

# an unwritable -o fails before the run, not after it
start=$(date +%s)
$TIMEOUT "$VMSIM" run "$VALID" $LONG -o /dev/full/x >"$TMP/out" 2>&1
rc=$?
if [ $rc -eq 1 ] && [ $(($(date +%s) - start)) -lt 30 ]; then
    ok "run -o unwritable: fails at once, before a 1000 s simulation"
else
    bad "run -o unwritable: fails at once, before a 1000 s simulation" "exit $rc; $(head -c 300 "$TMP/out")"
fi

echo "bad_inputs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
