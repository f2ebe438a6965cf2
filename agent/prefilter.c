/*
 * prefilter.c - the literals a regex match needs (see prefilter.h).
 *
 * The pattern's text is scanned the way RE2's prefilter does it: each
 * piece of the pattern is either exact, a small set of strings that is
 * all it can match ("colou?r" is {"color", "colour"}), or a condition:
 * an AND/OR tree of literals of which a match must hold some.  A
 * sequence joins exact pieces into longer strings and ANDs the rest, an
 * alternation ORs its branches, a piece that may match nothing ("x*",
 * ".", "\w") asks for nothing.  Lookarounds, anchors and backtracking
 * verbs consume nothing; a positive lookaround's own condition still
 * holds for the subject.  Anything the scan does not know for sure makes
 * the whole pattern unconditional: the prefilter may only ever skip a
 * regex that cannot match.
 *
 * Strings are folded to lower case, and so is the text scanned, so a
 * condition holds for a caseless pattern as for a case-sensitive one.  A
 * literal holds ASCII and Latin-1 letters only (any other character of a
 * pattern asks for nothing), whose caseless forms PCRE2 knows are each
 * other's, but for three the scan reads as them too: the Kelvin sign (k),
 * the long s (s) and the Angstrom sign (the a with a ring).
 */
#include "prefilter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Caps that keep exact sets small: past them a piece is a condition. */
#define CROSS_MAX 64  /* strings of a joined sequence */
#define UNION_MAX 256 /* strings of an alternation */
#define CLASS_MAX 16  /* characters of a class read as a set */
/* A literal's first bytes say nearly as much as all of it, for a much
 * smaller automaton. */
#define LIT_MAX 12

enum cond_kind { C_LIT, C_AND, C_OR };

struct cnode {
	enum cond_kind kind;
	int lit;   /* C_LIT: the literal's id */
	int *kids; /* C_AND, C_OR */
	size_t nkids;
	int *lits; /* by prefilter_build: the literals among the kids, */
	size_t nlits;
	int *subs; /* and the others */
	size_t nsubs;
};

#define C_TRUE (-1) /* the condition that always holds */

/* The automaton of a group's literals: nstates rows of nclasses moves.
 * A move is the next state's row offset, shifted left, its low bit set
 * when a literal ends there (the scan's hot loop has no other load). */
struct automaton {
	uint32_t *next;
	/* With fewer than 32768 states, the moves are these instead: the next
	 * state's number, shifted left, the same low bit.  Half the bytes of
	 * next: the scan waits on the table's loads (the context's literals
	 * made 1.7 MB of it), not on its instructions. */
	uint16_t *next16;
	int32_t *own;  /* the literal that ends at a state, or -1 */
	int32_t *link; /* the next state down the fail chain that ends one, or 0 */
	size_t nstates, nclasses;
	unsigned char cls[256]; /* a text byte's class (0: in no literal) */
	int off;                /* too big: every literal counts as found */
};

struct prefilter {
	char **lits;      /* folded, distinct */
	uint32_t *groups; /* of each literal: the groups that need it */
	size_t nlits, litcap, groupcap;
	/* the literals by a hash of their text, open addressing: lit + 1,
	 * 0 for a free slot.  The rules have thousands of literals, and
	 * looking each new one up among all the others was most of the
	 * time it took to load them. */
	int32_t *slots;
	size_t nslots; /* a power of two, at least twice nlits */
	struct cnode *nodes;
	size_t nnodes, nodecap; /* grown by doubling: thousands of nodes */
	struct automaton a[PREFILTER_GROUPS];
};

struct strset {
	char **v;
	size_t n;
};

/* A piece of the pattern: exact (set) or a condition (cond). */
struct info {
	int exact;
	struct strset set;
	int cond;
};

struct parser {
	struct prefilter *pf;
	const char *p, *end;
	int fail;
};

static char fold(unsigned char c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* ---- string sets ---- */

static void set_add(struct strset *s, const char *str, size_t len)
{
	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == len && memcmp(s->v[i], str, len) == 0)
			return;
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(*s->v));
	s->v[s->n++] = xstrndup(str, len);
}

static void set_free(struct strset *s)
{
	free_strings(s->v, s->n);
	s->v = NULL;
	s->n = 0;
}

static struct info exact1(const char *str, size_t len)
{
	struct info in = {1, {NULL, 0}, C_TRUE};

	set_add(&in.set, str, len);
	return in;
}

static struct info anything(void)
{
	return (struct info){0, {NULL, 0}, C_TRUE};
}

