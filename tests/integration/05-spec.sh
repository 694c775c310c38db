# Stage 05 against requirements of the runtime spec that the runtime-tools validations
# (05-runtime-tools) found broken: one section per fix, checked here with the probe.
# exercise: 05.2
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
need_cmd jq

box_setup

# --- a user namespace whose maps leave the host's uid 0 out (linux_uid_mappings) ---
# The child must become uid 0 of the namespace before it mounts: as host root it is unmapped
# there, and mkdir("/dev/pts") in the new /dev failed with EOVERFLOW.
bundle "$WORK/userns" '.process.args = ["/bin/box-probe", "--json", "ids"]
    | .linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
run_rc box run --bundle "$WORK/userns" "$TEST_NAME-userns"
assert_eq 0 "$RC" "a user namespace mapping 0 to 100000 runs: $(head -n 1 <<<"$OUT")"
assert_eq "0 100000 65536" "$(json '.ids.uid_map[0] | split(" ") | map(select(. != "")) | join(" ")')" "the config's uid_map"
assert_eq "0 0" "$(json '"\(.ids.uid) \(.ids.gid)"')" "the program is uid and gid 0 of the namespace"

# --- hostname and sysctls without a namespace of the container's own (validate's CheckLinux) ---
# box used to set them in the namespaces it inherited: the host's hostname changed. Run in a
# uts and network namespace of this test's own, so a regression changes nothing of the machine's.
need_cmd unshare "util-linux"
bundle "$WORK/nouts" '.process.args = ["true"] | .linux.namespaces |= map(select(.type != "uts" and .type != "network"))'
jq '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | del(.hostname)' "$WORK/nouts/config.json" > "$WORK/nonet.json"
mkdir -p "$WORK/nonet" && mv "$WORK/nonet.json" "$WORK/nonet/config.json"
# (the machine's own value: were it written after all, nothing would change)
jq --arg v "$(cat /proc/sys/vm/swappiness)" '.linux.sysctl = {"vm.swappiness": $v}' "$WORK/nonet/config.json" > "$WORK/vm.json"
mkdir -p "$WORK/vm" && mv "$WORK/vm.json" "$WORK/vm/config.json"
sandbox() { unshare --uts --net sh -c 'hostname box-spec-sandbox; "$@"; rc=$?; echo "sandbox: $(hostname) $(cat /proc/sys/net/ipv4/ip_forward)"; exit $rc' sh "$@"; }
run_rc sandbox "$BOX" --root "$STATE" run --bundle "$WORK/nouts" "$TEST_NAME-nouts"
assert_eq 65 "$RC" "hostname without a uts namespace is refused"
assert_eq "box: error: $WORK/nouts/config.json: .hostname: needs the container's own uts namespace, or it would change the host's: add {\"type\": \"uts\"} to .linux.namespaces" \
    "$(head -n 1 <<<"$OUT")" "the error names .hostname and the fix"
assert_contains "sandbox: box-spec-sandbox 0" "$OUT" "the runtime's hostname and ip_forward did not change"
run_rc sandbox "$BOX" --root "$STATE" run --bundle "$WORK/nonet" "$TEST_NAME-nonet"
assert_eq 65 "$RC" "a net.* sysctl without a network namespace is refused"
assert_contains ".linux.sysctl.net.ipv4.ip_forward: 'net.ipv4.ip_forward' is kept per network namespace" "$OUT" "and named"
assert_contains "sandbox: box-spec-sandbox 0" "$OUT" "the runtime's ip_forward did not change"
run_rc "$BOX" --root "$STATE" run --bundle "$WORK/vm" "$TEST_NAME-vm"
assert_eq 65 "$RC" "a sysctl of the whole machine is refused"
assert_contains ".linux.sysctl.vm.swappiness: 'vm.swappiness' is not kept apart by any namespace" "$OUT" "and named"
assert_eq "" "$(ls "$STATE")" "nothing is left of the refused containers"

# --- linux.devices: a file at the path that is not the device is an error (DevicesFileNotMatch) ---
# box used to keep whatever was there (a plain file stood in for /dev/null). The bundle's own
# rootfs: a copy of the shared one, with a plain file where the config wants a device.
mkdir -p "$WORK/dev" && cp -a "$ROOTFS" "$WORK/dev/rootfs" && echo "not a device" > "$WORK/dev/rootfs/home/boxdev"
bundle "$WORK/dev" '.root.path = "rootfs" | .process.args = ["/bin/box-probe", "--json", "files", "/home/boxdev"]
    | .linux.devices = [{"path": "/dev/boxnull", "type": "c", "major": 1, "minor": 3}, {"path": "/home/boxdev", "type": "c", "major": 1, "minor": 3}]'
run_rc box run --bundle "$WORK/dev" "$TEST_NAME-dev"
assert_eq 65 "$RC" "a plain file where linux.devices wants a device is refused"
assert_eq "box: error: config.json: .linux.devices[1]: the rootfs has a file at its path that is not the device 1:3" \
    "$(head -n 1 <<<"$OUT")" "the error names the entry"
rm "$WORK/dev/rootfs/home/boxdev" && mknod -m 666 "$WORK/dev/rootfs/home/boxdev" c 1 3
run_rc box run --bundle "$WORK/dev" "$TEST_NAME-dev2"
assert_eq "0 char 1:3" "$RC $(json '.files.files["/home/boxdev"] | "\(.type) \(.dev)"')" "the same device already there is fine"

finish
