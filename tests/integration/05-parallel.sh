# Stage 05: 20 containers at once, and create/delete cycles: every one runs, and nothing is
# left behind (state, cgroups, mounts, processes).
# exercise: 05.1
# exercise: 05.2
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs

box_setup
bundle "$WORK/b" '.process.args = ["/bin/box-probe", "--json", "hostname", "pid"] | .linux.resources = {"pids": {"limit": 50}}'

# 20 containers in parallel, each with its own id, namespaces and cgroup.
for i in $(seq 20); do
    "$BOX" --root "$STATE" run --bundle "$WORK/b" "$TEST_NAME-$i" > "$WORK/out.$i" 2>&1 &
done
fails=0
for job in $(jobs -p); do wait "$job" || fails=$((fails + 1)); done
assert_eq 0 "$fails" "20 parallel runs all exit 0"
ok_count=0
for i in $(seq 20); do
    [ "$(tail -n 1 "$WORK/out.$i" | jq -r '"\(.hostname.hostname) \(.pid.pid)"')" = "box 1" ] && ok_count=$((ok_count + 1))
done
assert_eq 20 "$ok_count" "each saw its own hostname and was PID 1"

# create/delete cycles: created containers deleted with --force, stopped ones without.
for i in $(seq 10); do
    "$BOX" --root "$STATE" create --bundle "$WORK/b" "$TEST_NAME-c$i" > "$WORK/create.$i" 2>&1
    "$BOX" --root "$STATE" delete --force "$TEST_NAME-c$i"
done
assert_eq "" "$(ls -A "$STATE")" "no state left under --root"
assert_eq "" "$(pgrep -f -- "--root $STATE" || true)" "no container process left"
finish
