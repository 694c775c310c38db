# Stage 05: a real engine drives box. podman (through conmon) with --runtime build/bin/box runs
# an image imported offline from the busybox rootfs: run --rm, -d + exec + stop + rm, -t.
# podman gets a private config and storage under a temporary directory: the machine's own
# podman set-up is never touched. This machine's facts (FACTS.md): cgroupfs, events in a file,
# no network namespace set-up, ulimits below the hard limits (nofile 20000, no CAP_SYS_RESOURCE).
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
need_cmd podman "apt-get install podman (tools/packages/extra-engines.txt)"
need_cmd conmon "apt-get install conmon (tools/packages/extra-engines.txt)"

WORK=$(mktemp -d /tmp/box-$TEST_NAME.XXXXXX)
cat > "$WORK/containers.conf" <<CONF
[containers]
netns = "none"
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
cat > "$WORK/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$WORK/storage"
runroot = "$WORK/run"
CONF
export CONTAINERS_CONF=$WORK/containers.conf CONTAINERS_STORAGE_CONF=$WORK/storage.conf
pod() {
    timeout -s KILL 120 podman --root "$WORK/storage" --runroot "$WORK/run" --storage-driver vfs \
        --cgroup-manager cgroupfs --events-backend file --tmpdir "$WORK/tmp" --runtime "$BIN/box" "$@"
}
cleanup() {
    pod rm -a -f >/dev/null 2>&1 || true
    pod rmi -a -f >/dev/null 2>&1 || true
    umount -R "$WORK/storage" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

tar -C "$ROOTFS" -c . | pod import - localhost/box-busybox > /dev/null 2>&1
run_rc pod run --rm localhost/box-busybox echo hello
assert_eq 0 "$RC" "podman run --rm through box exits 0"
assert_eq hello "$OUT" "podman --runtime box run --rm IMAGE echo hello prints hello"

cid=$(pod run -d localhost/box-busybox sleep 300)
assert_eq running "$(pod inspect -f '{{.State.Status}}' "$cid")" "podman run -d: running"
assert_eq running "$("$BIN/box" state "$cid" | jq -r .status)" "box's own state agrees"
run_rc pod exec "$cid" /bin/box-probe --json pid
assert_eq 0 "$RC" "podman exec"
assert_eq true "$(json '.pid.pids | index(1) != null')" "podman exec runs inside the container's pid namespace"
run_rc pod stop -t 1 "$cid"
assert_eq 0 "$RC" "podman stop"
assert_eq exited "$(pod inspect -f '{{.State.Status}}' "$cid")" "stopped: exited"
run_rc pod rm "$cid"
assert_eq 0 "$RC" "podman rm"
assert_eq false "$([ -e "/run/box/$cid" ] && echo true || echo false)" "box's state for it is gone"
assert_eq "" "$(ls -d /sys/fs/cgroup/*/box/"$cid" /sys/fs/cgroup/box/"$cid" 2>/dev/null || true)" "its cgroup is gone"

run_rc pod run --rm -t localhost/box-busybox tty
assert_eq 0 "$RC" "podman run -t (the console socket)"
assert_match '^/dev/pts/[0-9]+' "$OUT" "the program's stdin is a pty"
finish
