# Lesson 03 demo: stage 02 limits nothing (bounded loads), then box-cgroup's memory, pids and
# cpu limits hold, an OOM kill is reported, and no cgroup is left behind.
. "$(dirname "$0")/../lib/demo.sh"

say "Stage 02: namespaces hide things but limit nothing. 200 forks (bounded: a real fork bomb would not stop)."
show "build/bin/box-ns build/rootfs /bin/box-probe forks 200" "started: 200"
say "...and 256 MiB, all handed out. The host's size is the only limit."
show "build/bin/box-ns build/rootfs /bin/box-probe alloc 256 2>/dev/null" "allocated_mb: 256"

say "Which cgroups does this host have? cgroup2fs = v2 (unified), tmpfs = v1 hierarchies (or hybrid)."
show "stat -fc %T /sys/fs/cgroup" "cgroup2fs|tmpfs"

say "Stage 03: the same forks in a cgroup with pids.max = 20. The 20th fork fails with EAGAIN."
show "build/bin/box-cgroup --pids 20 build/rootfs /bin/box-probe forks 200" "error: EAGAIN"
say "A memory hog over --memory: the OOM killer ends it, and box-cgroup says so (not just 'exit 137')."
show "build/bin/box-cgroup --memory 32M build/rootfs /bin/box-probe alloc 64" "the OOM killer killed 1 process"
say "Inside, the container sees its limits at /sys/fs/cgroup, and its own group as '/'."
show "build/bin/box-cgroup --memory 64M --pids 20 --cpus 0.5 build/rootfs /bin/box-probe cgroup" "pids_max: 20"
say "CPU: a thread spins for 2 s under --cpus 0.5; --stats reads the group's own CPU accounting."
show "build/bin/box-cgroup --cpus 0.5 --stats build/rootfs /bin/box-probe spin 2" "CPU [01]\.[0-9]+s"

say "--explain: which hierarchy, mkdir, the limit files, the join, the cgroup namespace, rmdir."
show "build/bin/box-cgroup --explain --name demo03 --pids 20 build/rootfs /bin/true" 'write\("pids.max", "20"\)'
say "Nothing is left behind: no box/demo03 group on the host."
show "ls -d /sys/fs/cgroup/*/box/demo03 /sys/fs/cgroup/box/demo03 2>/dev/null | wc -l" "^0$"
demo_done "lesson 03"
