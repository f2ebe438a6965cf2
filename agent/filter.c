/*
 * filter.c - loads the admin's rules (filters/NN-name.rules) and runs them over a
 * parsed message with PCRE2.
 *
 * The loader is strict on purpose: a rule set with any fault is refused as
 * a whole, and every fault of every file is printed as file:line:column so
 * the admin fixes them in one go: the agent refuses to start on a broken
 * configuration rather than half-applying it.
 *
 * Matching is built for throughput: each pattern is JIT-compiled when the
 * library has JIT, the texts a rule looks at (the From line, the joined
 * recipients, the forwarded blocks...) are built lazily, at most once per
 * run, and only when some rule asks for them; the body is never copied.
 * A text is first scanned once for the literals of all the patterns
 * (prefilter.h): a pattern that needs literals the text lacks is not run,
 * which spares most of the matches.  Every match runs under match, depth
 * and heap limits, so a careless pattern costs a warning, never a hung
 * agent.
 */
#include "filter.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backtrack.h"
#include "fault.h"
#include "log.h"
#include "message.h"
#include "prefilter.h"
#include "text.h"
#include "util.h"

/* Under valgrind the JIT's vector loads, which may read a few bytes past
 * the end of a subject (never past its page), show up as errors; the
 * interpreter gives the same results.  valgrind.h is header-only. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() RUNNING_ON_VALGRIND
#endif
#endif
#ifndef UNDER_VALGRIND
#define UNDER_VALGRIND() 0
#endif
/* A fuzzing build (make fuzz) compiles thousands of rule sets a second;
 * JIT compiling them, PCRE2's work rather than ours, would be most of it. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define JIT_WANTED() 0
#else
#define JIT_WANTED() (!UNDER_VALGRIND())
#endif

/* Caps: a rule file is small text; a captured field or a traced match is
 * a short phrase, not a page. */
#define RULE_FILE_MAX   (1u << 20)
#define FIELD_MAX       1024
#define HIT_TEXT_MAX    200
#define MATCH_LIMIT     100000
#define DEPTH_LIMIT     2000
#define HEAP_LIMIT_KIB  8192
#define JIT_STACK_MAX   (8u << 20)
#define COMPILE_OPTIONS (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C)

/* PCRE2 10.42's JIT with PCRE2_MATCH_INVALID_UTF lets a bare \S or \D
 * match no character of more than one byte ("Ελένη <> Brightpath" did not
 * match \S\s*<>; upstream issue 224, fixed after 10.42): the same class
 * written in brackets, [\S], matches them.  The pattern with each bare \S
 * and \D outside a class so written, or NULL when there is none. */
static char *jit_safe(const char *pat, size_t len, uint32_t options)
{
	struct buf b = {0};
	int class = 0, changed = 0;

	/* comments ("# a [note", "(?#...)") would mislead the count of
	 * classes: such a pattern is left as it is */
	if ((options & PCRE2_EXTENDED) || memmem(pat, len, "(?#", 3))
		return NULL;
	for (size_t i = 0; i + 1 < len; i++)
		if (pat[i] == '(' && pat[i + 1] == '?') {
			size_t j = i + 2;

			while (j < len && strchr("imnsJUxar^-", pat[j]) != NULL && pat[j] != '\0')
				if (pat[j++] == 'x')
					return NULL;
		}
	for (size_t i = 0; i < len; i++) {
		if (pat[i] == '\\' && i + 1 < len) {
			if (pat[i + 1] == 'Q') { /* \Q...\E: literal text */
				const char *e = memmem(pat + i, len - i, "\\E", 2);
				size_t n = e ? (size_t)(e - (pat + i)) + 2 : len - i;

				buf_add(&b, pat + i, n);
				i += n - 1;
				continue;
			}
			if (!class && (pat[i + 1] == 'S' || pat[i + 1] == 'D')) {
				buf_addc(&b, '[');
				buf_add(&b, pat + i, 2);
				buf_addc(&b, ']');
				changed = 1;
			} else {
				buf_add(&b, pat + i, 2);
			}
			i++;
			continue;
		}
		if (!class && pat[i] == '[') {
			class = 1;
			buf_addc(&b, '[');
			/* "[]a]" and "[^]a]": a first ']' is a member */
			if (i + 1 < len && pat[i + 1] == '^')
				buf_addc(&b, pat[++i]);
			if (i + 1 < len && pat[i + 1] == ']')
				buf_addc(&b, pat[++i]);
			continue;
		}
		if (class && pat[i] == '[' && i + 1 < len && pat[i + 1] == ':') {
			/* "[:alpha:]" inside a class */
			const char *e = memmem(pat + i, len - i, ":]", 2);
			size_t n = e ? (size_t)(e - (pat + i)) + 2 : 1;

			buf_add(&b, pat + i, n);
			i += n - 1;
			continue;
		}
		if (class && pat[i] == ']')
			class = 0;
		buf_addc(&b, pat[i]);
	}
	if (!changed) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* pcre2_compile, with the pattern written JIT-safe (jit_safe) when it
 * compiles as written: faults and their offsets are the pattern's own. */
static pcre2_code *compile(const char *pat, size_t len, uint32_t options, int *errcode,
                           PCRE2_SIZE *erroff, pcre2_compile_context *cctx)
{
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat, len, options, errcode, erroff, cctx);
	char *safe = code ? jit_safe(pat, len, options) : NULL;

	if (safe) {
		int e;
		PCRE2_SIZE o;
		pcre2_code *c =
		        pcre2_compile((PCRE2_SPTR)safe, strlen(safe), options, &e, &o, cctx);

		if (c) {
			pcre2_code_free(code);
			code = c;
		}
		free(safe);
	}
	return code;
}
#define WHEN_ANY  (-2) /* no "when class" line */
#define WHEN_NONE (-1) /* "when class none" */

static const char *const field_names[FF_COUNT] = {
        "lead_name", "lead_email",    "lead_phone",     "lead_company",   "need",    "budget",
        "timeline",  "referrer_name", "referrer_email", "referrer_phone", "command", "command_arg",
};

enum target_kind {
	T_SUBJECT = 0,
	T_BODY,
	T_CONTEXT,
	T_FROM,
	T_SENDER,
	T_TO,
	T_CC,
	T_RECIPIENTS,
	T_REPLY_TO,
	T_RETURN_PATH,
	T_CONTENT_TYPE,
	T_HEADERS,
	T_FORWARDED,
	T_HEADER, /* header:NAME */
	T_COUNT
};

/* a kind's texts are scanned for its own patterns' literals */
_Static_assert(T_COUNT <= PREFILTER_GROUPS, "a prefilter group per target kind");

static const char *const target_names[T_COUNT] = {
        "subject",    "body",     "context",     "from",         "sender",  "to",        "cc",
        "recipients", "reply-to", "return-path", "content-type", "headers", "forwarded", "header",
};

struct target {
	enum target_kind kind;
	char *label;        /* "subject", "header:Auto-Submitted" */
	const char *header; /* points into label for T_HEADER */
};

/* A named group of a pattern that sets a field. */
struct capmap {
	uint32_t group;
	enum filter_field_id field;
};

struct pattern {
	pcre2_code *code;
	struct capmap *caps;
	size_t ncaps;
	int literals; /* its prefilter condition, -1 for none */
};

struct rule {
	char *name;
	const char *file; /* owned by the set */
	int line;
	int column; /* of the "rule" keyword, for "has no match line" */
	struct target *targets;
	size_t ntargets;
	struct pattern match;
	int has_match;
	struct pattern *unless;
	size_t nunless;
	int when;  /* WHEN_ANY, WHEN_NONE or a class index */
	int klass; /* -1 or a class index */
	char *why;
	unsigned fieldmask; /* fields the match pattern can set */
	int cut;            /* -1, or the enum text_cut of a `cut`/`keep` rule */
	char *match_src;    /* "/REGEX/FLAGS" as written */
	int score;          /* evidence weight ("score +2"), when has_score */
	int has_score;
};

