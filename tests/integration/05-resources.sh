# Stage 05 on this host's cgroup v1: linux.cgroupsPath (absolute, relative, bad) read as runc's
# cgroupfs driver reads it, and linux.resources (memory, reservation, pids, cpu quota and shares,
# cpuset, devices) written into the group. The host checks the files; the probe inside checks
# its cgroup and what the device rules let it open; exec joins the group; delete (and a failed
# create) removes the group and the parents create made, and nothing else.
# (cgroup v2: tests/vm/checks/05-resources.sh, in the VM)
# exercise: 05.1
# exercise: 05.2
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
need_cmd jq
for c in memory pids cpu cpuset devices; do
    [ -d /sys/fs/cgroup/$c ] || skip "needs cgroup v1's $c hierarchy at /sys/fs/cgroup/$c (cgroup v2 is checked in the VM)"
done

box_setup  # $BOX, $STATE (its --root), $WORK; box; bundle; every container deleted at exit
CG=/sys/fs/cgroup
# fresh DIR JQ-FILTER: a new bundle (bundle refuses an existing config.json); $name is the test's name
fresh() { rm -rf "$1" && bundle "$1" "$2" --arg name "$TEST_NAME"; }
stopped() { [ "$(box state "$1" | jq -r .status)" = stopped ]; }
wait_stopped() { for _ in $(seq 100); do stopped "$1" && return; sleep 0.05; done; }
# own CONTROLLER: the group this shell (and so box, its child) is in, in that hierarchy ("" for /)
own() { awk -F: -v c="$1" '$2 == c { print ($3 == "/" ? "" : $3) }' /proc/self/cgroup; }

# --- an absolute cgroupsPath outside box/: the group and its new parent, with every resource ---
top=box-$TEST_NAME
fresh "$WORK/a" '.process.args = ["sleep", "60"] | .linux.cgroupsPath = ("/box-" + $name + "/ctr")
    | .linux.resources = {"memory": {"limit": 67108864, "reservation": 33554432}, "pids": {"limit": 30},
                          "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"}}'
id=$TEST_NAME-a
box create --bundle "$WORK/a" "$id" > "$WORK/create.out" 2>&1 || fail "create: $(cat "$WORK/create.out")"
pid=$(box state "$id" | jq -r .pid)
for c in memory pids cpu cpuacct cpuset; do
    assert_contains "$pid" "$(cat $CG/$c/$top/ctr/cgroup.procs 2>/dev/null)" "created: the process is in $c:/$top/ctr"
done
assert_eq "" "$(ls -d $CG/*/box/"$id" 2>/dev/null || true)" "a cgroupsPath replaces box/ID"
assert_eq 67108864 "$(cat $CG/memory/$top/ctr/memory.limit_in_bytes)" "memory.limit -> memory.limit_in_bytes"
assert_eq 33554432 "$(cat $CG/memory/$top/ctr/memory.soft_limit_in_bytes)" "memory.reservation -> memory.soft_limit_in_bytes"
assert_eq 30 "$(cat $CG/pids/$top/ctr/pids.max)" "pids.limit -> pids.max"
assert_eq "50000 100000" "$(cat $CG/cpu/$top/ctr/cpu.cfs_quota_us) $(cat $CG/cpu/$top/ctr/cpu.cfs_period_us)" "cpu quota/period"
assert_eq 512 "$(cat $CG/cpu/$top/ctr/cpu.shares)" "cpu.shares -> cpu.shares"
assert_eq "0 0" "$(cat $CG/cpuset/$top/ctr/cpuset.cpus) $(cat $CG/cpuset/$top/ctr/cpuset.mems)" "cpu.cpus/mems -> cpuset"
assert_eq "$(cat $CG/cpuset/cpuset.cpus)" "$(cat $CG/cpuset/$top/cpuset.cpus)" \
    "the new parent's cpuset.cpus was copied from its parent (else nothing could join below it)"
assert_eq false "$([ -d $CG/devices/$top ] && echo true || echo false)" "no device rules: no devices group"
# a second container with the same cgroupsPath joins the group (runc does; the spec: the same
# cgroupsPath, the same place), and its delete leaves what it did not make
box create --bundle "$WORK/a" "$id-2" > "$WORK/create2.out" 2>&1 || fail "create: $(cat "$WORK/create2.out")"
pid2=$(box state "$id-2" | jq -r .pid)
assert_contains "$pid2" "$(cat $CG/memory/$top/ctr/cgroup.procs 2>/dev/null)" "a second container joins an existing cgroupsPath"
box delete --force "$id-2"
assert_contains "$pid" "$(cat $CG/memory/$top/ctr/cgroup.procs 2>/dev/null)" \
    "its delete leaves the group it did not make, and the first container in it"
box start "$id"
run_rc box exec "$id" /bin/box-probe --json cgroup
assert_eq 0 "$RC" "exec"
assert_contains "memory:/$top/ctr" "$(json '.cgroup.proc_self_cgroup | join(",")')" "exec'd process is in the container's memory group"
assert_contains "pids:/$top/ctr" "$(json '.cgroup.proc_self_cgroup | join(",")')" "...and its pids group (every hierarchy)"
assert_contains "$pid" "$(box ps -f json "$id" | jq -r 'map(tostring) | join(",")')" "ps lists the container's process from its group"
box kill "$id" KILL
wait_stopped "$id"
run_rc box delete "$id"
assert_eq 0 "$RC" "delete"
assert_eq "" "$(ls -d $CG/*/$top 2>/dev/null || true)" "delete removed the group and the parent create made"

