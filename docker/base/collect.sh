#!/bin/sh
# docker/base/collect.sh — run in a Dockerfile's build stage:
#
#   collect.sh BUILD_DIR OUT_DIR PROGRAM...
#
# Copies each PROGRAM (an executable target of the CMake build) to
# OUT_DIR/bin, stripped, and writes OUT_DIR/runtime-packages: the Debian
# packages owning every shared library they load. The runtime stage installs
# exactly those, so an image follows the project's linkage by itself.
set -eu
build=$1 out=$2
shift 2
mkdir -p "$out/bin"
for prog in "$@"; do
    found=$(find "$build" -path '*/CMakeFiles' -prune -o -type f -name "$prog" -perm -u+x -print)
    [ "$(printf '%s\n' "$found" | grep -c .)" = 1 ] || {
        echo "collect.sh: expected one built $prog in $build, found: ${found:-none}" >&2
        exit 1
    }
    cp "$found" "$out/bin/$prog"
    strip --strip-unneeded "$out/bin/$prog"
done
# Owner package of a library: dpkg knows one spelling of the path, which on a
# merged-/usr system may be the /lib or the /usr/lib one.
owner() {
    for p in "$1" "$(readlink -f "$1")"; do
        for q in "$p" "${p#/usr}" "/usr$p"; do
            pkg=$(dpkg -S "$q" 2>/dev/null | head -n 1 | cut -d: -f1)
            [ -z "$pkg" ] || { echo "$pkg"; return 0; }
        done
    done
    echo "collect.sh: no package owns $1" >&2
    return 1
}
: >"$out/runtime-packages.tmp"
for lib in $(ldd "$out"/bin/* | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u); do
    owner "$lib" >>"$out/runtime-packages.tmp"
done
sort -u "$out/runtime-packages.tmp" >"$out/runtime-packages"
rm -f "$out/runtime-packages.tmp"
echo "collect.sh: $* need: $(tr '\n' ' ' <"$out/runtime-packages")" >&2
