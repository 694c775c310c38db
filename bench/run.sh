#!/bin/bash
# bench/run.sh [--quick] [--build DIR] [--out DIR] — boxkit's numbers, in one command (as root).
#
#   1. start-up of a /bin/true container, one hyperfine run side by side: unshare+chroot (the
#      floor), each stage's program that is built, `box run`, crun and runc on the same bundle
#   2. a VM on the same machine: qemu (TCG) to a marker printed by /init, -M microvm and -M q35
#   3. memory per idle instance (Pss of the process tree): a container per launcher, a VM
#   4. density: N idle containers at once, memory each, against a VM's
#   5. disk footprint: the rootfs against kernel + initramfs
#   6. results.json, bench.md (tables) and PNG plots (gnuplot) in OUT, stamped with the date,
#      kernel and CPU; the docs include them (docs/99-comparison.md).
#
# Defaults: BUILD = build/, OUT = bench/results/. --quick: fewer runs (about a minute).
# Everything it makes is named box-bench / under /run/box/bench and removed on every exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
BUILD=$src/build OUT=$here/results QUICK=0
while [ $# -gt 0 ]; do
    case $1 in
    --quick) QUICK=1 ;;
    --build) BUILD=$(cd "${2:?--build DIR}" && pwd); shift ;;
    --out) OUT=${2:?--out DIR}; shift ;;
    *) echo "bench: unknown option '$1': use --quick, --build DIR, --out DIR" >&2; exit 64 ;;
    esac
    shift
done
RUNS=100 VM_RUNS=3 DENSITY_N=50
[ $QUICK = 1 ] && RUNS=10 VM_RUNS=1 DENSITY_N=10

BIN=$BUILD/bin
WORK=$BUILD/bench-work      # rootfs copy, bundles, raw results (removed at the end)
RAW=$WORK/raw
STATE=/run/box/bench        # runtime state dirs (removed at the end)
STATE_PARENT_NEW=$([ -e "$(dirname "$STATE")" ] || echo 1)  # /run/box: removed at the end if the bench made it
NSDIR=$WORK/ns              # crun's private mount namespace, kept open by a bind mount
TMPFS_ROOT=$WORK/state-tmpfs  # box's --root on a tmpfs, for the row that shows what /run costs
VMDIR=$BUILD/vm             # kernel and initramfs (kept: a cache)
START=$(date +%s)
PIDS=()

say() { printf '%s\n' "$*"; }
step() { printf '\n[%s/6 +%ss] %s\n' "$1" $(($(date +%s) - START)) "$2"; }
die() { echo "bench: $*" >&2; exit 1; }

# --- preconditions: each names the fix ---
[ "$(id -u)" = 0 ] || { echo "bench: run as root (sudo bench/run.sh): containers need CAP_SYS_ADMIN" >&2; exit 67; }
for c in hyperfine jq gnuplot python3 qemu-system-x86_64 unshare nsenter; do
    command -v $c >/dev/null || { echo "bench: needs $c: tools/deps.sh extra-bench (tools/packages/extra-bench.txt)" >&2; exit 69; }
done
[ -x "$BIN/box-chroot" ] && [ -x "$BUILD/rootfs/bin/box-probe" ] ||
    { echo "bench: no build in $BUILD: ./boxkit build (or --build DIR)" >&2; exit 66; }

