#!/bin/sh
# Prints the close frames of the sample captures with the installed wsclose plugin: a
# header line, then for every capture "== NAME" and one tab-separated row per frame that
# wsclose labels, and a closing summary "N close frames labeled in M captures; K aborts"
# (K: endpoints whose WinHTTP application reports WINHTTP_WEB_SOCKET_ABORTED_CLOSE_STATUS
# because the connection ended without their peer's close frame).
#
# As root, Wireshark ignores personal plugin folders, so root's run goes through an
# unprivileged user (nobody) with a throw-away HOME holding the plugin. Fails when tshark
# loads another wsclose.so than the installed personal one (a system-wide copy wins).
#
# Environment: WSCLOSE_PLUGIN  the plugin to run [the personal install]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
# stderr: tshark -v as root warns that running as root could be dangerous.
mm=$(tshark -v 2>/dev/null | sed -n '1s/.*) \([0-9]*\.[0-9]*\)\..*/\1/p')
plugin="${WSCLOSE_PLUGIN:-$HOME/.local/lib/wireshark/plugins/$mm/epan/wsclose.so}"
[ -f "$plugin" ] || { echo "wsclose.so not found at $plugin: build and install first" >&2; exit 1; }

tshark_as_user() { tshark "$@"; }
captures="$here/captures"
expected="$plugin"
if [ "$(id -u)" -eq 0 ]; then
    home=$(mktemp -d)
    trap 'rm -rf "$home"' EXIT
    mkdir -p "$home/.local/lib/wireshark/plugins/$mm/epan" "$home/captures"
    cp "$plugin" "$home/.local/lib/wireshark/plugins/$mm/epan/"
    expected="$home/.local/lib/wireshark/plugins/$mm/epan/wsclose.so"
    cp "$here"/captures/*.pcap* "$home/captures/"
    chmod -R a+rX "$home"
    captures="$home/captures"
    tshark_as_user() {
        setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$home" tshark "$@"
    }
fi

# Which wsclose.so tshark loads: the one installed above, not a system-wide copy.
loaded=$(tshark_as_user -G plugins 2>/dev/null | awk -F '\t' '$1 ~ /^wsclose\.so *$/ { print $NF }')
if [ -z "$loaded" ]; then
    echo "tshark did not load wsclose.so (tshark -G plugins)" >&2
    exit 1
fi
if [ "$loaded" != "$expected" ] && [ "$loaded" != "$(readlink -f "$expected")" ]; then
    owner=$(dpkg-query -S "$loaded" 2>/dev/null | cut -d: -f1 || true)
    echo "tshark loads a system-wide wsclose.so, $loaded, instead of $expected:" >&2
    echo "the personal and the system install exclude each other; remove the system one with" >&2
    if [ -n "$owner" ]; then
        echo "  sudo dpkg --purge $owner" >&2
    else
        echo "  sudo rm $loaded" >&2
    fi
    exit 1
fi

printf 'frame\tstatus\tWinHTTP status\trange\tclose from\tabort\tInfo\n'
total=0 files=0 aborts=0
for cap in "$captures"/*.pcap*; do
    echo "== $(basename "$cap")"
    rows=$(tshark_as_user -r "$cap" -Y wsclose -T fields -E header=n \
        -e frame.number -e wsclose.status -e wsclose.winhttp -e wsclose.range \
        -e wsclose.from -e wsclose.abort -e _ws.col.Info)
    [ -z "$rows" ] || printf '%s\n' "$rows"
    # wsclose.from: one value per close frame; wsclose.abort: one per aborted endpoint.
    set -- $(printf '%s\n' "$rows" | awk -F '\t' '
        function count(s) { return s == "" ? 0 : split(s, _, ",") }
        { c += count($5); a += count($6) } END { print c + 0, a + 0 }')
    total=$((total + $1)) aborts=$((aborts + $2)) files=$((files + 1))
done
echo "$total close frames labeled in $files captures; $aborts aborts"
[ "$total" -gt 0 ] || { echo "no close frame labeled" >&2; exit 1; }
