# demo.sh — the step-by-step runner every lesson's demo script uses.
#
#   . "$(dirname "$0")/../lib/demo.sh"
#   say  "what to tell the room"
#   show "COMMAND" [EXPECT-REGEX]   # print the command, wait for a key, run it, check the output
#   host "COMMAND"                  # the same command's view from the host, beside the container's
#
# Options of every demo script: --no-wait (never wait for a key: tests and CI), --explain is
# added by the script itself where a step is worth narrating. Waits only when stdin is a tty.
# A step whose output does not match EXPECT-REGEX stops the demo with a clear message, so a
# broken demo fails in the test suite, not in front of a room.
set -eu
DEMO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$DEMO_ROOT"
DEMO_WAIT=1
for a in "$@"; do [ "$a" = --no-wait ] && DEMO_WAIT=0; done
[ -t 0 ] || DEMO_WAIT=0
if [ -t 1 ]; then B=$(printf '\033[1m') C=$(printf '\033[36m') R=$(printf '\033[0m'); else B= C= R=; fi
DEMO_STEPS=0
if [ "$(id -u)" != 0 ]; then echo "demo: needs root (sudo): the stages mount and make namespaces" >&2; exit 77; fi

say() { printf '\n%s# %s%s\n' "$B" "$*" "$R"; }
pause() { if [ "$DEMO_WAIT" = 1 ]; then printf '%s[enter]%s' "$C" "$R"; read -r _; fi; }
# show COMMAND [EXPECT-REGEX]
show() {
    local cmd=$1 expect=${2:-} out rc
    DEMO_STEPS=$((DEMO_STEPS + 1))
    printf '%s$ %s%s\n' "$C" "$cmd" "$R"
    pause
    set +e
    out=$(bash -c "$cmd" 2>&1)
    rc=$?
    set -e
    printf '%s\n' "$out" | sed 's/^/  /'
    if [ -n "$expect" ] && ! printf '%s\n' "$out" | grep -Eq -- "$expect"; then
        printf 'demo: step %d did not show what it should (/%s/, exit %d): %s\n' "$DEMO_STEPS" "$expect" "$rc" "$cmd" >&2
        exit 1
    fi
}
# host COMMAND: the host's view, labelled, for side-by-side comparison
host() {
    printf '%s(host)$ %s%s\n' "$C" "$1" "$R"
    bash -c "$1" 2>&1 | sed 's/^/  /'
}
demo_done() { printf '\n%s-- end of %s: %d steps --%s\n' "$B" "$1" "$DEMO_STEPS" "$R"; }
