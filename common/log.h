/*
 * log.h — one line per event on stderr, as text or as JSON.
 *
 *   2026-11-25T16:53:14.123Z info cf-simulator: fight 6a1… finished in 14 ms
 *   {"ts":"2026-11-25T16:53:14.123Z","level":"info","prog":"cf-simulator","msg":"…"}
 *
 * Safe to call from several threads; each line is written with one write(2).
 */
#ifndef CF_LOG_H
#define CF_LOG_H

#include <stdbool.h>

enum cf_log_level { CF_LOG_DEBUG, CF_LOG_INFO, CF_LOG_WARN, CF_LOG_ERROR };

void cf_log_init(const char *prog, enum cf_log_level level, bool json);
/* "debug", "info", "warn", "error" -> level; -1 when unknown. */
int cf_log_level_parse(const char *name);
void cf_log(enum cf_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) cf_log(CF_LOG_DEBUG, __VA_ARGS__)
#define log_info(...) cf_log(CF_LOG_INFO, __VA_ARGS__)
#define log_warn(...) cf_log(CF_LOG_WARN, __VA_ARGS__)
#define log_error(...) cf_log(CF_LOG_ERROR, __VA_ARGS__)

#endif
