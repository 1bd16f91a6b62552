#!/usr/bin/env bash
# tests/build/all_builds.sh — every CMake build type with gcc and with clang,
# warnings as errors (about two minutes on two cores). CI builds one of these
# pairs (ctest build.clang_release) beside the sanitized gcc test build.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${1:-/tmp/cf-all-builds}
for cc in gcc clang; do
    for type in Debug Release RelWithDebInfo MinSizeRel; do
        "$src/tests/build/other_build.sh" "$src" "$out/$cc-$type" "$cc" "$type"
    done
done
