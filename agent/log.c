/*
 * log.c - one line per diagnostic on stderr.
 */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"

static enum log_level max_level = LOG_INFO;
static int with_time;

void log_set_level(enum log_level level)
{
	max_level = level;
}

void log_set_timestamps(int on)
{
	with_time = on;
}

static void vlog(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const tag[] = {"error: ", "warning: ", "", "debug: "};
	char line[2048];
	char ts[32];

	if (level > max_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* one line: a CR or LF from mail data never splits a log line */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (with_time)
		fprintf(stderr, "%s refagent: %s%s\n", time_iso(clock_now(), ts), tag[level], line);
	else
		fprintf(stderr, "refagent: %s%s\n", tag[level], line);
}

#define LOGFN(fn, level)                                                                           \
	void fn(const char *fmt, ...)                                                              \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vlog(level, fmt, ap);                                                              \
		va_end(ap);                                                                        \
	}

LOGFN(log_error, LOG_ERROR)
LOGFN(log_warn, LOG_WARN)
LOGFN(log_info, LOG_INFO)
LOGFN(log_debug, LOG_DEBUG)

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
