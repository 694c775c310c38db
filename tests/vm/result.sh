# result.sh CHECK — CTest's vm-CHECK: report one check of the test VM from the console log that
# vm-boot (boot.sh) kept. Its output, then exit 0 (pass), 1 (fail, or no result: the guest
# hung or crashed) or 77 (skipped, with the reason: a program not built yet, no qemu, ...).
set -euo pipefail
BOX_BUILD=${BOX_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../build" && pwd)}
name=$1
log=$BOX_BUILD/vm/console.log
status=$(cat "$BOX_BUILD/vm/status" 2>/dev/null || echo "fail vm-boot has not run")
case $status in
skip*) echo "SKIP: ${status#skip }"; exit 77 ;;
fail*) [ -f "$log" ] || { echo "FAIL: no console log: ${status#fail }"; exit 1; } ;;
esac
grep "^BOXVM-OUT $name | " "$log" | sed "s/^BOXVM-OUT $name | //" || true
result=$(grep "^BOXVM-RESULT $name " "$log" | tail -n 1 || true)
read -r _ _ verdict reason <<< "$result" || true
case ${verdict:-} in
pass) echo "vm: $name passed on the cgroup v2 guest" ;;
skip) echo "SKIP: $reason"; exit 77 ;;
fail) echo "FAIL: $name failed on the cgroup v2 guest: $reason"; exit 1 ;;
*) echo "FAIL: the guest never reported $name (it hung or crashed): see $log"; exit 1 ;;
esac
