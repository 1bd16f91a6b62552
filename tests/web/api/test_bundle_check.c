/*
 * test_bundle_check.c — web/bundle_check.c and web/image_sniff.c (label
 * web; cmocka, no services): zips written here with libzip's writer, one
 * per rule of the arcade's sandbox (simulator/arcade/play_harness.py),
 * each refusal checked by its message; the entry point each layout gets;
 * the preview a bundle carries; images by their bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <zip.h>

#include "web.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The smallest files each format's check takes. */
static const char PNG[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
static const char JPEG[] = "\xff\xd8\xff\xe0\0\x10JFIF";
static const char GIF[] = "GIF89a\x01\0\x01\0\x80\0\0";
static const char WEBP[] = "RIFF\x1a\0\0\0WEBPVP8L\x0d\0\0\0";
static const char SVG[] = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>x()</script></svg>";
static const char CODE[] = "print('hello')\n";

/* One entry to write: a file (data), a directory (dir), with a unix
 * mode and encryption when asked. */
typedef struct zentry {
    const char *name;
    const char *data;
    size_t len;
    bool dir;
    zip_uint32_t mode; /* 0: libzip's default attributes */
    bool encrypt;
} zentry;

#define FILE_OF(n, d)                                                                              \
    {                                                                                              \
        .name = (n), .data = (d), .len = sizeof(d) - 1                                             \
    }
#define DIR_OF(n)                                                                                  \
    {                                                                                              \
        .name = (n), .dir = true                                                                   \
    }

static void add_entry(zip_t *za, const zentry *e)
{
    zip_int64_t idx;
    if (e->dir) {
        idx = zip_dir_add(za, e->name, 0);
    } else {
        zip_source_t *src = zip_source_buffer(za, e->data, e->len, 0);
        assert_non_null(src);
        idx = zip_file_add(za, e->name, src, 0);
    }
    if (idx < 0)
        fail_msg("adding %s: %s", e->name, zip_strerror(za));
    if (e->mode != 0)
        assert_int_equal(zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
                                                          e->mode << 16),
                         0);
    if (e->encrypt)
        assert_int_equal(
            zip_file_set_encryption(za, (zip_uint64_t)idx, ZIP_EM_AES_256, "a password"), 0);
}

/* A zip of the entries, written in memory; its size into *len (caller
 * frees). */
static char *make_zip(const zentry *e, size_t n, size_t *len)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *out = zip_source_buffer_create(NULL, 0, 0, &ze);
    assert_non_null(out);
    zip_source_keep(out);
    zip_t *za = zip_open_from_source(out, ZIP_TRUNCATE, &ze);
    assert_non_null(za);
    for (size_t i = 0; i < n; i++)
        add_entry(za, &e[i]);
    if (zip_close(za) != 0)
        fail_msg("zip_close: %s", zip_strerror(za));
    assert_int_equal(zip_source_open(out), 0);
    assert_int_equal(zip_source_seek(out, 0, SEEK_END), 0);
    zip_int64_t size = zip_source_tell(out);
    assert_true(size > 0);
    assert_int_equal(zip_source_seek(out, 0, SEEK_SET), 0);
    char *buf = malloc((size_t)size);
    assert_non_null(buf);
    assert_int_equal(zip_source_read(out, buf, (zip_uint64_t)size), size);
    zip_source_close(out);
    zip_source_free(out);
    zip_error_fini(&ze);
    *len = (size_t)size;
    return buf;
}

/* Every copy of from in buf becomes to (as long): the way to write what
 * libzip's writer will not, a name twice or a name it would not take. */
static void patch_all(char *buf, size_t len, const char *from, const char *to, size_t n)
{
    int done = 0;
    for (char *p = buf; (p = memmem(p, len - (size_t)(p - buf), from, n)) != NULL; p += n) {
        memcpy(p, to, n);
        done++;
    }
    assert_int_equal(done, 2); /* the local header and the central directory */
}

static void check_refusal(const char *zip, size_t len, const char *why)
{
    bundle_info b;
    char err[256] = "";
    int rc = bundle_check(zip, len, &b, err, sizeof err);
    if (rc == 0) {
        bundle_info_free(&b);
        fail_msg("accepted, expected a refusal: %s", why);
    }
    if (strstr(err, why) == NULL)
        fail_msg("refused with \"%s\", expected \"%s\"", err, why);
    assert_null(b.entry);
    assert_null(b.preview);
}

static void refuses(const zentry *e, size_t n, const char *why)
{
    size_t len;
    char *zip = make_zip(e, n, &len);
    check_refusal(zip, len, why);
    free(zip);
}

