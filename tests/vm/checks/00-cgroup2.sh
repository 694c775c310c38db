# The VM itself: a pure cgroup v2 host (no v1 hierarchy), with memory, pids and cpu enabled,
# and the kernel enforcing them. Uses no boxkit program: it proves the harness and the guest.
. "$BOX_SRC/tests/integration/lib.sh"
need_root
cg=/sys/fs/cgroup/box/$TEST_NAME
cleanup() {
    [ -d "$cg" ] || return 0
    echo 1 > "$cg/cgroup.kill" 2>/dev/null || true
    for d in "$cg"/*/; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
    rmdir "$cg" /sys/fs/cgroup/box 2>/dev/null || true
}
trap cleanup EXIT

assert_eq "cgroup2" "$(awk '$2 == "/sys/fs/cgroup" { print $3 }' /proc/mounts)" "cgroup2 is mounted at /sys/fs/cgroup"
assert_eq "" "$(awk '$3 == "cgroup" { print $2 }' /proc/mounts)" "no cgroup v1 hierarchy is mounted"
for c in memory pids cpu; do
    assert_contains "$c" "$(cat /sys/fs/cgroup/cgroup.subtree_control)" "the root delegates $c"
done

mkdir -p "$cg"
echo "+memory +pids +cpu" > /sys/fs/cgroup/box/cgroup.subtree_control
for f in memory.max memory.events pids.max cpu.max cpu.weight cgroup.kill; do
    assert_eq yes "$([ -f "$cg/$f" ] && echo yes || echo no)" "a child cgroup has $f"
done

# memory.max: a shell that doubles a string to 128 MiB is OOM-killed in a 16 MiB cgroup.
echo 16M > "$cg/memory.max"
echo 0 > "$cg/memory.swap.max" 2>/dev/null || true
run_rc sh -c "echo \$\$ > $cg/cgroup.procs; x=0123456789abcdef; while [ \${#x} -lt 100000000 ]; do x=\$x\$x; done; echo survived"
assert_eq 137 "$RC" "the memory hog is killed by SIGKILL"
assert_match "oom_kill [1-9]" "$(cat "$cg/memory.events")" "memory.events counts the OOM kill"

# pids.max: the 6th process of a cgroup capped at 5 cannot be forked.
echo max > "$cg/memory.max"
echo 5 > "$cg/pids.max"
run_rc sh -c "echo \$\$ > $cg/cgroup.procs; for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait"
assert_match "max [1-9]" "$(cat "$cg/pids.events")" "pids.events counts refused forks"
assert_contains "fork" "$OUT" "the shell saw fork fail"

# cpu.max and cpu.weight take the documented formats.
echo "20000 100000" > "$cg/cpu.max"
assert_eq "20000 100000" "$(cat "$cg/cpu.max")" "cpu.max holds quota and period"
echo 50 > "$cg/cpu.weight"
assert_eq 50 "$(cat "$cg/cpu.weight")" "cpu.weight holds the weight"

# cgroup.kill: one write kills every process inside; the cgroup then empties and can go.
echo max > "$cg/pids.max"
for i in 1 2 3; do bash -c "echo \$\$ > $cg/cgroup.procs; exec sleep 100" & done
for i in $(seq 50); do [ "$(wc -l < "$cg/cgroup.procs")" = 3 ] && break; sleep 0.1; done
assert_eq 3 "$(wc -l < "$cg/cgroup.procs")" "three sleepers in the cgroup"
echo 1 > "$cg/cgroup.kill"
wait 2>/dev/null
assert_eq "" "$(cat "$cg/cgroup.procs")" "cgroup.kill left no process"
assert_contains "populated 0" "$(cat "$cg/cgroup.events")" "cgroup.events says unpopulated"
rmdir "$cg" /sys/fs/cgroup/box
assert_eq no "$([ -d /sys/fs/cgroup/box ] && echo yes || echo no)" "the test cgroup is gone"
finish
