# Stage 04: box-seccomp's defaults (capabilities in all five sets, no_new_privs, the default
# seccomp profile) leave the busybox userland working; the options change what they should;
# the teaching filter blocks its one call; a profile file is enforced; --explain shows the order.
# exercise: 04.1
# exercise: 04.2
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs

s4() { run_rc "$BIN/box-seccomp" --name "$TEST_NAME-$$" "$@"; }
tmp=$(mktemp -d /tmp/box-04-seccomp.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The busybox userland under the default profile: files, processes, pipes, job control, time.
script='set -e
ls / >/dev/null; cat /etc/passwd | grep -q root; echo hi | sed s/h/H/ | grep -q Hi
mkdir -p /tmp/d/e; touch /tmp/d/f; cp /tmp/d/f /tmp/d/g; mv /tmp/d/g /tmp/d/h; ln -s h /tmp/d/l
chmod 600 /tmp/d/h; chown nobody /tmp/d/h; find /tmp/d >/dev/null; tar cf /tmp/t.tar -C /tmp d
tar tf /tmp/t.tar | grep -q h; gzip /tmp/t.tar; md5sum /tmp/t.tar.gz >/dev/null; rm -r /tmp/d /tmp/t.tar.gz
ps >/dev/null; id >/dev/null; hostname >/dev/null; uname -a >/dev/null; date >/dev/null; free >/dev/null
df / >/dev/null; sleep 0.1; (sleep 0.1 &) ; sleep 0.1 & wait; awk "BEGIN{exit 0}"; nproc >/dev/null
dd if=/etc/passwd of=/tmp/p bs=1k count=1 2>/dev/null; rm /tmp/p; env >/dev/null; kill -0 $$; top -bn1 >/dev/null
echo busybox-ok'
s4 "$ROOTFS" /bin/sh -c "$script"
assert_eq 0 "$RC" "the busybox userland runs under the default profile"
assert_contains busybox-ok "$OUT" "...every command of the script"
s4 --init "$ROOTFS" /bin/sh -c 'exit 3'
assert_eq 3 "$RC" "--init under the filter: the exit status passes through"

# Capabilities: the default set in bounding, permitted and effective; inheritable and ambient empty.
default='CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_SETGID,CAP_SETUID,CAP_SETPCAP,CAP_NET_BIND_SERVICE,CAP_SYS_CHROOT,CAP_SETFCAP'
s4 "$ROOTFS" /bin/box-probe --json caps seccomp
for set in bounding permitted effective; do
    assert_eq "$default" "$(json ".caps.$set | join(\",\")")" "default: $set is the default set"
done
assert_eq "" "$(json '.caps.inheritable | join(",")')" "default: inheritable is empty"
assert_eq "" "$(json '.caps.ambient | join(",")')" "default: ambient is empty"
assert_eq true "$(json .caps.no_new_privs)" "default: NoNewPrivs: 1"
assert_eq filter "$(json .seccomp.mode)" "default: seccomp mode is filter"
assert_eq 1 "$(json .seccomp.filters)" "default: one filter"
s4 "$ROOTFS" /bin/box-probe --json try future
assert_eq ENOSYS "$(json .try.future)" "default: a call newer than libseccomp gets ENOSYS, not EPERM"
s4 "$ROOTFS" /bin/grep -E '^(CapBnd|CapEff|NoNewPrivs|Seccomp):' /proc/self/status
assert_contains "CapBnd:	00000000800405fb" "$OUT" "/proc/self/status agrees: CapBnd is the eleven"
assert_contains "NoNewPrivs:	1" "$OUT" "/proc/self/status agrees: NoNewPrivs: 1"

s4 --cap-drop ALL --cap-add NET_BIND_SERVICE,cap_kill "$ROOTFS" /bin/box-probe --json caps
assert_eq CAP_KILL,CAP_NET_BIND_SERVICE "$(json '.caps.effective | join(",")')" "--cap-drop ALL --cap-add: just those"
assert_eq CAP_KILL,CAP_NET_BIND_SERVICE "$(json '.caps.bounding | join(",")')" "...in the bounding set too"
s4 --cap-drop SETUID --cap-drop SETGID "$ROOTFS" /bin/box-probe --json caps
assert_not_contains CAP_SETUID "$(json '.caps.permitted | join(",")')" "--cap-drop (repeated): SETUID gone"
assert_not_contains CAP_SETGID "$(json '.caps.permitted | join(",")')" "--cap-drop (repeated): SETGID gone"
s4 --cap-add SYS_ADMIN "$ROOTFS" /bin/box-probe --json try mount unshare
assert_eq ENOENT "$(json .try.mount)" "--cap-add SYS_ADMIN: the profile lets mount through (ENOENT: no such dir)"
assert_eq OK "$(json .try.unshare)" "--cap-add SYS_ADMIN: ...and unshare"

# --run-as: the uid change comes after the bounding set and before capset; at exec an ordinary
# user keeps no capability (inheritable and ambient are empty), only the bounding limit.
s4 --run-as 65534:65534 "$ROOTFS" /bin/box-probe --json caps
assert_eq 65534 "$(json .caps.uid)" "--run-as: the command runs as uid 65534"
assert_eq 65534 "$(json .caps.euid)" "--run-as: ...euid too"
assert_eq "" "$(json '.caps.permitted | join(",")')" "--run-as: no capability is left after exec"
assert_eq "$default" "$(json '.caps.bounding | join(",")')" "--run-as: the bounding set is the default set"
s4 --run-as 1000:1000 "$ROOTFS" /bin/sh -c 'echo "$(id -u) $(id -g)"'
assert_eq "1000 1000" "$OUT" "--run-as 1000:1000: uid and gid"
err=$("$BIN/box-seccomp" --name "$TEST_NAME-$$" --explain --run-as 1000 "$ROOTFS" /bin/true 2>&1 >/dev/null)
order=$(printf '%s\n' "$err" | grep -oE '^=> (prctl\(PR_CAPBSET_DROP|setresuid|capset)' | sed 's/^=> //' | tr '\n' ' ')
assert_eq 'prctl(PR_CAPBSET_DROP setresuid capset ' "$order" "--run-as --explain: bounding, then the uid, then capset"

# unconfined: no filter; --allow-new-privs: no no_new_privs, but the filter is still loaded
# (before the capabilities are dropped, while CAP_SYS_ADMIN still allows it).
s4 --seccomp unconfined "$ROOTFS" /bin/box-probe --json seccomp try keyctl
assert_eq disabled "$(json .seccomp.mode)" "--seccomp unconfined: no filter"
assert_eq OK "$(json .try.keyctl)" "--seccomp unconfined: keyctl runs"
s4 --allow-new-privs "$ROOTFS" /bin/box-probe --json seccomp try keyctl
assert_eq false "$(json .seccomp.no_new_privs)" "--allow-new-privs: NoNewPrivs: 0"
assert_eq filter "$(json .seccomp.mode)" "--allow-new-privs: the filter is loaded all the same"
assert_eq EPERM "$(json .try.keyctl)" "--allow-new-privs: ...and enforced"

# The teaching filter: blocks mkdir and nothing else; stacks on the library filter.
s4 --seccomp unconfined --seccomp-teaching "$ROOTFS" /bin/box-probe --json seccomp try mkdir getpid keyctl
assert_eq 1 "$(json .seccomp.filters)" "teaching alone: one filter"
assert_eq EPERM "$(json .try.mkdir)" "teaching: mkdir fails with EPERM"
assert_eq OK "$(json .try.getpid)" "teaching: getpid runs"
assert_eq OK "$(json .try.keyctl)" "teaching: keyctl runs (it blocks one call only)"
s4 --seccomp-teaching "$ROOTFS" /bin/sh -c 'mkdir /tmp/x; /bin/box-probe seccomp'
assert_contains "mkdir: can't create directory '/tmp/x': Operation not permitted" "$OUT" "teaching: busybox mkdir is refused"
assert_contains "filters: 2" "$OUT" "teaching + default: two filters, stacked"

# A profile file (OCI linux.seccomp form) is parsed and enforced: errnoRet, defaultErrnoRet, args.
cat > "$tmp/profile.json" <<'J'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
    {"names": ["keyctl"], "action": "SCMP_ACT_ERRNO"},
    {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
     "args": [{"index": 0, "value": 4194304, "op": "SCMP_CMP_EQ"}]}
  ]
}
J
s4 --seccomp "$tmp/profile.json" "$ROOTFS" /bin/box-probe --json try mkdir keyctl personality getpid unshare
assert_eq EACCES "$(json .try.mkdir)" "profile: mkdir gets its errnoRet (EACCES)"
assert_eq EPERM "$(json .try.keyctl)" "profile: keyctl gets EPERM (no errnoRet)"
assert_eq EINVAL "$(json .try.personality)" "profile: personality(READ_IMPLIES_EXEC) matches the arg rule"
assert_eq OK "$(json .try.getpid)" "profile: the default action allows the rest"
assert_eq EPERM "$(json .try.unshare)" "profile: unshare still fails: CAP_SYS_ADMIN is not kept"