struct filter_set {
	struct rule *rules;
	size_t nrules;
	char **files;
	size_t nfiles;
	pcre2_match_context *mctx;
	uint32_t max_pairs;              /* largest ovector any match pattern needs */
	pcre2_code *cut[TEXT_CUT_COUNT]; /* the cut rules of a kind, as one */
	struct prefilter *pf;            /* the literals the patterns need */
};

const char *filter_field_name(enum filter_field_id id)
{
	if ((int)id < 0 || id >= FF_COUNT)
		return NULL;
	return field_names[id];
}

static int field_lookup(const char *name)
{
	for (int i = 0; i < FF_COUNT; i++)
		if (strcmp(name, field_names[i]) == 0)
			return i;
	return -1;
}

/* The class (kinds.h) called name[0..len), or -1 (also for "none"). */
static int class_lookup(const char *name, size_t len)
{
	char buf[32];
	enum rule_class c;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return class_parse(buf, &c) && c != CLASS_NONE ? (int)c : -1;
}

/* ------------------------------------------------------------------ */
/* Loading                                                              */
/* ------------------------------------------------------------------ */

struct loader {
	struct filter_set *set;
	struct fault_list faults;
	pcre2_compile_context *cctx;
	size_t fileidx;
	const char *path;
	struct rule *cur; /* the open rule, or NULL */
};

static void fault(struct loader *ld, int line, int column, const char *fmt, ...) PRINTF_LIKE(4, 5);

static void fault(struct loader *ld, int line, int column, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fault_vadd(&ld->faults, ld->fileidx, ld->path, line, column, fmt, ap);
	va_end(ap);
}

/* 1-based column, in characters, of byte offset off of line. */
static int column_of(const char *line, size_t off)
{
	int col = 1;

	for (size_t i = 0; i < off; i++)
		if (((unsigned char)line[i] & 0xC0) != 0x80)
			col++;
	return col;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int name_ok(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* RFC 5322 section 3.6.8: a field name is printable US-ASCII but ':'. */
static int header_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 32 || (unsigned char)s[i] >= 127 || s[i] == ':')
			return 0;
	return 1;
}

static void pattern_free(struct pattern *p)
{
	pcre2_code_free(p->code);
	free(p->caps);
	p->code = NULL;
	p->caps = NULL;
	p->ncaps = 0;
}

static void rule_free(struct rule *r)
{
	free(r->name);
	for (size_t i = 0; i < r->ntargets; i++)
		free(r->targets[i].label);
	free(r->targets);
	pattern_free(&r->match);
	for (size_t i = 0; i < r->nunless; i++)
		pattern_free(&r->unless[i]);
	free(r->unless);
	free(r->why);
	free(r->match_src);
}

/* Finds where a group called name is opened in the pattern source, so the
 * fault points at the name itself. */
static size_t find_group_name(const char *pat, size_t len, const char *name)
{
	static const char *const forms[][2] = {{"?<", ">"}, {"?'", "'"}, {"?P<", ">"}};
	size_t nlen = strlen(name);

	for (size_t f = 0; f < ARRAY_SIZE(forms); f++) {
		size_t plen = strlen(forms[f][0]);
		for (size_t i = 0; i + plen + nlen < len; i++) {
			if (memcmp(pat + i, forms[f][0], plen) == 0 &&
			    memcmp(pat + i + plen, name, nlen) == 0 &&
			    pat[i + plen + nlen] == forms[f][1][0])
				return i + plen;
		}
	}
	return 0;
}

static int capmap_cmp(const void *a, const void *b)
{
	const struct capmap *x = a, *y = b;

	return x->group < y->group ? -1 : x->group > y->group;
}

/*
 * Compiles "/REGEX/FLAGS" found at arg (byte offset argoff of line).
 * Returns 0 and fills *p, or -1 after recording the faults.
 */
