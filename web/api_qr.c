/*
 * api_qr.c — GET /api/qr?text=…: a QR code of the text as an SVG image
 * (qr_svg.c), for the kiosk's link to play. Public; the text is 1 to
 * QR_TEXT_MAX bytes, anything else is 400. The same text always gives the
 * same picture, so caches may keep it.
 */
#include <stdlib.h>
#include <string.h>

#include "web.h"

void qr_get(web_req *r)
{
    const char *text = http_query(r, "text");
    size_t len = text != NULL ? strlen(text) : 0;
    if (len == 0 || len > QR_TEXT_MAX) {
        http_error(r, 400, "query parameter 'text' must be 1 to %d bytes", QR_TEXT_MAX);
        return;
    }
    char *svg = NULL;
    long n = qr_svg(text, len, &svg);
    if (n < 0) {
        http_error(r, 400, "this text cannot be made a QR code");
        return;
    }
    http_send_cacheable(r, "image/svg+xml", svg, (size_t)n, "public, max-age=86400");
    free(svg);
}
