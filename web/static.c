/*
 * static.c — the front end (web/static/) and the games' replay viewers
 * (games/<name>/web/), read from disk with the right MIME type.
 *
 * A path is refused when any segment is "..", "." or starts with a dot, and
 * the file's real path (symlinks resolved) must still lie under the root it
 * was asked from; only regular files are served. A GET of a path whose last
 * segment has no dot and is not a file answers index.html, so the single
 * page app owns its URLs (/fights/<id>, /bots ...); of them, only the
 * arcade's compact scoreboard may be framed by other sites.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "assets.h"
#include "web.h"

#define STATIC_FILE_MAX (32 * 1024 * 1024)

static const struct {
    const char *ext, *type;
} mime_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".woff", "font/woff"},
    {".txt", "text/plain; charset=utf-8"},
    {".md", "text/markdown; charset=utf-8"},
    {".py", "text/x-python; charset=utf-8"},
    {".map", "application/json"},
    {".wasm", "application/wasm"},
};

const char *static_mime(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');

    if (dot != NULL && (slash == NULL || dot > slash))
        for (size_t i = 0; i < sizeof mime_types / sizeof mime_types[0]; i++)
            if (strcmp(dot, mime_types[i].ext) == 0)
                return mime_types[i].type;
    return "application/octet-stream";
}

/* No "..", ".", hidden segments, backslashes or empty middle segments. */
static bool safe_relpath(const char *p)
{
    const char *s = p;

    if (strchr(p, '\\') != NULL)
        return false;
    while (*s != '\0') {
        const char *end = strchr(s, '/');
        size_t n = end != NULL ? (size_t)(end - s) : strlen(s);

        if (n > 0 && s[0] == '.')
            return false;
        if (end == NULL)
            break;
        s = end + 1;
    }
    return true;
}

/* Opens root/rel when it is a regular file (not too large) whose real
 * path lies under root's; its real path into real, its size into size.
 * -1 when not. */
static int open_under_root(const char *root, const char *rel, char real[PATH_MAX], off_t *size)
{
    char realroot[PATH_MAX], path[PATH_MAX];
    if (realpath(root, realroot) == NULL)
        return -1;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", root, rel) >= sizeof path)
        return -1;
    if (realpath(path, real) == NULL)
        return -1;
    if (strncmp(real, realroot, strlen(realroot)) != 0 || real[strlen(realroot)] != '/')
        return -1;
    int fd = open(real, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_FILE_MAX) {
        close(fd);
        return -1;
    }
    *size = st.st_size;
    return fd;
}

/* 1 served, 0 not a file there, -1 answered with an error. */
static int serve_file(web_req *r, const char *root, const char *rel)
{
    char real[PATH_MAX];
    off_t size;
    int fd = open_under_root(root, rel, real, &size);
    if (fd < 0)
        return 0;
    struct evbuffer *buf = evbuffer_new();
    if (buf == NULL) {
        close(fd);
        http_error(r, 500, "out of memory");
        return -1;
    }
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
    evhttp_add_header(h, "Content-Type", static_mime(real));
    evhttp_add_header(h, "Cache-Control", "no-cache");
    if (size > 0 && r->method != EVHTTP_REQ_HEAD) {
        /* The buffer owns fd from here: evbuffer_free closes it. */
        if (evbuffer_add_file(buf, fd, 0, size) != 0) {
            close(fd);
            evbuffer_free(buf);
            http_error(r, 500, "cannot read file");
            return -1;
        }
    } else {
        close(fd);
    }
    r->status = 200;
    evhttp_send_reply(r->req, 200, "OK", buf);
    evbuffer_free(buf);
    return 1;
}

static void not_found(web_req *r)
{
    static const char msg[] = "not found\n";

    http_send(r, 404, "text/plain; charset=utf-8", msg, sizeof msg - 1, NULL);
}

/* The single page app's URLs other sites may frame: the arcade's compact
 * scoreboard, /arcade/<id>/board (docs/arcade.md). */
static bool embeddable(const char *path)
{
    static const char prefix[] = "/arcade/", suffix[] = "/board";
    if (strncmp(path, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *p = path + sizeof prefix - 1, *digits = p;
    while (*p >= '0' && *p <= '9')
        p++;
    return p > digits && p - digits <= 19 && strcmp(p, suffix) == 0;
}

void static_serve(web_req *r)
{
    const char *rel = r->path + 1; /* after the leading '/' */
    if (!safe_relpath(rel)) {
        not_found(r);
        return;
    }
    char index_rel[PATH_MAX];
    if (*rel == '\0' || rel[strlen(rel) - 1] == '/') {
        snprintf(index_rel, sizeof index_rel, "%sindex.html", rel);
        rel = index_rel;
    }
    if (serve_file(r, web_cfg.static_dir, rel) != 0)
        return;
    /* SPA fallback: app URLs have no extension. */
    const char *last = strrchr(r->path, '/');
    if (last != NULL && strchr(last, '.') == NULL) {
        if (embeddable(r->path))
            http_allow_framing(r->req);
        if (serve_file(r, web_cfg.static_dir, "index.html") != 0)
            return;
    }
    not_found(r);
}

static bool game_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 32 || s[0] == '_')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

/* web/<file> of game from the copy compiled into cf_games; false when
 * there is none. */
static bool serve_asset(web_req *r, const char *game, const char *file)
{
    char rel[PATH_MAX];
    if ((size_t)snprintf(rel, sizeof rel, "web/%s", file) >= sizeof rel)
        return false;
    const cf_asset *asset = cf_asset_find(game, rel);
    if (asset == NULL)
        return false;
    evhttp_add_header(evhttp_request_get_output_headers(r->req), "Cache-Control", "no-cache");
    http_send(r, 200, cf_asset_mime(asset), (const char *)asset->data, asset->size, NULL);
    return true;
}

/* /games/<name>/web/<file> */
void static_game_file(web_req *r)
{
    const char *name = r->path + strlen("/games/");
    const char *slash = strchr(name, '/');
    if (slash == NULL || strncmp(slash, "/web/", 5) != 0) {
        not_found(r);
        return;
    }
    size_t n = (size_t)(slash - name);
    const char *file = slash + 5;
    if (!game_name_ok(name, n) || !safe_relpath(file) || *file == '\0') {
        not_found(r);
        return;
    }
    /* The game's folder on disk first (edits show without a rebuild), then
     * the copy compiled into cf_games (assets.h) where there is no tree. */
    char root[PATH_MAX];
    if ((size_t)snprintf(root, sizeof root, "%s/%.*s/web", web_cfg.games_dir, (int)n, name) <
            sizeof root &&
        serve_file(r, root, file) != 0)
        return;
    char game[40];
    snprintf(game, sizeof game, "%.*s", (int)n, name);
    if (!serve_asset(r, game, file))
        not_found(r);
}
