/*
 * text.c - plain-text helpers for mail bodies: UTF-8 clean-up.  The
 * "what did the sender actually write" trimmer is in text_context.c.
 *
 * Mail arrives in any charset and with any line ends; the rest of the
 * agent (rules, store, templates) sees clean UTF-8 with LF only.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---------------------------------------------------------------- UTF-8 */

char *text_clean_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end, *span;
	struct buf b = {0};
	size_t n;

	if (s == NULL || len == 0)
		return xstrdup("");
	end = p + len;
	/* The common case is clean ASCII or UTF-8 with LF line ends: one
	 * scan, one copy. */
	while (p < end) {
		if (*p >= 0x20 && *p < 0x80) {
			p++;
			continue;
		}
		if (*p == '\r' || *p == '\0')
			break;
		n = utf8_seq((const char *)p, (size_t)(end - p));
		if (n == 0)
			break;
		p += n;
	}
	if (p == end) {
		char *r = xmalloc(len + 1);
		memcpy(r, s, len);
		r[len] = '\0';
		return r;
	}

	b.s = xgrow(NULL, &b.cap, len + 16, 1);
	span = (const unsigned char *)s;
	while (p < end) {
		if (*p >= 0x20 && *p < 0x80) {
			p++;
			continue;
		}
		if (*p == '\r') {
			/* CRLF and lone CR (old Mac mail) both become LF */
			buf_add(&b, (const char *)span, (size_t)(p - span));
			buf_addc(&b, '\n');
			p += (p + 1 < end && p[1] == '\n') ? 2 : 1;
			span = p;
			continue;
		}
		if (*p == '\0') {
			/* a NUL would end the C string early: dropped */
			buf_add(&b, (const char *)span, (size_t)(p - span));
			span = ++p;
			continue;
		}
		n = utf8_seq((const char *)p, (size_t)(end - p));
		if (n == 0) {
			buf_add(&b, (const char *)span, (size_t)(p - span));
			buf_add(&b, "\xEF\xBF\xBD", 3); /* U+FFFD */
			span = ++p;
			continue;
		}
		p += n;
	}
	buf_add(&b, (const char *)span, (size_t)(p - span));
	return buf_steal(&b);
}
