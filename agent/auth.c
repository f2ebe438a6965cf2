/*
 * auth.c - does the business's own mail server vouch for a rep's mail?
 *
 * The receiving server records what it checked in an
 * Authentication-Results header field (RFC 8601) prepended to the message.
 * Here the topmost such field with the configured authserv-id is parsed
 * and its dmarc, dkim and spf results are held against the rep's domain
 * (relaxed alignment, RFC 7489 section 3.1).  Everything below that field
 * came with the message and may be forged, so it is never read.
 *
 * The parser follows the grammar of RFC 8601 section 2.2.  It is strict
 * about the shape of the field that counts: an unclosed comment or quoted
 * string, a result without '=' and the like make the verdict FAIL rather
 * than a guess, because a field that does not parse the way its server
 * meant it is one whose pass might be read out of copied text.  It bends
 * only where real servers do: a property without a ptype ("action=none",
 * Microsoft; "x-bits=2048", Fastmail), an empty value ("smtp.mail=",
 * Gmail), empty or trailing ';'.
 */
#include "auth.h"

#include <string.h>

#include "message.h"
#include "util.h"

#define AUTH_MAX_HEADER 8192 /* bytes of one field read; longer ones fail */
#define AUTH_MAX_WHY    300  /* bytes of *why (NUL not counted) */
#define AUTH_MAX_SHOW   64   /* bytes of one value copied into *why */
#define AUTH_MAX_VALUE  1024 /* bytes of one property value once unquoted */
#define AUTH_MAX_DOMAIN 253  /* RFC 1035 section 2.3.4, without the root dot */

/* The properties the verdict reads (RFC 8601 section 2.7). */
enum prop { P_MAILFROM, P_HEADER_D, P_HEADER_I, P_HEADER_FROM, NPROP };

static const char *const prop_name[NPROP] = {"smtp.mailfrom", "header.d", "header.i",
                                             "header.from"};

enum method { M_OTHER, M_SPF, M_DKIM, M_DMARC };

struct span {
	const char *s;
	size_t n;
};

struct lexer {
	const char *start, *p, *end;
	const char *err; /* what went wrong first (static text), or NULL */
	size_t err_at;   /* byte offset of it */
};

/* One resinfo: "method[/version]=result prop=value ..." */
struct resinfo {
	struct span method, version, result;
	struct span prop[NPROP]; /* first value of each property */
	int nprop[NPROP];        /* how often each was given */
};

/* What one field said, gathered for the verdict and for *why. */
struct judgement {
	const char *rep_domain;  /* normalised domain of the rep's address */
	const char *from_domain; /* normalised domain of the From address */
	int best;                /* rank of the best passing result so far */
	struct buf pass;         /* the text of that result */
	struct buf seen;         /* the dmarc, dkim and spf results, in order */
	size_t nseen;
};

/* ------------------------------------------------------------- lexing */

static int lex_fail(struct lexer *x, const char *what)
{
	if (x->err == NULL) {
		x->err = what;
		x->err_at = (size_t)(x->p - x->start);
	}
	return -1;
}

static int at_end(const struct lexer *x)
{
	return x->p >= x->end;
}

static int at(const struct lexer *x, char c)
{
	return x->p < x->end && *x->p == c;
}

/* Skips white space and comments (CFWS, RFC 5322 section 3.2.2: comments
 * nest and a backslash quotes the next character; a quoted string inside
 * a comment is only text).  A ')' here has no '(' to close.  No recursion:
 * a depth counter, so deep nesting costs nothing. */
static int skip_cfws(struct lexer *x)
{
	while (x->p < x->end) {
		const char *open;
		size_t depth = 0;
		char c = *x->p;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			x->p++;
			continue;
		}
		if (c == ')')
			return lex_fail(x, "')' without '('");
		if (c != '(')
			return 0;
		open = x->p;
		while (x->p < x->end) {
			c = *x->p++;
			if (c == '\\') {
				if (x->p < x->end)
					x->p++;
			} else if (c == '(') {
				depth++;
			} else if (c == ')' && --depth == 0) {
				break;
			}
		}
		if (depth != 0) {
			x->p = open; /* report where it began */
			return lex_fail(x, "unclosed comment");
		}
	}
	return 0;
}

