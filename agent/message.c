/*
 * message.c - raw RFC 5322 bytes to struct message, with GMime 3: set-up,
 * message_parse() and message_free(), headers, identifiers and addresses.
 *
 * The message module is the only one that includes GMime.  Everything
 * after it works on the plain struct in message.h: decoded UTF-8 strings,
 * lower-case addresses, identifiers without angle brackets, one best text
 * body, the forwarded messages inside, and delivery-report details.  The
 * body, reports, forwards, mbox files and outgoing mail have files of their
 * own (see message_p.h).
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
 * - Headers: GMime decodes RFC 2047 words in any charset iconv knows and
 *   tries UTF-8 then Windows-1252/Latin-1 for raw 8-bit header bytes.
 */
#include "message_p.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "log.h"
#include "text.h"
#include "util.h"

#define WARN_MAX  32   /* warnings kept per message */
#define HASH_BODY 4096 /* body bytes in header_hash */

GMimeParserOptions *msg_parser_opts;
static int initialised;
/* The message being parsed, for GMime's parser warning callback (one per
 * thread: `ingest` parses on several). */
static __thread struct message *parsing;

/* -------------------------------------------------------------- helpers */

void msg_warn(struct message *m, const char *fmt, ...)
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
		msg_warn(parsing, "%s at byte %lld: %s", w, (long long)offset, shown);
	else
		msg_warn(parsing, "%s at byte %lld", w, (long long)offset);
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
	msg_parser_opts = g_mime_parser_options_new();
	g_mime_parser_options_set_address_compliance_mode(msg_parser_opts,
	                                                  GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(msg_parser_opts,
	                                                    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_rfc2047_compliance_mode(msg_parser_opts,
	                                                  GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(msg_parser_opts, fallback);
	html_init();
	initialised = 1;
	warm_up();
}

void message_parser_warnings(void)
{
	message_init();
	g_mime_parser_options_set_warning_callback(msg_parser_opts, on_parser_warning, NULL);
}

void message_shutdown(void)
{
	if (!initialised)
		return;
	g_mime_parser_options_free(msg_parser_opts);
	msg_parser_opts = NULL;
	g_mime_shutdown();
	initialised = 0;
}

/* A UTF-8 copy of s, trimmed; NULL for NULL, and for "" when empty_null. */
/* Whether s holds U+00C2..U+00F4 followed by U+0080..U+00BF, or by the
 * start of a character windows-1252 puts in 0x80..0x9F (U+0152..U+2122):
 * a UTF-8 lead byte and a continuation byte both read as Latin-1 or
 * windows-1252 ("FranÃ§oise", "Oâ€™Connor"). */
static int looks_double_decoded(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s;
	     (p = (const unsigned char *)strchr((const char *)p, 0xC3)) != NULL; p++)
		if (p[1] >= 0x82 && p[1] <= 0xB4 &&
		    ((p[2] == 0xC2 && p[3] >= 0x80 && p[3] <= 0xBF) || p[2] == 0xC5 ||
		     p[2] == 0xC6 || p[2] == 0xCB || p[2] == 0xE2))
			return 1;
	return 0;
}

/* The bytes word [0..len) means in UTF-8 when it is UTF-8 decoded as
 * windows-1252 or ISO-8859-1, or NULL. */
static char *redecode(const char *word, size_t len)
{
	static const char *const charsets[] = {"WINDOWS-1252", "ISO-8859-1"};

	for (size_t i = 0; i < sizeof(charsets) / sizeof(*charsets); i++) {
		gsize written = 0;
		gchar *b = g_convert(word, (gssize)len, charsets[i], "UTF-8", NULL, &written, NULL);
		char *r = NULL;

		if (b != NULL && memchr(b, '\0', written) == NULL && g_utf8_validate(b, -1, NULL))
			r = xstrdup(b);
		g_free(b);
		if (r != NULL)
			return r;
	}
	return NULL;
}

/* UTF-8 that a sender labelled ISO-8859-1 or windows-1252 ("=?iso-8859-1?Q?"
 * around UTF-8 bytes, as some web forms and scripts write it) comes out
 * of the decoder as "FranÃ§oise"; written back in that charset, its bytes
 * are the UTF-8 the sender meant.  Word by word, since such a sender may
 * mix the two ("SeÃ¡n O’Connor", the apostrophe a real windows-1252
 * byte).  Real Latin-1 text almost never reads as valid UTF-8 that way
 * ("Ã" before "§"), and a word with anything the charset cannot hold is
 * left as it is.  Returns s or its repair (s freed). */
static char *undo_double_decoding(char *s)
{
	struct buf b = {0};
	const char *p = s;

	if (!looks_double_decoded(s))
		return s;
	while (*p) {
		size_t n = strcspn(p, " \t");
		char *w = NULL, *word = xstrndup(p, n);

		if (looks_double_decoded(word))
			w = redecode(p, n);
		buf_add(&b, w ? w : p, w ? strlen(w) : n);
		free(w);
		free(word);
		p += n;
		n = strspn(p, " \t");
		buf_add(&b, p, n);
		p += n;
	}
	free(s);
	return b.s ? b.s : xstrdup("");
}

char *msg_clean(const char *s, int empty_null)
{
	char *r;

	if (s == NULL)
		return NULL;
	r = str_trim(undo_double_decoding(text_clean_utf8(s, strlen(s))));
	if (empty_null && *r == '\0') {
		free(r);
		return NULL;
	}
	return r;
}

/* ------------------------------------------------------------ addresses */

int msg_valid_email(const char *a)
{
	const char *at = a ? strrchr(a, '@') : NULL;

	return at && at > a && at[1] != '\0' && strpbrk(a, " \t<>,;\"") == NULL;
}

static void addr_set(struct addr *a, InternetAddressMailbox *mb)
{
	const char *name = internet_address_get_name(INTERNET_ADDRESS(mb));
	const char *email = internet_address_mailbox_get_addr(mb);
	size_t n;

	a->name = msg_clean(name, 1);
	/* A name is one line: RFC 2047 can encode a CR, LF or tab in it, which
	 * would break a greeting or a list of names.  What follows a line break
	 * is no part of the name ("Eve Stone\r\nBcc: victim@..." is Eve
	 * Stone, never a greeting naming "Bcc:"); other controls are spaces. */
	if (a->name)
		a->name[strcspn(a->name, "\r\n")] = '\0';
	for (char *p = a->name; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (a->name) {
		str_trim(a->name);
		if (*a->name == '\0') {
			free(a->name);
			a->name = NULL;
		}
	}
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
	a->email = msg_valid_email(email) ? str_lower(msg_clean(email, 1)) : NULL;
	/* '"lucy.bennett@aol.test" <lucy.bennett@aol.test>', as some phones
	 * and address books write it: an address is no name to greet */
	if (a->name && strchr(a->name, '@') && strpbrk(a->name, " \t") == NULL) {
		free(a->name);
		a->name = NULL;
	}
}

void msg_addr_free(struct addr *a)
{
	free(a->name);
	free(a->email);
	a->name = a->email = NULL;
}

/* Appends the mailboxes of list to l, groups flattened (RFC 5322 section
 * 3.4: a group's members are ordinary recipients). */
void msg_addrs_add(struct addr_list *l, InternetAddressList *list, int depth)
{
	int i, n;

	if (list == NULL || depth > 3)
		return;
	n = internet_address_list_length(list);
	for (i = 0; i < n && l->n < MESSAGE_MAX_ADDRS; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		struct addr a;

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			msg_addrs_add(
			        l, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
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

int message_unlist(struct message *m, int from_rewritten)
{
	static const char *const list_headers[] = {"Precedence",
	                                           "X-Precedence",
	                                           "List-Id",
	                                           "List-Unsubscribe",
	                                           "List-Post",
	                                           "List-Help",
	                                           "List-Archive",
	                                           "List-Subscribe",
	                                           "List-Owner",
	                                           "Mailing-List",
	                                           "List-Unsubscribe-Post"};
	const char *orig;
	struct addr_list l = {0};
	struct addr author = {0};

	for (size_t i = 0; i < m->nheaders; i++)
		for (size_t k = 0; k < ARRAY_SIZE(list_headers); k++)
			if (str_ieq(m->headers[i].name, list_headers[k])) {
				char *name = xasprintf("X-Refagent-Was-%s", m->headers[i].name);

				free(m->headers[i].name);
				m->headers[i].name = name;
				break;
			}
	if (!from_rewritten)
		return 0;
	if ((orig = message_header(m, "X-Original-From")) != NULL)
		msg_addrs_parse(&l, orig);
	if (l.n == 1 && l.v[0].email != NULL) {
		author = l.v[0];
		memset(&l.v[0], 0, sizeof(l.v[0]));
	} else if (m->reply_to.n == 1 && m->reply_to.v[0].email != NULL) {
		author.name = xstrdup(m->reply_to.v[0].name);
		author.email = xstrdup(m->reply_to.v[0].email);
	}
	msg_addrs_free(&l);
	if (author.email == NULL)
		return 0;
	msg_addr_free(&m->from);
	m->from = author;
	m->nfrom = 1;
	m->from_relayed = 1;
	return 1;
}

int message_addressed(const struct message *m, const char *email)
{
	const struct addr_list *lists[] = {&m->to, &m->cc};

	for (size_t k = 0; email && k < 2; k++)
		for (size_t i = 0; i < lists[k]->n; i++)
			if (lists[k]->v[i].email && str_ieq(lists[k]->v[i].email, email))
				return 1;
	return 0;
}

void msg_addrs_free(struct addr_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		msg_addr_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The first mailbox of list into *a; returns the number of mailboxes. */
size_t msg_first_mailbox(struct addr *a, InternetAddressList *list)
{
	struct addr_list l = {0};
	size_t n;

	msg_addrs_add(&l, list, 0);
	n = l.n;
	if (n > 0) {
		*a = l.v[0];
		l.v[0].name = l.v[0].email = NULL;
	}
	msg_addrs_free(&l);
	return n;
}

void msg_addrs_parse(struct addr_list *l, const char *text)
{
	InternetAddressList *list;

	if (text == NULL || *text == '\0')
		return;
	list = internet_address_list_parse(msg_parser_opts, text);
	if (list) {
		msg_addrs_add(l, list, 0);
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
		msg_warn(m, "%zu headers, only the first %d kept", n, MESSAGE_MAX_HEADERS);
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

			value = msg_clean(v ? v : "", 0);
		}
		m->headers[m->nheaders].name = msg_clean(name ? name : "", 0);
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

char *msg_decode_id(const char *text)
{
	char *id, *r;

	if (text == NULL || str_blank(text))
		return NULL;
	id = g_mime_utils_decode_message_id(text);
	r = msg_clean(id, 1);
	g_free(id);
	return r;
}

static void parse_references(struct message *m, const char *text)
{
	GMimeReferences *refs;
	int n, i, start;

	if (text == NULL || str_blank(text))
		return;
	refs = g_mime_references_parse(msg_parser_opts, text);
	if (refs == NULL)
		return;
	n = g_mime_references_length(refs);
	/* the newest ids are the ones that thread a reply: keep the last */
	start = n > MESSAGE_MAX_REFS ? n - MESSAGE_MAX_REFS : 0;
	if (n > start)
		m->references = xcalloc((size_t)(n - start), sizeof(char *));
	for (i = start; i < n; i++) {
		char *id = msg_clean(g_mime_references_get_message_id(refs, i), 1);

		if (id)
			m->references[m->nreferences++] = id;
	}
	g_mime_references_free(refs);
}

/* Return-Path: <addr>, or <> for a bounce (RFC 5321 section 4.4). */
char *msg_return_path(const char *v)
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
	c = msg_clean(r, 0);
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

/* An address list written with ';' between the addresses, as Outlook shows
 * them and as people and some mailers then write them ("Ann <a@x.test>;
 * b@y.test"): the same list with ',' (RFC 5322), or NULL when the value
 * has no such ';'.  A group ("Team: a@x.test, b@y.test;") ends with ';'
 * by right and is left to GMime, as is a ';' inside quotes, a comment or
 * an address.  GMime alone reads "a@x.test; b@y.test" as a group's end
 * and drops what follows: a lead or the agent lost. */
static char *semicolons_as_commas(const char *raw)
{
	char *out, *o;
	int quoted = 0, angle = 0, comment = 0, found = 0;

	if (raw == NULL || strchr(raw, ';') == NULL)
		return NULL;
	out = o = xstrdup(raw);
	for (const char *p = raw; *p; p++, o++) {
		if (quoted) {
			if (*p == '\\' && p[1])
				p++, o++;
			else if (*p == '"')
				quoted = 0;
		} else if (comment) {
			if (*p == '\\' && p[1])
				p++, o++;
			else if (*p == '(')
				comment++;
			else if (*p == ')')
				comment--;
		} else if (*p == '"') {
			quoted = 1;
		} else if (*p == '(') {
			comment = 1;
		} else if (*p == '<') {
			angle = 1;
		} else if (*p == '>') {
			angle = 0;
		} else if (*p == ':' && !angle) {
			free(out); /* a group */
			return NULL;
		} else if (*p == ';' && !angle) {
			*o = ',';
			found = 1;
		}
	}
	if (!found) {
		free(out);
		return NULL;
	}
	return out;
}

/* To or Cc: GMime's list, or the list read again with ',' for ';'. */
static void recipients(struct addr_list *l, GMimeMessage *msg, const char *name,
                       InternetAddressList *parsed)
{
	char *fixed = semicolons_as_commas(raw_header(msg, name));

	if (fixed) {
		msg_addrs_parse(l, fixed);
		free(fixed);
	} else {
		msg_addrs_add(l, parsed, 0);
	}
}

/* ----------------------------------------------------------------- parse */

/* Everything message_parse() takes from GMime's tree.  Returns 0, or -1
 * with *error_r set when there is no header at all. */
static int fill(struct message *m, GMimeMessage *msg, char **error_r)
{
	GMimeObject *top;
	GDateTime *dt;
	size_t i;
	int trunc = 0;
	uint64_t h = 0;

	top = g_mime_message_get_mime_part(msg);

	collect_headers(m, msg);
	if (m->nheaders == 0) {
		*error_r = xstrdup("no header found");
		return -1;
	}

	m->subject = msg_clean(g_mime_message_get_subject(msg), 1);
	m->message_id = msg_clean(g_mime_message_get_message_id(msg), 1);
	m->in_reply_to = msg_decode_id(message_header(m, "In-Reply-To"));
	parse_references(m, message_header(m, "References"));
	dt = g_mime_message_get_date(msg);
	m->date = dt ? (int64_t)g_date_time_to_unix(dt) : 0;
	if (m->date < 0)
		m->date = 0;

	m->nfrom = msg_first_mailbox(&m->from, g_mime_message_get_from(msg));
	msg_first_mailbox(&m->sender, g_mime_message_get_sender(msg));
	recipients(&m->to, msg, "To", g_mime_message_get_to(msg));
	recipients(&m->cc, msg, "Cc", g_mime_message_get_cc(msg));
	msg_addrs_add(&m->reply_to, g_mime_message_get_reply_to(msg), 0);
	for (i = 0; i < m->nheaders; i++) {
		const char *name = m->headers[i].name;

		if (strchr("dDxXeErR", name[0]) == NULL || name[0] == '\0')
			continue;
		if (str_ieq(name, "Delivered-To") || str_ieq(name, "X-Original-To") ||
		    str_ieq(name, "Envelope-To") || str_ieq(name, "X-Envelope-To")) {
			struct addr_list l = {0};
			size_t k, j;

			msg_addrs_parse(&l, m->headers[i].value);
			/* each hop may add the same address again */
			for (k = 0; k < l.n; k++) {
				for (j = 0; j < m->delivered_to.n; j++)
					if (l.v[k].email && m->delivered_to.v[j].email &&
					    strcmp(l.v[k].email, m->delivered_to.v[j].email) == 0)
						break;
				if (l.v[k].email == NULL || j < m->delivered_to.n ||
				    m->delivered_to.n >= MESSAGE_MAX_ADDRS) {
					msg_addr_free(&l.v[k]);
					continue;
				}
				m->delivered_to.v =
				        xrealloc(m->delivered_to.v,
				                 (m->delivered_to.n + 1) * sizeof(struct addr));
				m->delivered_to.v[m->delivered_to.n++] = l.v[k];
			}
			free(l.v);
		} else if (str_ieq(name, "Return-Path") && m->return_path == NULL) {
			m->return_path = msg_return_path(m->headers[i].value);
		}
	}
	if (top) {
		char *ct = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(top));

		m->content_type = str_lower(msg_clean(ct, 1));
		g_free(ct);
	}

	m->body = msg_body(m, msg, 1, 0, &m->body_is_html, &trunc);
	m->body_truncated = trunc;
	if (trunc)
		msg_warn(m, "body longer than %d bytes, truncated", MESSAGE_MAX_BODY);
	/* a report's returned message is not a forward */
	if (m->report == REPORT_NONE)
		msg_forwards_inline(m, m->body);
	/* a report whose delivery-status part is missing or broken (old
	 * sendmail, lost boundaries): the fields are often in the text */
	if (m->report == REPORT_DSN && m->ndsn == 0 && strstr(m->body, "-Recipient"))
		msg_dsn_parse(m, m->body);

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
	msg = g_mime_parser_construct_message(parser, msg_parser_opts);
	g_object_unref(parser);
	if (copy)
		msg_warn(m, "CR-only line ends read as LF");
	if (skipped)
		msg_warn(m, "white space before the first header skipped");
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

void message_free(struct message *m)
{
	size_t i;

	if (m == NULL)
		return;
	FREE_ALL(m->message_id, m->in_reply_to, m->subject, m->return_path);
	free_strings(m->references, m->nreferences);
	msg_addr_free(&m->from);
	msg_addr_free(&m->sender);
	msg_addrs_free(&m->to);
	msg_addrs_free(&m->cc);
	msg_addrs_free(&m->reply_to);
	msg_addrs_free(&m->delivered_to);
	for (i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	FREE_ALL(m->headers, m->content_type, m->body, m->context);
	for (i = 0; i < m->nfwd; i++)
		msg_forward_free(&m->fwd[i]);
	free(m->fwd);
	free_strings(m->attachments, m->nattachments);
	for (size_t c = 0; c < m->ncards; c++) {
		free(m->cards[c].name);
		free(m->cards[c].email);
		free(m->cards[c].phone);
	}
	free(m->cards);
	FREE_ALL(m->report_type, m->orig_message_id, m->orig_referral);
	for (i = 0; i < m->ndsn; i++)
		msg_dsn_rcpt_free(&m->dsn[i]);
	free(m->dsn);
	free_strings(m->warnings, m->nwarnings);
	free(m);
}
