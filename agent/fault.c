/*
 * fault.c - collecting a load's faults and printing them sorted.
 *
 * The text of each fault is formatted when it is recorded (the loader's
 * path may be gone by the time they are printed); only the sort keys are
 * kept beside it.
 */
#include "fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void fault_vadd(struct fault_list *l, size_t file, const char *path, int line, int column,
                const char *fmt, va_list ap)
{
	char *msg = NULL;
	struct fault *f;

	if (vasprintf(&msg, fmt, ap) < 0)
		fatal("out of memory (fault message)");
	l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
	f = &l->v[l->n];
	f->file = file;
	f->line = line;
	f->column = column;
	f->seq = l->n;
	if (line > 0 && column > 0)
		f->text = xasprintf("%s:%d:%d: %s", path, line, column, msg);
	else if (line > 0)
		f->text = xasprintf("%s:%d: %s", path, line, msg);
	else
		f->text = xasprintf("%s: %s", path, msg);
	free(msg);
	l->n++;
}

void fault_add(struct fault_list *l, size_t file, const char *path, int line, int column,
               const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fault_vadd(l, file, path, line, column, fmt, ap);
	va_end(ap);
}

static int fault_cmp(const void *a, const void *b)
{
	const struct fault *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t fault_flush(struct fault_list *l)
{
	size_t n = l->n;

	if (n > 1)
		qsort(l->v, n, sizeof(*l->v), fault_cmp);
	for (size_t i = 0; i < n; i++) {
		fprintf(stderr, "%s\n", l->v[i].text);
		free(l->v[i].text);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
	return n;
}
