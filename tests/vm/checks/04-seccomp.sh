# needs: box-seccomp
# Stage 04 smoke run on the v2-only guest: the default filter and capability set are in place.
. "$BOX_SRC/tests/integration/lib.sh"
need_root
need_rootfs

run_rc "$BIN/box-seccomp" "$ROOTFS" /bin/box-probe --json seccomp try keyctl mkdir caps
assert_eq 0 "$RC" "box-seccomp runs the probe"
assert_eq filter "$(json '.seccomp.mode')" "a seccomp filter is installed"
assert_eq true "$(json '.seccomp.no_new_privs')" "no_new_privs is on"
assert_eq EPERM "$(json '.try.keyctl')" "keyctl is refused with EPERM"
assert_eq OK "$(json '.try.mkdir')" "an ordinary call still runs"
assert_eq false "$(json '.caps.effective | index("CAP_SYS_ADMIN") != null')" "CAP_SYS_ADMIN is dropped"
finish
