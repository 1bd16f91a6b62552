#!/usr/bin/env bash
# Every C file of the project in the one style of .clang-format: prints the
# files that differ (and how) and fails on any. Apply the style with
#   clang-format -i $(git ls-files '*.c' '*.h')
set -euo pipefail
src=${1:?usage: format_check.sh SOURCE_DIR}
cd "$src"
command -v clang-format >/dev/null || { echo "clang-format is not installed"; exit 1; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.c' '*.h')
else
    mapfile -t files < <(find . -path ./build -prune -o -path ./.run -prune -o \
                             \( -name '*.c' -o -name '*.h' \) -print)
fi
[ "${#files[@]}" -gt 0 ] || { echo "no C files found under $src"; exit 1; }
bad=0
for f in "${files[@]}"; do
    [ -f "$f" ] || continue # deleted in the work tree
    if ! out=$(clang-format --dry-run --Werror "$f" 2>&1); then
        echo "$out" | head -20
        bad=$((bad + 1))
    fi
done
if [ "$bad" -gt 0 ]; then
    echo "$bad of ${#files[@]} C files are not in the style of .clang-format"
    exit 1
fi
echo "${#files[@]} C files in the style of .clang-format"
