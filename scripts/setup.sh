#!/bin/sh
# scripts/setup.sh [--tests]
#
# Installs the Debian packages wsclose needs (Debian 12 or later), without recommends:
#   (no option)  scripts/deps-debian.txt: build the plugin and run it with tshark
#   --tests      also scripts/deps-test.txt: everything the test suite runs (valgrind,
#                clang's libFuzzer, llvm-symbolizer, Xvfb, xdotool and the Wireshark GUI,
#                wireshark-qt), so that no test is skipped
# As root, or through sudo otherwise. It asks nothing (no terminal needed: apt-get runs
# with DEBIAN_FRONTEND=noninteractive, on sudo's own command line since sudo drops
# exported variables), and installs nothing when every package is already installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lists="deps-debian.txt"
case "${1:-}" in
    "") ;;
    --tests) lists="$lists deps-test.txt" ;;
    *) echo "usage: $0 [--tests]" >&2; exit 2 ;;
esac
[ $# -le 1 ] || { echo "usage: $0 [--tests]" >&2; exit 2; }

pkgs=$(cd "$here" && sed -e 's/#.*//' $lists | tr -s ' \t\n' ' ')

# Nothing to do when dpkg has them all installed.
missing=""
for p in $pkgs; do
    status=$(dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null || true)
    case "$status" in ii*) ;; *) missing="$missing $p" ;; esac
done
if [ -z "$missing" ]; then
    echo "setup.sh: all packages of $lists are installed"
    exit 0
fi
echo "setup.sh: installing$missing"

if [ "$(id -u)" -eq 0 ]; then
    as_root() { env DEBIAN_FRONTEND=noninteractive "$@"; }
else
    command -v sudo >/dev/null || { echo "setup.sh: run as root, or install sudo" >&2; exit 1; }
    as_root() { sudo DEBIAN_FRONTEND=noninteractive "$@"; }
fi
as_root apt-get update -q
# shellcheck disable=SC2086  # one word per package
as_root apt-get install -y -q --no-install-recommends $missing
