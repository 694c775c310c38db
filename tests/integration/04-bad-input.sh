# Stage 04: every bad security input gets one clear error line naming the bad entry, its
# documented exit code, and nothing is created (no cgroup, no mount).
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs

tmp=$(mktemp -d /tmp/box-04-bad.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# expect_error CODE REGEX ARGS...: box-seccomp ARGS fails with CODE, first stderr line matches.
expect_error() {
    local code=$1 re=$2; shift 2
    run_rc "$BIN/box-seccomp" --name "$TEST_NAME-$$" "$@"
    assert_eq "$code" "$RC" "exit code of: $*"
    assert_match "$re" "$(printf '%s\n' "$OUT" | head -n 1)" "message of: $*"
    [ -z "$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$TEST_NAME-$$" 2>/dev/null)" ] ||
        fail "a cgroup was created for: $*"
}

expect_error 64 "^box-seccomp: error: --cap-drop: 'NET_RAWW' is not a capability: use names like NET_RAW" \
    --cap-drop NET_RAWW "$ROOTFS" /bin/true
expect_error 64 "^box-seccomp: error: --cap-add: 'SYS_ADMINN' is not a capability" \
    --cap-add KILL,SYS_ADMINN "$ROOTFS" /bin/true
if ! grep -q '^CapBnd:.*' /proc/self/status || [ $(( 0x$(awk '/^CapBnd/{print $2}' /proc/self/status) >> 24 & 1 )) = 0 ]; then
    expect_error 67 "^box-seccomp: error: --cap-add: CAP_SYS_RESOURCE is not in this process's bounding set" \
        --cap-add SYS_RESOURCE "$ROOTFS" /bin/true
fi

echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdri"], "action": "SCMP_ACT_ERRNO"}]}' \
    > "$tmp/typo.json"
expect_error 65 "^box-seccomp: error: $tmp/typo.json: .syscalls\[0\].names\[1\]: 'mkdri' is not a system call libseccomp knows" \
    --seccomp "$tmp/typo.json" "$ROOTFS" /bin/true
echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [' > "$tmp/broken.json"
expect_error 65 "^box-seccomp: error: $tmp/broken.json: not valid JSON" --seccomp "$tmp/broken.json" "$ROOTFS" /bin/true
assert_contains "hint: check the file with: jq . $tmp/broken.json" "$OUT" "malformed JSON: the hint names jq"
echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_DENY"}]}' > "$tmp/action.json"
expect_error 65 "^box-seccomp: error: $tmp/action.json: .syscalls\[0\].action: 'SCMP_ACT_DENY' is not an action" \
    --seccomp "$tmp/action.json" "$ROOTFS" /bin/true
expect_error 66 "^box-seccomp: error: --seccomp: profile '$tmp/none.json' cannot be read" \
    --seccomp "$tmp/none.json" "$ROOTFS" /bin/true
expect_error 66 "^box-seccomp: error: --seccomp: profile '$tmp' cannot be read" --seccomp "$tmp" "$ROOTFS" /bin/true

expect_error 64 "^box-seccomp: error: --run-as: '1000:x' is not UID\[:GID\]" --run-as 1000:x "$ROOTFS" /bin/true
expect_error 66 "^box-seccomp: error: --landlock-ro: '/no/such/dir' does not exist inside the rootfs" \
    --landlock-ro /no/such/dir "$ROOTFS" /bin/true
expect_error 64 "^box-seccomp: error: --landlock-rw: 'tmp' is not an absolute path inside the container" \
    --landlock-rw tmp "$ROOTFS" /bin/true
finish
