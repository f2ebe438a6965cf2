/*
 * text_context.c - the "what did the sender actually write" trimmer behind
 * message.context (text_trim_context in text.h).
 *
 * Why it exists: intake pulls the lead's phone number and the need out of
 * the context.  A reply or intro carries the referrer's own signature
 * ("M: +1 555 ...") and quoted history, whose numbers and addresses belong
 * to somebody else; a sentence cut in two loses the need.
 *
 * Who knows what: this file knows how a mail body is built, which is the
 * same in every language: "> " quoting, the "-- " delimiter, header blocks,
 * bottom posting, forwards, where a signature sits and what a name looks
 * like.  The words differ by language and client ("wrote:" in forty
 * languages, "Von:"/"Gesendet:", "Sent from my iPhone", "Viele Grüße",
 * legal footers), so they are the admin's `cut` rules in filters/, asked
 * through struct text_rules.  Without rules only the structure is cut.
 *
 * Cost: the text is split into lines once (no copy); each rule kind is
 * asked at most once per line, and only for lines of the right shape
 * (short enough, a label before a colon, ...); nothing looks more than a
 * fixed number of lines ahead, so the time is linear in the text.
 */
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A quote header is at most this long (bytes, per line). */
#define HEADER_LINE_MAX 300
/* An attribution without a date is at most this long. */
#define DATELESS_MAX 100
/* A closing is asked about only up to this length, and this many words
 * before its comma. */
#define SIGNOFF_MAX   60
#define CLOSING_WORDS 7
/* After a closing: at most this many non-blank lines, each at most
 * SIG_LINE_MAX bytes, up to the end of its part. */
#define SIG_MAX_LINES 6
/* ... unless one of them is a sentence of this many words. */
#define SENTENCE_WORDS 4
#define SIG_LINE_MAX   100
/* "--" or a dash line starts a signature when at most this many lines
 * follow it in its part. */
#define DASH_SIG_MAX 15
/* A separator of underscores, stars or dots ends the text when at most
 * this many lines follow it in its part (a signature, a list footer). */
#define SEP_TAIL_MAX 8
/* A footer is asked about under a line at most this long (or a blank,
 * quoted or separator line). */
#define FOOTER_ABOVE_MAX 40
/* A header block: the next header line within this many lines. */
#define BLOCK_SPAN 8
/* A name line, and the trailing paragraph it starts. */
#define NAME_LINE_MAX  60
#define DASH_NAME_MAX  80
#define NAME_BLOCK_MAX 4
/* A longer card: a name over lines with phone numbers and addresses. */
#define CARD_MAX       8
#define NAME_BLOCK_LEN 80
/* A quoted line this long was probably wrapped by the client. */
#define WRAP_MIN 60
/* Text below a signature is the sender's again from a paragraph whose
 * first line is this long. */
#define PROSE_MIN 60

enum { CUT_NONE = 0, CUT_HISTORY, CUT_SIG };

struct line {
	const char *s;         /* start, leading white space included */
	size_t len;            /* right-trimmed length */
	const char *t;         /* after leading white space and '*' (HTML bold) */
	size_t tlen;           /* 0: a blank line */
	unsigned char quoted;  /* "> " after up to 4 spaces, or supercite "AB> " */
	unsigned char sigdash; /* exactly "-- " (RFC 3676 section 4.3) */
	unsigned char fwd;     /* a forward marker */
	signed char header;    /* a TEXT_HEADER line: -1 not asked yet */
	signed char signoff;   /* a closing (is_signoff): -1 not asked yet */
	unsigned char keep;
};

struct trim {
	struct line *v;
	size_t n;
	const struct text_rules *rules;
	size_t *rest;  /* non-blank lines from i to the end of i's part */
	int signature; /* keep signatures, footers and closings: only the
	                  history goes (text_trim_history) */
};

/* The signature steps below, which pass one asks too (a separator over a
 * name, a closing under a separator). */
static int name_line(const struct trim *tr, const struct line *l, int plain);
static int named_above(const struct trim *tr, size_t first, size_t p, const struct line *l);
static int prose_at(const struct line *v, size_t p, size_t to);
static int is_signoff(const struct trim *tr, const struct line *l);

/* ------------------------------------------------------------ helpers */

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static int is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || is_upper(c);
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static long ask(const struct trim *tr, enum text_cut k, const char *s, size_t len)
{
	if (tr->rules == NULL || tr->rules->match == NULL || len == 0)
		return -1;
	return tr->rules->match(tr->rules->arg, k, s, len);
}

/* An address: '@' between a letter or digit and a letter or digit. */
static const char *find_at(const char *s, size_t len)
{
	const char *end, *p;

	if (len < 3)
		return NULL;
	/* memchr: most lines have no '@' */
	for (p = s + 1, end = s + len - 1; p < end && (p = memchr(p, '@', (size_t)(end - p)));
	     p++) {
		unsigned char a = (unsigned char)p[-1], b = (unsigned char)p[1];

		if ((is_alpha(a) || is_digit(a) || a == '.' || a == '_' || a == '-') &&
		    (is_alpha(b) || is_digit(b)))
			return p;
	}
	return NULL;
}

/* An address in <...>, (...) or [...], as an attribution names its writer
 * ("<bob@x>", "(\nbob@x)", "[mailto:bob@x]"). */
static int bracketed_address(const char *s, size_t len)
{
	const char *end = s + len;

	for (const char *at = find_at(s, len); at != NULL; at = find_at(at, (size_t)(end - at))) {
		const char *p = at, *q = at;

		while (p > s && !strchr(" \t\n\"<([:", p[-1]))
			p--;
		while (p > s && (p[-1] == ' ' || p[-1] == '\n'))
			p--;
		if (p > s && p[-1] == ':')
			p -= 1 + (p - s > 6 && memcmp(p - 7, "mailto:", 7) == 0 ? 6 : 0);
		while (q < end && !strchr(" \t\n\">)]", *q))
			q++;
		if (p > s && q < end && strchr("<([", p[-1]) && strchr(">)]", *q))
			return 1;
		at++;
	}
	return 0;
}

/* Bytes of the digit at s[i]: an ASCII digit, or an Arabic-Indic one
 * (U+0660..U+0669, U+06F0..U+06F9, as Arabic and Persian mail writes
 * dates); 0 for anything else.  *d gets its value. */
static size_t digit_at(const char *s, size_t len, size_t i, int *d)
{
	unsigned char c = (unsigned char)s[i];

	if (is_digit(c)) {
		*d = c - '0';
		return 1;
	}
	if (i + 1 < len && (c == 0xD9 || c == 0xDB)) {
		unsigned char c2 = (unsigned char)s[i + 1];
		unsigned char lo = c == 0xD9 ? 0xA0 : 0xB0;

		if (c2 >= lo && c2 <= lo + 9) {
			*d = c2 - lo;
			return 2;
		}
	}
	return 0;
}