/* Every string of a followed by every string of b (both freed). */
static struct strset set_cross(struct strset *a, struct strset *b)
{
	struct strset r = {NULL, 0};

	for (size_t i = 0; i < a->n; i++) {
		size_t la = strlen(a->v[i]);
		for (size_t j = 0; j < b->n; j++) {
			size_t lb = strlen(b->v[j]);
			char *s = xmalloc(la + lb + 1);

			memcpy(s, a->v[i], la);
			memcpy(s + la, b->v[j], lb + 1);
			set_add(&r, s, la + lb);
			free(s);
		}
	}
	set_free(a);
	set_free(b);
	return r;
}

/* ---- conditions ---- */

static int node_new(struct prefilter *pf, enum cond_kind kind, int lit, int *kids, size_t nkids)
{
	pf->nodes = xgrow(pf->nodes, &pf->nodecap, pf->nnodes + 1, sizeof(*pf->nodes));
	pf->nodes[pf->nnodes] = (struct cnode){kind, lit, kids, nkids, NULL, 0, NULL, 0};
	return (int)pf->nnodes++;
}

/* FNV-1a */
static size_t lit_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The slot of s in pf->slots: the one that holds it, or the free one
 * where it goes. */
static size_t lit_slot(const struct prefilter *pf, const char *s)
{
	size_t mask = pf->nslots - 1, i = lit_hash(s) & mask;

	while (pf->slots[i] != 0 && strcmp(pf->lits[pf->slots[i] - 1], s) != 0)
		i = (i + 1) & mask;
	return i;
}

static int lit_id(struct prefilter *pf, const char *s)
{
	size_t i;

	if (2 * (pf->nlits + 1) > pf->nslots) {
		pf->nslots = pf->nslots ? 2 * pf->nslots : 256;
		free(pf->slots);
		pf->slots = xcalloc(pf->nslots, sizeof(*pf->slots));
		for (size_t k = 0; k < pf->nlits; k++)
			pf->slots[lit_slot(pf, pf->lits[k])] = (int32_t)k + 1;
	}
	i = lit_slot(pf, s);
	if (pf->slots[i] != 0)
		return pf->slots[i] - 1;
	pf->lits = xgrow(pf->lits, &pf->litcap, pf->nlits + 1, sizeof(*pf->lits));
	pf->groups = xgrow(pf->groups, &pf->groupcap, pf->nlits + 1, sizeof(*pf->groups));
	pf->lits[pf->nlits] = xstrdup(s);
	pf->groups[pf->nlits] = 0;
	pf->slots[i] = (int32_t)pf->nlits + 1;
	return (int)pf->nlits++;
}

/* AND (or OR) of kids[0..n), which it takes: a true kid drops out of an
 * AND and makes an OR true; a kid of the same kind gives its own kids. */
static int node_join(struct prefilter *pf, enum cond_kind kind, int *kids, size_t n)
{
	int *flat = NULL;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		const struct cnode *kid = kids[i] == C_TRUE ? NULL : &pf->nodes[kids[i]];

		if (kid == NULL) {
			if (kind == C_AND)
				continue;
			free(flat);
			free(kids);
			return C_TRUE;
		}
		if (kid->kind == kind) {
			flat = xrealloc(flat, (k + kid->nkids) * sizeof(*flat));
			memcpy(flat + k, kid->kids, kid->nkids * sizeof(*flat));
			k += kid->nkids;
		} else {
			flat = xrealloc(flat, (k + 1) * sizeof(*flat));
			flat[k++] = kids[i];
		}
	}
	free(kids);
	if (k <= 1) {
		int only = k ? flat[0] : C_TRUE;
		free(flat);
		return only;
	}
	return node_new(pf, kind, -1, flat, k);
}

static int node_pair(struct prefilter *pf, enum cond_kind kind, int a, int b)
{
	int *kids = xmalloc(2 * sizeof(*kids));

	kids[0] = a;
	kids[1] = b;
	return node_join(pf, kind, kids, 2);
}

/* A text holding one of the strings of s (freed), each cut to LIT_MAX
 * bytes (a text holding a string holds its start).  A string holding
 * another of them adds nothing: it is dropped.  A single character is in
 * nearly every text: the set then asks for nothing, which is always
 * true, and cheaper to know. */
