# workshop-preflight: lessons/preflight on this machine, its verdicts checked against what other
# tools say (stat -f, findmnt, unshare as nobody, /proc): the layout, user namespaces, seccomp,
# privileges, a container that runs; then the same as nobody, where stage 01 cannot work.
. "$(dirname "$0")/../integration/lib.sh"
need_root
need_cmd findmnt util-linux
need_rootfs
PF=$BOX_SRC/lessons/preflight

run_rc python3 "$PF" --json
result=$OUT
status() { printf '%s\n' "$result" | jq -r ".checks[] | select(.key == \"$1\") | .status"; }
summary() { printf '%s\n' "$result" | jq -r ".checks[] | select(.key == \"$1\") | .summary"; }
ready() { printf '%s\n' "$result" | jq -r ".stages[\"$1\"].ready"; }

case $(stat -fc %T /sys/fs/cgroup) in
cgroup2fs) layout=v2 ;;
*) if [ -n "$(findmnt -rn -t cgroup2)" ]; then layout=hybrid; else layout=v1; fi ;;
esac
assert_eq "$layout" "$(printf '%s\n' "$result" | jq -r .cgroup_layout)" "the cgroup layout is $layout (stat -f, findmnt)"
assert_eq "Linux $(uname -r)" "$(summary kernel)" "the kernel is uname -r"
assert_eq ok "$(status privileges)" "root is seen as root"
assert_eq ok "$(status rootfs)" "the rootfs works"
assert_contains "a container ran the probe (box-chroot)" "$(summary rootfs)" "a real container ran"
if setpriv --reuid 65534 --regid 65534 --clear-groups unshare --user true 2>/dev/null; then userns=ok; else userns=fail; fi
assert_eq "$userns" "$(status userns)" "unprivileged user namespaces: $userns (unshare --user as nobody)"
if grep -qw errno /proc/sys/kernel/seccomp/actions_avail 2>/dev/null; then sc=ok; else sc=fail; fi
assert_eq "$sc" "$(status seccomp)" "seccomp filters: $sc (/proc/sys/kernel/seccomp/actions_avail)"
assert_eq true "$(ready 01)" "stage 01 is ready here (root, mount namespace, rootfs)"
all=$(printf '%s\n' "$result" | jq '[.stages[] | select(.in_tree) | .ready] | all')
assert_eq "$([ "$all" = true ] && echo 0 || echo 1)" "$RC" "exit 0 exactly when every stage in the tree is ready"

run_rc python3 "$PF"
assert_match "preflight: [0-9] of [0-9] stages in this tree will work here" "$(printf '%s\n' "$OUT" | tail -n 1)" "the text verdict"

run_rc setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 "$PF" --json
assert_eq 1 "$RC" "as nobody: exit 1"
result=$OUT
assert_eq fail "$(status privileges)" "as nobody: privileges fail"
assert_eq false "$(ready 01)" "as nobody: stage 01 is not ready"
assert_eq "$([ $userns = ok ] && echo true || echo false)" "$(ready 02)" "as nobody: stage 02 runs rootless iff user namespaces work"
finish
