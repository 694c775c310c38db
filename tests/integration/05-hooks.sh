# Stage 05: OCI hooks where the spec puts them (runtime.md "Lifecycle", config.md "POSIX-platform
# Hooks"). Every kind runs once, in the spec's order, with the state on stdin (status, pid):
# prestart and createRuntime in box's namespaces once the container's mounts are made but before
# pivot_root; createContainer in the container's namespaces at the same moment; startContainer
# inside the rootfs before the program; then poststart, poststop. A failing createRuntime,
# createContainer or startContainer hook and a hook past its timeout run the poststop hooks and
# leave nothing behind.
# exercise: 05.1
# exercise: 05.2
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
need_cmd strace "apt-get install strace: it kills box create at an exact syscall"
box_setup

mkdir -p "$WORK/out"
# A host hook: appends "KIND STATUS PID" (the state on stdin) to out/hooks.log; with "ns" as $2
# also KIND.ns (its namespaces) and KIND.root (what it sees of the container's root).
cat > "$WORK/hook" <<EOF
#!/bin/sh
state=\$(cat)
printf '%s %s\n' "\$1" "\$(printf '%s' "\$state" | jq -r '"\(.status) \(.pid)"')" >> $WORK/out/hooks.log
[ "\${2:-}" = ns ] || exit 0
pid=\$(printf '%s' "\$state" | jq -r .pid)
for n in mnt net uts ipc pid; do readlink /proc/self/ns/\$n; done > $WORK/out/\$1.ns
{ [ -d "/proc/\$pid/root$WORK" ] && echo host-root; [ -e "/proc/\$pid/root$ROOTFS/proc/1/status" ] && echo mounts-made; } \
    > $WORK/out/\$1.root
[ -d "$WORK" ] && [ -e "$ROOTFS/proc/1/status" ] && echo sees-host-root-and-container-proc >> $WORK/out/\$1.root
exit 0
EOF
# The startContainer hook: its path resolves in the container (out/ is bound on /home); busybox only.
cat > "$WORK/out/hook-in" <<'EOF'
#!/bin/sh
state=$(cat)
st=$(echo "$state" | grep -o '"status":"[a-z]*"' | cut -d'"' -f4)
pid=$(echo "$state" | grep -o '"pid":[0-9]*' | cut -d: -f2)
echo "$1 $st $pid" >> /home/hooks.log
[ -x /bin/box-probe ] && echo in-rootfs > /home/$1.root
EOF
chmod +x "$WORK/hook" "$WORK/out/hook-in"
home='{"destination": "/home", "type": "bind", "source": ($work + "/out"), "options": ["rbind"]}'
hook() { printf '{"path": "%s", "args": ["hook", "%s"%s]}' "$WORK/hook" "$1" "${2:+, \"$2\"}"; }

