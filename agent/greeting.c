/*
 * greeting.c - how the mail the agent writes names a person (see
 * greeting.h).  Works on words separated by white space; letters outside
 * ASCII are kept as they are (a name in capitals is put in ordinary case
 * only when it is plain ASCII, so "JOSÉ" is never half changed).
 */
#include "greeting.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define MAX_WORDS 12

struct words {
	char *s; /* the copy the words point into */
	char *w[MAX_WORDS];
	size_t n;
};

/* Splits a copy of s at white space (at most MAX_WORDS words). */
static void split(struct words *ws, const char *s)
{
	char *p;

	ws->s = xstrdup(s);
	ws->n = 0;
	for (p = ws->s; *p && ws->n < MAX_WORDS;) {
		p += strspn(p, " \t\r\n");
		if (*p == '\0')
			break;
		ws->w[ws->n++] = p;
		p += strcspn(p, " \t\r\n");
		if (*p)
			*p++ = '\0';
	}
}

/* w without a trailing '.', compared case-insensitively with each of
 * list. */
static int word_in(const char *w, const char *const *list)
{
	size_t n = strlen(w);

	if (n > 0 && w[n - 1] == '.')
		n--;
	for (; *list; list++)
		if (strlen(*list) == n && strncasecmp(w, *list, n) == 0)
			return 1;
	return 0;
}

/* Titles before a name, in the languages of the intake rules. */
static int title(const char *w)
{
	static const char *const titles[] = {
	        "mr",     "mrs",   "ms",       "miss", "mx",   "dr",   "prof", "sir",
	        "dame",   "madam", "madame",   "mme",  "mlle", "herr", "frau", "hr",
	        "fr",     "sr",    "sra",      "srta", "don",  "dona", "doña", "sig",
	        "sig.ra", "dott",  "dott.ssa", "ing",  "mag",  "rev",  "dhr",  "mevr",
	        "mw",     "capt",  "col",      "hon",  NULL};

	return word_in(w, titles);
}

/* What follows a name after a comma without making it "Last, First":
 * "John Smith, Jr.", "Acme, Inc.". */
static int suffix(const char *w)
{
	static const char *const suffixes[] = {
	        "jr", "sr",  "ii",  "iii", "iv",   "phd",  "md",   "esq", "mba", "cpa", "dds",
	        "rn", "inc", "llc", "ltd", "gmbh", "co",   "corp", "plc", "ag",  "sa",  "sl",
	        "bv", "nv",  "pty", "srl", "spa",  "sarl", "kg",   "lp",  "llp", NULL};

	return word_in(w, suffixes);
}

/* Whether the name is no person's: a company, a team or a mailbox
 * ("Acme Plumbing LLC", "Keller Williams Realty", "Sales Team", "Info",
 * "The Smith Family", "Smith & Sons"), or two people ("John & Mary"):
 * no given name to greet, the greeting says "Hello,". */
static int not_a_person(const struct words *ws)
{
	static const char *const words[] = {
	        "inc",        "llc",        "ltd",          "gmbh",
	        "corp",       "co",         "plc",          "company",
	        "group",      "team",       "office",       "services",
	        "service",    "solutions",  "realty",       "associates",
	        "partners",   "consulting", "agency",       "studio",
	        "law",        "plumbing",   "construction", "renovations",
	        "properties", "homes",      "insurance",    "bank",
	        "support",    "sales",      "info",         "admin",
	        "contact",    "hello",      "noreply",      "no-reply",
	        "family",     "reception",  "accounts",     "billing",
	        "hr",         "recruiting", "marketing",    "newsletter",
	        "customer",   "department", "dept",         NULL};

	if (ws->n > 0 && str_ieq(ws->w[0], "the"))
		return 1;
	for (size_t i = 0; i < ws->n; i++)
		if (word_in(ws->w[i], words) || strcmp(ws->w[i], "&") == 0 ||
		    strcmp(ws->w[i], "+") == 0 || str_ieq(ws->w[i], "and") ||
		    str_ieq(ws->w[i], "und") || str_ieq(ws->w[i], "y") || str_ieq(ws->w[i], "et"))
			return 1;
	return 0;
}

/* An initial: one letter, with or without a dot ("J.", "J"). */
static int initial(const char *w)
{
	size_t n = strlen(w);

	return isalpha((unsigned char)w[0]) && (n == 1 || (n == 2 && w[1] == '.'));
}

/* Letters all in capitals, at least three ("SMITH", not "AJ", which is
 * often the name itself), ASCII only: 1, else 0. */
static int capitals(const char *w)
{
	int letters = 0;

	for (const char *p = w; *p; p++) {
		if ((unsigned char)*p >= 0x80 || islower((unsigned char)*p))
			return 0;
		letters += isupper((unsigned char)*p) != 0;
	}
	return letters >= 3;
}

