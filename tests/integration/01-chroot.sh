# Stage 01: box-chroot runs CMD inside the rootfs and sees only it; status and signals pass.
# exercise: 01.2
# exercise: 01.3
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs

marker=$(mktemp /tmp/box-host-marker.XXXXXX)
trap 'rm -f "$marker"' EXIT

run_rc "$BIN/box-chroot" "$ROOTFS" /bin/box-probe --json root marker "$marker" /etc/boxkit-rootfs
assert_eq 0 "$RC" "the probe runs inside"
assert_eq true "$(json '.root.rootfs_marker')" "the rootfs's own marker is visible"
assert_eq false "$(json ".marker.exists[\"$marker\"]")" "a host file is invisible"
assert_eq "/" "$(json '.root.cwd')" "the command starts in /"
assert_contains box-probe "$(ls "$ROOTFS/bin")" "sanity: the rootfs has the probe"

run_rc "$BIN/box-chroot" "$ROOTFS" /bin/box-probe --json mounts
assert_eq '["/","/proc"]' "$(json '.mounts.mounts | map(split(" ")[0]) | tostring')" \
    "the container's mount table is just / and /proc"
assert_eq 2 "$(json '.mounts.count')" "two mounts inside"

# Exit status: passed through, 128+N for a signal; options after CMD belong to CMD.
run_rc "$BIN/box-chroot" "$ROOTFS" /bin/sh -c 'exit 7'
assert_eq 7 "$RC" "CMD's exit status is box-chroot's"
run_rc "$BIN/box-chroot" "$ROOTFS" /bin/sh -c 'kill -KILL $$'
assert_eq 137 "$RC" "killed by SIGKILL -> 128+9"
run_rc "$BIN/box-chroot" "$ROOTFS" -- /bin/echo --chroot -x
assert_eq "--chroot -x" "$OUT" "words after CMD are CMD's, even option-like ones"

# SIGTERM to box-chroot reaches CMD (which exits with 128+15).
"$BIN/box-chroot" "$ROOTFS" /bin/sleep 30 &
pid=$!
sleep 0.5
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
assert_eq 143 "$rc" "SIGTERM to box-chroot is forwarded to CMD"

# --explain narrates each kernel call on stderr, one line each, and changes nothing else.
out=$("$BIN/box-chroot" --explain "$ROOTFS" /bin/echo hi 2>/dev/null)
assert_eq hi "$out" "--explain leaves stdout alone"
err=$("$BIN/box-chroot" --explain "$ROOTFS" /bin/true 2>&1 >/dev/null)
assert_contains '=> pivot_root(".", ".")' "$err" "--explain names pivot_root"
assert_contains '[pivot_root(2)]' "$err" "--explain cites the man page"
err=$("$BIN/box-chroot" --explain --chroot "$ROOTFS" /bin/true 2>&1 >/dev/null)
assert_contains "=> chroot(\"$ROOTFS\")" "$err" "--explain --chroot names chroot"

finish
