/*
 * message_body.c - the MIME walk: which part is the text of a message, its
 * conversion to UTF-8, the attachments' names, and where a report's parts
 * go (message_dsn.c) and a forward's (message_forward.c).
 *
 * The body is text/plain, else text/html made text, else a nameless text
 * attachment, else the prologue of a multipart whose boundary never came.
 *
 * Charsets: for bodies we do the charset step ourselves, because
 * g_mime_text_part_get_text cannot tell us that a charset was unknown; an
 * unknown or bogus charset must not lose the text (RFC 2045 section 4
 * leaves it to us), so the bytes are kept as UTF-8 when they are valid
 * UTF-8, else read as Latin-1, and a warning says so.
 */
#include "message_p.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "text.h"
#include "util.h"

#define ATTACH_MAX 100       /* attachment names kept */
#define HTML_MAX   (8 << 20) /* bytes of HTML handed to the converter */

/* ------------------------------------------------------------- charsets */

/* Latin-1 bytes to UTF-8: the last resort that never fails. */
static char *latin1_to_utf8(const unsigned char *s, size_t len)
{
	struct buf b = {0};
	size_t i, start = 0;

	b.s = xgrow(NULL, &b.cap, len + len / 4 + 16, 1);
	for (i = 0; i < len; i++) {
		if (s[i] < 0x80)
			continue;
		buf_add(&b, (const char *)s + start, i - start);
		buf_addc(&b, (char)(0xC0 | (s[i] >> 6)));
		buf_addc(&b, (char)(0x80 | (s[i] & 0x3F)));
		start = i + 1;
	}
	buf_add(&b, (const char *)s + start, len - start);
	return buf_steal(&b);
}

/* Converts with iconv; bytes the charset does not allow become U+FFFD. */
static char *iconv_utf8(iconv_t cd, const char *s, size_t len)
{
	struct buf b = {0};
	char *in = (char *)s;
	size_t inleft = len;

	b.s = xgrow(NULL, &b.cap, len * 2 + 16, 1);
	while (inleft > 0) {
		char *out = b.s + b.len;
		size_t outleft = b.cap - b.len - 1;
		size_t r = iconv(cd, &in, &inleft, &out, &outleft);

		b.len = (size_t)(out - b.s);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG) {
			b.s = xgrow(b.s, &b.cap, b.cap + inleft * 2 + 16, 1);
		} else if (errno == EILSEQ) {
			buf_add(&b, "\xEF\xBF\xBD", 3);
			in++;
			inleft--;
		} else {
			/* EINVAL: a sequence cut short at the end */
			buf_add(&b, "\xEF\xBF\xBD", 3);
			break;
		}
	}
	{
		char *out = b.s + b.len;
		size_t outleft = b.cap - b.len - 1;

		iconv(cd, NULL, NULL, &out, &outleft);
		b.len = (size_t)(out - b.s);
	}
	b.s[b.len] = '\0';
	return buf_steal(&b);
}

static int charset_is(const char *cs, const char *const *names)
{
	for (; *names; names++)
		if (str_ieq(cs, *names))
			return 1;
	return 0;
}

/*
 * len bytes in charset (may be NULL) to clean UTF-8 with LF line ends.
 * what names the part in warnings.
 */