/* Skips a quoted string (RFC 5322 section 3.2.4) starting at '"'. */
static int skip_quoted(struct lexer *x)
{
	const char *open = x->p;

	for (x->p++; x->p < x->end; x->p++) {
		if (*x->p == '\\') {
			if (x->p + 1 < x->end)
				x->p++;
		} else if (*x->p == '"') {
			x->p++;
			return 0;
		}
	}
	x->p = open;
	return lex_fail(x, "unclosed quoted string");
}

static int is_keyword_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* A Keyword (RFC 8601 section 2.2: an ldh-str; '_' is let in because
 * vendors' x- methods use it).  Empty when none is there. */
static struct span read_keyword(struct lexer *x)
{
	struct span k = {x->p, 0};

	while (x->p < x->end && is_keyword_char((unsigned char)*x->p))
		x->p++;
	k.n = (size_t)(x->p - k.s);
	return k;
}

static struct span read_digits(struct lexer *x)
{
	struct span k = {x->p, 0};

	while (x->p < x->end && *x->p >= '0' && *x->p <= '9')
		x->p++;
	k.n = (size_t)(x->p - k.s);
	return k;
}

/* A value (RFC 2045 token or quoted-string) or a pvalue ("local@domain",
 * where the local part may be quoted): runs of plain characters and quoted
 * strings, up to white space, ';' or a comment.  ')' and control
 * characters end it too and then fail where the grammar goes on.  The span
 * is as written, quotes included; may be empty. */
static int read_value(struct lexer *x, struct span *v)
{
	v->s = x->p;
	while (x->p < x->end) {
		unsigned char c = (unsigned char)*x->p;

		if (c == '"') {
			if (skip_quoted(x) < 0)
				return -1;
			continue;
		}
		if (c <= ' ' || c == 0x7f || c == ';' || c == '(' || c == ')')
			break;
		x->p++;
	}
	v->n = (size_t)(x->p - v->s);
	return 0;
}

/* The authserv-id: a token (RFC 2045 section 5.1: no tspecials, so
 * "mx.biz.test.evil" or "spf=pass" never reads as "mx.biz.test") or a
 * quoted string. */
static int read_id(struct lexer *x, struct span *id)
{
	id->s = x->p;
	if (at(x, '"')) {
		if (skip_quoted(x) < 0)
			return -1;
	} else {
		while (x->p < x->end) {
			unsigned char c = (unsigned char)*x->p;

			if (c <= ' ' || c == 0x7f || strchr("()<>@,;:\\\"/[]?=", c))
				break;
			x->p++;
		}
	}
	id->n = (size_t)(x->p - id->s);
	if (id->n == 0)
		return lex_fail(x, "no authserv-id");
	return 0;
}

/* Copies v to out (size outsize) without its quotes and with quoted pairs
 * resolved.  Returns the length, or -1 when it does not fit. */
static long unquote(struct span v, char *out, size_t outsize)
{
	size_t i, o = 0;
	int quoted = 0;

	for (i = 0; i < v.n; i++) {
		char c = v.s[i];

		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && c == '\\' && i + 1 < v.n)
			c = v.s[++i];
		if (o + 1 >= outsize)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return (long)o;
}

static int span_ieq(struct span a, const char *b)
{
	return strlen(b) == a.n && strncasecmp(a.s, b, a.n) == 0;
}

/* ------------------------------------------------------------- domains */

/* Normalises a domain name into out (AUTH_MAX_DOMAIN + 1 bytes): lower
 * case, one trailing root dot dropped.  Returns -1 unless it is a plain
 * host name (letters, digits, '-', '_', UTF-8, no empty label): a quote,
 * bracket or space left in it means it is not a domain at all. */
static int norm_domain(const char *d, char *out)
{
	size_t n = strlen(d), i;

	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0 || n > AUTH_MAX_DOMAIN)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (i == 0 || d[i - 1] == '.')
				return -1;
		} else if (!is_keyword_char(c) && c < 0x80) {
			return -1;
		}
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[n] = '\0';
	return 0;
}

