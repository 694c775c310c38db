# Stage 02: exit status and signals through box-ns; PID 1's special rules, and --init for them.
# exercise: 02.1
# exercise: 02.2
# exercise: 02.3
# exercise: 02.4
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
box_pid=
cleanup() { [ -z "$box_pid" ] || kill -KILL "$box_pid" 2>/dev/null || true; }
trap cleanup EXIT
# reap_box: wait for box-ns ($box_pid) to exit, at most 10 s (then SIGKILL: a broken forward
# fails the check instead of hanging the suite); its status in $rc.
reap_box() {
    for _ in $(seq 100); do kill -0 "$box_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$box_pid" 2>/dev/null || true
    set +e; wait "$box_pid"; rc=$?; set -e; box_pid=
}

# Exit codes pass through, with and without --init.
for init in "" --init; do
    run_rc "$BIN/box-ns" $init "$ROOTFS" /bin/sh -c 'exit 7'
    assert_eq 7 "$RC" "${init:-no init}: CMD's exit status is box-ns's"
    run_rc "$BIN/box-ns" $init "$ROOTFS" /bin/nope
    assert_eq 127 "$RC" "${init:-no init}: a missing CMD is exit 127"
done
run_rc "$BIN/box-ns" --init "$ROOTFS" /bin/box-probe --json pid
assert_eq 2 "$(json .pid.pid)" "--init: CMD is PID 2, the init is PID 1"
run_rc "$BIN/box-ns" --init --ns pid "$ROOTFS" /bin/sh -c 'exit 5'
assert_eq 5 "$RC" "--init needs only a PID namespace"

# PID 1 gets only the signals it has a handler for, even from itself: a shell that sends itself
# SIGTERM and SIGKILL survives as PID 1, and dies as PID 2 under --init.
run_rc "$BIN/box-ns" "$ROOTFS" /bin/sh -c 'kill -TERM $$; kill -KILL $$; echo survived'
assert_eq "0 survived" "$RC $OUT" "no init: PID 1 ignores signals it has no handler for"
run_rc "$BIN/box-ns" --init "$ROOTFS" /bin/sh -c 'kill -TERM $$; echo survived'
assert_eq 143 "$RC" "--init: CMD is an ordinary process: SIGTERM kills it, the status is 128+15"

# SIGTERM to box-ns reaches CMD: through the init, or straight to a PID 1 with a handler.
"$BIN/box-ns" --init "$ROOTFS" /bin/sleep 1000 & box_pid=$!
sleep 0.5; kill -TERM "$box_pid"; reap_box
assert_eq 143 "$rc" "--init: SIGTERM to box-ns is forwarded to CMD"
"$BIN/box-ns" "$ROOTFS" /bin/sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done' & box_pid=$!
sleep 0.5; kill -TERM "$box_pid"; reap_box
assert_eq 42 "$rc" "no init: SIGTERM reaches a PID 1 that handles it"

# A PID 1 without a handler ignores the forwarded SIGTERM; killing box-ns still ends the
# container (the child has PR_SET_PDEATHSIG): nothing outlives box-ns.
"$BIN/box-ns" "$ROOTFS" /bin/sleep 1717 & box_pid=$!
sleep 0.5; kill -TERM "$box_pid"; sleep 0.5
kill -0 "$box_pid" 2>/dev/null && ok "no init: sleep as PID 1 ignores SIGTERM" || fail "no init: box-ns died of SIGTERM"
kill -KILL "$box_pid"; wait "$box_pid" 2>/dev/null || true; box_pid=
for _ in $(seq 50); do pgrep -f 'sleep 1717' >/dev/null || break; sleep 0.1; done
assert_eq "" "$(pgrep -f 'sleep 1717' || true)" "box-ns killed: its container dies too"

# Orphans are re-parented to PID 1: a PID 1 that never waits collects zombies; the init reaps.
run_rc "$BIN/box-ns" "$ROOTFS" /bin/box-probe --json orphans 3 300
assert_eq 3 "$(json .orphans.zombies_later)" "no init: orphans stay zombies under a PID 1 that does not reap"
run_rc "$BIN/box-ns" --init "$ROOTFS" /bin/box-probe --json orphans 3
assert_eq 0 "$(json .orphans.zombies_later)" "--init: the init reaps the orphans"
finish
