# Stage 05: a real engine drives box. podman (through conmon) with --runtime build/bin/box runs
# an image imported offline from the busybox rootfs: run --rm, -d + exec (-t) + stop + rm, -t.
# podman gets a private config and storage under a temporary directory (the lesson's podman.sh
# sets that up and imports the image on first use): the machine's own podman set-up is never touched.
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
need_cmd podman "apt-get install podman (tools/packages/extra-engines.txt)"
need_cmd conmon "apt-get install conmon (tools/packages/extra-engines.txt)"

box_lock lesson05  # lesson 05's transcript runs podman.sh too, and --clean removes box/podman
WORK=$(mktemp -d /tmp/box-$TEST_NAME.XXXXXX)
# The lesson's own script (lessons/05-full-runtime/podman.sh), on this build and a private directory.
pod() {
    BOX=$BIN/box BOX_ROOTFS=$ROOTFS BOX_PODMAN_DIR=$WORK/podman \
        timeout -s KILL 120 "$BOX_SRC/lessons/05-full-runtime/podman.sh" "$@"
}
cleanup() {
    pod --clean
    rm -rf "$WORK"
}
trap cleanup EXIT

run_rc pod run --rm localhost/box-busybox echo hello
assert_eq 0 "$RC" "podman run --rm through box exits 0"
assert_eq hello "$OUT" "podman --runtime box run --rm IMAGE echo hello prints hello"

cid=$(pod run -d localhost/box-busybox sleep 300)
assert_eq running "$(pod inspect -f '{{.State.Status}}' "$cid")" "podman run -d: running"
assert_eq running "$("$BIN/box" state "$cid" | jq -r .status)" "box's own state agrees"
# podman (cgroup_manager cgroupfs, podman.sh's --cgroup-parent) passes cgroupsPath /box/podman/libpod-ID
assert_match "memory:/box/podman/libpod-$cid" "$(cat /proc/"$(pod inspect -f '{{.State.Pid}}' "$cid")"/cgroup)" \
    "the container is in the group podman's cgroupsPath names"
run_rc pod exec "$cid" /bin/box-probe --json pid
assert_eq 0 "$RC" "podman exec"
assert_eq true "$(json '.pid.pids | index(1) != null')" "podman exec runs inside the container's pid namespace"
run_rc pod exec -t "$cid" tty
assert_eq 0 "$RC" "podman exec -t (box exec --tty --console-socket): $OUT"
assert_match '^/dev/pts/[0-9]+' "$OUT" "the exec'd program's stdin is a pty"
run_rc pod stop -t 1 "$cid"
assert_eq 0 "$RC" "podman stop"
assert_eq exited "$(pod inspect -f '{{.State.Status}}' "$cid")" "stopped: exited"
run_rc pod rm "$cid"
assert_eq 0 "$RC" "podman rm"
assert_eq false "$([ -e "/run/box/$cid" ] && echo true || echo false)" "box's state for it is gone"
assert_eq "" "$(ls -d /sys/fs/cgroup/*/box/"$cid" /sys/fs/cgroup/box/"$cid" 2>/dev/null || true)" "its cgroup is gone"
assert_eq "" "$(ls -d /sys/fs/cgroup/*/box/podman/libpod-"$cid" 2>/dev/null || true)" "...the one its cgroupsPath named too"

run_rc pod run --rm -t localhost/box-busybox tty
assert_eq 0 "$RC" "podman run -t (the console socket)"
assert_match '^/dev/pts/[0-9]+' "$OUT" "the program's stdin is a pty"
pod --clean
assert_eq "" "$(ls -d /sys/fs/cgroup/*/box/podman /sys/fs/cgroup/*/libpod_parent 2>/dev/null || true)" \
    "podman.sh --clean leaves no podman cgroup parent behind"
finish
