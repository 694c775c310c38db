# Stage 03: limits hold on this machine's real cgroups and the container sees them. A memory hog
# is OOM-killed and reported as such; forks stop at --pids; --cpus caps CPU time (measured by
# the cgroup's own accounting, with a generous tolerance); stray processes are killed.
# exercise: 03.1
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
errf=$(mktemp /tmp/box-03-limits.XXXXXX)
trap 'rm -f "$errf"' EXIT
# run_split CMD...: stdout in $OUT (the probe's JSON is its last line), stderr in $ERR, status in $RC.
run_split() { set +e; OUT=$("$@" 2>"$errf"); RC=$?; set -e; ERR=$(<"$errf"); }
stat_of() { sed -n "s/.*$1 \([0-9n][0-9/a]*\).*/\1/p" <<<"$ERR" | tail -n 1; }  # from the --stats line
CG=("$BIN/box-cgroup" --name "$TEST_NAME")

# The limits, as the container sees them at /sys/fs/cgroup (its own group is '/').
run_split "${CG[@]}" --memory 64M --pids 20 --cpus 0.5 --cpu-weight 200 "$ROOTFS" /bin/box-probe --json cgroup
assert_eq 0 "$RC" "the probe runs under limits"
version=$(json .cgroup.version)
assert_match '^v[12]$' "$version" "the container sees a cgroup filesystem"
assert_eq true "$(json .cgroup.own_root)" "cgroup namespace: every path in /proc/self/cgroup is /"
assert_eq 67108864 "$(json .cgroup.memory_max)" "--memory 64M is the memory limit inside"
assert_eq 20 "$(json .cgroup.pids_max)" "--pids 20 is pids.max inside"
assert_eq 0.5 "$(json .cgroup.cpus)" "--cpus 0.5 is a quota of half the period"
if [ "$version" = v1 ]; then
    assert_eq 2048 "$(json .cgroup.cpu_shares)" "--cpu-weight 200 is cpu.shares 2048 (v1)"
    assert_eq 67108864 "$(json .cgroup.memory_swap_max)" "no swap by default (memsw = memory)"
else
    assert_eq 200 "$(json .cgroup.cpu_weight)" "--cpu-weight 200 is cpu.weight (v2)"
fi

# pids: 100 forks under --pids 20 stop near 20 (the probe itself is one of the 20).
run_split "${CG[@]}" --pids 20 --stats "$ROOTFS" /bin/box-probe --json forks 100
assert_eq 0 "$RC" "forks 100 under --pids 20 runs"
started=$(json .forks.started)
[ "$started" -ge 15 ] && [ "$started" -le 19 ] && ok "forks stop near 20 ($started started)" ||
    fail "forks under --pids 20: $started started, expected 15-19"
assert_eq EAGAIN "$(json .forks.error)" "the fork that failed got EAGAIN"
assert_contains "pids peak 20" "$ERR" "--stats: the peak is the limit"
run_split "${CG[@]}" "$ROOTFS" /bin/box-probe --json forks 30
assert_eq 30 "$(json .forks.started)" "without --pids, 30 forks all start (bounded demo)"

# memory: within the limit, allocation works; above it, the OOM killer ends the hog, and
# box-cgroup says so (not an unexplained SIGKILL).
run_split "${CG[@]}" --memory 64M "$ROOTFS" /bin/box-probe --json alloc 16
assert_eq 16 "$(json .alloc.allocated_mb)" "16 MiB under --memory 64M"
assert_not_contains "OOM" "$ERR" "no OOM report when nothing was killed"
run_split "${CG[@]}" --memory 32M --stats "$ROOTFS" /bin/box-probe --json alloc 64
assert_eq 137 "$RC" "the hog is killed (SIGKILL: 128+9)"
assert_contains "box-cgroup: the OOM killer killed 1 process in the container: it reached its memory limit (--memory 32M); that is the SIGKILL behind exit status 137" \
    "$ERR" "the OOM kill is reported as such"
assert_eq 1 "$(stat_of 'OOM kills')" "--stats counts the OOM kill"
# The OOM killer may hit a process that is not the command: still reported.
run_split "${CG[@]}" --memory 32M --init "$ROOTFS" /bin/sh -c '/bin/box-probe alloc 64 2>/dev/null; echo "probe: $?"'
assert_eq 0 "$RC" "the shell survives its child's OOM kill"
assert_eq "probe: 137" "$OUT" "the shell saw its child killed"
assert_contains "the OOM killer killed 1 process in the container" "$ERR" "an OOM kill inside is reported too"

# cpu: a thread spinning under --cpus 0.5 gets about half a core, by the cgroup's CPU time.
run_split "${CG[@]}" --cpus 0.5 --stats "$ROOTFS" /bin/box-probe --json spin 2
cpu_us=$(sed -n 's/.*CPU [0-9.]*s (\([0-9]*\) us).*/\1/p' <<<"$ERR")
wall=$(json .spin.wall_s)
if [[ $cpu_us =~ ^[0-9]+$ && $wall =~ ^[0-9.]+$ ]] && awk -v w="$wall" 'BEGIN { exit !(w > 0) }'; then
    ratio=$(awk -v c="$cpu_us" -v w="$wall" 'BEGIN { printf "%.2f", c / 1e6 / w }')
    awk -v r="$ratio" 'BEGIN { exit !(r >= 0.1 && r <= 0.65) }' && ok "--cpus 0.5: $ratio of a core by the cgroup's accounting" ||
        fail "--cpus 0.5: the cgroup used $ratio of a core (cpu ${cpu_us}us over ${wall}s), expected 0.1-0.65"
else
    fail "--cpus 0.5: no CPU time or wall time to compare (exit $RC): stdout: $OUT; stderr: $ERR"
fi

# Stray processes: without a PID namespace, a background process outlives the command; box-cgroup
# kills it with the group.
run_split "${CG[@]}" --ns mount,uts,cgroup "$ROOTFS" /bin/sh -c 'sleep 300 & echo $!'
assert_eq 0 "$RC" "the command exits, leaving a stray"
stray=$OUT
state=$(awk '{print $3}' "/proc/$stray/stat" 2>/dev/null || echo gone)
[[ $state == gone || $state == Z ]] && ok "the stray (pid $stray) was killed with the group" ||
    fail "the stray sleep $stray is still running (state $state)"
finish