static int pattern_compile(struct loader *ld, int lineno, const char *line, size_t argoff,
                           size_t arglen, struct pattern *p)
{
	const char *arg = line + argoff;
	const char *last;
	uint32_t options = COMPILE_OPTIONS;
	size_t patoff, patlen;
	int errcode, bad = 0, col;
	PCRE2_SIZE erroff;
	uint32_t namecount = 0, entrysize = 0;
	PCRE2_SPTR table = NULL;

	memset(p, 0, sizeof(*p));
	p->literals = -1;
	if (arglen < 2 || arg[0] != '/' || (last = memrchr(arg, '/', arglen)) == arg) {
		fault(ld, lineno, column_of(line, argoff), "missing / delimiters around the regex");
		return -1;
	}
	patoff = argoff + 1;
	patlen = (size_t)(last - arg) - 1;
	/* the flags' columns counted as they go (column_of for each unknown
	 * one would count from the line's start: a long tail of them cost
	 * its square) */
	col = column_of(line, (size_t)(last + 1 - line));
	for (const char *f = last + 1; f < arg + arglen; f++) {
		int fcol = col;

		col += ((unsigned char)*f & 0xC0) != 0x80;
		switch (*f) {
		case 'i':
			options |= PCRE2_CASELESS;
			break;
		case 'm':
			options |= PCRE2_MULTILINE;
			break;
		case 's':
			options |= PCRE2_DOTALL;
			break;
		case 'x':
			options |= PCRE2_EXTENDED;
			break;
		default: {
			int n = 1;
			while (f + n < arg + arglen && ((unsigned char)f[n] & 0xC0) == 0x80)
				n++;
			fault(ld, lineno, fcol, "unknown flag '%.*s' (flags are i, m, s, x)", n, f);
			f += n - 1;
			bad = 1;
		}
		}
	}
	if (bad)
		return -1;

	p->code = compile(line + patoff, patlen, options, &errcode, &erroff, ld->cctx);
	if (p->code != NULL) {
		long at = backtrack_risk(line + patoff, patlen);

		if (at >= 0)
			log_warn("%s:%d:%d: a repeated group that repeats without bound can "
			         "backtrack catastrophically (write it atomic, (?>...), or "
			         "possessive, x++)",
			         ld->path, lineno, column_of(line, patoff + (size_t)at));
	}
	if (p->code == NULL) {
		PCRE2_UCHAR msg[256];
		if (pcre2_get_error_message(errcode, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", errcode);
		if (erroff > patlen)
			erroff = patlen;
		fault(ld, lineno, column_of(line, patoff + erroff), "regex error: %s", (char *)msg);
		return -1;
	}

	/* Named groups must be fields (or '_' helpers): a typo in a field name
	 * would otherwise silently capture nothing. */
	pcre2_pattern_info(p->code, PCRE2_INFO_NAMECOUNT, &namecount);
	if (namecount > 0) {
		pcre2_pattern_info(p->code, PCRE2_INFO_NAMEENTRYSIZE, &entrysize);
		pcre2_pattern_info(p->code, PCRE2_INFO_NAMETABLE, &table);
		p->caps = xcalloc(namecount, sizeof(*p->caps));
	}
	for (uint32_t i = 0; i < namecount; i++) {
		PCRE2_SPTR e = table + (size_t)i * entrysize;
		uint32_t group = ((uint32_t)e[0] << 8) | e[1];
		const char *name = (const char *)(e + 2);
		int fid;

		if (name[0] == '_')
			continue;
		fid = field_lookup(name);
		if (fid < 0) {
			size_t at = find_group_name(line + patoff, patlen, name);
			fault(ld, lineno, column_of(line, patoff + at), "unknown capture name '%s'",
			      name);
			bad = 1;
			continue;
		}
		p->caps[p->ncaps++] = (struct capmap){group, (enum filter_field_id)fid};
	}
	if (bad) {
		pattern_free(p);
		return -1;
	}
	/* The name table is in name order; traces read better in the
	 * pattern's order. */
	if (p->ncaps > 1)
		qsort(p->caps, p->ncaps, sizeof(*p->caps), capmap_cmp);
	/* JIT when the library has it; PCRE2_ERROR_JIT_BADOPTION (no JIT) and
	 * the like leave the interpreter in charge, which gives the same
	 * results, only slower. */
	if (JIT_WANTED())
		(void)pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE);
	return 0;
}

/* The prefilter condition of "/REGEX/FLAGS", a pattern that compiled. */
static int pattern_literals(struct filter_set *set, const char *src, size_t len)
{
	const char *last = memrchr(src, '/', len);
	size_t nflags = len - (size_t)(last + 1 - src);

	return prefilter_add(set->pf, src + 1, (size_t)(last - src) - 1,
	                     memchr(last + 1, 'x', nflags) != NULL);
}

/* ------------------------------------------------------------------ */
/* Context rules: `cut KIND` and `keep forward`                         */
/* ------------------------------------------------------------------ */

/* The kinds, by their enum text_cut. */
static const char *const cut_names[TEXT_CUT_COUNT] = {
        [TEXT_QUOTE] = "quote",     [TEXT_HEADER] = "header", [TEXT_SIGNATURE] = "signature",
        [TEXT_SIGNOFF] = "signoff", [TEXT_FOOTER] = "footer", [TEXT_FORWARD] = "forward",
};

static void dir_cut(struct loader *ld, int lineno, const char *line, size_t dcol, size_t aoff,
                    size_t alen)
{
	struct rule *r = ld->cur;
	int keep = line[dcol] == 'k', k = -1;
	const char *kinds = keep ? "forward" : "quote, header, signature, signoff or footer";

	for (int i = 0; i < TEXT_CUT_COUNT; i++)
		if (strlen(cut_names[i]) == alen && memcmp(line + aoff, cut_names[i], alen) == 0)
			k = i;
	if (k < 0 || (k == TEXT_FORWARD) != keep) {
		if (alen == 0)
			fault(ld, lineno, column_of(line, dcol), "%s needs a kind (%s)",
			      keep ? "keep" : "cut", kinds);
		else
			fault(ld, lineno, column_of(line, aoff), "unknown %s kind '%.*s' (%s)",
			      keep ? "keep" : "cut", (int)alen, line + aoff, kinds);
		return;
	}
	if (r->cut >= 0) {
		fault(ld, lineno, column_of(line, dcol), "rule %s has two cut or keep lines",
		      r->name);
		return;
	}
	r->cut = k;
}

/* A context rule only matches: it runs on lines of the body, sets no
 * field and classifies nothing; and it joins the other rules of its kind
 * in one pattern, where a backreference would point at another rule's
 * group. */
static void cut_rule_check(struct loader *ld, const struct rule *r)
{
	uint32_t names = 0, backrefs = 0;

	if (r->ntargets > 0 || r->klass >= 0 || r->when != WHEN_ANY || r->nunless > 0)
		fault(ld, r->line, r->column,
		      "rule %s: a cut or keep rule takes only match and why (no in, class, when "
		      "or unless)",
		      r->name);
	if (r->match.code != NULL) {
		pcre2_pattern_info(r->match.code, PCRE2_INFO_NAMECOUNT, &names);
		pcre2_pattern_info(r->match.code, PCRE2_INFO_BACKREFMAX, &backrefs);
	}
	if (names > 0)
		fault(ld, r->line, r->column, "rule %s: a cut or keep rule captures no fields",
		      r->name);
	if (backrefs > 0)
		fault(ld, r->line, r->column, "rule %s: a cut or keep rule has no backreferences",
		      r->name);
}

/* "/REGEX/FLAGS" as an alternative of a combined pattern: "(?:(?FLAGS)REGEX)".
 * Under x a '#' comment would run to the end; the LF ends it. */
static void cut_add_source(struct buf *b, const char *src)
{
	const char *last = strrchr(src, '/');
	size_t flags = strlen(last + 1);

	buf_adds(b, "(?:");
	if (flags > 0)
		buf_printf(b, "(?%s)", last + 1);
	buf_add(b, src + 1, (size_t)(last - src - 1));
	if (memchr(last + 1, 'x', flags))
		buf_addc(b, '\n');
	buf_addc(b, ')');
}

/* One anchored pattern per kind, its rules as alternatives in file order:
 * a line costs one match per kind, however many rules there are. */
static void cut_build(struct loader *ld)
{
	struct filter_set *set = ld->set;

	for (int k = 0; k < TEXT_CUT_COUNT; k++) {
		const struct rule *first = NULL;
		struct buf b = {0};
		int errcode;
		PCRE2_SIZE erroff;

		for (size_t i = 0; i < set->nrules; i++) {
			const struct rule *r = &set->rules[i];

			if (r->cut != k || r->match_src == NULL)
				continue;
			if (first != NULL)
				buf_addc(&b, '|');
			first = first ? first : r;
			cut_add_source(&b, r->match_src);
		}
		if (first == NULL)
			continue;
		set->cut[k] = compile(b.s, b.len, COMPILE_OPTIONS | PCRE2_ANCHORED, &errcode,
		                      &erroff, ld->cctx);
		buf_free(&b);
		if (set->cut[k] == NULL) {
			PCRE2_UCHAR msg[256];

			if (pcre2_get_error_message(errcode, msg, sizeof(msg)) < 0)
				snprintf((char *)msg, sizeof(msg), "error %d", errcode);
			ld->path = first->file;
			for (size_t i = 0; i < set->nfiles; i++)
				if (set->files[i] == first->file)
					ld->fileidx = i;
			fault(ld, first->line, first->column,
			      "the %s rules do not combine into one pattern: %s", cut_names[k],
			      (char *)msg);
			continue;
		}
		if (JIT_WANTED())
			(void)pcre2_jit_compile(set->cut[k], PCRE2_JIT_COMPLETE);
	}
}

static void rule_close(struct loader *ld)
{
	struct rule *r = ld->cur;

	if (r == NULL)
		return;
	if (!r->has_match)
		fault(ld, r->line, r->column, "rule %s has no match line", r->name);
	else if (r->cut >= 0)
		cut_rule_check(ld, r);
	ld->cur = NULL;
}

static void dir_rule(struct loader *ld, int lineno, const char *line, size_t dcol, size_t aoff,
                     size_t alen)
{
	struct filter_set *set = ld->set;
	struct rule *r;

	rule_close(ld);
	if (!name_ok(line + aoff, alen)) {
		if (alen == 0)
			fault(ld, lineno, column_of(line, aoff), "rule needs a name");
		else
			fault(ld, lineno, column_of(line, aoff),
			      "bad rule name '%.*s' (letters, digits, '.', '_', '-')", (int)alen,
			      line + aoff);
		/* Keep parsing its directives so their faults show too. */
	} else {
		for (size_t i = 0; i < set->nrules; i++) {
			if (strlen(set->rules[i].name) == alen &&
			    memcmp(set->rules[i].name, line + aoff, alen) == 0) {
				fault(ld, lineno, column_of(line, aoff),
				      "duplicate rule name '%.*s' (first at %s:%d)", (int)alen,
				      line + aoff, set->rules[i].file, set->rules[i].line);
				break;
			}
		}
	}
	set->rules = xrealloc(set->rules, (set->nrules + 1) * sizeof(*set->rules));
	r = &set->rules[set->nrules++];
	memset(r, 0, sizeof(*r));
	r->name = alen ? xstrndup(line + aoff, alen) : xstrdup("(unnamed)");
	r->file = set->files[set->nfiles - 1];
	r->line = lineno;
	r->column = column_of(line, dcol);
	r->when = WHEN_ANY;
	r->klass = -1;
	r->cut = -1;
	ld->cur = r;
}

static void dir_in(struct loader *ld, int lineno, const char *line, size_t dcol, size_t aoff,
                   size_t alen)
{
	struct rule *r = ld->cur;
	size_t i = aoff, end = aoff + alen;

	if (alen == 0)
		fault(ld, lineno, column_of(line, dcol), "in needs at least one target");
	while (i < end) {
		size_t s = i, n;
		int kind = -1;

		while (i < end && !is_blank(line[i]))
			i++;
		n = i - s;
		while (i < end && is_blank(line[i]))
			i++;
		for (int k = 0; k < T_HEADER; k++)
			if (strlen(target_names[k]) == n &&
			    memcmp(line + s, target_names[k], n) == 0)
				kind = k;
		if (kind < 0 && n > 7 && memcmp(line + s, "header:", 7) == 0) {
			if (!header_name_ok(line + s + 7, n - 7)) {
				fault(ld, lineno, column_of(line, s + 7), "bad header name '%.*s'",
				      (int)(n - 7), line + s + 7);
				continue;
			}
			kind = T_HEADER;
		}
		if (kind < 0) {
			fault(ld, lineno, column_of(line, s), "unknown target '%.*s'", (int)n,
			      line + s);
			continue;
		}
		r->targets = xrealloc(r->targets, (r->ntargets + 1) * sizeof(*r->targets));
		r->targets[r->ntargets].kind = (enum target_kind)kind;
		r->targets[r->ntargets].label = xstrndup(line + s, n);
		r->targets[r->ntargets].header =
		        kind == T_HEADER ? r->targets[r->ntargets].label + 7 : NULL;
		r->ntargets++;
	}
}

static void dir_match(struct loader *ld, int lineno, const char *line, size_t dcol, size_t aoff,
                      size_t alen)
{
	struct rule *r = ld->cur;
	struct pattern p;

	if (r->has_match) {
		fault(ld, lineno, column_of(line, dcol), "rule %s has two match lines", r->name);
		if (pattern_compile(ld, lineno, line, aoff, alen, &p) == 0)
			pattern_free(&p);
		return;
	}
	r->has_match = 1;
	r->match_src = xstrndup(line + aoff, alen);
	if (pattern_compile(ld, lineno, line, aoff, alen, &r->match) == 0) {
		for (size_t i = 0; i < r->match.ncaps; i++)
			r->fieldmask |= 1u << r->match.caps[i].field;
	}
}

static void dir_unless(struct loader *ld, int lineno, const char *line, size_t aoff, size_t alen)
{
	struct rule *r = ld->cur;
	struct pattern p;

	if (pattern_compile(ld, lineno, line, aoff, alen, &p) != 0)
		return;
	p.literals = pattern_literals(ld->set, line + aoff, alen);
	r->unless = xrealloc(r->unless, (r->nunless + 1) * sizeof(*r->unless));
	r->unless[r->nunless++] = p;
}

/* The class named at line[aoff, aoff + alen), or -1 after a fault: none
 * is named (missing, at the column of byte dcol), or no such class. */
static int class_arg(struct loader *ld, int lineno, const char *line, size_t aoff, size_t alen,
                     size_t dcol, const char *missing)
{
	int c = class_lookup(line + aoff, alen);

	if (c >= 0)
		return c;
	if (alen == 0)
		fault(ld, lineno, column_of(line, dcol), "%s", missing);
	else
		fault(ld, lineno, column_of(line, aoff), "unknown class '%.*s'", (int)alen,
		      line + aoff);
	return -1;
}

static void dir_when(struct loader *ld, int lineno, const char *line, size_t aoff, size_t alen)
{
	struct rule *r = ld->cur;
	size_t i = aoff, end = aoff + alen, w, wl;
	int c;

	while (i < end && !is_blank(line[i]))
		i++;
	if (i - aoff != 5 || memcmp(line + aoff, "class", 5) != 0) {
		fault(ld, lineno, column_of(line, aoff), "expected 'when class CLASS'");
		return;
	}
	while (i < end && is_blank(line[i]))
		i++;
	w = i;
	wl = end - w;
	if (wl == 4 && memcmp(line + w, "none", 4) == 0)
		c = WHEN_NONE;
	else if ((c = class_arg(ld, lineno, line, w, wl, w, "expected 'when class CLASS'")) < 0)
		return;
	if (r->when != WHEN_ANY)
		fault(ld, lineno, column_of(line, aoff), "rule %s has two when lines", r->name);
	r->when = c;
}

static void dir_class(struct loader *ld, int lineno, const char *line, size_t dcol, size_t aoff,
                      size_t alen)
{
	struct rule *r = ld->cur;
	int c = class_arg(ld, lineno, line, aoff, alen, dcol, "class needs a class name");

	if (c < 0)
		return;
	if (r->klass >= 0)
		fault(ld, lineno, column_of(line, dcol), "rule %s has two class lines", r->name);
	r->klass = c;
}

static void dir_why(struct loader *ld, int lineno, const char *line, size_t dcol, size_t aoff,
                    size_t alen)
{
	struct rule *r = ld->cur;

	if (alen == 0) {
		fault(ld, lineno, column_of(line, dcol), "why needs a text");
		return;
	}
	if (r->why != NULL) {
		fault(ld, lineno, column_of(line, dcol), "rule %s has two why lines", r->name);
		return;
	}
	r->why = xstrndup(line + aoff, alen);
}

/* "score +2", "score -3", "score 1": the weight of the rule as evidence
 * for (or against) an introduction. */
static void dir_score(struct loader *ld, int lineno, const char *line, size_t dcol, size_t aoff,
                      size_t alen)
{
	struct rule *r = ld->cur;
	char num[16];
	long v;

	if (alen == 0 || alen >= sizeof(num)) {
		fault(ld, lineno, column_of(line, alen ? aoff : dcol),
		      "score needs a number from -%d to +%d", FILTER_SCORE_MAX, FILTER_SCORE_MAX);
		return;
	}
	memcpy(num, line + aoff, alen);
	num[alen] = '\0';
	if (parse_long(num[0] == '+' ? num + 1 : num, -FILTER_SCORE_MAX, FILTER_SCORE_MAX, &v) !=
	    0) {
		fault(ld, lineno, column_of(line, aoff),
		      "score '%s' is not a number from -%d to +%d", num, FILTER_SCORE_MAX,
		      FILTER_SCORE_MAX);
		return;
	}
	if (r->has_score)
		fault(ld, lineno, column_of(line, dcol), "rule %s has two score lines", r->name);
	r->score = (int)v;
	r->has_score = 1;
}

static void parse_line(struct loader *ld, int lineno, const char *line, size_t len)
{
	size_t i = 0, d, dlen, a, alen;

	while (i < len && is_blank(line[i]))
		i++;
	while (len > i && (is_blank(line[len - 1]) || line[len - 1] == '\r'))
		len--;
	if (i == len || line[i] == '#')
		return;
	d = i;
	while (i < len && !is_blank(line[i]))
		i++;
	dlen = i - d;
	while (i < len && is_blank(line[i]))
		i++;
	a = i;
	alen = len - a;

#define IS(word) (dlen == sizeof(word) - 1 && memcmp(line + d, word, dlen) == 0)
	if (IS("rule")) {
		dir_rule(ld, lineno, line, d, a, alen);
		return;
	}
	if (!IS("in") && !IS("match") && !IS("unless") && !IS("when") && !IS("class") &&
	    !IS("why") && !IS("cut") && !IS("keep") && !IS("score")) {
		fault(ld, lineno, column_of(line, d), "unknown directive '%.*s'", (int)dlen,
		      line + d);
		return;
	}
	if (ld->cur == NULL) {
		fault(ld, lineno, column_of(line, d),
		      "%.*s outside a rule (start one with 'rule NAME')", (int)dlen, line + d);
		return;
	}
	if (IS("in"))
		dir_in(ld, lineno, line, d, a, alen);
	else if (IS("match"))
		dir_match(ld, lineno, line, d, a, alen);
	else if (IS("unless"))
		dir_unless(ld, lineno, line, a, alen);
	else if (IS("when"))
		dir_when(ld, lineno, line, a, alen);
	else if (IS("class"))
		dir_class(ld, lineno, line, d, a, alen);
	else if (IS("cut") || IS("keep"))
		dir_cut(ld, lineno, line, d, a, alen);
	else if (IS("score"))
		dir_score(ld, lineno, line, d, a, alen);
	else
		dir_why(ld, lineno, line, d, a, alen);
#undef IS
}

/* Parses the text of the file ld->path, data[0..len) (NUL-terminated). */
static void load_text(struct loader *ld, const char *data, size_t len)
{
	size_t pos = 0;
	int lineno = 0;

	ld->cur = NULL;
	while (pos < len) {
		const char *line = data + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		const char *nul = memchr(line, '\0', llen);

		lineno++;
		if (nul != NULL)
			fault(ld, lineno, column_of(line, (size_t)(nul - line)),
			      "NUL byte in line");
		else
			parse_line(ld, lineno, line, llen);
		pos += llen + 1;
	}
	rule_close(ld);
}

static void load_file(struct loader *ld, const char *path)
{
	char *data = NULL;
	size_t len = 0;

	ld->path = path;
	if (file_read(path, RULE_FILE_MAX, &data, &len) != 0) {
		fault(ld, 0, 0, "cannot read: %s", strerror(errno));
		return;
	}
	load_text(ld, data, len);
	free(data);
}

/* A set for nfiles files, and its loader. */
static struct filter_set *load_begin(struct loader *ld, size_t nfiles)
{
	struct filter_set *set = xcalloc(1, sizeof(*set));

	ld->set = set;
	ld->cctx = pcre2_compile_context_create(NULL);
	if (ld->cctx == NULL)
		fatal("out of memory (PCRE2 compile context)");
	set->files = xcalloc(nfiles, sizeof(*set->files));
	set->pf = prefilter_new();
	return set;
}

/* After the files: the context patterns, the faults printed (with any,
 * no set), the defaults and limits. */
static int load_end(struct loader *ld, struct filter_set **set_r)
{
	struct filter_set *set = ld->set;

	if (ld->faults.n == 0)
		cut_build(ld);
	pcre2_compile_context_free(ld->cctx);

	if (fault_flush(&ld->faults) > 0) {
		filter_free(set);
		return -1;
	}

	for (size_t i = 0; i < set->nrules; i++) {
		struct rule *r = &set->rules[i];
		uint32_t top = 0;

		if (r->ntargets == 0) {
			r->targets = xcalloc(1, sizeof(*r->targets));
			r->targets[0].kind = T_CONTEXT;
			r->targets[0].label = xstrdup("context");
			r->ntargets = 1;
		}
		pcre2_pattern_info(r->match.code, PCRE2_INFO_CAPTURECOUNT, &top);
		if (top + 1 > set->max_pairs)
			set->max_pairs = top + 1;
		/* a cut rule runs in its kind's pattern, on single lines */
		if (r->cut >= 0)
			continue;
		r->match.literals = pattern_literals(set, r->match_src, strlen(r->match_src));
		for (size_t t = 0; t < r->ntargets; t++) {
			prefilter_use(set->pf, r->match.literals, (int)r->targets[t].kind);
			for (size_t u = 0; u < r->nunless; u++)
				prefilter_use(set->pf, r->unless[u].literals,
				              (int)r->targets[t].kind);
		}
	}
	/* The limits that keep a pathological pattern from hanging the agent:
	 * the match limit bounds backtracking (the interpreter and JIT both
	 * honour it), depth and heap bound the interpreter's memory. */
	set->mctx = pcre2_match_context_create(NULL);
	if (set->mctx == NULL)
		fatal("out of memory (PCRE2 match context)");
	pcre2_set_match_limit(set->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(set->mctx, DEPTH_LIMIT);
	pcre2_set_heap_limit(set->mctx, HEAP_LIMIT_KIB);
	prefilter_build(set->pf);
	*set_r = set;
	return 0;
}

int filter_load(const char *dir, struct filter_set **set_r)
{
	struct loader ld = {0};
	struct filter_set *set;
	char **names = NULL;
	size_t nnames = 0;

	*set_r = NULL;
	if (dir_files(dir, ".rules", &names, &nnames) != 0 || nnames == 0) {
		fprintf(stderr, "%s: no rule files\n", dir);
		free(names);
		return -1;
	}
	set = load_begin(&ld, nnames);
	for (size_t i = 0; i < nnames; i++) {
		set->files[set->nfiles++] = names[i]; /* the set owns the path */
		ld.fileidx = i;
		load_file(&ld, set->files[i]);
	}
	free(names);
	return load_end(&ld, set_r);
}

int filter_load_text(const char *name, const char *text, size_t len, struct filter_set **set_r)
{
	struct loader ld = {0};
	struct filter_set *set;

	*set_r = NULL;
	set = load_begin(&ld, 1);
	set->files[set->nfiles++] = xstrdup(name);
	ld.path = set->files[0];
	if (len > RULE_FILE_MAX) {
		fault(&ld, 0, 0, "cannot read: %s", strerror(EFBIG));
	} else {
		/* NUL-terminated, as file_read leaves a file */
		char *data = xmalloc(len + 1);

		if (len)
			memcpy(data, text, len);
		data[len] = '\0';
		load_text(&ld, data, len);
		free(data);
	}
	return load_end(&ld, set_r);
}

void filter_free(struct filter_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->nrules; i++)
		rule_free(&set->rules[i]);
	free(set->rules);
	free_strings(set->files, set->nfiles);
	for (int k = 0; k < TEXT_CUT_COUNT; k++)
		pcre2_code_free(set->cut[k]);
	pcre2_match_context_free(set->mctx);
	prefilter_free(set->pf);
	free(set);
}

size_t filter_count(const struct filter_set *set)
{
	return set ? set->nrules : 0;
}

/* ------------------------------------------------------------------ */
/* Running                                                              */
/* ------------------------------------------------------------------ */

/* The texts of one run, built on first use. */
#define SEEN_MAX 8
struct run {
	const struct filter_set *set;
	const struct message *m;
	struct filter_result *res;
	int trace;
	pcre2_match_data *md;  /* for match patterns (captures) */
	pcre2_match_data *md1; /* for unless patterns (no captures needed) */
	int klass;             /* current class index, -1 none */
	unsigned filled;       /* fields set so far */
	char *built[T_HEADER]; /* from, sender, to, ... headers */
	unsigned char done[T_HEADER];
	char **fwd; /* forwarded blocks, m->nfwd of them once built */
	int fwd_done;
	/* A bigger JIT stack for this run, made only when a match ran out of
	 * the default 32 KiB (a lookahead over many lines of a long body). */
	pcre2_match_context *big_mctx;
	pcre2_jit_stack *big_stack;
	int no_scores; /* filter_run_context: fields only */
	/* The literals of the texts matched so far (prefilter.h), each text
	 * scanned once for all the patterns of its target kind: SEEN_MAX
	 * rows of bits. */
	const char *seen[SEEN_MAX];
	enum target_kind seen_kind[SEEN_MAX];
	unsigned char *seen_bits;
	size_t nseen;
};

static void add_addr(struct buf *b, const struct addr *a)
{
	if (a->name && *a->name && a->email) {
		buf_adds(b, a->name);
		buf_adds(b, " <");
		buf_adds(b, a->email);
		buf_addc(b, '>');
	} else if (a->email) {
		buf_adds(b, a->email);
	} else if (a->name) {
		buf_adds(b, a->name);
	}
}

static void add_list(struct buf *b, const struct addr_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].email == NULL && l->v[i].name == NULL)
			continue;
		if (b->len > 0)
			buf_adds(b, ", ");
		add_addr(b, &l->v[i]);
	}
}

