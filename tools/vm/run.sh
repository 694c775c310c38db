#!/bin/sh
# run.sh --kernel VMLINUX --initrd CPIO [OPTION]... — boot a qemu microvm; its serial console
# is this script's stdout.
#   --kernel FILE    an uncompressed ELF kernel (kernel.sh prints one)
#   --initrd FILE    the initramfs, the guest's whole root (initramfs.sh makes one)
#   --append ARGS    more kernel command-line words (after console=ttyS0 panic=-1 quiet ...)
#   --mem SIZE       guest RAM (default 512M)      --smp N   guest CPUs (default 1)
#   --timeout SECS   kill qemu after SECS (default 300): a hung guest can never hang the caller
# The machine is `-M microvm` under TCG (set BOX_VM_ACCEL=kvm where KVM works; here /dev/kvm
# exists but a KVM guest hangs). Under TCG the command line gets tsc_early_khz=<host kHz>, or the
# guest can hang calibrating its clock (../shared/FACTS.md). panic=-1 with -no-reboot makes a
# panic, a reboot or the end of /init exit qemu at once, so the guest ends with `reboot -f`.
# Exit 0 when the guest rebooted or powered off, 124 when the timeout killed it, 69 when qemu
# is not installed, 64 for bad usage, another status when qemu itself failed.
set -eu
usage() { sed -n '2,9s/^# \{0,1\}//p' "$0" >&2; exit 64; }
kernel="" initrd="" append="" mem=512M smp=1 timeout=300
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || usage
    case $1 in
    --kernel) kernel=$2 ;;
    --initrd) initrd=$2 ;;
    --append) append=$2 ;;
    --mem) mem=$2 ;;
    --smp) smp=$2 ;;
    --timeout) timeout=$2 ;;
    *) usage ;;
    esac
    shift 2
done
[ -n "$kernel" ] && [ -n "$initrd" ] || usage
for f in "$kernel" "$initrd"; do
    [ -r "$f" ] || { echo "vm: cannot read $f" >&2; exit 66; }
done
qemu=$(command -v qemu-system-x86_64) || {
    echo "vm: qemu-system-x86_64 not found: apt-get install qemu-system-x86 (tools/packages/extra-vm.txt)" >&2
    exit 69
}
accel=${BOX_VM_ACCEL:-tcg}
cmdline="console=ttyS0 panic=-1 quiet"
if [ "$accel" = tcg ]; then
    khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
    [ -n "$khz" ] && cmdline="$cmdline tsc_early_khz=$khz"
fi
exec timeout --kill-after=5 "$timeout" "$qemu" -M microvm -accel "$accel" -cpu max -m "$mem" -smp "$smp" \
    -nodefaults -no-user-config -nographic -serial stdio -no-reboot \
    -kernel "$kernel" -initrd "$initrd" -append "$cmdline${append:+ $append}" </dev/null
