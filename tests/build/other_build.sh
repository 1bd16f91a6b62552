#!/usr/bin/env bash
# tests/build/other_build.sh — the project also builds, warnings as errors,
# with the other compiler and another build type than the test build's:
#
#   other_build.sh SOURCE_DIR BUILD_DIR COMPILER BUILD_TYPE
#
# Configures and builds everything (services, tools, tests, benchmarks) from
# scratch in BUILD_DIR; fails on the first warning (-Werror is in the root
# CMakeLists.txt for every build type). docs/testing.md lists the pairs CI
# builds; a developer checks all of them with tests/build/all_builds.sh.
set -euo pipefail
src=$1 dir=$2 cc=$3 type=$4
command -v "$cc" >/dev/null || { echo "other_build: $cc is not installed" >&2; exit 1; }
mkdir -p "$(dirname "$dir")"
rm -rf "$dir"
log=$dir.log
echo "other_build: $cc $type in $dir"
# Not `if ! { ...; } >"$log"`: bash skips both branches when that
# redirection fails, and the build would pass without having run.
if CC=$cc cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE="$type" >"$log" 2>&1 &&
    cmake --build "$dir" -j "$(nproc)" >>"$log" 2>&1; then
    rm -rf "$dir" "$log"
    echo "other_build: $cc $type: built, no warning"
    exit 0
fi
{ grep -E 'error|warning' "$log" | head -n 40 || tail -n 40 "$log"; } >&2 || true
echo "other_build: FAIL: $cc $type (full log: $log)" >&2
exit 1
