# Stage 02: every bad input gets one clear error line, its documented exit code, no leftovers;
# a failure inside the child (after clone) comes back as box-ns's own error.
# exercise: 02.1
# exercise: 02.2
# exercise: 02.3
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs


expect_error 64 "^box-ns: error: --ns: 'pdi' is not one of: cgroup, ipc, mount, net, pid, time, user, uts$" \
    "$BIN/box-ns" --ns uts,pdi "$ROOTFS" /bin/true
expect_error 66 "^box-ns: error: rootfs '/nonexistent' does not exist" "$BIN/box-ns" /nonexistent /bin/true
expect_error 64 "^box-ns: error: --uptime-offset '10y' is not a duration" \
    "$BIN/box-ns" --uptime-offset 10y "$ROOTFS" /bin/true
expect_error 64 "^box-ns: error: --uptime-offset needs a time namespace: add time to --ns" \
    "$BIN/box-ns" --ns uts --uptime-offset 1d "$ROOTFS" /bin/true
expect_error 64 "^box-ns: error: --init needs a PID namespace" "$BIN/box-ns" --init --ns uts,mount "$ROOTFS" /bin/true
expect_error 64 "^box-ns: error: --hostname web: the hostname is set in a new UTS namespace, and --ns pid,mount has none: add uts to --ns$" \
    "$BIN/box-ns" --hostname web --ns pid,mount "$ROOTFS" /bin/true
expect_error 64 "^box-ns: error: --uid-map '0:1000': '0:1000' is not INSIDE:OUTSIDE:COUNT" \
    "$BIN/box-ns" --user --uid-map 0:1000 "$ROOTFS" /bin/true
expect_error 64 "^box-ns: error: --uid-map/--gid-map need a user namespace" \
    "$BIN/box-ns" --uid-map 0:0:1 "$ROOTFS" /bin/true
expect_error 64 "^box-ns: error: --hostname '" "$BIN/box-ns" --hostname "$(printf 'x%.0s' $(seq 65))" "$ROOTFS" /bin/true
expect_error 127 '^box-ns: error: running the command inside the container: execve\("/bin/nope"\)' \
    "$BIN/box-ns" "$ROOTFS" /bin/nope
# The kernel refuses in the child (a boot clock cannot start before boot): the child's step and
# errno come back over the error pipe.
expect_error 64 '^box-ns: error: making the time namespace: write\("/proc/self/timens_offsets", .*\): Numerical result out of range$' \
    "$BIN/box-ns" --uptime-offset -20000d "$ROOTFS" /bin/true
assert_contains "box-ns: hint: --uptime-offset: a clock cannot go back before boot" "$OUT" "the clock error has a hint"
# The child that failed is gone too (it is a copy of box-ns, with the same command line).
assert_eq "" "$(pgrep -f -- '--uptime-offset -20000d' || true)" "no process of the failed container is left"
# A map the caller may not write is refused before anything is made (02-rootless.sh runs that
# as an ordinary user); a map whose ranges overlap is refused before the kernel would:
expect_error 64 "^box-ns: error: --uid-map '0:10:5,2:100:1': ranges overlap" \
    "$BIN/box-ns" --user --uid-map 0:10:5,2:100:1 "$ROOTFS" /bin/true
finish
