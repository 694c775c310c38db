#!/bin/sh
# test-build.sh BUILD — the docs-build test: the site builds with Doxygen and not one warning
# (WARN_AS_ERROR = FAIL_ON_WARNINGS in Doxyfile.in, and site.py's link and include checks).
# Exit 77 (skipped, with the reason) when doxygen or graphviz is not installed.
set -eu
build=${1:?usage: test-build.sh BUILD}
for p in doxygen:doxygen dot:graphviz; do
    command -v "${p%%:*}" >/dev/null || { echo "SKIP: needs ${p%%:*}: apt-get install ${p#*:} (tools/packages/extra-docs.txt)"; exit 77; }
done
cmake --build "$build" --target docs
test -s "$build/docs/html/index.html" || { echo "FAIL: no $build/docs/html/index.html after the build"; exit 1; }
echo "docs-build: the site is at $build/docs/html/index.html"