static char *steal_or_null(struct buf *b)
{
	if (b->len == 0) {
		buf_free(b);
		return NULL;
	}
	return buf_steal(b);
}

static char *build_target(const struct message *m, enum target_kind k)
{
	struct buf b = {0};

	switch (k) {
	case T_FROM:
		add_addr(&b, &m->from);
		break;
	case T_SENDER:
		add_addr(&b, &m->sender);
		break;
	case T_TO:
		add_list(&b, &m->to);
		break;
	case T_CC:
		add_list(&b, &m->cc);
		break;
	case T_RECIPIENTS:
		add_list(&b, &m->to);
		add_list(&b, &m->cc);
		break;
	case T_REPLY_TO:
		add_list(&b, &m->reply_to);
		break;
	case T_HEADERS:
		for (size_t i = 0; i < m->nheaders; i++) {
			buf_adds(&b, m->headers[i].name ? m->headers[i].name : "");
			buf_adds(&b, ": ");
			buf_adds(&b, m->headers[i].value ? m->headers[i].value : "");
			buf_addc(&b, '\n');
		}
		break;
	default:
		break;
	}
	return steal_or_null(&b);
}

static char *build_forward(const struct forward *f)
{
	struct buf b = {0};

	buf_adds(&b, "From: ");
	add_addr(&b, &f->from);
	buf_adds(&b, "\nTo: ");
	{
		struct buf t = {0};
		add_list(&t, &f->to);
		if (t.len)
			buf_add(&b, t.s, t.len);
		buf_free(&t);
	}
	buf_adds(&b, "\nSubject: ");
	buf_adds(&b, f->subject ? f->subject : "");
	buf_adds(&b, "\n\n");
	buf_adds(&b, f->body ? f->body : "");
	return buf_steal(&b);
}

