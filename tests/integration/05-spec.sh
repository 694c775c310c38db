# Stage 05 against requirements of the runtime spec that the runtime-tools validations
# (05-runtime-tools) found broken: one section per fix, checked here with the probe.
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

finish
