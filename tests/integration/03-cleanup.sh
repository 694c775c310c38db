# Stage 03: no cgroup is left behind on any path: normal exit, a failed command, SIGINT and
# SIGTERM to box-cgroup (forwarded; then the group is removed), and SIGKILL to box-cgroup
# (its watchdog removes the group). The container's processes die with it.
# exercise: 03.1
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs

# The group's directories in every hierarchy (v1: one per controller; v2: one).
cg_dirs() { ls -d /sys/fs/cgroup/*/box/"$1" /sys/fs/cgroup/box/"$1" 2>/dev/null || true; }
# wait_for COND...: poll (up to ~10 s) until COND succeeds; never a timing assertion.
wait_for() { for _ in $(seq 100); do "$@" && return 0; sleep 0.1; done; return 1; }
running() { [ -n "$(cg_dirs "$1")" ] && [ -n "$(cat "$(cg_dirs "$1" | head -n 1)/cgroup.procs" 2>/dev/null)" ]; }
gone() { [ -z "$(cg_dirs "$1")" ]; }

run_rc "$BIN/box-cgroup" --name "$TEST_NAME-ok" --pids 10 "$ROOTFS" /bin/true
assert_eq 0 "$RC" "normal exit"
assert_eq "" "$(cg_dirs "$TEST_NAME-ok")" "normal exit: the group is removed"
run_rc "$BIN/box-cgroup" --name "$TEST_NAME-nope" --pids 10 "$ROOTFS" /bin/nope
assert_eq 127 "$RC" "a command that does not exist: 127"
assert_eq "" "$(cg_dirs "$TEST_NAME-nope")" "a failed exec: the group is removed"

# SIGINT and SIGTERM are forwarded (through --init) to the command; then the group goes.
# (Job control on: a background job of a script would otherwise start with SIGINT ignored.)
set -m
for sig in INT TERM; do
    name=$TEST_NAME-$sig
    "$BIN/box-cgroup" --name "$name" --pids 10 --init "$ROOTFS" /bin/sleep 30 &
    pid=$!
    wait_for running "$name" || fail "SIG$sig: the container never started"
    kill -"$sig" "$pid"
    set +e; wait "$pid"; rc=$?; set -e
    [ "$sig" = INT ] && want=130 || want=143
    assert_eq "$want" "$rc" "SIG$sig to box-cgroup ends the command (128+N)"
    assert_eq "" "$(cg_dirs "$name")" "SIG$sig: the group is removed"
done

# SIGKILL: box-cgroup cannot clean up; its watchdog (a process outside the group) does, and
# the container dies with its parent (PR_SET_PDEATHSIG).
name=$TEST_NAME-KILL
"$BIN/box-cgroup" --name "$name" --pids 10 --memory 64M "$ROOTFS" /bin/sleep 30 &
pid=$!
wait_for running "$name" || fail "SIGKILL: the container never started"
inside=$(cat "$(cg_dirs "$name" | head -n 1)/cgroup.procs")
kill -KILL "$pid"
set +e; wait "$pid"; set -e
wait_for gone "$name" && ok "SIGKILL to box-cgroup: the watchdog removed the group" ||
    fail "SIGKILL to box-cgroup: left behind: $(cg_dirs "$name")"
for p in $inside; do
    state=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null || echo gone)
    [[ $state == gone || $state == Z ]] && ok "container process $p is gone" || fail "container process $p survived ($state)"
done
finish
