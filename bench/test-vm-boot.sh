#!/bin/bash
# test-vm-boot.sh BUILD — the bench's VM boots: Debian's kernel (tools/vm/kernel.sh) with the
# bench's busybox initramfs (tools/vm/initramfs.sh, bench/vm-init.sh), under qemu -M microvm,
# reaches the marker /init prints, and vm-boot.py leaves no qemu behind. Not timed.
# Exit 77 (skipped, with the reason) without qemu or a kernel in /boot.
set -euo pipefail
build=${1:?usage: test-vm-boot.sh BUILD}
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: needs qemu-system-x86 (tools/packages/extra-bench.txt)"; exit 77; }
ls /boot/vmlinuz-* >/dev/null 2>&1 || { echo "SKIP: needs a kernel in /boot: apt-get install linux-image-amd64"; exit 77; }
vmlinux=$("$src/tools/vm/kernel.sh" "$build/vm")
tmp=$(mktemp -d /tmp/box-bench-vm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$src/tools/vm/initramfs.sh" "$tmp/initramfs.cpio" --init "$here/vm-init.sh"
BOX_VM_PIDFILE=$tmp/qemu.pid python3 "$here/vm-boot.py" --kernel "$vmlinux" --initrd "$tmp/initramfs.cpio" \
    --machine microvm --timeout 120 --log "$tmp/console.log" > "$tmp/out" || {
    echo "FAIL: the VM did not reach its marker"; tail -n 20 "$tmp/console.log"; exit 1; }
grep -q '^marker after [0-9.]* s$' "$tmp/out" || { echo "FAIL: no 'marker after N s' line: $(cat "$tmp/out")"; exit 1; }
grep -q 'BOX-VM-READY' "$tmp/console.log" || { echo "FAIL: the console log lacks the marker"; exit 1; }
[ ! -e "$tmp/qemu.pid" ] || { echo "FAIL: vm-boot.py left its pid file"; exit 1; }
echo "ok: $(cat "$tmp/out") (-M microvm, TCG, $(basename "$vmlinux"))"