/*
 * The idx-th text of target t in this run: returns 1 and sets *s, or 0
 * when there is no such text.  *cursor carries the position for the
 * targets with several texts (header:NAME, forwarded).
 */
static int next_text(struct run *run, const struct target *t, size_t *cursor, const char **s)
{
	const struct message *m = run->m;

	switch (t->kind) {
	case T_HEADER:
		while (*cursor < m->nheaders) {
			const struct header *h = &m->headers[(*cursor)++];
			if (h->name && h->value && str_ieq(h->name, t->header)) {
				*s = h->value;
				return 1;
			}
		}
		return 0;
	case T_FORWARDED:
		if (!run->fwd_done) {
			run->fwd_done = 1;
			if (m->nfwd > 0) {
				run->fwd = xcalloc(m->nfwd, sizeof(*run->fwd));
				for (size_t i = 0; i < m->nfwd; i++)
					run->fwd[i] = build_forward(&m->fwd[i]);
			}
		}
		if (*cursor >= m->nfwd)
			return 0;
		*s = run->fwd[(*cursor)++];
		return 1;
	default:
		break;
	}
	if ((*cursor)++ > 0)
		return 0;
	switch (t->kind) {
	case T_SUBJECT:
		*s = m->subject;
		break;
	case T_BODY:
		*s = m->body;
		break;
	case T_CONTEXT:
		*s = m->context;
		break;
	case T_RETURN_PATH:
		*s = m->return_path;
		break;
	case T_CONTENT_TYPE:
		*s = m->content_type;
		break;
	default:
		if (!run->done[t->kind]) {
			run->done[t->kind] = 1;
			run->built[t->kind] = build_target(m, t->kind);
		}
		*s = run->built[t->kind];
		break;
	}
	return *s != NULL;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The value of group g, trimmed, with each run of white space (line
 * breaks of wrapped text included) as one space; NULL when the group is
 * unset or blank. */
/* A value that stops inside a parenthesis a line end or a phone number
 * cut short ("wants new windows (call him at") ends before it, and
 * without a dangling comma, semicolon, colon or dash. */
static void tidy_end(struct buf *v)
{
	char *open = v->len ? strrchr(v->s, '(') : NULL;

	if (open && strchr(open, ')') == NULL)
		v->len = (size_t)(open - v->s);
	while (v->len > 0 && strchr(" ,;:-", v->s[v->len - 1]))
		v->len--;
	if (v->s)
		v->s[v->len] = '\0';
}

/* "needs new windows on the whole second floor, 404-555-0191": the need
 * without the number the sentence ends with (seven digits or more among
 * digits, spaces, dots, dashes, parentheses and a '+'). */
static void drop_trailing_phone(char *v)
{
	size_t n = strlen(v), i = n, digits = 0;

	while (i > 0 && strchr("0123456789 .-()+/", v[i - 1])) {
		digits += v[i - 1] >= '0' && v[i - 1] <= '9';
		i--;
	}
	if (digits < 7 || i == 0)
		return;
	while (i > 0 && strchr(" ,;:-", v[i - 1]))
		i--;
	if (i > 0)
		v[i] = '\0';
}

/* "needs his back fence replaced, his number is" (the number cut above,
 * or taken by the phone rule): the need without the phone's cue at its
 * end. */
/* "wants his deck rebuilt and" (a sentence cut where the next lead is
 * named: "... and Alex is looking at a bathroom"): a need does not end
 * with a joining word or a comma. */
static void drop_trailing_join(char *v)
{
	static const char *const joins[] = {"and", "but", "or", "while", "so", "plus", "also"};
	size_t n = strlen(v);

	for (int again = 1; again;) {
		again = 0;
		while (n > 0 && strchr(" ,;:-", v[n - 1]))
			n--;
		for (size_t j = 0; j < ARRAY_SIZE(joins); j++) {
			size_t k = strlen(joins[j]);

			if (n > k + 3 && v[n - k - 1] == ' ' &&
			    strncasecmp(v + n - k, joins[j], k) == 0) {
				n -= k;
				again = 1;
				break;
			}
		}
	}
	v[n] = '\0';
}

static int drop_trailing_cue(char *v)
{
	static const char *const cues[] = {
	        "number is",    "cell is",       "phone is",    "mobile is",    "number",
	        "cell",         "phone",         "mobile",      "is at",        "'s at",
	        "’s at",        "call him at",   "call her at", "call them at", "reach him at",
	        "reach her at", "reach them at", "call him",    "call her",     "call them"};
	static const char *const whose[] = {"his", "her", "their", "she", "he", "they"};
	size_t n = strlen(v);

	for (size_t c = 0; c < ARRAY_SIZE(cues); c++) {
		size_t k = strlen(cues[c]), i;

		if (n <= k + 1 || strcasecmp(v + n - k, cues[c]) != 0 ||
		    (v[n - k - 1] != ' ' && cues[c][0] != '\'' && strncmp(cues[c], "’", 3) != 0))
			continue;
		i = n - k;
		while (i > 0 && v[i - 1] == ' ')
			i--;
		/* "his", "her", "she" before "number is", "is at" */
		for (size_t w = 0; w < ARRAY_SIZE(whose); w++) {
			size_t wl = strlen(whose[w]);

			if (i >= wl && strncasecmp(v + i - wl, whose[w], wl) == 0 &&
			    (i == wl || v[i - wl - 1] == ' ')) {
				i -= wl;
				break;
			}
		}
		while (i > 0 && strchr(" ,;:-", v[i - 1]))
			i--;
		if (i >= 3 && strncasecmp(v + i - 3, "and", 3) == 0 &&
		    (i == 3 || v[i - 4] == ' ')) {
			i -= 3;
			while (i > 0 && strchr(" ,;:-", v[i - 1]))
				i--;
		}
		if (i > 0 && i < n) {
			v[i] = '\0';
			return 1;
		}
		return 0;
	}
	return 0;
}

static void drop_trailing_is(char *v)
{
	size_t n = strlen(v);

	if (n > 3 && strcmp(v + n - 3, " is") == 0)
		v[n - 3] = '\0';
}

/* "Monica's" of "my neighbor Monica's roof": a name without the
 * possessive. */
static void drop_possessive(char *v)
{
	size_t n = strlen(v);

	if (n > 3 && (v[n - 2] == '\'' || v[n - 2] == '`') && (v[n - 1] == 's' || v[n - 1] == 'S'))
		v[n - 2] = '\0';
	else if (n > 5 && memcmp(v + n - 4, "\xe2\x80\x99s", 4) == 0)
		v[n - 4] = '\0';
}

static char *group_value(const char *s, PCRE2_SIZE *ov, uint32_t g)
{
	PCRE2_SIZE a = ov[2 * g], b = ov[2 * g + 1];
	struct buf v = {0};
	int space = 0;

	if (a == PCRE2_UNSET || b == PCRE2_UNSET || b <= a)
		return NULL;
	while (a < b && is_space(s[a]))
		a++;
	while (b > a && is_space(s[b - 1]))
		b--;
	if (a == b)
		return NULL;
	for (PCRE2_SIZE i = a; i < b && v.len <= FIELD_MAX; i++) {
		if (is_space(s[i])) {
			space = 1;
			continue;
		}
		if (space)
			buf_addc(&v, ' ');
		space = 0;
		buf_addc(&v, s[i]);
	}
	if (v.len > FIELD_MAX) {
		char *cut = utf8_cut(v.s, v.len, FIELD_MAX);
		buf_free(&v);
		return cut;
	}
	tidy_end(&v);
	return v.len ? buf_steal(&v) : (buf_free(&v), NULL);
}

static void add_warning(struct filter_result *res, char *w)
{
	res->warnings = xrealloc(res->warnings, (res->nwarnings + 1) * sizeof(*res->warnings));
	res->warnings[res->nwarnings++] = w;
}

/* The bitmap of the literals s holds, a text of kind k, scanned on first
 * use (the texts of a run stay put until its end, so their addresses name
 * them; the body and the context may be one); past SEEN_MAX texts the
 * last row is scanned again. */
static const unsigned char *literals_of(struct run *run, enum target_kind k, const char *s)
{
	size_t row = prefilter_bitmap_size(run->set->pf), i;

	for (i = 0; i < run->nseen; i++)
		if (run->seen[i] == s && run->seen_kind[i] == k)
			return run->seen_bits + i * row;
	if (run->seen_bits == NULL)
		run->seen_bits = xmalloc(SEEN_MAX * row);
	i = run->nseen < SEEN_MAX ? run->nseen++ : SEEN_MAX - 1;
	run->seen[i] = s;
	run->seen_kind[i] = k;
	prefilter_scan(run->set->pf, (int)k, s, run->seen_bits + i * row);
	return run->seen_bits + i * row;
}

enum { M_NO = 0, M_YES = 1, M_LIMIT = -1 };

static int do_match(struct run *run, const struct rule *r, const struct pattern *p,
                    enum target_kind k, pcre2_match_data *md, const char *s)
{
	const pcre2_code *code = p->code;
	size_t len;
	int rc;

	/* A text without the literals every match needs cannot match: most
	 * rules, most texts, and far cheaper than the regex. */
	if (p->literals >= 0 &&
	    !prefilter_may_match(run->set->pf, p->literals, literals_of(run, k, s)))
		return M_NO;
	len = strlen(s);
	rc = pcre2_match(code, (PCRE2_SPTR)s, len, 0, 0, md,
	                 run->big_mctx ? run->big_mctx : run->set->mctx);

	if (rc == PCRE2_ERROR_JIT_STACKLIMIT && run->big_mctx == NULL) {
		run->big_mctx = pcre2_match_context_copy(run->set->mctx);
		run->big_stack = pcre2_jit_stack_create(32 * 1024, JIT_STACK_MAX, NULL);
		if (run->big_mctx == NULL || run->big_stack == NULL)
			fatal("out of memory (PCRE2 JIT stack)");
		pcre2_jit_stack_assign(run->big_mctx, NULL, run->big_stack);
		rc = pcre2_match(code, (PCRE2_SPTR)s, len, 0, 0, md, run->big_mctx);
	}
	if (rc >= 0)
		return M_YES;
	if (rc == PCRE2_ERROR_NOMATCH)
		return M_NO;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT) {
		add_warning(run->res, xasprintf("%s:%d: rule %s hit the PCRE2 match limit", r->file,
		                                r->line, r->name));
	} else {
		PCRE2_UCHAR msg[256];
		if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", rc);
		add_warning(run->res, xasprintf("%s:%d: rule %s: match failed: %s", r->file,
		                                r->line, r->name, (char *)msg));
	}
	return M_LIMIT;
}

