#!/bin/sh
# initramfs.sh OUT [ITEM]... — make an initramfs (an uncompressed newc cpio archive) for run.sh.
#
# The items are applied in order, a later one overwriting an earlier one at the same path:
#   --init FILE        the guest's /init (the kernel runs it as PID 1)
#   --busybox FILE     a static busybox as /bin/busybox, with a link per applet (default:
#                      /bin/busybox, always added first; busybox-static is in build.txt)
#   --dir SRC DEST     copy the tree SRC to DEST (symlinks kept as they are)
#   --file SRC DEST    copy one file to DEST
#   --elf PROG DEST    copy the program PROG to DEST without its debug info, and for a
#                      dynamically linked one every shared library `ldd PROG` lists, and the
#                      loader, at the same paths
# Every file is owned by root in the archive, so building one needs no privilege. It is not
# compressed: under TCG the kernel would spend longer decompressing it than reading it.
# Exit 0 (OUT written atomically), 64 for bad usage, 66 for a missing input, 1 otherwise.
set -eu
usage() { sed -n '2,15s/^# \{0,1\}//p' "$0" >&2; exit 64; }
missing() { echo "initramfs: $1: no such file: $2" >&2; exit 66; }
[ $# -ge 1 ] || usage
out=$1
shift
stage=$(mktemp -d "${TMPDIR:-/tmp}/box-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$stage/bin" "$stage/sbin" "$stage/usr/bin" "$stage/usr/sbin" "$stage/dev" \
    "$stage/proc" "$stage/sys" "$stage/tmp" "$stage/root" "$stage/etc"

put() { # put SRC DEST: copy one file (following symlinks) to DEST inside the archive
    mkdir -p "$stage$(dirname "$2")"
    rm -f "$stage$2"
    cp -L "$1" "$stage$2"
}
busybox() {
    [ -f "$1" ] || missing --busybox "$1"
    if readelf -l "$1" 2>/dev/null | grep -q INTERP; then
        echo "initramfs: $1 is dynamically linked: install busybox-static" >&2
        exit 1
    fi
    put "$1" /bin/busybox
    for applet in $("$stage/bin/busybox" --list-full); do
        [ -e "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
    done
}
elf() {
    [ -f "$1" ] || missing --elf "$1"
    put "$1" "$2"
    strip --strip-debug "$stage$2" 2>/dev/null || true # debug info is most of a RelWithDebInfo build
    readelf -l "$1" 2>/dev/null | grep -q INTERP || return 0
    for lib in $(ldd "$1" | sed -n 's,.*=> \(/[^ ]*\).*,\1,p; s,^[[:space:]]*\(/[^ ]*\).*,\1,p'); do
        [ -e "$stage$lib" ] || put "$lib" "$lib"
    done
}

busybox /bin/busybox
while [ $# -gt 0 ]; do
    case $1 in
    --init) [ $# -ge 2 ] || usage; [ -f "$2" ] || missing --init "$2"; put "$2" /init; chmod 755 "$stage/init"; shift 2 ;;
    --busybox) [ $# -ge 2 ] || usage; busybox "$2"; shift 2 ;;
    --dir) [ $# -ge 3 ] || usage; [ -d "$2" ] || missing --dir "$2"
        mkdir -p "$stage$3"; cp -a "$2/." "$stage$3/"; shift 3 ;;
    --file) [ $# -ge 3 ] || usage; [ -f "$2" ] || missing --file "$2"; put "$2" "$3"; shift 3 ;;
    --elf) [ $# -ge 3 ] || usage; elf "$2" "$3"; shift 3 ;;
    *) usage ;;
    esac
done
[ -e "$stage/init" ] || { echo "initramfs: no /init: give --init FILE" >&2; exit 64; }
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
