/*
 * play_screen.h — a play's screen as a late viewer needs it (play_screen.c).
 *
 *   play_screen *s = play_screen_new();
 *   play_screen_show(s, msg, entry_id);   each relayed display message
 *   play_screen_input(s, event);          each input event passed on
 *   if (play_screen_dirty(s))
 *       json = play_screen_json(s);       {"last_id", "messages": [...]}
 */
#ifndef CF_PLAY_SCREEN_H
#define CF_PLAY_SCREEN_H

#include <stdbool.h>

#include <cjson/cJSON.h>

typedef struct play_screen play_screen;

play_screen *play_screen_new(void);
void play_screen_free(play_screen *s);
/* A display message relayed as stream entry entry_id (NULL: not published). */
void play_screen_show(play_screen *s, const cJSON *msg, const char *entry_id);
/* An input event: an answer closes its prompt. */
void play_screen_input(play_screen *s, const cJSON *ev);
bool play_screen_dirty(const play_screen *s);
/* The screen now (malloc'd JSON; NULL when memory ran out). */
char *play_screen_json(play_screen *s);

#endif