/* The bundle passes with entry point entry; *b filled (caller frees). */
static void accepts(const zentry *e, size_t n, const char *entry, bundle_info *b)
{
    size_t len;
    char *zip = make_zip(e, n, &len);
    char err[256] = "";
    if (bundle_check(zip, len, b, err, sizeof err) != 0)
        fail_msg("refused: %s", err);
    free(zip);
    assert_string_equal(b->entry, entry);
}

static void accepts_entry(const zentry *e, size_t n, const char *entry)
{
    bundle_info b;
    accepts(e, n, entry, &b);
    bundle_info_free(&b);
}

/* ---- the entry point ---- */

static void entry_game_py_at_the_top(void **state)
{
    (void)state;
    const zentry e[] = {FILE_OF("util.py", CODE), FILE_OF("game.py", CODE),
                        FILE_OF("assets/a.png", PNG)};
    accepts_entry(e, COUNT(e), "game.py");
}

static void entry_the_only_py_at_the_top(void **state)
{
    (void)state;
    const zentry e[] = {FILE_OF("snake.py", CODE), FILE_OF("lib/helper.py", CODE),
                        FILE_OF("README.txt", CODE)};
    accepts_entry(e, COUNT(e), "snake.py");
}

static void entry_in_the_single_folder(void **state)
{
    (void)state;
    /* macOS's __MACOSX and a .git folder do not count as folders. */
    const zentry e[] = {DIR_OF("snake/"),
                        FILE_OF("snake/main.py", CODE),
                        FILE_OF("snake/sprites/s.png", PNG),
                        FILE_OF("__MACOSX/snake/._main.py", CODE),
                        FILE_OF(".git/HEAD", CODE),
                        FILE_OF("notes.txt", CODE)};
    accepts_entry(e, COUNT(e), "snake/main.py");
    const zentry with_game[] = {FILE_OF("pong/util.py", CODE), FILE_OF("pong/game.py", CODE)};
    accepts_entry(with_game, COUNT(with_game), "pong/game.py");
    /* A folder known only by a directory entry's mode, and backslashes. */
    const zentry dos[] = {{.name = "maze", .data = "", .len = 0, .mode = S_IFDIR | 0755},
                          FILE_OF("maze\\game.py", CODE)};
    accepts_entry(dos, COUNT(dos), "maze/game.py");
}

static void entry_paths_are_normalised(void **state)
{
    (void)state;
    const zentry e[] = {DIR_OF("./"), FILE_OF("./game.py", CODE), FILE_OF("a//b/./c.txt", CODE)};
    accepts_entry(e, COUNT(e), "game.py");
}

static void no_entry_point(void **state)
{
    (void)state;
    const char *why = "no game.py and no single .py file at the top level";
    const zentry none[] = {FILE_OF("README.md", CODE), FILE_OF("game.PY", CODE)};
    refuses(none, COUNT(none), why);
    const zentry two_folders[] = {FILE_OF("a/game.py", CODE), FILE_OF("b/game.py", CODE)};
    refuses(two_folders, COUNT(two_folders), why);
    const zentry deep[] = {FILE_OF("a/b/game.py", CODE)};
    refuses(deep, COUNT(deep), why);
    const zentry only_ignored[] = {FILE_OF("__pycache__/game.py", CODE)};
    refuses(only_ignored, COUNT(only_ignored), why);
    /* A directory named game.py is no script. */
    const zentry dir_named[] = {DIR_OF("game.py/")};
    refuses(dir_named, COUNT(dir_named), why);
}

static void several_scripts_and_no_game_py(void **state)
{
    (void)state;
    const zentry top[] = {FILE_OF("a.py", CODE), FILE_OF("b.py", CODE)};
    refuses(top, COUNT(top), "several .py files at the top level and none is game.py");
    const zentry folder[] = {FILE_OF("g/a.py", CODE), FILE_OF("g/b.py", CODE)};
    refuses(folder, COUNT(folder), "several .py files in folder 'g' and none is game.py");
}

/* ---- the rules ---- */

static void not_a_zip(void **state)
{
    (void)state;
    check_refusal(CODE, sizeof CODE - 1, "not a zip archive");
    check_refusal("", 0, "not a zip archive");
    size_t len;
    const zentry e[] = {FILE_OF("game.py", CODE)};
    char *zip = make_zip(e, COUNT(e), &len);
    check_refusal(zip, len / 2, "not a zip archive"); /* cut: no central directory */
    free(zip);
}

