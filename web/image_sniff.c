/*
 * image_sniff.c — what kind of image a file is, from its first bytes.
 *
 * A game's preview is served back to every visitor with the type stored
 * beside it, so that type must come from the bytes themselves: a file
 * name or a part's Content-Type is whatever the uploader wrote. Only the
 * four raster formats every browser shows are recognised, each by its
 * signature and the header that must follow it; anything else (SVG, which
 * can carry script, included) is not an image here.
 */
#include <string.h>

#include "web.h"

static bool starts_with(const unsigned char *p, size_t len, size_t at, const char *magic, size_t n)
{
    return len >= at + n && memcmp(p + at, magic, n) == 0;
}

/* The signature, then the IHDR chunk that must come first. */
static bool is_png(const unsigned char *p, size_t len)
{
    return starts_with(p, len, 0, "\x89PNG\r\n\x1a\n", 8) && starts_with(p, len, 12, "IHDR", 4);
}

/* Start of image, then the next marker. */
static bool is_jpeg(const unsigned char *p, size_t len)
{
    return starts_with(p, len, 0, "\xff\xd8\xff", 3) && len >= 4;
}

/* The version, then the logical screen descriptor (13 bytes in all). */
static bool is_gif(const unsigned char *p, size_t len)
{
    return (starts_with(p, len, 0, "GIF87a", 6) || starts_with(p, len, 0, "GIF89a", 6)) &&
           len >= 13;
}

/* A RIFF container of form WEBP whose first chunk is a VP8 bitstream. */
static bool is_webp(const unsigned char *p, size_t len)
{
    return starts_with(p, len, 0, "RIFF", 4) && starts_with(p, len, 8, "WEBP", 4) &&
           (starts_with(p, len, 12, "VP8 ", 4) || starts_with(p, len, 12, "VP8L", 4) ||
            starts_with(p, len, 12, "VP8X", 4));
}

const char *image_type(const void *data, size_t len)
{
    const unsigned char *p = data;

    if (p == NULL)
        return NULL;
    if (is_png(p, len))
        return "image/png";
    if (is_jpeg(p, len))
        return "image/jpeg";
    if (is_gif(p, len))
        return "image/gif";
    if (is_webp(p, len))
        return "image/webp";
    return NULL;
}
