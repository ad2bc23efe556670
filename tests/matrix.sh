#!/usr/bin/env bash
# tests/matrix.sh SUITE -- build and test the current checkout against the
# Wireshark of another Debian suite, inside a cached chroot.
#
#   SUITE   trixie | 4.4   (Wireshark 4.4.x)
#           sid    | 4.6   (Wireshark 4.6.x)
#
# Must run as root (debootstrap, chroot).  The build and the tests themselves
# run as uid/gid 65534 (nobody): as root, Wireshark ignores the personal
# plugin folder that the tests install the plugin into.
#
# Environment (all optional):
#   WSCLOSE_MATRIX_CACHE    cache dir for chroot tarballs  [/var/cache/wsclose-matrix]
#   WSCLOSE_MATRIX_WORKDIR  where the chroot is unpacked   [$WSCLOSE_MATRIX_CACHE/work]
#   WSCLOSE_MATRIX_MIRROR   Debian mirror URI               [the one apt uses here]
#   WSCLOSE_MATRIX_EXTRA_PKGS  extra packages for the chroot (part of the cache key)
#   WSCLOSE_MATRIX_REBUILD=1   rebuild the cached tarball even if it exists
#   WSCLOSE_MATRIX_KEEP=1      keep the unpacked chroot after the run (for poking)
#   WSCLOSE_MATRIX_PROC=0      do not mount /proc in the chroot (default 1; tshark
#                              4.6 warns on stderr without it)
#   WSCLOSE_MATRIX_CONFIGURE / _BUILD / _TEST   the three commands run in the
#       chroot (sh -c, cwd /src, as 65534); defaults are the project's own:
#       cmake -S /src -B /tmp/build / cmake --build /tmp/build -j2 /
#       ctest --test-dir /tmp/build --output-on-failure -j2 -L core (on sid:
#       -L 'core|robustness', the sanitized plugin and the fuzz slice against 4.6), then
#       ctest --test-dir /tmp/build --output-on-failure -V -L perf (the perf test alone,
#       -V so that its table is in the log even when it passes)
#
# Exit status: 0 all tests passed; 1 configure/build/test failed;
# 2 usage or infrastructure (chroot) failure.
#
# Mounts: /proc is mounted only inside a private mount namespace
# (unshare --mount), so it disappears with the process on every exit path,
# including SIGKILL; nothing is ever mounted in the host's namespace and there
# is nothing to unmount by hand.
set -euo pipefail

die() { echo "matrix: $*" >&2; exit 2; }
log() { echo "matrix: $*" >&2; }

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -eq 1 ] || usage
case "$1" in
    trixie|4.4) SUITE=trixie ;;
    sid|unstable|4.6) SUITE=sid ;;
    -h|--help) usage ;;
    *) echo "matrix: unknown suite '$1'" >&2; usage ;;
esac
[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap/chroot)"

REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${WSCLOSE_MATRIX_CACHE:-/var/cache/wsclose-matrix}
WORKBASE=${WSCLOSE_MATRIX_WORKDIR:-$CACHE/work}
EXTRA_PKGS=${WSCLOSE_MATRIX_EXTRA_PKGS:-}
CONFIGURE_CMD=${WSCLOSE_MATRIX_CONFIGURE:-cmake -S /src -B /tmp/build}
BUILD_CMD=${WSCLOSE_MATRIX_BUILD:-cmake --build /tmp/build -j2}
# Quoted for the chroot's sh.  sid also runs the robustness label: the ASan/UBSan plugin
# built against 4.6, its core tests and the fuzz slice (4.0's run is README's ctest).  The
# perf test runs on its own, after the others: it uses both cores.
case $SUITE in
    sid) CORE_LABELS="'core|robustness'" ;;
    *)   CORE_LABELS=core ;;
esac
DEFAULT_TEST_CMD="rc=0; ctest --test-dir /tmp/build --output-on-failure -j2 -L $CORE_LABELS || rc=1; \
ctest --test-dir /tmp/build --output-on-failure -V -L perf || rc=1; exit \$rc"
TEST_CMD=${WSCLOSE_MATRIX_TEST:-$DEFAULT_TEST_CMD}