static int set_cond(struct prefilter *pf, struct strset *s)
{
	struct strset t = {NULL, 0};
	int *kids;
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		size_t len = strlen(s->v[i]);

		if (len < 2) {
			set_free(&t);
			set_free(s);
			return C_TRUE;
		}
		set_add(&t, s->v[i], len < LIT_MAX ? len : LIT_MAX);
	}
	set_free(s);
	kids = xcalloc(t.n ? t.n : 1, sizeof(*kids));
	for (size_t i = 0; i < t.n; i++) {
		int covered = 0;

		for (size_t j = 0; j < t.n && !covered; j++)
			covered = j != i && strstr(t.v[i], t.v[j]) != NULL;
		if (!covered)
			kids[k++] = node_new(pf, C_LIT, lit_id(pf, t.v[i]), NULL, 0);
	}
	set_free(&t);
	if (k == 0) {
		free(kids);
		return C_TRUE;
	}
	return node_join(pf, C_OR, kids, k);
}

static int info_cond(struct prefilter *pf, struct info *in)
{
	return in->exact ? set_cond(pf, &in->set) : in->cond;
}

/* ---- the pattern's text ---- */

static struct info parse_alt(struct parser *ps);

/* A character as the scan reads it in a text: ASCII and the Latin-1
 * letters in lower case (PCRE2's caseless forms of these are each other,
 * and the Angstrom sign for the a with a ring), the long s and the Kelvin
 * sign as s and k.  Returns the length of its UTF-8 in out, 0 for a
 * character whose caseless forms the scan does not fold (it asks for
 * nothing). */
static size_t fold_cp(long cp, char out[2])
{
	if (cp > 0 && cp < 0x80) {
		out[0] = fold((unsigned char)cp);
		return 1;
	}
	if (cp == 0x17F || cp == 0x212A) {
		out[0] = cp == 0x17F ? 's' : 'k';
		return 1;
	}
	if (cp == 0x212B)
		cp = 0xE5;
	if (cp < 0xC0 || cp > 0xFE || cp == 0xD7 || cp == 0xF7 || cp == 0xDF)
		return 0;
	if (cp < 0xE0)
		cp += 0x20;
	out[0] = (char)0xC3;
	out[1] = (char)(0x80 | (cp & 0x3F));
	return 2;
}

static struct info exact_cp(long cp)
{
	char out[2];
	size_t n = fold_cp(cp, out);

	return n ? exact1(out, n) : anything();
}

/* The code point whose lead byte c was just read (a pattern that compiled
 * in UTF mode is valid UTF-8). */
static long utf8_cp(struct parser *ps, unsigned char c)
{
	int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
	long cp = c & (0x3F >> n);

	for (; n > 0 && ps->p < ps->end; n--)
		cp = cp << 6 | (*ps->p++ & 0x3F);
	return cp;
}

/* Skips to just past the closing c, or fails. */
static void skip_past(struct parser *ps, char c)
{
	const char *q = memchr(ps->p, c, (size_t)(ps->end - ps->p));

	if (q == NULL)
		ps->fail = 1;
	else
		ps->p = q + 1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* After "\x": the character's value, or -1 after a failure. */
static long parse_hex(struct parser *ps)
{
	long v = 0;
	int n = 0;

	if (ps->p < ps->end && *ps->p == '{') {
		ps->p++;
		while (ps->p < ps->end && hexval(*ps->p) >= 0 && n < 8) {
			v = v * 16 + hexval(*ps->p++);
			n++;
		}
		if (n == 0 || ps->p >= ps->end || *ps->p != '}') {
			ps->fail = 1;
			return -1;
		}
		ps->p++;
		return v;
	}
	while (ps->p < ps->end && hexval(*ps->p) >= 0 && n < 2) {
		v = v * 16 + hexval(*ps->p++);
		n++;
	}
	return v;
}

/* The character an escape outside a class stands for (after the
 * backslash), -1 for "not one known character": *in is then set to what
 * it is, or ps->fail. */
static long escape_char(struct parser *ps, struct info *in)
{
	unsigned char c = (unsigned char)*ps->p++;
	long v;

	*in = anything();
	switch (c) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	case 'r':
		return '\r';
	case 'f':
		return '\f';
	case 'e':
		return 0x1b;
	case 'a':
		return 0x07;
	case 'x':
		v = parse_hex(ps);
		/* NUL ends the texts the rules see: left to the regex */
		return v > 0 ? v : -1;
	case 'b':
	case 'B':
	case 'A':
	case 'Z':
	case 'z':
	case 'G':
	case 'K':
		*in = exact1("", 0);
		return -1;
	case 'E':
		/* PCRE2 ignores a \E that ends no \Q, so a quantifier after
		 * it binds to the atom before ("s\E*" is "s*"): not read */
		ps->fail = 1;
		*in = anything();
		return -1;
	case 'd':
	case 'D':
	case 'w':
	case 'W':
	case 's':
	case 'S':
	case 'h':
	case 'H':
	case 'v':
	case 'V':
	case 'R':
	case 'X':
		return -1;
	case 'N':
		if (ps->p < ps->end && *ps->p == '{')
			ps->fail = 1;
		return -1;
	case 'p':
	case 'P':
		if (ps->p < ps->end && *ps->p == '{')
			skip_past(ps, '}');
		else if (ps->p < ps->end)
			ps->p++;
		return -1;
	case 'g':
	case 'k':
		/* a backreference or a subroutine call: some text, unknown */
		if (ps->p < ps->end && (*ps->p == '{' || *ps->p == '<' || *ps->p == '\'')) {
			char close = *ps->p == '{' ? '}' : *ps->p == '<' ? '>' : '\'';
			ps->p++;
			skip_past(ps, close);
		} else if (c == 'g') {
			if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
				ps->p++;
			while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
				ps->p++;
		} else {
			ps->fail = 1;
		}
		return -1;
	default:
		break;
	}
	if (c >= '1' && c <= '9') {
		/* a backreference, or an octal escape: unknown text */
		while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
			ps->p++;
		return -1;
	}
	if (c >= 0x80)
		return utf8_cp(ps, c);
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '0') {
		/* \Q, \c, \o, \0, \u... */
		ps->fail = 1;
		return -1;
	}
	return c;
}

