# Lesson 01 demo: a root directory of its own, the chroot escape, and pivot_root holding.
. "$(dirname "$0")/../lib/demo.sh"

say "The container's / is the busybox rootfs; the host's / is something else."
side "build/bin/box-chroot build/rootfs /bin/ls /" "ls /" "^linuxrc$"

say "--explain narrates every kernel call box-chroot makes (stderr)."
show "build/bin/box-chroot --explain build/rootfs /bin/true" 'pivot_root\("\.", "\."\)'

say "A secret on the host. Can a container reach it?"
show "echo 'host secret' > /tmp/box-demo-secret && ls -l /tmp/box-demo-secret"
show "build/bin/box-chroot --chroot build/rootfs /bin/cat /tmp/box-demo-secret" "No such file"

say "chroot(2) alone is not a jail: the classic breakout climbs '..' past the root."
show "build/bin/box-chroot --chroot build/rootfs /bin/box-probe escape --marker /tmp/box-demo-secret" "escaped: true"

say "pivot_root(2) in a mount namespace: the old root is detached, there is nothing to climb to."
show "build/bin/box-chroot build/rootfs /bin/box-probe escape --marker /tmp/box-demo-secret" "escaped: false"
show "rm -f /tmp/box-demo-secret"
demo_done "lesson 01"
