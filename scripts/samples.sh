#!/bin/sh
# Prints the close frames of the sample captures with the installed wsclose plugin.
#
# As root, Wireshark ignores personal plugin folders, so root's run goes through an
# unprivileged user (nobody) with a throw-away HOME holding the plugin.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
mm=$(tshark -v | sed -n '1s/.*) \([0-9]*\.[0-9]*\)\..*/\1/p')
plugin="${WSCLOSE_PLUGIN:-$HOME/.local/lib/wireshark/plugins/$mm/epan/wsclose.so}"
[ -f "$plugin" ] || { echo "wsclose.so not found at $plugin: build and install first" >&2; exit 1; }

tshark_as_user() { tshark "$@"; }
captures="$here/captures"
if [ "$(id -u)" -eq 0 ]; then
    home=$(mktemp -d)
    trap 'rm -rf "$home"' EXIT
    mkdir -p "$home/.local/lib/wireshark/plugins/$mm/epan" "$home/captures"
    cp "$plugin" "$home/.local/lib/wireshark/plugins/$mm/epan/"
    cp "$here"/captures/*.pcap* "$home/captures/"
    chmod -R a+rX "$home"
    captures="$home/captures"
    tshark_as_user() {
        setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$home" tshark "$@"
    }
fi

tshark_as_user -G plugins | grep -q wsclose.so || { echo "tshark did not load wsclose.so" >&2; exit 1; }
for cap in "$captures"/*.pcap*; do
    echo "== $(basename "$cap")"
    tshark_as_user -r "$cap" -Y wsclose -T fields -E header=n \
        -e frame.number -e wsclose.status -e wsclose.winhttp -e wsclose.range -e _ws.col.Info
done