static char *to_utf8(struct message *m, const char *data, size_t len, const char *charset,
                     const char *what)
{
	static const char *const utf8[] = {"utf-8", "utf8", NULL};
	static const char *const ascii[] = {
	        "us-ascii", "ascii", "ansi_x3.4-1968", "iso-646-us", "646", "", NULL};
	static const char *const latin1[] = {"iso-8859-1", "iso8859-1", "latin1",     "latin-1",
	                                     "l1",         "cp819",     "iso_8859-1", NULL};
	char *conv, *r;
	iconv_t cd;

	if (charset == NULL || charset_is(charset, ascii)) {
		if (utf8_valid(data, len))
			return text_clean_utf8(data, len);
		/* 8-bit bytes without a charset (or under a false
		 * us-ascii): the old default of Western mail. */
		msg_warn(m, "8-bit text without charset in %s, decoded as Windows-1252", what);
		charset = "windows-1252";
	} else if (charset_is(charset, utf8)) {
		if (!utf8_valid(data, len))
			msg_warn(m, "invalid UTF-8 in %s, bad bytes replaced", what);
		return text_clean_utf8(data, len);
	} else if (charset_is(charset, latin1)) {
		/* what is labelled Latin-1 is nearly always Windows-1252
		 * (curly quotes in 0x80-0x9F), as the WHATWG encoding
		 * standard also assumes */
		charset = "windows-1252";
	}
	cd = g_mime_iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1) {
		int ok = utf8_valid(data, len);

		msg_warn(m, "unknown charset %.40s in %s, decoded as %s", charset, what,
		         ok ? "UTF-8" : "Latin-1");
		if (ok)
			return text_clean_utf8(data, len);
		conv = latin1_to_utf8((const unsigned char *)data, len);
	} else {
		conv = iconv_utf8(cd, data, len);
		g_mime_iconv_close(cd);
	}
	r = text_clean_utf8(conv, strlen(conv));
	free(conv);
	return r;
}

static int charset_known(const char *cs)
{
	iconv_t cd = g_mime_iconv_open("UTF-8", cs);

	if (cd == (iconv_t)-1)
		return 0;
	g_mime_iconv_close(cd);
	return 1;
}

/* The transfer-decoded bytes of a leaf part (caller frees with
 * g_byte_array_free(..., TRUE)), or NULL. */
GByteArray *msg_part_bytes(GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem;
	GByteArray *arr;

	if (w == NULL)
		return NULL;
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_object_unref(mem);
	return arr;
}

/* Cuts s (UTF-8) to at most max bytes at a character boundary. */
static int cap_utf8(char *s, size_t max)
{
	size_t len = strlen(s);

	if (len <= max)
		return 0;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	s[max] = '\0';
	return 1;
}

/*
 * RFC 3676 format=flowed: a line that ends in a space goes on in the next
 * line of the same quote depth (with delsp=yes that space is no part of the
 * text), and a space in front of a line (after its '>' marks) is stuffing.
 * Mail clients that write flowed text (Thunderbird, Apple Mail, many phones)
 * wrap every paragraph at 72 columns: unflowed, a sentence is one line
 * again, as its writer typed it.  Quoted lines keep their '>' marks, as
 * "> ".  The signature separator "-- " is not flowed.
 */
static char *unflow(const char *text, int delsp)
{
	struct buf b = {0};
	const char *p = text;
	size_t jdepth = 0;
	int joining = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p), depth = 0, i = 0, n;
		const char *s;
		int flowed;

		while (i < len && p[i] == '>')
			depth++, i++;
		if (i < len && p[i] == ' ')
			i++;
		s = p + i, n = len - i;
		flowed = n > 0 && s[n - 1] == ' ' && !(n == 3 && memcmp(s, "-- ", 3) == 0);
		if (joining && depth != jdepth) {
			buf_addc(&b, '\n');
			joining = 0;
		}
		if (!joining) {
			for (size_t d = 0; d < depth; d++)
				buf_addc(&b, '>');
			if (depth)
				buf_addc(&b, ' ');
		}
		if (flowed && delsp)
			n--;
		buf_add(&b, s, n);
		joining = flowed;
		jdepth = depth;
		if (!flowed)
			buf_addc(&b, '\n');
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return b.s ? buf_steal(&b) : xstrdup("");
}

/*
 * The text of a text/plain or text/html part as UTF-8.  HTML without a
 * usable charset parameter goes to the HTML converter as raw bytes so its
 * <meta charset> can still speak.  *truncated is set when a cap cut it.
 */
