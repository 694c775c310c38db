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
mkdir -p bin sbin usr/bin usr/sbin etc root proc sys dev tmp var/run home
chmod 1777 tmp
chmod 700 root
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