/* s without a bracketed group at its end or start ("Sarah Lee (Acme)",
 * "[EXTERNAL] Sarah Lee"), trimmed; in place. */
static char *drop_groups(char *s)
{
	for (;;) {
		size_t n;
		char *open;

		str_trim(s);
		n = strlen(s);
		if (n > 0 && (s[n - 1] == ')' || s[n - 1] == ']')) {
			open = strrchr(s, s[n - 1] == ')' ? '(' : '[');
			/* "(Sarah)" may be the name; "[EXTERNAL]" never is */
			if (open == NULL || (open == s && *open == '('))
				break;
			*open = '\0';
		} else if (s[0] == '[' && strchr(s, ']')) {
			char *close = strchr(s, ']');

			memmove(s, close + 1, strlen(close + 1) + 1);
		} else {
			break;
		}
	}
	return s;
}

char *greeting_full_name(const char *name)
{
	struct words ws;
	struct buf b = {0};
	char *s, *comma;

	if (str_blank(name) || strchr(name, '@'))
		return NULL;
	s = xstrdup(name);
	/* quotes a mail client left in the name */
	for (char *p = s; *p; p++)
		if (*p == '"')
			*p = ' ';
	drop_groups(s);
	comma = strchr(s, ',');
	if (comma && strchr(comma + 1, ',') == NULL) {
		struct words last, first;

		*comma = '\0';
		split(&last, s);
		split(&first, comma + 1);
		if (last.n >= 1 && last.n <= 3 && first.n >= 1 && first.n <= 3 &&
		    !suffix(first.w[0]) && strpbrk(s, "0123456789") == NULL) {
			for (size_t i = 0; i < first.n; i++)
				buf_printf(&b, "%s%s", b.len ? " " : "", first.w[i]);
			for (size_t i = 0; i < last.n; i++)
				buf_printf(&b, " %s", last.w[i]);
		}
		free(last.s);
		free(first.s);
		*comma = ',';
	}
	if (b.len == 0) {
		split(&ws, s);
		for (size_t i = 0; i < ws.n; i++)
			buf_printf(&b, "%s%s", i ? " " : "", ws.w[i]);
		free(ws.s);
	}
	free(s);
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

char *greeting_named(const char *name, const char *email, const char *fallback)
{
	char *full = greeting_full_name(name);

	if (full)
		return full;
	return email ? xstrdup(email) : fallback ? xstrdup(fallback) : NULL;
}

/* Does w start with a Chinese, Japanese or Korean character (U+3040 to
 * U+9FFF, U+AC00 to U+D7AF: UTF-8 lead bytes E3 to E9, EA to ED)? */
static int cjk(const char *w)
{
	unsigned char c = (unsigned char)w[0];

	return c >= 0xE3 && c <= 0xED;
}

char *greeting_first_name(const char *name)
{
	char *full = greeting_full_name(name), *out = NULL;
	struct words ws;
	size_t i = 0, t;

	if (full == NULL)
		return NULL;
	split(&ws, full);
	if (not_a_person(&ws)) {
		free(full);
		free(ws.s);
		return NULL;
	}
	while (i < ws.n && title(ws.w[i]))
		i++;
	t = i;
	if (ws.n > 1 && cjk(ws.w[0])) {
		/* "高橋 美咲": the family name comes first, and a greeting
		 * with the given name alone is not how it is said; the whole
		 * name */
		out = xstrdup(full);
	} else if (t > 0 && ws.n - t == 1) {
		/* "Mr. Smith": the title and the family name */
		out = xasprintf("%s %s", ws.w[t - 1], ws.w[t]);
	} else if (i < ws.n && !initial(ws.w[i])) {
		const char *w = ws.w[i];
		int all_capitals = 1;

		for (size_t j = i; j < ws.n; j++)
			all_capitals &= capitals(ws.w[j]) || initial(ws.w[j]);
		/* "DUPONT Jean": the family name first, in capitals */
		if (capitals(w) && !all_capitals)
			for (size_t j = i + 1; j < ws.n; j++)
				if (!capitals(ws.w[j]) && !initial(ws.w[j])) {
					w = ws.w[j];
					break;
				}
		out = xstrdup(w);
		/* "JOHN SMITH": John */
		if (all_capitals && capitals(out))
			for (char *p = out + 1; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		/* "John," "Sarah;": punctuation left by the writer */
		for (size_t n = strlen(out); n > 0 && strchr(",;:", out[n - 1]); n--)
			out[n - 1] = '\0';
	}
	free(full);
	free(ws.s);
	if (out && *out == '\0') {
		free(out);
		out = NULL;
	}
	return out;
}