/* The domain of a property value: after the last '@' of "local@domain" or
 * "@domain" (header.i), else the whole value.  Returns -1 when there is no
 * domain in it. */
static int value_domain(struct span v, char *out)
{
	char tmp[AUTH_MAX_VALUE];
	const char *at_sign;

	if (unquote(v, tmp, sizeof(tmp)) < 0)
		return -1;
	at_sign = strrchr(tmp, '@');
	return norm_domain(at_sign ? at_sign + 1 : tmp, out);
}

/* Relaxed alignment (RFC 7489 section 3.1), with the organisational domain
 * approximated as in auth.h: equal, or one ends in "." + the other.  The
 * shorter one must have a dot: a bare top-level domain ("test", "com") is
 * nobody's organisational domain. */
static int aligned(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	const char *longer = la >= lb ? a : b, *shorter = la >= lb ? b : a;
	size_t ll = la >= lb ? la : lb, ls = la >= lb ? lb : la;

	if (ll == ls)
		return strcmp(a, b) == 0;
	if (strchr(shorter, '.') == NULL)
		return 0;
	return longer[ll - ls - 1] == '.' && strcmp(longer + ll - ls, shorter) == 0;
}

/* ------------------------------------------------------------- *why */

/* Appends n bytes of s for *why, at most max of them: control characters
 * become '?' (the line stays one line) and a cut never splits UTF-8. */
