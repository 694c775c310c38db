# Shared set-up of the stage 05 tests. Source it after lib.sh (and the need_* checks): a private
# --root (STATE) and work directory (WORK) per run, `box` on that root, `bundle`, and a clean-up
# at exit that force-deletes every container of this run, runs what the test added with
# on_cleanup, and removes both directories.
need_cmd jq
BOX=$BIN/box
mkdir -p /run/box
STATE=$(mktemp -d /run/box/$TEST_NAME.XXXXXX)   # runs may overlap: each has its own --root
WORK=$(mktemp -d /tmp/box-$TEST_NAME.XXXXXX)
BOX_CLEANUPS=()
box() { "$BOX" --root "$STATE" "$@"; }
# on_cleanup COMMAND: run COMMAND (a string, eval'd) at exit, after the containers are deleted.
on_cleanup() { BOX_CLEANUPS+=("$1"); }
box_cleanup() {
    local id c
    for id in $(box list -f json 2>/dev/null | jq -r '.[].id'); do
        box delete --force "$id" || true
    done
    for c in ${BOX_CLEANUPS[@]+"${BOX_CLEANUPS[@]}"}; do eval "$c" || true; done
    rm -rf "$WORK" "$STATE"
}
trap box_cleanup EXIT
# bundle DIR JQ-FILTER [JQ-ARGS...]: box spec's config.json with the shared rootfs, changed by
# FILTER ($rootfs and $work are set; JQ-ARGS may add more, e.g. --arg hook PATH).
bundle() {
    local dir=$1 filter=$2
    shift 2
    mkdir -p "$dir"
    (cd "$dir" && "$BOX" spec)
    jq --arg rootfs "$ROOTFS" --arg work "$WORK" "$@" ".root.path = \$rootfs | $filter" "$dir/config.json" > "$dir/c.json"
    mv "$dir/c.json" "$dir/config.json"
}
