/*
 * text.c - plain-text helpers for mail bodies: UTF-8 clean-up and the
 * "what did the sender actually write" trimmer behind message.context.
 *
 * Why the trimmer exists: intake pulls the lead's phone number and the
 * intro's wording out of the context.  A reply or intro carries the
 * referrer's own signature ("M: +1 555 ...") and quoted history, whose
 * numbers and addresses belong to somebody else.  So the trimmer drops
 * quoted lines and quote headers (and, for clients that do not prefix the
 * history with "> ", everything after the header), the signature block
 * (RFC 3676 section 4.3 "-- " delimiter, or a sign-off such as "Best,"
 * followed by a few short lines up to the end of the text), legal footers
 * and "Sent from my iPhone" lines.  Forwarded blocks are kept: for a
 * forward they carry the lead.  A cut (quote header, signature) ends at the
 * next forward marker, because Gmail places the forwarded message after the
 * forwarder's signature.
 *
 * No regular expressions: every rule is a prefix/suffix test on one line,
 * and the whole thing is linear in the size of the text.
 */
#include "text.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Sign-off: at most this many non-blank lines may follow it, each at most
 * SIG_LINE_MAX bytes long, up to the end of its segment. */
#define SIG_MAX_LINES 6
#define SIG_LINE_MAX  100

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

/* -------------------------------------------------------- line helpers */

struct line {
	const char *s; /* start, leading white space included */
	size_t len;    /* right-trimmed length */
	const char *t; /* after leading white space and '*' (HTML bold) */
	size_t tlen;
	char c0;      /* first character of t, lower case; 0 when blank */
	char quoted;  /* starts with '>' (after up to 4 spaces) */
	char sigdash; /* the line is exactly "-- " (RFC 3676 section 4.3) */
	char keep;
};

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Case-insensitive (ASCII) prefix test on a counted string. */
static int starts_n(const char *s, size_t len, const char *prefix, size_t n)
{
	size_t i;

	if (len < n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != lower((unsigned char)prefix[i]))
			return 0;
	return 1;
}

#define starts(s, len, lit) starts_n((s), (len), (lit), sizeof(lit) - 1)

static int starts_str(const char *s, size_t len, const char *prefix)
{
	return starts_n(s, len, prefix, strlen(prefix));
}

static int ends_str(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && starts_n(s + len - n, n, suffix, n);
}

static int equals(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);

	return n == len && starts_n(s, len, w, n);
}

/* A line of dashes around a phrase: "---------- Forwarded message ---------",
 * "-----Original Message-----", "----- Original Message -----". */
static int dashed(const struct line *l, const char *const *phrases)
{
	const char *s = l->t;
	size_t len = l->tlen, dashes = 0;

	while (len > 0 && (*s == '-' || *s == '_' || *s == ' ')) {
		dashes += *s != ' ';
		s++;
		len--;
	}
	while (len > 0 &&
	       (s[len - 1] == '-' || s[len - 1] == '_' || s[len - 1] == ' ' || s[len - 1] == '*')) {
		dashes += s[len - 1] == '-';
		len--;
	}
	if (dashes < 2)
		return 0;
	for (; *phrases; phrases++)
		if (equals(s, len, *phrases))
			return 1;
	return 0;
}

static const char *const fwd_phrases[] = {
        "forwarded message",
        "forwarded message follows",
        "weitergeleitete nachricht",
        "message transféré",
        "message transfere",
        "mensaje reenviado",
        NULL,
};
static const char *const orig_phrases[] = {
        "original message", "ursprüngliche nachricht", "message d'origine",
        "mensaje original", "messaggio originale",     NULL,
};

/* Gmail's, Thunderbird's and Apple Mail's forward markers. */
static int is_fwd_marker(const struct line *l)
{
	if (l->quoted || l->tlen > 120)
		return 0;
	switch (l->c0) {
	case '-':
	case '_':
		return dashed(l, fwd_phrases);
	case 'b':
		return equals(l->t, l->tlen, "Begin forwarded message:") ||
		       equals(l->t, l->tlen, "Begin forwarded message");
	case 'a':
		return equals(l->t, l->tlen, "Anfang der weitergeleiteten Nachricht:");
	case 'd':
		return equals(l->t, l->tlen, "Début du message réexpédié :");
	}
	return 0;
}

/* "On <date>, Jane <jane@x> wrote:" and its translations; the first part
 * (a, alen) may be the line before when a client wrapped it. */
