# Stage 05: the box0 network hook (05-full-runtime/hooks/box-net): two containers get addresses
# on the bridge box0, ping each other and the host end; delete removes their veths, and box0 goes
# with the last one. Only addresses inside 10.203.0.0/24, on links this test made; no route out.
# exercise: 05.1
# exercise: 05.2
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
need_cmd ip "apt-get install iproute2"
need_cmd nsenter "apt-get install util-linux"
box_lock lesson05  # one test at a time uses the bridge: another's would keep box0 up

box_setup
HOOK=$BOX_SRC/05-full-runtime/hooks/box-net
# If box failed before its poststop hook could run (a broken build), undo the hook's leases and
# links ourselves: the test must leave no box0 or veth behind either way.
for c in a b c; do
    on_cleanup "printf '{\"id\": \"%s\", \"pid\": 0}' $TEST_NAME-$c | $HOOK down >/dev/null 2>&1"
done
caps='["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"]'
bundle "$WORK/b" '.process.args = ["sleep", "120"]
    | .process.capabilities = {"bounding": $caps, "effective": $caps, "permitted": $caps}
    | .hooks = {"createRuntime": [{"path": $hook, "args": ["box-net", "up"], "timeout": 10}],
                "poststop": [{"path": $hook, "args": ["box-net", "down"], "timeout": 10}]}' \
    --arg hook "$HOOK" --argjson caps "$caps"

for c in a b; do
    set +e; box run -d --bundle "$WORK/b" "$TEST_NAME-$c" > "$WORK/run.$c" 2>&1; RC=$?; set -e
    assert_eq 0 "$RC" "container $c starts with the network hook: $(cat "$WORK/run.$c")"
done
addr() { box exec "$TEST_NAME-$1" ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1; }
a=$(addr a); b=$(addr b)
assert_match '^10\.203\.0\.[0-9]+$' "$a" "container a has an address on box0"
assert_match '^10\.203\.0\.[0-9]+$' "$b" "container b has an address on box0"
run_rc box exec "$TEST_NAME-a" ping -c 1 -W 5 "$b"
assert_eq 0 "$RC" "a pings b"
run_rc box exec "$TEST_NAME-b" ping -c 1 -W 5 10.203.0.1
assert_eq 0 "$RC" "b pings the host end of box0"
assert_eq "" "$(box exec "$TEST_NAME-a" ip route | grep default || true)" "no default route: nothing outside is reachable"
host_a=boxh${a##*.}
assert_eq true "$(ip link show "$host_a" >/dev/null 2>&1 && echo true || echo false)" "the host end $host_a exists"
box delete --force "$TEST_NAME-a"
assert_eq false "$(ip link show "$host_a" >/dev/null 2>&1 && echo true || echo false)" "delete removed a's veth"
box delete --force "$TEST_NAME-b"
if [ -z "$(ls /run/box/net 2>/dev/null)" ]; then
    assert_eq false "$(ip link show box0 >/dev/null 2>&1 && echo true || echo false)" "box0 went with the last container"
fi

# --- a create that fails after box-net's createRuntime hook ran: its poststop half undoes it ---
mkdir -p "$WORK/c"
jq '.hooks.createRuntime += [{"path": "/bin/false"}]' "$WORK/b/config.json" > "$WORK/c/config.json"
run_rc box run --bundle "$WORK/c" "$TEST_NAME-c"
assert_eq 125 "$RC" "a createRuntime hook failing after box-net's fails the create"
assert_eq "" "$(grep -lx "$TEST_NAME-c" /run/box/net/* 2>/dev/null || true)" "its lease was given back (poststop ran)"
if [ -z "$(ls /run/box/net 2>/dev/null)" ]; then
    assert_eq false "$(ip link show box0 >/dev/null 2>&1 && echo true || echo false)" "and box0 went with that last lease"
fi
finish
