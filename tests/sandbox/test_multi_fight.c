/*
 * test_multi_fight.c — one sandbox, many fights, as cf-simulator uses it:
 * the pre-spawned coderunners are claimed and refilled between fights, a
 * pooled coderunner that died is replaced, the cancel and progress hooks
 * work, and nothing is left behind (processes, cgroups). Real sandbox: root.
 *
 *   test_multi_fight SOURCE_DIR
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "controller.h"
#include "fight.h"
#include "fight_entry.h"
#include "report.h"
#include "sandbox_testing.h"

/* Every report must pass the contract's own validator (common/report.c). */
static void check_valid(const cJSON *r, const char *what)
{
    char why[256];
    CHECK(cf_report_validate(r, why, sizeof why) == 0, "%s: invalid report: %s", what, why);
}

static const char *verdict(const cJSON *r, int i)
{
    const cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "players"), i);
    return cJSON_GetStringValue(cJSON_GetObjectItem(p, "verdict"));
}

static int my_cgroups(void)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "cf-%d-", (int)getpid());
    int n = 0;
    const char *bases[] = {"/sys/fs/cgroup/memory/codefights", "/sys/fs/cgroup/pids/codefights",
                           "/sys/fs/cgroup/cpuacct/codefights", "/sys/fs/cgroup/cpu/codefights",
                           "/sys/fs/cgroup/codefights"};
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        DIR *d = opendir(bases[i]);
        if (!d)
            continue;
        struct dirent *e;
        while ((e = readdir(d)))
            if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
                n++;
        closedir(d);
    }
    return n;
}

static int progress_calls, cancel_after;

static void on_progress(void *ud, int tick)
{
    (void)ud;
    (void)tick;
    progress_calls++;
}

static bool on_cancelled(void *ud)
{
    (void)ud;
    return --cancel_after < 0;
}

