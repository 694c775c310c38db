# needs: box-cgroup
# --pids on v2: the container sees pids.max and cannot fork past it. (A shell whose fork fails
# exits; the outer one then reads pids.events with builtins, as it cannot fork either.)
. "$BOX_SRC/tests/vm/lib.sh"
need_root
need_rootfs

run_rc "$BIN/box-cgroup" --pids 5 --name "$TEST_NAME" "$ROOTFS" \
    /bin/sh -c 'cat /sys/fs/cgroup/pids.max; sh -c "for i in 1 2 3 4 5 6 7 8; do sleep 1 </ & done"
        while read -r line; do echo "$line"; done < /sys/fs/cgroup/pids.events'
assert_match "^5" "$OUT" "inside, pids.max is 5"
assert_contains "can't fork" "$OUT" "the shell's fork fails at the limit"
assert_match "max [1-9]" "$OUT" "pids.events counts the refused forks"
finish