/* A digit ends right before s[i]. */
static int digit_before(const char *s, size_t len, size_t i)
{
	int d;

	return (i >= 1 && is_digit((unsigned char)s[i - 1])) ||
	       (i >= 2 && digit_at(s, len, i - 2, &d) == 2);
}

/* Digits from s[i] on (at most 4), their count in *n and the value of
 * the first two in d; returns where they end. */
static size_t digits_at(const char *s, size_t len, size_t i, size_t *n, int d[2])
{
	size_t w;
	int x;

	*n = 0;
	while (*n < 4 && i < len && (w = digit_at(s, len, i, &x)) > 0) {
		if (*n < 2)
			d[*n] = x;
		i += w;
		(*n)++;
	}
	return i;
}

/* A date or a time: "2024", "1999", "9:32", "17.50", "٣:٣٦"; with
 * calendar set, a year or a day ("6/5/24", "06.05.2024", "2024-05-06"),
 * not a time alone. */
static int has_date_kind(const char *s, size_t len, int calendar)
{
	for (size_t i = 0; i < len; i++) {
		size_t k, k2, n, n2, n3;
		int d[2], e[2];
		unsigned char c = (unsigned char)s[i];

		/* most bytes start no digit (digit_at): passed over without a
		 * call, as the lines of every body are asked */
		if (!is_digit(c) && c != 0xD9 && c != 0xDB)
			continue;
		if (digit_before(s, len, i) || (k = digits_at(s, len, i, &n, d)) == i)
			continue;
		/* a year: four digits, 19xx or 20xx, alone */
		if (n == 4 && ((d[0] == 1 && d[1] == 9) || (d[0] == 2 && d[1] == 0)) &&
		    (k == len || digit_at(s, len, k, &e[0]) == 0))
			return 1;
		if (k + 1 >= len)
			continue;
		k2 = digits_at(s, len, k + 1, &n2, e);
		/* a time: a digit, ':' or '.', two digits */
		if (!calendar && n <= 2 && (s[k] == ':' || s[k] == '.') && n2 >= 2)
			return 1;
		/* a day: three numbers between '/', '.' or '-' */
		if (calendar && n2 >= 1 && n2 <= 2 && strchr("/.-", s[k]) && k2 + 1 < len &&
		    s[k2] == s[k] && digits_at(s, len, k2 + 1, &n3, e) > k2 + 1 && n3 >= 2)
			return 1;
	}
	return 0;
}

static int has_date(const char *s, size_t len)
{
	return has_date_kind(s, len, 0);
}

/* A line of separator characters only ("__", "-----", "=====", "—", ". . .
 * . .", "* * *", "━━━━"), at least two bytes (dots: five). */
static int is_separator(const struct line *l)
{
	/* the whole line: "* * *" is no bold text */
	const char *t = l->s;
	size_t i, dots = 0, n = l->len;

	while (n > 0 && is_space((unsigned char)*t)) {
		t++;
		n--;
	}
	if (n < 2)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == '.' && ++dots)
			continue;
		if (c == '-' || c == '_' || c == '=' || c == '*' || c == '~' || is_space(c))
			continue;
		/* U+2013 and U+2014, the dashes a client may put in, and the
		 * box drawing lines of CJK signatures (U+2500..U+257F) */
		if (c == 0xE2 && i + 2 < n &&
		    (((unsigned char)t[i + 1] == 0x80 &&
		      ((unsigned char)t[i + 2] == 0x93 || (unsigned char)t[i + 2] == 0x94)) ||
		     (unsigned char)t[i + 1] == 0x94 || (unsigned char)t[i + 1] == 0x95)) {
			i += 2;
			continue;
		}
		return 0;
	}
	return dots == 0 || dots >= 5;
}

/* An inline image left as text: "![alt](https://...)", "[image: logo.png]",
 * "[cid:image001.png]", or the tail of a wrapped alt text "...](https://...)".
 * No words of the sender's: the signature steps look through it. */
static int is_image(const struct line *l)
{
	const char *t = l->t;
	size_t n = l->tlen;

	if (n >= 2 && t[0] == '!' && t[1] == '[')
		return 1;
	if (n >= 6 && (memcmp(t, "[image", 6) == 0 || memcmp(t, "[cid:", 5) == 0 ||
	               memcmp(t, "<image", 6) == 0))
		return 1;
	return n > 0 && t[n - 1] == ')' && memmem(t, n, "](http", 6) != NULL;
}

