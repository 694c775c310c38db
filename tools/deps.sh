#!/bin/sh
# deps.sh LIST... — install the Debian packages named in tools/packages/LIST.txt that are
# missing. Idempotent and fast when nothing is missing (no apt-get update then).
set -eu
here=$(dirname "$0")
want=""
for list in "$@"; do
    want="$want $(sed 's/#.*//' "$here/packages/$list.txt")"
done
missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages:$missing — run as root, or: sudo apt-get install$missing" >&2
    exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
