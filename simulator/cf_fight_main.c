/*
 * cf_fight_main.c — cf-fight, the local runner (docs/cf-fight.md).
 *
 *   cf-fight --game tanks [--seed N] [--set key=value ...] [--json]
 *            [--replay FILE] [--require-layers a,b] [--no-sandbox] [--no-pin]
 *            BOT.py ...
 *
 * The same controller and sandbox as cf-simulator, without Redis or a
 * database. Like a simulator's fight worker, it keeps the fight (itself,
 * its forkserver and its bots) on the CPU it starts on, unless --no-pin
 * (cpu_pin.h). Exit status: 0 when the fight was simulated (whatever the bots
 * did), 1 when it could not be (sandbox, unknown game, bad settings), 2 on a
 * usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "cpu_pin.h"
#include "fight.h"
#include "fight_entry.h"
#include "file_read.h"
#include "text.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cf-fight --game NAME [--seed N] [--set key=value ...] [--json]\n"
            "                [--replay FILE] [--require-layers a,b] [--no-sandbox] [--no-pin]\n"
            "                BOT.py BOT.py ...\n"
            "\n"
            "  --game NAME            the game (tanks, light_cycles, ...)\n"
            "  --seed N               seed of the game's random draws (default: random)\n"
            "  --set key=value        a game setting (integer); repeatable\n"
            "  --json                 print the report JSON on stdout\n"
            "  --replay FILE          write the replay data (the report's \"data\") to FILE\n"
            "  --require-layers LIST  refuse to run unless these layers are active\n"
            "                         (namespaces,mounts,cgroup,rlimits,apparmor,landlock,\n"
            "                         seccomp,ptrace)\n"
            "  --no-sandbox           UNSAFE: run bots as plain Python processes (no root needed)\n"
            "  --no-pin               let the fight's processes run on any CPU (default: the\n"
            "                         one cf-fight starts on, so calls and replies stay there)\n"
            "\n"
            "Needs root for the sandbox. Exit 0 when the fight was simulated, 1 when it\n"
            "could not be, 2 on a usage error.\n");
}

/* A bot's code: at most the simulator's default limit, UTF-8 text. */
static int read_code(const char *path, cf_fight_player *p, char *err, size_t errlen)
{
    p->code = cf_read_file(path, CF_DEFAULT_MAX_CODE_BYTES, &p->code_len, err, errlen);
    if (p->code == NULL)
        return -1;
    if (!cf_utf8_valid(p->code, p->code_len)) {
        snprintf(err, errlen, "%s: not UTF-8 text", path);
        return -1;
    }
    return 0;
}

static int add_setting(cJSON *settings, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) {
        fprintf(stderr, "cf-fight: --set wants key=value, got \"%s\"\n", kv);
        return -1;
    }
    char key[64];
    size_t klen = (size_t)(eq - kv);
    if (klen >= sizeof key) {
        fprintf(stderr, "cf-fight: setting name too long\n");
        return -1;
    }
    memcpy(key, kv, klen);
    key[klen] = '\0';
    cJSON *val = cJSON_Parse(eq + 1);
    if (!val)
        val = cJSON_CreateString(eq + 1); /* the game says why it is wrong */
    cJSON_DeleteItemFromObjectCaseSensitive(settings, key);
    cJSON_AddItemToObject(settings, key, val);
    return 0;
}

static void print_summary(const cJSON *r)
{
    const cJSON *status = cJSON_GetObjectItem(r, "status");
    const cJSON *expl = cJSON_GetObjectItem(r, "explanation");
    printf("%s, seed %.0f: %s after %d tick(s) in %.0f ms\n",
           cJSON_GetStringValue(cJSON_GetObjectItem(r, "game")),
           cJSON_GetNumberValue(cJSON_GetObjectItem(r, "seed")), cJSON_GetStringValue(status),
           (int)cJSON_GetNumberValue(cJSON_GetObjectItem(r, "ticks")),
           cJSON_GetNumberValue(cJSON_GetObjectItem(r, "elapsed_ms")));
    const cJSON *p;
    int i = 0;
    cJSON_ArrayForEach (p, cJSON_GetObjectItem(r, "players")) {
        const cJSON *res = cJSON_GetObjectItem(p, "result");
        char result[32];
        if (cJSON_IsString(res))
            snprintf(result, sizeof result, "%s", res->valuestring);
        else if (cJSON_IsNumber(res))
            snprintf(result, sizeof result, "rank %d", res->valueint);
        else
            snprintf(result, sizeof result, "-");
        const cJSON *score = cJSON_GetObjectItem(p, "score");
        const char *detail = cJSON_GetStringValue(cJSON_GetObjectItem(p, "detail"));
        printf("  %d. %-20s %-8s", ++i, cJSON_GetStringValue(cJSON_GetObjectItem(p, "name")),
               result);
        if (cJSON_IsNumber(score))
            printf(" score %-6g", score->valuedouble);
        printf(" verdict %s%s%s  cpu %.0f ms  memory %.0f KB\n",
               cJSON_GetStringValue(cJSON_GetObjectItem(p, "verdict")),
               detail && *detail ? ": " : "", detail ? detail : "",
               cJSON_GetNumberValue(cJSON_GetObjectItem(p, "cpu_ms")),
               cJSON_GetNumberValue(cJSON_GetObjectItem(p, "peak_memory_kb")));
        const char *log = cJSON_GetStringValue(cJSON_GetObjectItem(p, "log"));
        if (log && *log) {
            printf("     log:\n");
            for (const char *l = log; *l;) {
                const char *nl = strchr(l, '\n');
                int len = nl ? (int)(nl - l) : (int)strlen(l);
                printf("       | %.*s\n", len, l);
                l += len + (nl ? 1 : 0);
            }
        }
    }
    char *summary = cJSON_PrintUnformatted(cJSON_GetObjectItem(r, "result"));
    printf("result: %s\n", summary ? summary : "null");
    free(summary);
    if (cJSON_IsString(expl) && expl->valuestring[0])
        printf("explanation: %s\n", expl->valuestring);
}

