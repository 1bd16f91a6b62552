/*
 * bundle_check.c — a game bundle (.zip) held to the rules the arcade's
 * sandbox unpacks it by, before cf-web stores it.
 *
 * The sandbox (simulator/arcade/play_harness.py: its header, plan_bundle
 * and find_entry) will not start a game whose zip breaks one of its rules;
 * checking the same rules at upload refuses such a zip at once, with the
 * reason, instead of at every play. The rules, as the harness has them: at
 * most 1000 entries; names read from their raw bytes as UTF-8 (with or
 * without the zip's UTF-8 flag), backslashes counting as '/'; no absolute
 * path (a leading '/' or a drive letter) and no '..' component; no
 * symbolic link or device file (the unix mode in the external attributes,
 * whatever system made the zip, as zipfile reads it); no entry twice once
 * '.' and empty components are dropped; at most 16 MiB a file and 64 MiB
 * in all, by the sizes the central directory declares; and an entry point
 * (entry_point() below). Encrypted entries, which the sandbox cannot
 * unpack, are refused as well.
 *
 * libzip reads the zip from memory; nothing here parses zip bytes itself.
 * One difference is left: libzip hands over a name holding a NUL byte with
 * a space in its place, so such a name passes here and the sandbox
 * refuses the game when it starts.
 *
 * A bundle may carry its own preview: a file named preview.* or
 * preview*.png|jpg|jpeg|gif|webp (any case) in the entry point's folder,
 * else at the top; the first by name that is an image of at most
 * IMAGE_MAX_BYTES is taken, and a candidate that is not is passed over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <zip.h>

#include "error.h"
#include "web.h"

/* The harness's BUNDLE_MAX_ENTRIES, BUNDLE_MAX_FILE and BUNDLE_MAX_TOTAL. */
#define MAX_ENTRIES 1000
#define MAX_FILE ((zip_uint64_t)16 << 20)
#define MAX_TOTAL ((zip_uint64_t)64 << 20)

/* One entry as the sandbox would lay it out. */
typedef struct planned {
    char *path; /* its components joined by '/' */
    zip_uint64_t index;
    zip_uint64_t size;
    bool is_dir;
} planned;

typedef struct plan {
    planned *e;
    size_t n;
} plan;

static void plan_free(plan *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->e[i].path);
    free(p->e);
}

/* The first bytes of name for a message, cut at a character boundary
 * (name is valid UTF-8). */
static void shown(char *out, size_t outlen, const char *name)
{
    size_t n = strlen(name);

    if (n < outlen) {
        memcpy(out, name, n + 1);
        return;
    }
    n = outlen - 4;
    while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
        n--;
    memcpy(out, name, n);
    memcpy(out + n, "...", 4);
}

/* A drive letter ("C:x"): Python's test is name[0].isalpha() on the first
 * character; any non-ASCII first character counts here as well, which
 * refuses a few names the sandbox would take rather than the reverse. */
static bool has_drive(const char *name)
{
    unsigned char c = (unsigned char)name[0];
    size_t first = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

    if (strnlen(name, first + 1) < first + 1 || name[first] != ':')
        return false;
    return first > 1 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* name (backslashes already '/') as its path: '.' and empty components
 * dropped, "" when nothing is left. -1 for an absolute path or a '..'. */
static int entry_path(const char *name, char **path, char *err, size_t errlen)
{
    char show[96];

    shown(show, sizeof show, name);
    if (name[0] == '/' || has_drive(name)) {
        cf_seterr(err, errlen, "entry '%s' is an absolute path", show);
        return -1;
    }
    char *out = malloc(strlen(name) + 1);
    if (out == NULL) {
        cf_seterr(err, errlen, "out of memory");
        return -1;
    }
    size_t used = 0;
    for (const char *p = name; *p != '\0';) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            cf_seterr(err, errlen, "entry '%s' leaves the game's folder ('..' in its path)", show);
            free(out);
            return -1;
        }
        if (n > 0 && !(n == 1 && p[0] == '.')) {
            if (used > 0)
                out[used++] = '/';
            memcpy(out + used, p, n);
            used += n;
        }
        p += n + (p[n] == '/');
    }
    out[used] = '\0';
    *path = out;
    return 0;
}

