# Stage 05: box as an OCI runtime: box spec's bundle runs, the create/start split, state, kill,
# delete, exec, pid file, hooks with the state on stdin, the console socket, errors, no leftovers.
# exercise: 05.1
# exercise: 05.2
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
need_cmd python3

box_setup

# --- box spec's default bundle runs, and the probe inside sees what config.json asks for ---
bundle "$WORK/b1" '.process.args = ["/bin/box-probe", "--json", "hostname", "pid", "caps", "mounts", "process",
    "files", "/dev/null", "/dev/zero", "/dev/urandom", "/dev/tty", "/dev/fd", "/dev/ptmx", "/proc/kcore",
    "/sys/firmware", "/proc/sys/kernel/hostname", "/etc", "/tmp"]'
run_rc box run --bundle "$WORK/b1" "$TEST_NAME-1"
assert_eq 0 "$RC" "box spec's bundle runs"
assert_eq box "$(json .hostname.hostname)" "hostname from config.json"
assert_eq 1 "$(json .pid.pid)" "the program is PID 1 of a new pid namespace"
assert_eq '["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]' "$(json '.caps.bounding | sort | tostring')" \
    "the bounding set is the config's three capabilities"
assert_eq '["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]' "$(json '.caps.effective | sort | tostring')" \
    "effective = the config's"
assert_eq true "$(json .caps.no_new_privs)" "noNewPrivileges"
assert_eq '["/","/dev","/dev/mqueue","/dev/pts","/dev/shm","/proc","/sys"]' \
    "$(json '[.mounts.mounts[] | split(" ")[0] | select(test("^/(proc|sys)/") | not)] | sort | tostring')" \
    "the config's mounts, and no host mount"
assert_eq 1024 "$(json '.process.rlimits.RLIMIT_NOFILE.soft')" "RLIMIT_NOFILE from config.json"
assert_eq "char 1:3 0666" "$(json '.files.files["/dev/null"] | "\(.type) \(.dev) \(.mode)"')" "/dev/null is the spec's device"
assert_eq "char 1:9" "$(json '.files.files["/dev/urandom"] | "\(.type) \(.dev)"')" "/dev/urandom"
assert_eq "char 5:0" "$(json '.files.files["/dev/tty"] | "\(.type) \(.dev)"')" "/dev/tty"
assert_eq "/proc/self/fd" "$(json '.files.files["/dev/fd"].target')" "/dev/fd link"
assert_eq "pts/ptmx" "$(json '.files.files["/dev/ptmx"].target')" "/dev/ptmx link"
assert_eq "EROFS" "$(json '.files.files["/proc/sys/kernel/hostname"].write')" "/proc/sys is read-only (readonlyPaths)"
assert_eq "EROFS" "$(json '.files.files["/etc"].write')" "root.readonly: the rootfs is read-only"
assert_contains "/sys/firmware tmpfs" "$(json '.mounts.mounts | join(",")')" "/sys/firmware is masked by a tmpfs"
[ -e /proc/kcore ] && assert_eq "char 1:3" "$(json '.files.files["/proc/kcore"] | "\(.type) \(.dev)"')" \
    "/proc/kcore is masked by /dev/null"

# --- exit status passes through; env, cwd, user, rlimits, umask from process ---
bundle "$WORK/b2" '.process.args = ["sh", "-c", "exit 7"]'
run_rc box run --bundle "$WORK/b2" "$TEST_NAME-2"
assert_eq 7 "$RC" "the program's exit status is box run's"
bundle "$WORK/b3" '.process.args = ["/bin/box-probe", "--json", "process", "ids", "caps"] | .process.cwd = "/tmp"
    | .process.env = ["PATH=/bin", "GREETING=hi"] | .process.user = {"uid": 65534, "gid": 65534, "umask": 63, "additionalGids": [5]}
    | .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}] | .process.oomScoreAdj = 500'
run_rc box run --bundle "$WORK/b3" "$TEST_NAME-3"
assert_eq 0 "$RC" "a non-root user's program runs"
assert_eq "/tmp" "$(json .process.cwd)" "process.cwd"
assert_eq '["GREETING=hi","PATH=/bin"]' "$(json '.process.env | sort | tostring')" "process.env, nothing of the host's"
assert_eq "65534 65534 [5]" "$(json '"\(.ids.uid) \(.ids.euid) \(.ids.groups)"')" "process.user: uid and additionalGids"
assert_eq "0077" "$(json .process.umask)" "process.user.umask"
assert_eq "100 200" "$(json '"\(.process.rlimits.RLIMIT_NOFILE.soft) \(.process.rlimits.RLIMIT_NOFILE.hard)"')" "process.rlimits"
assert_eq 500 "$(json .process.oom_score_adj)" "process.oomScoreAdj"
assert_eq '[]' "$(json '.caps.effective | tostring')" "uid 65534 has no effective capability"

