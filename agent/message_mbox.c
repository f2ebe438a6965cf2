/*
 * message_mbox.c - an mbox file (RFC 4155) split into its messages, for
 * `ingest` of an exported mailbox.  No MIME here: the separator lines are
 * found by hand and each message's bytes go to message_parse() as they are.
 */
#include "message.h"

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

/*
 * mboxo and mboxrd (RFC 4155): every line starting with "From " begins a
 * message; the blank line the writer put before it is not part of the
 * message before.  ">From " lines (any number of '>') lose one '>', which
 * is right for mboxrd and the usual reading of mboxo.
 */
int message_mbox_foreach(const char *data, size_t len,
                         int (*fn)(const char *raw, size_t rawlen, int index, void *arg), void *arg)
{
	const char *p = data, *end;
	int index = 0;

	if (data == NULL)
		return 0;
	end = data + len;
	while (p < end) {
		const char *start, *q, *stop;
		int escapes = 0, rc;

		/* the separator line */
		if (end - p >= 5 && memcmp(p, "From ", 5) == 0) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			p = nl ? nl + 1 : end;
		}
		start = q = p;
		stop = end;
		while (q < end) {
			const char *nl = memchr(q, '\n', (size_t)(end - q));
			const char *next = nl ? nl + 1 : end;

			if (next < end && end - next >= 5 && memcmp(next, "From ", 5) == 0) {
				stop = next;
				break;
			}
			if (escaped_from(q, (size_t)(next - q)))
				escapes++;
			q = next;
		}
		p = stop;
		/* drop the blank line before the next separator */
		if (stop - start >= 2 && stop[-1] == '\n' && stop[-2] == '\n')
			stop--;
		else if (stop - start >= 4 && memcmp(stop - 4, "\r\n\r\n", 4) == 0)
			stop -= 2;
		if (stop == start && p >= end)
			break;
		index++;
		if (escapes == 0) {
			rc = fn(start, (size_t)(stop - start), index, arg);
		} else {
			struct buf b = {0};
			const char *l = start;

			while (l < stop) {
				const char *nl = memchr(l, '\n', (size_t)(stop - l));
				const char *next = nl ? nl + 1 : stop;

				if (escaped_from(l, (size_t)(next - l)))
					l++;
				buf_add(&b, l, (size_t)(next - l));
				l = next;
			}
			rc = fn(b.s ? b.s : "", b.len, index, arg);
			buf_free(&b);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}
