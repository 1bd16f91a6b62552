/*
 * test_templates.c — every starter bot of every game, run by a real Python
 * against every other and itself, through the scripted arena (no sandbox):
 * no call may raise or answer something that is not JSON. This is the
 * games' own check; the sandboxed cf-fight all-pairs run is the simulator's.
 *   test_templates PYTHON PYBOT_HARNESS
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "assets.h"
#include "script_arena.h"

static const char *python, *harness;
static char workdir[] = "/tmp/cf-templates-XXXXXX";

typedef struct pybot {
    pid_t pid;
    FILE *in, *out; /* to the bot, from the bot */
    const char *file;
    const char *method; /* the game's bot method */
    int raised;
} pybot;

static void pybot_start(pybot *b, const char *path)
{
    int to[2], from[2];
    /* close-on-exec: a bot must not hold another bot's pipes, or that one
     * never sees EOF when stopped */
    assert_int_equal(pipe2(to, O_CLOEXEC), 0);
    assert_int_equal(pipe2(from, O_CLOEXEC), 0);
    b->pid = fork();
    assert_true(b->pid >= 0);
    if (b->pid == 0) {
        dup2(to[0], 0);
        dup2(from[1], 1);
        close(to[0]), close(to[1]), close(from[0]), close(from[1]);
        execl(python, python, "-I", "-B", harness, path, (char *)NULL);
        _exit(127);
    }
    close(to[0]);
    close(from[1]);
    b->in = fdopen(to[1], "w");
    b->out = fdopen(from[0], "r");
    assert_non_null(b->in);
    assert_non_null(b->out);
    b->file = path;
    b->raised = 0;
}

static void pybot_stop(pybot *b)
{
    fclose(b->in);
    fclose(b->out);
    int status;
    while (waitpid(b->pid, &status, 0) < 0 && errno == EINTR)
        ;
}

static enum cf_call_status call_python(void *ud, int player, int call, const cJSON *args,
                                       cJSON **result)
{
    (void)player, (void)call;
    pybot *b = ud;
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "method", b->method);
    cJSON_AddItemToObject(req, "args", cJSON_Duplicate(args, 1));
    char *line = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    fprintf(b->in, "%s\n", line);
    fflush(b->in);
    free(line);
    static char buf[1 << 16];
    if (fgets(buf, sizeof buf, b->out) == NULL) {
        print_error("%s: bot died\n", b->file);
        return CF_CALL_DEAD;
    }
    cJSON *answer = cJSON_Parse(buf);
    if (answer == NULL)
        return CF_CALL_BAD_OUTPUT;
    cJSON *ok = cJSON_DetachItemFromObject(answer, "ok");
    if (ok == NULL) {
        print_error("%s raised: %s", b->file, buf);
        b->raised++;
        cJSON_Delete(answer);
        return CF_CALL_RAISED;
    }
    cJSON_Delete(answer);
    *result = ok;
    return CF_CALL_OK;
}

/* Writes every template of `game` to workdir; returns how many (paths in out). */
static int templates_of(const char *game, char paths[][256], int max)
{
    int n = 0;
    for (size_t i = 0; cf_asset_at(i) != NULL && n < max; i++) {
        const cf_asset *a = cf_asset_at(i);
        if (strcmp(a->game, game) != 0 || !cf_asset_is_template(a))
            continue;
        snprintf(paths[n], 256, "%s/%s_%s", workdir, game, a->path + strlen("templates/"));
        FILE *f = fopen(paths[n], "w");
        assert_non_null(f);
        assert_int_equal(fwrite(a->data, 1, a->size, f), a->size);
        assert_int_equal(fclose(f), 0);
        n++;
    }
    return n;
}

static void fight(const char *game, int nplayers, char paths[][256], const int *who, uint64_t seed,
                  const char *settings)
{
    pybot bots[6];
    sa_player players[6];
    for (int i = 0; i < nplayers; i++) {
        pybot_start(&bots[i], paths[who[i]]);
        bots[i].method = strcmp(game, "tanks") == 0 ? "decide_tick" : "decide_move";
        players[i] = (sa_player){.policy = call_python, .ud = &bots[i]};
    }
    cf_arena *arena = sa_new(nplayers, players);
    cf_outcome out;
    char err[256];
    if (sa_simulate(cf_game_find(game), arena, nplayers, settings, seed, &out, err, sizeof err) !=
        0)
        fail_msg("%s: %s", game, err);
    for (int i = 0; i < nplayers; i++) {
        if (!cf_arena_alive(arena, i) || bots[i].raised)
            fail_msg("%s failed in %s (seed %llu): %s", bots[i].file, game,
                     (unsigned long long)seed, out.explanation);
        pybot_stop(&bots[i]);
    }
    assert_true(out.ticks > 0);
    printf("# %s seed %llu: %d ticks, %s\n", game, (unsigned long long)seed, out.ticks,
           out.explanation[0] ? out.explanation : "-");
    sa_outcome_free(&out);
    sa_free(arena);
}

static void test_tanks_templates(void **state)
{
    (void)state;
    char paths[8][256];
    int n = templates_of("tanks", paths, 8);
    assert_true(n >= 2);
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
            for (uint64_t seed = 1; seed <= 2; seed++)
                fight("tanks", 2, paths, (int[]){a, b}, seed, NULL);
}

static void test_light_cycles_templates(void **state)
{
    (void)state;
    char paths[8][256];
    int n = templates_of("light_cycles", paths, 8);
    assert_true(n >= 2);
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
            fight("light_cycles", 2, paths, (int[]){a, b}, 3, NULL);
    /* a crowd: six cycles, every template present */
    int who[6];
    for (int i = 0; i < 6; i++)
        who[i] = i % n;
    fight("light_cycles", 6, paths, who, 4, "{\"size\":16}");
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(workdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", workdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_templates PYTHON PYBOT_HARNESS\n");
        return 2;
    }
    python = argv[1];
    harness = argv[2];
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tanks_templates),
        cmocka_unit_test(test_light_cycles_templates),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