/* p is at the ':', '.' or '=' after a '[' inside a class: the end of the
 * POSIX class it opens ("[:alpha:]"), past its ']', or NULL when it opens
 * none and the '[' is a member.  The same scan as PCRE2's. */
static const char *posix_class_end(const char *p, const char *end)
{
	char close = *p++;

	for (; end - p >= 2; p++) {
		if (p[0] == '\\' && (p[1] == ']' || p[1] == '\\'))
			p++;
		else if ((p[0] == '[' && p[1] == close) || p[0] == ']')
			return NULL;
		else if (p[0] == close && p[1] == ']')
			return p + 2;
	}
	return NULL;
}

/* After '[': a class.  A small set of characters the scan folds is
 * exact; a range, a negation, a property or any other member asks for
 * nothing. */
static struct info parse_class(struct parser *ps)
{
	struct info in = {1, {NULL, 0}, C_TRUE};
	int any = 0, first = 1;

	if (ps->p < ps->end && *ps->p == '^') {
		any = 1;
		ps->p++;
	}
	for (;; first = 0) {
		unsigned char c;
		long v = -1;

		char out[2];
		size_t n;

		if (ps->p >= ps->end) {
			ps->fail = 1;
			set_free(&in.set);
			return anything();
		}
		c = (unsigned char)*ps->p++;
		if (c == ']' && !first)
			break;
		if (c == '[' && ps->p < ps->end &&
		    (*ps->p == ':' || *ps->p == '.' || *ps->p == '=')) {
			/* [:alpha:], as PCRE2 reads one (check_posix_syntax): a
			 * ']' or another "[:" before the closing ":]" makes the
			 * '[' a plain member, and that ']' ends the class
			 * ("[[:]:]" is the class "[:" then ":]") */
			const char *end = posix_class_end(ps->p, ps->end);

			if (end != NULL) {
				ps->p = end;
				any = 1;
				continue;
			}
		}
		if (c == '-' && !first && ps->p < ps->end && *ps->p != ']') {
			any = 1; /* a range: its other end is read as a member */
			continue;
		}
		if (c == '\\') {
			if (ps->p >= ps->end) {
				ps->fail = 1;
				set_free(&in.set);
				return anything();
			}
			c = (unsigned char)*ps->p++;
			if (c == 'x')
				v = parse_hex(ps);
			else if (c == 'n')
				v = '\n';
			else if (c == 't')
				v = '\t';
			else if (c == 'r')
				v = '\r';
			else if (c == 'f')
				v = '\f';
			else if (c == 'Q' || c == 'E' || (c >= '0' && c <= '9'))
				ps->fail = 1;
			else if ((c == 'p' || c == 'P') && ps->p < ps->end && *ps->p == '{')
				skip_past(ps, '}');
			else if (c == 'c' && ps->p < ps->end)
				ps->p++; /* "\c]" is a control character, and
				            that ']' closes nothing */
			else if (c >= 0x80)
				v = utf8_cp(ps, c);
			else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
				v = c;
		} else if (c >= 0x80) {
			v = utf8_cp(ps, c);
		} else {
			v = c;
		}
		n = v > 0 ? fold_cp(v, out) : 0;
		if (n == 0 || in.set.n == CLASS_MAX)
			any = 1;
		else
			set_add(&in.set, out, n);
	}
	if (any) {
		set_free(&in.set);
		return anything();
	}
	return in;
}

