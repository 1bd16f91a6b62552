/*
 * assets.h — the files of each game that other programs serve: its docs for
 * bot authors, its starter bots and its replay viewer.
 *
 * They are compiled into cf_games (games/embed.cmake), so cf-web needs no
 * path to the source tree:
 *   "<game>/docs.md"              Markdown (also cf_game.docs)
 *   "<game>/templates/<file>.py"  starter bots; the first line of the module
 *                                 docstring is the template's description
 *   "<game>/web/viewer.js"        the replay viewer, an ES module (see
 *                                 docs/games.md for its interface)
 *   "<game>/web/<other>"          anything else the viewer needs
 */
#ifndef CF_ASSETS_H
#define CF_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cf_asset {
    const char *game;          /* game name */
    const char *path;          /* relative to the game's folder */
    const unsigned char *data; /* size bytes, followed by a NUL */
    size_t size;
} cf_asset;

/* Every asset, in a stable order; NULL past the end. */
const cf_asset *cf_asset_at(size_t index);
/* One asset by game and path ("templates/empty.py"); NULL if none. */
const cf_asset *cf_asset_find(const char *game, const char *path);
/* The MIME type to serve it with, from its extension. */
const char *cf_asset_mime(const cf_asset *asset);
/* Is it a starter bot (templates/<file>.py)? */
bool cf_asset_is_template(const cf_asset *asset);
/* The first line of a template's module docstring, into buf. Returns false
 * (buf = "") when the template has none. */
bool cf_template_description(const cf_asset *asset, char *buf, size_t len);

#endif
