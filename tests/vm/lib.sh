# Helpers for the checks in tests/vm/checks/, on top of the integration tests' lib.sh.
# Source it first: `. "$BOX_SRC/tests/vm/lib.sh"`. The guest is root, cgroup2 is at
# /sys/fs/cgroup and nothing else; boxkit's groups live under /sys/fs/cgroup/box.
. "$BOX_SRC/tests/integration/lib.sh"
CG=/sys/fs/cgroup
# wait_until TRIES CMD...: run CMD every 0.1 s until it succeeds, at most TRIES times.
# A bounded wait for something the kernel does asynchronously, never a timing assertion.
wait_until() {
    local tries=$1
    shift
    while ! "$@"; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.1
    done
}
# box_group_gone NAME: true when /sys/fs/cgroup/box/NAME does not exist.
box_group_gone() { [ ! -d "$CG/box/$1" ]; }
# box_group_running NAME: true when /sys/fs/cgroup/box/NAME has a process in it (cgroupfs
# files have size 0: read them).
box_group_running() { [ -n "$(cat "$CG/box/$1/cgroup.procs" 2>/dev/null)" ]; }
