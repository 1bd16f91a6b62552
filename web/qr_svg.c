/*
 * qr_svg.c — a QR code as an SVG image (libqrencode), for the kiosk's
 * "scan to play" link.
 *
 * The text is encoded as bytes (8-bit mode, level M), whatever it holds;
 * the picture is one path of horizontal runs of dark modules inside the
 * quiet zone the standard asks for (4 modules), black on white, so it
 * scales crisply at any size and stays small: a run is one "M x yhNv1h-Nz".
 */
#include <stdio.h>
#include <stdlib.h>

#include <qrencode.h>

#include "web.h"

#define QUIET 4 /* modules of white around the code */
/* The longest a run's path command can be: "M999 999h999v1h-999z". */
#define RUN_MAX 32

/* The length of the run of dark modules of row y from x on. */
static int dark_run(const QRcode *qr, int x, int y)
{
    int n = 0;
    while (x + n < qr->width && (qr->data[y * qr->width + x + n] & 1))
        n++;
    return n;
}

/* The SVG of qr into out (malloc'd, NUL-terminated); its length, or -1. */
static long svg_of(const QRcode *qr, char **out)
{
    int size = qr->width + 2 * QUIET;
    /* at most one run every second module, and the frame */
    size_t cap = (size_t)qr->width * (size_t)(qr->width + 1) / 2 * RUN_MAX + 512;
    char *s = malloc(cap);
    if (s == NULL)
        return -1;
    size_t n = (size_t)snprintf(s, cap,
                                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                                "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
                                "fill=\"#fff\"/><path fill=\"#000\" d=\"",
                                size, size, size, size);
    for (int y = 0; y < qr->width; y++)
        for (int x = 0; x < qr->width;) {
            int run = dark_run(qr, x, y);
            if (run == 0) {
                x++;
                continue;
            }
            n += (size_t)snprintf(s + n, cap - n, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run,
                                  run);
            x += run;
        }
    n += (size_t)snprintf(s + n, cap - n, "\"/></svg>\n");
    if (n >= cap) {
        free(s);
        return -1;
    }
    *out = s;
    return (long)n;
}

long qr_svg(const char *text, size_t len, char **out)
{
    if (len == 0 || len > QR_TEXT_MAX)
        return -1;
    QRcode *qr = QRcode_encodeData((int)len, (const unsigned char *)text, 0, QR_ECLEVEL_M);
    if (qr == NULL)
        return -1;
    long n = svg_of(qr, out);
    QRcode_free(qr);
    return n;
}