static void too_many_entries(void **state)
{
    (void)state;
    static char names[1001][16];
    zentry *e = calloc(1001, sizeof *e);
    assert_non_null(e);
    for (int i = 0; i < 1001; i++) {
        snprintf(names[i], sizeof names[i], "f%04d.txt", i);
        e[i] = (zentry){.name = names[i], .data = "x", .len = 1};
    }
    snprintf(names[0], sizeof names[0], "game.py");
    refuses(e, 1001, "more than 1000 entries (1001)");
    accepts_entry(e, 1000, "game.py");
    free(e);
}

static void file_too_large(void **state)
{
    (void)state;
    size_t big = (16u << 20) + 1;
    char *zeros = calloc(1, big);
    assert_non_null(zeros);
    const zentry e[] = {FILE_OF("game.py", CODE), {.name = "data.bin", .data = zeros, .len = big}};
    refuses(e, COUNT(e), "entry 'data.bin' is larger than 16777216 bytes uncompressed");
    const zentry fits[] = {FILE_OF("game.py", CODE),
                           {.name = "data.bin", .data = zeros, .len = big - 1}};
    accepts_entry(fits, COUNT(fits), "game.py");
    free(zeros);
}

static void too_large_in_all(void **state)
{
    (void)state;
    size_t each = 13u << 20; /* 5 x 13 MiB: 65 MiB */
    char *zeros = calloc(1, each);
    assert_non_null(zeros);
    zentry e[6] = {FILE_OF("game.py", CODE)};
    static const char *const names[] = {"d1", "d2", "d3", "d4", "d5"};
    for (int i = 0; i < 5; i++)
        e[i + 1] = (zentry){.name = names[i], .data = zeros, .len = each};
    refuses(e, 6, "unpacks to more than 67108864 bytes");
    accepts_entry(e, 5, "game.py"); /* 52 MiB */
    free(zeros);
}

static void names_not_utf8(void **state)
{
    (void)state;
    const zentry e[] = {FILE_OF("game.py", CODE), FILE_OF("caf\xe9.txt", CODE)};
    refuses(e, COUNT(e), "the name of entry 2 is not valid UTF-8");
    const zentry surrogate[] = {FILE_OF("\xed\xa0\x80.py", CODE)};
    refuses(surrogate, COUNT(surrogate), "not valid UTF-8");
    /* UTF-8 without the zip's flag is read as UTF-8. */
    const zentry utf8[] = {FILE_OF("jeu_\xc3\xa9t\xc3\xa9.py", CODE)};
    accepts_entry(utf8, COUNT(utf8), "jeu_\xc3\xa9t\xc3\xa9.py");
}

static void absolute_paths(void **state)
{
    (void)state;
    const zentry slash[] = {FILE_OF("game.py", CODE), FILE_OF("/etc/cron.d/x", CODE)};
    refuses(slash, COUNT(slash), "entry '/etc/cron.d/x' is an absolute path");
    const zentry backslash[] = {FILE_OF("\\windows\\x.py", CODE)};
    refuses(backslash, COUNT(backslash), "entry '/windows/x.py' is an absolute path");
    const zentry drive[] = {FILE_OF("game.py", CODE), FILE_OF("C:x.py", CODE)};
    refuses(drive, COUNT(drive), "entry 'C:x.py' is an absolute path");
    const zentry colon_later[] = {FILE_OF("game.py", CODE), FILE_OF("ab:c.txt", CODE)};
    accepts_entry(colon_later, COUNT(colon_later), "game.py");
}

static void parent_components(void **state)
{
    (void)state;
    const zentry e[] = {FILE_OF("game.py", CODE), FILE_OF("../x", CODE)};
    refuses(e, COUNT(e), "entry '../x' leaves the game's folder");
    const zentry inside[] = {FILE_OF("game.py", CODE), FILE_OF("a/../../b.py", CODE)};
    refuses(inside, COUNT(inside), "entry 'a/../../b.py' leaves the game's folder");
    const zentry backslash[] = {FILE_OF("game.py", CODE), FILE_OF("a\\..\\b", CODE)};
    refuses(backslash, COUNT(backslash), "entry 'a/../b' leaves the game's folder");
    const zentry dir[] = {FILE_OF("game.py", CODE), DIR_OF("../up/")};
    refuses(dir, COUNT(dir), "leaves the game's folder");
    /* ".." inside a name is a name. */
    const zentry dots[] = {FILE_OF("game.py", CODE), FILE_OF("a..b/..c", CODE)};
    accepts_entry(dots, COUNT(dots), "game.py");
}