static void record_hit(struct run *run, const struct rule *r, const struct target *t, const char *s,
                       PCRE2_SIZE *ov)
{
	struct filter_result *res = run->res;
	struct filter_hit *h;
	struct buf caps = {0};

	for (size_t i = 0; i < r->match.ncaps; i++) {
		char *v = group_value(s, ov, r->match.caps[i].group);
		if (v == NULL)
			continue;
		if (caps.len)
			buf_adds(&caps, "; ");
		buf_printf(&caps, "%s=%s", field_names[r->match.caps[i].field], v);
		free(v);
	}
	res->hits = xrealloc(res->hits, (res->nhits + 1) * sizeof(*res->hits));
	h = &res->hits[res->nhits++];
	h->rule = r->name;
	h->file = r->file;
	h->line = r->line;
	h->class = r->klass >= 0 ? (enum rule_class)r->klass : CLASS_NONE;
	h->target = t->label;
	h->matched = utf8_cut(s + ov[0], ov[1] > ov[0] ? ov[1] - ov[0] : 0, HIT_TEXT_MAX);
	h->captures = steal_or_null(&caps);
}

static void add_score(struct filter_result *res, const struct rule *r, const char *s,
                      PCRE2_SIZE *ov)
{
	struct filter_score *sc;

	res->scores = xrealloc(res->scores, (res->nscores + 1) * sizeof(*res->scores));
	sc = &res->scores[res->nscores++];
	sc->rule = r->name;
	sc->why = r->why ? r->why : r->name;
	sc->score = r->score;
	sc->matched = utf8_cut(s + ov[0], ov[1] > ov[0] ? ov[1] - ov[0] : 0, HIT_TEXT_MAX);
}

