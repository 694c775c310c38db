# Stage 02 without root: box-ns run by an ordinary user (setpriv) makes a rootless container:
# the caller's uid is root inside, and only that. Also what a rootless container cannot do.
# exercise: 02.1
# exercise: 02.2
# exercise: 02.3
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
need_cmd setpriv util-linux
need_cmd unshare util-linux

U=4242   # an ordinary uid with no files of its own: nothing on this machine belongs to it
as_user() { setpriv --reuid=$U --regid=$U --clear-groups "$@"; }
as_user test -x "$BIN/box-ns" -a -r "$ROOTFS/bin/box-probe" \
    || skip "uid $U cannot reach $BIN/box-ns or $ROOTFS: build in a directory every user can traverse"
as_user unshare --user true 2>/dev/null \
    || skip "this kernel does not let an ordinary user make a user namespace (kernel.unprivileged_userns_clone?)"
cleanup() { rm -f "$ROOTFS/tmp/box-02-rootless-$$"; }
trap cleanup EXIT

run_rc as_user "$BIN/box-ns" "$ROOTFS" /bin/box-probe --json pid hostname ids net mounts ns
assert_eq 0 "$RC" "an ordinary user runs box-ns (all namespaces, user included)"
assert_eq 1 "$(json .pid.pid)" "rootless: CMD is PID 1"
assert_eq '[1]' "$(json '.pid.pids | tostring')" "rootless: /proc shows only the container"
assert_eq box "$(json .hostname.hostname)" "rootless: the hostname is the container's"
assert_eq 0 "$(json .ids.uid)" "rootless: uid 0 inside"
assert_eq "0 $U 1" "$(json '.ids.uid_map[0]' | xargs)" "rootless: uid 0 inside is the caller's uid outside, one id only"
assert_eq "0 $U 1" "$(json '.ids.gid_map[0]' | xargs)" "rootless: gid 0 inside is the caller's gid outside"
assert_eq deny "$(json .ids.setgroups)" "rootless: setgroups is denied (the kernel requires it for the gid map)"
assert_eq '["lo"]' "$(json '.net.interfaces | tostring')" "rootless: only lo"
assert_eq true "$(json .net.up.lo)" "rootless: lo is up"
assert_eq '["/","/proc"]' "$(json '.mounts.mounts | map(split(" ")[0]) | tostring')" "rootless: pivot_root and /proc work"

# The container's root is the caller on the host: a file it makes belongs to uid $U.
run_rc as_user "$BIN/box-ns" "$ROOTFS" /bin/touch "/tmp/box-02-rootless-$$"
assert_eq "$U:$U" "$(stat -c %u:%g "$ROOTFS/tmp/box-02-rootless-$$")" "rootless: files made inside belong to the caller"

# Its limits: files of unmapped owners (the real root's) stay read-only; no device nodes.
run_rc as_user "$BIN/box-ns" "$ROOTFS" /bin/sh -c 'echo x >> /etc/hostname'
assert_contains "Permission denied" "$OUT" "rootless: root inside cannot write a file the host's root owns"
run_rc as_user "$BIN/box-ns" "$ROOTFS" /bin/mknod /tmp/box-null c 1 3
assert_contains "Operation not permitted" "$OUT" "rootless: no device nodes"
run_rc as_user "$BIN/box-ns" "$ROOTFS" /bin/ls -ln /etc/hostname
assert_match '65534 +65534' "$OUT" "rootless: unmapped owners show as the overflow id 65534"

# The time namespace works rootless too: the caller owns it through its user namespace.
OUT=$("$ROOTFS/bin/box-probe" --json uptime); host_up=$(json .uptime.uptime)
run_rc as_user "$BIN/box-ns" --uptime-offset 1d "$ROOTFS" /bin/box-probe --json uptime
[ "$(json .uptime.uptime)" -ge $((host_up + 86400)) ] && ok "rootless: --uptime-offset 1d" || fail "rootless: --uptime-offset: $OUT"

# Exactly the namespaces the issue names, without cgroup and time, work too.
run_rc as_user "$BIN/box-ns" --ns user,mount,uts,pid,ipc,net "$ROOTFS" /bin/box-probe --json pid hostname
assert_eq "0 1 box" "$RC $(json .pid.pid) $(json .hostname.hostname)" "rootless: --ns user,mount,uts,pid,ipc,net"

# Bad input without root: one line, exit 67, nothing made.
run_rc as_user "$BIN/box-ns" --uid-map 0:0:1 "$ROOTFS" /bin/true
assert_eq 67 "$RC" "rootless: mapping uid 0 is refused"
assert_eq "box-ns: error: --uid-map 0:0:1: without root you may map only your own uid ($U), once: use --uid-map 0:$U:1 (the default), or run as root" \
    "$(head -n 1 <<<"$OUT")" "rootless: the map error names the option and the fix"
run_rc as_user "$BIN/box-ns" --ns uts,pid "$ROOTFS" /bin/true
assert_eq 67 "$RC" "rootless: --ns without user is refused"
assert_match '^box-ns: error: --ns uts,pid: without root, namespaces can be made only inside a new user namespace' \
    "$(head -n 1 <<<"$OUT")" "rootless: the --ns error says to add user"
run_rc as_user "$BIN/box-ns" --ns user,mount "$ROOTFS" /bin/true
assert_eq 64 "$RC" "rootless: a mount namespace without a pid namespace is refused"
assert_match '^box-ns: error: --ns user,mount: in a user namespace /proc can be mounted only for a PID namespace of its own: add pid to --ns$' \
    "$(head -n 1 <<<"$OUT")" "rootless: the error says to add pid"
finish
