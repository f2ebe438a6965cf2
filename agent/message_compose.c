/*
 * message_compose.c - the agent's own mail, built with GMime.
 *
 * Text that reaches a header may come from incoming mail (a referrer's
 * display name, a subject), so before GMime sees it every C0 control
 * character and DEL becomes a space: with no CR or LF left, no value can
 * end its header and start another (RFC 5322 section 2.2 says a header
 * field ends at CRLF; unfolding makes a lone LF or CR just as dangerous
 * with lax readers).  GMime then encodes what is not ASCII (RFC 2047) and
 * folds long lines, so nothing is pasted together by hand.
 */
#include "message_p.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "util.h"

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
