/*
 * store_check.c — the outcome of a version's check, onto the version.
 *
 * A check (web/version_check.c) is a short validation fight of a bot
 * version against itself, sent on cf:fights under the version's check_id.
 * Its result is not a fight's: it has no fights row and gets none. The
 * version becomes ok when every copy ended with verdict ok and no call
 * raised or returned a decision the game refused; failed otherwise, with
 * the first thing that went wrong in words the author can act on: the
 * crash's detail (the harness names the line of the bot's code, e.g.
 * "SyntaxError: expected ':' (line 3)", "the bot defines no class
 * Main"), the verdict, or the first call that raised ("AttributeError:
 * Main has no decide_tick at tick 0", "ValueError: no plan (line 5) at
 * tick 2") or was refused. A check that could not run (a failed report:
 * the entry was refused) fails with its reason.
 *
 * A version waiting for its check to enter the ladder (a pending entry)
 * enters or is refused in the same transaction (ladder_checked.c).
 *
 * Like a fight's, a result for a check that is no longer checking (a
 * second copy, a check the reconciler gave up on) changes nothing; the row
 * is locked first so two processors serialise on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rp.h"

#define CHECK_MESSAGE_MAX 2000 /* bytes; the column takes 2048 */

static const char *str_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* What a verdict means, for a check's message. */
static const char *verdict_words(const char *verdict)
{
    static const struct {
        const char *verdict, *words;
    } table[] = {
        {"timeout", "a call took longer than its time limit"},
        {"cpu_time", "the bot used more CPU time than allowed"},
        {"memory", "the bot used more memory than allowed"},
        {"illegal", "the bot did something the sandbox forbids"},
        {"crashed", "the bot crashed"},
        {"bad_output", "the bot broke the protocol"},
        {"killed", "the bot was killed"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].verdict, verdict) == 0)
            return table[i].words;
    return verdict;
}

/* Cuts s to at most CHECK_MESSAGE_MAX bytes on a UTF-8 boundary. */
static void cap(char *s)
{
    size_t n = strlen(s);
    if (n <= CHECK_MESSAGE_MAX)
        return;
    n = CHECK_MESSAGE_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    s[n] = '\0';
}

/* The message of a failed check into out (empty: the check passed). */
static void judge(const cf_result_entry *msg, char *out, size_t outlen)
{
    const cJSON *rep = msg->report;
    out[0] = '\0';
    if (strcmp(msg->status, "finished") != 0) {
        snprintf(out, outlen, "the check could not run (%s): %s", msg->status,
                 str_of(rep, "explanation"));
        return;
    }
    const cJSON *players = cJSON_GetObjectItemCaseSensitive(rep, "players"), *pl;
    cJSON_ArrayForEach (pl, players) {
        const char *verdict = str_of(pl, "verdict");
        const char *detail = str_of(pl, "detail");
        if (strcmp(verdict, "ok") == 0)
            continue;
        if (strcmp(verdict, "crashed") == 0 && detail[0] != '\0')
            snprintf(out, outlen, "%s", detail);
        else if (detail[0] != '\0')
            snprintf(out, outlen, "%s: %s", verdict_words(verdict), detail);
        else
            snprintf(out, outlen, "%s", verdict_words(verdict));
        return;
    }
    cJSON_ArrayForEach (pl, players) {
        const cJSON *first = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(pl, "errors"), "first");
        if (!cJSON_IsObject(first))
            continue;
        const cJSON *tick = cJSON_GetObjectItemCaseSensitive(first, "tick");
        int t = cJSON_IsNumber(tick) ? tick->valueint : 0;
        if (strcmp(str_of(first, "kind"), "invalid") == 0)
            snprintf(out, outlen, "the game refused a decision at tick %d: %s", t,
                     str_of(first, "message"));
        else
            snprintf(out, outlen, "%s at tick %d", str_of(first, "message"), t);
        return;
    }
}

int rp_store_check(cf_pg *pg, const cf_result_entry *msg, char *err, size_t errlen)
{
    const char *p1[] = {msg->id};
    PGresult *res = cf_pg_exec(pg,
                               "SELECT id, check_status FROM bot_versions "
                               "WHERE check_id = $1::uuid FOR UPDATE",
                               1, p1);
    if (res == NULL) {
        snprintf(err, errlen, "%s", cf_pg_error(pg));
        return -1;
    }
    if (PQntuples(res) == 0) {
        PQclear(res);
        return 3;
    }
    char vid[32];
    snprintf(vid, sizeof vid, "%s", PQgetvalue(res, 0, 0));
    bool checking = strcmp(PQgetvalue(res, 0, 1), "checking") == 0;
    PQclear(res);
    if (!checking) {
        log_info("check %s of version %s is over already: result ignored", msg->id, vid);
        return 0;
    }
    char message[4096];
    judge(msg, message, sizeof message);
    cap(message);
    const char *p[] = {vid, message[0] != '\0' ? "failed" : "ok",
                       message[0] != '\0' ? message : NULL};
    if (cf_pg_run(pg,
                  "UPDATE bot_versions SET check_status = $2, check_message = $3, "
                  "checked_at = now() WHERE id = $1::bigint",
                  3, p) != 0) {
        snprintf(err, errlen, "%s", cf_pg_error(pg));
        return -1;
    }
    if (rp_ladder_checked(pg, vid, message[0] != '\0' ? message : NULL) != 0) {
        snprintf(err, errlen, "%s", cf_pg_error(pg));
        return -1;
    }
    log_info("check %s: version %s %s%s%s", msg->id, vid, p[1], message[0] ? ": " : "", message);
    return 1;
}