/* Bytes of the dash at p: '-', U+2013 or U+2014; 0 for anything else. */
static size_t dash_at(const char *p, const char *end)
{
	if (p < end && *p == '-')
		return 1;
	if (end - p >= 3 && (unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 &&
	    ((unsigned char)p[2] == 0x93 || (unsigned char)p[2] == 0x94))
		return 3;
	return 0;
}

/* "--" on its own, or a line of U+2013/U+2014 dashes only: the plain-text
 * signature separators of clients that lost the "-- " space. */
static int is_dash_delimiter(const struct line *l)
{
	const char *p = l->t, *end = l->t + l->tlen;

	if (l->tlen == 2 && memcmp(l->t, "--", 2) == 0)
		return 1;
	if (l->tlen < 3)
		return 0;
	while (p < end) {
		size_t d = dash_at(p, end);

		if (d != 3)
			return 0;
		p += d;
	}
	return 1;
}

/* ----------------------------------------------------------- lines */

/* Supercite quoting (Emacs): "AB> text" after up to 3 spaces. */
static int supercite(const char *p, size_t len)
{
	size_t i = 0, k = 0;

	while (i < len && i < 3 && p[i] == ' ')
		i++;
	while (i + k < len && k < 3 && is_upper((unsigned char)p[i + k]))
		k++;
	return k > 0 && i + k < len && p[i + k] == '>' && (i + k + 1 == len || p[i + k + 1] == ' ');
}

/* Splits text into lines (no copy) and classifies what every rule needs. */
static struct line *split_lines(const char *text, size_t *n_r)
{
	struct line *v = NULL;
	size_t n = 0, cap = 0, i;
	const char *p = text, *nl;

	while (*p) {
		struct line l = {0};

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
		l.quoted = (i < l.len && p[i] == '>') || supercite(p, l.len);
		l.t = p;
		l.tlen = l.len;
		for (;;) {
			if (l.tlen > 1 && (is_space((unsigned char)*l.t) || *l.t == '*')) {
				l.t++;
				l.tlen--;
			} else if (l.tlen > 1 && (unsigned char)l.t[0] == 0xC2 &&
			           (unsigned char)l.t[1] == 0xA0) {
				l.t += 2;
				l.tlen -= 2;
			} else {
				break;
			}
		}
		l.header = -1;
		l.signoff = -1;
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

/* A piece of a link: "(http://x/c/Yz) >", "_nonce=3dd518)". */
static int link_piece(const struct line *l)
{
	if (memmem(l->t, l->tlen, "://", 3) != NULL)
		return 1;
	if (memchr(l->t, ' ', l->tlen) != NULL)
		return 0;
	for (size_t k = 0; k < l->tlen; k++)
		if (strchr("=&/%?#", l->t[k]))
			return 1;
	return 0;
}

/* A line wrapped out of a quoted line loses its "> ": "> ... kale
 * chips\nbrooklyn four dollar toast\n> ...", "> View ticket
 * (http://x/action\n_nonce=3dd518)\n>".  It sits between two quoted lines,
 * right below one long enough to have been wrapped, or it is a piece of a
 * link; an answer between two quotes ("Yes", "Next Monday.") is not.
 * (Marking it cannot make the next line qualify: that one would need a
 * quoted line below the marked one.) */
static void mark_wrapped(struct line *v, size_t n)
{
	for (size_t i = 1; i + 1 < n; i++) {
		const struct line *l = &v[i];

		if (l->quoted || l->tlen == 0 || !v[i - 1].quoted || !v[i + 1].quoted)
			continue;
		if (v[i - 1].len >= WRAP_MIN || link_piece(l))
			v[i].quoted = 1;
	}
}

/* The lines after a forward marker at i that the iPhone quotes ("> From:
 * ...", "> Hi Dave"): the forwarded message is content, not history, so
 * one level of '>' goes (a deeper one is the forward's own history). */
static void unquote_forward(struct trim *tr, size_t i)
{
	size_t j = i + 1;

	while (j < tr->n && tr->v[j].tlen == 0)
		j++;
	for (; j < tr->n && tr->v[j].quoted && tr->v[j].t[0] == '>'; j++) {
		struct line *l = &tr->v[j];

		l->t++, l->tlen--;
		if (l->tlen > 0 && *l->t == ' ')
			l->t++, l->tlen--;
		while (l->tlen > 0 && is_space((unsigned char)*l->t))
			l->t++, l->tlen--;
		l->quoted = l->tlen > 0 && *l->t == '>';
	}
}

/* A forward marker: short, and not too many words ("Begin forwarded
 * message:", "---------- Forwarded message ---------"). */
static void mark_forwards(struct trim *tr)
{
	for (size_t i = 0; i < tr->n; i++) {
		struct line *l = &tr->v[i];
		size_t words = 1;

		if (l->quoted || l->tlen == 0 || l->tlen > 120)
			continue;
		for (size_t k = 0; k < l->tlen; k++)
			words += l->t[k] == ' ';
		if (words > 8 && l->t[0] != '-' && l->t[0] != '_')
			continue;
		l->fwd = ask(tr, TEXT_FORWARD, l->t, l->tlen) >= 0;
		if (l->fwd)
			unquote_forward(tr, i);
	}
}

/* rest[i]: the non-blank lines from i to the end of its part (parts end at
 * forward markers). */
static void count_rest(struct trim *tr)
{
	size_t k = 0;

	tr->rest = xcalloc(tr->n ? tr->n : 1, sizeof(*tr->rest));
	for (size_t i = tr->n; i > 0;) {
		i--;
		if (tr->v[i].fwd)
			k = 0;
		else if (tr->v[i].tlen > 0)
			k++;
		tr->rest[i] = k;
	}
}

/* The next non-blank line from j on is a quoted line. */
static int quote_follows(const struct line *v, size_t n, size_t j)
{
	while (j < n && v[j].tlen == 0)
		j++;
	return j < n && v[j].quoted;
}

/* The previous non-blank line before i is a forward marker: then a header
 * block is the forward's own, not history. */
static int after_marker(const struct line *v, size_t i)
{
	while (i > 0) {
		i--;
		if (v[i].tlen > 0)
			return v[i].fwd;
	}
	return 0;
}

/* ---------------------------------------------------- quote headers */

/* Lines a match of len bytes from v[i].t reaches into. */
static size_t lines_spanned(const char *s, size_t len)
{
	size_t k = 1;

	while (len > 0 && (is_space((unsigned char)s[len - 1]) || s[len - 1] == '\n'))
		len--;
	for (size_t i = 0; i < len; i++)
		k += s[i] == '\n';
	return k;
}

/*
 * An attribution in any language, by its shape: up to three lines that
 * name an address and a date or time and end in ':' ("02.04.2012 14:20
 * пользователь "bob@x" <bob@x> написал:", "2014-10-17 11:28 GMT+03:00 Bob
 * <\nbob@x>:").  The address must be in brackets, or the quote must
 * follow.  Without the ':' the address in brackets and a quote right below
 * are needed ("2011/4/7 Nathan <support@x>").  Returns the lines taken.
 */
static size_t shaped_attribution(const struct trim *tr, size_t i, size_t last)
{
	const struct line *v = tr->v;

	/* it starts with the date or the address, not with the line above */
	if (find_at(v[i].t, v[i].tlen) == NULL && !has_date(v[i].t, v[i].tlen))
		return 0;
	for (size_t j = i; j <= last; j++) {
		const char *s = v[i].t;
		size_t len = (size_t)(v[j].s + v[j].len - s);
		int colon = s[len - 1] == ':' ||
		            (len >= 3 && memcmp(s + len - 3, "\xEF\xBC\x9A", 3) == 0),
		    brackets;

		/* no address: a dated line right above the quote, as
		 * Thunderbird writes it in any language ("El 6/5/24 a les
		 * 9:14, Marta Vidal va escriure:") */
		if (find_at(s, len) == NULL) {
			if (colon && j == i && len <= DATELESS_MAX && has_date_kind(s, len, 1) &&
			    quote_follows(v, tr->n, j + 1))
				return 1;
			continue;
		}
		brackets = bracketed_address(s, len);
		/* dateless, right above the quote: "Zitat von Jane <jane@x>:",
		 * K-9's "Jane <jane@x> schrieb:" */
		if (!has_date(s, len)) {
			if (colon && brackets && len <= DATELESS_MAX &&
			    quote_follows(v, tr->n, j + 1))
				return j - i + 1;
			continue;
		}
		if (colon && (brackets || quote_follows(v, tr->n, j + 1)))
			return j - i + 1;
		if (!colon && brackets && j + 1 < tr->n && v[j + 1].tlen == 0 &&
		    quote_follows(v, tr->n, j + 1))
			return j - i + 1;
	}
	return 0;
}

/* Number of lines of the quote header starting at line i, or 0. */
static size_t quote_header_at(const struct trim *tr, size_t i)
{
	const struct line *v = tr->v;
	size_t last = i;
	long m;

	if (v[i].tlen > HEADER_LINE_MAX)
		return 0;
	while (last + 1 < tr->n && last < i + 2 && v[last + 1].tlen > 0 && !v[last + 1].quoted &&
	       v[last + 1].len <= HEADER_LINE_MAX)
		last++;
	m = ask(tr, TEXT_QUOTE, v[i].t, (size_t)(v[last].s + v[last].len - v[i].t));
	if (m > 0)
		return lines_spanned(v[i].t, (size_t)m);
	return shaped_attribution(tr, i, last);
}

/* A line that starts with a label and a colon ("From:", "Envoyé le :",
 * "*Sent:*", "Message du :"; a full-width colon too). */
static int label_line(const struct line *l)
{
	size_t k;

	if (l->quoted || l->tlen < 3)
		return 0;
	for (k = 0; k < l->tlen && k < 32; k++) {
		unsigned char c = (unsigned char)l->t[k];

		if (c == ':' ||
		    (c == 0xEF && k + 2 < l->tlen && (unsigned char)l->t[k + 1] == 0xBC &&
		     (unsigned char)l->t[k + 2] == 0x9A))
			return k > 0;
		if (!(is_alpha(c) || c >= 0x80 || c == ' ' || c == '-' || c == '*'))
			return 0;
	}
	return 0;
}

/* A TEXT_HEADER line, asked once, and only when it has a label. */
static int is_header(const struct trim *tr, size_t i)
{
	struct line *l = &tr->v[i];

	if (l->header < 0)
		l->header = label_line(l) && ask(tr, TEXT_HEADER, l->t, l->tlen) >= 0;
	return l->header;
}

/* The lines from i to the next blank one (at most BLOCK_SPAN) name an
 * address or a date: a quoted header block says who wrote and when,
 * "From: the city office, we got the permit.\nTo: be honest ..." does
 * not. */
static int block_names_sender(const struct trim *tr, size_t i)
{
	for (size_t j = i; j < tr->n && j <= i + BLOCK_SPAN && tr->v[j].tlen > 0; j++)
		if (find_at(tr->v[j].t, tr->v[j].tlen) != NULL ||
		    has_date(tr->v[j].t, tr->v[j].tlen))
			return 1;
	return 0;
}

/* A header block that opens the text is a quoted mail's only with a date
 * or three header lines: the "From: Nadia <nadia@x.test>\nSubject:
 * Kitchen quote" that Contact Form 7 writes above the message it carries
 * is the form's fields, and what follows is the message, no history. */
static int opening_block_quotes(const struct trim *tr, size_t i)
{
	size_t headers = 0;

	for (size_t j = 0; j < i; j++)
		if (tr->v[j].keep && tr->v[j].tlen > 0)
			return 1; /* not the opening */
	for (size_t j = i; j < tr->n && j <= i + BLOCK_SPAN && tr->v[j].tlen > 0; j++) {
		if (has_date(tr->v[j].t, tr->v[j].tlen))
			return 1;
		headers += is_header(tr, j);
	}
	return headers >= 3;
}

/* Two or more header lines with at most one wrapped line between each and
 * no blank line, naming an address or a date: Outlook's "From: / Sent: /
 * To: / Subject:" block. */
static int header_block_at(const struct trim *tr, size_t i)
{
	size_t gap = 0;

	if (!is_header(tr, i))
		return 0;
	for (size_t j = i + 1; j < tr->n && j <= i + BLOCK_SPAN; j++) {
		if (tr->v[j].tlen == 0)
			return 0;
		if (is_header(tr, j))
			return block_names_sender(tr, i);
		if (++gap > 1)
			return 0;
	}
	return 0;
}

/* A separator with words framed in dashes right above a header block:
 * "----- Mail original -----\nDe: ...\nÀ: ...", the "Original Message"
 * line of a client the rules do not know. */
static int framed_marker_at(const struct trim *tr, size_t i)
{
	const struct line *l = &tr->v[i];
	size_t k, letters = 0;

	if (l->tlen < 8 || l->tlen > 80 || i + 1 >= tr->n || memcmp(l->t, "--", 2) != 0 ||
	    memcmp(l->t + l->tlen - 2, "--", 2) != 0)
		return 0;
	for (k = 0; k < l->tlen; k++)
		letters += is_alpha((unsigned char)l->t[k]) || (unsigned char)l->t[k] >= 0xC0;
	return letters >= 3 && header_block_at(tr, i + 1);
}

/* A separator that starts a signature or a footer when little follows it:
 * "_____", "* * *", ". . . . .", "-=-=-=-", "~~~~"; not a line of hyphens
 * (a markdown rule between paragraphs) nor '=' right under a line (a
 * heading's underline). */
static int tail_separator(const struct trim *tr, size_t i)
{
	const struct line *l = &tr->v[i];
	size_t hyphens = 0, equals = 0, other = 0;

	if (!is_separator(l) || l->len < 3)
		return 0;
	for (size_t k = 0; k < l->len; k++) {
		if (l->s[k] == '-')
			hyphens++;
		else if (l->s[k] == '=')
			equals++;
		else if (!is_space((unsigned char)l->s[k]))
			other++;
	}
	if (other == 0 && equals == 0)
		return 0;
	if (other == 0 && hyphens == 0 && i > 0 && tr->v[i - 1].tlen > 0)
		return 0;
	return 1;
}

/* What follows separator i is a signature: at most SEP_TAIL_MAX lines to
 * the end of the part, not a paragraph of prose nor text with a closing
 * below it, and not starting with a name the text above speaks of
 * ("Please call Bob.\n____\nBob Jones\n555 0142" is the lead's card). */
static int tail_signature_at(const struct trim *tr, size_t i)
{
	size_t j = i + 1;

	if (!tail_separator(tr, i) || tr->rest[i] > SEP_TAIL_MAX + 1)
		return 0;
	while (j < tr->n && tr->v[j].tlen == 0)
		j++;
	if (j == tr->n || tr->v[j].fwd)
		return 1;
	if (prose_at(tr->v, j, tr->n) ||
	    (name_line(tr, &tr->v[j], 0) && named_above(tr, 0, i, &tr->v[j])))
		return 0;
	/* a closing below: the text goes on under the separator
	 * ("____\nThis is the second part.\n\nBest regards,\nJane") */
	for (size_t k = j; k < tr->n && !tr->v[k].fwd; k++)
		if (is_signoff(tr, &tr->v[k]))
			return 0;
	return 1;
}

/* ------------------------------------------------------- pass one */

static void drop(struct line *v, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		v[i].keep = 0;
}

/* Starts a cut at line i; a separator line right above goes with it. */
static void start_cut(struct line *v, size_t i, int *cut, int kind)
{
	size_t j = i;

	v[i].keep = 0;
	*cut = kind;
	while (j > 0 && v[j - 1].tlen == 0)
		j--;
	if (j > 0 && v[j - 1].keep && is_separator(&v[j - 1]))
		v[j - 1].keep = 0;
}

static int is_signature_line(const struct trim *tr, const struct line *l)
{
	return l->tlen <= 120 && ask(tr, TEXT_SIGNATURE, l->t, l->tlen) >= 0;
}

/* A footer starts a block of its own: at the top, under a blank,
 * quoted or separator line, or under a short line (a name, "--"); the
 * lines that go on a paragraph of text are not asked. */
static int is_footer_line(const struct trim *tr, size_t i)
{
	const struct line *l = &tr->v[i], *above = i > 0 ? &tr->v[i - 1] : NULL;

	if (l->tlen < 8 || (above != NULL && above->tlen > FOOTER_ABOVE_MAX && !above->quoted &&
	                    above->keep && !is_separator(above)))
		return 0;
	return ask(tr, TEXT_FOOTER, l->t, l->tlen) >= 0;
}

/* Handles the quote header of k lines at i; returns the last line used. */
static size_t on_quote_header(struct trim *tr, size_t i, size_t k, int *cut)
{
	for (size_t j = i; j < i + k; j++)
		tr->v[j].keep = 0;
	/* followed by "> " lines: only the quote goes (text below it is a
	 * bottom-posted reply); followed by plain text: it is unprefixed
	 * history, and everything after it goes */
	if (!quote_follows(tr->v, tr->n, i + k))
		start_cut(tr->v, i, cut, CUT_HISTORY);
	return i + k - 1;
}

/* Quotes, quote headers, header blocks, signatures and footers, top down. */
static void cut_structure(struct trim *tr)
{
	struct line *v = tr->v;
	int cut = CUT_NONE, seen_text = 0;
	size_t k;

	for (size_t i = 0; i < tr->n; i++) {
		struct line *l = &v[i];

		if (l->tlen == 0)
			continue;
		if (l->fwd) {
			/* a signature ends at a forward; quoted history does not:
			 * a forward inside it is history too */
			if (cut == CUT_SIG)
				cut = CUT_NONE;
			l->keep = cut == CUT_NONE;
			seen_text = 0;
			continue;
		}
		if (cut != CUT_NONE || l->quoted) {
			l->keep = 0;
			continue;
		}
		if ((k = quote_header_at(tr, i)) > 0) {
			i = on_quote_header(tr, i, k, &cut);
			continue;
		}
		if (header_block_at(tr, i) && opening_block_quotes(tr, i)) {
			if (!after_marker(v, i)) {
				/* with the field lines of other names right above
				 * ("Message du : 12/12/2016 13:20") */
				size_t j = i;

				while (j > 0 && v[j - 1].keep && label_line(&v[j - 1]))
					j--;
				l->keep = 0;
				drop(v, j, i);
				start_cut(v, j, &cut, CUT_HISTORY);
				continue;
			}
			/* the forward's own headers, up to the blank line */
			while (i + 1 < tr->n && v[i + 1].tlen > 0)
				i++;
			seen_text = 1;
			continue;
		}
		if (!tr->signature && seen_text && tail_signature_at(tr, i)) {
			start_cut(v, i, &cut, CUT_SIG);
			continue;
		}
		if (framed_marker_at(tr, i)) {
			start_cut(v, i, &cut, CUT_HISTORY);
			continue;
		}
		if (tr->signature) {
			/* text_trim_history: the signature is the sender's
			 * too, and so is what follows it */
			seen_text = 1;
			continue;
		}
		if (l->sigdash || (is_dash_delimiter(l) && tr->rest[i] <= DASH_SIG_MAX + 1)) {
			start_cut(v, i, &cut, CUT_SIG);
			continue;
		}
		if (is_signature_line(tr, l)) {
			/* "Sent from my iPhone" on top ends nothing: it goes alone */
			if (seen_text)
				start_cut(v, i, &cut, CUT_SIG);
			else
				l->keep = 0;
			continue;
		}
		if (is_footer_line(tr, i)) {
			if (seen_text) {
				start_cut(v, i, &cut, CUT_SIG);
				continue;
			}
			/* a banner on top ("CAUTION: external sender"): its
			 * paragraph goes, the text below stays */
			for (; i < tr->n && v[i].tlen > 0; i++)
				v[i].keep = 0;
			continue;
		}
		seen_text = 1;
	}
}

/* ---------------------------------------------------- signatures */

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
			if (!(is_upper(c) || c >= 0x80))
				return 0;
			words++;
			at_word = 0;
		} else if (!(is_alpha(c) || c >= 0x80 || c == '.' || c == '-' || c == '\'')) {
			return 0;
		}
	}
	return words <= 3;
}

