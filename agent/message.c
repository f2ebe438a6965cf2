/*
 * message.c - raw RFC 5322 bytes to struct message, with GMime 3.
 *
 * The only module that includes GMime.  Everything after it works on the
 * plain struct in message.h: decoded UTF-8 strings, lower-case addresses,
 * identifiers without angle brackets, one best text body, the forwarded
 * messages inside, and delivery-report details.
 *
 * Principles:
 * - Bad mail is parsed as far as it goes.  Only "no message at all" (empty
 *   input, no header) is an error; the rest turns into warnings.
 * - Every size taken from the mail has a cap (message.h): addresses per
 *   header, references, headers, body bytes, forwards, MIME depth,
 *   attachments, warnings.
 * - Speed: GMime is initialised once; HTML is converted only when there is
 *   no text/plain; bodies are decoded once and copied as little as we can.
 *   No regular expressions here.
 * - Charsets: GMime decodes RFC 2047 words in any charset iconv knows and
 *   tries UTF-8 then Windows-1252/Latin-1 for raw 8-bit header bytes.  For
 *   bodies we do the charset step ourselves, because g_mime_text_part_get_text
 *   cannot tell us that a charset was unknown; an unknown or bogus charset
 *   must not lose the text (RFC 2045 section 4 leaves it to us), so the
 *   bytes are kept as UTF-8 when they are valid UTF-8, else read as Latin-1,
 *   and a warning says so.
 */
#include "message.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "html.h"
#include "log.h"
#include "text.h"
#include "util.h"

#define ATTACH_MAX  100 /* attachment names kept */
#define WARN_MAX    32  /* warnings kept per message */
#define DSN_MAX     MESSAGE_MAX_ADDRS
#define HTML_MAX    (8 << 20) /* bytes of HTML handed to the converter */
#define HASH_BODY   4096      /* body bytes in header_hash */
#define FWD_HDR_MAX 12        /* header lines read after a forward marker */
#define RAWHDR_MAX  (1 << 20) /* bytes of text/rfc822-headers searched */

static GMimeParserOptions *parser_opts;
static int initialised;
/* The message being parsed, for GMime's parser warning callback (one per
 * thread: `ingest` parses on several). */
static __thread struct message *parsing;

/* -------------------------------------------------------------- helpers */

static void warn(struct message *m, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void warn(struct message *m, const char *fmt, ...)
{
	va_list ap;
	char *line = NULL;

	if (m == NULL || m->nwarnings > WARN_MAX)
		return;
	if (m->nwarnings == WARN_MAX) {
		line = xstrdup("further warnings dropped");
	} else {
		va_start(ap, fmt);
		if (vasprintf(&line, fmt, ap) < 0)
			fatal("out of memory (warning text)");
		va_end(ap);
	}
	m->warnings = xrealloc(m->warnings, (m->nwarnings + 1) * sizeof(*m->warnings));
	m->warnings[m->nwarnings++] = line;
}

static void on_parser_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
                              gpointer data)
{
	static const char *const what[] = {
	        "",
	        "duplicated header",
	        "duplicated parameter",
	        "unencoded 8-bit header",
	        "invalid Content-Type",
	        "invalid RFC 2047 header value",
	        "malformed multipart",
	        "truncated message",
	        "malformed message",
	        "invalid header name",
	        "conflicting header",
	        "conflicting parameter",
	        "multipart without boundary",
	        "invalid parameter",
	        "invalid address list",
	        "MIME nesting too deep",
	        "part without content",
	        "part without headers or content",
	};
	const char *w = (unsigned)code < ARRAY_SIZE(what) ? what[code] : "parser warning";
	char shown[61];
	size_t i;

	(void)data;
	if (parsing == NULL)
		return;
	/* the item is raw mail: shorten it and keep it printable */
	for (i = 0; item && item[i] && i < sizeof(shown) - 1; i++)
		shown[i] = (item[i] >= 0x20 && item[i] < 0x7f) ? item[i] : '?';
	shown[i] = '\0';
	if (i > 0)
		warn(parsing, "%s at byte %lld: %s", w, (long long)offset, shown);
	else
		warn(parsing, "%s at byte %lld", w, (long long)offset);
}

/* One parse of a message that has every kind of part and address the
 * parser meets, so that GLib registers the GObject types (lazily, under
 * its own locks) before worker threads parse at the same time. */
int message_parse(const char *data, size_t len, struct message **msg_r, char **error_r);
static void warm_up(void)
{
	static const char sample[] =
	        "From: =?utf-8?q?W=C3=A4rm?= <a@x.test>\r\n"
	        "To: Team: b@x.test, C <c@x.test>;, d@x.test\r\n"
	        "Subject: warm up\r\nMessage-ID: <w@x.test>\r\n"
	        "Date: Tue, 01 Dec 2026 09:30:00 +0100\r\nMIME-Version: 1.0\r\n"
	        "Content-Type: multipart/mixed; boundary=b1\r\n\r\n"
	        "--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n"
	        "--b2\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
	        "Content-Transfer-Encoding: quoted-printable\r\n\r\nhi =E9\r\n"
	        "--b2\r\nContent-Type: text/html; charset=utf-8\r\n"
	        "Content-Transfer-Encoding: base64\r\n\r\nPHA+aGk8L3A+\r\n--b2--\r\n"
	        "--b1\r\nContent-Type: message/rfc822\r\n\r\n"
	        "From: e@x.test\r\nSubject: inner\r\n\r\ntext\r\n"
	        "--b1\r\nContent-Type: multipart/report; report-type=delivery-status; "
	        "boundary=b3\r\n\r\n--b3\r\nContent-Type: message/delivery-status\r\n\r\n"
	        "Final-Recipient: rfc822; f@x.test\r\nAction: failed\r\n\r\n"
	        "--b3\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <o@x.test>\r\n"
	        "--b3--\r\n--b1\r\nContent-Type: application/octet-stream; name=a.bin\r\n"
	        "Content-Disposition: attachment; filename=a.bin\r\n\r\nxx\r\n--b1--\r\n";
	struct message *m = NULL;
	char *err = NULL;

	if (message_parse(sample, sizeof(sample) - 1, &m, &err) == 0)
		message_free(m);
	free(err);
}

