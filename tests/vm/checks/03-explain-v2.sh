# needs: box-cgroup
# On a pure v2 host box-cgroup chooses its v2 driver, says so under --explain, and writes the
# v2 control files (no v1 name anywhere).
. "$BOX_SRC/tests/vm/lib.sh"
need_root
need_rootfs

run_rc "$BIN/box-cgroup" --explain --memory 32M --pids 20 --cpus 0.5 --cpu-weight 50 --name "$TEST_NAME" \
    "$ROOTFS" /bin/true
assert_eq 0 "$RC" "box-cgroup runs CMD"
assert_contains "cgroup v2" "$OUT" "--explain says cgroup v2"
assert_not_contains "hybrid" "$OUT" "--explain does not call this host hybrid"
assert_not_contains "cgroup v1" "$OUT" "--explain does not choose v1"
assert_contains "mkdir(\"$CG/box/$TEST_NAME\")" "$OUT" "the group is box/NAME in the one hierarchy"
assert_contains "$CG/box/cgroup.subtree_control" "$OUT" "controllers are enabled in box/ for the group"
for f in memory.max memory.swap.max pids.max cpu.max cpu.weight; do
    assert_contains "$f" "$OUT" "--explain writes $f"
done
for f in limit_in_bytes cfs_quota_us cpu.shares; do
    assert_not_contains "$f" "$OUT" "no v1 file ($f)"
done
finish