/* Length of s without trailing punctuation, spaces and emoji ("Cheers 🎉",
 * "Thanks!!", "Best regards."). */
static size_t strip_tail(const char *s, size_t len)
{
	while (len > 0) {
		unsigned char c = (unsigned char)s[len - 1];

		if (c == ' ' || c == '!' || c == '.' || c == ':' || c == ';' || c == ')' ||
		    c == '-' || c == '~') {
			len--;
			continue;
		}
		if (c >= 0x80 && c < 0xC0) {
			size_t k = len - 1;

			while (k > 0 && (unsigned char)s[k] >= 0x80 && (unsigned char)s[k] < 0xC0)
				k--;
			/* 4-byte sequences (emoji), U+FE0F (variation selector),
			 * and the full stops and exclamation marks of CJK text
			 * (U+3002, U+FF01, U+FF0E) */
			if ((unsigned char)s[k] >= 0xF0 ||
			    (len - k == 3 && (memcmp(s + k, "\xEF\xB8\x8F", 3) == 0 ||
			                      memcmp(s + k, "\xE3\x80\x82", 3) == 0 ||
			                      memcmp(s + k, "\xEF\xBC\x81", 3) == 0 ||
			                      memcmp(s + k, "\xEF\xBC\x8E", 3) == 0))) {
				len = k;
				continue;
			}
		}
		break;
	}
	return len;
}

