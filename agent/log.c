/*
 * log.c - one line per diagnostic on stderr.
 *
 * Under systemd, stderr is a stream to the journal, which reads a leading
 * "<N>" as the line's syslog priority (sd-daemon(3): SD_ERR is "<3>") and
 * stamps the time itself.  So when stderr is that stream, lines go out as
 * "<3>error: ..." without timestamp or "refagent: " (the journal names the
 * program), and `journalctl -p warning` shows errors and warnings only.
 * Anywhere else the lines are exactly as they always were.
 */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "progress.h"

static enum log_level max_level = LOG_INFO;
static int with_time;
static int journal = -1; /* -1: not looked yet */

void log_set_level(enum log_level level)
{
	max_level = level;
}

void log_set_timestamps(int on)
{
	with_time = on;
}

/* systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connects
 * to stdout and stderr; a child whose stderr was redirected elsewhere
 * inherits the variable, hence the comparison with fd 2 itself. */
int log_detect_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int end = 0;

	journal = 0;
	if (env && sscanf(env, "%llu:%llu%n", &dev, &ino, &end) == 2 && env[end] == '\0' &&
	    fstat(2, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino)
		journal = 1;
	return journal;
}

static void vlog(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const tag[] = {"error: ", "warning: ", "", "debug: "};
	/* syslog priorities (LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG of
	 * syslog.h, whose names clash with ours) */
	static const int priority[] = {3, 4, 6, 7};
	char line[2048];
	char ts[32];

	if (level > max_level)
		return;
	if (journal < 0)
		log_detect_journal();
	vsnprintf(line, sizeof(line), fmt, ap);
	/* one line: a CR or LF from mail data never splits a log line */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	progress_hide(); /* a progress line on the terminal goes first */
	if (journal)
		fprintf(stderr, "<%d>%s%s\n", priority[level], tag[level], line);
	else if (with_time)
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
