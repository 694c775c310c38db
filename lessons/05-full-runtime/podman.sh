#!/bin/sh
# podman.sh ARGS...: run podman with build/bin/box as its runtime, on a private configuration and
# storage in /tmp/box-lesson05-podman (the machine's own podman set-up is never touched). The
# first call imports the busybox rootfs as the image localhost/box-busybox, offline.
# podman.sh --clean removes the containers, the image and the directory.
# podman's containers get their cgroups under box/podman (--cgroup-parent; conmon stays in the
# caller's: cgroups = "no-conmon"), not podman's default /libpod_parent, so that what they leave
# is easy to spot and --clean removes it.
# The test suite runs this same script with BOX (the runtime), BOX_ROOTFS (the rootfs to import)
# and BOX_PODMAN_DIR (the directory) pointing at its own build and a temporary directory.
# This machine's facts (FACTS.md): cgroupfs, events in a file, no network namespace set-up,
# ulimits below the hard limits (nofile 20000, no CAP_SYS_RESOURCE).
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
box=${BOX:-$here/build/bin/box}
rootfs=${BOX_ROOTFS:-$here/build/rootfs}
dir=${BOX_PODMAN_DIR:-/tmp/box-lesson05-podman}
mkdir -p "$dir"
cat > "$dir/containers.conf" <<CONF
[containers]
netns = "none"
cgroups = "no-conmon"
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/storage"\nrunroot = "%s/run"\n' "$dir" "$dir" > "$dir/storage.conf"
export CONTAINERS_CONF=$dir/containers.conf CONTAINERS_STORAGE_CONF=$dir/storage.conf
pod() {
    podman --root "$dir/storage" --runroot "$dir/run" --storage-driver vfs --cgroup-manager cgroupfs \
        --events-backend file --tmpdir "$dir/tmp" --runtime "$box" "$@"
}
if [ "${1:-}" = --clean ]; then
    pod rm -a -f >/dev/null 2>&1 || true
    pod rmi -a -f >/dev/null 2>&1 || true
    umount -R "$dir/storage" 2>/dev/null || true
    rm -rf "$dir"
    for g in /sys/fs/cgroup/box/podman /sys/fs/cgroup/*/box/podman; do
        [ -d "$g" ] && rmdir "$g" 2>/dev/null && rmdir "${g%/podman}" 2>/dev/null
    done
    exit 0
fi
if ! pod image exists localhost/box-busybox; then
    # /tmp's contents stay out of the image: tests running at the same time put probe files there.
    tar -C "$rootfs" --exclude='./tmp/*' --warning=no-file-changed --warning=no-file-removed -c . |
        pod import - localhost/box-busybox >/dev/null 2>&1
fi
case "${1:-}" in
run | create) cmd=$1 && shift && pod "$cmd" --cgroup-parent=/box/podman "$@" ;;
*) pod "$@" ;;
esac
