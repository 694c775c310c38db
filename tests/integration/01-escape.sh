# Stage 01: the chroot breakout reaches the host under --chroot and fails under pivot_root.
# Both halves are the lesson's demo, so both are asserted.
# exercise: 01.1
# exercise: 01.2
# exercise: 01.3
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs

marker=$(mktemp /tmp/box-host-marker.XXXXXX)
trap 'rm -f "$marker"' EXIT

run_rc "$BIN/box-chroot" --chroot "$ROOTFS" /bin/box-probe --json marker "$marker" /etc/boxkit-rootfs
assert_eq 0 "$RC" "--chroot: the probe runs inside"
assert_eq true "$(json '.marker.exists["/etc/boxkit-rootfs"]')" "--chroot: the root is the rootfs"
assert_eq false "$(json ".marker.exists[\"$marker\"]")" "--chroot: the host file is invisible by path"

# The escape: works under --chroot, fails under pivot_root. Both are the demo: assert both.
run_rc "$BIN/box-chroot" --chroot "$ROOTFS" /bin/box-probe --json escape --marker "$marker"
assert_eq true "$(json '.escape.escaped')" "--chroot: the breakout reaches the host's root"
assert_eq true "$(json '.escape.marker_visible')" "--chroot: the host marker is visible after escaping"
run_rc "$BIN/box-chroot" "$ROOTFS" /bin/box-probe --json escape --marker "$marker"
assert_eq false "$(json '.escape.escaped')" "pivot_root: the breakout stays in the rootfs"
assert_eq false "$(json '.escape.marker_visible')" "pivot_root: the host marker stays invisible"

finish