static void links_and_devices(void **state)
{
    (void)state;
    const zentry link[] = {
        FILE_OF("game.py", CODE),
        {.name = "passwd", .data = "/etc/passwd", .len = 11, .mode = S_IFLNK | 0777}};
    refuses(link, COUNT(link), "entry 'passwd' is a symbolic link");
    static const mode_t kinds[] = {S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK};
    for (size_t i = 0; i < COUNT(kinds); i++) {
        const zentry dev[] = {FILE_OF("game.py", CODE),
                              {.name = "dev", .data = "", .len = 0, .mode = kinds[i] | 0644}};
        refuses(dev, COUNT(dev), "entry 'dev' is a device or special file");
    }
    const zentry plain[] = {{.name = "game.py", .data = CODE, .len = 3, .mode = S_IFREG | 0755}};
    accepts_entry(plain, COUNT(plain), "game.py");
}

static void duplicates(void **state)
{
    (void)state;
    const zentry same[] = {FILE_OF("game.py", CODE), FILE_OF("dupA.txt", CODE),
                           FILE_OF("dupB.txt", CODE)};
    size_t len;
    char *zip = make_zip(same, COUNT(same), &len);
    patch_all(zip, len, "dupB.txt", "dupA.txt", 8);
    check_refusal(zip, len, "entry 'dupA.txt' is in the zip twice");
    free(zip);
    const zentry dotted[] = {FILE_OF("game.py", CODE), FILE_OF("./game.py", CODE)};
    refuses(dotted, COUNT(dotted), "entry 'game.py' is in the zip twice");
    const zentry slashes[] = {FILE_OF("game.py", CODE), FILE_OF("a/b.txt", CODE),
                              FILE_OF("a\\b.txt", CODE)};
    refuses(slashes, COUNT(slashes), "entry 'a/b.txt' is in the zip twice");
    const zentry dir_and_file[] = {FILE_OF("game.py", CODE), DIR_OF("x/"), FILE_OF("x", CODE)};
    refuses(dir_and_file, COUNT(dir_and_file), "entry 'x' is in the zip twice");
}

static void encrypted(void **state)
{
    (void)state;
    const zentry e[] = {{.name = "game.py", .data = CODE, .len = sizeof CODE - 1, .encrypt = true}};
    refuses(e, COUNT(e), "entry 'game.py' is encrypted");
}

static void long_names_are_cut_in_messages(void **state)
{
    (void)state;
    /* "/" and 149 two-byte characters: the cut falls inside one. */
    char name[300] = "/";
    for (int i = 0; i < 149; i++)
        strcat(name, "\xc3\xa9");
    const zentry e[] = {{.name = name, .data = CODE, .len = 3}};
    size_t len;
    char *zip = make_zip(e, COUNT(e), &len);
    bundle_info b;
    char err[256];
    assert_int_equal(bundle_check(zip, len, &b, err, sizeof err), -1);
    free(zip);
    assert_non_null(strstr(err, "...' is an absolute path"));
    assert_true(cf_utf8_valid(err, strlen(err)));
}

/* ---- the preview ---- */

static void preview_at_the_top(void **state)
{
    (void)state;
    bundle_info b;
    const zentry e[] = {FILE_OF("game.py", CODE), FILE_OF("preview.png", PNG)};
    accepts(e, COUNT(e), "game.py", &b);
    assert_non_null(b.preview);
    assert_string_equal(b.preview_type, "image/png");
    assert_int_equal(b.preview_len, sizeof PNG - 1);
    assert_memory_equal(b.preview, PNG, sizeof PNG - 1);
    bundle_info_free(&b);
}

static void preview_first_valid_by_name(void **state)
{
    (void)state;
    bundle_info b;
    /* In name order: preview.png is no image, preview.svg is refused,
     * preview2.GIF is one (any case), preview3.webp comes after it. */
    const zentry e[] = {FILE_OF("game.py", CODE), FILE_OF("preview.png", CODE),
                        FILE_OF("preview.svg", SVG), FILE_OF("preview2.GIF", GIF),
                        FILE_OF("preview3.webp", WEBP)};
    accepts(e, COUNT(e), "game.py", &b);
    assert_string_equal(b.preview_type, "image/gif");
    bundle_info_free(&b);
    /* preview.* takes any extension, in any case; preview-x needs an
     * image's. */
    const zentry any_ext[] = {FILE_OF("game.py", CODE), FILE_OF("PREVIEW.IMG", WEBP)};
    accepts(any_ext, COUNT(any_ext), "game.py", &b);
    assert_string_equal(b.preview_type, "image/webp");
    bundle_info_free(&b);
    const zentry not_image_ext[] = {FILE_OF("game.py", CODE), FILE_OF("preview-a.txt", JPEG)};
    accepts(not_image_ext, COUNT(not_image_ext), "game.py", &b);
    assert_null(b.preview);
    bundle_info_free(&b);
}

