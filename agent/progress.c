/*
 * progress.c - the progress line of long runs (see progress.h).
 *
 * One line at a time per process, so log.c can erase it without being
 * handed anything: the line in use is a file-level pointer.  The line is
 * drawn with CR and the ANSI "erase to end of line" (ECMA-48 EL, ESC [ K),
 * which every terminal emulator in use understands.
 */
#include "progress.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define BAR_WIDTH   30
#define REDRAW_NSEC (100 * 1000 * 1000) /* at most ten times a second */

struct progress {
	char what[32];
	char unit[16];
	size_t total;
	int64_t last; /* monotonic nanoseconds of the last draw, 0: never */
	int drawn;    /* the line is on the screen */
};

static struct progress *current;

int progress_wanted(int stderr_tty, int stdout_tty, int lines_on_stdout)
{
	return stderr_tty && !(lines_on_stdout && stdout_tty);
}

static int64_t now_nsec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct progress *progress_start(const char *what, const char *unit, size_t total,
                                int lines_on_stdout)
{
	struct progress *p;

	if (!progress_wanted(isatty(2), isatty(1), lines_on_stdout))
		return NULL;
	p = xcalloc(1, sizeof(*p));
	snprintf(p->what, sizeof(p->what), "%s", what);
	snprintf(p->unit, sizeof(p->unit), "%s", unit);
	p->total = total;
	current = p;
	return p;
}

static void draw(struct progress *p, size_t done, const char *note)
{
	char bar[BAR_WIDTH + 1];

	fputs("\r\033[K", stderr);
	if (p->total) {
		size_t filled = done >= p->total ? BAR_WIDTH : done * BAR_WIDTH / p->total;

		memset(bar, '#', filled);
		memset(bar + filled, '.', BAR_WIDTH - filled);
		bar[BAR_WIDTH] = '\0';
		fprintf(stderr, "%s: [%s] %3zu%% %zu/%zu %s", p->what, bar,
		        done >= p->total ? (size_t)100 : done * 100 / p->total, done, p->total,
		        p->unit);
	} else {
		fprintf(stderr, "%s: %zu %s", p->what, done, p->unit);
	}
	if (note)
		fprintf(stderr, ", %s", note);
	fflush(stderr);
	p->drawn = 1;
}

void progress_update(struct progress *p, size_t done, const char *note)
{
	int64_t t;

	if (p == NULL)
		return;
	t = now_nsec();
	if (p->last && t - p->last < REDRAW_NSEC)
		return;
	p->last = t;
	draw(p, done, note);
}

void progress_hide(void)
{
	if (current == NULL || !current->drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	current->drawn = 0;
	current->last = 0; /* drawn again at the next update */
}

void progress_end(struct progress *p)
{
	if (p == NULL)
		return;
	progress_hide();
	if (current == p)
		current = NULL;
	free(p);
}
