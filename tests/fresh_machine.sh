#!/bin/sh
# The README's two commands on a fresh Debian machine, for real.
#
# Usage (as root, on Debian or Ubuntu with network access to a Debian mirror):
#   sh tests/fresh_machine.sh [--quick] [--order demo-test|test-demo|both] [--keep]
#
# Builds (once, cached in $VMSIM_FRESH_DIR, default /var/tmp/vmsim-fresh) a
# minimal Debian bookworm with debootstrap --variant=minbase, plus `make`
# (what a user needs to type the commands at all; nothing of vmsim's). For
# each order it copies that base to a new directory, puts a clean export of
# the checkout's HEAD (git archive: exactly what a clone holds) in /src, and
# runs there, as root, `make demo && make test` or `make test && make demo`.
# Neither gsl, jansson, check, gnuplot nor a compiler is in the base: the
# first command must install them. --quick uses `make demo-quick` (one seed
# of the figure) in place of `make demo`. Exit 0 when every order passed,
# 1 when one failed, 77 when the environment does not allow the test (not
# root, no debootstrap and none installable, no mirror): CI treats 77 as a
# skip. Logs: $VMSIM_FRESH_DIR/ORDER.log.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
DIR=${VMSIM_FRESH_DIR:-/var/tmp/vmsim-fresh}
MIRROR=${VMSIM_FRESH_MIRROR:-http://deb.debian.org/debian}
DEMO=demo
ORDERS="demo-test test-demo"
KEEP=0
while [ $# -gt 0 ]; do
    case $1 in
    --quick) DEMO=demo-quick ;;
    --order) shift; case ${1:-} in both) ;; demo-test|test-demo) ORDERS=$1 ;; *) echo "fresh_machine: --order demo-test|test-demo|both" >&2; exit 2 ;; esac ;;
    --keep) KEEP=1 ;;
    *) echo "fresh_machine: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
    esac
    shift
done
skip() { echo "fresh_machine: skipped: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (chroot, mount)"
command -v git >/dev/null || skip "needs git (to export HEAD)"
if ! command -v debootstrap >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null 2>&1 || skip "no debootstrap"
fi
mkdir -p "$DIR"
BASE=$DIR/base
if [ ! -x "$BASE/usr/bin/make" ]; then
    rm -rf "$BASE"
    echo "fresh_machine: debootstrap bookworm into $BASE (once)" >&2
    debootstrap --variant=minbase bookworm "$BASE" "$MIRROR" >"$DIR/debootstrap.log" 2>&1 ||
        { rm -rf "$BASE"; skip "debootstrap failed (no mirror?): $DIR/debootstrap.log"; }
    cp /etc/resolv.conf "$BASE/etc/resolv.conf" 2>/dev/null
    chroot "$BASE" sh -c 'apt-get update -q && apt-get install -y -q --no-install-recommends make' \
        >>"$DIR/debootstrap.log" 2>&1 || { rm -rf "$BASE"; skip "could not install make in the base"; }
    chroot "$BASE" apt-get clean >/dev/null 2>&1
fi

# unmount_all ROOT: unmounts whatever is mounted under ROOT; fails if any
# mount stays (then ROOT must not be removed: it would reach the host's /dev)
unmount_all() {
    for m in $(awk -v r="$1/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
    ! awk -v r="$1/" 'index($2, r) == 1 { f = 1 } END { exit !f }' /proc/mounts
}
current=
trap '[ -n "$current" ] && unmount_all "$current"; exit 130' INT TERM
trap '[ -n "$current" ] && unmount_all "$current"' EXIT

chroot "$BASE" true 2>/dev/null || skip "chroot is not permitted here"

status=0
for order in $ORDERS; do
    root=$DIR/$order
    unmount_all "$root" || { echo "fresh_machine: $root has mounts left; not removing it" >&2; exit 1; }
    rm -rf "$root"
    current=$root
    cp -a "$BASE" "$root"
    cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
    mkdir -p "$root/src"
    (cd "$SRC" && git archive HEAD) | tar -x -C "$root/src"
    if ! { mount -t proc proc "$root/proc" && mount -t sysfs sys "$root/sys" &&
        mount --bind /dev "$root/dev"; }; then
        unmount_all "$root" && rm -rf "$root"
        skip "cannot mount /proc, /sys or /dev in a chroot here"
    fi
    case $order in
    demo-test) cmds="make $DEMO && make test" ;;
    test-demo) cmds="make test && make $DEMO" ;;
    esac
    echo "fresh_machine: $order: $cmds (log $DIR/$order.log)" >&2
    start=$(date +%s)
    if chroot "$root" sh -c "cd /src && $cmds" >"$DIR/$order.log" 2>&1 &&
        [ -s "$root/src/out/fig1${DEMO#demo}/fig1.png" ]; then
        echo "ok   $order on a fresh Debian ($(($(date +%s) - start)) s): $cmds" \
            "($(grep -c 'vmsim: installing' "$DIR/$order.log") install step)"
    else
        echo "FAIL $order on a fresh Debian: $cmds"
        tail -15 "$DIR/$order.log" | sed 's/^/       /'
        status=1
    fi
    if unmount_all "$root"; then
        [ $KEEP = 1 ] || rm -rf "$root"
    else
        echo "fresh_machine: could not unmount everything under $root; left in place" >&2
        status=1
    fi
    current=
done
exit $status
