#!/bin/sh
# wsclose benchmark: tshark with vs without the plugin (CPU time, callgrind instructions per
# packet, peak RSS). One command, about 9 minutes on 2 cores; see bench/README.md.
#   bench/run.sh                 full run, writes bench/last-run.md
#   bench/run.sh --smoke         machinery check on tiny captures (< 60 s), writes nothing
#   bench/run.sh --plugin PATH   measure another wsclose.so (default build/plugin/wsclose.so)
exec /usr/bin/python3 "$(dirname "$0")/bench.py" "$@"