/* After "(?" or "(*": a group's kind, then its content. */
static struct info parse_group(struct parser *ps)
{
	struct info in;
	int look = 0; /* 1 positive lookaround, -1 negative */

	if (ps->p < ps->end && *ps->p == '*') {
		/* a backtracking verb: no text, unless it ends the match
		 * ((*ACCEPT)) or is one not known here */
		static const char *const verbs[] = {"SKIP", "FAIL", "F", "PRUNE", "COMMIT", "THEN"};
		const char *name = ++ps->p;
		size_t len;

		skip_past(ps, ')');
		if (ps->fail)
			return anything();
		len = (size_t)(ps->p - 1 - name);
		for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
			if (strlen(verbs[i]) == len && memcmp(verbs[i], name, len) == 0)
				return exact1("", 0);
		ps->fail = 1;
		return anything();
	}
	if (ps->p < ps->end && *ps->p == '?') {
		char c = ++ps->p < ps->end ? *ps->p : '\0';

		if (c == '#') {
			skip_past(ps, ')');
			return exact1("", 0);
		}
		if (c == ':' || c == '|' || c == '>') {
			ps->p++;
		} else if (c == '=' || c == '!' || c == '*') {
			/* (?*...) is PCRE2's non-atomic positive lookahead */
			look = c == '!' ? -1 : 1;
			ps->p++;
		} else if (c == '<' && ps->p + 1 < ps->end &&
		           (ps->p[1] == '=' || ps->p[1] == '!' || ps->p[1] == '*')) {
			/* (?<*...), a non-atomic positive lookbehind, is no
			 * named group: "(?<*|>]])" matches the empty text */
			look = ps->p[1] == '!' ? -1 : 1;
			ps->p += 2;
		} else if (c == '<' || c == '\'') {
			ps->p++;
			skip_past(ps, c == '<' ? '>' : '\'');
		} else if (c == 'P' && ps->p + 1 < ps->end && ps->p[1] == '<') {
			ps->p += 2;
			skip_past(ps, '>');
		} else if ((c == 'P' && ps->p + 1 < ps->end &&
		            (ps->p[1] == '=' || ps->p[1] == '>')) ||
		           c == '&' || c == 'R' || (c >= '0' && c <= '9') ||
		           ((c == '+' || c == '-') && ps->p + 1 < ps->end && ps->p[1] >= '0' &&
		            ps->p[1] <= '9')) {
			/* a backreference or a subroutine call: unknown text */
			skip_past(ps, ')');
			return anything();
		} else {
			/* options, (?i) or (?i:...); extended mode changes what
			 * the text means, anything else is not known here */
			while (ps->p < ps->end && strchr("imnsJUar^-", *ps->p) != NULL &&
			       *ps->p != '\0')
				ps->p++;
			if (ps->p < ps->end && *ps->p == ')') {
				ps->p++;
				return exact1("", 0);
			}
			if (ps->p >= ps->end || *ps->p != ':') {
				ps->fail = 1;
				return anything();
			}
			ps->p++;
		}
	}
	if (ps->fail)
		return anything();
	in = parse_alt(ps);
	if (ps->p >= ps->end || *ps->p != ')') {
		ps->fail = 1;
		return in;
	}
	ps->p++;
	if (look != 0) {
		/* consumes nothing; what a positive one looks at is in the
		 * subject all the same */
		int cond = look > 0 ? info_cond(ps->pf, &in) : C_TRUE;

		if (look < 0 && in.exact)
			set_free(&in.set);
		if (cond == C_TRUE)
			return exact1("", 0);
		return (struct info){0, {NULL, 0}, cond};
	}
	return in;
}

/* One atom, without its quantifier. */
static struct info parse_atom(struct parser *ps)
{
	unsigned char c = (unsigned char)*ps->p++;
	struct info in;
	long v;
	char ch;

	switch (c) {
	case '(':
		return parse_group(ps);
	case '[':
		return parse_class(ps);
	case '.':
		return anything();
	case '^':
	case '$':
		return exact1("", 0);
	case '\\':
		if (ps->p >= ps->end) {
			ps->fail = 1;
			return anything();
		}
		v = escape_char(ps, &in);
		return v < 0 ? in : exact_cp(v);
	case '{':
	case '*':
	case '+':
	case '?':
		ps->fail = 1;
		return anything();
	default:
		break;
	}
	if (c >= 0x80)
		return exact_cp(utf8_cp(ps, c));
	ch = fold(c);
	return exact1(&ch, 1);
}

