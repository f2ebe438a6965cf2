/*
 * progress.h - a progress line on the terminal for long runs (`ingest`,
 * `import`).
 *
 * Drawn on stderr, and only when stderr is a terminal and the run's own
 * lines are not going to that same terminal (stdout redirected, or
 * --quiet): otherwise the two would overwrite each other.  Redrawn at most
 * ten times a second, in place (CR, then erase to the end of the line),
 * and erased at the end.  A log line (log.h) erases it first, so messages
 * never end up on the same line as the bar; the next update draws it
 * again.  Nothing at all is written when output is not a terminal: logs,
 * pipes and tests see no trace of it.
 */
#ifndef REFAGENT_PROGRESS_H
#define REFAGENT_PROGRESS_H

#include <stddef.h>

struct progress;

/* Non-zero when a progress line would be drawn: stderr a terminal, and
 * stdout not one while lines_on_stdout (the run prints a line per item). */
int progress_wanted(int stderr_tty, int stdout_tty, int lines_on_stdout);

/*
 * Starts a progress line for a run of total items (0: unknown) called
 * what ("import", "ingest"), unit naming the items ("rows", "files").
 * Returns NULL when none is wanted (progress_wanted for this process); the
 * other functions accept NULL and do nothing then.
 */
struct progress *progress_start(const char *what, const char *unit, size_t total,
                                int lines_on_stdout);
/* done items of total, and a count of their results for the line
 * ("1200 messages"; note may be NULL). */
void progress_update(struct progress *p, size_t done, const char *note);
/* Erases the line and frees p. */
void progress_end(struct progress *p);

/* Erases the line if one is drawn (log.c calls it before writing). */
void progress_hide(void);

#endif