/* Bytes of the comma at p: ',', U+060C (Arabic), U+FF0C (full width) or
 * U+3001 (ideographic); 0 for anything else. */
static size_t comma_at(const char *p, const char *end)
{
	if (p < end && *p == ',')
		return 1;
	if (end - p >= 2 && memcmp(p, "\xD8\x8C", 2) == 0)
		return 2;
	if (end - p >= 3 &&
	    (memcmp(p, "\xEF\xBC\x8C", 3) == 0 || memcmp(p, "\xE3\x80\x81", 3) == 0))
		return 3;
	return 0;
}

/* Where the name after a closing starts: after its first comma, or after
 * a dash between spaces ("Grüßle - Thomas"); NULL when there is none. */
static const char *name_split(const char *s, size_t len, size_t *head)
{
	for (size_t i = 0; i < len; i++) {
		size_t d;

		if ((d = comma_at(s + i, s + len)) > 0) {
			*head = i;
			return s + i + d;
		}
		if (s[i] == ' ' && (d = dash_at(s + i + 1, s + len)) > 0 && i + 1 + d < len &&
		    s[i + 1 + d] == ' ') {
			*head = i;
			return s + i + 1 + d;
		}
	}
	*head = len;
	return NULL;
}

/* What a closing looks like before the rules are asked: a few words
 * ("Med venlig hilsen / Kind regards"), no digit, no question, no
 * address. */
static int closing_shape(const char *s, size_t len)
{
	size_t words = 1;

	for (size_t i = 0; i < len; i++) {
		if (is_digit((unsigned char)s[i]) || s[i] == '?' || s[i] == '@')
			return 0;
		words += s[i] == ' ';
	}
	return words <= CLOSING_WORDS;
}

/* A closing: "Best," / "Thanks!" / "Cheers, Tom" / "Viele Grüße".  l is
 * a line of tr; the answer is kept with it (the signature steps ask about
 * the same lines again). */