static void preview_of_the_entry_folder_first(void **state)
{
    (void)state;
    bundle_info b;
    const zentry e[] = {FILE_OF("snake/main.py", CODE), FILE_OF("snake/preview.jpg", JPEG),
                        FILE_OF("preview.png", PNG)};
    accepts(e, COUNT(e), "snake/main.py", &b);
    assert_string_equal(b.preview_type, "image/jpeg");
    bundle_info_free(&b);
    const zentry top[] = {FILE_OF("snake/main.py", CODE), FILE_OF("preview.png", PNG)};
    accepts(top, COUNT(top), "snake/main.py", &b);
    assert_string_equal(b.preview_type, "image/png");
    bundle_info_free(&b);
}

static void no_preview(void **state)
{
    (void)state;
    bundle_info b;
    char *big = calloc(1, IMAGE_MAX_BYTES + 1);
    assert_non_null(big);
    memcpy(big, PNG, sizeof PNG - 1);
    /* Too large, deeper than the entry's folder, an SVG, a name that does
     * not start with "preview". */
    const zentry e[] = {FILE_OF("game.py", CODE),
                        {.name = "preview.png", .data = big, .len = IMAGE_MAX_BYTES + 1},
                        FILE_OF("img/preview.gif", GIF),
                        FILE_OF("preview.svg", SVG),
                        FILE_OF("thumb.png", PNG)};
    accepts(e, COUNT(e), "game.py", &b);
    assert_null(b.preview);
    assert_null(b.preview_type);
    bundle_info_free(&b);
    /* At the limit it is taken. */
    const zentry at_limit[] = {FILE_OF("game.py", CODE),
                               {.name = "preview.png", .data = big, .len = IMAGE_MAX_BYTES}};
    accepts(at_limit, COUNT(at_limit), "game.py", &b);
    assert_int_equal(b.preview_len, IMAGE_MAX_BYTES);
    bundle_info_free(&b);
    free(big);
}

/* ---- images ---- */

static void image_types(void **state)
{
    (void)state;
    assert_string_equal(image_type(PNG, sizeof PNG - 1), "image/png");
    assert_string_equal(image_type(JPEG, sizeof JPEG - 1), "image/jpeg");
    assert_string_equal(image_type(GIF, sizeof GIF - 1), "image/gif");
    assert_string_equal(image_type("GIF87a\x01\0\x01\0\0\0\0", 13), "image/gif");
    assert_string_equal(image_type(WEBP, sizeof WEBP - 1), "image/webp");
    assert_null(image_type(SVG, sizeof SVG - 1));
    assert_null(image_type("<?xml version=\"1.0\"?><svg/>", 27));
    assert_null(image_type(CODE, sizeof CODE - 1));
    assert_null(image_type("", 0));
    assert_null(image_type(NULL, 10));
    /* Cut short: the signature alone is not an image. */
    assert_null(image_type(PNG, 8));
    assert_null(image_type(JPEG, 3));
    assert_null(image_type(GIF, 12));
    assert_null(image_type(WEBP, 12));
    assert_null(image_type("RIFF\x1a\0\0\0WAVEfmt ", 16));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entry_game_py_at_the_top),
        cmocka_unit_test(entry_the_only_py_at_the_top),
        cmocka_unit_test(entry_in_the_single_folder),
        cmocka_unit_test(entry_paths_are_normalised),
        cmocka_unit_test(no_entry_point),
        cmocka_unit_test(several_scripts_and_no_game_py),
        cmocka_unit_test(not_a_zip),
        cmocka_unit_test(too_many_entries),
        cmocka_unit_test(file_too_large),
        cmocka_unit_test(too_large_in_all),
        cmocka_unit_test(names_not_utf8),
        cmocka_unit_test(absolute_paths),
        cmocka_unit_test(parent_components),
        cmocka_unit_test(links_and_devices),
        cmocka_unit_test(duplicates),
        cmocka_unit_test(encrypted),
        cmocka_unit_test(long_names_are_cut_in_messages),
        cmocka_unit_test(preview_at_the_top),
        cmocka_unit_test(preview_first_valid_by_name),
        cmocka_unit_test(preview_of_the_entry_folder_first),
        cmocka_unit_test(no_preview),
        cmocka_unit_test(image_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
