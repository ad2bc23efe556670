#!/bin/bash
# Re-record the real-peer captures: captures/real-*.pcapng and their manifests real-*.json.
#
#   sudo bash captures/record/record.sh [--only real-python-node ...]
#   sudo bash captures/record/record.sh --only real-winhttp-wine     (about 1.5 minutes)
#   sudo bash captures/record/record.sh --only real-winhttp-wine-upgrade  (opening handshakes)
#
# Needs root (dumpcap on lo, the wss:// server on port 443) and Debian 12.  Installs what the
# selected captures need and is missing: python3-websockets, chromium, tshark/dumpcap/editcap,
# openssl (apt-get), the Node `ws` package (npm ci, from node/package-lock.json), and for
# real-winhttp-wine and real-winhttp-wine-upgrade wine, wine64 and mingw-w64 (apt-get
# --no-install-recommends).  All traffic stays on 127.0.0.1.  Not part of the test run;
# tests/test_real_captures.py checks the committed results.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# The captures named after --only (all when there is no --only).
only=()
in_only=0
for arg in "$@"; do
    case "$arg" in
        --only) in_only=1 ;;
        --*) in_only=0 ;;
        *) [ $in_only -eq 1 ] && only+=("$arg") ;;
    esac
done
wants() {
    [ ${#only[@]} -eq 0 ] && return 0
    local name
    for name in "${only[@]}"; do
        for want in "$@"; do [ "$name" = "$want" ] && return 0; done
    done
    return 1
}

need=()
/usr/bin/python3 -c 'import websockets' 2>/dev/null || need+=(python3-websockets)
command -v dumpcap >/dev/null || need+=(tshark)
command -v editcap >/dev/null || need+=(wireshark-common)
command -v openssl >/dev/null || need+=(openssl)
if wants real-chromium-python real-chromium-node; then
    command -v chromium >/dev/null || need+=(chromium)
fi
if wants real-python-node real-node-python real-chromium-node; then
    command -v node >/dev/null || need+=(nodejs)
    command -v npm >/dev/null || need+=(npm)
fi
need_norec=()
if wants real-winhttp-wine real-winhttp-wine-upgrade; then
    command -v wine >/dev/null || need_norec+=(wine wine64)
    command -v x86_64-w64-mingw32-gcc >/dev/null || need_norec+=(mingw-w64)
fi
if [ ${#need[@]} -gt 0 ] || [ ${#need_norec[@]} -gt 0 ]; then
    apt-get update -qq
fi
if [ ${#need[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
if [ ${#need_norec[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_norec[@]}"
fi
if wants real-python-node real-node-python real-chromium-node \
        && [ ! -d "$here/node/node_modules/ws" ]; then
    (cd "$here/node" && npm ci --no-audit --no-fund)
fi

exec /usr/bin/python3 "$here/record.py" "$@"
