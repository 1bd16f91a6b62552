/*
 * no_arena.c — cf-web links the games registry for its metadata (names,
 * player counts, settings, docs) but never runs a game: fights run in
 * cf-simulator. The registry's simulate() functions still reference the
 * controller's arena calls, so these definitions satisfy the linker; reaching
 * one would be a bug, and it says so loudly instead of pretending.
 */
#include <stdlib.h>

#include "game.h"
#include "log.h"

static void never(const char *what)
{
    log_error("%s called inside cf-web, which never simulates a fight", what);
    abort();
}

enum cf_call_status cf_arena_call(cf_arena *arena, int player, const char *method,
                                  const cJSON *args, cJSON **result)
{
    (void)arena, (void)player, (void)method, (void)args, (void)result;
    never("cf_arena_call");
    return CF_CALL_DEAD;
}

bool cf_arena_alive(const cf_arena *arena, int player)
{
    (void)arena, (void)player;
    never("cf_arena_alive");
    return false;
}

const char *cf_arena_death(const cf_arena *arena, int player)
{
    (void)arena, (void)player;
    never("cf_arena_death");
    return "";
}

void cf_arena_progress(cf_arena *arena, int tick)
{
    (void)arena, (void)tick;
    never("cf_arena_progress");
}
