#!/bin/bash
# Re-record the real-peer captures: captures/real-*.pcapng and their manifests real-*.json.
#
#   sudo bash captures/record/record.sh [--only real-python-node ...]
#
# Needs root (dumpcap on lo, the wss:// server on port 443) and Debian 12.  Installs what is
# missing: python3-websockets, chromium, tshark/dumpcap/editcap, openssl (apt-get), and the
# Node `ws` package (npm ci, from node/package-lock.json).  All traffic stays on 127.0.0.1.
# Not part of the test run; tests/test_real_captures.py checks the committed results.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

need=()
/usr/bin/python3 -c 'import websockets' 2>/dev/null || need+=(python3-websockets)
command -v chromium >/dev/null || need+=(chromium)
command -v dumpcap >/dev/null || need+=(tshark)
command -v editcap >/dev/null || need+=(wireshark-common)
command -v openssl >/dev/null || need+=(openssl)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
if [ ! -d "$here/node/node_modules/ws" ]; then
    (cd "$here/node" && npm ci --no-audit --no-fund)
fi

exec /usr/bin/python3 "$here/record.py" "$@"