static int attribution(const char *a, size_t alen, const char *b, size_t blen)
{
	if (starts(a, alen, "On "))
		return ends_str(b, blen, "wrote:") || ends_str(b, blen, "writes:");
	if (starts(a, alen, "Am "))
		return ends_str(b, blen, ":") &&
		       (memmem(a, alen, "schrieb", 7) || memmem(b, blen, "schrieb", 7));
	if (starts(a, alen, "Le "))
		return ends_str(b, blen, "a écrit :") || ends_str(b, blen, "a écrit:") ||
		       ends_str(b, blen, "a écrit\xC2\xA0:");
	if (starts(a, alen, "El "))
		return ends_str(b, blen, "escribió:");
	if (starts(a, alen, "Il "))
		return ends_str(b, blen, "ha scritto:");
	if (starts(a, alen, "Op "))
		return ends_str(b, blen, ":") &&
		       (memmem(a, alen, "schreef", 7) || memmem(b, blen, "schreef", 7));
	return 0;
}

/* The next non-blank line from j on is a "> " line. */
static int quote_follows(const struct line *v, size_t n, size_t j)
{
	while (j < n && v[j].tlen == 0)
		j++;
	return j < n && v[j].quoted;
}

static int has_digit(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] >= '0' && s[i] <= '9')
			return 1;
	return 0;
}

/*
 * Number of lines (1 or 2) of an attribution line starting at i, or 0.
 * Besides the known phrases, any line ending in ':' that names an address
 * right above a "> " quote is one ("02.04.2012 14:20 ... <bob@x> написал:").
 */
static int attribution_at(const struct line *v, size_t n, size_t i)
{
	const struct line *l = &v[i], *nx = i + 1 < n ? &v[i + 1] : NULL;
	const char *t = l->t;
	size_t tlen = l->tlen;
	int wrap;

	if (l->quoted || tlen < 4 || tlen > 300)
		return 0;
	/* Yahoo: "--- On Wed, 4/4/12, Jane <jane@x> wrote:" */
	while (tlen > 0 && (*t == '-' || *t == ' ')) {
		t++;
		tlen--;
	}
	if (tlen < 4)
		return 0;
	/* a second line that may finish a wrapped attribution */
	wrap = nx && nx->tlen > 0 && nx->tlen < 200 && !nx->quoted;
	if (t[2] == ' ' && strchr("oOaAlLeEiI", t[0])) {
		if (attribution(t, tlen, t, tlen))
			return 1;
		if (wrap && attribution(t, tlen, nx->t, nx->tlen))
			return 2;
	}
	if (t[tlen - 1] == ':' && memchr(t, '@', tlen) && quote_follows(v, n, i + 1))
		return 1;
	if (wrap && nx->t[nx->tlen - 1] == ':' && has_digit(t, tlen) &&
	    (t[tlen - 1] == '<' || memchr(nx->t, '@', nx->tlen)) && quote_follows(v, n, i + 2))
		return 2;
	return 0;
}

/* Outlook's unprefixed history: "From: ..." followed within a few lines by
 * "Sent: ..." (or "Date: ..."), often after a line of underscores. */
static int outlook_block_at(const struct line *v, size_t n, size_t i)
{
	size_t j;

	if (v[i].c0 != 'f' || !starts(v[i].t, v[i].tlen, "From:"))
		return 0;
	for (j = i + 1; j < n && j <= i + 4; j++)
		if ((v[j].c0 == 's' && starts(v[j].t, v[j].tlen, "Sent:")) ||
		    (v[j].c0 == 'd' && starts(v[j].t, v[j].tlen, "Date:")))
			return 1;
	return 0;
}

static int is_underscores(const struct line *l)
{
	size_t i, k = 0;

	if (l->c0 != '_')
		return 0;
	for (i = 0; i < l->tlen; i++) {
		if (l->t[i] == '_')
			k++;
		else if (!is_space((unsigned char)l->t[i]))
			return 0;
	}
	return k >= 10;
}