static int is_signoff(const struct trim *tr, const struct line *l)
{
	struct line *m = &tr->v[l - tr->v];
	const char *name;
	size_t head;

	if (m->signoff >= 0)
		return m->signoff;
	m->signoff = 0;
	if (l->tlen == 0 || l->tlen > SIGNOFF_MAX || l->quoted)
		return 0;
	name = name_split(l->t, l->tlen, &head);
	head = strip_tail(l->t, head);
	if (head == 0 || !closing_shape(l->t, head) ||
	    ask(tr, TEXT_SIGNOFF, l->t, head) != (long)head)
		return 0;
	m->signoff = name == NULL || name_only(name, l->tlen - (size_t)(name - l->t));
	return m->signoff;
}

/* A word of a name: "Jane", "O'Neil", "Jean-Luc", "Łukasz", "P.", "XXX". */
static int name_word(const char *w, size_t len)
{
	if (len == 0 || !(is_upper((unsigned char)w[0]) || (unsigned char)w[0] >= 0xC0))
		return 0;
	for (size_t i = 1; i < len; i++) {
		unsigned char c = (unsigned char)w[i];

		if (!(is_alpha(c) || c >= 0x80 || c == '-' || c == '\'' ||
		      (c == '.' && i == len - 1)))
			return 0;
	}
	return 1;
}

/* A word of a title after a name: "Enrollment", "CEO", "@handle", "+1",
 * "&", "of". */
static int title_word(const char *w, size_t len)
{
	static const char *const small[] = {"of",  "at",  "and", "for", "the", "de",  "du",
	                                    "und", "für", "y",   "e",   "van", "von", NULL};

	if (len == 0 || !is_alpha((unsigned char)w[0]) || is_upper((unsigned char)w[0]))
		return 1;
	if ((unsigned char)w[0] >= 0x80)
		return 1;
	for (const char *const *p = small; *p; p++)
		if (strlen(*p) == len && memcmp(*p, w, len) == 0)
			return 1;
	return 0;
}

/*
 * A line that is a name, maybe with a title after a separator: "Jane
 * Smith", "Jim P. Smith | Enrollment Manager", "John Doe, FCLS",
 * "Stefano Costa @stekosteko", "-Abhishek Kona", "– Jane", "- Jiang".
 * plain: the name only, no dash and no title.
 */
static int name_line(const struct trim *tr, const struct line *l, int plain)
{
	const char *p = l->t, *end = l->t + l->tlen;
	size_t d = dash_at(p, end), words = 0;
	int tail = 0;

	if (l->tlen == 0 || l->quoted || is_signoff(tr, l))
		return 0;
	while (end > p + 1 && (end[-1] == '*' || end[-1] == '_'))
		end--;
	if (d > 0 && !plain) {
		/* "-Carl (who wants ...)": a dash-signed name, anything after;
		 * "- roman" only as one word (else it is a list item) */
		p += d;
		if (p < end && *p == ' ') {
			p++;
			return l->tlen <= DASH_NAME_MAX && p < end &&
			       (is_upper((unsigned char)*p) || (unsigned char)*p >= 0xC0 ||
			        (is_alpha((unsigned char)*p) &&
			         !memchr(p, ' ', (size_t)(end - p))));
		}
		return l->tlen <= DASH_NAME_MAX && p < end &&
		       (is_alpha((unsigned char)*p) || (unsigned char)*p >= 0xC0);
	}
	if (l->tlen > NAME_LINE_MAX)
		return 0;
	while (p < end) {
		const char *w = p;
		size_t wl;

		while (p < end && *p != ' ')
			p++;
		wl = (size_t)(p - w);
		while (p < end && *p == ' ')
			p++;
		if (!tail && wl > 1 && (w[wl - 1] == ',' || w[wl - 1] == '|') &&
		    name_word(w, wl - 1)) {
			words++;
			tail = 1;
			continue;
		}
		if (!tail && words < 4 && name_word(w, wl)) {
			words++;
			continue;
		}
		if (words == 0 || plain)
			return 0;
		/* the title: after '|', ',', '(', '<', '@', a dash */
		if (!tail && !(strchr("|,(<@[/", *w) || dash_at(w, w + wl) == wl))
			return 0;
		tail = 1;
		if (!title_word(w, wl))
			return 0;
	}
	/* "Jim P." and a name signed with a full stop ("Person Person.");
	 * after a title ("Smith, Inc.") it ends a sentence */
	if (end[-1] == '.' && tail &&
	    !(end - l->t >= 2 && is_upper((unsigned char)end[-2]) &&
	      (end - l->t == 2 || end[-3] == ' ')))
		return 0;
	return words > 0 && !strchr("!?:;,", end[-1]);
}

/* A lone lower-case word under the text: a name or a closing ("alex",
 * "kthxbai"). */
static int lone_word(const struct line *l)
{
	if (l->tlen < 3 || l->tlen > 12)
		return 0;
	for (size_t i = 0; i < l->tlen; i++)
		if (!is_alpha((unsigned char)l->t[i]))
			return 0;
	return 1;
}

/* The line ends in a comma of any script ("Saygılarımla,", "مع تحياتي،"). */
static int ends_in_comma(const struct line *l)
{
	const char *end = l->t + l->tlen;

	for (size_t w = 1; w <= 3 && w <= l->tlen; w++)
		if (comma_at(end - w, end) == w)
			return 1;
	return 0;
}

/* A short closing line right above a name: "Happy hacking,". */
static int short_closing(const struct line *l)
{
	size_t words = 1;

	if (l->tlen < 2 || l->tlen > 30 || !ends_in_comma(l))
		return 0;
	for (size_t i = 0; i + 1 < l->tlen; i++) {
		if (l->t[i] == ',' || l->t[i] == '.' || l->t[i] == '?' || l->t[i] == ':')
			return 0;
		words += l->t[i] == ' ';
	}
	return words <= 4;
}

static int ends_with(const struct line *l, const char *chars)
{
	return l->tlen > 0 && strchr(chars, l->t[l->tlen - 1]) != NULL;
}

/* Kept non-blank line before i within [from, i), or SIZE_MAX. */
static size_t prev_text(const struct line *v, size_t from, size_t i)
{
	while (i > from) {
		i--;
		if (v[i].keep && v[i].tlen > 0)
			return i;
	}
	return SIZE_MAX;
}

/* Kept non-blank line after i within (i, to), or SIZE_MAX. */
static size_t next_text(const struct line *v, size_t i, size_t to)
{
	for (i++; i < to; i++)
		if (v[i].keep && v[i].tlen > 0)
			return i;
	return SIZE_MAX;
}

/* A paragraph the sender went on writing after a signature: a "P.S.", or
 * a first line of at least PROSE_MIN bytes and 10 words in a paragraph
 * that ends a sentence ("Please note that mail may be monitored." is
 * shorter: a footer). */
