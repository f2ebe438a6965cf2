/*
 * jobnote.c - the facts a job passes to its template (see jobnote.h).
 */
#include "jobnote.h"

#include <string.h>

#include "util.h"

void jobnote_add(struct buf *b, const char *name, const char *value)
{
	size_t start;

	if (str_blank(value))
		return;
	while (*value == ' ' || *value == '\t' || *value == '\r' || *value == '\n')
		value++;
	buf_printf(b, "%s=", name);
	start = b->len;
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		buf_addc(b, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
	while (b->len > start && b->s[b->len - 1] == ' ')
		b->s[--b->len] = '\0';
	buf_addc(b, '\n');
}

void jobnote_each(const char *note,
                  void (*fn)(void *ctx, const char *name, size_t nlen, const char *value,
                             size_t vlen),
                  void *ctx)
{
	for (const char *p = note; p && *p;) {
		size_t len = strcspn(p, "\n");
		const char *eq = memchr(p, '=', len);

		if (len > 0) {
			if (eq)
				fn(ctx, p, (size_t)(eq - p), eq + 1, len - (size_t)(eq - p) - 1);
			else
				fn(ctx, "", 0, p, len);
		}
		p += len;
		if (*p == '\n')
			p++;
	}
}

struct get {
	const char *name;
	char *value;
};

static void get_one(void *ctx, const char *name, size_t nlen, const char *value, size_t vlen)
{
	struct get *g = ctx;

	if (g->value == NULL && nlen == strlen(g->name) && memcmp(name, g->name, nlen) == 0)
		g->value = xstrndup(value, vlen);
}

char *jobnote_get(const char *note, const char *name)
{
	struct get g = {name, NULL};

	jobnote_each(note, get_one, &g);
	return g.value;
}