# What goes into the chroot.  Changing this list (or the recipe version)
# changes the cache key below, so a stale tarball is never reused silently.
# valgrind: the perf test (callgrind instruction counts).
PKGS="tshark libwireshark-dev wireshark-dev cmake gcc make pkg-config libc6-dev valgrind $EXTRA_PKGS"
RECIPE_VERSION=1

# ---------------------------------------------------------------------------
# Host prerequisites: a brand-new machine may lack debootstrap/zstd.
need_pkgs=()
command -v debootstrap >/dev/null || need_pkgs+=(debootstrap)
command -v zstd        >/dev/null || need_pkgs+=(zstd)
command -v unshare     >/dev/null || need_pkgs+=(util-linux)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    log "installing host packages: ${need_pkgs[*]}"
    # apt-get update first: on a fresh machine the lists may be empty.
    apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >&2 \
        || die "cannot install ${need_pkgs[*]}"
fi

# Use the same mirror as the host's apt: that is the one that is reachable.
detect_mirror() {
    local uri=""
    # deb822 sources first (Debian 12 default), then one-line sources.list.
    # Skip the security archive: it has no sid/trixie main packages.
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
          | awk 'tolower($1)=="uris:" {for (i=2;i<=NF;i++) print $i}' \
          | grep -v -- '-security' | head -n1 || true)
    if [ -z "$uri" ]; then
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
              | awk '$1=="deb" {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; break}}' \
              | grep -v -- '-security' | head -n1 || true)
    fi
    echo "${uri:-http://deb.debian.org/debian}"
}
MIRROR=${WSCLOSE_MATRIX_MIRROR:-$(detect_mirror)}

# shellcheck disable=SC2086  # one package per line is the point
KEY=$(printf '%s\n' "$RECIPE_VERSION" "$SUITE" "$MIRROR" $PKGS | sha256sum | cut -c1-12)
TARBALL=$CACHE/$SUITE-$KEY.tar.zst
mkdir -p "$CACHE" "$WORKBASE"

# ---------------------------------------------------------------------------
# Build the cached chroot tarball (once per suite and package list).
build_tarball() (
    # Subshell: its EXIT trap removes a half-built chroot on every exit path.
    set -euo pipefail
    tmp=$(mktemp -d "$CACHE/.build-$SUITE.XXXXXX")
    root=$tmp/root
    # --one-file-system: never descend into a mount left behind.
    trap 'rm -rf --one-file-system "$tmp"' EXIT
    # Private mount namespace: the /proc and /sys that debootstrap (and
    # package scripts) mount vanish with it, even if we are killed.
    private() { unshare --mount --propagation private "$@"; }
    log "debootstrap $SUITE from $MIRROR (cold cache, ~1 min)"
    if ! private debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" \
            >"$tmp/debootstrap.log" 2>&1; then
        tail -n 30 "$tmp/debootstrap.log" >&2
        tail -n 30 "$root/debootstrap/debootstrap.log" >&2 2>/dev/null || true
        exit 1
    fi
    # sid's Release file may be past its Valid-Until date on a snapshot
    # mirror; apt would refuse it.  Harmless for trixie.
    cat >"$root/etc/apt/apt.conf.d/99wsclose-matrix" <<'EOF'
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
APT::Install-Suggests "false";
EOF
    # tshark asks whether non-root users may capture: answer no, quietly.
    echo 'wireshark-common wireshark-common/install-setuid boolean false' \
        | chroot "$root" debconf-set-selections
    log "installing into $SUITE chroot: $PKGS"
    if ! private --pid --fork --mount-proc="$root/proc" \
            chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
            sh -c "apt-get update -qq && apt-get install -y -qq $PKGS && apt-get clean" \
            >"$tmp/apt.log" 2>&1; then
        tail -n 40 "$tmp/apt.log" >&2
        exit 1
    fi
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
    log "packing $TARBALL"
    # Write to a temp name and rename: a killed run never leaves a truncated
    # tarball that later runs would trust.
    tar -C "$root" --numeric-owner -cpf - . | zstd -q -T0 -3 -o "$tmp/out.tar.zst"
    mv -f "$tmp/out.tar.zst" "$TARBALL"
    # Drop tarballs of this suite made with an older recipe/package list.
    find "$CACHE" -maxdepth 1 -name "$SUITE-*.tar.zst" ! -path "$TARBALL" -delete
)

