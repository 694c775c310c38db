# Stage 02: each namespace isolates what it should, and leaving it out with --ns shows the leak.
# The probe runs inside and on the host; the test compares the two views.
# exercise: 02.1
# exercise: 02.2
# exercise: 02.3
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
need_cmd ipcmk util-linux
need_cmd unshare util-linux

ALL=uts,pid,mount,ipc,net,cgroup,time
without() { echo ",$ALL," | sed "s/,$1,/,/; s/^,//; s/,$//"; }   # the default list minus one
PROBE=$ROOTFS/bin/box-probe

victim_pid= shm_id= mq=/box-02-namespaces-$$ cg=
cleanup() {
    [ -z "$victim_pid" ] || kill -KILL "$victim_pid" 2>/dev/null || true
    [ -z "$shm_id" ] || ipcrm -m "$shm_id" 2>/dev/null || true
    "$PROBE" ipc --remove-mq "$mq" >/dev/null 2>&1 || true
    [ -z "$cg" ] || rmdir "$cg" 2>/dev/null || true
}
trap cleanup EXIT

# --- every namespace is new: the inode numbers differ from the host's (all but user) ---
OUT=$("$PROBE" --json ns); host_ns=$(json '.ns')
run_rc "$BIN/box-ns" "$ROOTFS" /bin/box-probe --json ns
assert_eq 0 "$RC" "box-ns runs the probe with the default namespaces"
for ns in uts pid mount ipc net cgroup time; do
    [ "$(json ".ns.$ns")" != "$(jq -r ".$ns" <<<"$host_ns")" ] && ok "$ns: a new namespace" || fail "$ns: same namespace as the host"
done
assert_eq "$(jq -r .user <<<"$host_ns")" "$(json .ns.user)" "user: the host's (no user namespace as root by default)"
run_rc "$BIN/box-ns" --ns "$(without uts)" "$ROOTFS" /bin/box-probe --json ns
assert_eq "$(jq -r .uts <<<"$host_ns")" "$(json .ns.uts)" "--ns without uts: the host's uts namespace"

# --- uts: the hostname is the container's; the host's is untouched ---
host_name=$(hostname)
run_rc "$BIN/box-ns" --hostname box-test-02 "$ROOTFS" /bin/box-probe --json hostname
assert_eq box-test-02 "$(json .hostname.hostname)" "uts: --hostname sets the hostname inside"
assert_eq "$host_name" "$(hostname)" "uts: the host's hostname is unchanged"
run_rc "$BIN/box-ns" --ns "$(without uts)" "$ROOTFS" /bin/box-probe --json hostname
assert_eq "$host_name" "$(json .hostname.hostname)" "--ns without uts: the container sees the host's hostname"

# --- pid: CMD is PID 1, /proc shows only the container; a host process is out of sight ---
sleep 1000 & victim_pid=$!
run_rc "$BIN/box-ns" "$ROOTFS" /bin/box-probe --json pid signal "$victim_pid"
assert_eq 1 "$(json .pid.pid)" "pid: CMD is PID 1"
assert_eq '[1]' "$(json '.pid.pids | tostring')" "pid: /proc shows only the container"
assert_eq ESRCH "$(json .signal.result)" "pid: the host's process cannot be signalled (it does not exist here)"
run_rc "$BIN/box-ns" --ns mount,pid "$ROOTFS" /bin/box-probe --json pid
assert_eq '[1]' "$(json '.pid.pids | tostring')" "pid: mount and pid namespaces alone give a private /proc"
run_rc "$BIN/box-ns" --ns "$(without pid)" "$ROOTFS" /bin/box-probe --json procs signal "$victim_pid" 15
assert_contains "$victim_pid S sleep 1000" "$(json '.procs.procs | join("\n")')" "--ns without pid: the host's process is visible"
assert_eq OK "$(json .signal.result)" "--ns without pid: the container signals the host's process"
for _ in $(seq 50); do kill -0 "$victim_pid" 2>/dev/null || break; sleep 0.1; done  # at most 5 s
kill -KILL "$victim_pid" 2>/dev/null || true   # if the container failed to: never wait 1000 s
set +e; wait "$victim_pid"; rc=$?; set -e
assert_eq 143 "$rc" "--ns without pid: the host's process died of the container's SIGTERM"
victim_pid=

