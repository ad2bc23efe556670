#!/bin/bash
# The real tshark with the ASan+UBSan build of wsclose loaded, failing on any sanitizer report.
#
#   tests/sanitized.sh [build|test [modules]|fuzz [fuzz.py args]|all]
#                                              (default: all = build, test, fuzz --ci)
#
# build  configures and builds $WSCLOSE_ASAN_BUILD (default build-asan/) with -DWSCLOSE_SANITIZE=ON
# test   runs tshark test modules (default: dissection, real captures, equality) with that plugin:
#        tshark runs with the sanitizer runtime in LD_PRELOAD (tshark is not instrumented),
#        halting on the first ASan or UBSan error; every report goes to a log directory, and
#        any report there fails the run, even from a tshark run whose exit status a test ignores.
# fuzz   tests/fuzz/fuzz.py with the sanitized plugin (and the plain one, $WSCLOSE_PLUGIN or
#        build/plugin/wsclose.so, for the valgrind subset).
#
# Leaks are not checked here (detect_leaks=0): tshark frees little at exit, so LeakSanitizer
# would report tshark's own allocations.  fuzz.py --leaks checks for leaks with a frame in
# wsclose.so instead.  ctest runs this through the sanitized_* and fuzz_slice entries.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="${WSCLOSE_SOURCE_DIR:-$(dirname "$HERE")}"
ASAN_BUILD="${WSCLOSE_ASAN_BUILD:-$SRC/build-asan}"
PY=/usr/bin/python3

preload() {
    if [ -n "${WSCLOSE_SANITIZER_PRELOAD:-}" ] && [ -f "$WSCLOSE_SANITIZER_PRELOAD" ]; then
        echo "$WSCLOSE_SANITIZER_PRELOAD"
    else
        gcc -print-file-name=libasan.so
    fi
}

do_build() {
    if [ -f "$ASAN_BUILD/CMakeCache.txt" ] && grep -q '^WSCLOSE_SANITIZE:BOOL=ON' "$ASAN_BUILD/CMakeCache.txt"; then
        :
    else
        cmake -S "$SRC" -B "$ASAN_BUILD" -DWSCLOSE_SANITIZE=ON -DWSCLOSE_FUZZ_PURE=OFF >/dev/null
    fi
    cmake --build "$ASAN_BUILD" --target wsclose -j2
    test -f "$ASAN_BUILD/plugin/wsclose.so"
    # The sanitized module needs the runtime: make sure it is there and names the right one.
    local deps
    deps="$(ldd "$ASAN_BUILD/plugin/wsclose.so")"
    if ! grep -q 'libasan\|clang_rt.asan' <<<"$deps"; then
        echo "sanitized.sh: $ASAN_BUILD/plugin/wsclose.so is not sanitized" >&2
        exit 1
    fi
}

# For wsharness.py, which passes WSCLOSE_TSHARK_ENV to tshark alone: nothing else (editcap,
# python) runs with the runtime preloaded.
sanitizer_env() {
    LOGDIR="$(mktemp -d /tmp/wsclose-sanitizer.XXXXXX)"
    chmod 1777 "$LOGDIR"
    # tshark -G runs every extcap tool; under the preloaded runtime androiddump deadlocks at
    # exit (libp11-kit's destructor vs. the setlocale lock), so tshark sees no extcap tools.
    mkdir -p "$LOGDIR/no-extcap"
    chmod 755 "$LOGDIR/no-extcap"
    export WSCLOSE_TSHARK_ENV="LD_PRELOAD=$(preload) \
ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:exitcode=86:log_path=$LOGDIR/asan:symbolize=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87:log_path=$LOGDIR/ubsan \
ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer WIRESHARK_EXTCAP_DIR=$LOGDIR/no-extcap"
}

check_reports() {
    local reports
    reports="$(find "$LOGDIR" -type f -name '*san*' 2>/dev/null | sort)"
    if [ -n "$reports" ]; then
        echo "sanitized.sh: sanitizer reports:" >&2
        for r in $reports; do echo "== $r" >&2; cat "$r" >&2; done
        rm -rf "$LOGDIR"
        return 1
    fi
    rm -rf "$LOGDIR"
    echo "sanitized.sh: no sanitizer reports"
}

do_test() {
    sanitizer_env
    local rc=0 modules=("$@")
    [ ${#modules[@]} -gt 0 ] || modules=(test_dissection test_real_captures test_equality)
    (cd "$HERE" && WSCLOSE_PLUGIN="$ASAN_BUILD/plugin/wsclose.so" PYTHONDONTWRITEBYTECODE=1 \
        "$PY" -m unittest "${modules[@]}") || rc=$?
    check_reports || rc=1
    return $rc
}

do_fuzz() {
    local plain="${WSCLOSE_PLUGIN:-$SRC/build/plugin/wsclose.so}"
    exec "$PY" "$HERE/fuzz/fuzz.py" --plugin "$ASAN_BUILD/plugin/wsclose.so" \
        --preload "$(preload)" --valgrind-plugin "$plain" "$@"
}

cmd="${1:-all}"
[ $# -gt 0 ] && shift
case "$cmd" in
    build) do_build ;;
    test) do_test "$@" ;;
    fuzz) do_fuzz "$@" ;;
    all) do_build && do_test && do_fuzz --ci ;;
    *) echo "usage: $0 [build|test|fuzz [args]|all]" >&2; exit 2 ;;
esac