void message_init(void)
{
	static const char *fallback[] = {"utf-8", "windows-1252", "iso-8859-1", NULL};

	if (initialised)
		return;
	g_mime_init();
	parser_opts = g_mime_parser_options_new();
	g_mime_parser_options_set_address_compliance_mode(parser_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(parser_opts,
	                                                    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_rfc2047_compliance_mode(parser_opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(parser_opts, fallback);
	g_mime_parser_options_set_warning_callback(parser_opts, on_parser_warning, NULL);
	html_init();
	initialised = 1;
	warm_up();
}

void message_shutdown(void)
{
	if (!initialised)
		return;
	g_mime_parser_options_free(parser_opts);
	parser_opts = NULL;
	g_mime_shutdown();
	initialised = 0;
}

static int valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n, k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 2;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 3;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 4;
		else
			return 0;
		if (i + n > len)
			return 0;
		for (k = 1; k < n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

/* A UTF-8 copy of s, trimmed; NULL for NULL, and for "" when empty_null. */
static char *clean(const char *s, int empty_null)
{
	char *r;

	if (s == NULL)
		return NULL;
	r = str_trim(text_clean_utf8(s, strlen(s)));
	if (empty_null && *r == '\0') {
		free(r);
		return NULL;
	}
	return r;
}

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
		if (valid_utf8((const unsigned char *)data, len))
			return text_clean_utf8(data, len);
		/* 8-bit bytes without a charset (or under a false
		 * us-ascii): the old default of Western mail. */
		warn(m, "8-bit text without charset in %s, decoded as Windows-1252", what);
		charset = "windows-1252";
	} else if (charset_is(charset, utf8)) {
		if (!valid_utf8((const unsigned char *)data, len))
			warn(m, "invalid UTF-8 in %s, bad bytes replaced", what);
		return text_clean_utf8(data, len);
	} else if (charset_is(charset, latin1)) {
		/* what is labelled Latin-1 is nearly always Windows-1252
		 * (curly quotes in 0x80-0x9F), as the WHATWG encoding
		 * standard also assumes */
		charset = "windows-1252";
	}
	cd = g_mime_iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1) {
		int ok = valid_utf8((const unsigned char *)data, len);

		warn(m, "unknown charset %.40s in %s, decoded as %s", charset, what,
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
static GByteArray *part_bytes(GMimePart *part)
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
 * The text of a text/plain or text/html part as UTF-8.  HTML without a
 * usable charset parameter goes to the HTML converter as raw bytes so its
 * <meta charset> can still speak.  *truncated is set when a cap cut it.
 */
static char *part_text(struct message *m, GMimeObject *obj, int html, int *truncated)
{
	GMimePart *part = GMIME_PART(obj);
	const char *charset = g_mime_object_get_content_type_parameter(obj, "charset");
	const char *what = html ? "the HTML part" : "the text part";
	GByteArray *arr = part_bytes(part);
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
				warn(m, "unknown charset %.40s in %s", charset, what);
		}
		if (utf8) {
			text = html_to_text(utf8, strlen(utf8));
			free(utf8);
		} else {
			text = html_to_text((const char *)arr->data, len);
		}
	} else {
		text = to_utf8(m, (const char *)arr->data, len, charset, what);
	}
	g_byte_array_free(arr, TRUE);
	if (cap_utf8(text, MESSAGE_MAX_BODY))
		*truncated = 1;
	return text;
}

/* ------------------------------------------------------------ addresses */

static int valid_email(const char *a)
{
	const char *at = a ? strrchr(a, '@') : NULL;

	return at && at > a && at[1] != '\0' && strpbrk(a, " \t<>,;\"") == NULL;
}

static void addr_set(struct addr *a, InternetAddressMailbox *mb)
{
	const char *name = internet_address_get_name(INTERNET_ADDRESS(mb));
	const char *email = internet_address_mailbox_get_addr(mb);
	size_t n;

	a->name = clean(name, 1);
	/* Python's email package encodes the list comma as "=?utf-8?q?=2C?="
	 * when it folds, which leaves ", " in front of the next name */
	if (a->name && (a->name[0] == ',' || a->name[0] == ';')) {
		n = strspn(a->name, ",; \t");
		memmove(a->name, a->name + n, strlen(a->name + n) + 1);
		if (*a->name == '\0') {
			free(a->name);
			a->name = NULL;
		}
	}
	/* Outlook writes 'Jane Doe' with single quotes */
	if (a->name && (n = strlen(a->name)) >= 2 &&
	    ((a->name[0] == '\'' && a->name[n - 1] == '\'') ||
	     (a->name[0] == '"' && a->name[n - 1] == '"'))) {
		memmove(a->name, a->name + 1, n - 2);
		a->name[n - 2] = '\0';
		str_trim(a->name);
		if (*a->name == '\0') {
			free(a->name);
			a->name = NULL;
		}
	}
	a->email = valid_email(email) ? str_lower(clean(email, 1)) : NULL;
}

static void addr_free(struct addr *a)
{
	free(a->name);
	free(a->email);
	a->name = a->email = NULL;
}

/* Appends the mailboxes of list to l, groups flattened (RFC 5322 section
 * 3.4: a group's members are ordinary recipients). */
static void addrs_add(struct addr_list *l, InternetAddressList *list, int depth)
{
	int i, n;

	if (list == NULL || depth > 3)
		return;
	n = internet_address_list_length(list);
	for (i = 0; i < n && l->n < MESSAGE_MAX_ADDRS; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		struct addr a;

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			addrs_add(l, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
			          depth + 1);
			continue;
		}
		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		addr_set(&a, INTERNET_ADDRESS_MAILBOX(ia));
		if (a.name == NULL && a.email == NULL)
			continue;
		l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
		l->v[l->n++] = a;
	}
}

static void addrs_free(struct addr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		addr_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The first mailbox of list into *a; returns the number of mailboxes. */
static size_t first_mailbox(struct addr *a, InternetAddressList *list)
{
	struct addr_list l = {0};
	size_t n;

	addrs_add(&l, list, 0);
	n = l.n;
	if (n > 0) {
		*a = l.v[0];
		l.v[0].name = l.v[0].email = NULL;
	}
	addrs_free(&l);
	return n;
}

static void addrs_parse(struct addr_list *l, const char *text)
{
	InternetAddressList *list;

	if (text == NULL || *text == '\0')
		return;
	list = internet_address_list_parse(parser_opts, text);
	if (list) {
		addrs_add(l, list, 0);
		g_object_unref(list);
	}
}

/* ------------------------------------------------------------- headers */

/* The unfolded, trimmed value of a raw header value with nothing to
 * decode (ASCII, no "=?"), or NULL when it needs GMime's decoder.
 * Unfolding is removing the line breaks (RFC 5322 section 2.2.3). */
static char *unfold_plain(const char *raw, int literal)
{
	const char *p, *start, *end;
	char *r, *o;

	for (p = raw; *p; p++)
		if ((unsigned char)*p >= 0x80 || (!literal && *p == '=' && p[1] == '?'))
			return NULL;
	start = raw;
	end = p;
	while (start < end && (*start == ' ' || *start == '\t' || *start == '\r' || *start == '\n'))
		start++;
	while (end > start &&
	       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		end--;
	r = o = xmalloc((size_t)(end - start) + 1);
	for (p = start; p < end; p++)
		if (*p != '\r' && *p != '\n')
			*o++ = *p;
	*o = '\0';
	return r;
}

/* Headers whose value is a machine's verdict or trace: RFC 2047 applies
 * only to unstructured text and phrases (section 5), so an "=?" in these is
 * literal.  Decoding it would let a sender smuggle text into them: an
 * envelope sender =?utf-8?q?x=3B_dkim=3Dpass...?=@evil.test inside
 * Authentication-Results would decode into a forged dkim=pass. */
static int verdict_header(const char *name)
{
	static const char *const names[] = {"Authentication-Results",
	                                    "ARC-Authentication-Results",
	                                    "Received-SPF",
	                                    "DKIM-Signature",
	                                    "ARC-Seal",
	                                    "ARC-Message-Signature",
	                                    "Received",
	                                    "Return-Path"};

	for (size_t i = 0; name && i < ARRAY_SIZE(names); i++)
		if (str_ieq(name, names[i]))
			return 1;
	return 0;
}

/* Unfolds raw as written (no decoding); invalid UTF-8 replaced. */
static char *unfold_raw(const char *raw)
{
	struct buf b = {0};
	char *out;

	for (const char *p = raw; *p; p++)
		if (*p != '\r' && *p != '\n')
			buf_addc(&b, *p);
	out = text_clean_utf8(b.s ? b.s : "", b.len);
	buf_free(&b);
	return str_trim(out);
}

/* GMime keeps the Content-* headers on the top MIME part and the rest on
 * the message: both lists, back in the order they were written. */
static void collect_headers(struct message *m, GMimeMessage *msg)
{
	GMimeHeaderList *lists[2];
	GMimeHeader **all;
	size_t n = 0, i;
	GMimeObject *top = g_mime_message_get_mime_part(msg);
	int k = 0, j = 0, c[2];

	lists[0] = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	lists[1] = top ? g_mime_object_get_header_list(top) : NULL;
	c[0] = lists[0] ? g_mime_header_list_get_count(lists[0]) : 0;
	c[1] = lists[1] ? g_mime_header_list_get_count(lists[1]) : 0;
	all = xmalloc(((size_t)c[0] + (size_t)c[1] + 1) * sizeof(*all));
	/* both lists are in file order: merge them by offset */
	while (k < c[0] || j < c[1]) {
		GMimeHeader *a = k < c[0] ? g_mime_header_list_get_header_at(lists[0], k) : NULL;
		GMimeHeader *b = j < c[1] ? g_mime_header_list_get_header_at(lists[1], j) : NULL;

		if (b == NULL ||
		    (a && g_mime_header_get_offset(a) <= g_mime_header_get_offset(b))) {
			all[n++] = a;
			k++;
		} else {
			all[n++] = b;
			j++;
		}
	}
	if (n > MESSAGE_MAX_HEADERS) {
		warn(m, "%zu headers, only the first %d kept", n, MESSAGE_MAX_HEADERS);
		n = MESSAGE_MAX_HEADERS;
	}
	m->headers = xcalloc(n ? n : 1, sizeof(*m->headers));
	for (i = 0; i < n; i++) {
		const char *name = g_mime_header_get_name(all[i]);
		const char *raw = g_mime_header_get_raw_value(all[i]);
		int literal = verdict_header(name);
		char *value = raw ? unfold_plain(raw, literal) : NULL;

		/* 8-bit bytes in a verdict header: unfolded as written, with
		 * invalid UTF-8 replaced, still never decoded */
		if (value == NULL && raw && literal)
			value = unfold_raw(raw);

		/* GMime's decoder costs a quarter of the parse on the long
		 * Received/DKIM headers that have nothing to decode */
		if (value == NULL) {
			const char *v = g_mime_header_get_value(all[i]);

			value = clean(v ? v : "", 0);
		}
		m->headers[m->nheaders].name = clean(name ? name : "", 0);
		m->headers[m->nheaders].value = value;
		m->nheaders++;
	}
	free(all);
}

const char *message_header(const struct message *m, const char *name)
{
	size_t i;

	if (m == NULL || name == NULL)
		return NULL;
	for (i = 0; i < m->nheaders; i++)
		if (str_ieq(m->headers[i].name, name))
			return m->headers[i].value;
	return NULL;
}

static char *decode_id(const char *text)
{
	char *id, *r;

	if (text == NULL || str_blank(text))
		return NULL;
	id = g_mime_utils_decode_message_id(text);
	r = clean(id, 1);
	g_free(id);
	return r;
}

static void parse_references(struct message *m, const char *text)
{
	GMimeReferences *refs;
	int n, i, start;

	if (text == NULL || str_blank(text))
		return;
	refs = g_mime_references_parse(parser_opts, text);
	if (refs == NULL)
		return;
	n = g_mime_references_length(refs);
	/* the newest ids are the ones that thread a reply: keep the last */
	start = n > MESSAGE_MAX_REFS ? n - MESSAGE_MAX_REFS : 0;
	if (n > start)
		m->references = xcalloc((size_t)(n - start), sizeof(char *));
	for (i = start; i < n; i++) {
		char *id = clean(g_mime_references_get_message_id(refs, i), 1);

		if (id)
			m->references[m->nreferences++] = id;
	}
	g_mime_references_free(refs);
}

/* Return-Path: <addr>, or <> for a bounce (RFC 5321 section 4.4). */
static char *parse_return_path(const char *v)
{
	const char *lt, *gt;
	char *r, *c;

	if (v == NULL)
		return NULL;
	lt = strchr(v, '<');
	gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt)
		r = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	else
		r = xstrdup(v);
	c = clean(r, 0);
	free(r);
	return str_lower(c);
}

static uint64_t hash_field(uint64_t h, const char *raw)
{
	const unsigned char *p = (const unsigned char *)(raw ? raw : "");
	int space = 0, any = 0;

	/* White space runs (folding, CRLF or LF) count as one space, so a
	 * re-delivery that refolded or changed line ends hashes the same.
	 * FNV-1a inline: the same function as hash_fnv1a(). */
	if (h == 0)
		h = 14695981039346656037ULL;
	for (; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			space = any;
			continue;
		}
		if (space) {
			h ^= ' ';
			h *= 1099511628211ULL;
		}
		space = 0;
		any = 1;
		h ^= *p;
		h *= 1099511628211ULL;
	}
	h ^= '\n';
	h *= 1099511628211ULL;
	return h;
}

static const char *raw_header(GMimeMessage *msg, const char *name)
{
	GMimeHeaderList *l = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	GMimeHeader *h = l ? g_mime_header_list_get_header(l, name) : NULL;

	return h ? g_mime_header_get_raw_value(h) : NULL;
}

/* ------------------------------------------------------------ DSN parts */

static char *dsn_addr(const char *v)
{
	const char *semi = strchr(v, ';');
	char *r;

	/* "rfc822; user@example.com" (RFC 3464 section 2.3.1/2.3.2) */
	r = parse_return_path(semi ? semi + 1 : v);
	if (r && !valid_email(r)) {
		free(r);
		r = NULL;
	}
	return r;
}

static void dsn_field(struct dsn_rcpt *r, const char *name, size_t nlen, char *value)
{
	str_trim(value);
	if (nlen == 15 && strncasecmp(name, "Final-Recipient", 15) == 0) {
		char *a = dsn_addr(value);

		/* Original-Recipient (as we wrote it) wins when present */
		if (a && r->email == NULL)
			r->email = a;
		else
			free(a);
	} else if (nlen == 18 && strncasecmp(name, "Original-Recipient", 18) == 0) {
		char *a = dsn_addr(value);

		if (a) {
			free(r->email);
			r->email = a;
		}
	} else if (nlen == 6 && strncasecmp(name, "Action", 6) == 0 && r->action == NULL) {
		r->action = str_lower(clean(value, 1));
	} else if (nlen == 6 && strncasecmp(name, "Status", 6) == 0 && r->status == NULL) {
		value[strcspn(value, " \t(")] = '\0';
		r->status = clean(value, 1);
	} else if (nlen == 15 && strncasecmp(name, "Diagnostic-Code", 15) == 0 &&
	           r->diagnostic == NULL) {
		const char *semi = strchr(value, ';');

		r->diagnostic = clean(semi ? semi + 1 : value, 1);
	}
}

struct dsn_state {
	struct dsn_rcpt r;
	int has_final, has_orig;
};

/* Ends a field group: kept when it names a recipient. */
static void dsn_push(struct message *m, struct dsn_state *st)
{
	struct dsn_rcpt *r = &st->r;

	if ((st->has_final || st->has_orig) && (r->email || r->action || r->status) &&
	    m->ndsn < DSN_MAX) {
		m->dsn = xrealloc(m->dsn, (m->ndsn + 1) * sizeof(*m->dsn));
		m->dsn[m->ndsn++] = *r;
	} else {
		free(r->email);
		free(r->action);
		free(r->status);
		free(r->diagnostic);
	}
	memset(st, 0, sizeof(*st));
}

static void dsn_line(struct message *m, struct dsn_state *st, char *field)
{
	char *colon = strchr(field, ':');
	size_t nlen;
	int is_final, is_orig;

	if (colon == NULL)
		return;
	nlen = (size_t)(colon - field);
	while (nlen > 0 && (field[nlen - 1] == ' ' || field[nlen - 1] == '\t'))
		nlen--; /* "Action : failed" (Mimecast) */
	is_final = nlen == 15 && strncasecmp(field, "Final-Recipient", 15) == 0;
	is_orig = nlen == 18 && strncasecmp(field, "Original-Recipient", 18) == 0;
	/* the same recipient field twice in one group: the blank line
	 * between two recipients is missing */
	if ((is_final && st->has_final) || (is_orig && st->has_orig))
		dsn_push(m, st);
	st->has_final |= is_final;
	st->has_orig |= is_orig;
	dsn_field(&st->r, field, nlen, colon + 1);
}

/*
 * message/delivery-status (RFC 3464 section 2.1): a per-message field group,
 * then one group per recipient, groups separated by blank lines, fields
 * folded like headers.  A recipient group is any group with a
 * Final-Recipient or Original-Recipient, wherever it stands in the group.
 */
static void parse_dsn(struct message *m, const char *text)
{
	struct dsn_state st;
	struct buf field = {0};
	const char *p = text;

	memset(&st, 0, sizeof(st));
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int blank = 1, eof = *p == '\0';
		size_t i;

		for (i = 0; i < len; i++)
			if (p[i] != ' ' && p[i] != '\t')
				blank = 0;
		if (!eof && !blank && (p[0] == ' ' || p[0] == '\t') && field.len > 0) {
			/* a folded continuation: its indent becomes one space */
			while (len > 0 && (*p == ' ' || *p == '\t')) {
				p++;
				len--;
			}
			buf_addc(&field, ' ');
			buf_add(&field, p, len);
		} else {
			if (field.len > 0) {
				dsn_line(m, &st, field.s);
				field.len = 0;
				field.s[0] = '\0';
			}
			if (blank)
				dsn_push(m, &st);
			else
				buf_add(&field, p, len);
		}
		if (eof || nl == NULL)
			break;
		p = nl + 1;
	}
	if (field.len > 0)
		dsn_line(m, &st, field.s);
	dsn_push(m, &st);
	buf_free(&field);
}