/* Runs one rule; returns 1 when it fired. */
static int run_rule(struct run *run, const struct rule *r)
{
	struct filter_result *res = run->res;

	for (size_t ti = 0; ti < r->ntargets; ti++) {
		const struct target *t = &r->targets[ti];
		size_t cursor = 0;
		const char *s;

		while (next_text(run, t, &cursor, &s)) {
			PCRE2_SIZE *ov;
			int rc = do_match(run, r, &r->match, t->kind, run->md, s), vetoed = 0;

			if (rc == M_LIMIT)
				return 0;
			if (rc == M_NO)
				continue;
			for (size_t u = 0; u < r->nunless && !vetoed; u++) {
				rc = do_match(run, r, &r->unless[u], t->kind, run->md1, s);
				if (rc == M_LIMIT)
					return 0;
				vetoed = rc == M_YES;
			}
			if (vetoed)
				continue;

			ov = pcre2_get_ovector_pointer(run->md);
			if (r->klass >= 0) {
				run->klass = r->klass;
				res->class = (enum rule_class)r->klass;
				res->class_rule = r->name;
				res->class_file = r->file;
				res->class_line = r->line;
				free(res->why);
				res->why =
				        r->why ? xstrdup(r->why)
				               : xasprintf("rule %s matched %s", r->name, t->label);
			}
			for (size_t i = 0; i < r->match.ncaps; i++) {
				enum filter_field_id f = r->match.caps[i].field;
				char *v;

				if (res->fields[f] != NULL)
					continue;
				v = group_value(s, ov, r->match.caps[i].group);
				if (v == NULL)
					continue;
				if (f == FF_NEED) {
					drop_trailing_phone(v);
					/* "..., (707) 555-0139 is her cell" */
					if (drop_trailing_cue(v)) {
						drop_trailing_is(v);
						drop_trailing_phone(v);
					}
					drop_trailing_join(v);
				}
				if (f == FF_LEAD_NAME || f == FF_REFERRER_NAME)
					drop_possessive(v);
				res->fields[f] = v;
				res->field_why[f] = r->why ? r->why : r->name;
				run->filled |= 1u << f;
			}
			if (r->has_score && !run->no_scores)
				add_score(res, r, s, ov);
			if (run->trace)
				record_hit(run, r, t, s, ov);
			return 1;
		}
	}
	return 0;
}

