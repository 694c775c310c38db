# After every check: no group left under box/, no mount of the rootfs, no container process.
. "$BOX_SRC/tests/vm/lib.sh"
left=$(find "$CG/box" -mindepth 1 -type d 2>/dev/null || true)
assert_eq "" "$left" "no cgroup left under $CG/box"
assert_eq "" "$(grep " $ROOTFS" /proc/self/mountinfo || true)" "no mount left on the rootfs"
assert_eq "" "$(ps -o pid,args | grep -E ' (sleep 100[0-9]|/bin/box-probe|box-cgroup)' | grep -v grep || true)" "no container process left"
finish