# A profile that forbids execve: the container's exec fails, the error comes back from the
# filtered child (write is allowed), and the cgroup is gone (finish checks). One that kills on
# every call: the child dies of SIGSYS at its first call after the load (128+31).
echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["execve"], "action": "SCMP_ACT_ERRNO"}]}' > "$tmp/noexec.json"
s4 --seccomp "$tmp/noexec.json" "$ROOTFS" /bin/true
assert_eq 126 "$RC" "a profile without execve: exit 126"
assert_contains 'execve("/bin/true"): Operation not permitted' "$OUT" "...naming the refused execve"
echo '{"defaultAction": "SCMP_ACT_KILL_PROCESS"}' > "$tmp/kill.json"
s4 --seccomp "$tmp/kill.json" "$ROOTFS" /bin/true
assert_eq 159 "$RC" "a profile that kills on every call: the child dies of SIGSYS (159)"

# --explain: the order of operations, and the teaching program printed.
err=$("$BIN/box-seccomp" --name "$TEST_NAME-$$" --explain --seccomp-teaching "$ROOTFS" /bin/true 2>&1 >/dev/null)
order=$(printf '%s\n' "$err" | grep -oE '^=> (pivot_root|prctl\(PR_CAPBSET_DROP|capset|prctl\(PR_SET_NO_NEW_PRIVS|seccomp\(|prctl\(PR_SET_SECCOMP|execve)' | sed 's/^=> //' | tr '\n' ' ')
assert_eq 'pivot_root prctl(PR_CAPBSET_DROP capset prctl(PR_SET_NO_NEW_PRIVS seccomp( prctl(PR_SET_SECCOMP execve ' "$order" \
    "--explain: root switch, bounding, capset, no_new_privs, seccomp last before exec"
assert_eq 9 "$(printf '%s\n' "$err" | grep -cE '^   [0-9]: ')" "--explain prints the teaching program: nine instructions"
assert_contains '0: ld  [4]                  A = seccomp_data.arch' "$err" "...first the architecture"
assert_contains '7: ret #ERRNO|EPERM' "$err" "...EPERM for the blocked call"
assert_contains '8: ret #ALLOW' "$err" "...allow the rest"
finish