static char *part_text(struct message *m, GMimeObject *obj, int html, int *truncated)
{
	GMimePart *part = GMIME_PART(obj);
	const char *charset = g_mime_object_get_content_type_parameter(obj, "charset");
	const char *what = html ? "the HTML part" : "the text part";
	GByteArray *arr = msg_part_bytes(part);
	size_t len, max = html ? HTML_MAX : MESSAGE_MAX_BODY;
	char *text;

	if (arr == NULL || arr->len == 0) {
		if (arr)
			g_byte_array_free(arr, TRUE);
		return xstrdup("");
	}
	len = arr->len;
	if (len > max) {
		len = max;
		*truncated = 1;
	}
	if (html) {
		char *utf8 = NULL;

		if (charset && *charset) {
			if (charset_known(charset))
				utf8 = to_utf8(m, (const char *)arr->data, len, charset, what);
			else
				msg_warn(m, "unknown charset %.40s in %s", charset, what);
		}
		if (utf8) {
			text = html_to_text(utf8, strlen(utf8));
			free(utf8);
		} else {
			text = html_to_text((const char *)arr->data, len);
		}
	} else {
		const char *format = g_mime_object_get_content_type_parameter(obj, "format");

		text = to_utf8(m, (const char *)arr->data, len, charset, what);
		if (format && str_ieq(format, "flowed")) {
			const char *delsp = g_mime_object_get_content_type_parameter(obj, "delsp");
			char *flat = unflow(text, delsp && str_ieq(delsp, "yes"));

			free(text);
			text = flat;
		}
	}
	g_byte_array_free(arr, TRUE);
	if (cap_utf8(text, MESSAGE_MAX_BODY))
		*truncated = 1;
	return text;
}

/* ------------------------------------------------------------ MIME walk */

struct walk {
	struct message *m; /* where warnings, attachments, forwards go */
	int top;           /* walking the outer message (not a forward) */
	int in_report;     /* inside a multipart/report */
	int deep_warned;
	GMimeObject *plain;     /* first inline text/plain */
	GMimeObject *html;      /* first inline text/html */
	GMimeObject *plain_att; /* text/plain marked attachment, no name */
};

static const char *base_name(const char *f)
{
	const char *s1 = strrchr(f, '/'), *s2 = strrchr(f, '\\');
	const char *b = s1 > s2 ? s1 : s2;

	return b ? b + 1 : f;
}

static void add_attachment(struct message *m, const char *filename)
{
	char *name;

	if (filename == NULL || m->nattachments >= ATTACH_MAX)
		return;
	name = msg_clean(base_name(filename), 1);
	if (name == NULL)
		return;
	m->attachments = xrealloc(m->attachments, (m->nattachments + 1) * sizeof(char *));
	m->attachments[m->nattachments++] = name;
}

static int is_signature_type(GMimeContentType *ct)
{
	return g_mime_content_type_is_type(ct, "application", "pgp-signature") ||
	       g_mime_content_type_is_type(ct, "application", "pkcs7-signature") ||
	       g_mime_content_type_is_type(ct, "application", "x-pkcs7-signature");
}

/* ---- contact cards ---- */

/* A vCard value without its escapes (RFC 6350 section 3.4: "\,", "\;",
 * "\n"), trimmed; NULL when empty. */
