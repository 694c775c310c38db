# Lesson 02 demo: a stage 01 container sees and kills a host process; stage 02's namespaces
# stop it; then each namespace in one line, the clocks, and a container without root.
. "$(dirname "$0")/../lib/demo.sh"
victim=$(mktemp /tmp/box-demo-victim.XXXXXX)  # this run's own: two runs at once must not mix
started=()                                        # every victim this run started, killed at exit
start_victim() {
    bash -c "exec -a box-demo-victim sleep 600" >/dev/null 2>&1 &
    echo $! > "$victim"
    started+=($!)
}
stop_victim() { kill "${started[@]}" 2>/dev/null || true; rm -f "$victim"; }
trap "stop_victim; $(trap -p EXIT | sed "s/^trap -- '\(.*\)' EXIT\$/\1/")" EXIT  # keep demo.sh's own

say "A harmless host process: think of it as your database."
start_victim
host "ps -o pid,args -p \$(cat $victim)"

say "Stage 01's container has its own root directory, but it sees every process on the host..."
show "build/bin/box-chroot build/rootfs /bin/ps -o pid,args | grep box-demo-victim" "box-demo-victim"
say "...and, as root, it may kill them."
show "build/bin/box-chroot build/rootfs /bin/kill \$(cat $victim) && echo killed" "killed"
host "ps -p \$(cat $victim) || echo 'the host process is gone'"

say "Stage 02: the same, in new namespaces. The container's command is PID 1 and sees only itself."
start_victim
show "build/bin/box-ns build/rootfs /bin/ps -o pid,args" "^ *1 /bin/ps"
show "build/bin/box-ns build/rootfs /bin/kill \$(cat $victim)" "No such process"
host "ps -o pid,args -p \$(cat $victim)"

say "uts: a hostname of its own. net: only lo, up. mount: / and a /proc of its own."
show "build/bin/box-ns --hostname demo build/rootfs /bin/hostname" "^demo$"
host "hostname"
show "build/bin/box-ns build/rootfs ip -o link" "^1: lo: <LOOPBACK,UP"
show "build/bin/box-ns build/rootfs /bin/cat /proc/mounts" "^proc /proc proc"

say "Leave one out with --ns and it leaks: without pid, the host's processes are back."
show "build/bin/box-ns --ns uts,mount,ipc,net,cgroup,time build/rootfs /bin/ps -o pid,args | grep box-demo-victim" "box-demo-victim"

say "time: the container's clocks can be shifted. Its uptime is 100 days longer than the host's."
show "build/bin/box-ns --uptime-offset 100d build/rootfs uptime" "up 1[0-9][0-9] days"
host "uptime"

say "user: an ordinary user (uid 1000 here) runs a container, and is root inside it only."
show "b=\$(readlink -f build); cd /tmp && setpriv --reuid=1000 --regid=1000 --clear-groups \$b/bin/box-ns \$b/rootfs /bin/sh -c 'id; cat /proc/self/uid_map'" "0 +1000 +1"

say "--explain shows every kernel call: clone3 with the CLONE_NEW* flags is the heart of it."
show "build/bin/box-ns --explain build/rootfs /bin/true 2>&1 | grep -E 'clone3|sethostname|SIOCSIFFLAGS'" "clone3"
demo_done "lesson 02"
