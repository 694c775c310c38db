#!/bin/sh
# mkrootfs.sh BUSYBOX PROBE OUT — make the busybox rootfs every stage runs in.
# busybox-static and its applet links, box-probe, the usual top-level dirs and a few /etc
# files. Built in OUT.tmp and moved into place, so an interrupted build never leaves half a
# rootfs. The build system calls it only when an input changed.
set -eu
busybox=$1 probe=$2 out=$3

if readelf -l "$busybox" 2>/dev/null | grep -q 'INTERP'; then
    echo "mkrootfs: $busybox is dynamically linked: install busybox-static (apt-get install busybox-static)" >&2
    exit 1
fi

tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
cd "$tmp"
mkdir -p bin sbin usr/bin usr/sbin etc root proc sys/fs/cgroup dev tmp var/run home
chmod 1777 tmp
chmod 700 root
# The harmless character devices programs expect (stages 01-04 mount no /dev; stage 05 makes
# its own). Without them a shell's `2>/dev/null` inside a container would create a plain file
# in this shared rootfs. mknod needs root: an unprivileged build goes without.
if [ "$(id -u)" = 0 ]; then
    mknod -m 666 dev/null c 1 3
    mknod -m 666 dev/zero c 1 5
    mknod -m 666 dev/full c 1 7
    mknod -m 666 dev/random c 1 8
    mknod -m 666 dev/urandom c 1 9
else
    echo "mkrootfs: not root: $out/dev has no device nodes (/dev/null, /dev/zero, ...)" >&2
fi
cp "$busybox" bin/busybox
for applet in $(./bin/busybox --list-full); do
    [ -e "$applet" ] || ln -s /bin/busybox "$applet"
done
cp "$probe" bin/box-probe
cat > etc/passwd <<'P'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > etc/group <<'G'
root:x:0:
nogroup:x:65534:
G
echo boxkit > etc/hostname
echo "boxkit busybox rootfs" > etc/boxkit-rootfs
cd - >/dev/null
rm -rf "$out"
mv "$tmp" "$out"
echo "rootfs: $out, $(du -sh "$out" | cut -f1), $("$busybox" --list | wc -l) busybox applets"