# --- a relative cgroupsPath: below box's own group in each hierarchy, as runc reads it ---
rel=box-$TEST_NAME-rel
fresh "$WORK/r" '.process.args = ["/bin/box-probe", "--json", "cgroup"] | .linux.cgroupsPath = ("box-" + $name + "-rel")'
run_rc box run --bundle "$WORK/r" "$TEST_NAME-r"
assert_eq 0 "$RC" "a relative cgroupsPath runs"
for c in memory pids cpu; do
    want=$(own $c)/$rel
    assert_contains "$c:$want" "$(json '.cgroup.proc_self_cgroup | join(",")')" "relative: $c group is $want (own group + path)"
    assert_eq false "$([ -d "$CG/$c$(own $c)/$rel" ] && echo true || echo false)" "run removed $c:$want"
done

# --- bad cgroupsPath: one error naming .linux.cgroupsPath (exit 65), nothing made ---
for p in "../x" "/box/../x" "system.slice:box:x" "/"; do
    fresh "$WORK/bad" ".process.args = [\"true\"] | .linux.cgroupsPath = \"$p\""
    run_rc box run --bundle "$WORK/bad" "$TEST_NAME-bad"
    assert_eq 65 "$RC" "cgroupsPath '$p' is refused (65)"
    assert_match "^box: error: .*config.json: \.linux\.cgroupsPath: " "$(head -n 1 <<<"$OUT")" "and the error names .linux.cgroupsPath"
    if [[ $p == *:* ]]; then assert_contains "--systemd-cgroup" "$OUT" "a systemd-style path is explained"; fi
done

# --- a create that fails after making the group (a CPU this machine lacks) leaves nothing ---
fresh "$WORK/f" '.process.args = ["true"] | .linux.cgroupsPath = ("/box-" + $name + "-f/ctr")
    | .linux.resources = {"cpu": {"cpus": "4095"}}'
run_rc box run --bundle "$WORK/f" "$TEST_NAME-f"
assert_eq true "$([ "$RC" != 0 ] && echo true)" "cpus 4095 fails create"
assert_contains "cpuset.cpus" "$OUT" "and says which file refused it"
assert_eq "" "$(ls -d $CG/*/box-"$TEST_NAME"-f 2>/dev/null || true)" "the failed create removed what it made"
assert_eq "" "$(ls -A "$STATE")" "and its state"

# --- devices: rules written in order, then the default devices, as runc does ---
devs() {  # devs RULES-JSON: a bundle that opens /dev/fuse (bound from the host), /dev/zero, /dev/null
    fresh "$WORK/d" ".process.args = [\"/bin/box-probe\", \"--json\", \"open\", \"/dev/fuse\", \"/dev/zero\", \"/dev/null\"]
        | .mounts += [{\"destination\": \"/dev/fuse\", \"type\": \"bind\", \"source\": \"/dev/fuse\", \"options\": [\"bind\"]}]
        | .linux.resources = {\"devices\": $1}"
    run_rc box run --bundle "$WORK/d" "$TEST_NAME-d"
}
if [ -c /dev/fuse ]; then
    devs '[]'
    assert_eq "OK OK" "$(json '"\(.open["/dev/fuse"]) \(.open["/dev/zero"])"')" "no rules: every device opens"
    devs '[{"allow": false, "access": "rwm"}]'
    assert_eq 0 "$RC" "a deny-all config runs (its /dev/null and friends are allowed by default)"
    assert_eq "EPERM OK OK" "$(json '"\(.open["/dev/fuse"]) \(.open["/dev/zero"]) \(.open["/dev/null"])"')" \
        "deny all: /dev/fuse is EPERM; the default devices open"
    devs '[{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "r"}]'
    assert_eq OK "$(json '.open["/dev/fuse"]')" "deny all, then allow c 10:229 r: /dev/fuse opens"
    devs '[{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "r"}, {"allow": false, "access": "rwm"}]'
    assert_eq EPERM "$(json '.open["/dev/fuse"]')" "the same rules the other way round: the later deny wins"
    assert_eq "" "$(ls -d $CG/devices/box/"$TEST_NAME"-d 2>/dev/null || true)" "the devices group is gone after run"
else
    echo "note: no /dev/fuse on this host: the device rules are checked by the unit tests only"
fi

# --- a process left in the group when the container's own exits (no pid namespace takes it
# along): run's delete finds the group busy (EBUSY), kills what is in it, then removes it ---
fresh "$WORK/left" '.process.args = ["sh", "-c", "sleep 300 > /dev/null 2>&1 & echo $!"]
    | .linux.namespaces |= map(select(.type != "pid")) | .linux.cgroupsPath = ("/box-" + $name + "-left")'
run_rc timeout 20 "$BOX" --root "$STATE" run --bundle "$WORK/left" "$TEST_NAME-left"
assert_eq 0 "$RC" "run of a container that leaves a process in its group: $OUT"
left=$(printf '%s\n' "$OUT" | tail -n 1)
assert_match '^[0-9]+$' "$left" "the shell printed its background sleep's pid"
gone=false
[[ $left =~ ^[0-9]+$ ]] && for _ in $(seq 100); do [ -e /proc/$left ] || { gone=true; break; }; sleep 0.05; done
if [ $gone = false ]; then  # what the failed run left: its sleep (in the group), then the group
    for p in $(cat $CG/pids/box-"$TEST_NAME"-left/cgroup.procs 2>/dev/null); do kill -9 "$p"; done
    sleep 0.3; rmdir $CG/*/box-"$TEST_NAME"-left 2>/dev/null || true
fi
assert_eq true "$gone" "run killed the sleep left in the container's group"
assert_eq "" "$(ls -d $CG/*/box-"$TEST_NAME"-left 2>/dev/null || true)" "and removed the group in every hierarchy"

assert_eq "" "$(ls -A "$STATE")" "no state left under --root"
finish
