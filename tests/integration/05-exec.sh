# Stage 05: `box exec` as complete as create, and joining a pid namespace by path. An exec'd
# program gets the container's seccomp filter, user, capabilities and no_new_privs (runc's
# defaults for an argv exec), a pty with --tty --console-socket (as `podman exec -it` asks),
# --detach --pid-file; an AppArmor profile is refused. A second container created with the
# first's /proc/PID/ns/pid sees the first's processes.
# exercise: 05.1
# exercise: 05.2
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
need_cmd python3
box_setup

# --- the container's seccomp filter, user, capabilities and no_new_privs apply to exec too ---
bundle "$WORK/b1" '.process.args = ["sleep", "60"] | .process.user = {"uid": 65534, "gid": 65534}
    | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
                        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
id=$TEST_NAME-1
set +e; box run -d --bundle "$WORK/b1" "$id" > "$WORK/run1.out" 2>&1; RC=$?; set -e
assert_eq 0 "$RC" "a container with linux.seccomp runs: $(cat "$WORK/run1.out")"
run_rc box exec "$id" /bin/box-probe --json seccomp try mkdir getpid ids caps
assert_eq 0 "$RC" "exec: $OUT"
assert_eq "filter EPERM OK" "$(json '"\(.seccomp.mode) \(.try.mkdir) \(.try.getpid)"')" \
    "the exec'd program has the container's filter: mkdir is denied, getpid allowed"
assert_eq "65534 65534" "$(json '"\(.ids.uid) \(.ids.gid)"')" "an argv exec runs as the container's process.user (as runc)"
assert_eq true "$(json .caps.no_new_privs)" "and with its no_new_privs"
assert_eq '["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]' "$(json '.caps.bounding | sort | tostring')" \
    "and with its bounding set"
run_rc box exec --user 0 "$id" /bin/box-probe --json ids
assert_eq "0 0" "$(json '"\(.ids.uid) \(.ids.gid)"')" "--user 0 overrides the container's user"

# --- --detach --pid-file: the program runs on in the container; its pid is in the file ---
# (the detached program keeps box's stdout: never capture it with $(...))
set +e; box exec --detach --pid-file "$WORK/exec.pid" "$id" sleep 30 > "$WORK/exec.out" 2>&1; RC=$?; set -e
assert_eq 0 "$RC" "exec --detach --pid-file: $(cat "$WORK/exec.out")"
epid=$(cat "$WORK/exec.pid" 2>/dev/null || echo 0)
assert_eq true "$(kill -0 "$epid" 2>/dev/null && echo true || echo false)" "the detached program runs (pid $epid from --pid-file)"
cpid=$(box state "$id" | jq -r .pid)
assert_eq "$(readlink /proc/$cpid/ns/pid)" "$(readlink /proc/$epid/ns/pid 2>/dev/null)" "in the container's pid namespace"
assert_contains "$epid" "$(box ps -f json "$id")" "box ps lists it"

# --- --tty --console-socket: the pty master goes to the engine, the program's stdio is the pty ---
console_receiver "$WORK/console.sock" "$WORK/console.out"
run_rc box exec --tty --console-socket "$WORK/console.sock" "$id" /bin/box-probe process
assert_eq 0 "$RC" "exec --tty --console-socket: $OUT"
wait "$CONSOLE_PID" || true
assert_match '^/dev/pts/[0-9]+ ' "$(head -n 1 "$WORK/console.out")" "the engine received the pty"
assert_contains "tty: true" "$(cat "$WORK/console.out")" "the exec'd program's stdin is the pty; its output came through the master"
expect_error 64 '^box: error: exec --tty: no --console-socket was given' box exec --tty "$id" true
assert_contains "pass --console-socket SOCKET (engines do), or drop --tty" "$OUT" "exec --tty without --console-socket: the hint names the exec options"
assert_not_contains '"terminal"' "$OUT" "and not config.json's \"terminal\" field"

# --- what box cannot do is refused clearly ---
echo '{"args": ["true"], "cwd": "/", "apparmorProfile": "docker-default"}' > "$WORK/process.json"
expect_error 69 "^box: error: --process $WORK/process.json: .apparmorProfile: this kernel has no AppArmor" \
    box exec --process "$WORK/process.json" "$id"

# --- a pid namespace joined by path: the second container sees the first's processes ---
bundle "$WORK/b2" ".process.args = [\"/bin/box-probe\", \"--json\", \"pid\", \"ns\"]
    | .linux.namespaces |= map(if .type == \"pid\" then .path = \"/proc/$cpid/ns/pid\" else . end)"
run_rc box run --bundle "$WORK/b2" "$TEST_NAME-2"
assert_eq 0 "$RC" "a container joining the first's pid namespace by path runs"
assert_eq true "$(json '.pid.pid != 1 and (.pid.pids | index(1) != null)')" \
    "it is not PID 1, and it sees the first container's PID 1 ($(json '.pid | tostring'))"
first_pidns=$(readlink /proc/$cpid/ns/pid | tr -dc 0-9)
assert_eq "$first_pidns" "$(json .ns.pid)" "it is in the first container's pid namespace"
assert_eq true "$(kill -0 "$cpid" 2>/dev/null && echo true || echo false)" "deleting it left the first container running"

# ...and with its user namespace joined by path too (the helper joins that first).
bundle "$WORK/b3" '.process.args = ["sleep", "60"] | .linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
set +e; box run -d --bundle "$WORK/b3" "$TEST_NAME-3" > "$WORK/run3.out" 2>&1; RC=$?; set -e
assert_eq 0 "$RC" "a container with a user namespace runs: $(cat "$WORK/run3.out")"
upid=$(box state "$TEST_NAME-3" | jq -r .pid)
bundle "$WORK/b4" ".process.args = [\"/bin/box-probe\", \"--json\", \"pid\", \"ns\", \"ids\"]
    | .linux.namespaces |= map(if .type == \"pid\" then .path = \"/proc/$upid/ns/pid\" else . end)
    | .linux.namespaces += [{\"type\": \"user\", \"path\": \"/proc/$upid/ns/user\"}]"
run_rc box run --bundle "$WORK/b4" "$TEST_NAME-4"
assert_eq 0 "$RC" "a container joining another's user and pid namespaces by path runs: $(head -n 1 <<<"$OUT")"
assert_eq "$(readlink /proc/$upid/ns/user | tr -dc 0-9) $(readlink /proc/$upid/ns/pid | tr -dc 0-9) 0" \
    "$(json '"\(.ns.user) \(.ns.pid) \(.ids.uid)"')" "it is in both, as uid 0 of that user namespace"
box delete --force "$TEST_NAME-3"

box delete --force "$id"
assert_eq false "$(kill -0 "$epid" 2>/dev/null && echo true || echo false)" "delete stopped the exec'd program too"
assert_eq "" "$(state_left)" "no state left under --root (the seccomp cache aside)"
finish