static void add_shown(struct buf *b, const char *s, size_t n, size_t max)
{
	size_t i, k = n;

	if (k > max) {
		k = max;
		while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
	}
	for (i = 0; i < k; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_addc(b, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	if (k < n)
		buf_adds(b, "...");
}

static void add_shown_str(struct buf *b, const char *s)
{
	add_shown(b, s, strlen(s), AUTH_MAX_SHOW);
}

/* "prop=value" as written, unquoted when that fits. */
static void add_prop(struct buf *b, enum prop k, struct span v)
{
	char tmp[AUTH_MAX_VALUE];
	long n = unquote(v, tmp, sizeof(tmp));

	buf_printf(b, " %s=", prop_name[k]);
	if (n >= 0)
		add_shown(b, tmp, (size_t)n, AUTH_MAX_SHOW);
	else
		add_shown(b, v.s, v.n, AUTH_MAX_SHOW);
}

/* Caps *why at AUTH_MAX_WHY bytes. */
static char *finish_why(struct buf *b)
{
	if (b->len > AUTH_MAX_WHY) {
		size_t k = AUTH_MAX_WHY - 3;

		while (k > 0 && ((unsigned char)b->s[k] & 0xc0) == 0x80)
			k--;
		b->len = k;
		b->s[k] = '\0';
		buf_adds(b, "...");
	}
	if (b->s == NULL)
		buf_adds(b, "");
	return buf_steal(b);
}

/* ------------------------------------------------------------- verdict */

static enum method method_of(struct span m)
{
	if (span_ieq(m, "spf"))
		return M_SPF;
	if (span_ieq(m, "dkim"))
		return M_DKIM;
	if (span_ieq(m, "dmarc"))
		return M_DMARC;
	return M_OTHER;
}

/* Whether a passing result's property k is present once, is a domain and
 * meets the rule (aligned with the rep's domain, or for header.from equal
 * to the From domain); appends " prop=value (...)" to out either way. */
static int prop_ok(const struct judgement *j, const struct resinfo *r, enum prop k, struct buf *out)
{
	char dom[AUTH_MAX_DOMAIN + 1];

	add_prop(out, k, r->prop[k]);
	if (r->nprop[k] > 1) {
		buf_printf(out, " (%s given %d times)", prop_name[k], r->nprop[k]);
		return 0;
	}
	if (value_domain(r->prop[k], dom) < 0) {
		buf_adds(out, " (no domain)");
		return 0;
	}
	if (k == P_HEADER_FROM) {
		if (strcmp(dom, j->from_domain) == 0)
			return 1;
		buf_adds(out, " (From is ");
		add_shown_str(out, j->from_domain);
		buf_addc(out, ')');
		return 0;
	}
	if (aligned(dom, j->rep_domain)) {
		buf_adds(out, " (aligned with ");
		add_shown_str(out, j->rep_domain);
		buf_addc(out, ')');
		return 1;
	}
	buf_adds(out, " (not aligned with ");
	add_shown_str(out, j->rep_domain);
	buf_addc(out, ')');
	return 0;
}

/* Weighs one resinfo: the auth.h rules, dmarc over dkim over spf when
 * several pass (the strongest says why). */
static void judge(struct judgement *j, const struct resinfo *r)
{
	enum method m = method_of(r->method);
	struct buf t = {0};
	int ok = 0;

	if (m == M_OTHER)
		return;
	add_shown(&t, r->method.s, r->method.n, AUTH_MAX_SHOW);
	if (r->version.s) {
		buf_addc(&t, '/');
		add_shown(&t, r->version.s, r->version.n, AUTH_MAX_SHOW);
	}
	buf_addc(&t, '=');
	add_shown(&t, r->result.s, r->result.n, AUTH_MAX_SHOW);
	if (span_ieq(r->result, "pass")) {
		if (r->version.s && !span_ieq(r->version, "1")) {
			/* only version 1 of each method is defined */
			buf_adds(&t, " (unknown version)");
		} else if (m == M_DMARC) {
			ok = r->nprop[P_HEADER_FROM] == 0 || prop_ok(j, r, P_HEADER_FROM, &t);
		} else if (m == M_DKIM) {
			/* header.d is the signing domain; header.i must lie
			 * within it (RFC 6376 section 3.5) and stands in only
			 * when d is not given */
			enum prop k = r->nprop[P_HEADER_D] ? P_HEADER_D : P_HEADER_I;

			if (r->nprop[k])
				ok = prop_ok(j, r, k, &t);
			else
				buf_adds(&t, " (no header.d or header.i)");
		} else {
			if (r->nprop[P_MAILFROM])
				ok = prop_ok(j, r, P_MAILFROM, &t);
			else
				buf_adds(&t, " (no smtp.mailfrom)");
		}
	}
	if (ok && (int)m > j->best) {
		j->best = (int)m;
		buf_free(&j->pass);
		buf_add(&j->pass, t.s, t.len);
	}
	if (j->nseen++)
		buf_adds(&j->seen, ", ");
	buf_add(&j->seen, t.s, t.len);
	buf_free(&t);
}

static void note_prop(struct resinfo *r, struct span ptype, struct span property, struct span v)
{
	int k;

	for (k = 0; k < NPROP; k++) {
		const char *dot = strchr(prop_name[k], '.');
		struct span t = {prop_name[k], (size_t)(dot - prop_name[k])};

		if (ptype.n == t.n && strncasecmp(ptype.s, t.s, t.n) == 0 &&
		    span_ieq(property, dot + 1)) {
			if (r->nprop[k]++ == 0)
				r->prop[k] = v;
			return;
		}
	}
}

/* When x is at the separator c ('/', '=', '.'): c, CFWS, what read
 * reads into *tok, CFWS.  Returns 1, 0 when x is not at c, or -1 (with
 * missing, when read finds nothing). */
static int read_after(struct lexer *x, char c, struct span (*read)(struct lexer *),
                      struct span *tok, const char *missing)
{
	if (!at(x, c))
		return 0;
	x->p++;
	if (skip_cfws(x) < 0)
		return -1;
	*tok = read(x);
	if (tok->n == 0)
		return lex_fail(x, missing);
	if (skip_cfws(x) < 0)
		return -1;
	return 1;
}

/* Reads one resinfo after its ';' (RFC 8601 section 2.2):
 *   methodspec [ reasonspec ] [ propspec... ]
 * where reasonspec and ptype-less properties are read as properties.
 * Returns 1 when it read one, 0 when there was none (empty or trailing
 * ';'), -1 on a syntax error. */
static int read_resinfo(struct lexer *x, struct resinfo *r)
{
	memset(r, 0, sizeof(*r));
	if (skip_cfws(x) < 0)
		return -1;
	if (at_end(x) || at(x, ';'))
		return 0;
	r->method = read_keyword(x);
	if (r->method.n == 0)
		return lex_fail(x, "no method name");
	if (skip_cfws(x) < 0)
		return -1;
	/* "authserv-id; none" (no-result): the method without a result */
	if (span_ieq(r->method, "none") && (at_end(x) || at(x, ';')))
		return 1;
	if (read_after(x, '/', read_digits, &r->version, "no method version after '/'") < 0)
		return -1;
	if (!at(x, '='))
		return lex_fail(x, "no '=' after the method");
	if (read_after(x, '=', read_keyword, &r->result, "no result after '='") < 0)
		return -1;
	for (;;) {
		struct span ptype, property = {NULL, 0}, v;

		if (skip_cfws(x) < 0)
			return -1;
		if (at_end(x) || at(x, ';'))
			return 1;
		ptype = read_keyword(x);
		if (ptype.n == 0)
			return lex_fail(x, "unexpected character");
		if (skip_cfws(x) < 0)
			return -1;
		if (read_after(x, '.', read_keyword, &property, "no property after '.'") < 0)
			return -1;
		if (!at(x, '='))
			return lex_fail(x, "no '=' after a property");
		x->p++;
		if (skip_cfws(x) < 0 || read_value(x, &v) < 0)
			return -1;
		if (property.s)
			note_prop(r, ptype, property, v);
	}
}

/* Reads the start of a field: [CFWS] authserv-id [CFWS] [version [CFWS]]. */
static int read_head(struct lexer *x, struct span *id, struct span *version)
{
	version->s = NULL;
	version->n = 0;
	if (skip_cfws(x) < 0 || read_id(x, id) < 0 || skip_cfws(x) < 0)
		return -1;
	if (x->p < x->end && *x->p >= '0' && *x->p <= '9') {
		*version = read_digits(x);
		if (skip_cfws(x) < 0)
			return -1;
	}
	return 0;
}

/* Whether value is a field from the server called id.  Only the id is
 * read: a field of ours that is broken further on must still be the one
 * that counts (and fail), never let one further down take its place. */
static int from_server(const char *value, const char *id)
{
	char tmp[AUTH_MAX_VALUE];
	struct lexer x = {value, value, value + strnlen(value, AUTH_MAX_HEADER), NULL, 0};
	struct span sid;

	if (skip_cfws(&x) < 0 || read_id(&x, &sid) < 0)
		return 0;
	return unquote(sid, tmp, sizeof(tmp)) >= 0 && str_ieq(tmp, id);
}

/* Judges the field that counts; appends why to w. */
static enum auth_verdict judge_field(const char *value, const char *id, struct judgement *j,
                                     struct buf *w)
{
	size_t len = strnlen(value, AUTH_MAX_HEADER + 1);
	struct lexer x = {value, value, value + len, NULL, 0};
	struct span sid, version;
	struct resinfo r;
	int none = 0, results = 0, n;

	add_shown_str(w, id);
	if (len > AUTH_MAX_HEADER) {
		buf_printf(w, ": Authentication-Results longer than %d bytes, not read",
		           AUTH_MAX_HEADER);
		return AUTH_FAIL;
	}
	if (read_head(&x, &sid, &version) < 0)
		goto syntax;
	if (version.s && !span_ieq(version, "1")) {
		/* RFC 8601 section 2.2: only version 1 is defined */
		buf_adds(w, ": Authentication-Results of unknown version ");
		add_shown(w, version.s, version.n, 8);
		return AUTH_FAIL;
	}
	while (!at_end(&x)) {
		if (!at(&x, ';')) {
			lex_fail(&x, "no ';' before a result");
			goto syntax;
		}
		x.p++;
		n = read_resinfo(&x, &r);
		if (n < 0)
			goto syntax;
		if (n == 0)
			continue;
		/* "authserv-id; none": nothing was checked, and then
		 * nothing else may follow */
		if (r.result.n == 0)
			none++;
		else
			results++;
		if (none && (none + results > 1)) {
			x.p = r.method.s;
			lex_fail(&x, "'none' beside other results");
			goto syntax;
		}
		judge(j, &r);
	}
	if (j->best > 0) {
		buf_adds(w, ": ");
		buf_add(w, j->pass.s, j->pass.len);
		return AUTH_PASS;
	}
	if (j->nseen)
		buf_printf(w, ": %s: nothing passes", j->seen.s);
	else
		buf_adds(w, none ? ": none" : ": no dmarc, dkim or spf result");
	return AUTH_FAIL;

syntax:
	buf_printf(w, ": cannot read its Authentication-Results: %s at byte %zu", x.err, x.err_at);
	return AUTH_FAIL;
}

enum auth_verdict auth_check(const struct message *m, const char *authserv_id, const char *email,
                             char **why)
{
	char rep_domain[AUTH_MAX_DOMAIN + 1], from_domain[AUTH_MAX_DOMAIN + 1];
	struct judgement j = {rep_domain, from_domain, 0, {0}, {0}, 0};
	enum auth_verdict v = AUTH_FAIL;
	struct buf w = {0};
	size_t i, others = 0;

	if (m == NULL || str_blank(authserv_id) || str_blank(email)) {
		buf_adds(&w, "no message, authserv-id or rep address to check");
		goto out;
	}
	if (norm_domain(addr_domain(email), rep_domain) < 0) {
		buf_adds(&w, "the rep address ");
		add_shown_str(&w, email);
		buf_adds(&w, " has no domain");
		goto out;
	}
	/* the rep's own address must be the (only) author: a pass for the
	 * domain says nothing about whose mail it is otherwise */
	if (m->from.email == NULL || !str_ieq(m->from.email, email)) {
		buf_adds(&w, "From is ");
		add_shown_str(&w, m->from.email ? m->from.email : "(none)");
		buf_adds(&w, ", not the rep ");
		add_shown_str(&w, email);
		goto out;
	}
	/* From restored from a list's X-Original-From: the server vouched
	 * for the list, not for the person */
	if (m->from_relayed) {
		buf_adds(&w, "From ");
		add_shown_str(&w, m->from.email);
		buf_adds(
		        &w,
		        " was restored from a mailing list's headers, which no server vouches for");
		goto out;
	}
	if (m->nfrom > 1) {
		buf_printf(&w, "From has %zu mailboxes, not only the rep ", m->nfrom);
		add_shown_str(&w, email);
		goto out;
	}
	if (norm_domain(addr_domain(m->from.email), from_domain) < 0)
		from_domain[0] = '\0';
	for (i = 0; i < m->nheaders; i++) {
		const struct header *h = &m->headers[i];

		if (h->name == NULL || h->value == NULL ||
		    !str_ieq(h->name, "Authentication-Results"))
			continue;
		if (!from_server(h->value, authserv_id)) {
			others++;
			continue;
		}
		/* the topmost field of our server: the one it prepended */
		v = judge_field(h->value, authserv_id, &j, &w);
		goto out;
	}
	buf_adds(&w, "no Authentication-Results from ");
	add_shown_str(&w, authserv_id);
	if (others == 1)
		buf_adds(&w, " (1 from another server ignored)");
	else if (others > 1)
		buf_printf(&w, " (%zu from other servers ignored)", others);

out:
	buf_free(&j.pass);
	buf_free(&j.seen);
	if (why)
		*why = finish_why(&w);
	else
		buf_free(&w);
	return v;
}

enum auth_trust auth_trust(const struct message *m, const char *authserv_id, const char *email,
                           char **why)
{
	if (str_blank(authserv_id)) {
		if (why)
			*why = NULL;
		return AUTH_ON_TRUST;
	}
	return auth_check(m, authserv_id, email, why) == AUTH_PASS ? AUTH_VERIFIED
	                                                           : AUTH_UNVERIFIED;
}