/* Message-ID out of a text/rfc822-headers part (RFC 6522 section 5). */
/* The value of the agent's own X-Refagent-Referral header in a header
 * block of text (digits only), or NULL. */
static char *headers_referral(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == 0)
			break;
		if (str_istarts(p, "X-Refagent-Referral:")) {
			const char *v = p + 20;
			size_t n;

			while (*v == ' ' || *v == '\t')
				v++;
			n = strspn(v, "0123456789");
			return n > 0 && n < 19 ? xstrndup(v, n) : NULL;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return NULL;
}

static char *headers_message_id(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == 0)
			break; /* end of the header block */
		if (str_istarts(p, "Message-ID:")) {
			struct buf v = {0};
			char *id;

			buf_add(&v, p + 11, len - 11);
			while (nl && (nl[1] == ' ' || nl[1] == '\t')) {
				const char *q = nl + 1;

				nl = strchr(q, '\n');
				buf_add(&v, q, nl ? (size_t)(nl - q) : strlen(q));
			}
			id = decode_id(v.s);
			buf_free(&v);
			return id;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return NULL;
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

static void forward_attached(struct message *m, GMimeMessage *sub, int depth);

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
	name = clean(base_name(filename), 1);
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

static void walk_part(struct walk *w, GMimeObject *obj, int depth)
{
	struct message *m = w->m;
	GMimeContentType *ct;

	if (obj == NULL)
		return;
	if (depth > MESSAGE_MAX_DEPTH) {
		if (!w->deep_warned)
			warn(m, "MIME nesting deeper than %d, rest skipped", MESSAGE_MAX_DEPTH);
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

			m->report_type = str_lower(clean(rt, 1));
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
			/* the returned message is what the report is about,
			 * not a forward */
			if (m->orig_message_id == NULL)
				m->orig_message_id = clean(g_mime_message_get_message_id(sub), 1);
			if (m->orig_referral == NULL) {
				const char *r = g_mime_object_get_header(GMIME_OBJECT(sub),
				                                         "X-Refagent-Referral");
				size_t n = r ? strspn(r, "0123456789") : 0;

				if (n > 0 && n < 19)
					m->orig_referral = xstrndup(r, n);
			}
			return;
		}
		add_attachment(m, g_mime_object_get_content_disposition_parameter(obj, "filename"));
		forward_attached(m, sub, depth + 1);
		return;
	}

	if (GMIME_IS_MESSAGE_PARTIAL(obj) || !GMIME_IS_PART(obj))
		return;

	{
		GMimePart *part = GMIME_PART(obj);
		int att = g_mime_part_is_attachment(part);
		const char *filename = g_mime_part_get_filename(part);

		if (w->top && w->in_report &&
		    (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
		     g_mime_content_type_is_type(ct, "message", "global-delivery-status"))) {
			GByteArray *arr = part_bytes(part);

			if (arr) {
				char *text = text_clean_utf8(
				        (const char *)arr->data,
				        arr->len > MESSAGE_MAX_BODY ? MESSAGE_MAX_BODY : arr->len);

				if (m->report == REPORT_DSN)
					parse_dsn(m, text);
				free(text);
				g_byte_array_free(arr, TRUE);
			}
			return;
		}
		if (w->top && w->in_report &&
		    (g_mime_content_type_is_type(ct, "text", "rfc822-headers") ||
		     g_mime_content_type_is_type(ct, "message", "global-headers"))) {
			GByteArray *arr = part_bytes(part);

			if (arr) {
				char *text = text_clean_utf8((const char *)arr->data,
				                             arr->len > RAWHDR_MAX ? RAWHDR_MAX
				                                                   : arr->len);

				if (m->orig_message_id == NULL)
					m->orig_message_id = headers_message_id(text);
				if (m->orig_referral == NULL)
					m->orig_referral = headers_referral(text);
				free(text);
				g_byte_array_free(arr, TRUE);
			}
			return;
		}
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
		/* a later inline text part with a name ("notes.txt") is a file
		 * too */
		if (w->top && (att || filename) && !is_signature_type(ct))
			add_attachment(m, filename);
	}
}

