# Stage 03: each bad input gets one clear error line naming the input and the fix, its
# documented exit code, and nothing is created: no cgroup, no watchdog, no container.
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
need_cmd unshare util-linux

cg_dirs() { ls -d /sys/fs/cgroup/*/box/"$1" /sys/fs/cgroup/box/"$1" 2>/dev/null || true; }
# expect_error CODE REGEX CMD...: CMD fails with CODE, its first line matches REGEX, and no
# group named after this test exists afterwards.
expect_error() {
    local code=$1 re=$2; shift 2
    run_rc "$@"
    assert_eq "$code" "$RC" "exit code of: $*"
    assert_match "$re" "$(head -n 1 <<<"$OUT")" "message of: $*"
    assert_eq "" "$(cg_dirs "$TEST_NAME")" "nothing created by: $*"
}
CG=("$BIN/box-cgroup" --name "$TEST_NAME")
expect_error 64 "^box-cgroup: error: --memory: '64Q' is not a size: use a number with an optional K, M, G or T suffix, e.g. 64M$" \
    "${CG[@]}" --memory 64Q "$ROOTFS" /bin/true
expect_error 64 "^box-cgroup: error: --cpus: '0' is out of range: use a number above 0 and at most 1024$" \
    "${CG[@]}" --cpus 0 "$ROOTFS" /bin/true
expect_error 64 "^box-cgroup: error: --pids: '-1' is out of range: use a number from 1 to 4194304$" \
    "${CG[@]}" --pids -1 "$ROOTFS" /bin/true
expect_error 64 "^box-cgroup: error: --memory-swap is memory \+ swap, so it must be at least --memory$" \
    "${CG[@]}" --memory 64M --memory-swap 32M "$ROOTFS" /bin/true
expect_error 64 "^box-cgroup: error: --name: 'a/b' is not a cgroup name: use 1 to 64 letters" \
    "$BIN/box-cgroup" --name a/b --pids 5 "$ROOTFS" /bin/true
expect_error 66 "^box-cgroup: error: rootfs '/nonexistent' does not exist" "${CG[@]}" --pids 5 /nonexistent /bin/true

# A name in use is another container's group: refused, and that group is left alone.
taken=/sys/fs/cgroup/pids/box/$TEST_NAME
[ -d /sys/fs/cgroup/pids ] || taken=/sys/fs/cgroup/box/$TEST_NAME
mkdir -p "$taken"
run_rc "${CG[@]}" --pids 5 "$ROOTFS" /bin/true
assert_eq 64 "$RC" "a name in use: exit 64"
assert_match "^box-cgroup: error: --name: the cgroup .* already exists: another container is called '$TEST_NAME'; choose another --name$" \
    "$(head -n 1 <<<"$OUT")" "a name in use: the message names it"
[ -d "$taken" ] && ok "the other container's group is untouched" || fail "box-cgroup removed a group it did not make"
rmdir "$taken"
rmdir "$(dirname "$taken")" 2>/dev/null || true

# A controller that is not mounted: refused before anything is made (exit 69). In a private
# mount namespace, so the host's mounts are untouched.
if [ -d /sys/fs/cgroup/pids ] && grep -q ' /sys/fs/cgroup/pids .* - cgroup ' /proc/self/mountinfo; then
    expect_error 69 "^box-cgroup: error: --pids: no cgroup v1 hierarchy has the pids controller \(mounted: cpu, cpuacct, memory\)$" \
        unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/pids && exec "$@"' sh "${CG[@]}" --pids 20 "$ROOTFS" /bin/true
    assert_contains "hint: mount it (mount -t cgroup -o pids cgroup /sys/fs/cgroup/pids) or leave the option out" "$OUT" "with a hint"
fi
# cgroup v2 without the memory controller (this machine's cgroup2 mount has none).
v2=(unshare -m --propagation private sh -c \
    'umount -R /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$@"' sh)
grep -q ' - cgroup2 ' /proc/self/mountinfo && [ -n "$(awk '$9 == "cgroup" {print}' /proc/self/mountinfo)" ] &&
    ! grep -qw memory /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null && {
    expect_error 69 "^box-cgroup: error: --memory: cgroup v2 at /sys/fs/cgroup has no memory controller \(its cgroup.controllers lists: '.*'\)$" \
        "${v2[@]}" "${CG[@]}" --memory 64M "$ROOTFS" /bin/true
}

# Without root: the cgroup cannot be made (exit 67), and the error says why.
if setpriv --help 2>&1 | grep -q -- --reuid; then  # util-linux's (busybox's has no --reuid)
    expect_error 67 "^box-cgroup: error: creating cgroup box/$TEST_NAME: mkdir\(\"/sys/fs/cgroup/.*\"\): Permission denied$" \
        setpriv --reuid=65534 --regid=65534 --clear-groups "${CG[@]}" --pids 5 "$ROOTFS" /bin/true
    assert_contains "hint: creating a cgroup needs root" "$OUT" "the privilege error has a hint"
fi
# (The [b] keeps this grep from matching its own command line.)
left=$(cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' ' ' | grep -c "[b]ox-cgroup --name $TEST_NAME" || true)
assert_eq 0 "$left" "no process (container or watchdog) is left"
finish
