/*
 * fault.h - the faults a loader finds in the admin's files (rule files,
 * templates), collected so that all of them are shown at once.
 *
 * A loader records every fault it meets instead of stopping at the first,
 * and prints them together, sorted by file, then line, then column, then
 * the order they were found, so the admin fixes them in one go.  Each is
 * one line on stderr:
 *
 *   path:line:column: text    (line > 0, column > 0)
 *   path:line: text           (line > 0, no column)
 *   path: text                (line 0: about the file as a whole)
 */
#ifndef REFAGENT_FAULT_H
#define REFAGENT_FAULT_H

#include <stdarg.h>
#include <stddef.h>

#include "util.h"

struct fault {
	size_t file; /* the file's place in the load: files sort by it */
	int line;    /* 1-based; 0: the file as a whole */
	int column;  /* 1-based; 0: none */
	size_t seq;  /* order found: keeps faults at one place in order */
	char *text;  /* the whole line as printed, without the newline */
};

/* The faults of one load.  Zero-initialise ({0}) before use. */
struct fault_list {
	struct fault *v;
	size_t n, cap;
};

/* Records a fault in file number file (path as printed) at line and
 * column (0 when none), the text made from fmt. */
void fault_add(struct fault_list *l, size_t file, const char *path, int line, int column,
               const char *fmt, ...) PRINTF_LIKE(6, 7);
void fault_vadd(struct fault_list *l, size_t file, const char *path, int line, int column,
                const char *fmt, va_list ap) PRINTF_LIKE(6, 0);

/* Prints the faults on stderr, sorted (see above), and empties the list.
 * Returns how many there were. */
size_t fault_flush(struct fault_list *l);

#endif