/* The best body of a (sub)message: walks it, then decodes the winner. */
static char *best_body(struct walk *w, GMimeMessage *msg, int depth, int *is_html, int *truncated)
{
	GMimeObject *pick;

	GMimeObject *top = g_mime_message_get_mime_part(msg);

	walk_part(w, top, depth);
	pick = w->plain ? w->plain : w->html ? w->html : w->plain_att;
	*is_html = pick != NULL && pick == w->html;
	if (pick == NULL) {
		/* A multipart whose boundary never shows up: GMime keeps the
		 * whole text as the prologue.  Better than no body. */
		const char *pro = top && GMIME_IS_MULTIPART(top)
		                          ? g_mime_multipart_get_prologue(GMIME_MULTIPART(top))
		                          : NULL;
		size_t plen = pro ? strlen(pro) : 0;

		if (plen == 0 || str_blank(pro))
			return xstrdup("");
		warn(w->m, "multipart without parts, its text used as the body");
		if (plen > MESSAGE_MAX_BODY) {
			plen = MESSAGE_MAX_BODY;
			*truncated = 1;
		}
		return to_utf8(w->m, pro, plen, NULL, "the multipart prologue");
	}
	return part_text(w->m, pick, *is_html, truncated);
}

static struct forward *forward_new(struct message *m)
{
	struct forward *f;

