# boot.sh — CTest's vm-boot: build the test VM's initramfs, boot it once, keep its console.
#
# The guest (tests/vm/init) is a pure cgroup v2 machine: it runs every check in
# tests/vm/checks/ and prints one BOXVM-RESULT line per check; the tests vm-<check> then report
# those lines one by one (result.sh). This test passes when the guest ran to its end marker and
# reported every check; a guest that hangs is killed by run.sh's timeout and fails it. It is
# skipped (77) only when qemu or the kernel is not installed (tools/packages/extra-vm.txt).
# Output: $BOX_BUILD/vm/console.log (the serial console), $BOX_BUILD/vm/status.
set -euo pipefail
BOX_BUILD=${BOX_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../build" && pwd)}
BOX_SRC=${BOX_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
vm=$BOX_BUILD/vm
tools=$BOX_SRC/tools/vm
mkdir -p "$vm"
rm -f "$vm/console.log" "$vm/status"
trap 'rm -f "$vm/console.log.tmp"' EXIT
skip() { echo "SKIP: $*"; echo "skip $*" > "$vm/status"; exit 77; }
fail() { echo "FAIL: $*"; echo "fail $*" > "$vm/status"; exit 1; }

command -v qemu-system-x86_64 >/dev/null ||
    skip "needs qemu-system-x86_64: apt-get install qemu-system-x86 (tools/packages/extra-vm.txt)"
set +e
kernel=$("$tools/kernel.sh" "$vm")
rc=$?
set -e
[ $rc = 69 ] && skip "needs a kernel image: apt-get install linux-image-amd64 (tools/packages/extra-vm.txt)"
[ $rc = 0 ] || fail "could not extract a kernel (tools/vm/kernel.sh exit $rc)"
[ -x "$BOX_BUILD/rootfs/bin/box-probe" ] || fail "no rootfs at $BOX_BUILD/rootfs: build the rootfs target"

# The guest: busybox, bash and the tools the checks use, every boxkit program with its shared
# libraries, the rootfs, and the checks with the integration tests' lib.sh.
items=(--init "$BOX_SRC/tests/vm/init")
for tool in bash jq comm; do
    items+=(--elf "$(command -v $tool)" "/usr/bin/$tool")
done
for prog in "$BOX_BUILD"/bin/box*; do
    case ${prog##*/} in box-unit | box-probe) continue ;; esac
    [ -x "$prog" ] && items+=(--elf "$prog" "/boxkit/bin/${prog##*/}")
done
items+=(--dir "$BOX_BUILD/rootfs" /boxkit/rootfs)
items+=(--elf "$BOX_BUILD/rootfs/bin/box-probe" /boxkit/rootfs/bin/box-probe) # the same, without debug info
items+=(--dir "$BOX_SRC/tests/integration" /boxkit/src/tests/integration)
items+=(--dir "$BOX_SRC/tests/vm" /boxkit/src/tests/vm)
"$tools/initramfs.sh" "$vm/initramfs.cpio" "${items[@]}"

echo "vm: booting $kernel with $(du -h "$vm/initramfs.cpio" | cut -f1) of initramfs (console: $vm/console.log)"
set +e
"$tools/run.sh" --kernel "$kernel" --initrd "$vm/initramfs.cpio" --timeout "${BOX_VM_TIMEOUT:-480}" \
    > "$vm/console.log.tmp" 2>&1
rc=$?
set -e
tr -d '\r' < "$vm/console.log.tmp" > "$vm/console.log"
grep -E '^BOXVM-(BEGIN|RESULT)' "$vm/console.log" || true
why=""
[ $rc = 124 ] && why="the guest did not finish within ${BOX_VM_TIMEOUT:-480}s and was killed"
[ $rc != 0 ] && [ $rc != 124 ] && why="qemu exited with status $rc"
grep -q '^BOXVM-END' "$vm/console.log" || why="${why:-the guest stopped before its end marker}"
names=$(cd "$BOX_SRC/tests/vm/checks" && ls *.sh | sed 's/\.sh$//'
    cd "$BOX_SRC/tests/integration" && for p in $(sed 's/#.*//' ../vm/integration.txt); do
        ls $p 2>/dev/null | sed 's/^/it-/; s/\.sh$//' || true; done)
for name in $names; do
    grep -q "^BOXVM-RESULT $name " "$vm/console.log" || why="${why:+$why; }no result for $name"
done
if [ -n "$why" ]; then
    echo "--- last lines of the console:"
    tail -n 30 "$vm/console.log"
    fail "$why"
fi
echo "ok" > "$vm/status"
echo "vm-boot: the guest reported every check"