# --- box run forwards SIGTERM to the program; --no-pivot; --preserve-fds ---
bundle "$WORK/b9" '.process.args = ["sh", "-c", "trap \"exit 42\" TERM; while :; do sleep 0.1; done"]'
"$BOX" --root "$STATE" run --bundle "$WORK/b9" "$TEST_NAME-9" > "$WORK/run9.out" 2>&1 &
runner=$!
for _ in $(seq 100); do [ "$(box state "$TEST_NAME-9" 2>/dev/null | jq -r .status)" = running ] && break; sleep 0.05; done
sleep 0.2  # let sh install its trap (only the exit status is checked, never a duration)
kill -TERM $runner
set +e; wait $runner; rc=$?; set -e
assert_eq 42 "$rc" "SIGTERM to box run reaches the program (its trap exits 42)"
# the container deleted from outside while box run waits: run still exits with the program's
# status (killed: 128 + 9), and says why it had nothing left to delete
bundle "$WORK/b9d" '.process.args = ["sleep", "300"]'
"$BOX" --root "$STATE" run --bundle "$WORK/b9d" "$TEST_NAME-9d" > "$WORK/run9d.out" 2>&1 &
runner=$!
for _ in $(seq 100); do [ "$(box state "$TEST_NAME-9d" 2>/dev/null | jq -r .status)" = running ] && break; sleep 0.05; done
box delete --force "$TEST_NAME-9d"
set +e; wait $runner; rc=$?; set -e
assert_eq 137 "$rc" "box run of a container deleted from outside exits with its program's status (SIGKILL)"
assert_contains "container '$TEST_NAME-9d' does not exist" "$(cat "$WORK/run9d.out")" "and says it found nothing left to delete"
bundle "$WORK/b10" '.process.args = ["/bin/box-probe", "--json", "root"]'
run_rc box run --no-pivot --bundle "$WORK/b10" "$TEST_NAME-10"
assert_eq "0 true" "$RC $(json .root.rootfs_marker)" "--no-pivot (chroot) runs in the rootfs"
echo "passed fd" > "$WORK/fd3"
bundle "$WORK/b11" '.process.args = ["sh", "-c", "cat <&3"]'
run_rc box run --preserve-fds 1 --bundle "$WORK/b11" "$TEST_NAME-11" 3< "$WORK/fd3"
assert_eq "passed fd" "$OUT" "--preserve-fds 1 passes fd 3 to the program"
run_rc box run --bundle "$WORK/b11" "$TEST_NAME-12" 3< "$WORK/fd3"
assert_not_contains "passed fd" "$OUT" "without --preserve-fds, fd 3 is not passed"
[ "$RC" != 0 ] && ok "and the program's read of fd 3 fails" || fail "fd 3 read succeeded without --preserve-fds"

# --- linux.seccomp goes through stage 04's loader; unknown names are skipped as runc does ---
bundle "$WORK/b8" '.process.args = ["/bin/box-probe", "--json", "seccomp", "try", "mkdir", "getpid"]
    | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
                        "syscalls": [{"names": ["mkdir", "mkdirat", "no_such_call"], "action": "SCMP_ACT_ERRNO"}]}'