static int prose_at(const struct line *v, size_t p, size_t to)
{
	size_t words = 1, last = p;

	if (v[p].tlen >= 3 && (memcmp(v[p].t, "P.S", 3) == 0 || memcmp(v[p].t, "PS:", 3) == 0 ||
	                       memcmp(v[p].t, "PS ", 3) == 0 || memcmp(v[p].t, "PS.", 3) == 0))
		return 1;
	for (size_t k = 0; k < v[p].tlen; k++)
		words += v[p].t[k] == ' ' && k + 1 < v[p].tlen && v[p].t[k + 1] != ' ';
	while (last + 1 < to && v[last + 1].keep && v[last + 1].tlen > 0)
		last++;
	return v[p].tlen >= PROSE_MIN && words >= 10 && ends_with(&v[last], ".!?");
}

/* The end of the signature that starts with closing i and name j: up to a
 * paragraph of prose below the name's paragraph ("Best wishes,\nTom\n\nBut
 * what happens if I keep typing here? ...", a P.S.), else the part's end. */
static size_t signature_end(const struct line *v, size_t j, size_t to)
{
	while (j + 1 < to && v[j + 1].keep && v[j + 1].tlen > 0)
		j++;
	for (j++; j < to; j++)
		if (v[j].keep && v[j].tlen > 0 && !(v[j - 1].keep && v[j - 1].tlen > 0) &&
		    prose_at(v, j, to))
			return j;
	return to;
}

/* Kept non-blank line after i within (i, to) that is not an image, or
 * SIZE_MAX. */
static size_t next_words(const struct line *v, size_t i, size_t to)
{
	while ((i = next_text(v, i, to)) != SIZE_MAX && is_image(&v[i]))
		;
	return i;
}

/* A sentence of a few words: what follows a closing in it is text, not a
 * signature ("Thanks!\nBob will call you on Monday."). */
static int sentence_line(const struct line *l)
{
	size_t words = 1;

	for (size_t k = 0; k < l->tlen; k++)
		words += l->t[k] == ' ';
	return words >= SENTENCE_WORDS && ends_with(l, ".!?");
}

/* Closing i ends a sentence ("Vielen Dank im Voraus.", "Thanks!") and
 * another closing follows: it is the last thing said, and the closing
 * below it starts the signature. */
static int said_before_closing(const struct trim *tr, size_t i, size_t to)
{
	size_t n = next_text(tr->v, i, to);

	return ends_with(&tr->v[i], ".!") && n != SIZE_MAX && is_signoff(tr, &tr->v[n]);
}

/* Closing i with the closings right above it ("Obrigado,\nAbs,\nRafael"),
 * but not the part's first line nor one that ends a sentence. */
static size_t chain_start(const struct trim *tr, size_t first, size_t i)
{
	size_t c;

	while ((c = prev_text(tr->v, first, i)) != SIZE_MAX && c != first &&
	       is_signoff(tr, &tr->v[c]) && !ends_with(&tr->v[c], ".!"))
		i = c;
	return i;
}

/*
 * The closing of part [first, to): the first closing followed by a name or
 * a separator (what follows goes, however long: a corporate signature;
 * after a name, up to a paragraph of prose), else the earliest closing with
 * at most SIG_MAX_LINES short lines after it.  Never the part's first line.
 * Returns where the cut starts, or to; *end_r is where it ends.
 */
static size_t find_signoff(const struct trim *tr, size_t first, size_t to, size_t *end_r)
{
	const struct line *v = tr->v;
	size_t i, after = 0, cut = to;
	int said = 0;

	*end_r = to;
	for (i = next_text(v, first, to); i != SIZE_MAX; i = next_text(v, i, to)) {
		size_t j;

		if (!is_signoff(tr, &v[i]))
			continue;
		j = next_words(v, i, to);
		if (j != SIZE_MAX && is_separator(&v[j]))
			return chain_start(tr, first, i);
		if (j != SIZE_MAX && name_line(tr, &v[j], 0)) {
			*end_r = signature_end(v, j, to);
			return chain_start(tr, first, i);
		}
	}
	for (i = to; i > first + 1;) {
		i--;
		if (!v[i].keep || v[i].tlen == 0 || is_image(&v[i]))
			continue;
		if (is_signoff(tr, &v[i]) && !said && !said_before_closing(tr, i, to))
			cut = i;
		said = said || sentence_line(&v[i]);
		if (++after > SIG_MAX_LINES || v[i].len > SIG_LINE_MAX)
			break;
	}
	return cut;
}

/* The first word of name line l is a word of a sentence above it in
 * [first, p): "Please call Bob.\n\nBob Jones\n(415) 555-0142" is the lead's
 * card, not the sender's signature (people do not name themselves; a name
 * signed on a line of its own is no sentence). */
static int named_above(const struct trim *tr, size_t first, size_t p, const struct line *l)
{
	const struct line *v = tr->v;
	size_t wl = 0;

	while (wl < l->tlen && l->t[wl] != ' ' && l->t[wl] != ',' && l->t[wl] != '.')
		wl++;
	if (wl < 2)
		return 0;
	for (size_t i = first; i < p; i++) {
		const char *t = v[i].t, *end = v[i].t + v[i].tlen, *hit;

		if (!v[i].keep || name_line(tr, &v[i], 1))
			continue;
		while ((hit = memmem(t, (size_t)(end - t), l->t, wl)) != NULL) {
			if ((hit == v[i].t || !is_alpha((unsigned char)hit[-1])) &&
			    (hit + wl == end || !is_alpha((unsigned char)hit[wl])))
				return 1;
			t = hit + 1;
		}
	}
	return 0;
}

/* Lines of [from, to] that reach somebody: a phone number (six digits or
 * more), an address or a web site. */
static size_t contact_lines(const struct line *v, size_t from, size_t to)
{
	size_t n = 0;

	for (size_t i = from; i <= to; i++) {
		size_t digits = 0;

		for (size_t k = 0; k < v[i].tlen; k++)
			digits += is_digit((unsigned char)v[i].t[k]);
		n += digits >= 6 || find_at(v[i].t, v[i].tlen) != NULL ||
		     memmem(v[i].t, v[i].tlen, "www.", 4) != NULL ||
		     memmem(v[i].t, v[i].tlen, "://", 3) != NULL;
	}
	return n;
}

/* The name block at the end of part [first, to), if any: returns where it
 * starts, or SIZE_MAX. */
