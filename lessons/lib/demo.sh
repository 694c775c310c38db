# demo.sh — the step-by-step runner every lesson's demo script uses (instructor mode).
#
#   . "$(dirname "$0")/../lib/demo.sh"
#   say  "what to tell the room"
#   show "COMMAND" [EXPECT-REGEX]   # print the command, wait for a key, run it, check the output
#   host "COMMAND"                  # the same command's view from the host, after the container's
#   side "COMMAND" "HOST-COMMAND" [EXPECT-REGEX]
#                                   # run both, print them side by side: container | host
#   demo_done "lesson NN"
#
# Options of every demo script:
#   --no-wait   never wait for a key (tests and CI); it also never waits when stdin is not a tty
#   --list      print what would be said and run, run nothing (to prepare; needs no root)
# Between steps: any key runs the next step, q ends the demo. --explain is added by the script
# itself where a step is worth narrating. A step whose output does not match EXPECT-REGEX stops
# the demo with a clear message, so a broken demo fails in the test suite, not in front of a room.
# Commands run from the top of the repository; with BOX_BUILD set (CTest sets it), `build/` in
# them is that build directory.
set -eu
DEMO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEMO_WAIT=1 DEMO_LIST=0
for a in "$@"; do
    case $a in
    --no-wait) DEMO_WAIT=0 ;;
    --list) DEMO_LIST=1 DEMO_WAIT=0 ;;
    *) echo "demo: unknown option '$a': use --no-wait or --list" >&2; exit 64 ;;
    esac
done
[ -t 0 ] || DEMO_WAIT=0
if [ -t 1 ]; then B=$(printf '\033[1m') C=$(printf '\033[36m') R=$(printf '\033[0m'); else B= C= R=; fi
DEMO_STEPS=0
if [ "$DEMO_LIST" = 0 ] && [ "$(id -u)" != 0 ]; then
    echo "demo: needs root (sudo): the stages mount and make namespaces" >&2; exit 77
fi
# A view of the repository whose build/ is $BOX_BUILD (as tools/mdtest.py does), so the
# commands' literal build/... paths work against any build directory.
cd "$DEMO_ROOT"
if [ -n "${BOX_BUILD:-}" ] && [ "$(realpath -m "$BOX_BUILD")" != "$(realpath -m "$DEMO_ROOT/build")" ]; then
    DEMO_VIEW=$(mktemp -d /tmp/box-demo-view.XXXXXX)
    trap 'rm -rf "$DEMO_VIEW"' EXIT
    for e in "$DEMO_ROOT"/* "$DEMO_ROOT"/.[!.]*; do
        [ -e "$e" ] && [ "$(basename "$e")" != build ] && ln -s "$e" "$DEMO_VIEW/"
    done
    ln -s "$(realpath "$BOX_BUILD")" "$DEMO_VIEW/build"
    cd "$DEMO_VIEW"
fi

say() { printf '\n%s# %s%s\n' "$B" "$*" "$R"; }
pause() {
    [ "$DEMO_WAIT" = 1 ] || return 0
    local key
    printf '%s[any key: run it, q: stop]%s' "$C" "$R"
    read -rsn1 key || key=q
    printf '\r\033[K'
    if [ "$key" = q ]; then printf '\ndemo: stopped at step %d\n' "$DEMO_STEPS"; exit 0; fi
}
# run_step CMD: run CMD in bash, stdout+stderr in $DEMO_OUT, status in $DEMO_RC
run_step() { set +e; DEMO_OUT=$(bash -c "$1" 2>&1); DEMO_RC=$?; set -e; }
# expect_step EXPECT CMD: stop the demo when the last step's output does not match EXPECT
expect_step() {
    if [ -n "$1" ] && ! printf '%s\n' "$DEMO_OUT" | grep -Eq -- "$1"; then
        printf 'demo: step %d did not show what it should (/%s/, exit %d): %s\n' "$DEMO_STEPS" "$1" "$DEMO_RC" "$2" >&2
        exit 1
    fi
}
# show COMMAND [EXPECT-REGEX]
show() {
    DEMO_STEPS=$((DEMO_STEPS + 1))
    printf '%s[%d] $ %s%s\n' "$C" "$DEMO_STEPS" "$1" "$R"
    [ "$DEMO_LIST" = 0 ] || return 0
    pause
    run_step "$1"
    printf '%s\n' "$DEMO_OUT" | sed 's/^/  /'
    expect_step "${2:-}" "$1"
}
# host COMMAND: the host's view, labelled, for comparison with the step before
host() {
    printf '%s(host)$ %s%s\n' "$C" "$1" "$R"
    [ "$DEMO_LIST" = 0 ] || return 0
    bash -c "$1" 2>&1 | sed 's/^/  /'
}
# side COMMAND HOST-COMMAND [EXPECT-REGEX]: both views in two columns, the container's left
side() {
    DEMO_STEPS=$((DEMO_STEPS + 1))
    printf '%s[%d] $ %s%s\n' "$C" "$DEMO_STEPS" "$1" "$R"
    printf '%s(host)$ %s%s\n' "$C" "$2" "$R"
    [ "$DEMO_LIST" = 0 ] || return 0
    pause
    local host_out width
    host_out=$(bash -c "$2" 2>&1 || true)
    run_step "$1"
    width=$(( ( ${COLUMNS:-$(tput cols 2>/dev/null || echo 100)} - 5) / 2 ))
    [ "$width" -ge 20 ] || width=20
    paste -d '\n' <(printf 'container\n%s\n' "$DEMO_OUT") <(printf 'host\n%s\n' "$host_out") |
        awk -v w="$width" 'NR % 2 { left = $0; next } { printf "  %-*.*s | %.*s\n", w, w, left, w, $0 }'
    expect_step "${3:-}" "$1"
}
demo_done() { printf '\n%s-- end of %s: %d steps --%s\n' "$B" "$1" "$DEMO_STEPS" "$R"; }