static char *card_value(const char *s, size_t n)
{
	struct buf b = {0};

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			buf_addc(&b, s[i] == 'n' || s[i] == 'N' ? ' ' : s[i]);
		} else {
			buf_addc(&b, s[i]);
		}
	}
	if (b.s == NULL)
		return NULL;
	str_trim(b.s);
	if (*b.s == '\0') {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* "Hayes;Monica;;;" (N: family; given; ...) as "Monica Hayes". */
static char *card_n(const char *s, size_t n)
{
	const char *semi = memchr(s, ';', n);
	char *family, *given, *name;

	if (semi == NULL)
		return card_value(s, n);
	family = card_value(s, (size_t)(semi - s));
	{
		const char *g = semi + 1, *e = memchr(g, ';', n - (size_t)(g - s));

		given = card_value(g, e ? (size_t)(e - g) : n - (size_t)(g - s));
	}
	name = given && family ? xasprintf("%s %s", given, family)
	       : given         ? xstrdup(given)
	       : family        ? xstrdup(family)
	                       : NULL;
	free(family);
	free(given);
	return name;
}

/*
 * The name, first address and first telephone number of a vCard (RFC 6350;
 * 2.1 and 3.0 read the same for these): lines unfolded (a line that
 * begins with a space or tab goes on the one before), "item1." groups and
 * ";TYPE=..." parameters dropped, FN before N.  Only the first card of
 * the text.
 */
static void card_parse(struct message *m, const char *text)
{
	struct buf u = {0};
	struct card c = {0};
	char *n_name = NULL;
	const char *p;

	/* unfold */
	for (p = text; *p; p++) {
		if ((*p == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) ||
		    (*p == '\n' && (p[1] == ' ' || p[1] == '\t'))) {
			p += *p == '\r' ? 2 : 1;
			continue;
		}
		if (*p != '\r')
			buf_addc(&u, *p);
	}
	for (p = u.s ? u.s : ""; *p;) {
		const char *nl = strchr(p, '\n'), *colon, *key = p, *dot;
		size_t len = nl ? (size_t)(nl - p) : strlen(p), klen;

		colon = memchr(p, ':', len);
		if (colon) {
			klen = strcspn(key, ";:");
			dot = memchr(key, '.', klen);
			if (dot) {
				klen -= (size_t)(dot + 1 - key);
				key = dot + 1;
			}
			const char *v = colon + 1;
			size_t vn = len - (size_t)(v - p);

			if (klen == 2 && strncasecmp(key, "FN", 2) == 0 && c.name == NULL)
				c.name = card_value(v, vn);
			else if (klen == 1 && strncasecmp(key, "N", 1) == 0 && n_name == NULL)
				n_name = card_n(v, vn);
			else if (klen == 5 && strncasecmp(key, "EMAIL", 5) == 0 &&
			         c.email == NULL) {
				c.email = card_value(v, vn);
				if (c.email && strchr(c.email, '@') == NULL) {
					free(c.email);
					c.email = NULL;
				}
			} else if (klen == 3 && strncasecmp(key, "TEL", 3) == 0 &&
			           c.phone == NULL) {
				if (vn > 4 && strncasecmp(v, "tel:", 4) == 0)
					v += 4, vn -= 4;
				c.phone = card_value(v, vn);
			} else if (klen == 3 && strncasecmp(key, "END", 3) == 0)
				break;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	free(u.s);
	if (c.name == NULL)
		c.name = n_name;
	else
		free(n_name);
	if (c.email == NULL && c.phone == NULL) {
		free(c.name);
		return;
	}
	if (c.email)
		str_lower(c.email);
	m->cards = xrealloc(m->cards, (m->ncards + 1) * sizeof(*m->cards));
	m->cards[m->ncards++] = c;
}

static int is_card(GMimeContentType *ct, const char *filename)
{
	size_t n = filename ? strlen(filename) : 0;

	return g_mime_content_type_is_type(ct, "text", "vcard") ||
	       g_mime_content_type_is_type(ct, "text", "x-vcard") ||
	       g_mime_content_type_is_type(ct, "text", "directory") ||
	       (n > 4 && strcasecmp(filename + n - 4, ".vcf") == 0);
}

static void walk_part(struct walk *w, GMimeObject *obj, int depth)
{
	struct message *m = w->m;
	GMimeContentType *ct;

	if (obj == NULL)
		return;
	if (depth > MESSAGE_MAX_DEPTH) {
		if (!w->deep_warned)
			msg_warn(m, "MIME nesting deeper than %d, rest skipped", MESSAGE_MAX_DEPTH);
		w->deep_warned = 1;
		return;
	}
	ct = g_mime_object_get_content_type(obj);

	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int i, n = g_mime_multipart_get_count(mp);
		int report = 0;

		if (GMIME_IS_MULTIPART_ENCRYPTED(obj))
			return;
		if (w->top && !w->in_report && m->report == REPORT_NONE &&
		    g_mime_content_type_is_type(ct, "multipart", "report")) {
			const char *rt = g_mime_content_type_get_parameter(ct, "report-type");

			m->report_type = str_lower(msg_clean(rt, 1));
			/* RFC 3462/6522: report-type=delivery-status is a
			 * DSN (RFC 3464); others are MDNs, ARF reports... */
			m->report =
			        (m->report_type && strcmp(m->report_type, "delivery-status") == 0)
			                ? REPORT_DSN
			                : REPORT_OTHER;
			report = 1;
			w->in_report++;
		}
		for (i = 0; i < n; i++)
			walk_part(w, g_mime_multipart_get_part(mp, i), depth + 1);
		if (report)
			w->in_report--;
		return;
	}

	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *sub = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (!w->top || sub == NULL)
			return;
		if (w->in_report) {
			msg_dsn_returned(m, sub);
			return;
		}
		add_attachment(m, g_mime_object_get_content_disposition_parameter(obj, "filename"));
		msg_forward_attached(m, sub, depth + 1);
		return;
	}

	if (GMIME_IS_MESSAGE_PARTIAL(obj) || !GMIME_IS_PART(obj))
		return;

	{
		GMimePart *part = GMIME_PART(obj);
		int att = g_mime_part_is_attachment(part);
		const char *filename = g_mime_part_get_filename(part);

		if (w->top && w->in_report && msg_dsn_part(m, part, ct))
			return;
		if (GMIME_IS_TEXT_PART(obj) && g_mime_content_type_is_type(ct, "text", "plain")) {
			if (!att && w->plain == NULL) {
				w->plain = obj;
				return;
			}
			if (att && filename == NULL && w->plain_att == NULL)
				w->plain_att = obj;
		} else if (GMIME_IS_TEXT_PART(obj) && !att &&
		           g_mime_content_type_is_type(ct, "text", "html") && w->html == NULL) {
			w->html = obj;
			return;
		}
		if (w->top && is_card(ct, filename) && m->ncards < MESSAGE_MAX_CARDS) {
			int trunc = 0;
			char *text = part_text(m, obj, 0, &trunc);

			card_parse(m, text);
			free(text);
		}
		/* a later inline text part with a name ("notes.txt") is a file
		 * too */
		if (w->top && (att || filename) && !is_signature_type(ct))
			add_attachment(m, filename);
	}
}

/* The best body of a (sub)message: walks it, then decodes the winner. */
char *msg_body(struct message *m, GMimeMessage *msg, int top, int depth, int *is_html,
               int *truncated)
{
	struct walk walk = {.m = m, .top = top}, *w = &walk;
	GMimeObject *root = g_mime_message_get_mime_part(msg);
	GMimeObject *pick;

	walk_part(w, root, depth);
	pick = w->plain ? w->plain : w->html ? w->html : w->plain_att;
	*is_html = pick != NULL && pick == w->html;
	if (pick == NULL) {
		/* A multipart whose boundary never shows up: GMime keeps the
		 * whole text as the prologue.  Better than no body. */
		const char *pro = root && GMIME_IS_MULTIPART(root)
		                          ? g_mime_multipart_get_prologue(GMIME_MULTIPART(root))
		                          : NULL;
		size_t plen = pro ? strlen(pro) : 0;

		if (plen == 0 || str_blank(pro))
			return xstrdup("");
		msg_warn(m, "multipart without parts, its text used as the body");
		if (plen > MESSAGE_MAX_BODY) {
			plen = MESSAGE_MAX_BODY;
			*truncated = 1;
		}
		return to_utf8(m, pro, plen, NULL, "the multipart prologue");
	}
	return part_text(m, pick, *is_html, truncated);
}
