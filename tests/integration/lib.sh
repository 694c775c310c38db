# Shared helpers for integration tests. Source it first: `. "$(dirname "$0")/lib.sh"`.
# Tests run real containers from $BOX_BUILD/bin in $BOX_BUILD/rootfs and check what a probe
# inside sees. Exit 0 = pass, 1 = fail, 77 = skipped (the reason is printed).
set -euo pipefail
BOX_BUILD=${BOX_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../build" && pwd)}
BOX_SRC=${BOX_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BIN=$BOX_BUILD/bin
ROOTFS=$BOX_BUILD/rootfs
# Unique per run: the same test may run twice at once (a lesson's "check your work" runs ctest
# inside ctest), and cgroups, containers and files named after the test must not collide.
TEST_NAME=$(basename "$0" .sh)-$$
FAILS=0

skip() { echo "SKIP: $*"; exit 77; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root (run the suite as root)"; }
need_cmd() { command -v "$1" >/dev/null || skip "needs $1 (${2:-install it})"; }
need_rootfs() { [ -x "$ROOTFS/bin/box-probe" ] || { echo "FAIL: no rootfs at $ROOTFS: build the rootfs target"; exit 1; }; }

# box_lock NAME: hold the host-wide lock NAME until the test exits (a thing of the host that
# only one test at a time may use, such as the box0 bridge; mdtest takes the same lock file).
box_lock() {
    mkdir -p /run/lock
    exec {BOX_LOCK_FD}>"/run/lock/box-$1.lock"
    flock "$BOX_LOCK_FD"
}

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { echo "ok: $*"; }
# assert_eq EXPECTED ACTUAL WHAT
assert_eq() { if [ "$1" == "$2" ]; then ok "$3"; else fail "$3: expected '$1', got '$2'"; fi; }
# assert_match REGEX TEXT WHAT
assert_match() { if [[ "$2" =~ $1 ]]; then ok "$3"; else fail "$3: '$2' does not match /$1/"; fi; }
assert_contains() { if [[ "$2" == *"$1"* ]]; then ok "$3"; else fail "$3: missing '$1' in: $2"; fi; }
assert_not_contains() { if [[ "$2" != *"$1"* ]]; then ok "$3"; else fail "$3: unexpected '$1' in: $2"; fi; }
# run_rc VAR CMD...: run CMD, capture stdout+stderr in $OUT and the exit status in $RC.
# In a student workspace it also prints "stub reached: exercise NN.K is not done yet" when CMD
# hit an exercise stub, so lessons/check can tell which exercise a failure is waiting for.
run_rc() {
    set +e; OUT=$("$@" 2>&1); RC=$?; set -e
    if [[ $OUT == *" is not done yet"* ]]; then
        printf '%s\n' "$OUT" | grep -o 'exercise [0-9][0-9]\.[0-9]* is not done yet' | sort -u | sed 's/^/stub reached: /'
    fi
    return 0
}
# expect_error CODE REGEX CMD...: CMD fails with exit status CODE, and the first line of its
# output (boxkit's one error line) matches REGEX.
expect_error() {
    local code=$1 re=$2; shift 2
    run_rc "$@"
    assert_eq "$code" "$RC" "exit code of: $*"
    assert_match "$re" "$(head -n 1 <<<"$OUT")" "message of: $*"
}
# json FILTER: apply a jq filter to $OUT (the probe's --json output is its last line).
json() { printf '%s\n' "$OUT" | tail -n 1 | jq -r "$1"; }

# The host mount table, for before/after comparison (container mounts must never show here).
mount_snapshot() { awk '{print $5}' /proc/self/mountinfo | sort; }
BOX_MOUNTS_BEFORE=$(mount_snapshot)
# leak_check: nothing of ours on the host: no new mount under the rootfs or named box*, no
# box* cgroup, link or netns named after this test. Call it at the end of every test.
leak_check() {
    local now leaked
    now=$(mount_snapshot)
    # Other tests may run at the same time (ctest -j): count a box* mount as ours only when it
    # carries this test's name (name containers after the test); any mount on the rootfs counts.
    leaked=$(comm -13 <(echo "$BOX_MOUNTS_BEFORE") <(echo "$now") |
        grep -E "^$ROOTFS(/|$)|/box.*${TEST_NAME}" || true)
    [ -z "$leaked" ] || fail "mounts left behind: $leaked"
    leaked=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "*${TEST_NAME}*" 2>/dev/null || true)
    [ -z "$leaked" ] || fail "cgroups left behind: $leaked"
}
finish() {
    leak_check
    if [ "$FAILS" -gt 0 ]; then echo "$TEST_NAME: $FAILS check(s) failed"; exit 1; fi
    echo "$TEST_NAME: all checks passed"
}

# Stage 05 tests: box_setup sets BOX, a --root STATE under /run/box and a WORK dir of this run
# (runs may overlap: each has its own), `box` (box with that --root) and
# `bundle DIR JQ-FILTER [JQ-ARGS...]` (box spec's config.json on the shared rootfs, no terminal,
# changed by FILTER; $rootfs and $work are set, JQ-ARGS may add more: --arg hook PATH). At exit,
# every container left in STATE is deleted with --force, then what the test added with
# `on_cleanup COMMAND` runs, and STATE and WORK are removed.
box_setup() {
    need_cmd jq
    BOX=$BIN/box
    mkdir -p /run/box
    STATE=$(mktemp -d /run/box/$TEST_NAME.XXXXXX)
    WORK=$(mktemp -d /tmp/box-$TEST_NAME.XXXXXX)
    chmod 755 "$WORK"  # reachable by a user namespace's root (an ordinary uid outside)
    BOX_CLEANUPS=()
    trap box_cleanup EXIT
}
on_cleanup() { BOX_CLEANUPS+=("$1"); }
box_cleanup() {
    local id c
    for id in $("$BOX" --root "$STATE" list -f json 2>/dev/null | jq -r '.[].id'); do
        "$BOX" --root "$STATE" delete --force "$id" || true
    done
    for c in ${BOX_CLEANUPS[@]+"${BOX_CLEANUPS[@]}"}; do eval "$c" || true; done
    rm -rf "$WORK" "$STATE"
}
box() { "$BOX" --root "$STATE" "$@"; }
# state_left: what is left under --root but the seccomp cache (a kept cache by design, see
# 05-full-runtime/seccomp_cache.hpp), and in that cache anything but finished filters (HASH.bpf).
state_left() {
    ls -A "$STATE" | grep -vx '.seccomp-cache' || true
    if [ -d "$STATE/.seccomp-cache" ]; then ls -A "$STATE/.seccomp-cache" | grep -vE '^[0-9a-f]{16}\.bpf$' || true; fi
}
bundle() {
    local dir=$1 filter=$2
    shift 2
    mkdir -p "$dir"
    (cd "$dir" && "$BOX" spec)
    jq --arg rootfs "$ROOTFS" --arg work "$WORK" "$@" ".root.path = \$rootfs | .process.terminal = false | $filter" \
        "$dir/config.json" > "$dir/c.json"
    mv "$dir/c.json" "$dir/config.json"
}
# console_receiver SOCKET OUT: in the background, accept one connection on SOCKET (an engine's
# --console-socket), take the pty master it carries (SCM_RIGHTS) and write "PTY-NAME OUTPUT"
# to OUT once the pty's other side closes (it gives up after 60 s without a connection). Sets
# CONSOLE_PID; returns once SOCKET exists (a loaded machine may take seconds to start python).
console_receiver() {
    python3 "$BOX_SRC/tests/integration/console-socket.py" "$1" > "$2" &
    CONSOLE_PID=$!
    for _ in $(seq 600); do [ -S "$1" ] && break; sleep 0.05; done
}