# --- every kind, in order, each with the state on stdin ---
bundle "$WORK/b1" ".process.args = [\"sh\", \"-c\", \"echo ran > /home/program; exec sleep 60\"] | .mounts += [$home]
    | .hooks = {\"prestart\": [$(hook prestart)], \"createRuntime\": [$(hook createRuntime ns)],
                \"createContainer\": [$(hook createContainer ns)],
                \"startContainer\": [{\"path\": \"/home/hook-in\", \"args\": [\"hook-in\", \"startContainer\"]}],
                \"poststart\": [$(hook poststart)], \"poststop\": [$(hook poststop)]}"
id=$TEST_NAME-1
set +e; box create --bundle "$WORK/b1" --pid-file "$WORK/pid" "$id" > "$WORK/create.out" 2>&1; RC=$?; set -e
assert_eq 0 "$RC" "create with every kind of hook: $(cat "$WORK/create.out")"
pid=$(cat "$WORK/pid")
assert_eq "prestart creating $pid
createRuntime creating $pid
createContainer creating $pid" "$(cat "$WORK/out/hooks.log")" "create ran prestart, createRuntime, createContainer, with status creating and the pid"
assert_eq false "$([ -e "$WORK/out/startContainer.root" ] && echo true || echo false)" "startContainer waits for start"
container_ns=$(for n in mnt net uts ipc pid; do readlink /proc/$pid/ns/$n; done)
host_ns=$(for n in mnt net uts ipc pid; do readlink /proc/self/ns/$n; done)
assert_eq "$container_ns" "$(cat "$WORK/out/createContainer.ns")" "createContainer runs in the container's namespaces"
assert_eq "$host_ns" "$(cat "$WORK/out/createRuntime.ns")" "createRuntime runs in the runtime's namespaces"
assert_eq "host-root
mounts-made" "$(cat "$WORK/out/createRuntime.root")" "createRuntime: the container's mounts are made, its root not yet switched"
assert_contains "sees-host-root-and-container-proc" "$(cat "$WORK/out/createContainer.root")" \
    "createContainer sees the pre-pivot root (the host's) with the container's mounts in it"
run_rc box start "$id"
assert_eq 0 "$RC" "start: $OUT"
assert_eq in-rootfs "$(cat "$WORK/out/startContainer.root" 2>/dev/null)" "startContainer ran inside the rootfs"
for _ in $(seq 100); do [ -e "$WORK/out/program" ] && break; sleep 0.05; done
assert_eq ran "$(cat "$WORK/out/program" 2>/dev/null)" "the program ran"
box kill "$id" KILL
for _ in $(seq 100); do [ "$(box state "$id" | jq -r .status)" = stopped ] && break; sleep 0.05; done
run_rc box delete "$id"
assert_eq 0 "$RC" "delete"
assert_eq "prestart creating $pid
createRuntime creating $pid
createContainer creating $pid
startContainer created $pid
poststart running $pid
poststop stopped $pid" "$(cat "$WORK/out/hooks.log")" "every hook ran once, in the spec's order"

assert_eq '["prestart","createRuntime","createContainer","startContainer","poststart","poststop"]' \
    "$(box features | jq -c .hooks)" "box features lists exactly the hook kinds box runs"

# fails HOOKS-JSON WHAT MESSAGE: box run with these hooks (and a cgroup) fails naming the hook,
# the poststop hook runs, and nothing is left: no state, no process, no cgroup, no mount.
fails() {
    local n=$((++failures))
    rm -f "$WORK/out/hooks.log"
    bundle "$WORK/f$n" ".process.args = [\"true\"] | .mounts += [$home]
        | .linux.resources = {\"pids\": {\"limit\": 20}} | .hooks = ($1) + {\"poststop\": [$(hook poststop)]}"
    run_rc box run --bundle "$WORK/f$n" "$TEST_NAME-f$n"
    assert_eq 125 "$RC" "$2 fails box run"
    assert_contains "$3" "$(head -n 1 <<<"$OUT")" "$2: the error names the hook"
    assert_match "poststop stopped [0-9]+$" "$(tail -n 1 "$WORK/out/hooks.log")" "$2: the poststop hook ran"
    local pid
    pid=$(sed -n 's/^createRuntime creating //p' "$WORK/out/hooks.log")
    [ -n "$pid" ] && { kill -0 "$pid" 2>/dev/null && fail "$2: process $pid left running" || ok "$2: the process is gone"; }
    assert_eq "" "$(state_left)" "$2: no state left"
    assert_eq "" "$(ls -d /sys/fs/cgroup/*/box/"$TEST_NAME-f$n" /sys/fs/cgroup/box/"$TEST_NAME-f$n" 2>/dev/null || true)" \
        "$2: no cgroup left"
}
failures=0
fails "{\"createRuntime\": [$(hook createRuntime), {\"path\": \"/bin/false\"}]}" "a failing createRuntime hook" \
    "createRuntime hook /bin/false failed with exit status 1"
fails "{\"createRuntime\": [$(hook createRuntime)], \"createContainer\": [{\"path\": \"/bin/false\"}]}" \
    "a failing createContainer hook" "createContainer hook /bin/false failed with exit status 1"
fails "{\"createRuntime\": [$(hook createRuntime)], \"startContainer\": [{\"path\": \"/bin/false\"}]}" \
    "a failing startContainer hook" "startContainer hook /bin/false failed with exit status 1"
fails "{\"createRuntime\": [$(hook createRuntime), {\"path\": \"/bin/sleep\", \"args\": [\"sleep\", \"60\"], \"timeout\": 1}]}" \
    "a createRuntime hook past its timeout" "createRuntime hook /bin/sleep did not finish within its timeout of 1 s"

# --- a `box create` killed while a hook sleeps: the container stays "creating"; plain delete says
# what to do, delete --force kills what is left (the container process, the hook) and removes it ---
# killed_create NAME KIND EXTRA-FILTER: create with a KIND hook that writes its pid (as the host
# sees it: awk's parent, in the host's /proc) and sleeps; SIGKILL box create once the hook runs;
# prints the hook's pid.
printf '#!/bin/sh\nawk "{print \\$4}" /proc/self/stat > "$1"\nexec sleep 300\n' > "$WORK/sleeper" && chmod +x "$WORK/sleeper"
killed_create() {
    bundle "$WORK/k$1" '.process.args = ["true"] | .hooks = {($kind): [{"path": ($work + "/sleeper"), "args": ["sleeper", $pidfile]}]} | '"$3" \
        --arg kind "$2" --arg pidfile "/dev/shm/box-$TEST_NAME-$1.pid"
    "$BOX" --root "$STATE" create --bundle "$WORK/k$1" "$TEST_NAME-k$1" > "$WORK/k$1.out" 2>&1 &
    local create=$! pidfile=/dev/shm/box-$TEST_NAME-$1.pid
    for _ in $(seq 600); do [ -s "$pidfile" ] && break; sleep 0.05; done
    kill -9 $create; wait $create 2>/dev/null || true
    cat "$pidfile"; rm -f "$pidfile"
}
gone() { [ ! -e /proc/$1 ] || [ "$(awk '{print $3}' /proc/$1/stat 2>/dev/null)" = Z ]; }
for kind in createRuntime createContainer; do
    # createRuntime: with a cgroup (pids limit); createContainer (the hook runs in the container
    # process, which waits for it): without one, so only the recorded pid finds the process.
    if [ $kind = createRuntime ]; then extra='.linux.resources = {"pids": {"limit": 100}}'; else extra='.'; fi
    hookpid=$(killed_create $kind $kind "$extra")
    cpid=$(jq -r .pid "$STATE/$TEST_NAME-k$kind/state.json")
    assert_eq creating "$(box state "$TEST_NAME-k$kind" | jq -r .status)" "$kind: a killed box create leaves the container creating"
    expect_error 125 "^box: error: container '$TEST_NAME-k$kind' is creating, but the box create that made it is gone" \
        box delete "$TEST_NAME-k$kind"
    assert_contains "box delete --force $TEST_NAME-k$kind" "$OUT" "$kind: plain delete says to use delete --force"
    assert_eq creating "$(box state "$TEST_NAME-k$kind" | jq -r .status)" "$kind: plain delete changes nothing"
    run_rc box delete --force "$TEST_NAME-k$kind"
    assert_eq "0 " "$RC $OUT" "$kind: delete --force removes it"
    assert_eq "" "$(state_left)" "$kind: no state left"
    assert_eq "" "$(ls -d /sys/fs/cgroup/*/box/"$TEST_NAME-k$kind" /sys/fs/cgroup/box/"$TEST_NAME-k$kind" 2>/dev/null || true)" \
        "$kind: no cgroup left"
    for _ in $(seq 100); do gone "$hookpid" && gone "$cpid" && break; sleep 0.05; done
    gone "$hookpid" && ok "$kind: the hook is gone" || fail "$kind: the hook $hookpid still runs: $(cat /proc/$hookpid/cmdline | tr '\0' ' ')"
    gone "$cpid" && ok "$kind: the container process is gone" || fail "$kind: the container process $cpid still runs"
    kill -9 "$hookpid" "$cpid" 2>/dev/null || true
done


# --- a `box create` killed after it released the container process, before it saved "created",
# of a container with no hooks and no cgroup (the default spec's): state.json has no pid (create
# saves it early only for hooks) and the process blocks on the exec fifo; delete --force finds it
# as the holder of the fifo. strace kills box create at its second renameat2 of state.json.tmp:
# the save of "created" (the first is the save of "creating": ENOENT, then rename). ---
bundle "$WORK/kfifo" '.process.args = ["true"]'
id=$TEST_NAME-kfifo
strace -o /dev/null -P "$STATE/$id/state.json.tmp" -e trace=renameat2 -e inject=renameat2:signal=KILL:when=2 \
    "$BOX" --root "$STATE" create --bundle "$WORK/kfifo" "$id" > "$WORK/kfifo.out" 2>&1 &
wait $! 2>/dev/null || true
assert_eq "creating 0" "$(jq -r '"\(.status) \(.pid)"' "$STATE/$id/state.json")" "no hooks: box create killed before \"created\" leaves it creating without a pid"
cpid=$(for f in /proc/[0-9]*/fd/*; do [ "$f" -ef "$STATE/$id/exec.fifo" ] && { f=${f#/proc/}; echo "${f%%/*}"; } || true; done 2>/dev/null | sort -u)
[ -n "$cpid" ] && ok "no hooks: the container process $cpid is left, holding the exec fifo" || fail "no container process holds $STATE/$id/exec.fifo"
run_rc box delete --force "$id"
assert_eq "0 " "$RC $OUT" "no hooks: delete --force removes it"
assert_eq "" "$(state_left)" "no hooks: no state left"
for _ in $(seq 100); do gone "$cpid" && break; sleep 0.05; done
gone "$cpid" && ok "no hooks: the container process is gone" || fail "no hooks: the container process $cpid still runs (it holds the exec fifo)"
kill -9 $cpid 2>/dev/null || true

finish
