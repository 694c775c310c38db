# Stage 05: linux.rootfsPropagation as runc does it. A host directory is bound into a running
# container; the host then mounts a tmpfs under it. With the default (rslave), with rslave and
# with --no-pivot (chroot) the container sees that mount; with rprivate it does not. A mount made inside the container
# never shows on the host (rslave), and does with rshared, which asks for it (so the check can
# see propagation when there is some).
# exercise: 05.2
. "$(dirname "$0")/lib.sh"
need_root
need_rootfs

box_setup
# The host's mounts may all be private (no systemd here): the test makes its own shared mount,
# a tmpfs on $WORK/shared, and binds $WORK/shared/vol into the containers.
SHARED=$WORK/shared
mkdir -p "$SHARED"
mount -t tmpfs -o size=1m "box-$TEST_NAME" "$SHARED"
on_cleanup "umount -R -l '$SHARED' 2>/dev/null"
mount --make-shared "$SHARED"
mkdir -p "$SHARED/vol"

# start_sleeper NAME FILTER [CREATE-OPTION]: create and start a container that sleeps, with
# $SHARED/vol bound on /tmp/vol (a tmpfs on /tmp holds the mount point: nothing is made in the
# shared rootfs) and CAP_SYS_ADMIN (for the mount made inside), config.json changed by FILTER.
start_sleeper() {
    bundle "$WORK/$1" '.process.args = ["sleep", "600"]
        | .process.capabilities |= (.bounding += ["CAP_SYS_ADMIN"] | .effective += ["CAP_SYS_ADMIN"] | .permitted += ["CAP_SYS_ADMIN"])
        | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]},
                      {"destination": "/tmp/vol", "type": "bind", "source": ($work + "/shared/vol"), "options": ["rbind"]}]
        | '"$2"
    box create ${3:-} --bundle "$WORK/$1" "$TEST_NAME-$1" > "$WORK/$1.out" 2>&1 || { cat "$WORK/$1.out"; fail "create $1"; return 1; }
    box start "$TEST_NAME-$1"
}

# host_mount_seen NAME: the host mounts a tmpfs on $SHARED/vol/NAME with a file in it, after the
# container started; prints what the container reads from that file (nothing if not seen).
host_mount_seen() {
    mkdir -p "$SHARED/vol/$1"
    mount -t tmpfs -o size=1m "box-$TEST_NAME-$1" "$SHARED/vol/$1"
    echo "host-made-$1" > "$SHARED/vol/$1/marker"
    run_rc box exec "$TEST_NAME-$1" cat "/tmp/vol/$1/marker"
    echo "$OUT"
    umount "$SHARED/vol/$1"
}

for prop in default rslave rprivate nopivot; do
    case $prop in
    default|nopivot) filter='del(.linux.rootfsPropagation)' ;;
    *) filter=".linux.rootfsPropagation = \"$prop\"" ;;
    esac
    start_sleeper "$prop" "$filter" "$([ $prop = nopivot ] && echo --no-pivot)" || continue
    seen=$(host_mount_seen "$prop")
    if [ $prop = rprivate ]; then
        assert_not_contains "host-made-$prop" "$seen" "rootfsPropagation rprivate: a mount the host makes later under a bound directory is not seen inside"
    else
        assert_eq "host-made-$prop" "$seen" "rootfsPropagation $prop: a mount the host makes later under a bound directory is seen inside"
    fi
    mi=$(box exec "$TEST_NAME-$prop" cat /proc/self/mountinfo)
    if [ $prop = rprivate ]; then
        assert_not_contains "master:" "$mi" "rootfsPropagation rprivate: no mount inside is a slave"
    else
        assert_match ' master:[0-9]+' "$(grep ' /tmp/vol ' <<<"$mi" || true)" "rootfsPropagation $prop: the bound directory is a slave of the host's mount"
    fi
done

# box exec into the --no-pivot container runs in its root (setns(2) alone would give the host's).
run_rc box exec "$TEST_NAME-nopivot" ls /
assert_eq "0 $(ls "$ROOTFS" | tr '\n' ' ')" "$RC $(tr '\n' ' ' <<<"$OUT")" "--no-pivot: box exec sees the rootfs as /, not the host's root"

# Under the rootfs too, when the rootfs is on a shared mount (systemd makes every mount shared):
# the rootfs bound on $SHARED/rootfs, the host mounts a tmpfs on its /home after start.
mkdir -p "$SHARED/rootfs"
mount --bind "$ROOTFS" "$SHARED/rootfs"
start_sleeper underroot '.root.path = ($work + "/shared/rootfs")' && {
    mount -t tmpfs -o size=1m "box-$TEST_NAME-home" "$SHARED/rootfs/home"
    echo host-made-home > "$SHARED/rootfs/home/marker"
    run_rc box exec "$TEST_NAME-underroot" cat /home/marker
    assert_eq "0 host-made-home" "$RC $OUT" "a mount the host makes later under the rootfs is seen inside"
    umount "$SHARED/rootfs/home"
}

# A mount made inside the container does not reach the host: rslave (the default) ...
mkdir -p "$SHARED/vol/inner"
run_rc box exec "$TEST_NAME-default" sh -c 'mount -t tmpfs -o size=1m box-inner /tmp/vol/inner && echo inside > /tmp/vol/inner/f && cat /tmp/vol/inner/f'
assert_eq "0 inside" "$RC $OUT" "the container (CAP_SYS_ADMIN) mounts a tmpfs on the bound directory"
assert_eq "" "$(awk -v m="$SHARED/vol/inner" '$5 == m' /proc/self/mountinfo)" "rslave: the container's mount does not show on the host"
assert_eq "" "$(ls -A "$SHARED/vol/inner")" "rslave: the host's directory under it is still empty"
# ... while rshared asks for exactly that (the check sees propagation when there is some). With
# rshared the container's copy of $SHARED is the host's peer: detaching the old root after
# pivot_root would unmount the host's $SHARED/keep too, were the old root not made a slave first.
mkdir -p "$SHARED/keep"
mount -t tmpfs -o size=1m "box-$TEST_NAME-keep" "$SHARED/keep"
start_sleeper rshared '.linux.rootfsPropagation = "rshared"' && {
    run_rc box exec "$TEST_NAME-rshared" sh -c 'mount -t tmpfs -o size=1m box-inner /tmp/vol/inner && echo inside > /tmp/vol/inner/f'
    assert_eq 0 "$RC" "the rshared container mounts a tmpfs on the bound directory"
    assert_eq "inside" "$(cat "$SHARED/vol/inner/f" 2>&1)" "rshared: the container's mount shows on the host"
    umount -l "$SHARED/vol/inner" || true
}
assert_eq "$SHARED/keep" "$(awk -v m="$SHARED/keep" '$5 == m {print $5}' /proc/self/mountinfo)" \
    "rshared: the host's mount under the shared directory survives the detach of the old root"

# Deleting the containers unmounts nothing of the host's: its shared tmpfs is still there.
for c in default rslave rprivate nopivot underroot rshared; do box delete --force "$TEST_NAME-$c" 2>/dev/null || true; done
assert_eq "$SHARED" "$(awk -v m="$SHARED" '$5 == m {print $5}' /proc/self/mountinfo)" "the host's mount is still there after delete"
assert_eq "" "$(ls -A "$STATE")" "no state left under --root"
umount -R -l "$SHARED"  # before finish: its leak check would count it
finish
