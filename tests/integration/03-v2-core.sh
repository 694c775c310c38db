# Stage 03: the cgroup v2 driver for real, through the core files every cgroup2 mount has:
# create box/NAME, start the child inside it (clone3 CLONE_INTO_CGROUP), see it as '/' from
# inside, cgroup.kill the strays, remove. On a v2 host it runs as is; on a hybrid host (v1
# controllers) it runs in a private mount namespace where /sys/fs/cgroup is the cgroup2 mount.
# exercise: 03.1
# exercise: 03.2
# exercise: 03.3
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs

if [ "$(awk '$5 == "/sys/fs/cgroup" {print $9}' /proc/self/mountinfo)" = cgroup2 ]; then
    v2=()
    host_dir=/sys/fs/cgroup/box/$TEST_NAME
else
    need_cmd unshare util-linux
    unified=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
    [ -n "$unified" ] || skip "no cgroup2 mount on this host (mount -t cgroup2 none /sys/fs/cgroup/unified)"
    v2=(unshare -m --propagation private sh -c \
        'umount -R /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec "$@"' sh)
    host_dir=$unified/box/$TEST_NAME
fi

# No PID namespace, so the background sleep outlives the shell: only cgroup.kill ends it. Its
# stdout and stderr are closed, so a stray that survives (a broken kill) fails the test, not hangs it.
run_rc "${v2[@]}" "$BIN/box-cgroup" --explain --stats --name "$TEST_NAME" --ns mount,uts,cgroup "$ROOTFS" \
    /bin/sh -c 'sleep 300 >&- 2>&- & echo "stray $!"; /bin/box-probe --json cgroup'
assert_eq 0 "$RC" "box-cgroup runs on the v2 driver"
assert_contains "cgroup v2 (unified) at /sys/fs/cgroup" "$OUT" "--explain: the v2 driver was chosen"
assert_contains "CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = " "$OUT" "the child is born in the group (clone3)"
assert_contains "the child was born inside its cgroup (CLONE_INTO_CGROUP): no move needed" "$OUT" "no cgroup.procs write needed"
probe=$(grep '^{"cgroup"' <<<"$OUT")
assert_eq v2 "$(jq -r .cgroup.version <<<"$probe")" "inside, /sys/fs/cgroup is cgroup2"
assert_eq '"0::/"' "$(jq -c '.cgroup.proc_self_cgroup | map(select(startswith("0::"))) | .[0]' <<<"$probe")" \
    "inside, the group is '/' (cgroup namespace)"
assert_contains "write(\"/sys/fs/cgroup/box/$TEST_NAME/cgroup.kill\", \"1\")" "$OUT" "the strays are killed by cgroup.kill"
assert_contains "rmdir(\"/sys/fs/cgroup/box/$TEST_NAME\")" "$OUT" "the group is removed"
assert_match "CPU [0-9.]+s \([0-9]+ us\)" "$OUT" "--stats: CPU time from cpu.stat (a core file)"
stray=$(sed -n 's/^stray \([0-9]*\)$/\1/p' <<<"$OUT")
state=$(awk '{print $3}' "/proc/$stray/stat" 2>/dev/null || echo gone)
[[ -n $stray && ( $state == gone || $state == Z ) ]] && ok "the stray sleep ($stray) is dead" ||
    fail "the stray sleep '$stray' survived (state $state)"
[ ! -e "$host_dir" ] && ok "no $host_dir on the host" || fail "$host_dir left behind"
if [ -d "$host_dir" ]; then  # box-cgroup failed to clean up (failure recorded above): do it, so nothing leaks
    echo 1 > "$host_dir/cgroup.kill" 2>/dev/null || true
    [ -n "$stray" ] && kill -KILL "$stray" 2>/dev/null || true
    for _ in $(seq 50); do rmdir "$host_dir" 2>/dev/null && break; sleep 0.1; done
    rmdir "$(dirname "$host_dir")" 2>/dev/null || true
fi
finish