run_rc box run --bundle "$WORK/b8" "$TEST_NAME-8"
assert_eq 0 "$RC" "a config with linux.seccomp runs"
assert_eq "filter EPERM OK" "$(json '"\(.seccomp.mode) \(.try.mkdir) \(.try.getpid)"')" "the filter denies mkdir, allows getpid"
assert_eq 1 "$(ls "$STATE/.seccomp-cache" 2>/dev/null | grep -cE '^[0-9a-f]{16}\.bpf$')" "the compiled filter is kept under --root"
cached=$(stat -c %i "$STATE"/.seccomp-cache/*.bpf)
run_rc box run --bundle "$WORK/b8" "$TEST_NAME-8b"
assert_eq "$cached" "$(stat -c %i "$STATE"/.seccomp-cache/*.bpf)" "the second run loaded the cached filter (a rebuild stores a new file)"
assert_eq "0 filter EPERM OK" "$RC $(json '"\(.seccomp.mode) \(.try.mkdir) \(.try.getpid)"')" \
    "the same profile again: the cached filter, which denies mkdir and allows getpid"
assert_eq 1 "$(ls "$STATE/.seccomp-cache" | wc -l)" "...and it was not stored twice"

# --- create/start split, state, pid file, kill, delete; hooks in order with the state on stdin ---
mkdir -p "$WORK/out"
cat > "$WORK/hook" <<EOF
#!/bin/sh
# Append "KIND STATUS ID PID" from the state on stdin.
read -r state
printf '%s %s\n' "\$1" "\$(printf '%s' "\$state" | jq -r '"\(.status) \(.id) \(.pid)"')" >> $WORK/hooks.log
EOF
chmod +x "$WORK/hook"
# (/home: a mount point the shared rootfs already has, so the runtime need not create one in it)
bundle "$WORK/b4" '.process.args = ["sh", "-c", "echo started > /home/started; exec sleep 60"]
    | .mounts += [{"destination": "/home", "type": "bind", "source": ($work + "/out"), "options": ["rbind"]}]
    | .linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 20}}
    | .hooks = {"createRuntime": [{"path": ($work + "/hook"), "args": ["hook", "createRuntime"]}],
                "poststart": [{"path": ($work + "/hook"), "args": ["hook", "poststart"]}],
                "poststop": [{"path": ($work + "/hook"), "args": ["hook", "poststop"]}]}'
id=$TEST_NAME-4
# The created process inherits create's stdio (as the spec says): never capture it with $(...).
set +e; box create --bundle "$WORK/b4" --pid-file "$WORK/pid" "$id" > "$WORK/create.out" 2>&1; RC=$?; set -e
assert_eq 0 "$RC" "create: $(cat "$WORK/create.out")"
pid=$(cat "$WORK/pid")
assert_eq "created $pid" "$(box state "$id" | jq -r '"\(.status) \(.pid)"')" "after create: created, with the pid of the pid file"
assert_eq "$WORK/b4" "$(box state "$id" | jq -r .bundle)" "state.bundle"
assert_match "(memory|^0):/box/$id" "$(cat /proc/$pid/cgroup)" "the container process is in its cgroup box/ID"
mem=$(cat /sys/fs/cgroup/memory/box/$id/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/box/$id/memory.max)
assert_eq 67108864 "$mem" "linux.resources.memory.limit is the cgroup's limit"
pids=$(cat /sys/fs/cgroup/pids/box/$id/pids.max 2>/dev/null || cat /sys/fs/cgroup/box/$id/pids.max)
assert_eq 20 "$pids" "linux.resources.pids.limit is the cgroup's pids.max"
assert_eq "1.0.2" "$(box state "$id" | jq -r .ociVersion)" "state.ociVersion"
assert_eq false "$([ -e "$WORK/out/started" ] && echo true || echo false)" "after create, the program has not run"
run_rc timeout -s KILL 20 "$BOX" --root "$STATE" create --bundle "$WORK/b4" "$id"
assert_eq 125 "$RC" "a duplicate id is refused"
assert_contains "container '$id' already exists" "$OUT" "the duplicate's message"
assert_eq "created" "$(box state "$id" | jq -r .status)" "the refused duplicate left the first alone"
run_rc box start "$id"
assert_eq 0 "$RC" "start"
for _ in $(seq 100); do [ -e "$WORK/out/started" ] && break; sleep 0.05; done
assert_eq started "$(cat "$WORK/out/started" 2>/dev/null)" "after start, the program ran"
assert_eq running "$(box state "$id" | jq -r .status)" "after start: running"
run_rc box start "$id"
assert_eq 125 "$RC" "start twice is refused"
assert_contains "$id" "$(box list)" "list shows it"
run_rc box exec "$id" /bin/box-probe --json pid
assert_eq 0 "$RC" "exec into the running container"
assert_eq true "$(json '.pid.pids | index(1) != null')" "exec'd process is in the container's pid namespace"
run_rc box exec "$id" sh -c 'exit 5'
assert_eq 5 "$RC" "exec passes its program's status through"
assert_eq "$pid" "$(box ps -f json "$id" | jq -r '.[0]')" "ps lists the container's process"
run_rc box delete "$id"
assert_eq 125 "$RC" "delete of a running container without --force is refused"
box kill "$id" KILL
for _ in $(seq 100); do [ "$(box state "$id" | jq -r .status)" = stopped ] && break; sleep 0.05; done
assert_eq stopped "$(box state "$id" | jq -r .status)" "after kill: stopped"
run_rc box delete "$id"
assert_eq 0 "$RC" "delete of a stopped container"
run_rc box state "$id"
assert_eq 66 "$RC" "after delete, the container does not exist"
assert_eq "createRuntime creating $id $pid
poststart running $id $pid
poststop stopped $id $pid" "$(cat "$WORK/hooks.log")" "hooks ran in order, each with the state on stdin"

# A created container can be deleted with --force (the waiting process is killed).
bundle "$WORK/b5" '.process.args = ["true"]'
box create --bundle "$WORK/b5" "$TEST_NAME-5" > "$WORK/create5.out" 2>&1
assert_eq "" "$(ls -d /sys/fs/cgroup/*/box/"$TEST_NAME-5" /sys/fs/cgroup/box/"$TEST_NAME-5" 2>/dev/null || true)" \
    "no limits and a pid namespace of its own: no cgroup is made (needs_cgroup)"
