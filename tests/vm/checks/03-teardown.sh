# needs: box-cgroup
# cgroup.kill on v2: processes the container leaves behind are killed and the group removed,
# when CMD exits and when box-cgroup itself is SIGKILLed (its watchdog cleans up).
. "$BOX_SRC/tests/vm/lib.sh"
need_root
need_rootfs
strays() { ps -o args | grep -c '^/bin/sleep 1003' || true; }

# Without a pid namespace, CMD's children outlive CMD: only the cgroup can find them. The
# strays are started by start-stop-daemon -b (the rootfs has no /dev/null, which a shell's
# background job needs); CMD counts them before it exits, so the check cannot pass vacuously.
run_rc "$BIN/box-cgroup" --explain --ns uts,mount,ipc,net --name "$TEST_NAME" "$ROOTFS" /bin/sh -c \
    'for i in 1 2; do start-stop-daemon -S -b -n boxstray -a /bin/sleep -- 1003; done
     echo "strays: $(ps -o args | grep -c "^/bin/sleep 1003")"; exit 5'
assert_eq 5 "$RC" "CMD's status passes through"
assert_contains "strays: 2" "$OUT" "CMD left two processes behind"
assert_contains "$CG/box/$TEST_NAME/cgroup.kill" "$OUT" "--explain shows the cgroup.kill write"
assert_eq 0 "$(strays)" "the two stray sleeps were killed"
assert_eq true "$(box_group_gone "$TEST_NAME" && echo true)" "the group is removed"

# SIGKILL box-cgroup: no destructor runs, its watchdog kills the container and removes the group.
"$BIN/box-cgroup" --name "$TEST_NAME-kill" "$ROOTFS" /bin/sleep 1003 &
pid=$!
trap 'kill -KILL $pid 2>/dev/null || true' EXIT
wait_until 100 box_group_running "$TEST_NAME-kill" || fail "the container never started"
kill -KILL $pid
wait $pid 2>/dev/null || true
wait_until 100 box_group_gone "$TEST_NAME-kill" || fail "the group outlived a SIGKILLed box-cgroup"
assert_eq true "$(box_group_gone "$TEST_NAME-kill" && echo true)" "after SIGKILL the watchdog removed the group"
assert_eq 0 "$(strays)" "and killed the container"
finish
