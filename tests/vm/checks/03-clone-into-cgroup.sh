# needs: box-cgroup
# CLONE_INTO_CGROUP on v2: the container is born in its group; nobody writes its pid to
# cgroup.procs afterwards, so it never runs a single instruction outside its limits.
. "$BOX_SRC/tests/vm/lib.sh"
need_root
need_rootfs

run_rc "$BIN/box-cgroup" --explain --pids 20 --name "$TEST_NAME" "$ROOTFS" /bin/cat /proc/self/cgroup
assert_eq 0 "$RC" "the container runs"
assert_match "clone3\(.*CLONE_INTO_CGROUP" "$OUT" "clone3 is called with CLONE_INTO_CGROUP"
assert_not_contains "cgroup.procs\"," "$OUT" "no process is moved into the group with cgroup.procs"
assert_contains "0::/" "$OUT" "inside, its own group is the root of its cgroup namespace"

# From the outside, the container's first process is in box/NAME while it runs.
# (A pid namespace's init ignores signals it has no handler for: the shell traps SIGTERM. It
# runs no background job: the rootfs has no /dev/null for one's stdin.)
"$BIN/box-cgroup" --name "$TEST_NAME-2" "$ROOTFS" /bin/sh -c 'trap "exit 0" TERM; while :; do sleep 1; done' &
pid=$!
trap 'kill -KILL $pid 2>/dev/null || true' EXIT
wait_until 100 box_group_running "$TEST_NAME-2" || fail "the container never started"
inner=$(head -n 1 "$CG/box/$TEST_NAME-2/cgroup.procs" || true)
assert_eq "0::/box/$TEST_NAME-2" "$(cat /proc/"$inner"/cgroup)" "the host sees the container in box/NAME"
assert_eq "0::/" "$(cat /proc/$pid/cgroup)" "box-cgroup itself stays where it was"
kill -TERM $pid
wait $pid 2>/dev/null || true
finish
