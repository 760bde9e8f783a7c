#!/bin/sh
# Install and data-lookup tests (issue: data found from anywhere).
#
# Usage: sh tests/install_test.sh   (from make test, which passes MAKE and its
# variables on; by hand: VMSIM=bin/vmsim sh tests/install_test.sh). Installs
# into temporary prefixes with `make install`, with PREFIX and with DESTDIR,
# and checks from / that the installed binary runs bundled scenarios by name
# and that a user's scenario elsewhere can name a bundled host preset and a
# bundled base scenario; then `make uninstall`. Also checks that the
# uninstalled build finds its own scenarios from any directory.

SRC=$(cd "$(dirname "$0")/.." && pwd)
VMSIM=${VMSIM:-$SRC/bin/vmsim}
case $VMSIM in /*) ;; *) VMSIM=$(pwd)/$VMSIM ;; esac
MAKE=${MAKE:-make}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmsim-inst.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "$2" ] && printf '%s\n' "$2" | sed 's/^/       /'; }
# check NAME COMMAND...: the command, run from /, succeeds
check() {
    name=$1
    shift
    if (cd / && "$@") >"$TMP/out" 2>&1; then ok "$name"; else bad "$name" "$(tail -3 "$TMP/out")"; fi
}

mkdir -p "$TMP/user"
cat >"$TMP/user/mine.json" <<'JSON'
{"name": "mine", "duration_s": 0.02, "host": {"preset": "generic-1x2"},
 "hypervisor": {"scheduler": "cfs"}, "vms": {"count": 1, "vcpus": 2},
 "guest": {"lock": {"algorithm": "ticket"}},
 "workload": {"type": "lockloop", "threads": 2, "think": {"dist": "exp", "mean_ns": 10000},
              "hold": {"dist": "exp", "mean_ns": 1000}}}
JSON
# a bundled base whose own preset (x3950-x6) must be found from the base
echo '{"base": "paper/fig1", "duration_s": 0.02, "warmup_s": 0.005, "host": {"cores": 4}}' \
    >"$TMP/user/based.json"

# a base in another directory names a preset that lies beside the base
mkdir -p "$TMP/a/hosts" "$TMP/b"
cp "$SRC/scenarios/hosts/generic-1x2.json" "$TMP/a/hosts/mine-1x2.json"
sed 's/"generic-1x2"/"mine-1x2"/' "$TMP/user/mine.json" >"$TMP/a/base.json"
echo '{"base": "../a/base.json", "duration_s": 0.01}' >"$TMP/b/s.json"
check "a base's preset is looked up from the base" "$VMSIM" check "$TMP/b/s.json"

# the uninstalled build, from another directory
check "checkout build runs teaching/lhp-ticket from /" "$VMSIM" run teaching/lhp-ticket -o /dev/null
check "checkout build: user scenario names a bundled preset" "$VMSIM" check "$TMP/user/mine.json"

installed() { # installed TAG BIN: the checks on an installed binary
    check "$1: run teaching/lhp-ticket from /" "$2" run teaching/lhp-ticket -o /dev/null
    check "$1: run teaching/lhp-ticket.json from /" "$2" run teaching/lhp-ticket.json -o /dev/null
    check "$1: check a user scenario naming a bundled preset" "$2" check "$TMP/user/mine.json"
    check "$1: run a user scenario whose base is bundled" "$2" run "$TMP/user/based.json" -o /dev/null
}

P=$TMP/p
if $MAKE -s -C "$SRC" install PREFIX="$P" DESTDIR= >"$TMP/make.out" 2>&1; then
    ok "make install PREFIX=$P"
    installed "PREFIX" "$P/bin/vmsim"
    for f in share/man/man1/vmsim.1 share/bash-completion/completions/vmsim share/doc/vmsim/README.md \
             share/doc/vmsim/docs/cli.md; do
        if [ -s "$P/$f" ]; then ok "make install installs $f"; else bad "make install installs $f"; fi
    done
    # the man page shows every command
    if command -v man >/dev/null 2>&1; then
        MANWIDTH=100 man -l "$P/share/man/man1/vmsim.1" >"$TMP/man.txt" 2>"$TMP/man.err"
        missing=
        for c in $("$VMSIM" help --bash-completion | sed -n 's/^    \([a-z]*\))$/\1/p' | grep -v '^help$'); do
            grep -q "vmsim $c" "$TMP/man.txt" || missing="$missing $c"
        done
        if [ -s "$TMP/man.txt" ] && [ -z "$missing" ]; then ok "man -l vmsim.1 shows every command"
        else bad "man -l vmsim.1 shows every command" "missing:$missing $(head -3 "$TMP/man.err")"; fi
    else
        echo "skip man -l (man not installed)"
    fi
    # the completion completes commands and each command's options
    if command -v bash >/dev/null 2>&1; then
        comp() { # comp WORDS...: the completions of the last word
            bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vmsim; echo "${COMPREPLY[*]}"' \
                comp "$P/share/bash-completion/completions/vmsim" "$@"
        }
        got=$(comp vmsim ru)
        if [ "$got" = run ]; then ok "completion: vmsim ru -> run"; else bad "completion: vmsim ru -> run" "got: $got"; fi
        got=$(comp vmsim run --se)
        if [ "$(echo $got | tr ' ' '\n' | grep -cx -e --seed -e --set)" = 2 ] && ! echo "$got" | grep -q -- --trace; then ok "completion: vmsim run --se -> --seed --set (and --series)"
        else bad "completion: vmsim run --se -> --seed --set" "got: $got"; fi
        got=$(comp vmsim sweep --re)
        if [ "$got" = --resume ]; then ok "completion: vmsim sweep --re -> --resume"; else bad "completion: vmsim sweep --re -> --resume" "got: $got"; fi
    else
        echo "skip the completion (bash not installed)"
    fi
    $MAKE -s -C "$SRC" uninstall PREFIX="$P" DESTDIR= >>"$TMP/make.out" 2>&1
    left=$(cd "$P" && find . -type f | head -5)
    if [ ! -e "$P/bin/vmsim" ] && [ ! -e "$P/share/vmsim" ] && [ -z "$left" ]; then ok "make uninstall removes everything it installed"
    else bad "make uninstall removes everything it installed" "$left"; fi
else
    bad "make install PREFIX=$P" "$(tail -5 "$TMP/make.out")"
fi

D=$TMP/stage
if $MAKE -s -C "$SRC" install PREFIX=/opt/vmsim DESTDIR="$D" >"$TMP/make.out" 2>&1; then
    ok "make install PREFIX=/opt/vmsim DESTDIR=$D"
    installed "DESTDIR" "$D/opt/vmsim/bin/vmsim"
    # after staging, the tree is moved to its final place (as a package is)
    mkdir -p "$TMP/final" && cp -R "$D/opt/vmsim/." "$TMP/final/"
    installed "DESTDIR, moved" "$TMP/final/bin/vmsim"
else
    bad "make install DESTDIR" "$(tail -5 "$TMP/make.out")"
fi

# a binary without its data says where it looked
mkdir -p "$TMP/lone/bin" && cp "$VMSIM" "$TMP/lone/bin/vmsim"
(cd / && env -u VMSIM_DATADIR "$TMP/lone/bin/vmsim" run teaching/lhp-ticket -o /dev/null) >"$TMP/out" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q "nor is it a bundled scenario" "$TMP/out"; then ok "no data: a clear error, exit 2"
else bad "no data: a clear error, exit 2" "status $rc: $(cat "$TMP/out")"; fi
# ... and $VMSIM_DATADIR points it at data
check "VMSIM_DATADIR names the data" env VMSIM_DATADIR="$SRC/scenarios" "$TMP/lone/bin/vmsim" run teaching/lhp-ticket -o /dev/null

echo "install_test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
