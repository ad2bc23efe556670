#!/usr/bin/env bash
# scripts/gui-screenshots.sh [OUTDIR]
#
# Screenshots of the real Wireshark GUI (wireshark-qt) with the wsclose plugin, taken
# under Xvfb, into OUTDIR (default: docs/):
#   gui-packet-list.png     enum-codes.pcapng filtered on wsclose, with the "wsclose"
#                           profile of docs/profile/ (a "WinHTTP close status" column)
#   gui-packet-details.png  a close frame with the wsclose subtree expanded
#   gui-stats-tree.png      the statistics tree "WebSocket Close Status (WinHTTP)" of
#                           WSCLOSE_STATS_CAPTURE, opened from the Statistics menu
#   gui-lua-packet-details.png  as gui-packet-details.png, with the Lua edition
#                           (lua/wsclose.lua) installed instead of the C plugin
#   gui-lua-stats.png       the Lua edition's statistics window of WSCLOSE_STATS_CAPTURE,
#                           opened from the Statistics menu
# and next to each PNG a NAME.txt: the PNG's SHA-256, the profile files it used, and what
# the shot shows as tshark prints it (the same capture, filter, frame and profile, two
# passes like the GUI; "# edition lua" when the Lua edition printed it). tests/test_screenshots.py (ctest screenshots) re-runs those tshark
# commands with the freshly built plugin and fails when the output changed: then run this
# script again (after cmake --build build) and commit docs/.
#
# The GUI runs with the plugin in the personal plugin folder of a throw-away HOME,
# as uid 65534 (nobody) when run as root (Wireshark as root ignores personal plugin
# folders). Installs what it lacks from scripts/deps-gui.txt (with sudo when not root).
#
# Environment: WSCLOSE_PLUGIN  the plugin to show  [build/plugin/wsclose.so]
#              WSCLOSE_LUA     the Lua edition to show  [lua/wsclose.lua]
#              WSCLOSE_STATS_CAPTURE  the capture of the statistics shot, from captures/
#                                     [enum-codes.pcapng]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/docs}
plugin=${WSCLOSE_PLUGIN:-$here/build/plugin/wsclose.so}
lua=${WSCLOSE_LUA:-$here/lua/wsclose.lua}
capture=enum-codes.pcapng
stats_capture=${WSCLOSE_STATS_CAPTURE:-real-python-node.pcapng}
stats_title="WebSocket Close Status (WinHTTP)"   # the plugin's stats_tree_register_plugin
stats_title_re='WebSocket Close Status \(WinHTTP\)'  # xdotool search --name takes a regex
details_frame=92        # 1007: WINHTTP_WEB_SOCKET_INVALID_PAYLOAD_CLOSE_STATUS, with its alias
width=1440 height=810   # the screen, and the main window filling it
# The statistics dialog: all columns, and all rows of enum-codes' tree (others: taller).
stats_size="1160 640"
[ "$stats_capture" = enum-codes.pcapng ] || stats_size="1160 $height"

log() { echo "gui-screenshots: $*" >&2; }
die() { log "$*"; exit 1; }

[ -f "$plugin" ] || die "no plugin at $plugin: build first (cmake -S . -B build && cmake --build build)"
[ -f "$lua" ] || die "no Lua edition at $lua"

# --- what the GUI needs -------------------------------------------------------------
missing=""
for tool in Xvfb wireshark tshark import convert identify xdotool setsid sha256sum; do
    command -v "$tool" >/dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
    log "missing:$missing; installing scripts/deps-gui.txt"
    # sudo drops exported variables: DEBIAN_FRONTEND goes on its command line.
    as_root=(env DEBIAN_FRONTEND=noninteractive)
    [ "$(id -u)" -eq 0 ] || as_root=(sudo DEBIAN_FRONTEND=noninteractive)
    "${as_root[@]}" apt-get update -q >&2
    # shellcheck disable=SC2046
    "${as_root[@]}" apt-get install -y -q --no-install-recommends $(grep -v '^#' "$here/scripts/deps-gui.txt") >&2
fi

mm=$(wireshark -v | sed -n '1s/^Wireshark \([0-9]*\.[0-9]*\)\..*/\1/p')
[ -n "$mm" ] || die "cannot tell Wireshark's version from wireshark -v"