cleanup() {
    local rc=$? p
    trap - EXIT INT TERM
    for p in ${PIDS[@]+"${PIDS[@]}"}; do kill_tree "$p"; done
    for rt in runc crun box; do
        [ -d "$STATE/$rt" ] || continue
        for id in $(ls "$STATE/$rt" 2>/dev/null); do
            case $rt in
            crun) nsenter --mount="$NSDIR/mnt" crun --root "$STATE/crun" delete --force "$id" ;;
            box) timeout -k 2 10 "$BIN/box" --root "$STATE/box" delete --force "$id" ;;
            *) runc --root "$STATE/runc" delete --force "$id" ;;
            esac >/dev/null 2>&1 || true
        done
    done
    if grep -q " $TMPFS_ROOT " /proc/self/mountinfo; then
        for id in $(ls "$TMPFS_ROOT"); do timeout -k 2 10 "$BIN/box" --root "$TMPFS_ROOT" delete --force "$id" >/dev/null 2>&1 || true; done
        umount "$TMPFS_ROOT"
    fi
    if grep -q " $NSDIR/mnt " /proc/self/mountinfo; then umount "$NSDIR/mnt"; fi
    if grep -q " $NSDIR " /proc/self/mountinfo; then umount "$NSDIR"; fi
    find /sys/fs/cgroup -mindepth 2 -maxdepth 4 -depth -type d -path '*/box/bench*' -exec rmdir {} + 2>/dev/null || true
    # runc and crun leave the box/ parent they made in every hierarchy; box/ goes when empty
    for d in /sys/fs/cgroup/box /sys/fs/cgroup/*/box; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done || true
    rm -rf "$STATE"
    [ -z "$STATE_PARENT_NEW" ] || rmdir "$(dirname "$STATE")" 2>/dev/null || true
    if grep -q " $WORK" /proc/self/mountinfo; then
        echo "bench: mounts remain under $WORK; not removing it" >&2
    else
        rm -rf "$WORK"
    fi
    exit $rc
}
# kill_tree PID: SIGKILL the container processes below a launcher, then the launcher if it
# has not exited by itself (a PID-namespace init ignores SIGTERM, so kill from outside).
kill_tree() {
    local p=$1
    [ -n "$p" ] || return 0
    for k in $(descendants "$p"); do kill -KILL "$k" 2>/dev/null || true; done
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    kill -TERM "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
}
# forget PID: it was stopped; cleanup need not stop it again.
forget() {
    local keep=() p
    for p in ${PIDS[@]+"${PIDS[@]}"}; do [ "$p" = "$1" ] || keep+=("$p"); done
    PIDS=(${keep[@]+"${keep[@]}"})
}
descendants() { python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import mem; print(" ".join(str(p) for p in mem.tree([int(sys.argv[2])]) if p != int(sys.argv[2])))' "$here" "$1"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step 1 "preparing: a copy of the rootfs, an OCI bundle, state in $STATE"
rm -rf "$WORK"
mkdir -p "$RAW" "$WORK/bundle" "$STATE" "$OUT"
cut -d' ' -f1 /proc/loadavg > "$RAW/loadavg.txt"   # a busy machine makes every number slower
cp -a "$BUILD/rootfs" "$WORK/bundle/rootfs"
R=$WORK/bundle/rootfs B=$WORK/bundle
# The bundle's config: box's own default (`box spec`) when stage 05 is built, else runc's.
spec_from=runc
if [ -x "$BIN/box" ] && (cd "$B" && "$BIN/box" spec >/dev/null 2>&1) && [ -s "$B/config.json" ]; then
    spec_from=box
else
    rm -f "$B/config.json"
    (cd "$B" && runc spec)
fi
jq '.process.args = ["/bin/true"] | .process.terminal = false | .root.path = "rootfs"
    | .linux.cgroupsPath = "/box/bench"' "$B/config.json" > "$B/config.tmp" && mv "$B/config.tmp" "$B/config.json"
# A second bundle, the same config running `sleep`, for the memory and density steps.
mkdir -p "$WORK/idle"
jq --arg r "$R" '.process.args = ["/bin/sleep", "1000"] | .root.path = $r' "$B/config.json" > "$WORK/idle/config.json"
say "  bundle: $B (config from \`$spec_from spec\`: args /bin/true, cgroupsPath /box/bench)"
# Pin box/ in every hierarchy with a child of our own, so that another box program removing an
# empty box/ at its exit cannot pull it away while a runtime is creating box/bench in it.
# A v1 cpuset group starts with no CPUs and no memory nodes: box/ gets its parent's, as box and
# runc give the parents they make, so that a group made below it can hold a process.
for d in /sys/fs/cgroup/*/; do
    [ -f "$d/cgroup.procs" ] || continue
    mkdir -p "$d/box" 2>/dev/null || continue
    for f in cpuset.cpus cpuset.mems; do
        [ -f "$d/box/$f" ] && [ -z "$(cat "$d/box/$f")" ] && cat "$d/$f" > "$d/box/$f"
    done
    mkdir -p "$d/box/bench-pin" 2>/dev/null || true
done
# crun 1.8 refuses a hybrid cgroup host; give it a mount namespace without /sys/fs/cgroup/unified.
crun_note=""
if grep -q ' /sys/fs/cgroup/unified ' /proc/self/mountinfo; then
    crun_note=$(crun --root "$STATE/crun" run --bundle "$B" box-bench-crun 2>&1 | head -n 1 || true)
    crun --root "$STATE/crun" delete --force box-bench-crun >/dev/null 2>&1 || true
    mkdir -p "$NSDIR"
    mount --bind "$NSDIR" "$NSDIR"
    mount --make-private "$NSDIR"
    touch "$NSDIR/mnt"
    # crun still treats /sys/fs/cgroup/unified as a group and writes a pid file under it: give it
    # a scratch tmpfs there, gone with the namespace (else it writes to the host's tmpfs under
    # the cgroup2 mount, where nothing sees it or removes it).
    unshare --mount="$NSDIR/mnt" --propagation private sh -c \
        'umount /sys/fs/cgroup/unified && mount -t tmpfs -o size=1m,mode=755 box-bench-unified /sys/fs/cgroup/unified'
    CRUN=(nsenter --mount="$NSDIR/mnt" crun)
    say "  crun as shipped on this hybrid host: ${crun_note:-runs}"
    say "  so crun runs in a private mount namespace where /sys/fs/cgroup/unified is unmounted, a scratch tmpfs in its place (nsenter)"
