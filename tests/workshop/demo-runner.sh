# workshop-demo-runner: lessons/lib/demo.sh, the instructor-mode runner every lesson's demo uses:
# steps are numbered and run, side-by-side shows container | host, an expectation that is not
# met stops the demo (exit 1, the step named), --list runs nothing and needs no root, a bad
# option is refused, and build/ in the commands is $BOX_BUILD.
. "$(dirname "$0")/../integration/lib.sh"
need_root
dir=$(mktemp -d /tmp/box-demo-runner.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
script() {  # script NAME BODY: a demo script that uses the runner
    printf '. %q\n%s\n' "$BOX_SRC/lessons/lib/demo.sh" "$2" > "$dir/$1"
    chmod 644 "$dir/$1"
}

bb=$(realpath "$BOX_BUILD")  # what build/ resolves to, whether or not it is the repo's own build/
script good.sh "say 'two views'
side \"printf 'a\\nb\\nc\\n'\" \"printf 'x\\n'\" '^b\$'
show 'realpath build' '^$bb\$'
host 'echo host-side'
demo_done 'the test'"
run_rc bash "$dir/good.sh" --no-wait
assert_eq 0 "$RC" "a demo whose steps show what they should exits 0"
assert_contains "# two views" "$OUT" "say prints the line for the room"
assert_contains "[1] \$ printf" "$OUT" "steps are numbered"
assert_contains "(host)\$ printf 'x\\n'" "$OUT" "side names the host's command too"
assert_match "  container +\\| host" "$OUT" "side: a header per column"
assert_match "  a +\\| x" "$OUT" "side: the first lines side by side"
assert_match "  c +\\| " "$OUT" "side: the longer side goes on alone"
assert_contains "  $bb" "$OUT" "build/ is \$BOX_BUILD"
assert_contains "  host-side" "$OUT" "host shows the host's output"
assert_contains "-- end of the test: 2 steps --" "$OUT" "demo_done counts the steps"

script bad.sh "show 'echo one' one
show 'echo hi' zzz
show 'touch $dir/never'"
run_rc bash "$dir/bad.sh" --no-wait
assert_eq 1 "$RC" "a step that does not show what it should stops the demo"
assert_contains "demo: step 2 did not show what it should (/zzz/, exit 0): echo hi" "$OUT" "and names it"
assert_eq false "$([ -e "$dir/never" ] && echo true || echo false)" "the steps after it do not run"

run_rc setpriv --reuid 65534 --regid 65534 --clear-groups bash "$dir/bad.sh" --list
assert_eq 0 "$RC" "--list needs no root and checks nothing"
assert_contains "[3] \$ touch $dir/never" "$OUT" "--list prints every step"
assert_eq false "$([ -e "$dir/never" ] && echo true || echo false)" "--list runs nothing"

run_rc bash "$dir/good.sh" --bogus
assert_eq 64 "$RC" "an unknown option is refused"
assert_eq "demo: unknown option '--bogus': use --no-wait or --list" "$OUT" "with one line naming it"

run_rc bash "$BOX_SRC/lessons/demo" --list
assert_eq 0 "$RC" "lessons/demo --list lists every lesson's demo"
for d in "$BOX_SRC"/lessons/[0-9][0-9]-*/demo.sh; do
    assert_contains "===== lesson $(basename "$(dirname "$d")") =====" "$OUT" "lessons/demo --list has $(basename "$(dirname "$d")")"
done
finish
