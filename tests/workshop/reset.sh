# workshop-reset: lessons/reset finds and removes what an interrupted demo leaves: a process in
# a box cgroup, the cgroups, a mount, a veth pair, a network namespace, a state dir, a demo file;
# it reports each, and a second run finds nothing. Everything here is named after a token, and
# reset runs with --match TOKEN so that it never touches what other tests are running.
. "$(dirname "$0")/../integration/lib.sh"
need_root
need_cmd ip iproute2
RESET=$BOX_SRC/lessons/reset
tok=wsr$$
v1mem=$(awk '$9 == "cgroup" && $NF ~ /(^|,)memory(,|$)/ {print $5; exit}' /proc/self/mountinfo)
v2=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
cg=${v1mem:-$v2}
[ -n "$cg" ] || skip "no cgroup hierarchy with memory (v1) or cgroup2 mounted"
group=$cg/box/$tok-demo
state=/run/box/$tok-state
sleeper=

cleanup() {  # only if reset failed to: our own objects, by name
    set +e
    [ -n "$sleeper" ] && kill -9 "$sleeper" 2>/dev/null
    umount -l "$state/rootfs" 2>/dev/null
    ip link del "box${tok}a" 2>/dev/null
    ip netns del "box-$tok" 2>/dev/null
    rmdir "$group/sub" "$group" 2>/dev/null
    rm -rf "$state" "/tmp/box-demo-$tok"
    true
}
trap cleanup EXIT

make_leftovers() {
    mkdir -p "$group/sub"
    sleep 300 &
    sleeper=$!
    echo "$sleeper" > "$group/sub/cgroup.procs"
    mkdir -p "$state/rootfs"
    echo '{"id":"demo"}' > "$state/state.json"
    mount -t tmpfs "box-$tok" "$state/rootfs"
    ip link add "box${tok}a" type veth peer name "box${tok}b"
    ip netns add "box-$tok"
    echo secret > "/tmp/box-demo-$tok"
}
make_leftovers

run_rc "$RESET" --dry-run --match "$tok"
assert_eq 0 "$RC" "--dry-run exits 0"
assert_contains "would remove 1 process(es) $sleeper in cgroup $group" "$OUT" "--dry-run names the process"
assert_eq true "$([ -d "$group/sub" ] && kill -0 "$sleeper" && echo true)" "--dry-run removes nothing"

run_rc "$RESET" --match "$tok"
assert_eq 0 "$RC" "reset exits 0"
for what in "removed 1 process(es) $sleeper in cgroup $group" "removed mount $state/rootfs" \
    "removed link box${tok}a" "removed network namespace box-$tok" "removed cgroup $group" \
    "removed state $state" "removed file /tmp/box-demo-$tok" "reset: removed 7 thing(s)"; do
    assert_contains "$what" "$OUT" "reports: $what"
done
set +e; wait "$sleeper" 2>/dev/null; st=$?; set -e
assert_eq 137 "$st" "the process in the cgroup was killed (SIGKILL)"
sleeper=
assert_eq "" "$(grep -F "$state" /proc/self/mountinfo || true)" "the mount is gone"
assert_eq "" "$(ip -o link show | grep -F "box$tok" || true)" "the veth pair is gone (both ends)"
assert_eq "" "$(ip netns list | grep -F "box-$tok" || true)" "the network namespace is gone"
assert_eq false "$([ -e "$group" ] || [ -e "$state" ] || [ -e "/tmp/box-demo-$tok" ] && echo true || echo false)" \
    "the cgroup, state dir and demo file are gone"

run_rc "$RESET" --match "$tok"
assert_eq "reset: nothing to remove" "$OUT" "a second run finds nothing"

run_rc setpriv --reuid 65534 --regid 65534 --clear-groups /usr/bin/python3 "$RESET"
assert_eq 67 "$RC" "without root: exit 67"
assert_eq "reset: error: needs root to remove cgroups, mounts and links: run sudo lessons/reset" "$OUT" \
    "without root: one line naming the fix"
finish
