# Lesson 04 demo: four harmless attacks work in a stage 03 container (root, every capability,
# no filter) and fail in stage 04; then the layers one by one: capabilities, no_new_privs, the
# hand-written filter, the default profile, Landlock.
. "$(dirname "$0")/../lib/demo.sh"

say "Stage 03's container is root with every capability. Four attacks, each harmless."
say "1. The host's disk: /proc/partitions is shared, and root may make a device node for it."
show "build/bin/box-cgroup build/rootfs /bin/box-probe disk" "mknod: OK"
say "Stage 04 keeps eleven capabilities, not CAP_MKNOD."
show "build/bin/box-seccomp build/rootfs /bin/box-probe disk" "mknod: EPERM"

say "2. A nested user namespace, a mount namespace in it, a mount: the road to CVE-2022-0185."
show "build/bin/box-cgroup build/rootfs /bin/box-probe nest" "nested: true"
say "No capability is needed for that, so only the seccomp filter stops it."
show "build/bin/box-seccomp build/rootfs /bin/box-probe nest" "user_ns: EPERM"

say "3. Kernel keyrings are not namespaced: this is the host root's own user keyring."
show "build/bin/box-cgroup build/rootfs /bin/box-probe keyring" "keyctl: OK"
host "build/rootfs/bin/box-probe keyring"
show "build/bin/box-seccomp build/rootfs /bin/box-probe keyring" "keyctl: EPERM"

say "4. nobody runs a setuid-root file and is root again, with every capability."
show "build/bin/box-cgroup build/rootfs /bin/box-probe setuid-demo" "gained_root: true"
say "no_new_privs: exec ignores the setuid bit."
show "build/bin/box-seccomp build/rootfs /bin/box-probe setuid-demo" "gained_root: false"
say "Without it, the setuid bit works, but only up to the bounding set: no CAP_SYS_ADMIN."
show "build/bin/box-seccomp --allow-new-privs build/rootfs /bin/box-probe setuid-demo" "gained_root: true"

say "The order matters: capabilities, no_new_privs, then the filter, last before exec."
show "build/bin/box-seccomp --explain build/rootfs /bin/true 2>&1 | grep -E '^=> (prctl.PR_(CAP|SET_NO)|capset|seccomp|execve)'" "NO_NEW_PRIVS"

say "A seccomp filter by hand: nine BPF instructions that block mkdir."
show "build/bin/box-seccomp --explain --seccomp unconfined --seccomp-teaching build/rootfs /bin/mkdir /tmp/x 2>&1 | grep -E '^ +[0-9]:|mkdir:'" "Operation not permitted"

say "The default profile is an allow-list: the ordinary userland does not notice it."
show "build/bin/box-seccomp build/rootfs /bin/sh -c 'ps; ls /bin | wc -l; echo hi | sed s/hi/ok/'" "^ok$"
show "build/bin/box-seccomp build/rootfs /bin/box-probe try keyctl bpf mount unshare clone3 getpid" "keyctl: EPERM"

say "Landlock: only /tmp may be written, even by root."
show "build/bin/box-seccomp --landlock-ro / --landlock-rw /tmp build/rootfs /bin/sh -c 'echo a > /tmp/ok && echo tmp ok && rm /tmp/ok; echo b > /etc/motd'" "can't create /etc/motd: Permission denied"
demo_done "lesson 04"