static int is_legal(const struct line *l)
{
	static const char *const prefixes[] = {
	        "CONFIDENTIALITY NOTICE",
	        "CONFIDENTIALITY:",
	        "CONFIDENTIAL NOTICE",
	        "This e-mail and any attachments",
	        "This email and any attachments",
	        "This e-mail and any files",
	        "This email and any files",
	        "This message and any attachments",
	        "This e-mail is confidential",
	        "This email is confidential",
	        "This message is confidential",
	        "The information contained in this e-mail",
	        "The information contained in this email",
	        "The information contained in this message",
	        "The information in this e-mail",
	        "The information in this email",
	        "DISCLAIMER:",
	        "IMPORTANT NOTICE:",
	        "LEGAL NOTICE:",
	        NULL,
	};
	const char *const *p;

	switch (l->c0) {
	case 'c':
	case 't':
	case 'd':
	case 'i':
	case 'l':
		break;
	default:
		return 0;
	}
	for (p = prefixes; *p; p++)
		if (lower((unsigned char)**p) == l->c0 && starts_str(l->t, l->tlen, *p))
			return 1;
	return 0;
}

static int is_mobile(const struct line *l)
{
	if (l->tlen > 80)
		return 0;
	switch (l->c0) {
	case 's':
		return starts(l->t, l->tlen, "Sent from my ") ||
		       starts(l->t, l->tlen, "Sent from Mail for ") ||
		       starts(l->t, l->tlen, "Sent from Outlook") ||
		       starts(l->t, l->tlen, "Sent from Yahoo Mail");
	case 'g':
		return starts(l->t, l->tlen, "Get Outlook for ");
	case 'v':
		return starts(l->t, l->tlen, "Von meinem iPhone");
	}
	return 0;
}

static const char *const signoffs[] = {
        "best",
        "best regards",
        "best wishes",
        "all the best",
        "cheers",
        "thanks",
        "thanks again",
        "thanks so much",
        "thank you",
        "many thanks",
        "thx",
        "kind regards",
        "warm regards",
        "warmest regards",
        "regards",
        "warmly",
        "warm wishes",
        "sincerely",
        "yours",
        "yours truly",
        "yours sincerely",
        "talk soon",
        "take care",
        "cordialement",
        "bien à vous",
        "mit freundlichen grüßen",
        "viele grüße",
        "beste grüße",
        "liebe grüße",
        "gruß",
        "saludos",
        "un saludo",
        "cordiali saluti",
        "met vriendelijke groet",
        NULL,
};

/* After "Thanks," at most three capitalised words: "Thanks, Tom" and
 * "Best, Jane D." are sign-offs, "Thanks, I'll call him" is not. */
static int name_only(const char *s, size_t len)
{
	size_t i, words = 0;
	int at_word = 1;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ') {
			at_word = 1;
			continue;
		}
		if (at_word) {
			if (!((c >= 'A' && c <= 'Z') || c >= 0x80))
				return 0;
			words++;
			at_word = 0;
		} else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80 ||
		             c == '.' || c == '-' || c == '\'')) {
			return 0;
		}
	}
	return words <= 3;
}

/* "Best," / "Thanks!" / "Cheers, Tom" / "--" on a line of its own. */
static int is_signoff(const struct line *l)
{
	const char *s = l->t, *comma;
	size_t len = l->tlen, head;
	const char *const *p;

	if (len == 0 || len > 40)
		return 0;
	if (l->sigdash || equals(s, len, "--"))
		return 1;
	comma = memchr(s, ',', len);
	head = comma ? (size_t)(comma - s) : len;
	while (head > 0 && (s[head - 1] == '!' || s[head - 1] == '.' || s[head - 1] == ' '))
		head--;
	for (p = signoffs; *p; p++)
		if (lower((unsigned char)**p) == l->c0 && equals(s, head, *p))
			break;
	if (*p == NULL)
		return 0;
	return comma == NULL || name_only(comma + 1, len - (size_t)(comma + 1 - s));
}

/* --------------------------------------------------------------- trim */

/* Splits text into lines (no copy) and classifies what every rule needs. */
static struct line *split_lines(const char *text, size_t *n_r)
{
	struct line *v = NULL;
	size_t n = 0, cap = 0, i;
	const char *p = text, *nl;