	m->fwd = xrealloc(m->fwd, (m->nfwd + 1) * sizeof(*m->fwd));
	f = &m->fwd[m->nfwd++];
	memset(f, 0, sizeof(*f));
	return f;
}

/* A message/rfc822 part (RFC 2046 section 5.2.1): a forward "as
 * attachment".  Its own forwards and attachments are not followed. */
static void forward_attached(struct message *m, GMimeMessage *sub, int depth)
{
	struct walk w = {0};
	struct forward *f;
	int is_html = 0, trunc = 0;
	char *body;

	if (m->nfwd >= MESSAGE_MAX_FORWARD)
		return;
	w.m = m;
	body = best_body(&w, sub, depth, &is_html, &trunc);
	f = forward_new(m);
	f->attached = 1;
	f->body = body;
	first_mailbox(&f->from, g_mime_message_get_from(sub));
	addrs_add(&f->to, g_mime_message_get_to(sub), 0);
	addrs_add(&f->to, g_mime_message_get_cc(sub), 0);
	f->subject = clean(g_mime_message_get_subject(sub), 1);
	f->message_id = clean(g_mime_message_get_message_id(sub), 1);
}

/* ------------------------------------------------------ inline forwards */

struct span {
	const char *s;
	size_t len;
};

static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A line without surrounding white space and leading '*' (HTML bold). */
static struct span strip(const char *s, size_t len)
{
	struct span r;

	while (len > 0 && (is_ws((unsigned char)*s) || *s == '*')) {
		s++;
		len--;
	}
	while (len > 0 && is_ws((unsigned char)s[len - 1]))
		len--;
	r.s = s;
	r.len = len;
	return r;
}

static int span_ieq(struct span a, const char *w)
{
	size_t n = strlen(w);

	return a.len == n && strncasecmp(a.s, w, n) == 0;
}

enum marker { MK_NONE = 0, MK_FORWARD, MK_OUTLOOK };

/* Gmail "---------- Forwarded message ---------", Thunderbird "--------
 * Forwarded Message --------", Outlook "-----Original Message-----",
 * Apple "Begin forwarded message:". */
static enum marker marker_line(struct span l)
{
	static const char *const phrases[] = {
	        "forwarded message",       "forwarded message follows",
	        "original message",        "weitergeleitete nachricht",
	        "ursprüngliche nachricht", "message transféré",
	        "message d'origine",       "mensaje reenviado",
	        "mensaje original",        NULL,
	};
	struct span p = l;
	size_t dashes = 0;
	const char *const *w;

	if (l.len == 0 || l.len > 120)
		return MK_NONE;
	if (*l.s == '-' || *l.s == '_') {
		while (p.len > 0 && (*p.s == '-' || *p.s == '_' || *p.s == ' ')) {
			dashes += *p.s != ' ';
			p.s++;
			p.len--;
		}
		while (p.len > 0 && (p.s[p.len - 1] == '-' || p.s[p.len - 1] == '_' ||
		                     p.s[p.len - 1] == ' ' || p.s[p.len - 1] == '*')) {
			dashes += p.s[p.len - 1] == '-';
			p.len--;
		}
		if (dashes < 2)
			return MK_NONE;
		for (w = phrases; *w; w++)
			if (span_ieq(p, *w))
				return MK_FORWARD;
		return MK_NONE;
	}
	if (span_ieq(l, "Begin forwarded message:") || span_ieq(l, "Begin forwarded message") ||
	    span_ieq(l, "Anfang der weitergeleiteten Nachricht:"))
		return MK_FORWARD;
	return MK_NONE;
}

/* "Key: value" with one of the keys of a forwarded header block; returns
 * the key index and sets *value, or -1. */
static int fwd_header(struct span l, struct span *value)
{
	static const char *const keys[] = {"from", "to",       "cc",  "subject", "date",
	                                   "sent", "reply-to", "bcc", NULL};
	const char *colon = memchr(l.s, ':', l.len);
	struct span k;
	int i;

	if (colon == NULL || colon == l.s || colon - l.s > 10)
		return -1;
	k.s = l.s;
	k.len = (size_t)(colon - l.s);
	while (k.len > 0 && (k.s[k.len - 1] == '*' || k.s[k.len - 1] == ' '))
		k.len--;
	for (i = 0; keys[i]; i++)
		if (span_ieq(k, keys[i]))
			break;
	if (keys[i] == NULL)
		return -1;
	*value = strip(colon + 1, l.len - (size_t)(colon + 1 - l.s));
	return i;
}

/* "Jane <jane@x.com<mailto:jane@x.com>>" and "Jane [mailto:jane@x.com]"
 * (Outlook) to "Jane <jane@x.com>"; Outlook's ';' list separator to ','. */
static char *normalise_addrs(const char *s, size_t len)
{
	struct buf b = {0};
	size_t i = 0;

	while (i < len) {
		if (s[i] == '[' && len - i > 8 && strncasecmp(s + i + 1, "mailto:", 7) == 0) {
			const char *end = memchr(s + i, ']', len - i);

			if (end) {
				buf_addc(&b, '<');
				buf_add(&b, s + i + 8, (size_t)(end - (s + i + 8)));
				buf_addc(&b, '>');
				i = (size_t)(end - s) + 1;
				continue;
			}
		}
		if (s[i] == '<' && len - i > 8 && strncasecmp(s + i + 1, "mailto:", 7) == 0) {
			const char *end = memchr(s + i, '>', len - i);

			if (end && i > 0 && s[i - 1] != ' ' && s[i - 1] != '<') {
				/* "addr<mailto:addr>": the link is a copy */
				i = (size_t)(end - s) + 1;
				continue;
			}
			buf_addc(&b, '<');
			i += 8;
			continue;
		}
		if (s[i] == ';')
			buf_addc(&b, ',');
		else if (s[i] != '*')
			buf_addc(&b, s[i]);
		i++;
	}
	return buf_steal(&b);
}

struct lines {
	struct span *v;
	size_t n;
};

static struct lines split(const char *text)
{
	struct lines r = {0};
	size_t cap = 0;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		r.v = xgrow(r.v, &cap, r.n + 1, sizeof(*r.v));
		r.v[r.n].s = p;
		r.v[r.n].len = len;
		r.n++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return r;
}

