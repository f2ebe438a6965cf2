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

/* Length of the valid UTF-8 sequence at p (RFC 3629 section 4: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

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
		n = utf8_seq(p, end);
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
		n = utf8_seq(p, end);
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
