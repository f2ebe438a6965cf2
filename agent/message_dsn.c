/*
 * message_dsn.c - delivery reports: the per-recipient fields of a
 * message/delivery-status part (RFC 3464), and which message a report is
 * about, from its returned message or returned headers (RFC 6522).
 *
 * A report names the mail it is about by that mail's Message-ID and, for
 * the agent's own mail, by its X-Refagent-Referral header, which survives a
 * server that rewrote the Message-ID.  Reports are written by many servers,
 * several of them sloppily: fields out of order, a missing blank line
 * between recipients, white space before the colon.
 */
#include "message_p.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"
#include "util.h"

#define DSN_MAX    MESSAGE_MAX_ADDRS /* recipients kept */
#define RAWHDR_MAX (1 << 20)         /* bytes of text/rfc822-headers searched */

static char *dsn_addr(const char *v)
{
	const char *semi = strchr(v, ';');
	char *r;

	/* "rfc822; user@example.com" (RFC 3464 section 2.3.1/2.3.2) */
	r = msg_return_path(semi ? semi + 1 : v);
	if (r && !msg_valid_email(r)) {
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
		r->action = str_lower(msg_clean(value, 1));
	} else if (nlen == 6 && strncasecmp(name, "Status", 6) == 0 && r->status == NULL) {
		value[strcspn(value, " \t(")] = '\0';
		r->status = msg_clean(value, 1);
	} else if (nlen == 15 && strncasecmp(name, "Diagnostic-Code", 15) == 0 &&
	           r->diagnostic == NULL) {
		const char *semi = strchr(value, ';');

		r->diagnostic = msg_clean(semi ? semi + 1 : value, 1);
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
		msg_dsn_rcpt_free(r);
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
void msg_dsn_parse(struct message *m, const char *text)
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

/* The referral number of an X-Refagent-Referral value: its leading digits,
 * when there are 1 to 18 of them (an int64 always holds them). */
static char *referral_digits(const char *v)
{
	size_t n = v ? strspn(v, "0123456789") : 0;

	return n > 0 && n < 19 ? xstrndup(v, n) : NULL;
}

/* The first line of header name (with its colon, e.g. "Message-ID:") in
 * the header block at the start of text (it ends at the first empty line):
 * returns where its value starts and sets *eol_r to the line's end (its
 * '\n', or the end of text), or returns NULL. */
static const char *block_field(const char *text, const char *name, const char **eol_r)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		const char *eol = nl ? nl : p + strlen(p);

		if (eol == p)
			break; /* end of the header block */
		if (str_istarts(p, name)) {
			*eol_r = eol;
			return p + strlen(name);
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return NULL;
}

/* The value of the agent's own X-Refagent-Referral header in a header
 * block of text (digits only), or NULL. */
static char *headers_referral(const char *text)
{
	const char *eol, *v = block_field(text, "X-Refagent-Referral:", &eol);

	if (v == NULL)
		return NULL;
	while (*v == ' ' || *v == '\t')
		v++;
	return referral_digits(v);
}

/* Message-ID out of a text/rfc822-headers part (RFC 6522 section 5),
 * folded lines joined. */
static char *headers_message_id(const char *text)
{
	const char *eol, *v = block_field(text, "Message-ID:", &eol);
	struct buf b = {0};
	char *id;

	if (v == NULL)
		return NULL;
	buf_add(&b, v, (size_t)(eol - v));
	while (*eol == '\n' && (eol[1] == ' ' || eol[1] == '\t')) {
		const char *q = eol + 1;

		eol = q + strcspn(q, "\n");
		buf_add(&b, q, (size_t)(eol - q));
	}
	id = msg_decode_id(b.s);
	buf_free(&b);
	return id;
}

void msg_dsn_rcpt_free(struct dsn_rcpt *r)
{
	FREE_ALL(r->email, r->action, r->status, r->diagnostic);
}

int msg_dsn_part(struct message *m, GMimePart *part, GMimeContentType *ct)
{
	GByteArray *arr;
	char *text;

	if (g_mime_content_type_is_type(ct, "message", "delivery-status") ||
	    g_mime_content_type_is_type(ct, "message", "global-delivery-status")) {
		arr = msg_part_bytes(part);
		if (arr) {
			text = text_clean_utf8((const char *)arr->data, arr->len > MESSAGE_MAX_BODY
			                                                        ? MESSAGE_MAX_BODY
			                                                        : arr->len);
			if (m->report == REPORT_DSN)
				msg_dsn_parse(m, text);
			free(text);
			g_byte_array_free(arr, TRUE);
		}
		return 1;
	}
	if (g_mime_content_type_is_type(ct, "text", "rfc822-headers") ||
	    g_mime_content_type_is_type(ct, "message", "global-headers")) {
		arr = msg_part_bytes(part);
		if (arr) {
			text = text_clean_utf8((const char *)arr->data,
			                       arr->len > RAWHDR_MAX ? RAWHDR_MAX : arr->len);
			if (m->orig_message_id == NULL)
				m->orig_message_id = headers_message_id(text);
			if (m->orig_referral == NULL)
				m->orig_referral = headers_referral(text);
			free(text);
			g_byte_array_free(arr, TRUE);
		}
		return 1;
	}
	return 0;
}

void msg_dsn_returned(struct message *m, GMimeMessage *sub)
{
	if (m->orig_message_id == NULL)
		m->orig_message_id = msg_clean(g_mime_message_get_message_id(sub), 1);
	if (m->orig_referral == NULL)
		m->orig_referral = referral_digits(
		        g_mime_object_get_header(GMIME_OBJECT(sub), "X-Refagent-Referral"));
}