/* Is entry i a directory? -1 for a link or a device file. */
static int entry_is_dir(zip_t *za, zip_uint64_t i, const char *name, char *err, size_t errlen)
{
    zip_uint8_t opsys;
    zip_uint32_t attributes;
    char show[96];

    shown(show, sizeof show, name);
    if (zip_file_get_external_attributes(za, i, 0, &opsys, &attributes) != 0) {
        cf_seterr(err, errlen, "entry '%s' cannot be read", show);
        return -1;
    }
    /* Read whatever opsys says, as the harness does: a mode is a mode. */
    unsigned kind = (attributes >> 16) & S_IFMT;
    if (kind == S_IFLNK) {
        cf_seterr(err, errlen, "entry '%s' is a symbolic link", show);
        return -1;
    }
    if (kind == S_IFCHR || kind == S_IFBLK || kind == S_IFIFO || kind == S_IFSOCK) {
        cf_seterr(err, errlen, "entry '%s' is a device or special file", show);
        return -1;
    }
    size_t n = strlen(name);
    return kind == S_IFDIR || (n > 0 && name[n - 1] == '/');
}

/* A file's declared size, within MAX_FILE, and that it is not encrypted. */
static int file_size(zip_t *za, zip_uint64_t i, const char *path, zip_uint64_t *size, char *err,
                     size_t errlen)
{
    zip_stat_t st;
    char show[96];

    shown(show, sizeof show, path);
    zip_stat_init(&st);
    if (zip_stat_index(za, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
        cf_seterr(err, errlen, "entry '%s' cannot be read", show);
        return -1;
    }
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
        cf_seterr(err, errlen, "entry '%s' is encrypted", show);
        return -1;
    }
    if (st.size > MAX_FILE) {
        cf_seterr(err, errlen, "entry '%s' is larger than %llu bytes uncompressed", show,
                  (unsigned long long)MAX_FILE);
        return -1;
    }
    *size = st.size;
    return 0;
}

/* Entry i as planned into *e; 0 also for an entry with nothing left of
 * its path ("./"), whose e->path is then "". -1 refused. */
static int plan_entry(zip_t *za, zip_uint64_t i, planned *e, char *err, size_t errlen)
{
    /* Raw bytes: with the default flags libzip would turn a name that is
     * not UTF-8 into CP437's reading of it. */
    const char *raw = zip_get_name(za, i, ZIP_FL_ENC_RAW);
    if (raw == NULL || !cf_utf8_valid(raw, strlen(raw))) {
        cf_seterr(err, errlen, "the name of entry %llu is not valid UTF-8",
                  (unsigned long long)i + 1);
        return -1;
    }
    char *name = strdup(raw);
    if (name == NULL) {
        cf_seterr(err, errlen, "out of memory");
        return -1;
    }
    for (char *p = name; *p != '\0'; p++)
        if (*p == '\\')
            *p = '/';
    int rc = entry_path(name, &e->path, err, errlen);
    int is_dir = rc == 0 ? entry_is_dir(za, i, name, err, errlen) : -1;
    free(name);
    if (is_dir < 0)
        return -1;
    e->index = i;
    e->is_dir = is_dir;
    e->size = 0;
    if (is_dir || e->path[0] == '\0')
        return 0;
    return file_size(za, i, e->path, &e->size, err, errlen);
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const planned *)a)->path, ((const planned *)b)->path);
}