/* Outlook's "From: ... / Sent: ..." header block with no marker line. */
static int outlook_from(const struct lines *L, size_t i)
{
	struct span v;
	size_t j;

	if (fwd_header(strip(L->v[i].s, L->v[i].len), &v) != 0)
		return 0;
	for (j = i + 1; j < L->n && j <= i + 4; j++) {
		int k = fwd_header(strip(L->v[j].s, L->v[j].len), &v);

		if (k == 5 || k == 4) /* Sent:, Date: */
			return 1;
	}
	return 0;
}

static enum marker marker_at(const struct lines *L, size_t i)
{
	struct span l = strip(L->v[i].s, L->v[i].len);
	enum marker k = marker_line(l);

	if (k != MK_NONE)
		return k;
	return outlook_from(L, i) ? MK_OUTLOOK : MK_NONE;
}

/*
 * Forwarded blocks inside the body text: a marker line (or Outlook's bare
 * "From:/Sent:" block), header-like lines, then the forwarded text up to the
 * next marker.  Addresses go through GMime's address parser.
 */
static void forwards_inline(struct message *m, const char *body)
{
	struct lines L;
	size_t i;

	if (m->nfwd >= MESSAGE_MAX_FORWARD || *body == '\0')
		return;
	/* cheap test first: most mail has no forward at all */
	if (!strstr(body, "orward") && !strstr(body, "From:") && !strstr(body, "riginal") &&
	    !strstr(body, "FROM:") && !strstr(body, "Nachricht") && !strstr(body, "ransf") &&
	    !strstr(body, "reenviado") && !strstr(body, "origine"))
		return;
	L = split(body);
	for (i = 0; i < L.n && m->nfwd < MESSAGE_MAX_FORWARD; i++) {
		enum marker k = marker_at(&L, i);
		struct forward *f;
		struct buf text = {0};
		size_t j, hdrs = 0;
		int key = -1, have = 0;
		struct span v;

		if (k == MK_NONE)
			continue;
		j = k == MK_OUTLOOK ? i : i + 1;
		while (j < L.n && strip(L.v[j].s, L.v[j].len).len == 0)
			j++;
		f = forward_new(m);
		/* the header block: ends at a blank line or a non-header */
		for (; j < L.n && hdrs < FWD_HDR_MAX; j++) {
			struct span l = strip(L.v[j].s, L.v[j].len);
			int nk;

			if (l.len == 0)
				break;
			nk = fwd_header(l, &v);
			if (nk < 0) {
				/* a wrapped To:/Cc: list continues */
				if ((key == 1 || key == 2) && memchr(l.s, '@', l.len) &&
				    !memchr(l.s, ':', l.len))
					v = l;
				else
					break;
			} else {
				key = nk;
			}
			hdrs++;
			if (key == 0 && f->from.email == NULL && f->from.name == NULL) {
				char *a = normalise_addrs(v.s, v.len);
				InternetAddressList *list =
				        internet_address_list_parse(parser_opts, a);

				if (list) {
					first_mailbox(&f->from, list);
					g_object_unref(list);
				}
				free(a);
				have = 1;
			} else if (key == 1 || key == 2) {
				char *a = normalise_addrs(v.s, v.len);

				addrs_parse(&f->to, a);
				free(a);
			} else if (key == 3 && f->subject == NULL) {
				char *s = xstrndup(v.s, v.len);

				f->subject = clean(s, 1);
				free(s);
				have = 1;
			}
		}
		if (!have) {
			/* a marker with no headers after it is not a forward
			 * we can use */
			addr_free(&f->from);
			addrs_free(&f->to);
			free(f->subject);
			m->nfwd--;
			continue;
		}
		while (j < L.n && strip(L.v[j].s, L.v[j].len).len == 0)
			j++;
		for (; j < L.n; j++) {
			if (marker_at(&L, j) != MK_NONE)
				break;
			buf_add(&text, L.v[j].s, L.v[j].len);
			buf_addc(&text, '\n');
		}
		while (text.len > 0 &&
		       (text.s[text.len - 1] == '\n' || text.s[text.len - 1] == ' '))
			text.s[--text.len] = '\0';
		if (text.len > 0)
			buf_addc(&text, '\n');
		f->body = buf_steal(&text);
		f->attached = 0;
		i = j - 1;
	}
	free(L.v);
}

/* ----------------------------------------------------------------- parse */

/* Everything message_parse() takes from GMime's tree.  Returns 0, or -1
 * with *error_r set when there is no header at all. */
static int fill(struct message *m, GMimeMessage *msg, char **error_r)
{
	GMimeObject *top;
	GDateTime *dt;
	size_t i;
	struct walk w = {0};
	int trunc = 0;
	uint64_t h = 0;

	top = g_mime_message_get_mime_part(msg);

	collect_headers(m, msg);
	if (m->nheaders == 0) {
		*error_r = xstrdup("no header found");
		return -1;
	}

	m->subject = clean(g_mime_message_get_subject(msg), 1);
	m->message_id = clean(g_mime_message_get_message_id(msg), 1);
	m->in_reply_to = decode_id(message_header(m, "In-Reply-To"));
	parse_references(m, message_header(m, "References"));
	dt = g_mime_message_get_date(msg);
	m->date = dt ? (int64_t)g_date_time_to_unix(dt) : 0;
	if (m->date < 0)
		m->date = 0;

	m->nfrom = first_mailbox(&m->from, g_mime_message_get_from(msg));
	first_mailbox(&m->sender, g_mime_message_get_sender(msg));
	addrs_add(&m->to, g_mime_message_get_to(msg), 0);
	addrs_add(&m->cc, g_mime_message_get_cc(msg), 0);
	addrs_add(&m->reply_to, g_mime_message_get_reply_to(msg), 0);
	for (i = 0; i < m->nheaders; i++) {
		const char *name = m->headers[i].name;

		if (strchr("dDxXeErR", name[0]) == NULL || name[0] == '\0')
			continue;
		if (str_ieq(name, "Delivered-To") || str_ieq(name, "X-Original-To") ||
		    str_ieq(name, "Envelope-To") || str_ieq(name, "X-Envelope-To")) {
			struct addr_list l = {0};
			size_t k, j;

			addrs_parse(&l, m->headers[i].value);
			/* each hop may add the same address again */
			for (k = 0; k < l.n; k++) {
				for (j = 0; j < m->delivered_to.n; j++)
					if (l.v[k].email && m->delivered_to.v[j].email &&
					    strcmp(l.v[k].email, m->delivered_to.v[j].email) == 0)
						break;
				if (l.v[k].email == NULL || j < m->delivered_to.n ||
				    m->delivered_to.n >= MESSAGE_MAX_ADDRS) {
					addr_free(&l.v[k]);
					continue;
				}
				m->delivered_to.v =
				        xrealloc(m->delivered_to.v,
				                 (m->delivered_to.n + 1) * sizeof(struct addr));
				m->delivered_to.v[m->delivered_to.n++] = l.v[k];
			}
			free(l.v);
		} else if (str_ieq(name, "Return-Path") && m->return_path == NULL) {
			m->return_path = parse_return_path(m->headers[i].value);
		}
	}
	if (top) {
		char *ct = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(top));

		m->content_type = str_lower(clean(ct, 1));
		g_free(ct);
	}

	w.m = m;
	w.top = 1;
	m->body = best_body(&w, msg, 0, &m->body_is_html, &trunc);
	m->body_truncated = trunc;
	if (trunc)
		warn(m, "body longer than %d bytes, truncated", MESSAGE_MAX_BODY);
	/* a report's returned message is not a forward */
	if (m->report == REPORT_NONE)
		forwards_inline(m, m->body);
	/* a report whose delivery-status part is missing or broken (old
	 * sendmail, lost boundaries): the fields are often in the text */
	if (m->report == REPORT_DSN && m->ndsn == 0 && strstr(m->body, "-Recipient"))
		parse_dsn(m, m->body);

	/* RFC 5322 fields as written, then the start of the body: equal for
	 * re-deliveries of one message (see message.h) */
	h = hash_field(h, raw_header(msg, "From"));
	h = hash_field(h, raw_header(msg, "To"));
	h = hash_field(h, raw_header(msg, "Cc"));
	h = hash_field(h, raw_header(msg, "Subject"));
	h = hash_field(h, raw_header(msg, "Date"));
	{
		size_t bl = strlen(m->body);

		if (bl > HASH_BODY) {
			bl = HASH_BODY;
			while (bl > 0 && ((unsigned char)m->body[bl] & 0xC0) == 0x80)
				bl--;
		}
		h = hash_fnv1a(m->body, bl, h);
	}
	m->header_hash = h;

	return 0;
}