# --- mount: the container's mounts never reach the host ---
run_rc "$BIN/box-ns" "$ROOTFS" /bin/box-probe --json mounts
assert_eq '["/","/proc"]' "$(json '.mounts.mounts | map(split(" ")[0]) | tostring')" "mount: the container's table is / and /proc"
"$BIN/box-ns" "$ROOTFS" /bin/sh -c 'mount -t tmpfs box02tmpfs /tmp && exec sleep 1000' &
box_pid=$!
for _ in $(seq 100); do   # wait (at most 10 s) until the container has mounted its tmpfs
    c=$(pgrep -P "$box_pid" || true)
    [ -n "$c" ] && grep -q box02tmpfs "/proc/$c/mountinfo" 2>/dev/null && break
    sleep 0.1
done
assert_contains box02tmpfs "$(cat "/proc/$c/mountinfo" 2>/dev/null)" "mount: the container mounted a tmpfs"
assert_not_contains box02tmpfs "$(cat /proc/self/mountinfo)" "mount: the host does not see it"
kill -KILL "$box_pid"; wait "$box_pid" 2>/dev/null || true
# Without a mount namespace box-ns only chroots, and a mount inside lands in the caller's mount
# table. The caller here is a private mount namespace of the test's own (unshare -m), so the
# leak is seen there and dies with it.
leak=$(unshare -m --propagation private bash -c \
    "'$BIN/box-ns' --ns '$(without mount)' '$ROOTFS' /bin/mount -t tmpfs box02leak /tmp && grep -c box02leak /proc/self/mountinfo")
assert_eq 1 "$leak" "--ns without mount: the container's mount appears in the caller's mount table"

# --- ipc: System V and POSIX IPC objects are per namespace ---
shm_id=$(ipcmk -M 4096 | grep -o '[0-9]*$')
"$PROBE" ipc --make-mq "$mq" >/dev/null
run_rc "$BIN/box-ns" "$ROOTFS" /bin/box-probe --json ipc --mq "$mq"
assert_eq '[]' "$(json '.ipc.shm | tostring')" "ipc: the host's shared memory segment is invisible"
assert_eq false "$(json .ipc.mq_exists)" "ipc: the host's POSIX message queue is invisible"
run_rc "$BIN/box-ns" --ns "$(without ipc)" "$ROOTFS" /bin/box-probe --json ipc --mq "$mq"
assert_eq true "$(json ".ipc.shm | index($shm_id) != null")" "--ns without ipc: the host's segment is visible"
assert_eq true "$(json .ipc.mq_exists)" "--ns without ipc: the host's message queue is visible"

# --- net: only lo, and it is up ---
run_rc "$BIN/box-ns" "$ROOTFS" /bin/box-probe --json net
assert_eq '["lo"]' "$(json '.net.interfaces | tostring')" "net: only lo"
assert_eq true "$(json .net.up.lo)" "net: lo is up"
# (Other tests add and remove box0 and veths meanwhile: the host's list is read before and after,
# and the container's must be one of the two.)
OUT=$("$PROBE" --json net); host_before=$(json '.net.interfaces | tostring')
run_rc "$BIN/box-ns" --ns "$(without net)" "$ROOTFS" /bin/box-probe --json net
seen=$(json '.net.interfaces | tostring')
OUT=$("$PROBE" --json net); host_after=$(json '.net.interfaces | tostring')
[ "$seen" != "$host_after" ] || host_before=$host_after
assert_eq "$host_before" "$seen" "--ns without net: the host's interfaces"

