# harness-test.sh — CTest's vm-harness: the host side of the VM tests, without a VM (no root).
# result.sh turns each kind of console line into the right CTest outcome; a check the guest
# never reported fails; a skipped boot skips every check; the tools/vm scripts refuse bad usage
# with their documented exit codes; initramfs.sh packs a program with its libraries.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=$here/../../tools/vm
tmp=$(mktemp -d /tmp/box-vm-harness.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
FAILS=0
expect() { # expect CODE WHAT CMD...: CMD exits with CODE
    local code=$1 what=$2 rc
    shift 2
    "$@" > "$tmp/out" 2>&1
    rc=$?
    if [ "$rc" = "$code" ]; then echo "ok: $what"; else echo "FAIL: $what: exit $rc, expected $code: $(cat "$tmp/out")"; FAILS=$((FAILS + 1)); fi
}

mkdir -p "$tmp/vm"
cat > "$tmp/vm/console.log" <<'LOG'
[    0.4] some kernel line
BOXVM-BEGIN 3 checks
BOXVM-OUT good | ok: fine
BOXVM-RESULT good pass
BOXVM-OUT bad | FAIL: broken
BOXVM-RESULT bad fail exit status 1
BOXVM-RESULT later skip box is not built yet
LOG
echo ok > "$tmp/vm/status"
export BOX_BUILD=$tmp
expect 0 "a passed check passes" bash "$here/result.sh" good
expect 1 "a failed check fails" bash "$here/result.sh" bad
grep -q "FAIL: broken" "$tmp/out" && echo "ok: a failed check shows its output" || { echo "FAIL: no output shown"; FAILS=$((FAILS + 1)); }
expect 77 "a skipped check is skipped" bash "$here/result.sh" later
expect 1 "a check the guest never reported fails" bash "$here/result.sh" missing
expect 1 "a name that is a prefix of another is not confused with it" bash "$here/result.sh" goo
echo "skip needs qemu" > "$tmp/vm/status"
expect 77 "a skipped boot skips every check" bash "$here/result.sh" good
rm "$tmp/vm/status" "$tmp/vm/console.log"
expect 1 "no boot at all fails" bash "$here/result.sh" good

expect 64 "initramfs.sh without arguments: usage" "$tools/initramfs.sh"
expect 66 "initramfs.sh --elf of a missing file" "$tools/initramfs.sh" "$tmp/x.cpio" --elf /nonexistent /bin/x
expect 64 "initramfs.sh without --init" "$tools/initramfs.sh" "$tmp/x.cpio"
expect 0 "initramfs.sh packs a program" "$tools/initramfs.sh" "$tmp/x.cpio" --init "$here/init" --elf "$(command -v jq)" /usr/bin/jq
listing=$(cpio -it < "$tmp/x.cpio" 2>/dev/null)
for want in init usr/bin/jq bin/busybox bin/sh "$(ldd "$(command -v jq)" | sed -n 's,.*=> /\([^ ]*libjq[^ ]*\).*,\1,p')"; do
    grep -qx "$want" <<<"$listing" && echo "ok: the archive has $want" || { echo "FAIL: the archive lacks $want"; FAILS=$((FAILS + 1)); }
done
expect 64 "run.sh without --kernel: usage" "$tools/run.sh" --initrd "$tmp/x.cpio"
expect 66 "run.sh with a missing kernel" "$tools/run.sh" --kernel /nonexistent --initrd "$tmp/x.cpio"
BOX_VM_VMLINUZ=/nonexistent expect 69 "kernel.sh without a kernel: unavailable" "$tools/kernel.sh" "$tmp/vm"

[ "$FAILS" = 0 ] || { echo "vm-harness: $FAILS check(s) failed"; exit 1; }
echo "vm-harness: all checks passed"