int message_parse(const char *data, size_t len, struct message **msg_r, char **error_r)
{
	struct message *m = NULL;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	char *copy = NULL;
	const char *p = data;
	size_t n = len, i;
	int skipped = 0, rc;

	*msg_r = NULL;
	if (data == NULL || len == 0) {
		*error_r = xstrdup("empty message");
		return -1;
	}
	message_init();

	/* an mbox "From " line in front is not part of the message */
	if (n >= 5 && memcmp(p, "From ", 5) == 0) {
		const char *nl = memchr(p, '\n', n);

		if (nl == NULL) {
			*error_r = xstrdup("no message after the mbox From line");
			return -1;
		}
		n -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	/* White space before the first header (a blank first line, an
	 * indented "From:") would make GMime see no header at all. */
	while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
		p++;
		n--;
		skipped = 1;
	}
	if (n == 0) {
		*error_r = xstrdup("empty message");
		return -1;
	}
	/* Old Mac mail ends lines with CR alone; GMime only knows LF. */
	if (memchr(p, '\n', n > 8192 ? 8192 : n) == NULL && memchr(p, '\r', n)) {
		copy = xmalloc(n);
		for (i = 0; i < n; i++)
			copy[i] = p[i] == '\r' ? '\n' : p[i];
		p = copy;
	}

	m = xcalloc(1, sizeof(*m));
	m->size = len;
	parsing = m;
	/* (lending the bytes instead of this copy measured no faster) */
	stream = g_mime_stream_mem_new_with_buffer(p, n);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, parser_opts);
	g_object_unref(parser);
	if (copy)
		warn(m, "CR-only line ends read as LF");
	if (skipped)
		warn(m, "white space before the first header skipped");
	if (msg) {
		rc = fill(m, msg, error_r);
		g_object_unref(msg);
	} else {
		*error_r = xstrdup("no message found");
		rc = -1;
	}
	g_object_unref(stream);
	free(copy);
	parsing = NULL;
	if (rc != 0) {
		message_free(m);
		return -1;
	}
	*msg_r = m;
	return 0;
}

static void forward_free(struct forward *f)
{
	addr_free(&f->from);
	addrs_free(&f->to);
	free(f->subject);
	free(f->message_id);
	free(f->body);
}

void message_free(struct message *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->message_id);
	free(m->in_reply_to);
	for (i = 0; i < m->nreferences; i++)
		free(m->references[i]);
	free(m->references);
	free(m->subject);
	addr_free(&m->from);
	addr_free(&m->sender);
	addrs_free(&m->to);
	addrs_free(&m->cc);
	addrs_free(&m->reply_to);
	addrs_free(&m->delivered_to);
	free(m->return_path);
	for (i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->content_type);
	free(m->body);
	free(m->context);
	for (i = 0; i < m->nfwd; i++)
		forward_free(&m->fwd[i]);
	free(m->fwd);
	for (i = 0; i < m->nattachments; i++)
		free(m->attachments[i]);
	free(m->attachments);
	free(m->report_type);
	free(m->orig_message_id);
	free(m->orig_referral);
	for (i = 0; i < m->ndsn; i++) {
		free(m->dsn[i].email);
		free(m->dsn[i].action);
		free(m->dsn[i].status);
		free(m->dsn[i].diagnostic);
	}
	free(m->dsn);
	for (i = 0; i < m->nwarnings; i++)
		free(m->warnings[i]);
	free(m->warnings);
	free(m);
}

/* ------------------------------------------------------------------ mbox */

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

/* ------------------------------------------------------ outgoing mail */

/*
 * Composing.  Text that reaches a header may come from incoming mail (a
 * referrer's display name, a subject), so before GMime sees it every C0
 * control character and DEL becomes a space: with no CR or LF left, no
 * value can end its header and start another (RFC 5322 section 2.2 says a
 * header field ends at CRLF; unfolding makes a lone LF or CR just as
 * dangerous with lax readers).  GMime then encodes what is not ASCII
 * (RFC 2047) and folds long lines, so nothing is pasted together by hand.
 */

/* Headers message_compose writes itself, or that extra must not set:
 * address and routing headers would change who gets the mail. */
static const char *const compose_reserved[] = {
        "from",
        "sender",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "mime-version",
        "auto-submitted",
        "list-unsubscribe",
        "return-path",
        "resent-from",
        "resent-to",
        "resent-cc",
        "resent-bcc",
        "resent-sender",
        NULL,
};

/* UTF-8 copy of a header text with controls made spaces, trimmed. */
static char *header_text(const char *s)
{
	char *r, *p;

	r = text_clean_utf8(s ? s : "", s ? strlen(s) : 0);
	for (p = r; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return str_trim(r);
}

/* An addr-spec we are willing to write: ASCII printable, no white space
 * or controls, none of the specials that would end it inside "<...>" or
 * start another address (RFC 5322 section 3.2.3), one '@' with text on
 * both sides.  Quoted local parts are refused rather than quoted. */
static int compose_addr_ok(const char *a)
{
	const char *at = NULL, *p;

	if (a == NULL || *a == '\0')
		return 0;
	for (p = a; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c == 0x7f || strchr("()<>[]:;,\\\"", c))
			return 0;
		if (c == '@') {
			if (at)
				return 0;
			at = p;
		}
	}
	return at && at != a && at[1] != '\0';
}

/* A msg-id without its brackets: printable ASCII, no space, no '<' or '>'
 * (RFC 5322 section 3.6.4); stored ids from broken mail may lack the '@',
 * which we accept for In-Reply-To and References but not for our own. */
static int compose_id_ok(const char *id, int need_at)
{
	const char *p;

	if (id == NULL || *id == '\0')
		return 0;
	for (p = id; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>')
			return 0;
	}
	return !need_at || strchr(id, '@') != NULL;
}

/* A field name is printable ASCII without ':' (RFC 5322 section 3.6.8). */
static int compose_name_ok(const char *n)
{
	const char *p;
	size_t i;

	if (n == NULL || *n == '\0' || strlen(n) > 76)
		return 0;
	for (p = n; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == ':')
			return 0;
	if (str_istarts(n, "content-"))
		return 0;
	for (i = 0; compose_reserved[i]; i++)
		if (str_ieq(n, compose_reserved[i]))
			return 0;
	return 1;
}

