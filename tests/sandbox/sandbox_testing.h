/*
 * sandbox_testing.h — what the C tests of the sandbox share: a CHECK that
 * counts failures and goes on (one run reports every broken layer, not the
 * first), the program's argument and root, loading a bot of
 * tests/sandbox/bots, and a two-player fight entry.
 * Header-only: each test is one program.
 */
#ifndef CF_SANDBOX_TESTING_H
#define CF_SANDBOX_TESTING_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fight_entry.h"
#include "text.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* The one argument every sandbox test takes (the source tree), and root,
 * which the sandbox needs: 0, or the exit status after saying why. */
static inline int sandbox_test_args(int argc, const char *prog)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s SOURCE_DIR\n", prog);
        return 2;
    }
    if (geteuid() != 0) {
        fprintf(stderr, "FAIL: the sandbox tests must run as root\n");
        return 1;
    }
    return 0;
}

/* The source of tests/sandbox/bots/NAME under the source tree DIR (at most
 * 1 MiB); exits 2 when it cannot be read, since no test can run without it. */
static inline char *load_bot(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/sandbox/bots/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    char *buf = calloc(1, 1 << 20);
    if (!buf) {
        perror("calloc");
        exit(2);
    }
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* A two-player entry of GAME with seed 7; the codes are borrowed. */
static inline void make_msg(cf_fight_entry *m, const char *game, const char *a, const char *b,
                            const char *code_a, const char *code_b)
{
    memset(m, 0, sizeof *m);
    cf_uuid_generate(m->id);
    snprintf(m->game, sizeof m->game, "%s", game);
    m->nplayers = 2;
    m->has_seed = true;
    m->seed = 7;
    snprintf(m->players[0].name, sizeof m->players[0].name, "%s", a);
    snprintf(m->players[1].name, sizeof m->players[1].name, "%s", b);
    m->players[0].code = (char *)code_a;
    m->players[0].code_len = strlen(code_a);
    m->players[1].code = (char *)code_b;
    m->players[1].code_len = strlen(code_b);
}

#endif