# Serialise cache builds per suite, so two concurrent runs of the same suite
# do not debootstrap twice (different suites still run in parallel).
exec 9>"$CACHE/$SUITE.lock"
flock 9
if [ "${WSCLOSE_MATRIX_REBUILD:-0}" = 1 ] || [ ! -s "$TARBALL" ]; then
    t0=$SECONDS
    # Not "build_tarball || die": in that context bash ignores set -e inside
    # the function, and a failing step would go unnoticed.
    set +e; build_tarball; rc=$?; set -e
    [ $rc -eq 0 ] || die "building the $SUITE chroot failed"
    log "cached $SUITE chroot in $((SECONDS - t0)) s"
fi
flock -u 9

# ---------------------------------------------------------------------------
# Unpack a fresh chroot for this run: every run starts from the same state.
WORK=$(mktemp -d "$WORKBASE/$SUITE.XXXXXX")
ROOT=$WORK/root
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    if [ "${WSCLOSE_MATRIX_KEEP:-0}" = 1 ]; then
        log "kept chroot at $ROOT"
    else
        rm -rf --one-file-system "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mkdir -p "$ROOT"
zstd -q -d -c "$TARBALL" | tar -C "$ROOT" --numeric-owner -xpf - \
    || die "unpacking $TARBALL failed"

# Copy the checkout as it is on disk, including uncommitted and untracked
# (but not ignored) files; ignored build dirs and .git stay out.
mkdir -p "$ROOT/src"
if git -C "$REPO" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$REPO" && git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do
              # --cached also lists tracked files deleted in the work tree.
              if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
          done \
        | tar --null -T - -cf -) | tar -C "$ROOT/src" -xf -
else
    tar -C "$REPO" --exclude=.git --exclude='./build*' -cf - . | tar -C "$ROOT/src" -xf -
fi
chown -R 65534:65534 "$ROOT/src"

# ---------------------------------------------------------------------------
# Run commands in the chroot as 65534, with a clean environment and a
# private writable HOME (the personal plugin folder lives under it).
PROC=${WSCLOSE_MATRIX_PROC:-1}
in_chroot() {
    local script=$1
    local -a ns=()
    if [ "$PROC" = 1 ]; then
        # New mount + pid namespace: /proc is private to this process tree
        # and vanishes when it exits.  No host mount, nothing to clean up.
        ns=(unshare --mount --propagation private --pid --fork --mount-proc="$ROOT/proc")
    fi
    # shellcheck disable=SC2016  # $HOME is expanded by the shell in the chroot
    "${ns[@]}" chroot --userspec=65534:65534 "$ROOT" /usr/bin/env -i \
        HOME=/tmp/home PATH=/usr/local/bin:/usr/bin:/bin LC_ALL=C.UTF-8 \
        TERM=dumb CTEST_OUTPUT_ON_FAILURE=1 \
        sh -c 'mkdir -p "$HOME" && cd /src && '"$script"
}

TSHARK_VERSION=$(in_chroot 'tshark -v 2>/dev/null | head -n1' \
                 | sed -n 's/^TShark (Wireshark) \([0-9][0-9.]*[0-9]\).*/\1/p')
TSHARK_VERSION=${TSHARK_VERSION:-unknown}
log "$SUITE: tshark $TSHARK_VERSION, running in $ROOT"

status=0
stage=configure
if in_chroot "$CONFIGURE_CMD"; then
    stage=build
    if in_chroot "$BUILD_CMD"; then
        stage=tests
        in_chroot "$TEST_CMD" 2>&1 | tee "$WORK/test.log" || status=1
    else
        status=1
    fi
else
    status=1
fi

# Each ctest run closes with "NN% tests passed, F tests failed out of T": add them up.
passed=0 failed=0
if [ -f "$WORK/test.log" ]; then
    while read -r f t; do
        failed=$((failed + f))
        passed=$((passed + t - f))
    done < <(sed -nE 's/^[0-9]+% tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1 \2/p' \
             "$WORK/test.log")
fi
if [ $status -eq 0 ]; then
    echo "matrix $SUITE (tshark $TSHARK_VERSION): $passed passed, $failed failed"
else
    echo "matrix $SUITE (tshark $TSHARK_VERSION): $passed passed, $failed failed; FAILED at $stage"
fi
exit $status