static int compose_add_addrs(GMimeMessage *msg, GMimeAddressType type, const char *what,
                             const struct addr *v, size_t n, char **error_r)
{
	InternetAddressList *list = g_mime_message_get_addresses(msg, type);
	size_t i;

	for (i = 0; i < n; i++) {
		InternetAddress *ia;
		char *name;

		if (!compose_addr_ok(v[i].email)) {
			*error_r = xasprintf("%s address %zu is not a plain address", what, i + 1);
			return -1;
		}
		name = header_text(v[i].name);
		ia = internet_address_mailbox_new(*name ? name : NULL, v[i].email);
		/* UTF-8 for encoded names, not GMime's smallest fitting
		 * charset: one charset in and out is easier to reason about */
		internet_address_set_charset(ia, "utf-8");
		internet_address_list_add(list, ia);
		g_object_unref(ia);
		free(name);
	}
	return 0;
}

/* A text part holding s as UTF-8, quoted-printable.  g_mime_text_part_set_text
 * would pick the smallest charset that fits (Latin-1 for "Grüße"); setting the
 * content ourselves keeps UTF-8. */
static GMimeObject *compose_text_part(const char *subtype, const char *s)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype(subtype);
	char *text = text_clean_utf8(s ? s : "", s ? strlen(s) : 0); /* LF line ends */
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	GMimeDataWrapper *content =
	        g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content((GMimePart *)part, content);
	g_mime_text_part_set_charset(part, "utf-8");
	g_mime_part_set_content_encoding((GMimePart *)part, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	g_object_unref(content);
	g_object_unref(stream);
	free(text);
	return (GMimeObject *)part;
}

/* Copies len bytes with every line end made CRLF (a lone LF or CR too),
 * whatever the serialiser did: SMTP wants CRLF only (RFC 5321 section
 * 2.3.8). */
static char *crlf_copy(const char *s, size_t len, size_t *len_r)
{
	struct buf b = {0};
	size_t i;

	b.s = xgrow(NULL, &b.cap, len + 64, 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '\r') {
			buf_add(&b, "\r\n", 2);
			if (i + 1 < len && s[i + 1] == '\n')
				i++;
		} else if (s[i] == '\n') {
			buf_add(&b, "\r\n", 2);
		} else {
			buf_addc(&b, s[i]);
		}
	}
	if (b.len < 2 || memcmp(b.s + b.len - 2, "\r\n", 2) != 0)
		buf_add(&b, "\r\n", 2);
	*len_r = b.len;
	return buf_steal(&b);
}

int message_compose(const struct outmail *o, char **data_r, size_t *len_r, char **error_r)
{
	GMimeMessage *msg = NULL;
	GMimeObject *obj, *body = NULL;
	GMimeFormatOptions *fo = NULL;
	GDateTime *date;
	struct buf refs = {0};
	char *s = NULL, *out;
	size_t i;
	int rc = -1;

	*data_r = NULL;
	*len_r = 0;
	message_init();
	if (!compose_id_ok(o->message_id, 1)) {
		*error_r = xstrdup("Message-ID missing or not a plain id");
		return -1;
	}
	if (o->in_reply_to && !compose_id_ok(o->in_reply_to, 0)) {
		*error_r = xstrdup("In-Reply-To is not a plain id");
		return -1;
	}
	for (i = 0; i < o->nreferences; i++) {
		if (!compose_id_ok(o->references[i], 0)) {
			*error_r = xasprintf("References id %zu is not a plain id", i + 1);
			return -1;
		}
	}
	for (i = 0; i < o->nextra; i++) {
		if (!compose_name_ok(o->extra[i].name)) {
			*error_r = xasprintf("extra header %zu: bad or reserved name", i + 1);
			return -1;
		}
	}

	msg = g_mime_message_new(TRUE);
	obj = (GMimeObject *)msg;
	if (compose_add_addrs(msg, GMIME_ADDRESS_TYPE_FROM, "From", &o->from, 1, error_r) != 0 ||
	    compose_add_addrs(msg, GMIME_ADDRESS_TYPE_REPLY_TO, "Reply-To", o->reply_to,
	                      o->nreply_to, error_r) != 0 ||
	    compose_add_addrs(msg, GMIME_ADDRESS_TYPE_TO, "To", o->to, o->nto, error_r) != 0 ||
	    compose_add_addrs(msg, GMIME_ADDRESS_TYPE_CC, "Cc", o->cc, o->ncc, error_r) != 0)
		goto out;

	s = header_text(o->subject);
	g_mime_message_set_subject(msg, s, "utf-8");
	free(s);
	s = NULL;

	date = g_date_time_new_from_unix_utc(o->date);
	if (date == NULL) {
		*error_r = xasprintf("date %lld out of range", (long long)o->date);
		goto out;
	}
	g_mime_message_set_date(msg, date);
	g_date_time_unref(date);
	g_mime_message_set_message_id(msg, o->message_id);

	/* RFC 5322 section 3.6.4: In-Reply-To names the parent, References
	 * the thread, oldest first; GMime folds the list between ids. */
	if (o->in_reply_to) {
		s = xasprintf("<%s>", o->in_reply_to);
		g_mime_object_set_header(obj, "In-Reply-To", s, NULL);
		free(s);
		s = NULL;
	}
	for (i = 0; i < o->nreferences; i++)
		buf_printf(&refs, "%s<%s>", i ? " " : "", o->references[i]);
	if (refs.len)
		g_mime_object_set_header(obj, "References", refs.s, NULL);

	/* RFC 3834 section 5: auto-responders must not answer this mail */
	g_mime_object_set_header(obj, "Auto-Submitted", "auto-generated", NULL);
	if (o->list_unsubscribe) {
		s = header_text(o->list_unsubscribe);
		if (*s)
			g_mime_object_set_header(obj, "List-Unsubscribe", s, NULL);
		free(s);
		s = NULL;
	}
	for (i = 0; i < o->nextra; i++) {
		s = header_text(o->extra[i].value);
		g_mime_object_append_header(obj, o->extra[i].name, s, "utf-8");
		free(s);
		s = NULL;
	}

	if (o->html) {
		GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
		GMimeObject *part;

		/* RFC 2046 section 5.1.4: the preferred form comes last */
		part = compose_text_part("plain", o->text);
		g_mime_multipart_add(alt, part);
		g_object_unref(part);
		part = compose_text_part("html", o->html);
		g_mime_multipart_add(alt, part);
		g_object_unref(part);
		body = (GMimeObject *)alt;
	} else {
		body = compose_text_part("plain", o->text);
	}
	g_mime_message_set_mime_part(msg, body);

	fo = g_mime_format_options_clone(NULL);
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	out = g_mime_object_to_string(obj, fo);
	if (out == NULL) {
		*error_r = xstrdup("GMime wrote no message");
		goto out;
	}
	*data_r = crlf_copy(out, strlen(out), len_r);
	g_free(out);
	rc = 0;
out:
	buf_free(&refs);
	if (fo)
		g_mime_format_options_free(fo);
	if (body)
		g_object_unref(body);
	g_object_unref(msg);
	return rc;
}