/* The quantifier after an atom, if any: its minimum and maximum (-1 for
 * no bound); 0 when there is none.  A '{' that is not a quantifier fails. */
static int parse_quant(struct parser *ps, long *min, long *max)
{
	char c;

	if (ps->p >= ps->end)
		return 0;
	c = *ps->p;
	if (c == '?' || c == '*' || c == '+') {
		*min = c == '+';
		*max = c == '?' ? 1 : -1;
		ps->p++;
	} else if (c == '{') {
		const char *q = ps->p + 1;
		long lo = 0, hi;
		int digits = 0;

		for (; q < ps->end && *q >= '0' && *q <= '9' && lo < 100000; q++, digits++)
			lo = lo * 10 + (*q - '0');
		hi = lo;
		if (q < ps->end && *q == ',') {
			q++;
			hi = -1;
			if (q < ps->end && *q >= '0' && *q <= '9')
				for (hi = 0; q < ps->end && *q >= '0' && *q <= '9' && hi < 100000;
				     q++)
					hi = hi * 10 + (*q - '0');
		}
		if (q >= ps->end || *q != '}' || digits == 0) {
			ps->fail = 1;
			return 0;
		}
		*min = lo;
		*max = hi;
		ps->p = q + 1;
	} else {
		return 0;
	}
	if (ps->p < ps->end && (*ps->p == '?' || *ps->p == '+'))
		ps->p++;
	return 1;
}

static struct info quantify(struct parser *ps, struct info in, long min, long max)
{
	if (min == 1 && max == 1)
		return in;
	if (min == 0 && max == 1 && in.exact) {
		set_add(&in.set, "", 0);
		return in;
	}
	if (min == 0) {
		if (in.exact)
			set_free(&in.set);
		return anything();
	}
	return (struct info){0, {NULL, 0}, info_cond(ps->pf, &in)};
}

/* A branch: atoms up to '|', ')' or the end. */
static struct info parse_seq(struct parser *ps)
{
	struct strset cur = {NULL, 0};
	int *conds = NULL;
	size_t nconds = 0;

	set_add(&cur, "", 0);
	while (ps->p < ps->end && *ps->p != '|' && *ps->p != ')' && !ps->fail) {
		struct info a = parse_atom(ps);
		long min, max;

		if (!ps->fail && parse_quant(ps, &min, &max))
			a = quantify(ps, a, min, max);
		if (a.exact && cur.n * a.set.n <= CROSS_MAX) {
			cur = set_cross(&cur, &a.set);
			continue;
		}
		conds = xrealloc(conds, (nconds + 2) * sizeof(*conds));
		conds[nconds++] = set_cond(ps->pf, &cur);
		if (a.exact) {
			cur = a.set;
		} else {
			conds[nconds++] = a.cond;
			set_add(&cur, "", 0);
		}
	}
	if (nconds == 0) {
		free(conds);
		return (struct info){1, cur, C_TRUE};
	}
	conds = xrealloc(conds, (nconds + 1) * sizeof(*conds));
	conds[nconds++] = set_cond(ps->pf, &cur);
	return (struct info){0, {NULL, 0}, node_join(ps->pf, C_AND, conds, nconds)};
}

/* Branches up to ')' or the end. */
static struct info parse_alt(struct parser *ps)
{
	struct info in = parse_seq(ps);

	while (!ps->fail && ps->p < ps->end && *ps->p == '|') {
		struct info b;

		ps->p++;
		b = parse_seq(ps);
		if (in.exact && b.exact && in.set.n + b.set.n <= UNION_MAX) {
			for (size_t i = 0; i < b.set.n; i++)
				set_add(&in.set, b.set.v[i], strlen(b.set.v[i]));
			set_free(&b.set);
			continue;
		}
		in = (struct info){
		        0,
		        {NULL, 0},
		        node_pair(ps->pf, C_OR, info_cond(ps->pf, &in), info_cond(ps->pf, &b))};
	}
	return in;
}

int prefilter_add(struct prefilter *pf, const char *pat, size_t len, int extended)
{
	struct parser ps = {pf, pat, pat + len, 0};
	struct info in;
	int cond;

	if (extended)
		return -1;
	in = parse_alt(&ps);
	if (!ps.fail && ps.p != ps.end)
		ps.fail = 1; /* an unmatched ')' */
	cond = info_cond(pf, &in);
	return ps.fail ? -1 : cond;
}

/* ---- the automaton ---- */

struct prefilter *prefilter_new(void)
{
	return xcalloc(1, sizeof(struct prefilter));
}

