/*
 * backtrack.c - does a regular expression risk catastrophic backtracking?
 * (see backtrack.h).  A scan of the pattern's text, no regex library: it
 * knows groups, alternation, character classes, escapes and quantifiers,
 * which is all the judgement needs.
 */
#include "backtrack.h"

#include <ctype.h>
#include <string.h>

#include "util.h"

/* Kind of quantifier at p: 0 none (the atom is mandatory), 1 optional
 * ("?", "{0,3}"), 2 unbounded ("*", "+", "{2,}"); *len_r is its length,
 * a lazy or possessive suffix included, *possessive_r set for "x++". */
static int quantifier_at(const char *p, const char *end, size_t *len_r, int *possessive_r)
{
	size_t n = 0;
	int kind = 0;

	*possessive_r = 0;
	if (p < end && (*p == '*' || *p == '+')) {
		kind = 2;
		n = 1;
	} else if (p < end && *p == '?') {
		kind = 1;
		n = 1;
	} else if (p < end && *p == '{') {
		const char *q = p + 1;
		long lo = 0;

		/* only whether it is 0 matters: the digits stop counting
		 * before they overflow ("{2222222222222222222222}") */
		for (; q < end && *q >= '0' && *q <= '9'; q++)
			if (lo < 1000000)
				lo = lo * 10 + (*q - '0');
		if (q > p + 1 && q < end && *q == '}') {
			kind = lo == 0 ? 1 : 0;
			n = (size_t)(q + 1 - p);
		} else if (q > p + 1 && q + 1 < end && q[0] == ',' && q[1] == '}') {
			kind = 2;
			n = (size_t)(q + 2 - p);
		} else if (q > p + 1 && q < end && *q == ',') {
			while (++q < end && *q >= '0' && *q <= '9')
				;
			if (q < end && *q == '}') {
				kind = lo == 0 ? 1 : 0;
				n = (size_t)(q + 1 - p);
			}
		}
	}
	if (n && p + n < end && (p[n] == '?' || p[n] == '+')) {
		*possessive_r = p[n] == '+';
		n++;
	}
	*len_r = n;
	return kind;
}

long backtrack_risk(const char *pat, size_t len)
{
	struct frame {
		int inner;     /* this branch repeats something without bound */
		int mandatory; /* this branch needs something else as well */
		int risky;     /* a branch was only unbounded repetition */
		int atomic;    /* (?>...) or a lookaround */
	} st[64];
	const char *p = pat, *end = pat + len;
	int depth = 0;

	memset(&st[0], 0, sizeof(st[0]));
	while (p < end) {
		int kind = 0, possessive, zero = 0, risky;
		size_t q = 0;

		if (*p == '\\') {
			zero = p + 1 < end && strchr("bBAzZGK", p[1]) != NULL;
			p += p + 1 < end ? 2 : 1;
		} else if (*p == '[') {
			p++;
			if (p < end && *p == '^')
				p++;
			if (p < end && *p == ']')
				p++;
			while (p < end && *p != ']')
				p += (*p == '\\' && p + 1 < end) ? 2 : 1;
			p++;
		} else if (*p == '(') {
			if (depth + 1 >= (int)ARRAY_SIZE(st))
				return -1;
			depth++;
			memset(&st[depth], 0, sizeof(st[depth]));
			st[depth].atomic =
			        p + 2 < end && p[1] == '?' &&
			        (p[2] == '>' || p[2] == '=' || p[2] == '!' ||
			         (p[2] == '<' && p + 3 < end && (p[3] == '=' || p[3] == '!')));
			p++;
			if (p < end && *p == '?') {
				/* the group's kind: (?:  (?>  (?=  (?<name>  (?i)  (?i: */
				p++;
				if (p < end && (*p == '<' || *p == 'P') &&
				    !(p + 1 < end && *p == '<' && (p[1] == '=' || p[1] == '!'))) {
					while (p < end && *p != '>')
						p++;
					p++;
				} else if (p < end && *p == '\'') {
					p++;
					while (p < end && *p != '\'')
						p++;
					p++;
				} else if (p < end && strchr(":>=!|", *p)) {
					p++;
				} else if (p + 1 < end && *p == '<') {
					p += 2;
				} else {
					while (p < end && (isalpha((unsigned char)*p) ||
					                   *p == '-' || *p == '^'))
						p++;
					if (p < end && *p == ')') { /* (?i): options, no group */
						depth--;
						p++;
					} else if (p < end) {
						p++;
					}
				}
			}
			continue;
		} else if (*p == '|') {
			st[depth].risky |= st[depth].inner && !st[depth].mandatory;
			st[depth].inner = st[depth].mandatory = 0;
			p++;
			continue;
		} else if (*p == ')') {
			struct frame *f = &st[depth];

			risky = !f->atomic && (f->risky || (f->inner && !f->mandatory));
			if (depth > 0)
				depth--;
			p++;
			kind = quantifier_at(p, end, &q, &possessive);
			if (kind == 2 && risky && !possessive)
				return (long)(p - pat);
			p += q;
			/* the group as an atom of its parent */
			if (kind == 2 || risky)
				st[depth].inner |= !possessive;
			else if (kind == 0)
				st[depth].mandatory = 1;
			continue;
		} else if (*p == '^' || *p == '$') {
			zero = 1;
			p++;
		} else {
			p++;
		}
		kind = quantifier_at(p, end, &q, &possessive);
		p += q;
		if (zero)
			continue;
		if (kind == 2 && !possessive)
			st[depth].inner = 1;
		else if (kind == 0)
			st[depth].mandatory = 1;
	}
	return -1;
}
