# Stage 04: Landlock (this kernel's LSM) restricts file access by path: with --landlock-ro /
# --landlock-rw /tmp, writes anywhere but /tmp fail with EACCES, reads still work.
# exercise: 04.1
# exercise: 04.3
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs

s4() { run_rc "$BIN/box-seccomp" --name "$TEST_NAME-$$" "$@"; }
s4 --landlock-ro / "$ROOTFS" /bin/true
if [ "$RC" = 69 ]; then skip "this kernel has no Landlock: $OUT"; fi
assert_eq 0 "$RC" "--landlock-ro /: the command runs"

s4 --landlock-ro / --landlock-rw /tmp "$ROOTFS" /bin/sh -c '
  echo a > /tmp/ok && echo tmp-write-ok; rm /tmp/ok
  echo b > /root/no || echo root-write-denied
  mkdir /etc/no || echo etc-mkdir-denied
  cat /etc/hostname'
assert_eq 0 "$RC" "landlock: the shell runs"
assert_contains tmp-write-ok "$OUT" "landlock: writing beneath --landlock-rw /tmp works"
assert_contains "can't create /root/no: Permission denied" "$OUT" "landlock: writing outside fails with EACCES"
assert_contains root-write-denied "$OUT" "landlock: ...and the shell sees the failure"
assert_contains etc-mkdir-denied "$OUT" "landlock: mkdir outside the rw paths is denied"
assert_contains boxkit "$OUT" "landlock: reading beneath --landlock-ro / works"
[ ! -e "$ROOTFS/root/no" ] || { rm -f "$ROOTFS/root/no"; fail "landlock: /root/no was written"; }

# The same write without Landlock works: the denial above is Landlock's, not the permissions'.
s4 "$ROOTFS" /bin/sh -c 'echo b > /root/box-ll && rm /root/box-ll && echo root-write-ok'
assert_contains root-write-ok "$OUT" "without Landlock: root writes /root"

# Nothing allowed to execute: only /tmp is allowed, so /bin/sh cannot even be started.
s4 --landlock-rw /tmp "$ROOTFS" /bin/sh -c true
assert_eq 126 "$RC" "landlock: /bin outside the allowed paths cannot be executed (126)"
assert_contains 'execve("/bin/sh"): Permission denied' "$OUT" "...execve fails with EACCES"
finish