else
    CRUN=(crun)
fi
printf '%s' "$crun_note" > "$RAW/crun-note.txt"
echo "$spec_from" > "$RAW/spec-from.txt"

step 2 "start-up of a /bin/true container: $RUNS runs each, one hyperfine run"
names=() cmds=()
add() { names+=("$1"); cmds+=("$2"); }
add "unshare+chroot (floor)" "unshare --fork --pid --mount --uts --ipc --net chroot $R /bin/true"
for s in "01 box-chroot" "02 box-ns" "03 box-cgroup" "04 box-seccomp"; do
    prog=${s#* }
    [ -x "$BIN/$prog" ] && add "stage ${s% *} $prog" "$BIN/$prog $R /bin/true"
done
[ -x "$BIN/box" ] && add "stage 05 box run" "$BIN/box --root $STATE/box run --bundle $B box-bench-box"
# Where /run is not a tmpfs (on this machine it is the root disk), the state directory box makes
# and removes costs what that file system charges; the same run with --root on a tmpfs shows it.
if [ -x "$BIN/box" ] && [ "$(findmnt -no FSTYPE -T "$STATE")" != tmpfs ]; then
    mkdir -p "$TMPFS_ROOT"
    mount -t tmpfs -o size=16m box-bench-state "$TMPFS_ROOT"
    add "box run, --root on a tmpfs ($(findmnt -no FSTYPE -T "$STATE") under $STATE)" \
        "$BIN/box --root $TMPFS_ROOT run --bundle $B box-bench-box-tmpfs"
fi
add "crun run" "${CRUN[*]} --root $STATE/crun run --bundle $B box-bench-crun"
# Engines pass a seccomp profile with every container; stage 04's default profile (~390 rules)
# stands in for podman's, in a copy of the bundle. box keeps the compiled filter under --root:
# the check run and the warm-ups fill that cache as an engine's first container does, so the
# timed runs load it; crun builds the filter every time.
if [ -x "$BIN/box" ]; then
    mkdir -p "$WORK/seccomp"
    jq --arg r "$R" --slurpfile p "$src/04-seccomp/default-profile.json" '.root.path = $r | .linux.seccomp = $p[0]' \
        "$B/config.json" > "$WORK/seccomp/config.json"
    add "box run, a seccomp profile (filter cached)" "$BIN/box --root $STATE/box run --bundle $WORK/seccomp box-bench-box-sec"
    add "crun run, a seccomp profile" "${CRUN[*]} --root $STATE/crun run --bundle $WORK/seccomp box-bench-crun-sec"
fi
if [ ${#CRUN[@]} -gt 1 ]; then
    add "nsenter alone (crun's wrapper)" "nsenter --mount=$NSDIR/mnt /bin/true"
    # box measured the way crun is, so that the two compare without the wrapper in one of them
    [ -x "$BIN/box" ] && add "box run, through crun's wrapper" \
        "nsenter --mount=$NSDIR/mnt $BIN/box --root $STATE/box run --bundle $B box-bench-box-ns"
fi
add "runc run" "runc --root $STATE/runc run --bundle $B box-bench-runc"
hf_args=() timed=()
: > "$RAW/skipped.txt"
for i in "${!names[@]}"; do
    # each command must work once before it is timed; one that fails is reported, not timed
    # timeout signals its whole process group, so a stuck runtime's children go too
    if out=$(timeout -k 5 20 ${cmds[$i]} 2>&1); then
        hf_args+=(-n "${names[$i]}" "${cmds[$i]}")
        timed+=("${names[$i]}")
        say "  ok   ${names[$i]}: ${cmds[$i]}"
    else
        rc=$?
        case $rc in 124 | 137) out="no exit after 20 s (stopped by timeout)" ;; esac
        say "  SKIP ${names[$i]}: exit $rc: $(printf '%s' "$out" | head -n 1)"
        jq -cn --arg n "${names[$i]}" --arg c "${cmds[$i]}" --arg w "exit $rc: $(printf '%s' "$out" | head -n 1)" \
            '{name: $n, command: $c, why: $w}' >> "$RAW/skipped.txt"
    fi
done
# /bin/true prints nothing, so the output file holds only what a failing runtime said
hyperfine -N --style basic --output="$RAW/startup-output.txt" --warmup 3 --runs "$RUNS" \
    --export-json "$RAW/startup.json" "${hf_args[@]}" ||
    die "a command failed while being timed; it said: $(tail -n 3 "$RAW/startup-output.txt")"

step 3 "a VM on the same machine: qemu (TCG) to the marker from /init, $VM_RUNS boot(s) each"
# tools/vm/ (shared with the cgroup v2 test VM) extracts the ELF vmlinux and makes the initramfs.
vmlinux=$("$src/tools/vm/kernel.sh" "$VMDIR")
vmlinuz=${BOX_VM_VMLINUZ:-$(ls /boot/vmlinuz-* | sort -V | tail -n 1)}
kern=("$vmlinuz" "$vmlinux")
INITRD=$VMDIR/bench-initramfs.cpio
"$src/tools/vm/initramfs.sh" "$INITRD" --init "$here/vm-init.sh"
accel=tcg
if ! grep -qE 'vmx|svm' /proc/cpuinfo; then why="the CPU shows no vmx or svm flag (no hardware virtualization)"
else why="boxkit's VM comparison uses TCG everywhere, so that it is the same on every machine"; fi
echo "TCG: $why" > "$RAW/accel.txt"
say "  accelerator: TCG (every guest instruction translated in software): $why"
: > "$RAW/vm-boot.jsonl"
for m in microvm q35; do
    k=${kern[1]}; [ $m = q35 ] && k=${kern[0]}
    for i in $(seq "$VM_RUNS"); do
        t=$(python3 "$here/vm-boot.py" --kernel "$k" --initrd "$INITRD" \
            --machine $m --accel $accel --timeout 120 | sed -n 's/^marker after \([0-9.]*\) s$/\1/p')
        [ -n "$t" ] || die "the $m VM did not reach its marker (see above)"
        say "  -M $m ($(basename "$k")): marker after $t s"
        jq -cn --arg m "$m" --arg k "$(basename "$k")" --argjson t "$t" '{machine: $m, kernel: $k, seconds: $t}' >> "$RAW/vm-boot.jsonl"
    done
done

step 4 "memory per idle instance (Pss of the launcher and everything below it)"
best=""
for p in box-seccomp box-cgroup box-ns box-chroot; do [ -x "$BIN/$p" ] && { best=$p; break; }; done
: > "$RAW/memory.jsonl"
# idle NAME CMD...: start CMD in the background, wait for its `sleep`, measure, stop it.
idle() {
    local name=$1; shift
    "$@" >/dev/null 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    local up=""
    for _ in $(seq 100); do
        for k in $(descendants "$pid"); do [ "$(cat /proc/$k/comm 2>/dev/null)" = sleep ] && up=1; done
        [ -n "$up" ] && break
        sleep 0.1
    done
    if [ -z "$up" ]; then
        say "  SKIP $name: its container's sleep did not start in 10 s"
        kill_tree "$pid"
        forget "$pid"
        return 0
    fi
    sleep 1
    local m; m=$("$here/mem.py" "$pid")
    say "  $name: $(jq -r '"\(.processes) processes, Pss \(.pss_bytes / 1048576 * 10 | floor / 10) MiB"' <<<"$m")"
    jq -c --arg n "$name" '. + {name: $n}' <<<"$m" >> "$RAW/memory.jsonl"
    kill_tree "$pid"
    forget "$pid"
}
idle "$best (stage program)" "$BIN/$best" "$R" /bin/sleep 1000
timed_ok() { local t; for t in "${timed[@]}"; do [ "$t" = "$1" ] && return 0; done; return 1; }
timed_ok "stage 05 box run" && idle "box run" "$BIN/box" --root "$STATE/box" run --bundle "$WORK/idle" box-bench-idle
idle "crun run" "${CRUN[@]}" --root "$STATE/crun" run --bundle "$WORK/idle" box-bench-idle
idle "runc run" runc --root "$STATE/runc" run --bundle "$WORK/idle" box-bench-idle
# microvm twice: with 256 MiB and with 1 GiB of guest RAM (the guest touches little of it)
for vm in microvm:256 microvm:1024 q35:256; do
    m=${vm%:*} gmem=${vm#*:}
    k=${kern[1]}; [ $m = q35 ] && k=${kern[0]}
    BOX_VM_PIDFILE=$WORK/qemu.pid python3 "$here/vm-boot.py" --kernel "$k" --initrd "$INITRD" --machine $m \
        --mem "${gmem}M" --accel $accel --hold 600 --timeout 120 > "$WORK/vm-$m.out" &
    vpid=$!
    PIDS+=("$vpid")
    for _ in $(seq 1200); do grep -q marker "$WORK/vm-$m.out" && break; kill -0 $vpid 2>/dev/null || break; sleep 0.1; done
    grep -q marker "$WORK/vm-$m.out" || die "the $m VM did not boot for the memory step"
    sleep 2
    mm=$("$here/mem.py" "$(cat "$WORK/qemu.pid")")   # qemu alone, not the Python that watches it
    name="qemu -M $m"; [ "$gmem" = 256 ] || name="qemu -M $m, $gmem MiB guest"
    say "  $name${gmem:+, guest RAM $gmem MiB}: $(jq -r '"Pss \(.pss_bytes / 1048576 * 10 | floor / 10) MiB"' <<<"$mm")"
    jq -c --arg n "$name" --argjson g "$gmem" '. + {name: $n, guest_mib: $g}' <<<"$mm" >> "$RAW/memory.jsonl"
    kill "$vpid"; wait "$vpid" 2>/dev/null || true
    forget "$vpid"
done

step 5 "density: $DENSITY_N idle containers ($best) at once"
t0=$(date +%s.%N)
dpids=()
for i in $(seq "$DENSITY_N"); do
    "$BIN/$best" "$R" /bin/sleep 1000 >/dev/null 2>&1 &
    dpids+=($!)
    PIDS+=($!)
    [ $((i % 10)) = 0 ] && say "  started $i"
done
want=$DENSITY_N
for _ in $(seq 300); do
    n=0
    for p in "${dpids[@]}"; do [ -n "$(pgrep -P "$p")" ] && n=$((n + 1)); done
    [ $n -ge $want ] && break
    sleep 0.1
done
t1=$(date +%s.%N)
sleep 1
dm=$("$here/mem.py" "${dpids[@]}")
avail=$(awk '/^MemAvailable:/ {print $2 * 1024}' /proc/meminfo)
say "  $n of $DENSITY_N running after $(python3 -c "print(f'{$t1 - $t0:.2f}')") s: $(jq -r '"Pss \(.pss_bytes / 1048576 | floor) MiB in all"' <<<"$dm")"
jq -c --argjson n "$n" --argjson want "$DENSITY_N" --arg prog "$best" --argjson avail "$avail" \
    --argjson secs "$(python3 -c "print(round($t1-$t0, 3))")" \
    '. + {running: $n, started: $want, program: $prog, mem_available_bytes: $avail, seconds_to_start: $secs}' \
    <<<"$dm" > "$RAW/density.json"
for p in "${dpids[@]}"; do kill_tree "$p"; done
PIDS=()

step 6 "disk footprint, results and plots in $OUT"
kver=${vmlinuz##*/vmlinuz-}
{
    echo "{\"name\": \"container rootfs (busybox + box-probe)\", \"bytes\": $(du -sb "$BUILD/rootfs" | cut -f1)}"
    echo "{\"name\": \"VM kernel, compressed (vmlinuz)\", \"bytes\": $(stat -c %s "${kern[0]}")}"
    echo "{\"name\": \"VM kernel, uncompressed (vmlinux)\", \"bytes\": $(stat -c %s "${kern[1]}")}"
    echo "{\"name\": \"VM initramfs (busybox, uncompressed cpio)\", \"bytes\": $(stat -c %s "$INITRD")}"
    [ -n "$kver" ] && [ -d "/lib/modules/$kver" ] &&
        echo "{\"name\": \"the same kernel's modules (a real VM image carries them)\", \"bytes\": $(du -sb "/lib/modules/$kver" | cut -f1)}"
} > "$RAW/disk.jsonl"
python3 "$here/report.py" collect "$RAW" "$OUT/results.json" --quick $QUICK \
    --tool "hyperfine=$(hyperfine --version | head -n 1)" --tool "crun=$(crun --version | head -n 1)" \
    --tool "runc=$(runc --version | head -n 1)" --tool "qemu=$(qemu-system-x86_64 --version | head -n 1)" \
    --tool "boxkit=$(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown)" \
    --profile "$src/04-seccomp/default-profile.json" --unistd /usr/include/x86_64-linux-gnu/asm/unistd_64.h
python3 "$here/report.py" render "$OUT/results.json" "$OUT"
say ""
cat "$OUT/bench.md"
say ""
say "bench: done in $(($(date +%s) - START)) s: $OUT/results.json, bench.md, startup.png, memory.png"
