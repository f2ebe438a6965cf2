/*
 * message_forward.c - messages found inside a message: a message/rfc822
 * part (a forward "as attachment", RFC 2046 section 5.2.1) and a forwarded
 * block written into the text ("---------- Forwarded message ---------",
 * "Begin forwarded message:", Outlook's "From: ... Sent: ..." block).
 *
 * For a referral a forward often carries the lead: the referrer forwards
 * the lead's mail to the agent.  The inline reader knows the markers of the
 * common mail clients in a few languages, reads the header-like lines after
 * them (addresses through GMime's parser, Outlook's "[mailto:...]" and ";"
 * lists normalised first), and takes the text up to the next marker.
 */
#include "message_p.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define FWD_HDR_MAX 12 /* header lines read after a forward marker */

/* ---------------------------------------------------- attached forwards */

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
void msg_forward_attached(struct message *m, GMimeMessage *sub, int depth)
{
	struct forward *f;
	int is_html = 0, trunc = 0;
	char *body;

	if (m->nfwd >= MESSAGE_MAX_FORWARD)
		return;
	body = msg_body(m, sub, 0, depth, &is_html, &trunc);
	f = forward_new(m);
	f->attached = 1;
	f->body = body;
	msg_first_mailbox(&f->from, g_mime_message_get_from(sub));
	msg_addrs_add(&f->to, g_mime_message_get_to(sub), 0);
	msg_addrs_add(&f->to, g_mime_message_get_cc(sub), 0);
	f->subject = msg_clean(g_mime_message_get_subject(sub), 1);
	f->message_id = msg_clean(g_mime_message_get_message_id(sub), 1);
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
void msg_forwards_inline(struct message *m, const char *body)
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
				        internet_address_list_parse(msg_parser_opts, a);

				if (list) {
					msg_first_mailbox(&f->from, list);
					g_object_unref(list);
				}
				free(a);
				have = 1;
			} else if (key == 1 || key == 2) {
				char *a = normalise_addrs(v.s, v.len);

				msg_addrs_parse(&f->to, a);
				free(a);
			} else if (key == 3 && f->subject == NULL) {
				char *s = xstrndup(v.s, v.len);

				f->subject = msg_clean(s, 1);
				free(s);
				have = 1;
			}
		}
		if (!have) {
			/* a marker with no headers after it is not a forward
			 * we can use */
			msg_forward_free(f);
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

void msg_forward_free(struct forward *f)
{
	msg_addr_free(&f->from);
	msg_addrs_free(&f->to);
	free(f->subject);
	free(f->message_id);
	free(f->body);
}