# --- cgroup: the container's cgroup is its root. Run box-ns in a cgroup2 group of the test's. ---
v2=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
if [ -n "$v2" ] && [ -w "$v2/cgroup.procs" ]; then
    mkdir -p "$v2/box"; cg=$v2/box/$TEST_NAME-$$; mkdir "$cg"
    in_cg() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$@"; }
    run_rc in_cg "$BIN/box-ns" "$ROOTFS" /bin/box-probe --json cgroup
    assert_contains '"0::/"' "$(json '.cgroup.proc_self_cgroup | tostring')" "cgroup: the container's cgroup is /"
    run_rc in_cg "$BIN/box-ns" --ns "$(without cgroup)" "$ROOTFS" /bin/box-probe --json cgroup
    assert_contains "\"0::/box/$TEST_NAME-$$\"" "$(json '.cgroup.proc_self_cgroup | tostring')" \
        "--ns without cgroup: the host's cgroup path shows"
    rmdir "$cg"; cg=
else
    echo "note: no writable cgroup2 mount: the cgroup namespace checks are left out"
fi

# --- time: --uptime-offset shifts the container's boot clock, not the host's ---
OUT=$("$PROBE" --json uptime); host_up=$(json .uptime.uptime)
run_rc "$BIN/box-ns" --uptime-offset 10d "$ROOTFS" /bin/box-probe --json uptime
up=$(json .uptime.uptime)
[ "$up" -ge $((host_up + 864000)) ] && [ "$up" -lt $((host_up + 864000 + 600)) ] \
    && ok "time: uptime inside is the host's + 10 days ($up vs $host_up)" || fail "time: uptime inside $up, host $host_up"
mono=$(json .uptime.monotonic)
[ "$mono" -ge $((host_up + 864000)) ] && ok "time: CLOCK_MONOTONIC is shifted too" || fail "time: monotonic $mono"
OUT=$("$PROBE" --json uptime); host_up2=$(json .uptime.uptime)
[ "$host_up2" -lt $((host_up + 600)) ] && ok "time: the host's uptime is unchanged" || fail "time: host uptime $host_up2"
run_rc "$BIN/box-ns" --ns "$(without time)" "$ROOTFS" /bin/box-probe --json uptime
[ "$(json .uptime.uptime)" -lt $((host_up + 600)) ] && ok "--ns without time: the host's uptime" || fail "--ns without time: $OUT"

# A new time namespace must also be the process's own: otherwise threads fail (EINVAL). Only a
# kernel whose exec does not move a process into its children's time namespace (Linux 6.1, as
# in the cgroup v2 VM) tells a missing setns apart; newer ones pass either way.
for init in "" --init; do
    run_rc "$BIN/box-ns" $init --uptime-offset 1h "$ROOTFS" /bin/box-probe --json threads 2
    assert_eq "2 OK true" "$(json '"\(.threads.started) \(.threads.error) \(.threads.time_ns_is_childrens)"')" \
        "time: ${init:-no init}: CMD is in its time namespace and can start threads"
done

# --- user (as root): --user maps the container's root; a range maps it to an ordinary uid ---
run_rc "$BIN/box-ns" --user --uid-map 0:100000:65536 --gid-map 0:100000:65536 "$ROOTFS" \
    /bin/sh -c 'touch /tmp/box-02-userns && box-probe --json ids ns'
assert_eq 0 "$(json .ids.uid)" "user: uid 0 inside"
assert_eq '0 100000 65536' "$(json '.ids.uid_map[0]' | xargs)" "user: the uid map is the one asked for"
assert_eq "100000:100000" "$(stat -c %u:%g "$ROOTFS/tmp/box-02-userns")" "user: the container's root owns files as uid 100000 outside"
rm -f "$ROOTFS/tmp/box-02-userns"
[ "$(json .ns.user)" != "$(jq -r .user <<<"$host_ns")" ] && ok "user: a new user namespace" || fail "user: same as host"
run_rc "$BIN/box-ns" "$ROOTFS" /bin/box-probe --json ids
assert_eq '0 0 4294967295' "$(json '.ids.uid_map[0]' | xargs)" "without user: the host's identity map"

finish
