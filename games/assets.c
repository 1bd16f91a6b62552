/*
 * assets.c — lookups over the table games/embed.cmake generates.
 */
#include <string.h>

#include "assets.h"

extern const cf_asset cf_assets_table[];

const cf_asset *cf_asset_at(size_t index)
{
    for (size_t i = 0; cf_assets_table[i].game != NULL; i++)
        if (i == index)
            return &cf_assets_table[i];
    return NULL;
}

const cf_asset *cf_asset_find(const char *game, const char *path)
{
    if (game == NULL || path == NULL)
        return NULL;
    for (size_t i = 0; cf_assets_table[i].game != NULL; i++)
        if (strcmp(cf_assets_table[i].game, game) == 0 &&
            strcmp(cf_assets_table[i].path, path) == 0)
            return &cf_assets_table[i];
    return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

const char *cf_asset_mime(const cf_asset *asset)
{
    static const struct {
        const char *ext, *mime;
    } types[] = {
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".html", "text/html; charset=utf-8"},
        {".json", "application/json"},
        {".md", "text/markdown; charset=utf-8"},
        {".py", "text/x-python; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (ends_with(asset->path, types[i].ext))
            return types[i].mime;
    return "application/octet-stream";
}

bool cf_asset_is_template(const cf_asset *asset)
{
    return strncmp(asset->path, "templates/", 10) == 0 && ends_with(asset->path, ".py") &&
           strchr(asset->path + 10, '/') == NULL;
}

bool cf_template_description(const cf_asset *asset, char *buf, size_t len)
{
    if (len == 0)
        return false;
    buf[0] = '\0';
    const char *p = (const char *)asset->data;
    while (*p == '\n' || *p == '\r' || *p == ' ')
        p++;
    if (strncmp(p, "\"\"\"", 3) != 0 && strncmp(p, "'''", 3) != 0)
        return false;
    char quote = p[0];
    p += 3;
    while (*p == ' ')
        p++;
    size_t n = 0;
    /* up to the end of the line or the closing quotes, whichever is first */
    while (p[n] && p[n] != '\n' && p[n] != '\r' && !(p[n] == quote && p[n + 1] == quote))
        n++;
    while (n > 0 && p[n - 1] == ' ')
        n--;
    if (n >= len)
        n = len - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return n > 0;
}