# --- a throw-away HOME with the plugin, the profile and the capture -------------------
work=$(mktemp -d /tmp/wsclose-gui.XXXXXX)
chmod 755 "$work"
home=$work/home
xvfb_pid="" gui_pid=""
cleanup() {
    [ -z "$gui_pid" ] || kill -TERM -- "-$gui_pid" 2>/dev/null || true
    [ -z "$xvfb_pid" ] || { kill "$xvfb_pid" 2>/dev/null; wait "$xvfb_pid" 2>/dev/null; } || true
    [ -n "${WSCLOSE_GUI_KEEP:-}" ] && log "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$home/.local/lib/wireshark/plugins/$mm/epan" "$home/.config/wireshark/profiles" \
         "$home/extcap" "$home/run" "$work/shots"
cp "$plugin" "$home/.local/lib/wireshark/plugins/$mm/epan/"
cp -r "$here/docs/profile/wsclose" "$home/.config/wireshark/profiles/"
mkdir -p "$home/captures"
cp "$here/captures/$capture" "$here/captures/$stats_capture" "$home/captures/"
# Window and panes: the main window fills the screen, no bytes pane, no first-run nags.
# The wsclose profile keeps its own recent (its column widths) and gets these lines too.
for dir in "$home/.config/wireshark" "$home/.config/wireshark/profiles/wsclose"; do
    cat >>"$dir/recent" <<EOF
gui.byte_view_show: FALSE
gui.packet_diagram_show: FALSE
gui.geometry_main_upper_pane: $((height * 2 / 5))
EOF
done
# Written before every run: Wireshark saves the last used profile there.
recent_common() {
    cat >"$home/.config/wireshark/recent_common" <<EOF
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: $width
gui.geometry_main_height: $height
gui.geometry_main_maximized: FALSE
gui.last_used_profile: $1
privs.warn_if_elevated: FALSE
sys.warn_if_no_capture: FALSE
EOF
    [ "$(id -u)" -ne 0 ] || chown 65534:65534 "$home/.config/wireshark/recent_common"
}
recent_common Default

as_user=()
if [ "$(id -u)" -eq 0 ]; then
    chown -R 65534:65534 "$work"
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
chmod 700 "$home/run"
display=""
# A clean environment: nothing of the caller's profile; no extcap (nothing to capture).
# An array, not a function, so that a background "${user[@]}" CMD & is CMD's own pid.
user_env_argv() {
    user=("${as_user[@]}" env -i HOME="$home" PATH=/usr/bin:/bin LC_ALL=C.UTF-8
          XDG_RUNTIME_DIR="$home/run" WIRESHARK_EXTCAP_DIR="$home/extcap"
          ${display:+DISPLAY=:$display})
}
user_env() { user_env_argv; "${user[@]}" "$@"; }

# wireshark has no -G; tshark loads plugins from the same folders with the same loader.
if command -v tshark >/dev/null; then
    user_env tshark -G plugins | grep -q "wsclose.so.*$home" \
        || die "tshark -G plugins (same user, same HOME) does not list wsclose.so from $home"
fi

# --- the X server ---------------------------------------------------------------------
user_env_argv
"${user[@]}" Xvfb -displayfd 3 -screen 0 "${width}x${height}x24" -nolisten tcp \
    3>"$work/display" 2>"$work/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 50); do
    [ -s "$work/display" ] && break
    sleep 0.2
done
display=$(tr -dc 0-9 <"$work/display")
[ -n "$display" ] || { cat "$work/xvfb.log" >&2; die "Xvfb did not start"; }
log "Xvfb on :$display"
user_env_argv

# --- one GUI run per shot -------------------------------------------------------------
# gui TITLE ARGS...: start wireshark with ARGS and wait until a window named TITLE shows.
gui() {
    local title=$1 win=""
    shift
    "${user[@]}" setsid wireshark "$@" >"$work/wireshark.log" 2>&1 &
    gui_pid=$!
    for _ in $(seq 60); do
        win=$(user_env xdotool search --onlyvisible --name "$title" 2>/dev/null | head -n1 || true)
        [ -n "$win" ] && break
        kill -0 "$gui_pid" 2>/dev/null || { cat "$work/wireshark.log" >&2; die "wireshark exited"; }
        sleep 0.5
    done
    [ -n "$win" ] || { cat "$work/wireshark.log" >&2; die "no window '$title'"; }
    sleep 3   # let it finish reading and drawing
    main_win=$win
}
# quit: Ctrl+Q to the main window, the process group killed if it does not go.
quit() {
    user_env xdotool windowfocus --sync "$main_win" key ctrl+q 2>/dev/null || true
    for _ in $(seq 20); do
        kill -0 "$gui_pid" 2>/dev/null || break
        sleep 0.5
    done
    kill -TERM -- "-$gui_pid" 2>/dev/null || true
    wait "$gui_pid" 2>/dev/null || true
    gui_pid=""
}
# shot NAME [WINDOW]: the screen (or one window) as OUTDIR/NAME, at most ~300 KB.
shot() {
    local name=$1 win=${2:-root}
    user_env import -window "$win" "$work/shots/$name"
    cp "$work/shots/$name" "$work/$name"
    convert "$work/$name" -strip "$work/$name"
    if [ "$(stat -c %s "$work/$name")" -gt 300000 ]; then
        convert "$work/$name" -strip -colors 256 "PNG8:$work/$name"
    fi
    mkdir -p "$out"
    cp "$work/$name" "$out/$name"
    log "wrote $out/$name ($(identify -format '%wx%h' "$out/$name"), $(stat -c %s "$out/$name") bytes)"
}

# stats_window WHAT: the statistics window the menu has just opened, as $dialog (WHAT
# names the edition in the error).
stats_window() {
    dialog=""
    for _ in $(seq 20); do
        dialog=$(user_env xdotool search --onlyvisible --name "$stats_title_re" 2>/dev/null | head -n1 || true)
        [ -n "$dialog" ] && break
        sleep 0.5
    done
    [ -n "$dialog" ] || { cat "$work/wireshark.log" >&2; die "no window '$stats_title' from the Statistics menu$1"; }
}

cap=$home/captures/$capture

# 1. The packet list: close frames only, the WinHTTP names in Info.
gui "$capture" -r "$cap" -Y wsclose -g 8
user_env xdotool mousemove "$((width - 5))" "$((height - 5))"
sleep 0.5
shot gui-packet-list.png
quit

# 2. The packet details of one close frame, the wsclose subtree expanded: click the
#    (empty) lower part of the details pane, End selects the last top-level item
#    (wsclose's), Shift+Right expands it and all its subtrees. The "wsclose" profile of
#    docs/profile/ adds the "WinHTTP close status" column.
recent_common wsclose
gui "$capture" -C wsclose -r "$cap" -Y wsclose -g "$details_frame"
user_env xdotool mousemove "$((width / 2))" "$((height - 40))" click 1 sleep 0.5 \
    key End sleep 0.3 key shift+Right sleep 0.5 mousemove "$((width - 5))" "$((height - 5))"
sleep 1
shot gui-packet-details.png
quit

# 3. The statistics tree: 4.0's GUI has no -z for statistics trees (wireshark -z help
#    lists none), so it is opened from the menu: Statistics (Alt+S), Up (the menu wraps
#    to its last entry, the plugin's "WebSocket Close Status (WinHTTP)"), Return. The
#    dialog computes the tree at once; it is moved to the corner and enlarged so that all
#    rows and columns show, and shot on its own.
recent_common Default
gui "$stats_capture" -r "$home/captures/$stats_capture"
user_env xdotool windowfocus --sync "$main_win" key alt+s sleep 1 key Up sleep 0.5 key Return
stats_window ""
user_env xdotool windowmove --sync "$dialog" 0 0 windowsize --sync "$dialog" $stats_size
sleep 2
shot gui-stats-tree.png "$dialog"
quit

# --- what each shot shows, as tshark prints it ------------------------------------------
# record NAME PROFILE_FILE... -- TSHARK_ARGS [-- TSHARK_ARGS ...]: OUTDIR/NAME.txt holds the
# SHA-256 of OUTDIR/NAME.png and of each profile file the shot used, then for each command
# its "$ tshark ..." line and output. Arguments are plain words (no quoting needed), so
# that tests/test_screenshots.py runs each line through sh as written.
record() {
    local edition=""
    if [ "$1" = --lua ]; then
        edition=lua
        shift
    fi
    local name=$1 txt=$out/${1%.png}.txt
    shift
    {
        echo "# $name sha256 $(sha256sum "$out/$name" | cut -d' ' -f1), $(tshark -v 2>/dev/null | head -n1)"
        echo "# What the screenshot shows, as tshark prints it. tests/test_screenshots.py re-runs"
        echo "# each command; when the output differs, run scripts/gui-screenshots.sh again."
        [ -z "$edition" ] || echo "# edition $edition"
        while [ "$1" != "--" ]; do
            echo "# profile $1 sha256 $(sha256sum "$here/$1" | cut -d' ' -f1)"
            shift
        done
    } >"$txt.tmp"
    while [ $# -gt 0 ]; do
        shift   # the "--"
        local args=()
        while [ $# -gt 0 ] && [ "$1" != "--" ]; do
            [[ $1 =~ ^[A-Za-z0-9._,:=/+-]+$ ]] || die "record: '$1' is not a plain word"
            args+=("$1")
            shift
        done
        echo "\$ tshark ${args[*]}" >>"$txt.tmp"
        (cd "$home" && user_env tshark "${args[@]}") >>"$txt.tmp" 2>"$work/tshark.err" \
            || { cat "$work/tshark.err" >&2; die "tshark ${args[*]} failed"; }
        [ ! -s "$work/tshark.err" ] || { cat "$work/tshark.err" >&2; die "tshark ${args[*]} wrote to stderr"; }
    done
    mv "$txt.tmp" "$txt"
    log "wrote $txt"
}
profile=docs/profile/wsclose
record gui-packet-list.png -- -2 -r "captures/$capture" -Y wsclose
record gui-packet-details.png "$profile/preferences" "$profile/recent" \
    -- -2 -C wsclose -r "captures/$capture" -Y wsclose \
    -- -2 -r "captures/$capture" -Y "frame.number==$details_frame" -O wsclose
record gui-stats-tree.png -- -2 -r "captures/$stats_capture" -q -z wsclose,tree

# --- the Lua edition ------------------------------------------------------------------
# The same HOME with lua/wsclose.lua in the personal Lua plugins folder instead of the C
# plugin (the Lua edition steps aside where the C plugin is loaded).
rm "$home/.local/lib/wireshark/plugins/$mm/epan/wsclose.so"
cp "$lua" "$home/.local/lib/wireshark/plugins/"
chmod 644 "$home/.local/lib/wireshark/plugins/wsclose.lua"
[ "$(id -u)" -ne 0 ] || chown 65534:65534 "$home/.local/lib/wireshark/plugins/wsclose.lua"
plugins=$(user_env tshark -G plugins)
grep -q "wsclose.lua.*$home" <<<"$plugins" \
    || die "tshark -G plugins (same user, same HOME) does not list wsclose.lua from $home"
! grep -q "wsclose.so" <<<"$plugins" || die "tshark still loads wsclose.so"

# Wireshark logs a Lua error (and the GUI shows it in a dialog) when a Lua plugin fails.
lua_clean() {
    ! grep -Eq 'Lua|ERROR|CRITICAL' "$work/wireshark.log" \
        || { cat "$work/wireshark.log" >&2; die "the GUI logged an error with the Lua edition"; }
}

# 4. The packet details of the same close frame as in 2, labeled by the Lua edition.
recent_common wsclose
gui "$capture" -C wsclose -r "$cap" -Y wsclose -g "$details_frame"
user_env xdotool mousemove "$((width / 2))" "$((height - 40))" click 1 sleep 0.5 \
    key End sleep 0.3 key shift+Right sleep 0.5 mousemove "$((width - 5))" "$((height - 5))"
sleep 1
shot gui-lua-packet-details.png
quit
lua_clean

# 5. The Lua edition's statistics window, from the Statistics menu: a Lua entry sits in the
#    menu's unsorted group (after "ONC-RPC Programs"), the twelfth entry (Alt+S, eleven times
#    Down, Return); the Lua text window it opens fills as the packets are retapped.
recent_common Default
gui "$stats_capture" -r "$home/captures/$stats_capture"
user_env xdotool windowfocus --sync "$main_win" key alt+s sleep 1 \
    key --delay 100 Down Down Down Down Down Down Down Down Down Down Down sleep 0.5 key Return
stats_window " (Lua edition)"
user_env xdotool windowmove --sync "$dialog" 0 0 windowsize --sync "$dialog" "$width" "$height"
sleep 2
shot gui-lua-stats.png "$dialog"
quit
lua_clean

record --lua gui-lua-packet-details.png "$profile/preferences" "$profile/recent" \
    -- -2 -C wsclose -r "captures/$capture" -Y wsclose \
    -- -2 -r "captures/$capture" -Y "frame.number==$details_frame" -O wsclose
record --lua gui-lua-stats.png -- -2 -r "captures/$stats_capture" -q -z wsclose,tree
