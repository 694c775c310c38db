# needs: box-cgroup
# --cpus and --cpu-weight on v2: cpu.max holds quota and period, cpu.weight the weight, and the
# kernel throttles a busy container (cpu.stat nr_throttled grows). No time is measured.
. "$BOX_SRC/tests/vm/lib.sh"
need_root
need_rootfs

run_rc "$BIN/box-cgroup" --cpus 0.5 --cpu-weight 50 --name "$TEST_NAME" "$ROOTFS" \
    /bin/sh -c 'cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.weight'
assert_eq 0 "$RC" "the container runs"
assert_eq "50000 100000 50" "$(echo $OUT)" "inside, cpu.max is 50 ms per 100 ms and cpu.weight 50"

# At 0.05 CPU (5 ms per 100 ms) a shell that keeps forking is throttled within a few periods;
# it stops as soon as cpu.stat says so (at most 500 rounds).
run_rc "$BIN/box-cgroup" --cpus 0.05 --name "$TEST_NAME" "$ROOTFS" /bin/sh -c \
    'i=0; while [ $i -lt 500 ] && ! grep -q "nr_throttled [1-9]" /sys/fs/cgroup/cpu.stat; do i=$((i+1)); done; grep nr_throttled /sys/fs/cgroup/cpu.stat'
assert_match "nr_throttled [1-9]" "$OUT" "the busy container was throttled"
finish