run_rc box delete --force "$TEST_NAME-5"
assert_eq 0 "$RC" "delete --force of a created container"

# A hook still running at its timeout is killed, and the container is not kept.
printf '#!/bin/sh\nexec sleep 5\n' > "$WORK/slow-hook"
chmod +x "$WORK/slow-hook"
bundle "$WORK/b-slow-hook" '.process.args = ["true"] | .hooks = {"createRuntime": [{"path": ($work + "/slow-hook"), "timeout": 1}]}'
run_rc box run --bundle "$WORK/b-slow-hook" "$TEST_NAME-slow-hook"
assert_eq 125 "$RC" "a createRuntime hook past its timeout fails run"
assert_contains "did not finish within its timeout of 1 s" "$OUT" "the timeout's message"
run_rc box state "$TEST_NAME-slow-hook"
assert_eq 66 "$RC" "the container whose hook timed out was not kept"

# --- the console socket: the engine gets the pty master over SCM_RIGHTS ---
bundle "$WORK/b6" '.process.terminal = true | .process.args = ["/bin/box-probe", "process"]'
console_receiver "$WORK/console.sock" "$WORK/console.out"
run_rc box run --bundle "$WORK/b6" --console-socket "$WORK/console.sock" "$TEST_NAME-6"
assert_eq 0 "$RC" "a terminal container runs with --console-socket"
wait $CONSOLE_PID || true
assert_match '^/dev/pts/[0-9]+ ' "$(head -n 1 "$WORK/console.out")" "the engine received the pty (its name is the payload)"
assert_contains "tty: true" "$(cat "$WORK/console.out")" "the program's stdin is the pty; its output came through the master"
bundle "$WORK/b7" '.process.terminal = true'
run_rc box run --bundle "$WORK/b7" "$TEST_NAME-7"
assert_eq 64 "$RC" "terminal without --console-socket is refused"

# --- rootless: box spec --rootless, run by an ordinary user (uid 65534) in a user namespace ---
if command -v setpriv >/dev/null; then
    mkdir -p "$WORK/rl" && chown 65534:65534 "$WORK/rl" && chmod 755 "$WORK"
    nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp "$@"; }
    nobody "$BOX" spec --rootless --bundle "$WORK/rl"
    jq --arg rootfs "$ROOTFS" '.root.path = $rootfs | .process.args = ["/bin/box-probe", "--json", "ids", "pid"]' \
        "$WORK/rl/config.json" > "$WORK/rl.json" && cat "$WORK/rl.json" > "$WORK/rl/config.json"
    run_rc nobody "$BOX" --root "$WORK/rl/state" run --bundle "$WORK/rl" "$TEST_NAME-rl"
    assert_eq 0 "$RC" "a rootless bundle runs as uid 65534"
    assert_eq "0 65534 1" "$(json '.ids.uid_map[0] | split(" ") | map(select(. != "")) | join(" ")')" \
        "uid 0 inside maps to uid 65534 outside"
    assert_eq "0 1" "$(json '"\(.ids.uid) \(.pid.pid)"')" "the program is root inside, and PID 1"
fi

# --- errors: one clear line, the documented code, nothing left behind ---
bundle "$WORK/bad" '.linux.resources = {"memory": {"limit": "64M"}}'
run_rc box run --bundle "$WORK/bad" "$TEST_NAME-bad"
assert_eq 65 "$RC" "a malformed config exits 65"
assert_eq "box: error: $WORK/bad/config.json: .linux.resources.memory.limit: expected a number" \
    "$(printf '%s\n' "$OUT" | head -n 1)" "the error names the JSON path"
bundle "$WORK/nope" '.process.args = ["/bin/nope"]'
run_rc box run --bundle "$WORK/nope" "$TEST_NAME-nope"
assert_eq 127 "$RC" "a missing program fails create with 127"
assert_contains 'execve("/bin/nope")' "$OUT" "and names it"
run_rc box run --bundle "$WORK/missing" "$TEST_NAME-x"
assert_eq 66 "$RC" "a missing bundle exits 66"
run_rc box run --bundle "$WORK/b2" "bad/id"
assert_eq 64 "$RC" "an id with a slash is refused"
run_rc box --systemd-cgroup state x
assert_eq 69 "$RC" "--systemd-cgroup is refused clearly"
assert_contains "systemd" "$OUT" "and says why"
run_rc box kill "$TEST_NAME-2" NOSUCHSIG
assert_eq 64 "$RC" "a bad signal name"
run_rc box --log "$WORK/log.json" --log-format json state nothere
assert_eq error "$(jq -r .level "$WORK/log.json")" "--log-format json writes a json line with level"
assert_contains "nothere" "$(jq -r .msg "$WORK/log.json")" "and msg"

# Nothing is left: no container state, no mount.
assert_eq "" "$(state_left)" "no state left under --root (the seccomp cache aside)"
finish
