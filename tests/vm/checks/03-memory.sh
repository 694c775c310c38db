# needs: box-cgroup
# --memory on v2: the container sees memory.max, a hog is OOM-killed, box-cgroup reports it.
# (The hog is a shell that doubles a string to 128 MiB.)
. "$BOX_SRC/tests/vm/lib.sh"
need_root
need_rootfs

run_rc "$BIN/box-cgroup" --memory 32M --name "$TEST_NAME" "$ROOTFS" \
    /bin/sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.swap.max'
assert_eq 0 "$RC" "a small container runs"
assert_eq "33554432 0" "$(echo $OUT)" "inside, memory.max is 32M and memory.swap.max is 0"

run_rc "$BIN/box-cgroup" --memory 32M --stats --name "$TEST_NAME" "$ROOTFS" \
    /bin/sh -c 'x=0123456789abcdef; while [ ${#x} -lt 100000000 ]; do x=$x$x; done; echo survived ${#x}'
assert_eq 137 "$RC" "the hog is killed by SIGKILL (128+9)"
assert_not_contains "survived" "$OUT" "the hog did not get its 100 MB"
assert_match "OOM killer killed [0-9]+ process" "$OUT" "box-cgroup reports the OOM kill"
assert_match "OOM kills [1-9]" "$OUT" "--stats counts it (memory.events)"
finish