static int when_ok(const struct run *run, const struct rule *r)
{
	if (r->when == WHEN_ANY)
		return 1;
	if (r->when == WHEN_NONE)
		return run->klass < 0;
	return run->klass == r->when;
}

static void run_start(struct run *run, const struct filter_set *set, const struct message *m,
                      int trace, struct filter_result *res)
{
	memset(run, 0, sizeof(*run));
	run->set = set;
	run->m = m;
	run->res = res;
	run->trace = trace;
	run->klass = -1;
	for (int f = 0; f < FF_COUNT; f++)
		if (res->fields[f] != NULL)
			run->filled |= 1u << f;
	/* One match data per run keeps the set read-only (and so shareable);
	 * it is one small allocation, against the dozens of matches a run
	 * makes. */
	run->md = pcre2_match_data_create(set->max_pairs ? set->max_pairs : 1, NULL);
	run->md1 = pcre2_match_data_create(1, NULL);
	if (run->md == NULL || run->md1 == NULL)
		fatal("out of memory (PCRE2 match data)");
}

static void run_end(struct run *run)
{
	pcre2_match_data_free(run->md);
	pcre2_match_data_free(run->md1);
	pcre2_match_context_free(run->big_mctx);
	pcre2_jit_stack_free(run->big_stack);
	free(run->seen_bits);
	for (int k = 0; k < T_HEADER; k++)
		free(run->built[k]);
	if (run->fwd)
		free_strings(run->fwd, run->m->nfwd);
}

/* Pass 2: every rule without class.  Untraced, a rule whose fields are
 * all taken already cannot change the result, so it is not run, unless it
 * is evidence (score). */
static void run_extract(struct run *run)
{
	const struct filter_set *set = run->set;

	for (size_t i = 0; i < set->nrules; i++) {
		const struct rule *r = &set->rules[i];
		int scores = r->has_score && !run->no_scores;

		if (r->klass >= 0 || r->cut >= 0 || !when_ok(run, r))
			continue;
		if (!run->trace && !scores && (r->fieldmask & ~run->filled) == 0)
			continue;
		run_rule(run, r);
	}
}

int filter_run(const struct filter_set *set, const struct message *m, int trace,
               struct filter_result *res)
{
	struct run run;

	run_start(&run, set, m, trace, res);
	/* Pass 1: the first classifying rule that matches sets the class. */
	for (size_t i = 0; i < set->nrules; i++) {
		const struct rule *r = &set->rules[i];
		if (r->klass < 0 || r->cut >= 0 || !when_ok(&run, r))
			continue;
		if (run_rule(&run, r))
			break;
	}
	run_extract(&run);
	run_end(&run);
	return 0;
}

int filter_run_context(const struct filter_set *set, const char *text, struct filter_result *res)
{
	return filter_run_context_fields(set, text, (1u << FF_COUNT) - 1, res);
}

int filter_run_context_fields(const struct filter_set *set, const char *text, unsigned want,
                              struct filter_result *res)
{
	struct message m;
	struct run run;

	/* A message that is nothing but this context: rules looking at the
	 * subject, the headers or the body find no text and do not fire. */
	memset(&m, 0, sizeof(m));
	m.context = (char *)text;
	run_start(&run, set, &m, 0, res);
	run.no_scores = 1;
	/* A field's value is the first the rules in order that capture it
	 * give, whatever the other rules do: the ones that capture none of
	 * want are skipped as if their fields were taken. */
	run.filled |= ~want & ((1u << FF_COUNT) - 1);
	run_extract(&run);
	run_end(&run);
	return 0;
}

void filter_result_clear(struct filter_result *res)
{
	if (res == NULL)
		return;
	free(res->why);
	for (int f = 0; f < FF_COUNT; f++)
		free(res->fields[f]);
	for (size_t i = 0; i < res->nhits; i++) {
		free(res->hits[i].matched);
		free(res->hits[i].captures);
	}
	free(res->hits);
	free_strings(res->warnings, res->nwarnings);
	for (size_t i = 0; i < res->nscores; i++)
		free(res->scores[i].matched);
	free(res->scores);
	memset(res, 0, sizeof(*res));
}

/* ------------------------------------------------------------------ */
/* Context                                                              */
/* ------------------------------------------------------------------ */

/* One trim's matching state: the set is shared, the match data is not. */
struct cut_run {
	const struct filter_set *set;
	pcre2_match_data *md;
};

static long cut_match(void *arg, enum text_cut k, const char *s, size_t len)
{
	struct cut_run *c = arg;
	const pcre2_code *code = c->set->cut[k];

	/* a limit hit is no match: the line stays text */
	if (code == NULL || pcre2_match(code, (PCRE2_SPTR)s, len, 0, 0, c->md, c->set->mctx) < 0)
		return -1;
	return (long)pcre2_get_ovector_pointer(c->md)[1];
}

/* fn (a reader of text_context.c) over body with the set's context rules,
 * each call with match data of its own (the set stays shareable). */
static char *with_cut_rules(const struct filter_set *set, const char *body,
                            char *(*fn)(const char *, const struct text_rules *))
{
	struct cut_run c = {set, NULL};
	struct text_rules rules = {cut_match, &c};
	char *r;

	if (set == NULL)
		return fn(body, NULL);
	c.md = pcre2_match_data_create(1, NULL);
	if (c.md == NULL)
		fatal("out of memory (PCRE2 match data)");
	r = fn(body, &rules);
	pcre2_match_data_free(c.md);
	return r;
}

char *filter_quote_header(const struct filter_set *set, const char *body)
{
	return with_cut_rules(set, body, text_quote_header);
}

char *filter_context(const struct filter_set *set, const char *body)
{
	return with_cut_rules(set, body, text_trim_context);
}

char *filter_history(const struct filter_set *set, const char *body)
{
	return with_cut_rules(set, body, text_trim_history);
}