static size_t find_name_block(const struct trim *tr, size_t first, size_t to)
{
	const struct line *v = tr->v;
	size_t last = prev_text(v, first, to), p, above, b = 1;

	if (last == SIZE_MAX || last == first)
		return SIZE_MAX;
	/* the last paragraph: kept lines up to a blank or dropped line */
	for (p = last; p > first && v[p - 1].keep && v[p - 1].tlen > 0; p--)
		b++;
	above = prev_text(v, first, p);
	if (above != SIZE_MAX && !ends_with(&v[above], ":") &&
	    (b <= NAME_BLOCK_MAX || (b <= CARD_MAX && contact_lines(v, p + 1, last) >= 2))) {
		int short_lines = 1;

		for (size_t i = p; i <= last; i++)
			short_lines = short_lines && v[i].tlen <= NAME_BLOCK_LEN;
		if (short_lines && name_line(tr, &v[p], 0) &&
		    (dash_at(v[p].t, v[p].t + v[p].tlen) || !named_above(tr, first, p, &v[p])))
			return p;
		if (b == 1 && lone_word(&v[p]))
			return p;
		/* a closing the rules do not know over the name, in one
		 * paragraph: "Saygılarımla,\nEmre Kaya" (not "His number,\nBob
		 * Jones\n555 0142") */
		if (short_lines && b == 2 && short_closing(&v[p]) && name_line(tr, &v[p + 1], 0) &&
		    !named_above(tr, first, p, &v[p + 1]))
			return p;
	}
	/* "Great, going for a test now.\nBraxton", "How r u?\n---\nRoman" */
	if (b >= 2 && (ends_with(&v[last - 1], ".!?)") || is_separator(&v[last - 1])) &&
	    name_line(tr, &v[last], 1) && !named_above(tr, first, last, &v[last]))
		return last;
	/* "Hey!\n-roman", but not the last item of a "- " list */
	if (b >= 2 && dash_at(v[last].t, v[last].t + v[last].tlen) &&
	    !dash_at(v[last - 1].t, v[last - 1].t + v[last - 1].tlen) && name_line(tr, &v[last], 0))
		return last;
	return SIZE_MAX;
}

/* Closings, names and trailing separators of the part [from, to). */
static void trim_part(struct trim *tr, size_t from, size_t to, int forwarded)
{
	struct line *v = tr->v;
	size_t first = from, cut, end, c, last, b;

	while (first < to && !(v[first].keep && v[first].tlen > 0))
		first++;
	if (first == to)
		return;
	cut = find_signoff(tr, first, to, &end);
	drop(v, cut, end);
	/* Without a closing, a name block; a forwarded message's last lines
	 * are its writer's, not a signature of the sender's.  Above a card
	 * ("Mag. Eva Musterfrau\nA-1000 Wien") the name as signed ("Eva")
	 * goes too. */
	if (cut == to && !forwarded && (b = find_name_block(tr, first, to)) != SIZE_MAX) {
		int card = next_text(v, b, to) != SIZE_MAX;

		drop(v, b, to);
		c = prev_text(v, first, b);
		if (c != SIZE_MAX && c != first && (is_signoff(tr, &v[c]) || short_closing(&v[c])))
			drop(v, c, to);
		else if (card && (b = find_name_block(tr, first, to)) != SIZE_MAX &&
		         next_text(v, b, to) == SIZE_MAX)
			drop(v, b, to);
	}
	while ((last = prev_text(v, first, to)) != SIZE_MAX && last != first &&
	       (is_separator(&v[last]) || is_dash_delimiter(&v[last])))
		v[last].keep = 0;
}

/* ---------------------------------------------------------- output */

static char *join_kept(const struct line *v, size_t n)
{
	struct buf out = {0};
	int blank_pending = 0;

	for (size_t i = 0; i < n; i++) {
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
	return out.s ? buf_steal(&out) : xstrdup("");
}

/* The header of k lines at line i of tr, its lines joined by spaces. */
static char *header_text(const struct trim *tr, size_t i, size_t k)
{
	char *r = xstrndup(tr->v[i].t,
	                   (size_t)(tr->v[i + k - 1].s + tr->v[i + k - 1].len - tr->v[i].t));

	for (char *p = r; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return r;
}

/* The first quote header outside the quote, or NULL. */
static char *outer_header(const struct trim *tr)
{
	for (size_t i = 0; i < tr->n; i++) {
		size_t k;

		if (tr->v[i].tlen == 0 || tr->v[i].quoted || (k = quote_header_at(tr, i)) == 0)
			continue;
		return header_text(tr, i, k);
	}
	return NULL;
}

/* Apple Mail quotes its attribution with the mail ("> On Nov 27, 2026,
 * at 6:02 PM, Yvonne <y@x> wrote:" over "> Marcus, meet ..."): the first
 * quote, one level taken off, when it opens with a header followed by
 * text of the same level (a deeper "> > " one is an older mail's). */
static char *inner_header(const struct trim *tr)
{
	struct trim in = {0};
	struct buf b = {0};
	size_t i = 0, j, k;
	char *r = NULL;

	while (i < tr->n && !tr->v[i].quoted)
		i++;
	for (; i < tr->n && tr->v[i].quoted; i++) {
		const char *p = tr->v[i].s, *end = p + tr->v[i].len;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p == '>')
			p++;
		if (p < end && *p == ' ')
			p++;
		buf_add(&b, p, (size_t)(end - p));
		buf_addc(&b, '\n');
	}
	if (b.len == 0)
		return NULL;
	in.rules = tr->rules;
	in.v = split_lines(b.s, &in.n);
	mark_wrapped(in.v, in.n);
	for (j = 0; j < in.n && in.v[j].tlen == 0; j++)
		;
	if (j < in.n && !in.v[j].quoted && (k = quote_header_at(&in, j)) > 0) {
		size_t next = j + k;

		while (next < in.n && in.v[next].tlen == 0)
			next++;
		if (next < in.n && !in.v[next].quoted)
			r = header_text(&in, j, k);
	}
	free(in.v);
	buf_free(&b);
	return r;
}

char *text_quote_header(const char *text, const struct text_rules *rules)
{
	struct trim tr = {0};
	char *r;

	if (text == NULL || *text == '\0')
		return NULL;
	tr.rules = rules;
	tr.v = split_lines(text, &tr.n);
	mark_wrapped(tr.v, tr.n);
	r = outer_header(&tr);
	if (r == NULL)
		r = inner_header(&tr);
	free(tr.v);
	return r;
}

static char *trim(const char *text, const struct text_rules *rules, int signature)
{
	struct trim tr = {0};
	size_t i, part = 0;
	int forwarded = 0;
	char *r;

	if (text == NULL || *text == '\0')
		return xstrdup("");
	tr.rules = rules;
	tr.signature = signature;
	tr.v = split_lines(text, &tr.n);
	mark_wrapped(tr.v, tr.n);
	mark_forwards(&tr);
	count_rest(&tr);
	cut_structure(&tr);
	/* closings and names, per part between forward markers */
	for (i = 0; i <= tr.n && !tr.signature; i++) {
		if (i == tr.n || tr.v[i].fwd) {
			if (i > part)
				trim_part(&tr, part, i, forwarded);
			part = i + 1;
			forwarded = i < tr.n;
		}
	}
	r = join_kept(tr.v, tr.n);
	free(tr.rest);
	free(tr.v);
	return r;
}

char *text_trim_context(const char *text, const struct text_rules *rules)
{
	return trim(text, rules, 0);
}

char *text_trim_history(const char *text, const struct text_rules *rules)
{
	return trim(text, rules, 1);
}
