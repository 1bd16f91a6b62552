#!/usr/bin/env bash
# web/passwords/generate.sh [VERSION] — writes common.txt and LICENSE again
# from the npm package @zxcvbn-ts/language-common (MIT; default 4.1.3, the
# version the committed list comes from): its src/passwords.json, the most
# common passwords of leaked lists by frequency. Kept: those of 8 to 256
# bytes (shorter ones are refused by their length already), lower-cased,
# without duplicates, sorted by byte (LC_ALL=C), one a line: the order
# password_list.c's binary search needs. Needs npm and node; the build
# does not (the list is committed).
set -euo pipefail
version=${1:-4.1.3}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@zxcvbn-ts/language-common@$version" >/dev/null && tar xzf ./*.tgz)
node -e '
const words = require(process.argv[1]);
const out = new Set();
for (const w of words) {
  const l = w.toLowerCase();
  const n = Buffer.byteLength(l);
  if (n >= 8 && n <= 256 && !/[\n\r]/.test(l)) out.add(l);
}
process.stdout.write([...out].join("\n") + "\n");
' "$tmp/package/src/passwords.json" | LC_ALL=C sort -u >"$here/common.txt"
cp "$tmp/package/LICENSE.txt" "$here/LICENSE"
echo "common.txt: $(wc -l <"$here/common.txt") passwords from @zxcvbn-ts/language-common@$version"
