# needs: box
# Stage 05 on v2: an OCI config's linux.resources (memory, pids, cpu) and linux.cgroupsPath are
# applied to the container's group, which exists from `create` (with the container's pid in it)
# to `delete`; a memory hog is OOM-killed. Skipped while `box features` does not claim v2.
. "$BOX_SRC/tests/vm/lib.sh"
need_root
need_rootfs
[ "$("$BIN/box" features | jq -r '.linux.cgroup.v2')" = true ] ||
    skip "box features says linux.cgroup.v2 is not true: stage 05 does not apply resources on cgroup v2 yet"

root=/run/box/$TEST_NAME
bundle=$(mktemp -d /tmp/box-vm-bundle.XXXXXX)
id=$TEST_NAME
dir=$CG/box/$TEST_NAME-path
cleanup() {
    "$BIN/box" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
    "$BIN/box" --root "$root" delete --force "$id-hog" >/dev/null 2>&1 || true
    rm -rf "$bundle"
}
trap cleanup EXIT
"$BIN/box" spec --bundle "$bundle"
# config ARGS: config.json with the rootfs, these resources and cgroupsPath, and process.args ARGS.
config() {
    jq --arg rootfs "$ROOTFS" --arg path "/box/$TEST_NAME-path" --argjson args "$1" '
        .root = { path: $rootfs, readonly: true } | .process.terminal = false | .process.args = $args
        | .linux.cgroupsPath = $path
        | .linux.resources = { memory: { limit: 33554432 }, pids: { limit: 20 },
                               cpu: { quota: 50000, period: 100000 } }' \
        "$bundle/config.json" > "$bundle/config.json.new"
    mv "$bundle/config.json.new" "$bundle/config.json"
}

config '["/bin/sh", "-c", "exit 0"]'
run_rc "$BIN/box" --root "$root" create --bundle "$bundle" "$id"
assert_eq 0 "$RC" "create"
pid=$("$BIN/box" --root "$root" state "$id" | jq -r .pid)
assert_eq true "$([ -d "$dir" ] && echo true)" "cgroupsPath /box/NAME is the group, in the one v2 hierarchy"
assert_contains "$pid" "$(cat "$dir/cgroup.procs" 2>/dev/null)" "the created container's process is in it"
assert_eq 33554432 "$(cat "$dir/memory.max" 2>/dev/null)" "resources.memory.limit -> memory.max"
assert_eq 20 "$(cat "$dir/pids.max" 2>/dev/null)" "resources.pids.limit -> pids.max"
assert_eq "50000 100000" "$(cat "$dir/cpu.max" 2>/dev/null)" "resources.cpu quota and period -> cpu.max"
"$BIN/box" --root "$root" start "$id"
stopped() { [ "$("$BIN/box" --root "$root" state "$id" | jq -r .status)" = stopped ]; }
wait_until 100 stopped || fail "the container did not stop"
"$BIN/box" --root "$root" delete "$id"
assert_eq true "$(box_group_gone "$TEST_NAME-path" && echo true)" "delete removes the group"

config '["/bin/sh", "-c", "x=0123456789abcdef; while [ ${#x} -lt 100000000 ]; do x=$x$x; done; echo survived"]'
run_rc "$BIN/box" --root "$root" run --bundle "$bundle" "$id-hog"
assert_eq 137 "$RC" "a memory hog over resources.memory.limit is OOM-killed"
assert_not_contains survived "$OUT" "the hog did not get its memory"
assert_eq true "$(box_group_gone "$TEST_NAME-path" && echo true)" "run leaves no group behind"
finish
