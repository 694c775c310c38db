# Stage 05: the config.json fields the lifecycle test does not cover, each confirmed from inside:
# domainname, mount flags and propagation, a cgroup mount, linux.sysctl (and the sysctls it
# refuses), rootfsPropagation, linux.devices, consoleSize, namespaces joined by path,
# annotations in the state, ambient capabilities, and the LSM fields this kernel cannot honour.
# exercise: 05.1
# exercise: 05.2
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs
need_cmd python3

box_setup
# mountinfo_of OUT MOUNTPOINT: the mountinfo line of MOUNTPOINT in $OUT (a `cat /proc/self/mountinfo`).
mountinfo_of() { printf '%s\n' "$OUT" | awk -v m="$1" '$5 == m' | tail -n 1; }

# --- domainname; mounts with flags, propagation and a cgroup mount; rootfsPropagation ---
mkdir -p "$WORK/data" && echo from-the-host > "$WORK/data/file"
# The new mount points are made inside a tmpfs on /tmp, never in the shared rootfs.
bundle "$WORK/m" '.domainname = "box.example" | .linux.rootfsPropagation = "shared" | .root.readonly = false
    | .process.args = ["sh", "-c", "/bin/box-probe --json hostname files /tmp/srv/file /tmp/srv /tmp/home /tmp/mnt > /tmp/p; cat /tmp/srv/file /proc/self/mountinfo; tail -n 1 /tmp/p"]
    | .mounts |= map(select(.destination != "/tmp"))
    | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]},
                  {"destination": "/tmp/srv", "type": "bind", "source": ($work + "/data"), "options": ["rbind", "ro", "nosuid", "nodev"]},
                  {"destination": "/tmp/home", "type": "tmpfs", "source": "tmpfs", "options": ["noexec", "nosuid", "size=1m", "mode=0750", "shared"]},
                  {"destination": "/tmp/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "size=1m"]},
                  {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro", "nosuid", "noexec", "nodev"]}]'
run_rc box run --bundle "$WORK/m" "$TEST_NAME-m"
assert_eq 0 "$RC" "a config with extra mounts runs"
assert_eq box.example "$(json .hostname.domainname)" "domainname (the NIS domain name of the new uts namespace)"
assert_contains from-the-host "$OUT" "a bind mount: the host's file is there"
assert_eq EROFS "$(json '.files.files["/tmp/srv"].write')" "bind + ro: read-only inside"
assert_match '(^| )ro,.*nosuid.*nodev|nodev.*nosuid' "$(mountinfo_of /tmp/srv | cut -d' ' -f6)" "bind + ro,nosuid,nodev: the flags are on the mount"
home=$(mountinfo_of /tmp/home)
assert_match '(^|,)noexec(,|$)' "$(cut -d' ' -f6 <<<"$home")" "tmpfs + noexec"
assert_match '(^|,)nosuid(,|$)' "$(cut -d' ' -f6 <<<"$home")" "tmpfs + nosuid"
assert_match ' shared:[0-9]+' "$home" "the \"shared\" propagation option makes the mount shared"
assert_eq "0750 OK" "$(json '"\(.files.files["/tmp/home"].mode) \(.files.files["/tmp/home"].write)"')" "tmpfs data (mode=0750) reaches mount(2)"
assert_eq EROFS "$(json '.files.files["/tmp/mnt"].write')" "tmpfs + ro: read-only"
assert_match '^ro(,|$)' "$(mountinfo_of /sys/fs/cgroup | cut -d' ' -f6)" "a cgroup mount: the cgroup tree, read-only"
assert_match ' shared:[0-9]+' "$(mountinfo_of /)" "rootfsPropagation shared: / is a shared mount"

# --- linux.sysctl: set in the container's own namespaces, the host's values untouched ---
host_forward=$(cat /proc/sys/net/ipv4/ip_forward)
host_msgmax=$(cat /proc/sys/kernel/msgmax)
want_forward=$((1 - host_forward))
bundle "$WORK/s" '.linux.sysctl = {"net.ipv4.ip_forward": "'$want_forward'", "kernel.msgmax": "4321"}
    | .process.args = ["sh", "-c", "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax"]'
run_rc box run --bundle "$WORK/s" "$TEST_NAME-s"
assert_eq 0 "$RC" "a config with linux.sysctl runs"
assert_eq "$want_forward 4321" "$(echo $OUT)" "the container sees its sysctls (net.ipv4.ip_forward, kernel.msgmax)"
assert_eq "$host_forward $host_msgmax" "$(cat /proc/sys/net/ipv4/ip_forward) $(cat /proc/sys/kernel/msgmax)" \
    "the host's values are unchanged"
host_overcommit=$(cat /proc/sys/vm/overcommit_memory)
bundle "$WORK/s2" '.linux.sysctl = {"vm.overcommit_memory": "1"}'
expect_error 65 "\.linux\.sysctl\.vm\.overcommit_memory: 'vm\.overcommit_memory' is not kept apart by any namespace" \
    box run --bundle "$WORK/s2" "$TEST_NAME-s2"
assert_eq "$host_overcommit" "$(cat /proc/sys/vm/overcommit_memory)" "a host-wide sysctl is refused, not written"
bundle "$WORK/s3" '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.namespaces |= map(select(.type != "network"))'
expect_error 65 "'net\.ipv4\.ip_forward' is kept per network namespace: add" box run --bundle "$WORK/s3" "$TEST_NAME-s3"

# --- linux.devices: a node with the config's numbers, mode and owner ---
bundle "$WORK/d" '.linux.devices = [{"path": "/dev/boxnull", "type": "c", "major": 1, "minor": 3, "fileMode": 384, "uid": 5, "gid": 6}]
    | .process.args = ["/bin/box-probe", "--json", "files", "/dev/boxnull"]'
run_rc box run --bundle "$WORK/d" "$TEST_NAME-d"
assert_eq 0 "$RC" "a config with linux.devices runs"
assert_eq "char 1:3 0600 5 6" "$(json '.files.files["/dev/boxnull"] | "\(.type) \(.dev) \(.mode) \(.uid) \(.gid)"')" \
    "linux.devices: type, major:minor, fileMode, uid, gid"

# --- process.consoleSize: the pty has the config's size ---
bundle "$WORK/c" '.process.terminal = true | .process.consoleSize = {"height": 31, "width": 101}
    | .process.args = ["stty", "size"]'
python3 "$BOX_SRC/tests/integration/console-socket.py" "$WORK/console.sock" > "$WORK/console.out" &
cons=$!
for _ in $(seq 100); do [ -S "$WORK/console.sock" ] && break; sleep 0.05; done
run_rc box run --bundle "$WORK/c" --console-socket "$WORK/console.sock" "$TEST_NAME-c"
assert_eq 0 "$RC" "a terminal container with consoleSize runs"
wait $cons || true
assert_match '^/dev/pts/[0-9]+ 31 101' "$(cat "$WORK/console.out")" "process.consoleSize: stty size inside says 31 101"

# --- namespaces joined by path: a second container shares the first one's uts, ipc and net ---
bundle "$WORK/a" '.process.args = ["sleep", "600"] | .hostname = "first"
    | .annotations = {"org.example.owner": "05-config", "org.example.n": "1"}'
box create --bundle "$WORK/a" "$TEST_NAME-a" > "$WORK/a.out" 2>&1
box start "$TEST_NAME-a"
apid=$(box state "$TEST_NAME-a" | jq -r .pid)
assert_eq '{"org.example.n":"1","org.example.owner":"05-config"}' "$(box state "$TEST_NAME-a" | jq -c .annotations)" \
    "annotations are in the state"
bundle "$WORK/j" 'del(.hostname) | .linux.namespaces |= map(if (.type == "uts" or .type == "ipc" or .type == "network")
        then .path = "/proc/'$apid'/ns/" + (if .type == "network" then "net" else .type end) else . end)
    | .process.args = ["/bin/box-probe", "--json", "ns", "hostname"]'
run_rc box run --bundle "$WORK/j" "$TEST_NAME-j"
assert_eq 0 "$RC" "a container joining another's namespaces by path runs"
for ns in uts ipc net; do
    assert_eq "$(stat -L -c %i /proc/$apid/ns/$ns)" "$(json ".ns.$ns")" "joined the first container's $ns namespace"
done
assert_eq first "$(json .hostname.hostname)" "and sees its hostname"
assert_eq false "$([ "$(json .ns.mnt)" = "$(stat -L -c %i /proc/$apid/ns/mnt)" ] && echo true || echo false)" \
    "its mount namespace is still its own"
box delete --force "$TEST_NAME-a"
bundle "$WORK/j2" '.linux.namespaces += [{"type": "cgroup", "path": "/nonexistent/ns"}]'
run_rc box run --bundle "$WORK/j2" "$TEST_NAME-j2"
assert_eq "1" "$([ "$RC" != 0 ] && echo 1)" "a namespace path that does not exist fails"
assert_contains '/nonexistent/ns' "$OUT" "and names the path"

# --- ambient capabilities: a non-root user keeps the capability the config gives it ---
bundle "$WORK/amb" '.process.user = {"uid": 1000, "gid": 1000}
    | .process.capabilities = {"bounding": ["CAP_NET_BIND_SERVICE"], "effective": ["CAP_NET_BIND_SERVICE"],
        "inheritable": ["CAP_NET_BIND_SERVICE"], "permitted": ["CAP_NET_BIND_SERVICE"], "ambient": ["CAP_NET_BIND_SERVICE"]}
    | .process.args = ["/bin/box-probe", "--json", "caps", "ids"]'
run_rc box run --bundle "$WORK/amb" "$TEST_NAME-amb"
assert_eq 0 "$RC" "a config with ambient capabilities runs"
assert_eq '1000 ["CAP_NET_BIND_SERVICE"] ["CAP_NET_BIND_SERVICE"]' \
    "$(json '"\(.ids.uid) \(.caps.effective | tostring) \(.caps.ambient | tostring)"')" \
    "uid 1000 holds CAP_NET_BIND_SERVICE, effective and ambient"

# --- the LSM fields: refused clearly on a kernel without that LSM, nothing made ---
lsms=$(cat /sys/kernel/security/lsm 2>/dev/null || true)
if [[ $lsms != *apparmor* ]]; then
    bundle "$WORK/aa" '.process.apparmorProfile = "docker-default"'
    expect_error 69 "\.process\.apparmorProfile: this kernel has no AppArmor" box run --bundle "$WORK/aa" "$TEST_NAME-aa"
fi
if [[ $lsms != *selinux* ]]; then
    bundle "$WORK/se" '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
    expect_error 69 "\.process\.selinuxLabel: this kernel has no SELinux" box run --bundle "$WORK/se" "$TEST_NAME-se"
fi

# --- changes to config.json after create do not affect the container (runtime.md, create) ---
printf '#!/bin/sh\necho "$1" >> %s/marks\n' "$WORK" > "$WORK/mark" && chmod +x "$WORK/mark"
bundle "$WORK/u" '.process.args = ["sleep", "600"] | .process.env = ["PATH=/bin", "WHEN=create"]
    | .hooks = {"poststart": [{"path": ($work + "/mark"), "args": ["mark", "poststart-at-create"]}],
                "poststop": [{"path": ($work + "/mark"), "args": ["mark", "poststop-at-create"]}]}'
box create --bundle "$WORK/u" "$TEST_NAME-u" > "$WORK/u.out" 2>&1
jq --arg work "$WORK" '.process.env = ["PATH=/bin", "WHEN=later"]
    | .hooks = {"poststart": [{"path": ($work + "/mark"), "args": ["mark", "poststart-later"]}],
                "poststop": [{"path": ($work + "/mark"), "args": ["mark", "poststop-later"]}]}
    | .linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO"}' "$WORK/u/config.json" > "$WORK/u/c.json"
mv "$WORK/u/c.json" "$WORK/u/config.json"
box start "$TEST_NAME-u"
run_rc box exec "$TEST_NAME-u" sh -c 'echo $WHEN'
assert_eq "0 create" "$RC $OUT" "exec uses the process (and seccomp) of the config create read"
box delete --force "$TEST_NAME-u"
assert_eq "poststart-at-create poststop-at-create" "$(echo $(cat "$WORK/marks"))" \
    "start and delete run the hooks of the config create read, not the changed file's"

# --- a startContainer hook runs under the container's seccomp filter: one without pidfd_open ---
bundle "$WORK/sc" '.process.args = ["cat", "/dev/shm/hook"]
    | .hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "echo hook-ran > /dev/shm/hook"]}]}
    | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
                        "syscalls": [{"names": ["pidfd_open"], "action": "SCMP_ACT_ERRNO"}]}'
run_rc box run --bundle "$WORK/sc" "$TEST_NAME-sc"
assert_eq "0 hook-ran" "$RC $OUT" "a startContainer hook runs and is waited for where the filter denies pidfd_open"

assert_eq "" "$(state_left)" "no state left under --root (the seccomp cache aside)"
finish
