/*
 * log.h - one-line diagnostics on stderr.
 *
 * Every line starts with "refagent: " and names what it is about (a file,
 * file:line, or a message) so an admin can act on it.  The daemon adds a
 * timestamp.  Passwords never reach the log: callers pass only names.
 *
 * When stderr is the systemd journal, lines are "<N>TEXT" instead: N the
 * syslog priority (3 error, 4 warning, 6 info, 7 debug), TEXT without the
 * "refagent: " and the timestamp, which the journal records itself.
 */
#ifndef REFAGENT_LOG_H
#define REFAGENT_LOG_H

#include "util.h"

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Lines above this level are dropped.  Default LOG_INFO. */
void log_set_level(enum log_level level);
/* When non-zero, lines carry an ISO 8601 timestamp (for `run`). */
void log_set_timestamps(int on);
/* Looks again whether stderr is the journal (JOURNAL_STREAM names the
 * device and inode of fd 2) and returns 1 if so, else 0.  The first log
 * line looks by itself; call this after redirecting fd 2. */
int log_detect_journal(void);

void log_error(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_warn(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_info(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_debug(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Prints the message and exits with status 1 (out of memory and other
 * states the process cannot continue from). */
void fatal(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;

#endif
