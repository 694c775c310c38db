# needs: box
# Stage 05 on v2: an OCI config's linux.resources (memory, reservation, pids, cpu quota, shares
# and cpuset) and linux.cgroupsPath are applied to the container's group, which exists from
# `create` (with the container's pid in it) to `delete`; exec joins it; a cgroupsPath outside
# box/ takes its new parent away on delete; a relative one is below box's own group; device
# rules are a BPF program on the group (deny-all, then the allowed devices: a device the rules
# do not allow cannot be opened, EPERM); a memory hog is OOM-killed.
# Skipped while `box features` does not claim v2.
. "$BOX_SRC/tests/vm/lib.sh"
need_root
need_rootfs
[ "$("$BIN/box" features | jq -r '.linux.cgroup.v2')" = true ] ||
    skip "box features says linux.cgroup.v2 is not true: stage 05 does not apply resources on cgroup v2 yet"

root=/run/box/$TEST_NAME
bundle=$(mktemp -d /tmp/box-vm-bundle.XXXXXX)
id=$TEST_NAME
top=box-$TEST_NAME-top
dir=$CG/$top/ctr
cleanup() {
    for i in "$id" "$id-hog" "$id-rel" "$id-dev"; do "$BIN/box" --root "$root" delete --force "$i" > "$bundle.out" 2>&1 || true; done
    rm -rf "$bundle" "$bundle.out"
}
trap cleanup EXIT
"$BIN/box" spec --bundle "$bundle"
# config PATH ARGS [RESOURCES]: config.json with the rootfs, cgroupsPath PATH, process.args ARGS.
config() {
    jq --arg rootfs "$ROOTFS" --arg path "$1" --argjson args "$2" --argjson res "${3:-null}" '
        .root = { path: $rootfs, readonly: true } | .process.terminal = false | .process.args = $args
        | .linux.cgroupsPath = $path
        | .linux.resources = ($res // { memory: { limit: 33554432, reservation: 16777216 }, pids: { limit: 20 },
                                       cpu: { quota: 50000, period: 100000, shares: 1024, cpus: "0", mems: "0" } })' \
        "$bundle/config.json" > "$bundle/config.json.new"
    mv "$bundle/config.json.new" "$bundle/config.json"
}
# The created container inherits create's stdout and stderr: give them a file, never a pipe
# (a $(...) capture would wait for the container).
create() { "$BIN/box" --root "$root" create --bundle "$bundle" "$1" > "$bundle.out" 2>&1; }

config "/$top/ctr" '["sleep", "60"]'
create "$id" && ok "create" || fail "create: $(cat "$bundle.out")"
pid=$("$BIN/box" --root "$root" state "$id" | jq -r .pid)
assert_eq true "$([ -d "$dir" ] && echo true)" "cgroupsPath /$top/ctr is the group, in the one v2 hierarchy"
assert_contains "$pid" "$(cat "$dir/cgroup.procs" 2>/dev/null)" "the created container's process is in it"
assert_eq 33554432 "$(cat "$dir/memory.max" 2>/dev/null)" "resources.memory.limit -> memory.max"
assert_eq 16777216 "$(cat "$dir/memory.low" 2>/dev/null)" "resources.memory.reservation -> memory.low"
assert_eq 20 "$(cat "$dir/pids.max" 2>/dev/null)" "resources.pids.limit -> pids.max"
assert_eq "50000 100000" "$(cat "$dir/cpu.max" 2>/dev/null)" "resources.cpu quota and period -> cpu.max"
assert_eq 39 "$(cat "$dir/cpu.weight" 2>/dev/null)" "resources.cpu.shares 1024 -> cpu.weight 39 (crun's conversion)"
assert_eq "0 0" "$(cat "$dir/cpuset.cpus" 2>/dev/null) $(cat "$dir/cpuset.mems" 2>/dev/null)" "resources.cpu.cpus/mems -> cpuset"
assert_contains cpuset "$(cat "$CG/$top/cgroup.subtree_control")" "the new parent hands cpuset down"
"$BIN/box" --root "$root" start "$id"
run_rc "$BIN/box" --root "$root" exec "$id" /bin/box-probe --json cgroup
assert_eq 0 "$RC" "exec"
assert_contains "0::/$top/ctr" "$(json '.cgroup.proc_self_cgroup | join(",")')" "the exec'd process is in the container's group"
"$BIN/box" --root "$root" kill "$id" KILL
stopped() { [ "$("$BIN/box" --root "$root" state "$1" | jq -r .status)" = stopped ]; }
wait_until 100 stopped "$id" || fail "the container did not stop"
"$BIN/box" --root "$root" delete "$id"
assert_eq false "$([ -d "$CG/$top" ] && echo true || echo false)" "delete removes the group and the parent create made"