/* Every entry planned, sorted by path: no two alike, MAX_TOTAL in all. */
static int plan_bundle(zip_t *za, plan *p, char *err, size_t errlen)
{
    zip_int64_t count = zip_get_num_entries(za, 0);

    if (count < 0 || count > MAX_ENTRIES) {
        cf_seterr(err, errlen, "the zip has more than %d entries (%lld)", MAX_ENTRIES,
                  (long long)count);
        return -1;
    }
    p->e = calloc((size_t)count + 1, sizeof *p->e);
    if (p->e == NULL) {
        cf_seterr(err, errlen, "out of memory");
        return -1;
    }
    zip_uint64_t total = 0;
    for (zip_uint64_t i = 0; i < (zip_uint64_t)count; i++) {
        planned e = {0};
        if (plan_entry(za, i, &e, err, errlen) != 0) {
            free(e.path);
            return -1;
        }
        if (e.path[0] == '\0') {
            free(e.path);
            continue;
        }
        p->e[p->n++] = e;
        total += e.size;
        if (total > MAX_TOTAL) {
            cf_seterr(err, errlen, "the zip unpacks to more than %llu bytes",
                      (unsigned long long)MAX_TOTAL);
            return -1;
        }
    }
    qsort(p->e, p->n, sizeof *p->e, by_path);
    for (size_t i = 1; i < p->n; i++)
        if (strcmp(p->e[i - 1].path, p->e[i].path) == 0) {
            char show[96];
            shown(show, sizeof show, p->e[i].path);
            cf_seterr(err, errlen, "entry '%s' is in the zip twice", show);
            return -1;
        }
    return 0;
}

/* The name of path when it lies directly in folder ("" the top), else
 * NULL. */
static const char *name_in(const char *path, const char *folder)
{
    size_t n = strlen(folder);

    if (n > 0) {
        if (strncmp(path, folder, n) != 0 || path[n] != '/')
            return NULL;
        path += n + 1;
    }
    return strchr(path, '/') == NULL ? path : NULL;
}

static bool is_python(const char *name)
{
    size_t n = strlen(name);
    return n >= 3 && strcmp(name + n - 3, ".py") == 0;
}

/* game.py, else the only .py file directly in folder: 1 found (*entry the
 * plan's path), 0 no .py there, -1 several and none is game.py. */
static int entry_in(const plan *p, const char *folder, const char **entry)
{
    int scripts = 0;

    *entry = NULL;
    for (size_t i = 0; i < p->n; i++) {
        const char *name = p->e[i].is_dir ? NULL : name_in(p->e[i].path, folder);
        if (name == NULL || !is_python(name))
            continue;
        if (strcmp(name, "game.py") == 0) {
            *entry = p->e[i].path;
            return 1;
        }
        if (scripts++ == 0)
            *entry = p->e[i].path;
    }
    if (scripts > 1)
        return -1;
    return scripts;
}

/* The one top-level folder, ignoring "__*" and ".*" ones (__MACOSX, .git):
 * its name's length in *len and the path it starts; NULL when there are
 * none or several. */
static const char *single_folder(const plan *p, size_t *len)
{
    const char *found = NULL;

    *len = 0;
    for (size_t i = 0; i < p->n; i++) {
        const char *path = p->e[i].path;
        size_t n = strcspn(path, "/");
        if ((path[n] == '\0' && !p->e[i].is_dir) || path[0] == '.' ||
            (path[0] == '_' && path[1] == '_'))
            continue;
        if (found == NULL) {
            found = path;
            *len = n;
        } else if (n != *len || strncmp(path, found, n) != 0) {
            return NULL;
        }
    }
    return found;
}

static void several_scripts(const char *folder, char *err, size_t errlen)
{
    char show[96];

    shown(show, sizeof show, folder);
    if (folder[0] == '\0')
        cf_seterr(err, errlen,
                  "the zip has several .py files at the top level and none is game.py");
    else
        cf_seterr(err, errlen, "the zip has several .py files in folder '%s' and none is game.py",
                  show);
}

/* The entry point, by the harness's find_entry: game.py at the top, else
 * the only .py file there; with no .py file at the top and a single
 * top-level folder, the same inside that folder. Into *entry (a path of
 * the plan). */
static int entry_point(const plan *p, const char **entry, char *err, size_t errlen)
{
    int found = entry_in(p, "", entry);
    if (found != 0) {
        if (found < 0)
            several_scripts("", err, errlen);
        return found > 0 ? 0 : -1;
    }
    size_t len;
    const char *start = single_folder(p, &len);
    if (start != NULL) {
        char *folder = strndup(start, len);
        if (folder == NULL) {
            cf_seterr(err, errlen, "out of memory");
            return -1;
        }
        found = entry_in(p, folder, entry);
        if (found < 0)
            several_scripts(folder, err, errlen);
        free(folder);
        if (found != 0)
            return found > 0 ? 0 : -1;
    }
    cf_seterr(err, errlen,
              "the zip has no game.py and no single .py file at the top level "
              "(or in its single top-level folder)");
    return -1;
}

