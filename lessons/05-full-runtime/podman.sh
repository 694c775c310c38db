#!/bin/sh
# podman.sh ARGS...: run podman with build/bin/box as its runtime, on a private configuration and
# storage in /tmp/box-lesson05-podman (the machine's own podman set-up is never touched). The
# first call imports the busybox rootfs as the image localhost/box-busybox, offline.
# podman.sh --clean removes the containers, the image and the directory.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
box=$here/build/bin/box
dir=/tmp/box-lesson05-podman
mkdir -p "$dir"
cat > "$dir/containers.conf" <<CONF
[containers]
netns = "none"
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
    rm -rf "$dir"
    exit 0
fi
if ! pod image exists localhost/box-busybox; then
    tar -C "$here/build/rootfs" -c . | pod import - localhost/box-busybox >/dev/null 2>&1
fi
exec podman --root "$dir/storage" --runroot "$dir/run" --storage-driver vfs --cgroup-manager cgroupfs \
    --events-backend file --tmpdir "$dir/tmp" --runtime "$box" "$@"
