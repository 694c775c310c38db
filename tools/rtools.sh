#!/bin/sh
# rtools.sh BUILD_DIR — build box-rtools (tools/rtools/, the runtime-spec validations written on
# Debian's runtime-tools library packages) into BUILD_DIR/bin/box-rtools. Offline: GOPATH mode
# against /usr/share/gocode (the -dev packages of tools/packages/extra-rtools.txt). The Go
# cache lives in BUILD_DIR/go-cache, so a second run with nothing changed takes a second.
# Exit 77 when Go or the packages are missing (with the install line).
set -eu
src=$(cd "$(dirname "$0")/rtools" && pwd)
build=$(cd "${1:?usage: rtools.sh BUILD_DIR}" && pwd)
gocode=${RTOOLS_GOCODE:-/usr/share/gocode}  # (overridable to test the skip)
if ! command -v go >/dev/null || [ ! -d $gocode/src/github.com/opencontainers/runtime-tools/generate ]; then
    echo "rtools: needs Go and Debian's runtime-tools library: tools/deps.sh extra-rtools (as root)" >&2
    exit 77
fi
gocache=${BOX_GOCACHE:-$build/go-cache}  # workshop-student's copy of the tree shares the suite's
mkdir -p "$build/bin" "$gocache"
cd "$src"
GOENV=off GO111MODULE=off GOPATH=$gocode GOCACHE="$gocache" GOFLAGS= CGO_ENABLED=0 \
    go build -trimpath -o "$build/bin/box-rtools.new" .
mv "$build/bin/box-rtools.new" "$build/bin/box-rtools"
