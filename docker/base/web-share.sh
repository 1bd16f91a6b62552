#!/bin/sh
# docker/base/web-share.sh — run in the build stage (docker/build/Dockerfile):
#
#   web-share.sh SRC_DIR OUT_DIR
#
# Gathers the files cf-web serves and cf-migrate applies, as the web image
# keeps them under /usr/share/codefights: static/ (the front end),
# games/<name>/ (each game's web/, templates/ and docs.md) and
# migrations/<part>/ (db, web, result_processor).
set -eu
src=$1 out=$2
mkdir -p "$out/migrations" "$out/games"
for d in db web result_processor; do
    mkdir -p "$out/migrations/$d"
    if [ -d "$src/$d/migrations" ]; then cp -r "$src/$d/migrations/." "$out/migrations/$d/"; fi
done
for g in "$src"/games/*/; do
    n=$(basename "$g")
    [ -f "$g/docs.md" ] || continue # not a game (the API's own folders)
    mkdir -p "$out/games/$n"
    for part in web templates docs.md; do
        if [ -e "$g$part" ]; then cp -r "$g$part" "$out/games/$n/"; fi
    done
done
cp -r "$src/web/static" "$out/static"