/* preview.* or preview*.png|jpg|jpeg|gif|webp, in any case. */
static bool preview_name(const char *name)
{
    static const char *const kinds[] = {".png", ".jpg", ".jpeg", ".gif", ".webp"};
    size_t n = strlen(name);

    if (strncasecmp(name, "preview", 7) != 0)
        return false;
    if (name[7] == '.')
        return true;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t k = strlen(kinds[i]);
        if (n >= 7 + k && strcasecmp(name + n - k, kinds[i]) == 0)
            return true;
    }
    return false;
}

/* The whole of a file of size bytes (caller frees), NULL when it does not
 * read back as declared (the last read checks its CRC). */
static char *read_file(zip_t *za, const planned *e)
{
    zip_file_t *f = zip_fopen_index(za, e->index, 0);
    char *data = f != NULL ? malloc(e->size + 1) : NULL;
    size_t got = 0;
    bool ok = data != NULL;

    while (ok && got < e->size) {
        zip_int64_t n = zip_fread(f, data + got, e->size - got);
        ok = n > 0;
        got += ok ? (size_t)n : 0;
    }
    ok = ok && zip_fread(f, data + got, 1) == 0;
    if (f != NULL)
        zip_fclose(f);
    if (!ok) {
        free(data);
        return NULL;
    }
    return data;
}

/* The first preview image directly in folder, into out; false when none. */
static bool preview_in(zip_t *za, const plan *p, const char *folder, bundle_info *out)
{
    for (size_t i = 0; i < p->n; i++) {
        const planned *e = &p->e[i];
        const char *name = e->is_dir ? NULL : name_in(e->path, folder);
        if (name == NULL || !preview_name(name) || e->size == 0 || e->size > IMAGE_MAX_BYTES)
            continue;
        char *data = read_file(za, e);
        const char *type = data != NULL ? image_type(data, e->size) : NULL;
        if (type == NULL) {
            free(data);
            continue;
        }
        out->preview = data;
        out->preview_len = e->size;
        out->preview_type = type;
        return true;
    }
    return false;
}

/* The entry point's folder first, then the top. */
static int find_preview(zip_t *za, const plan *p, bundle_info *out)
{
    const char *slash = strrchr(out->entry, '/');
    if (slash == NULL)
        return preview_in(za, p, "", out) ? 1 : 0;
    char *folder = strndup(out->entry, (size_t)(slash - out->entry));
    if (folder == NULL)
        return -1;
    bool found = preview_in(za, p, folder, out) || preview_in(za, p, "", out);
    free(folder);
    return found;
}

/* The zip in memory (data stays the caller's). */
static zip_t *open_zip(const void *data, size_t len, char *err, size_t errlen)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *za = src != NULL ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (za == NULL) {
        cf_seterr(err, errlen, "the file is not a zip archive (%s)", zip_error_strerror(&ze));
        zip_source_free(src);
    }
    zip_error_fini(&ze);
    return za;
}

int bundle_check(const void *data, size_t len, bundle_info *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (len == 0) {
        cf_seterr(err, errlen, "the file is not a zip archive (it is empty)");
        return -1;
    }
    zip_t *za = open_zip(data, len, err, errlen);
    if (za == NULL)
        return -1;
    plan p = {0};
    const char *entry = NULL;
    int rc = plan_bundle(za, &p, err, errlen);
    if (rc == 0)
        rc = entry_point(&p, &entry, err, errlen);
    if (rc == 0 && (out->entry = strdup(entry)) == NULL) {
        cf_seterr(err, errlen, "out of memory");
        rc = -1;
    }
    if (rc == 0 && find_preview(za, &p, out) < 0) {
        cf_seterr(err, errlen, "out of memory");
        rc = -1;
    }
    plan_free(&p);
    zip_discard(za);
    if (rc != 0)
        bundle_info_free(out);
    return rc;
}

void bundle_info_free(bundle_info *b)
{
    free(b->entry);
    free(b->preview);
    memset(b, 0, sizeof *b);
}
