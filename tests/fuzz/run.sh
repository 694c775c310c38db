#!/bin/bash
# tests/fuzz/run.sh [SECONDS] — fuzz stage 05's config.json parser with libFuzzer.
#
# Builds parse_config() (05-full-runtime/oci.cpp and the core it needs) with clang++ and
# -fsanitize=fuzzer,address,undefined into $BOX_BUILD/fuzz/box-fuzz-oci (rebuilt only when a
# source changed), then fuzzes for SECONDS (default 20) from tests/fuzz/corpus. The target
# (tests/fuzz/oci_config.cpp) accepts a parse or a box::InputError; a crash, a sanitizer report,
# any other exception or a hang fails, and the input that did it is kept in $BOX_BUILD/fuzz/.
# Exit 77 when clang++ or its libFuzzer is missing (tools/packages/extra-fuzz.txt).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
BOX_BUILD=${BOX_BUILD:-$src/build}
seconds=${1:-20}
out=$BOX_BUILD/fuzz
bin=$out/box-fuzz-oci
command -v clang++ >/dev/null || { echo "SKIP: needs clang++ with libFuzzer (tools/deps.sh extra-fuzz)"; exit 77; }
mkdir -p "$out"
sources=("$src/tests/fuzz/oci_config.cpp" "$src/05-full-runtime/oci.cpp" "$src/core/error.cpp")
newest=$(ls -t "${sources[@]}" "$src/05-full-runtime/oci.hpp" "$src/core/error.hpp" "$0" | head -n 1)
if [ ! -x "$bin" ] || [ "$newest" -nt "$bin" ]; then
    echo "fuzz: building $bin with clang++"
    if ! clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$src/core" -I"$src/05-full-runtime" "${sources[@]}" -lfmt -o "$bin.new" 2> "$out/build.log"; then
        if grep -q "fuzzer" "$out/build.log" && grep -qi "cannot find\|no such file" "$out/build.log"; then
            echo "SKIP: clang++ has no libFuzzer runtime (tools/deps.sh extra-fuzz)"; exit 77
        fi
        cat "$out/build.log"; echo "FAIL: the fuzz target does not build"; exit 1
    fi
    mv "$bin.new" "$bin"
fi
corpus=$(mktemp -d /tmp/box-fuzz.XXXXXX)   # new inputs libFuzzer finds go here, not into the repo
trap 'rm -rf "$corpus"' EXIT
cp "$src"/tests/fuzz/corpus/* "$corpus"/
echo "fuzz: $seconds s from $(ls "$src/tests/fuzz/corpus" | wc -l) seed inputs"
if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="$out/" "$corpus" > "$out/fuzz.log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^Done' "$out/fuzz.log" || true
    echo "ok: no crash, sanitizer report or unexpected exception in $seconds s"
else
    tail -n 40 "$out/fuzz.log"
    echo "FAIL: the parser crashed on an input; it is kept as $(ls -t "$out"/crash-* "$out"/timeout-* "$out"/oom-* 2>/dev/null | head -n 1)"
    exit 1
fi
