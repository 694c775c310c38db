#!/bin/sh
# kernel.sh [OUTDIR] — print the path of an uncompressed kernel (ELF vmlinux) for run.sh.
#
# Takes Debian's kernel from linux-image-amd64 (the newest /boot/vmlinuz-*, or the file named
# by $BOX_VM_VMLINUZ), extracts the ELF inside it once (extract-vmlinux.py) and caches it as
# OUTDIR/vmlinux-VERSION (OUTDIR defaults to $BOX_BUILD/vm, else ./vm). No modules are needed:
# the guest's root is its initramfs and the 8250 serial console is built into Debian's kernel.
# Exit 0 and one line (the path) on stdout; 69 when no kernel is installed (the reason on
# stderr); 1 when the image holds no kernel we can extract.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-${BOX_BUILD:-.}/vm}
vmlinuz=${BOX_VM_VMLINUZ:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)}
if [ -z "$vmlinuz" ] || [ ! -r "$vmlinuz" ]; then
    echo "vm: no readable kernel image ${vmlinuz:-in /boot}: apt-get install linux-image-amd64 (tools/packages/extra-vm.txt)" >&2
    exit 69
fi
dest=$out/vmlinux-${vmlinuz##*/vmlinuz-}
if [ ! -s "$dest" ] || [ "$vmlinuz" -nt "$dest" ]; then
    mkdir -p "$out"
    python3 "$here/extract-vmlinux.py" "$vmlinuz" "$dest.tmp.$$" || { rm -f "$dest.tmp.$$"; exit 1; }
    mv "$dest.tmp.$$" "$dest"
fi
echo "$dest"
