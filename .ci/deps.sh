#!/bin/sh
# Installs the Debian packages vmsim needs when any is missing. Idempotent.
# `sh .ci/deps.sh` installs what building, testing and plotting need;
# `sh .ci/deps.sh mpi` adds Open MPI for `make MPI=1` (CI's MPI sweep test).
set -e
PKGS="build-essential pkg-config libgsl-dev libjansson-dev check gnuplot-nox valgrind"
[ "${1:-}" = mpi ] && PKGS="$PKGS libopenmpi-dev openmpi-bin"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "vmsim: installing the Debian packages the build, tests and plots need:$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "vmsim: not root and no sudo: install as root:$missing" >&2; exit 1; }
  SUDO="sudo"
fi
$SUDO apt-get update -q >&2
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >&2
