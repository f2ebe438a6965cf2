/*
 * log.h - one-line diagnostics on stderr.
 *
 * Every line starts with "refagent: " and names what it is about (a file,
 * file:line, or a message) so an admin can act on it.  The daemon adds a
 * timestamp.  Passwords never reach the log: callers pass only names.
 */
#ifndef REFAGENT_LOG_H
#define REFAGENT_LOG_H

#include "util.h"

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Lines above this level are dropped.  Default LOG_INFO. */
void log_set_level(enum log_level level);
/* When non-zero, lines carry an ISO 8601 timestamp (for `run`). */
void log_set_timestamps(int on);

void log_error(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_warn(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_info(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_debug(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Prints the message and exits with status 1 (out of memory and other
 * states the process cannot continue from). */
void fatal(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;

#endif
