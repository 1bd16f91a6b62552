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
rm -rf "$dir"
log=$dir.log
echo "other_build: $cc $type in $dir"
if ! { CC=$cc cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE="$type" &&
       cmake --build "$dir" -j "$(nproc)"; } >"$log" 2>&1; then
    grep -E 'error|warning' "$log" | head -n 40 >&2 || tail -n 40 "$log" >&2
    echo "other_build: FAIL: $cc $type (full log: $log)" >&2
    exit 1
fi
rm -rf "$dir" "$log"
echo "other_build: $cc $type: built, no warning"