int main(int argc, char **argv)
{
    enum { OPT_NO_SANDBOX = 256, OPT_REQUIRE, OPT_NO_PIN, OPT_HELP };
    static const struct option longopts[] = {
        {"game", required_argument, NULL, 'g'},
        {"seed", required_argument, NULL, 's'},
        {"set", required_argument, NULL, 'S'},
        {"json", no_argument, NULL, 'j'},
        {"replay", required_argument, NULL, 'r'},
        {"no-sandbox", no_argument, NULL, OPT_NO_SANDBOX},
        {"require-layers", required_argument, NULL, OPT_REQUIRE},
        {"no-pin", no_argument, NULL, OPT_NO_PIN},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *game = NULL, *replay = NULL;
    bool json = false, pin = true;
    cf_sandbox_options opts = {.single_fight = true, .debug = getenv("CF_FIGHT_DEBUG") != NULL};
    cf_fight_entry msg;
    memset(&msg, 0, sizeof msg);
    cJSON *settings = cJSON_CreateObject();
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'g': game = optarg; break;
        case 's': {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || *end || !*optarg || optarg[0] == '-' || v >= (1ull << 53)) {
                fprintf(stderr, "cf-fight: --seed wants an integer in [0, 2^53)\n");
                return 2;
            }
            msg.has_seed = true;
            msg.seed = v;
            break;
        }
        case 'S':
            if (add_setting(settings, optarg) < 0)
                return 2;
            break;
        case 'j': json = true; break;
        case 'r': replay = optarg; break;
        case OPT_NO_SANDBOX: opts.unsafe_no_sandbox = true; break;
        case OPT_REQUIRE: opts.require_layers = optarg; break;
        case OPT_NO_PIN: pin = false; break;
        case OPT_HELP: usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    int nbots = argc - optind;
    if (!game || nbots < 1) {
        usage(stderr);
        return 2;
    }
    if (nbots > CF_MAX_PLAYERS || strlen(game) > CF_GAME_NAME_MAX) {
        fprintf(stderr, "cf-fight: at most %d bots, game names of at most %d characters\n",
                CF_MAX_PLAYERS, CF_GAME_NAME_MAX);
        return 2;
    }
    cf_uuid_generate(msg.id);
    snprintf(msg.game, sizeof msg.game, "%s", game);
    msg.settings = settings;
    msg.nplayers = nbots;
    char err[512];
    for (int i = 0; i < nbots; i++) {
        const char *path = argv[optind + i];
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t blen = strlen(base);
        if (blen == 0 || blen > CF_PLAYER_NAME_MAX || !cf_utf8_valid(base, blen))
            snprintf(msg.players[i].name, sizeof msg.players[i].name, "player%d.py", i + 1);
        else
            memcpy(msg.players[i].name, base, blen + 1);
        if (read_code(path, &msg.players[i], err, sizeof err) < 0) {
            fprintf(stderr, "cf-fight: %s\n", err);
            return 2;
        }
    }

    if (opts.unsafe_no_sandbox)
        fprintf(stderr, "cf-fight: *** UNSAFE: --no-sandbox runs the bots as plain Python "
                        "processes with your privileges ***\n");
    /* Before the sandbox starts, so that its forkserver and bots inherit
     * it; not fatal (the fight runs anywhere). */
    if (pin && cf_cpu_pin_here() < 0)
        fprintf(stderr, "cf-fight: cannot keep the fight on one CPU (%s); running unpinned\n",
                strerror(errno));
    int64_t t0 = cf_now_us();
    cf_sandbox *sb = cf_sandbox_start(&opts, err, sizeof err);
    if (!sb) {
        fprintf(stderr, "cf-fight: %s\n", err);
        return 1;
    }
    if (getenv("CF_FIGHT_DEBUG"))
        fprintf(stderr, "cf-fight: sandbox started in %.2f ms\n", (double)(cf_now_us() - t0) / 1e3);
    cf_sandbox_describe(sb, stderr);
    cJSON *report = cf_fight_run(sb, &msg, NULL, err, sizeof err);
    cf_sandbox_stop(sb);
    int rc = 0;
    if (!report) {
        fprintf(stderr, "cf-fight: %s\n", err);
        rc = 1;
    } else {
        const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(report, "status"));
        if (!status || strcmp(status, "finished") != 0) {
            const char *why = cJSON_GetStringValue(cJSON_GetObjectItem(report, "explanation"));
            fprintf(stderr, "cf-fight: the fight was not simulated: %s\n", why ? why : "?");
            rc = 1;
        }
        if (replay) {
            char *data = cJSON_PrintUnformatted(cJSON_GetObjectItem(report, "data"));
            FILE *f = data ? fopen(replay, "w") : NULL;
            bool ok = f && fprintf(f, "%s\n", data) >= 0;
            if (f && fclose(f) != 0)
                ok = false;
            if (!ok) {
                fprintf(stderr, "cf-fight: cannot write %s: %s\n", replay, strerror(errno));
                rc = 1;
            }
            free(data);
        }
        if (json) {
            char *text = cJSON_PrintUnformatted(report);
            if (text)
                printf("%s\n", text);
            free(text);
        } else {
            print_summary(report);
        }
        cJSON_Delete(report);
    }
    for (int i = 0; i < nbots; i++)
        free(msg.players[i].code);
    cJSON_Delete(settings);
    return rc;
}