void prefilter_free(struct prefilter *pf)
{
	if (pf == NULL)
		return;
	free_strings(pf->lits, pf->nlits);
	free(pf->groups);
	free(pf->slots);
	for (size_t i = 0; i < pf->nnodes; i++) {
		free(pf->nodes[i].kids);
		free(pf->nodes[i].lits);
		free(pf->nodes[i].subs);
	}
	free(pf->nodes);
	for (int g = 0; g < PREFILTER_GROUPS; g++) {
		free(pf->a[g].next);
		free(pf->a[g].next16);
		free(pf->a[g].own);
		free(pf->a[g].link);
	}
	free(pf);
}

void prefilter_use(struct prefilter *pf, int cond, int group)
{
	const struct cnode *n;

	if (cond < 0)
		return;
	n = &pf->nodes[cond];
	if (n->kind == C_LIT)
		pf->groups[n->lit] |= UINT32_C(1) << group;
	for (size_t i = 0; i < n->nkids; i++)
		prefilter_use(pf, n->kids[i], group);
}

/* Caps the automaton's table (moves); past it the group's prefilter is
 * off, which is always right, only slower. */
#define MOVES_MAX (16u << 20)

/* The literals among a node's kids, apart: the evaluation's tight loop. */
static void split_kids(struct prefilter *pf)
{
	for (size_t i = 0; i < pf->nnodes; i++) {
		struct cnode *n = &pf->nodes[i];

		if (n->kind == C_LIT)
			continue;
		n->lits = xcalloc(n->nkids, sizeof(*n->lits));
		n->subs = xcalloc(n->nkids, sizeof(*n->subs));
		for (size_t k = 0; k < n->nkids; k++) {
			const struct cnode *kid = &pf->nodes[n->kids[k]];

			if (kid->kind == C_LIT)
				n->lits[n->nlits++] = kid->lit;
			else
				n->subs[n->nsubs++] = n->kids[k];
		}
	}
}

/* The Aho-Corasick automaton of the literals of group g. */
static void build_group(struct prefilter *pf, int g)
{
	struct automaton *a = &pf->a[g];
	uint32_t bit = UINT32_C(1) << g;
	size_t cap = 1, head = 0, tail = 0, ncls;
	int32_t *delta, *fail, *queue;

	/* the classes: one per byte some literal has, 0 for the rest */
	ncls = 1;
	for (size_t i = 0; i < pf->nlits; i++) {
		if (!(pf->groups[i] & bit))
			continue;
		cap += strlen(pf->lits[i]);
		for (const char *s = pf->lits[i]; *s; s++)
			if (a->cls[(unsigned char)*s] == 0)
				a->cls[(unsigned char)*s] = (unsigned char)ncls++;
	}
	for (int c = 'A'; c <= 'Z'; c++)
		a->cls[c] = a->cls[c + ('a' - 'A')];
	if (cap > MOVES_MAX / ncls) {
		a->off = 1;
		return;
	}
	a->nclasses = ncls;

	/* the trie */
	delta = xmalloc(cap * ncls * sizeof(*delta));
	a->own = xmalloc(cap * sizeof(*a->own));
	a->link = xcalloc(cap, sizeof(*a->link));
	for (size_t i = 0; i < ncls; i++)
		delta[i] = -1;
	a->own[0] = -1;
	a->nstates = 1;
	for (size_t i = 0; i < pf->nlits; i++) {
		int32_t st = 0;

		if (!(pf->groups[i] & bit))
			continue;
		for (const char *s = pf->lits[i]; *s; s++) {
			int32_t *next = &delta[(size_t)st * ncls + a->cls[(unsigned char)*s]];

			if (*next < 0) {
				*next = (int32_t)a->nstates;
				for (size_t k = 0; k < ncls; k++)
					delta[a->nstates * ncls + k] = -1;
				a->own[a->nstates++] = -1;
			}
			st = *next;
		}
		a->own[st] = (int32_t)i;
	}

	/* breadth first: the fail links, each missing move made the move of
	 * the fail state (a DFA), and the output links */
	fail = xcalloc(a->nstates, sizeof(*fail));
	queue = xmalloc(a->nstates * sizeof(*queue));
	for (size_t k = 0; k < ncls; k++) {
		int32_t *t = &delta[k];

		if (*t < 0) {
			*t = 0;
		} else {
			fail[*t] = 0;
			queue[tail++] = *t;
		}
	}
	while (head < tail) {
		int32_t st = queue[head++];

		for (size_t k = 0; k < ncls; k++) {
			int32_t *t = &delta[(size_t)st * ncls + k];
			int32_t f = delta[(size_t)fail[st] * ncls + k];

			if (*t < 0) {
				*t = f;
				continue;
			}
			fail[*t] = f;
			a->link[*t] = a->own[f] >= 0 ? f : a->link[f];
			queue[tail++] = *t;
		}
	}
	free(fail);
	free(queue);

	if (a->nstates < 32768) {
		a->next16 = xmalloc(a->nstates * ncls * sizeof(*a->next16));
		for (size_t i = 0; i < a->nstates * ncls; i++) {
			int32_t t = delta[i];

			a->next16[i] =
			        (uint16_t)((uint32_t)t << 1 | (a->own[t] >= 0 || a->link[t] > 0));
		}
	} else {
		a->next = xmalloc(a->nstates * ncls * sizeof(*a->next));
		for (size_t i = 0; i < a->nstates * ncls; i++) {
			int32_t t = delta[i];

			a->next[i] = (uint32_t)((size_t)t * ncls) << 1 |
			             (a->own[t] >= 0 || a->link[t] > 0);
		}
	}
	free(delta);
}