	while (*p) {
		struct line l;

		nl = strchr(p, '\n');
		l.s = p;
		l.len = nl ? (size_t)(nl - p) : strlen(p);
		l.sigdash = (l.len == 3 && memcmp(p, "-- ", 3) == 0) ||
		            (l.len == 4 && memcmp(p, "-- \r", 4) == 0);
		/* trailing white space, U+00A0 (HTML's &nbsp;) included */
		for (;;) {
			if (l.len > 0 && is_space((unsigned char)p[l.len - 1]))
				l.len--;
			else if (l.len > 1 && (unsigned char)p[l.len - 2] == 0xC2 &&
			         (unsigned char)p[l.len - 1] == 0xA0)
				l.len -= 2;
			else
				break;
		}
		for (i = 0; i < l.len && i < 4 && (p[i] == ' ' || p[i] == '\t'); i++)
			;
		l.quoted = i < l.len && p[i] == '>';
		l.t = p;
		l.tlen = l.len;
		while (l.tlen > 0 && (is_space((unsigned char)*l.t) || *l.t == '*')) {
			l.t++;
			l.tlen--;
		}
		l.c0 = l.tlen ? (char)lower((unsigned char)*l.t) : 0;
		l.keep = 1;
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		v[n++] = l;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	*n_r = n;
	return v;
}

/* The previous non-blank line before i is a forward marker: then a
 * "From: / Date:" run is the forward's own header block, not history. */
static int after_marker(const struct line *v, size_t i)
{
	while (i > 0) {
		i--;
		if (v[i].tlen == 0)
			continue;
		return is_fwd_marker(&v[i]);
	}
	return 0;
}

/*
 * Within the kept lines of [from, to), drops a trailing sign-off block: the
 * earliest sign-off line (not the first line of the segment) followed by at
 * most SIG_MAX_LINES non-blank lines, none longer than SIG_LINE_MAX.  One
 * backward pass.
 */
static void trim_signoff(struct line *v, size_t from, size_t to)
{
	size_t i, after = 0, first = to, cut = to;

	for (i = from; i < to; i++) {
		if (v[i].keep && v[i].tlen > 0) {
			first = i;
			break;
		}
	}
	for (i = to; i > first + 1;) {
		i--;
		if (!v[i].keep || v[i].tlen == 0)
			continue;
		if (is_signoff(&v[i]))
			cut = i;
		if (++after > SIG_MAX_LINES || v[i].len > SIG_LINE_MAX)
			break;
	}
	for (i = cut; i < to; i++)
		v[i].keep = 0;
}

char *text_trim_context(const char *text)
{
	struct line *v;
	size_t n, i, seg;
	int cut = 0, blank_pending = 0;
	struct buf out = {0};

	if (text == NULL || *text == '\0')
		return xstrdup("");
	v = split_lines(text, &n);

	for (i = 0; i < n; i++) {
		struct line *l = &v[i];
		int k;

		if (l->tlen == 0)
			continue;
		if (is_fwd_marker(l)) {
			cut = 0; /* the forward is content */
			continue;
		}
		if (cut || l->quoted) {
			l->keep = 0;
			continue;
		}
		if ((k = attribution_at(v, n, i)) > 0) {
			size_t j = i + (size_t)k;

			while (j < n && v[j].tlen == 0)
				j++;
			l->keep = 0;
			if (k == 2)
				v[i + 1].keep = 0;
			/* "On ... wrote:" followed by "> " lines: only the
			 * quote goes (text below it is a bottom-posted
			 * reply); followed by plain text: it is unprefixed
			 * history, everything after it goes. */
			if (j < n && !v[j].quoted)
				cut = 1;
			i += (size_t)k - 1;
			continue;
		}
		if (l->sigdash || is_legal(l) || (l->c0 == '-' && dashed(l, orig_phrases)) ||
		    (outlook_block_at(v, n, i) && !after_marker(v, i))) {
			cut = 1;
			l->keep = 0;
			continue;
		}
		if (is_underscores(l)) {
			size_t j = i + 1;

			while (j < n && v[j].tlen == 0)
				j++;
			if (j < n && outlook_block_at(v, n, j)) {
				cut = 1;
				l->keep = 0;
				continue;
			}
		}
		if (is_mobile(l))
			l->keep = 0;
	}
	/* Sign-offs, per segment between forward markers. */
	seg = 0;
	for (i = 0; i <= n; i++) {
		if (i == n || is_fwd_marker(&v[i])) {
			trim_signoff(v, seg, i);
			seg = i + 1;
		}
	}

	for (i = 0; i < n; i++) {
		if (!v[i].keep)
			continue;
		if (v[i].tlen == 0) {
			blank_pending = out.len > 0;
			continue;
		}
		if (blank_pending)
			buf_addc(&out, '\n');
		blank_pending = 0;
		buf_add(&out, v[i].s, v[i].len);
		buf_addc(&out, '\n');
	}
	free(v);
	return buf_steal(&out);
}