config "box-$TEST_NAME-rel" '["/bin/box-probe", "--json", "cgroup"]' '{}'
run_rc "$BIN/box" --root "$root" run --bundle "$bundle" "$id-rel"
assert_eq 0 "$RC" "a relative cgroupsPath runs"
own=$(awk -F: '$1 == 0 { print $3 }' /proc/self/cgroup)
parent=$(dirname "$own")
[ "$parent" = / ] && parent=""
want=$parent/box-$TEST_NAME-rel
assert_contains "0::$want" "$(json '.cgroup.proc_self_cgroup | join(",")')" \
    "relative: below the parent of box's own group ($own), as runc places it on v2"
assert_eq false "$([ -d "$CG$want" ] && echo true || echo false)" "run removes it"

# devices RULES: run box-probe open /dev/null /dev/console under the device rules RULES, with
# the guest's /dev/console (c 5:1, not a device every container may use, opened without any
# capability: /dev/kmsg would need CAP_SYSLOG) bound in.
devices() {
    config "/$top/dev" '["/bin/box-probe", "--json", "open", "/dev/null", "/dev/console"]' "{ \"devices\": $1 }"
    jq '.mounts += [{ destination: "/dev/console", type: "bind", source: "/dev/console", options: ["bind"] }]' \
        "$bundle/config.json" > "$bundle/config.json.new"
    mv "$bundle/config.json.new" "$bundle/config.json"
    run_rc "$BIN/box" --root "$root" run --bundle "$bundle" "$id-dev"
}
[ -c /dev/console ] && [ "$(stat -c %t:%T /dev/console)" = 5:1 ] || fail "the VM has no /dev/console (c 5:1) to test device rules with"
devices '[{ "allow": false, "access": "rwm" }, { "allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm" }]'
assert_eq 0 "$RC" "a deny-all + allow /dev/null device rule set runs on v2: $OUT"
assert_eq OK "$(json '.open["/dev/null"]')" "the allowed /dev/null opens"
assert_eq EPERM "$(json '.open["/dev/console"]')" "a device the rules do not allow (c 5:1) is EPERM (the BPF program)"
devices '[{ "allow": false, "access": "rwm" }, { "allow": true, "type": "c", "major": 5, "minor": 1, "access": "r" }]'
assert_eq OK "$(json '.open["/dev/console"]')" "a later rule allowing c 5:1 r lets it open read-only: $OUT"
devices '[{ "allow": true, "access": "rwm" }, { "allow": false, "type": "c", "major": 5, "minor": 1, "access": "rwm" }]'
assert_eq EPERM "$(json '.open["/dev/console"]')" "allow-all then deny c 5:1: denied"
assert_eq OK "$(json '.open["/dev/null"]')" "allow-all then deny c 5:1: /dev/null still opens"
assert_eq false "$([ -d "$CG/$top" ] && echo true || echo false)" "run removes the group (and its program with it)"

config "/box/$TEST_NAME-hog" '["/bin/sh", "-c", "x=0123456789abcdef; while [ ${#x} -lt 100000000 ]; do x=$x$x; done; echo survived"]'
run_rc "$BIN/box" --root "$root" run --bundle "$bundle" "$id-hog"
assert_eq 137 "$RC" "a memory hog over resources.memory.limit is OOM-killed"
assert_not_contains survived "$OUT" "the hog did not get its memory"
assert_eq true "$(box_group_gone "$TEST_NAME-hog" && echo true)" "run leaves no group behind"
finish
