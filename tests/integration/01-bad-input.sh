# Stage 01: every bad input gets one clear error line, its documented exit code, no leftovers.
# exercise: 01.2
# exercise: 01.3
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs

# expect_error CODE REGEX CMD...: CMD fails with CODE and its first stderr line matches REGEX.
expect_error() {
    local code=$1 re=$2; shift 2
    run_rc "$@"
    assert_eq "$code" "$RC" "exit code of: $*"
    assert_match "$re" "$(printf '%s\n' "$OUT" | head -n 1)" "message of: $*"
}
notdir=$(mktemp /tmp/box-notdir.XXXXXX)
trap 'rm -f "$notdir"' EXIT
expect_error 66 "^box-chroot: error: rootfs '/nonexistent' does not exist: build it with" \
    "$BIN/box-chroot" /nonexistent /bin/true
expect_error 66 "^box-chroot: error: rootfs '$notdir' is not a directory" "$BIN/box-chroot" "$notdir" /bin/true
expect_error 127 '^box-chroot: error: running the command inside the container: execve\("/bin/nope"\): No such file' \
    "$BIN/box-chroot" "$ROOTFS" /bin/nope
expect_error 126 '^box-chroot: error: .*execve\("/etc/passwd"\): Permission denied' \
    "$BIN/box-chroot" "$ROOTFS" /etc/passwd
expect_error 64 '^box-chroot: error: CMD .* is required' "$BIN/box-chroot" "$ROOTFS"
expect_error 64 '^box-chroot: error: .*--bogus' "$BIN/box-chroot" --bogus "$ROOTFS" /bin/true

# Without privilege: an ordinary user cannot make a mount namespace.
if command -v setpriv >/dev/null; then
    expect_error 67 '^box-chroot: error: unshare\(CLONE_NEWNS\): Operation not permitted' \
        setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN/box-chroot" "$ROOTFS" /bin/true
    assert_contains "hint: this step needs privilege" "$OUT" "the privilege error has a hint"
fi
finish