int main(int argc, char **argv)
{
    int bad_args = sandbox_test_args(argc, "test_multi_fight");
    if (bad_args != 0)
        return bad_args;
    char *idle = load_bot(argv[1], "idle.py");
    char *crash = load_bot(argv[1], "v_crashed.py");
    char *stdlib_bot = load_bot(argv[1], "stdlib_user.py");
    char *sleeper = load_bot(argv[1], "v_timeout.py");

    char err[512];
    cf_sandbox_options opts = {0};
    cf_sandbox *sb = cf_sandbox_start(&opts, err, sizeof err);
    if (!sb) {
        fprintf(stderr, "FAIL: cf_sandbox_start: %s\n", err);
        return 1;
    }
    CHECK(sb->pool[0].pid > 0 && sb->pool[1].pid > 0, "the pool is filled at start");
    int pool_groups = my_cgroups();
    CHECK(pool_groups > 0, "the pool's cgroups exist");

    /* Several fights in a row through the pool. */
    for (int i = 0; i < 4; i++) {
        cf_fight_entry m;
        make_msg(&m, "tanks", "a.py", "b.py", i % 2 ? crash : stdlib_bot, idle);
        pid_t pooled = sb->pool[0].pid;
        cJSON *r = cf_fight_run(sb, &m, NULL, err, sizeof err);
        CHECK(r != NULL, "fight %d: %s", i, err);
        if (!r)
            break;
        check_valid(r, "pooled fight");
        CHECK(strcmp(verdict(r, 0), i % 2 ? "crashed" : "ok") == 0, "fight %d: %s", i,
              verdict(r, 0));
        CHECK(strcmp(verdict(r, 1), "ok") == 0, "fight %d: %s", i, verdict(r, 1));
        CHECK(sb->pool[0].pid > 0 && sb->pool[0].pid != pooled,
              "fight %d used the pooled runner and the pool was refilled", i);
        CHECK(my_cgroups() == pool_groups, "only the pool's cgroups remain after fight %d (%d)", i,
              my_cgroups());
        cJSON_Delete(r);
    }

    /* A pooled runner that died before its fight is replaced. */
    pid_t victim = sb->pool[1].pid;
    kill(victim, SIGKILL);
    usleep(50 * 1000);
    {
        cf_fight_entry m;
        make_msg(&m, "tanks", "a.py", "b.py", idle, stdlib_bot);
        cJSON *r = cf_fight_run(sb, &m, NULL, err, sizeof err);
        CHECK(r != NULL, "fight after a dead pooled runner: %s", err);
        if (r) {
            check_valid(r, "fresh runner");
            CHECK(strcmp(verdict(r, 1), "ok") == 0, "fresh runner: %s", verdict(r, 1));
            cJSON_Delete(r);
        }
    }

    /* Bot-controlled text (log, exception) that is not valid UTF-8 or is
     * cut in the middle of a character: the report stays valid. */
    {
        char *bad = load_bot(argv[1], "v_unicode.py");
        cf_fight_entry m;
        make_msg(&m, "tanks", "a.py", "b.py", bad, idle);
        cJSON *r = cf_fight_run(sb, &m, NULL, err, sizeof err);
        CHECK(r != NULL, "unicode fight: %s", err);
        if (r) {
            check_valid(r, "unicode fight");
            CHECK(strcmp(verdict(r, 0), "crashed") == 0, "unicode bot: %s", verdict(r, 0));
            cJSON_Delete(r);
        }
        free(bad);
    }

    /* Hooks: progress is reported; cancel stops a slow fight quickly. */
    {
        cf_fight_entry m;
        make_msg(&m, "tanks", "sleep.py", "idle.py", sleeper, idle);
        progress_calls = 0;
        cancel_after = 3;
        cf_fight_hooks hooks = {.progress = on_progress, .cancelled = on_cancelled};
        cJSON *r = cf_fight_run(sb, &m, &hooks, err, sizeof err);
        CHECK(r != NULL, "cancelled fight: %s", err);
        if (r) {
            check_valid(r, "cancelled fight");
            const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(r, "status"));
            CHECK(status && strcmp(status, "cancelled") == 0, "status %s", status);
            double ms = cJSON_GetNumberValue(cJSON_GetObjectItem(r, "elapsed_ms"));
            CHECK(ms < 1500, "cancelled within a second or so (%.0f ms)", ms);
            cJSON_Delete(r);
        }
    }
    {
        cf_fight_entry m;
        make_msg(&m, "tanks", "a.py", "b.py", idle, idle);
        cancel_after = 1 << 30;
        progress_calls = 0;
        cf_fight_hooks hooks = {.progress = on_progress, .cancelled = on_cancelled};
        cJSON *r = cf_fight_run(sb, &m, &hooks, err, sizeof err);
        CHECK(r != NULL, "fight with hooks: %s", err);
        CHECK(progress_calls >= 1, "progress reported (%d)", progress_calls);
        cJSON_Delete(r);
    }

    /* Refused before any bot runs: unknown game, wrong player count. */
    {
        cf_fight_entry m;
        make_msg(&m, "no_such_game", "a.py", "b.py", idle, idle);
        cJSON *r = cf_fight_run(sb, &m, NULL, err, sizeof err);
        const char *status = r ? cJSON_GetStringValue(cJSON_GetObjectItem(r, "status")) : NULL;
        CHECK(status && strcmp(status, "failed") == 0, "unknown game fails");
        if (r)
            check_valid(r, "failed fight");
        cJSON_Delete(r);
    }

    cf_sandbox_stop(sb);
    CHECK(my_cgroups() == 0, "no cgroup left after stop (%d)", my_cgroups());
    int st;
    CHECK(waitpid(-1, &st, WNOHANG | __WALL) < 0, "no child left after stop");
    free(idle);
    free(crash);
    free(stdlib_bot);
    free(sleeper);
    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    else
        printf("test_multi_fight: all checks passed\n");
    return failures ? 1 : 0;
}
