/*
 * message_mbox.c - an mbox file (RFC 4155) split into its messages, for
 * `ingest` of an exported mailbox.  No MIME here: the separator lines are
 * found by hand and each message's bytes go to message_parse() as they are.
 */
#include "message.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

int message_is_mbox(const char *data, size_t len)
{
	return data != NULL && len >= 5 && memcmp(data, "From ", 5) == 0;
}

/* Non-zero when the line at p (len bytes) is an mboxrd-escaped From line:
 * one or more '>' then "From ". */
static int escaped_from(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] == '>')
		i++;
	return i > 0 && len - i >= 5 && memcmp(p + i, "From ", 5) == 0;
}

int message_mbox_cut(const char *data, size_t len, int eof, struct mbox_cut *c)
{
	const char *p = data, *end = data + len, *start, *q, *stop;
	int found = 0;

	memset(c, 0, sizeof(*c));
	if (data == NULL || len == 0)
		return eof ? -1 : 0;
	/* the separator line */
	if (len >= 5 && memcmp(p, "From ", 5) == 0) {
		const char *nl = memchr(p, '\n', len);

		if (nl == NULL && !eof)
			return 0;
		p = nl ? nl + 1 : end;
	} else if (len < 5 && !eof) {
		return 0;
	}
	start = q = p;
	stop = end;
	while (q < end) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		const char *next = nl ? nl + 1 : end;

		if (!eof && (nl == NULL || end - next < 5))
			return 0; /* the line, or whether a separator follows, is not here yet */
		if (next < end && end - next >= 5 && memcmp(next, "From ", 5) == 0) {
			stop = next;
			found = 1;
			break;
		}
		if (escaped_from(q, (size_t)(next - q)))
			c->escapes++;
		q = next;
	}
	if (!found && !eof)
		return 0;
	c->next = (size_t)(stop - data);
	/* drop the blank line before the next separator */
	if (stop - start >= 2 && stop[-1] == '\n' && stop[-2] == '\n')
		stop--;
	else if (stop - start >= 4 && memcmp(stop - 4, "\r\n\r\n", 4) == 0)
		stop -= 2;
	if (stop == start && !found)
		return -1;
	c->start = (size_t)(start - data);
	c->stop = (size_t)(stop - data);
	return 1;
}

char *message_mbox_unescape(const char *raw, size_t len, size_t *len_r)
{
	struct buf b = {0};
	const char *l = raw, *stop = raw + len;

	while (l < stop) {
		const char *nl = memchr(l, '\n', (size_t)(stop - l));
		const char *next = nl ? nl + 1 : stop;

		if (escaped_from(l, (size_t)(next - l)))
			l++;
		buf_add(&b, l, (size_t)(next - l));
		l = next;
	}
	*len_r = b.len;
	return b.s ? buf_steal(&b) : xstrdup("");
}

/*
 * mboxo and mboxrd (RFC 4155): every line starting with "From " begins a
 * message; the blank line the writer put before it is not part of the
 * message before.  ">From " lines (any number of '>') lose one '>', which
 * is right for mboxrd and the usual reading of mboxo.
 */
int message_mbox_foreach(const char *data, size_t len,
                         int (*fn)(const char *raw, size_t rawlen, int index, void *arg), void *arg)
{
	size_t off = 0;
	int index = 0;

	if (data == NULL)
		return 0;
	while (off < len) {
		struct mbox_cut c;
		int rc;

		if (message_mbox_cut(data + off, len - off, 1, &c) <= 0)
			break;
		index++;
		if (c.escapes == 0) {
			rc = fn(data + off + c.start, c.stop - c.start, index, arg);
		} else {
			size_t n;
			char *raw =
			        message_mbox_unescape(data + off + c.start, c.stop - c.start, &n);

			rc = fn(raw, n, index, arg);
			free(raw);
		}
		if (rc != 0)
			return rc;
		off += c.next;
	}
	return 0;
}