void prefilter_build(struct prefilter *pf)
{
	uint32_t used = 0;

	split_kids(pf);
	for (size_t i = 0; i < pf->nlits; i++)
		used |= pf->groups[i];
	for (int g = 0; g < PREFILTER_GROUPS; g++)
		if (used & (UINT32_C(1) << g))
			build_group(pf, g);
}

size_t prefilter_bitmap_size(const struct prefilter *pf)
{
	return pf->nlits / 8 + 1;
}

/* The literals that end at state st into bits. */
static inline void found(const struct automaton *a, int32_t st, unsigned char *bits)
{
	for (int32_t o = a->own[st] >= 0 ? st : a->link[st]; o > 0; o = a->link[o])
		bits[a->own[o] / 8] |= (unsigned char)(1u << (a->own[o] % 8));
}

/* One move of a's scan on byte c: *at is the row offset of the state. */
static inline void feed(const struct automaton *a, uint32_t *at, unsigned char c,
                        unsigned char *bits)
{
	uint32_t move;

	if (a->next16 != NULL) {
		move = a->next16[*at + a->cls[c]];
		*at = (move >> 1) * (uint32_t)a->nclasses;
		if (move & 1)
			found(a, (int32_t)(move >> 1), bits);
		return;
	}
	move = a->next[*at + a->cls[c]];
	*at = move >> 1;
	if (move & 1)
		found(a, (int32_t)(*at / a->nclasses), bits);
}

void prefilter_scan(const struct prefilter *pf, int group, const char *text, unsigned char *bits)
{
	const struct automaton *a = &pf->a[group];
	const unsigned char *s = (const unsigned char *)text;
	uint32_t at = 0;

	memset(bits, a->off ? 0xFF : 0, prefilter_bitmap_size(pf));
	if (a->next == NULL && a->next16 == NULL)
		return;
	/* the text folded as fold_cp folds a pattern's characters (cls
	 * lowers ASCII) */
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == 0xC3 && s[1] >= 0x80 && s[1] <= 0x9E && s[1] != 0x97) {
			feed(a, &at, c, bits);
			c = (unsigned char)(*++s + 0x20);
		} else if (c == 0xC5 && s[1] == 0xBF) {
			c = 's';
			s++;
		} else if (c == 0xE2 && s[1] == 0x84 && (s[2] == 0xAA || s[2] == 0xAB)) {
			if (s[2] == 0xAA) {
				c = 'k';
			} else {
				feed(a, &at, 0xC3, bits);
				c = 0xA5;
			}
			s += 2;
		}
		feed(a, &at, c, bits);
	}
}

static int holds(const struct prefilter *pf, int cond, const unsigned char *bits)
{
	const struct cnode *n = &pf->nodes[cond];
	int and = n->kind == C_AND;

	if (n->kind == C_LIT)
		return (bits[n->lit / 8] >> (n->lit % 8)) & 1;
	/* an AND fails at its first missing kid, an OR holds at its first
	 * present one */
	for (size_t i = 0; i < n->nlits; i++)
		if (((bits[n->lits[i] / 8] >> (n->lits[i] % 8)) & 1) != and)
			return !and;
	for (size_t i = 0; i < n->nsubs; i++)
		if (holds(pf, n->subs[i], bits) != and)
			return !and;
	return and;
}

int prefilter_may_match(const struct prefilter *pf, int cond, const unsigned char *bits)
{
	return cond < 0 || holds(pf, cond, bits);
}
