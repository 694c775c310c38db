# Stage 04: each harmless attack works in a stage 03 container (root, every capability, no
# filter) and is blocked by box-seccomp's defaults, with the errno the lesson names.
# exercise: 04.1
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
[ -x "$BIN/box-cgroup" ] || { echo "FAIL: no $BIN/box-cgroup: stage 03 is the baseline of every attack"; exit 1; }

s3() { run_rc "$BIN/box-cgroup" --name "$TEST_NAME-$$" "$ROOTFS" /bin/box-probe --json "$@"; }
s4() { run_rc "$BIN/box-seccomp" --name "$TEST_NAME-$$" "$ROOTFS" /bin/box-probe --json "$@"; }

# 1. The host's disk: the partition list is not namespaced; root with CAP_MKNOD makes a node.
s3 disk
assert_eq 0 "$RC" "stage 03: the disk probe runs"
assert_eq OK "$(json .disk.mknod)" "stage 03: root makes a device node for the host's disk"
disk=$(json '.disk.device' | cut -d' ' -f1)
if dd if="/dev/$disk" of=/dev/null bs=512 count=1 2>/dev/null; then
    assert_eq 512 "$(json .disk.bytes)" "stage 03: ...and reads its first sector"
else
    echo "note: host root itself may not open /dev/$disk here (a sandboxed VM); the read half is not asserted"
fi
s4 disk
assert_eq EPERM "$(json .disk.mknod)" "stage 04: mknod fails with EPERM (CAP_MKNOD is not kept)"
assert_eq null "$(json .disk.bytes)" "stage 04: nothing is read"

# 2. A nested user namespace, a mount namespace inside it, a tmpfs mount (CVE-2022-0185's path).
s3 nest
assert_eq true "$(json .nest.nested)" "stage 03: nested user+mount namespace and a mount"
s4 nest
assert_eq EPERM "$(json .nest.user_ns)" "stage 04: unshare(CLONE_NEWUSER) fails with EPERM (seccomp)"
assert_eq false "$(json .nest.nested)" "stage 04: no nested namespace"

# 3. Kernel keyrings are not namespaced by mount/pid/uts: root inside reaches host root's.
host_id=$("$ROOTFS/bin/box-probe" --json keyring | jq -r .keyring.id)
s3 keyring
assert_eq OK "$(json .keyring.keyctl)" "stage 03: keyctl works"
assert_eq "$host_id" "$(json .keyring.id)" "stage 03: it is the host root's own user keyring"
s4 keyring
assert_eq EPERM "$(json .keyring.keyctl)" "stage 04: keyctl fails with EPERM (seccomp)"

# 4. A setuid-root file takes nobody back to root with every capability.
s3 setuid-demo
assert_eq 65534 "$(json '.["setuid-demo"].uid')" "stage 03: the demo runs as nobody"
assert_eq true "$(json '.["setuid-demo"].gained_root')" "stage 03: the setuid file gives euid 0"
assert_contains CAP_SYS_ADMIN "$(json '.["setuid-demo"].effective | join(",")')" "stage 03: ...and CAP_SYS_ADMIN"
s4 setuid-demo
assert_eq false "$(json '.["setuid-demo"].gained_root')" "stage 04: no_new_privs: the setuid bit is ignored"
assert_eq "" "$(json '.["setuid-demo"].effective | join(",")')" "stage 04: no capability gained"
run_rc "$BIN/box-seccomp" --name "$TEST_NAME-$$" --allow-new-privs "$ROOTFS" /bin/box-probe --json setuid-demo
assert_eq true "$(json '.["setuid-demo"].gained_root')" "--allow-new-privs: the setuid file works again"
assert_not_contains CAP_SYS_ADMIN "$(json '.["setuid-demo"].effective | join(",")')" \
    "--allow-new-privs: ...but only up to the bounding set"

# 5. The calls the default profile blocks: they run in stage 03 (any errno but EPERM: the
# harmless arguments make them fail in their own way) and fail with EPERM in stage 04.
calls="keyctl add_key request_key bpf perf_event_open userfaultfd io_uring_setup mount umount2 pivot_root
       setns unshare unshare-user clone-newns personality sethostname reboot mknod"
s3 try $calls
for c in $calls; do
    v=$(json ".try[\"$c\"]")
    if [ "$v" != EPERM ] && [ "$v" != null ]; then ok "stage 03: $c runs ($v)"; else fail "stage 03: $c: $v"; fi
done
s4 try $calls kexec_load kexec_file_load init_module
for c in $calls kexec_load kexec_file_load init_module; do
    assert_eq EPERM "$(json ".try[\"$c\"]")" "stage 04: $c fails with EPERM"
done
s3 try clone3
assert_eq EINVAL "$(json .try.clone3)" "stage 03: clone3 runs (EINVAL for a null argument)"
s4 try clone3 getpid chroot
assert_eq ENOSYS "$(json .try.clone3)" "stage 04: clone3 says ENOSYS, so libc falls back to clone"
assert_eq OK "$(json .try.getpid)" "stage 04: ordinary calls run"
assert_eq OK "$(json .try.chroot)" "stage 04: chroot runs (CAP_SYS_CHROOT is kept)"
finish
