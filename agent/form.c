/*
 * form.c - a web form's notification read as label/value fields, and the
 * roles its labels give (see form.h for the layouts and the roles).
 *
 * Why here and not in the rule files: a form is one layout with many
 * labels, and the same label means the lead in one form and the referrer in
 * another ("Name" is the lead of a contact form and the referrer of a
 * refer-a-friend form).  Only the whole set of labels decides that, so the
 * labels are read once into pairs, each pair gets a role and a kind from
 * the word tables (form_words.c), and the form's kind is decided from all
 * of them.  The tables are words, not patterns: a label matches a word
 * at word boundaries anywhere in it ("Your friend's email" has "friend"
 * and "email"); a word ending in '*' matches as a prefix ("friend*":
 * friends).
 *
 * Cost: one pass over at most FORM_MAX_LINES lines; a line is classified
 * only when it looks like a label (short, or before ':' or a tab).
 */
#include "form.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form_p.h"
#include "util.h"

#define FORM_MAX_LINES 400
#define FORM_MAX_TEXT  (64 * 1024)
#define FORM_MAX_PAIRS 64
#define LABEL_MAX      100 /* bytes of a label */
#define VALUE_MAX      600 /* bytes of a value kept */
#define LINE_MAX_LEN   1000

enum role {
	R_NONE = 0,  /* no role word: the submitter, or the section's role */
	R_SUBMITTER, /* your, my */
	R_REFERRER,  /* referred by, referrer */
	R_REFERRED,  /* friend, referral, who are you referring */
	R_WEAK,  /* client, customer, contact: referred only beside a submitter label of the same
	            kind */
	R_HEARD, /* how did you hear about us */
};

enum kind {
	K_ANY = 0, /* no kind word: the value says (name, address, phone) */
	K_NAME,
	K_FIRST,
	K_LAST,
	K_EMAIL,
	K_PHONE,
	K_COMPANY,
	K_NEED,
	K_BUDGET,
	K_TIMELINE,
	K_SKIP, /* postal address, date, subject, consent...: not a person's detail */
};

/* Words that open an answer naming a referral: "Referred by Sarah". */
static const char *const heard_referral_prefixes[] = {"referred by",
                                                      "referral from",
                                                      "referral by",
                                                      "recommended by",
                                                      "recommendation from",
                                                      "recommendation by",
                                                      "referral",
                                                      "referred",
                                                      "a friend named",
                                                      "a friend called",
                                                      "a friend",
                                                      "my friend",
                                                      "friend",
                                                      "a colleague",
                                                      "colleague",
                                                      "my neighbor",
                                                      "my neighbour",
                                                      "a neighbor",
                                                      "a neighbour",
                                                      "neighbor",
                                                      "neighbour",
                                                      "my coworker",
                                                      "my co-worker",
                                                      "a coworker",
                                                      "a co-worker",
                                                      "coworker",
                                                      "my colleague",
                                                      "my sister",
                                                      "my brother",
                                                      "my cousin",
                                                      "my mother",
                                                      "my mom",
                                                      "my father",
                                                      "my dad",
                                                      "my daughter",
                                                      "my son",
                                                      "my boss",
                                                      "a family member",
                                                      "word of mouth",
                                                      "me los recomendó",
                                                      "me las recomendó",
                                                      "me lo recomendó",
                                                      "me la recomendó",
                                                      "me recomendó",
                                                      "nos recomendó",
                                                      "recomendado por",
                                                      "recomendada por",
                                                      "recomendación de",
                                                      "referido por",
                                                      "mi vecino",
                                                      "mi vecina",
                                                      "vecino",
                                                      "vecina",
                                                      "mein nachbar",
                                                      "meine nachbarin",
                                                      "nachbar",
                                                      "nachbarin",
                                                      "mon voisin",
                                                      "ma voisine",
                                                      "voisin",
                                                      "voisine",
                                                      "il mio vicino",
                                                      "la mia vicina",
                                                      "vicino",
                                                      "vicina",
                                                      "meu vizinho",
                                                      "minha vizinha",
                                                      "vizinho",
                                                      "vizinha",
                                                      "mijn buurman",
                                                      "mijn buurvrouw",
                                                      "buurman",
                                                      "buurvrouw",
                                                      "un amigo",
                                                      "una amiga",
                                                      "amigo",
                                                      "amiga",
                                                      "empfohlen von",
                                                      "empfehlung von",
                                                      "empfehlung",
                                                      "ein freund",
                                                      "eine freundin",
                                                      "freund",
                                                      "freundin",
                                                      "recommandé par",
                                                      "recommandée par",
                                                      "recommandation de",
                                                      "un ami",
                                                      "une amie",
                                                      "ami",
                                                      "bouche à oreille",
                                                      "consigliato da",
                                                      "consigliata da",
                                                      "un amico",
                                                      "un'amica",
                                                      "amico",
                                                      "passaparola",
                                                      "indicado por",
                                                      "indicada por",
                                                      "indicação de",
                                                      "indicação",
                                                      "aanbevolen door",
                                                      "via",
                                                      "through",
                                                      "by",
                                                      NULL};

/* ---- text helpers ---- */

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Lower case: ASCII, and the Latin-1 capitals (U+00C0..U+00DE but the
 * multiplication sign) that start labels in the languages above. */
static void lower_utf8(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (unsigned char)(*p + 32);
		else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97)
			p[1] = (unsigned char)(p[1] + 0x20), p++;
	}
}

static size_t count_digits(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] >= '0' && s[i] <= '9';
	return n;
}

static size_t count_words(const char *s)
{
	size_t n = 0;
	int in = 0;

	for (; *s; s++) {
		if (is_space((unsigned char)*s))
			in = 0;
		else if (!in)
			in = 1, n++;
	}
	return n;
}

/* s[0..len) trimmed of white space (and of extra, a set of characters). */
static void trim_span(const char **s, size_t *len, const char *extra)
{
	while (*len > 0 && (is_space((unsigned char)**s) || (extra && strchr(extra, **s)))) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && (is_space((unsigned char)(*s)[*len - 1]) ||
	                    (extra && strchr(extra, (*s)[*len - 1]))))
		(*len)--;
}

static char *dup_span(const char *s, size_t len, const char *extra)
{
	trim_span(&s, &len, extra);
	if (len == 0)
		return NULL;
	if (len > VALUE_MAX) {
		len = VALUE_MAX;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	return xstrndup(s, len);
}

/* The phone number in s: from the first '+', '(' or digit of a run of
 * phone characters holding 7 to 15 digits, to its last digit; NULL when
 * none. */
static char *find_phone(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t j = i, last = i, digits = 0;

		if (!(s[i] == '+' || s[i] == '(' || (s[i] >= '0' && s[i] <= '9')))
			continue;
		if (i > 0 && (form_is_letter((unsigned char)s[i - 1]) || s[i - 1] == '@'))
			continue;
		while (j < len && strchr("0123456789+()./- ", s[j]) && s[j] != '\0') {
			if (s[j] >= '0' && s[j] <= '9')
				digits++, last = j;
			j++;
		}
		/* what touches the last digit decides ("555-0100abc" and an
		 * address are no number; "416-555-0191 - frozen shoulder" is) */
		if (digits >= 7 && digits <= 15 &&
		    !(last + 1 < len &&
		      (s[last + 1] == '@' || form_is_letter((unsigned char)s[last + 1]))))
			return xstrndup(s + i, last + 1 - i);
		i = j;
	}
	return NULL;
}

char *form_phone_after(const char *s, size_t len)
{
	static const char *const cues[] = {"or",    "and",  "cell", "mobile", "mob",
	                                   "phone", "tel",  "ph",   "m",      "c",
	                                   "p",     "call", "text", "at",     NULL};
	size_t i = 0, digits = 0, last = 0;

	while (i < len && strchr(" \t,;/|-", s[i]))
		i++;
	for (size_t k = 0; cues[k]; k++) {
		size_t n = strlen(cues[k]);

		if (i + n < len && strncasecmp(s + i, cues[k], n) == 0 &&
		    !form_is_letter((unsigned char)s[i + n])) {
			i += n;
			while (i < len && strchr(" \t.:", s[i]))
				i++;
			break;
		}
	}
	if (i >= len || !(s[i] == '+' || s[i] == '(' || (s[i] >= '0' && s[i] <= '9')))
		return NULL;
	/* the number: digits and their separators, up to its last digit */
	for (size_t j = i; j < len && strchr("0123456789+()./- ", s[j]); j++)
		if (s[j] >= '0' && s[j] <= '9')
			digits++, last = j;
	if (digits < 7 || digits > 15 ||
	    (last + 1 < len && (s[last + 1] == '@' || form_is_letter((unsigned char)s[last + 1]))))
		return NULL;
	return xstrndup(s + i, last + 1 - i);
}

/* ---- labels ---- */

struct label_info {
	enum role role;
	enum kind kind;
	int index;   /* 0: the first person of its role, 1: "friend 2" ... */
	int heading; /* titles a section ("Your details", "Friend's information") */
	int known;   /* any word of the tables */
};

/* The label, normalised for the tables: lower case, without the text in
 * parentheses, without * ? : ¿ ¡ " and extra spaces, ’ as '. */
static void norm_label(const char *s, size_t len, char *out, size_t outsz)
{
	size_t o = 0;
	int paren = 0, space = 0;

	for (size_t i = 0; i < len && o + 4 < outsz; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '(') {
			paren++;
			continue;
		}
		if (c == ')' && paren) {
			paren--;
			continue;
		}
		if (paren)
			continue;
		if (c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0x99 || (unsigned char)s[i + 2] == 0x98)) {
			out[o++] = '\'';
			i += 2;
			continue;
		}
		if (c == 0xC2 && i + 1 < len &&
		    ((unsigned char)s[i + 1] == 0xBF || (unsigned char)s[i + 1] == 0xA1)) {
			i++;
			continue;
		}
		if (c == '*' || c == '?' || c == ':' || c == '"' || c == '#' || c == '_') {
			space = o > 0;
			continue;
		}
		if (is_space(c) || c == 0xA0) {
			space = o > 0;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = 0;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	lower_utf8(out);
}

static int label_index(const char *l, unsigned cats)
{
	for (const char *p = l; *p; p++)
		if (*p >= '1' && *p <= '5' && (p == l || !(p[-1] >= '0' && p[-1] <= '9')) &&
		    !(p[1] >= '0' && p[1] <= '9'))
			return *p - '1';
	if (cats & CAT(C_SECOND))
		return 1;
	if (cats & CAT(C_THIRD))
		return 2;
	return 0;
}

/* The kind of detail, in this order: "Email address" is an address, not a
 * postal one; "Company name" a company, not a name. */
static enum kind label_kind(const char *l, unsigned cats)
{
	static const char *const exact_skip[] = {"to", "cc", "bcc", "date", "time", "ip", NULL};
	static const struct {
		enum cat cat;
		enum kind kind;
	} order[] = {
	        {C_EMAIL, K_EMAIL},       {C_PHONE, K_PHONE},     {C_BUDGET, K_BUDGET},
	        {C_TIMELINE, K_TIMELINE}, {C_COMPANY, K_COMPANY}, {C_SKIP, K_SKIP},
	        {C_FIRST, K_FIRST},       {C_LAST, K_LAST},       {C_NAME, K_NAME},
	        {C_NEED, K_NEED},
	};

	for (size_t i = 0; exact_skip[i]; i++)
		if (strcmp(l, exact_skip[i]) == 0)
			return K_SKIP;
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (cats & CAT(order[i].cat))
			return order[i].kind;
	return K_ANY;
}

static void classify(const char *s, size_t len, struct label_info *li)
{
	static const struct {
		enum cat cat;
		enum role role;
	} order[] = {
	        {C_REFERRER, R_REFERRER}, {C_HEARD, R_HEARD},         {C_REFERRED, R_REFERRED},
	        {C_WEAK, R_WEAK},         {C_SUBMITTER, R_SUBMITTER},
	};
	char l[LABEL_MAX + 8];
	unsigned cats;

	memset(li, 0, sizeof(*li));
	norm_label(s, len, l, sizeof(l));
	if (l[0] == '\0')
		return;
	cats = form_cats_of(l);
	for (size_t i = 0; i < ARRAY_SIZE(order) && li->role == R_NONE; i++)
		if (cats & CAT(order[i].cat))
			li->role = order[i].role;
	li->kind = label_kind(l, cats);
	li->heading = li->role != R_HEARD && (cats & CAT(C_HEADING)) &&
	              (li->kind == K_ANY || (li->kind == K_NEED && !strstr(l, "project")));
	li->index = li->role == R_REFERRED || li->role == R_WEAK ? label_index(l, cats) : 0;
	li->known = li->role != R_NONE || li->kind != K_ANY || li->heading;
}

/* ---- lines ---- */

struct cline {
	char t[LINE_MAX_LEN + 1];
	size_t len;
	int strong;   /* set apart as a label: bold, "--- x ---", ends with ':' or '?' */
	int question; /* strong only by its '?' (a free text may ask one too) */
};

/* A line without bullets, quote marks, bold markers and required-field
 * stars; 0 when nothing is left. */
static int clean_line(const char *s, size_t len, struct cline *c)
{
	size_t o = 0;

	c->strong = 0;
	trim_span(&s, &len, NULL);
	if (len > 0 && *s == '>')
		return 0;              /* quoted history is no form of this message */
	while (len > 0 && *s == '|') { /* a table drawn with bars */
		s++, len--;
		trim_span(&s, &len, NULL);
	}
	if (len >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') && s[1] == ' ' &&
	    !(len >= 3 && s[0] == '-' && s[2] == '-'))
		s += 2, len -= 2;
	else if (len >= 3 && (unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80 &&
	         (unsigned char)s[2] == 0xA2)
		s += 3, len -= 3; /* "• " */
	if (len >= 3 && ((s[0] == '-' && s[1] == '-' && s[2] == '-') ||
	                 (s[0] == '=' && s[1] == '=' && s[2] == '='))) {
		trim_span(&s, &len, "-= ");
		c->strong = len > 0;
	}
	if (len >= 2 && ((s[0] == '*' && s[1] == '*') || (s[0] == '_' && s[1] == '_')))
		c->strong = 1;
	for (size_t i = 0; i < len && o < LINE_MAX_LEN; i++) {
		if (i + 1 < len &&
		    ((s[i] == '*' && s[i + 1] == '*') || (s[i] == '_' && s[i + 1] == '_'))) {
			i++;
			continue;
		}
		c->t[o++] = s[i];
	}
	/* "Your name *": a required-field mark */
	while (o > 0 && (is_space((unsigned char)c->t[o - 1]) || c->t[o - 1] == '*'))
		o--;
	while (o > 0 && is_space((unsigned char)c->t[0])) {
		memmove(c->t, c->t + 1, --o);
	}
	c->t[o] = '\0';
	c->len = o;
	c->question = 0;
	if (o > 0 && (c->t[o - 1] == ':' || c->t[o - 1] == '?')) {
		c->question = !c->strong && c->t[o - 1] == '?';
		c->strong = 1;
	}
	return o > 0;
}

enum split { S_NONE = 0, S_COLON, S_TAB, S_QUESTION };

/* Splits "label: value", "label<TAB>value" or "question? answer"; the
 * value may be empty (a label on its own line).  Returns how. */
static enum split split_pair(const struct cline *c, const char **lab, size_t *llen,
                             const char **val, size_t *vlen)
{
	const char *t = c->t, *p;
	size_t len = c->len;

	while ((p = memchr(t, '\t', len)) != NULL && p == t) { /* empty leading cells */
		t++, len--;
		trim_span(&t, &len, "\t");
	}
	if ((p = memchr(t, '\t', len)) != NULL) {
		const char *v = p + 1, *e = t + len;
		const char *tab = memchr(v, '\t', (size_t)(e - v));

		*lab = t, *llen = (size_t)(p - t);
		trim_span(lab, llen, ":");
		*val = v, *vlen = (size_t)((tab ? tab : e) - v);
		trim_span(val, vlen, "\t");
		return *llen > 0 && *llen <= LABEL_MAX ? S_TAB : S_NONE;
	}
	for (size_t i = 0; i < len && i <= LABEL_MAX; i++) {
		size_t w = 0;

		if (t[i] == ':')
			w = 1;
		else if ((unsigned char)t[i] == 0xEF && i + 2 < len &&
		         (unsigned char)t[i + 1] == 0xBC && (unsigned char)t[i + 2] == 0x9A)
			w = 3; /* "：" */
		if (w == 0)
			continue;
		if (i + w < len && t[i + w] == '/')
			return S_NONE; /* a URL */
		if (i > 0 && t[i - 1] >= '0' && t[i - 1] <= '9' && i + w < len && t[i + w] >= '0' &&
		    t[i + w] <= '9')
			return S_NONE; /* 10:30 */
		*lab = t, *llen = i;
		trim_span(lab, llen, NULL);
		if (*llen == 0 || memchr(*lab, '@', *llen))
			return S_NONE;
		*val = t + i + w, *vlen = len - i - w;
		trim_span(val, vlen, NULL);
		return S_COLON;
	}
	if ((p = memchr(t, '?', len)) != NULL && p + 1 < t + len && p[1] == ' ' &&
	    (size_t)(p - t) <= LABEL_MAX) {
		*lab = t, *llen = (size_t)(p - t) + 1;
		*val = p + 1, *vlen = len - (size_t)(p + 1 - t);
		trim_span(val, vlen, NULL);
		return *vlen ? S_QUESTION : S_NONE;
	}
	return S_NONE;
}

/* Short enough, and without sentence punctuation, to be a label on its own
 * line. */
static int label_shaped(const struct cline *c)
{
	char last = c->t[c->len - 1];

	return c->len <= 70 && count_words(c->t) <= 8 && !memchr(c->t, '@', c->len) &&
	       last != '.' && last != ',' && last != '!' && last != ';';
}

/* ---- pairs and persons ---- */

struct pair {
	struct label_info li;
	char *label; /* as written */
	char *value;
};

/* A person as the fields tell of them: who.label stays NULL until
 * person_out(); the label is borrowed from the pair that named them. */
struct person_tmp {
	struct form_person who;
	char *first, *last;
	const char *label;
};

struct reader {
	struct pair pairs[FORM_MAX_PAIRS];
	size_t npairs;
	size_t by_layout[4]; /* by enum split (S_NONE: label above value) */
};

/* A value that says there is none ("N/A", "-", "none"): the field was
 * left empty, and "Referred by: N/A" names nobody. */
static int placeholder(const char *v, size_t len)
{
	static const char *const none[] = {"n/a", "na",   "n.a.",    "-",     "--",    "—",
	                                   "–",   "none", "null",    "nil",   "n/d",   "(none)",
	                                   ".",   "x",    "ninguno", "keine", "aucun", "nessuno"};
	char buf[16];

	trim_span(&v, &len, NULL);
	if (len == 0 || len >= sizeof(buf))
		return len == 0;
	memcpy(buf, v, len);
	buf[len] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(none); i++)
		if (str_ieq(buf, none[i]))
			return 1;
	return 0;
}

static void add_pair(struct reader *rd, const char *lab, size_t llen, const char *val, size_t vlen,
                     const struct label_info *li, enum role section, enum split how)
{
	struct pair *p;

	if (rd->npairs >= FORM_MAX_PAIRS || vlen == 0 || placeholder(val, vlen))
		return;
	p = &rd->pairs[rd->npairs++];
	p->li = *li;
	if (p->li.role == R_NONE)
		p->li.role = section;
	p->label = dup_span(lab, llen, ":?*");
	p->value = dup_span(val, vlen, NULL);
	if (p->label == NULL || p->value == NULL) {
		free(p->label);
		free(p->value);
		rd->npairs--;
		return;
	}
	rd->by_layout[how]++;
}

/* Does the line start a field of its own ("Budget: 5k", "Phone")? */
static int starts_field(const struct cline *e)
{
	const char *l, *v;
	size_t ll, vl;
	struct label_info li;

	if (split_pair(e, &l, &ll, &v, &vl) != S_NONE) {
		classify(l, ll, &li);
		return li.known;
	}
	if (!label_shaped(e))
		return 0;
	classify(e->t, e->len, &li);
	return li.known;
}

/* Reads the pairs of the lines; a label on its own line takes the next
 * line as its value (more lines for a free-text field). */
static void read_pairs(struct reader *rd, const char *const *lines, const size_t *lens, size_t n)
{
	enum role section = R_NONE;
	struct cline c, d;

	for (size_t i = 0; i < n; i++) {
		const char *lab = NULL, *val = NULL;
		size_t llen = 0, vlen = 0, j;
		enum split how;
		struct label_info li;

		if (!clean_line(lines[i], lens[i], &c))
			continue;
		how = split_pair(&c, &lab, &llen, &val, &vlen);
		if (how != S_NONE && vlen > 0) {
			classify(lab, llen, &li);
			/* "Question? answer" on one line: only a question that
			 * asks for a detail or about a referral ("You want to do
			 * more with life? ..." is prose) */
			if (how == S_QUESTION && (li.kind == K_ANY || li.kind == K_SKIP) &&
			    li.role != R_REFERRED && li.role != R_REFERRER && li.role != R_HEARD)
				continue;
			if (li.heading && li.role != R_NONE && li.kind == K_ANY)
				continue;
			add_pair(rd, lab, llen, val, vlen, &li, section, how);
			continue;
		}
		if (how == S_NONE) {
			lab = c.t, llen = c.len;
			trim_span(&lab, &llen, ":?");
		}
		if (llen == 0 || !label_shaped(&c))
			continue;
		classify(lab, llen, &li);
		/* a label alone on a line is set apart (bold, a colon, a
		 * question) or names a kind of detail ("Phone", "Your email"),
		 * a referrer or a heading; "register them" is just a line */
		if (!c.strong && !li.heading && li.role != R_REFERRER && li.role != R_HEARD &&
		    (li.kind == K_ANY || li.kind == K_SKIP))
			continue;
		/* the value: the next non-blank line, unless it is a label */
		for (j = i + 1; j < n && j <= i + 3; j++)
			if (clean_line(lines[j], lens[j], &d))
				break;
		if (j >= n || j > i + 3)
			continue;
		{
			const char *l2, *v2;
			size_t ll2, vl2;
			struct label_info li2;
			enum split h2 = split_pair(&d, &l2, &ll2, &v2, &vl2);

			if (h2 == S_COLON || h2 == S_TAB) {
				classify(l2, ll2, &li2);
				if (li2.known || vl2 == 0) {
					if (li.heading)
						section = li.role;
					continue; /* a heading, or a field left empty */
				}
			}
			if (d.strong && label_shaped(&d)) {
				if (li.heading)
					section = li.role;
				continue;
			}
			if (label_shaped(&d)) {
				/* the next line titles a section, or this one does
				 * and a label follows: no value here */
				classify(d.t, d.len, &li2);
				if ((li2.heading && li2.role != R_NONE) ||
				    (li.heading && !c.strong && li2.known)) {
					if (li.heading)
						section = li.role;
					continue;
				}
			}
		}
		if (li.heading && li.role != R_NONE && li.kind == K_ANY) {
			section = li.role;
			continue;
		}
		if (li.kind == K_NEED) { /* a free-text field may run over lines */
			struct buf b = {0};
			size_t k = j;

			buf_add(&b, d.t, d.len);
			while (k + 1 < n && b.len < VALUE_MAX) {
				struct cline e;

				if (!clean_line(lines[k + 1], lens[k + 1], &e) ||
				    (e.strong && !e.question) || starts_field(&e))
					break;
				buf_addc(&b, ' ');
				buf_add(&b, e.t, e.len);
				k++;
			}
			add_pair(rd, lab, llen, b.s, b.len, &li, section, S_NONE);
			buf_free(&b);
			i = k;
			continue;
		}
		add_pair(rd, lab, llen, d.t, d.len, &li, section, S_NONE);
		i = j;
	}
}

/* ---- persons ---- */

static int is_you(const char *v)
{
	static const char *const you[] = {"me", "myself", "i",  "yo",  "ich",  "moi", "io",
	                                  "eu", "ik",     "mí", "mir", "mich", NULL};
	char l[32];

	if (strlen(v) >= sizeof(l))
		return 0;
	norm_label(v, strlen(v), l, sizeof(l));
	for (size_t i = 0; you[i]; i++)
		if (strcmp(l, you[i]) == 0)
			return 1;
	return 0;
}

static void set_once(char **slot, char *v)
{
	if (*slot == NULL && v != NULL)
		*slot = v;
	else
		free(v);
}

/* A value that names a person: "Sarah Lee", "Sarah Lee <sarah@x.test>",
 * "Bob Smith, bob@x.test, 555 0100". */
static void parse_person(struct person_tmp *p, const char *v)
{
	size_t len = strlen(v), alen = 0;
	const char *a = addr_find(v, len, &alen);
	char *phone = find_phone(v, len);
	const char *end = v + len;

	if (a) {
		set_once(&p->who.email, str_lower(xstrndup(a, alen)));
		end = a;
	}
	if (phone) {
		const char *ph = strstr(v, phone);

		if (ph && ph < end)
			end = ph;
		set_once(&p->who.phone, phone);
	}
	{
		const char *s = v;
		size_t n = (size_t)(end - v);
		const char *cut = memchr(s, '(', n);

		if (cut)
			n = (size_t)(cut - s);
		if ((cut = memchr(s, '<', n)) != NULL)
			n = (size_t)(cut - s);
		trim_span(&s, &n, ",;:-|/\"'[");
		/* no link ("https://...") and no code ("AB12") names a person */
		if (n > 0 && n <= 80 && form_is_letter((unsigned char)*s) && !memchr(s, '@', n) &&
		    !memchr(s, '/', n) && count_digits(s, n) == 0) {
			char *name = xstrndup(s, n);

			if (count_words(name) <= 6)
				set_once(&p->who.name, name);
			else
				free(name);
		}
	}
}

static void person_set(struct person_tmp *p, const struct pair *pr)
{
	const char *v = pr->value;

	switch (pr->li.kind) {
	case K_EMAIL: {
		size_t alen = 0;
		const char *a = addr_find(v, strlen(v), &alen);

		if (a)
			set_once(&p->who.email, str_lower(xstrndup(a, alen)));
		break;
	}
	case K_PHONE:
		set_once(&p->who.phone, find_phone(v, strlen(v)));
		break;
	case K_NAME:
		parse_person(p, v); /* "Tom Baker (tom@x.test)" names an address too */
		break;
	case K_FIRST:
		set_once(&p->first, xstrdup(v));
		break;
	case K_LAST:
		set_once(&p->last, xstrdup(v));
		break;
	case K_COMPANY:
		set_once(&p->who.company, xstrdup(v));
		break;
	case K_NEED:
		set_once(&p->who.need, xstrdup(v));
		break;
	case K_ANY:
		/* "Who are you referring?", "Referred by", "From": a person,
		 * whatever the value holds; an unknown label says nothing */
		if (pr->li.role == R_REFERRED || pr->li.role == R_REFERRER ||
		    pr->li.role == R_SUBMITTER)
			parse_person(p, v);
		break;
	default:
		return;
	}
	if (p->label == NULL)
		p->label = pr->label;
}

static int person_any(const struct person_tmp *p)
{
	return p->who.name || p->first || p->last || p->who.email || p->who.phone;
}

static void person_tmp_free(struct person_tmp *p)
{
	form_person_clear(&p->who);
	free(p->first);
	free(p->last);
	memset(p, 0, sizeof(*p));
}

static void person_out(struct person_tmp *p, struct form_person *out)
{
	if (p->who.name == NULL && (p->first || p->last))
		p->who.name = xasprintf("%s%s%s", p->first ? p->first : "",
		                        p->first && p->last ? " " : "", p->last ? p->last : "");
	*out = p->who;
	out->label = xstrdup(p->label);
	free(p->first);
	free(p->last);
	memset(p, 0, sizeof(*p));
}

/* The word of s, not its first, that says someone referred the writer
 * ("Carol Wexler recommended you", "... told me about you"), or NULL. */
static const char *verb_in(const char *s, const char *const *verbs)
{
	for (const char *w = s; *w; w++) {
		if (w == s || !is_space((unsigned char)w[-1]) || !form_is_letter((unsigned char)*w))
			continue;
		for (size_t i = 0; verbs[i]; i++) {
			size_t n = strlen(verbs[i]);

			if (strncasecmp(w, verbs[i], n) == 0 &&
			    !form_is_letter((unsigned char)w[n]))
				return w;
		}
	}
	return NULL;
}

static const char *referral_verb_in(const char *s)
{
	static const char *const verbs[] = {"recommended", "recommends", "referred", "refers",
	                                    "told",        "suggested",  "sent",     "said",
	                                    "says",        "mentioned",  "gave",     "passed",
	                                    "pointed",     "raved",      NULL};

	return verb_in(s, verbs);
}

/* After a word of referral ("My coworker Jason Lee had his bathrooms done
 * by you"): the verbs of someone who was a client, which alone ("I had
 * seen your van") name nobody. */
static const char *client_verb_in(const char *s)
{
	static const char *const verbs[] = {"had", "hired", "used", "uses", "got", "did", NULL};

	return verb_in(s, verbs);
}

/* Does s open with a word that says whose someone is ("my", "our", "a",
 * "the", "mi", "mein"): then who they are follows, not a name. */
static int opens_relation(const char *s)
{
	static const char *const whose[] = {"my ", "our ",  "his ",   "her ",  "their ",
	                                    "a ",  "an ",   "the ",   "mi ",   "mon ",
	                                    "ma ", "mein ", "meine ", "mijn ", NULL};

	for (size_t w = 0; whose[w]; w++)
		if (strncasecmp(s, whose[w], strlen(whose[w])) == 0)
			return 1;
	return 0;
}

/* Where a name followed by who they are ends: "Dave Morales, my
 * coworker", "Omar Haddad my accountant friend", "Carol (our neighbor)",
 * "Jo - a friend from work": the length of the name, or len when nothing
 * follows it. */
static size_t before_relation(const char *s, size_t len)
{
	static const char *const seps[] = {", ", " (", " - ", " – ", " "};

	for (size_t i = 1; i < len; i++)
		for (size_t k = 0; k < sizeof(seps) / sizeof(seps[0]); k++) {
			size_t sl = strlen(seps[k]);

			if (i + sl <= len && strncmp(s + i, seps[k], sl) == 0 &&
			    opens_relation(s + i + sl))
				return i;
		}
	return len;
}

/* The referrer an answer to "how did you hear about us" names:
 * "Referred by Sarah Lee", "Friend - Sarah Lee (sarah@x.test)", "Sarah
 * Lee".  Sets *said_referral when it speaks of a referral at all.  With
 * labelled, v answers "Referred by" or "Who referred you?": a bare
 * answer of one capitalised word is a name too ("Dave"), and "a friend",
 * "Instagram" or "my" still name nobody. */
static void parse_heard(struct person_tmp *ref, const char *v, int *said_referral, int labelled)
{
	char l[VALUE_MAX + 8];
	const char *rest = v;
	size_t n = strlen(v);
	char *cut = NULL;

	if (labelled)
		*said_referral = 1;
	norm_label(v, n, l, sizeof(l));
	for (size_t i = 0; heard_referral_prefixes[i]; i++) {
		size_t pl = strlen(heard_referral_prefixes[i]);

		if (strncmp(l, heard_referral_prefixes[i], pl) == 0 &&
		    !form_is_letter((unsigned char)l[pl])) {
			/* skip as many characters of the original */
			size_t words = count_words(heard_referral_prefixes[i]);

			while (words > 0 && *rest) {
				while (*rest && is_space((unsigned char)*rest))
					rest++;
				while (*rest && !is_space((unsigned char)*rest) && *rest != ':' &&
				       *rest != '-')
					rest++;
				words--;
			}
			*said_referral = 1;
			break;
		}
	}
	while (*rest && (is_space((unsigned char)*rest) || strchr(":-–,", *rest)))
		rest++;
	/* "my sister-in-law Debbie Harmon": the prefix stopped at its
	 * hyphen */
	if (*said_referral && strncasecmp(rest, "in-law", 6) == 0 &&
	    !form_is_letter((unsigned char)rest[6]))
		for (rest += 6; *rest && is_space((unsigned char)*rest);)
			rest++;
	/* "Me los recomendó mi cuñada, Lucía Fernández": the relation,
	 * then the name after the comma */
	if (*said_referral && !strchr(rest, '@')) {
		static const char *const mine[] = {"my ",  "mi ",    "mein ", "meine ",
		                                   "mon ", "ma ",    "mio ",  "mia ",
		                                   "meu ", "minha ", "mijn ", NULL};
		const char *comma = strchr(rest, ',');

		for (size_t i = 0; comma && mine[i]; i++)
			if (strncasecmp(rest, mine[i], strlen(mine[i])) == 0 && comma - rest < 40 &&
			    count_words(comma + 1) >= 1 && count_words(comma + 1) <= 3) {
				for (rest = comma + 1; *rest && is_space((unsigned char)*rest);)
					rest++;
				break;
			}
	}
	if (*rest == '\0')
		return;
	/* "Dave Morales, my coworker": the name, not who they are to the
	 * writer; an address or a phone after it stays ("Sarah Lee, a
	 * friend (sarah@x.test)") */
	if (!strchr(rest, '@')) {
		char *phone = find_phone(rest, strlen(rest));
		size_t keep = before_relation(rest, strlen(rest));

		if (phone == NULL && keep < strlen(rest))
			rest = cut = xstrndup(rest, keep);
		free(phone);
	}
	if (!strchr(rest, '@')) {
		/* a sentence: "Carol Wexler recommended you", "my neighbor
		 * Carol told me about you": the name is what comes before the
		 * verb, when it is short and capitalised enough to be one */
		const char *verb = referral_verb_in(rest);

		if (verb == NULL && *said_referral)
			verb = client_verb_in(rest);

		if (verb) {
			size_t nlen = (size_t)(verb - rest), stop = strcspn(rest, ",;(");
			char *name;

			*said_referral = 1;
			if (stop < nlen)
				nlen = stop; /* "Sarah, she said you were great" */
			trim_span(&rest, &nlen, ",;:-");
			/* a name is capitalised: "a friend who lives nearby
			 * told us" names nobody */
			if (nlen == 0 ||
			    !((*rest >= 'A' && *rest <= 'Z') || (unsigned char)*rest >= 0xc0))
				goto out;
			name = xstrndup(rest, nlen);
			norm_label(name, nlen, l, sizeof(l));
			if (count_words(name) <= 3 && !(form_cats_of(l) & CAT(C_MEDIA)))
				parse_person(ref, name);
			free(name);
			goto out;
		}
	}
	norm_label(rest, strlen(rest), l, sizeof(l));
	if ((!*said_referral || labelled) && !strchr(rest, '@')) {
		/* a bare answer names a person only when it looks like a name
		 * (two or three capitalised words) and is no advert or site */
		size_t w = count_words(rest);

		int capital = (*rest >= 'A' && *rest <= 'Z') || (unsigned char)*rest >= 0xc0;

		if (w > 3 || (form_cats_of(l) & CAT(C_MEDIA)))
			goto out;
		/* under "Referred by", "john smith" is a name, "my accountant"
		 * or "Dave" one word alone only with a capital */
		if (labelled ? (w == 1 ? !capital : opens_relation(rest)) : (w < 2 || !capital))
			goto out;
	}
	if ((form_cats_of(l) & CAT(C_MEDIA)) && !strchr(rest, '@'))
		goto out;
	parse_person(ref, rest);
out:
	free(cut);
}

/* ---- the decision ---- */

/* Do two labels ask for the same detail of a person (a name, an address,
 * a phone)?  A label of no kind asks for none. */
static int same_name_kind(enum kind a, enum kind b)
{
	int an = a == K_NAME || a == K_FIRST || a == K_LAST;
	int bn = b == K_NAME || b == K_FIRST || b == K_LAST;

	if (an && bn)
		return 1;
	return a == b && (a == K_EMAIL || a == K_PHONE);
}

/* client / customer / contact: the referred person only when another label
 * of the same kind is the submitter's or the referrer's ("Your name" and
 * "Client name"); else just a label ("Contact number"). */
static void settle_weak(struct reader *rd)
{
	for (size_t i = 0; i < rd->npairs; i++) {
		struct pair *p = &rd->pairs[i];
		int other = 0;

		if (p->li.role != R_WEAK)
			continue;
		for (size_t j = 0; j < rd->npairs && !other; j++) {
			const struct pair *q = &rd->pairs[j];

			other = j != i && (q->li.role == R_SUBMITTER || q->li.role == R_REFERRER) &&
			        same_name_kind(q->li.kind, p->li.kind);
		}
		p->li.role = other ? R_REFERRED : R_NONE;
	}
}

static const char *layout_name(const struct reader *rd)
{
	static const char *const names[] = {"label above value", "label: value lines", "table rows",
	                                    "question? answer"};
	size_t best = 0;

	for (size_t i = 1; i < ARRAY_SIZE(names); i++)
		if (rd->by_layout[i] > rd->by_layout[best])
			best = i;
	return names[best];
}

/* Does the label speak of the person called name ("What's Neil's email
 * address?" after "Who would you like to refer? Neil Kapoor": a form that
 * pipes an answer into its next questions)?  Their first word, at word
 * boundaries, case ignored. */
static int label_names(const char *label, const char *name)
{
	size_t n = name ? strcspn(name, " ,") : 0, len = label ? strlen(label) : 0;

	if (n < 2)
		return 0;
	for (size_t i = 0; i + n <= len; i++)
		if (strncasecmp(label + i, name, n) == 0 &&
		    (i == 0 || !form_is_letter((unsigned char)label[i - 1])) &&
		    !form_is_letter((unsigned char)label[i + n]))
			return 1;
	return 0;
}

static void decide(struct reader *rd, struct form *f)
{
	struct person_tmp sub = {0}, ref = {0}, leads[FORM_MAX_LEADS];
	size_t nleads = 0;

	memset(leads, 0, sizeof(leads));
	settle_weak(rd);
	for (size_t i = 0; i < rd->npairs; i++) {
		const struct pair *p = &rd->pairs[i];
		int idx = p->li.index < FORM_MAX_LEADS ? p->li.index : FORM_MAX_LEADS - 1;
		enum role role = p->li.role;

		/* a label naming a referred person is about them, even when
		 * their name is a role word of some language ("What's Mia's
		 * email address?": "mia" is Italian for "my") */
		for (int k = 0; (role == R_NONE || role == R_SUBMITTER) && k < FORM_MAX_LEADS; k++)
			if (label_names(p->label,
			                leads[k].who.name ? leads[k].who.name : leads[k].first))
				role = R_REFERRED, idx = k;
		switch (p->li.kind) {
		case K_BUDGET:
			set_once(&f->budget, xstrdup(p->value));
			continue;
		case K_TIMELINE:
			set_once(&f->timeline, xstrdup(p->value));
			continue;
		case K_SKIP:
			continue;
		case K_NEED:
			if (role != R_REFERRED) {
				/* "Project type" and "Tell us about your project"
				 * both say what is needed */
				char *need = f->need ? xasprintf("%s; %s", f->need, p->value)
				                     : xstrdup(p->value);

				free(f->need);
				f->need = need;
				continue;
			}
			break;
		default:
			break;
		}
		switch (role) {
		case R_REFERRED:
			if (p->li.role != R_REFERRED) {
				/* named by the label ("What's the best way to
				 * reach Terrence?"): whatever its value holds
				 * (a phone, an address) is theirs */
				struct pair named = *p;

				named.li.role = R_REFERRED;
				person_set(&leads[idx], &named);
			} else {
				person_set(&leads[idx], p);
			}
			break;
		case R_REFERRER:
			if (is_you(p->value)) {
				f->referrer_is_you = 1;
			} else if (p->li.kind == K_NAME || p->li.kind == K_ANY) {
				/* "Who referred you? Dave Morales, my coworker",
				 * "Referred by: a friend": read as "how did you
				 * hear" is, so that no welcome says "my told us
				 * about you"; a referral was said either way */
				parse_heard(&ref, p->value, &f->heard_referral, 1);
				if (ref.label == NULL && person_any(&ref))
					ref.label = p->label;
			} else {
				person_set(&ref, p);
			}
			break;
		case R_HEARD:
			set_once(&f->heard, xstrdup(p->value));
			parse_heard(&ref, p->value, &f->heard_referral, 0);
			if (ref.label == NULL && person_any(&ref))
				ref.label = p->label;
			break;
		default:
			person_set(&sub, p);
			break;
		}
	}
	f->nfields = rd->npairs;
	f->layout = layout_name(rd);
	for (size_t i = 0; i < FORM_MAX_LEADS; i++)
		if (person_any(&leads[i]))
			person_out(&leads[i], &f->leads[nleads++]);
		else
			person_tmp_free(&leads[i]);
	f->nleads = nleads;
	if (nleads > 0) {
		/* refer-a-friend: the submitter is the referrer */
		set_once(&ref.who.name, sub.who.name), sub.who.name = NULL;
		set_once(&ref.first, sub.first), sub.first = NULL;
		set_once(&ref.last, sub.last), sub.last = NULL;
		set_once(&ref.who.email, sub.who.email), sub.who.email = NULL;
		set_once(&ref.who.phone, sub.who.phone), sub.who.phone = NULL;
		set_once(&ref.who.company, sub.who.company), sub.who.company = NULL;
		if (ref.label == NULL)
			ref.label = sub.label;
		f->kind = FORM_REFER;
	} else if (person_any(&sub) &&
	           (person_any(&ref) || f->referrer_is_you || f->heard_referral)) {
		/* a contact form naming who sent them: the submitter is the lead */
		person_out(&sub, &f->leads[f->nleads++]);
		f->kind = FORM_CONTACT;
	}
	person_out(&ref, &f->referrer);
	person_out(&sub, &f->submitter);
	if (f->nleads > 0 && f->leads[0].need == NULL && f->kind == FORM_CONTACT && f->need)
		f->leads[0].need = xstrdup(f->need);
}

enum form_kind form_read(const char *text, struct form *f)
{
	const char *lines[FORM_MAX_LINES];
	size_t lens[FORM_MAX_LINES], n = 0;
	size_t total = text ? strlen(text) : 0;
	struct reader *rd;

	memset(f, 0, sizeof(*f));
	if (total > FORM_MAX_TEXT)
		total = FORM_MAX_TEXT;
	for (size_t pos = 0; pos < total && n < FORM_MAX_LINES;) {
		const char *nl = memchr(text + pos, '\n', total - pos);
		size_t len = nl ? (size_t)(nl - text - pos) : total - pos;

		if (len <= LINE_MAX_LEN) {
			lines[n] = text + pos;
			lens[n++] = len;
		} else {
			lines[n] = "";
			lens[n++] = 0;
		}
		pos += len + 1;
	}
	rd = xcalloc(1, sizeof(*rd));
	read_pairs(rd, lines, lens, n);
	if (rd->npairs >= 2)
		decide(rd, f);
	for (size_t i = 0; i < rd->npairs; i++) {
		free(rd->pairs[i].label);
		free(rd->pairs[i].value);
	}
	free(rd);
	return f->kind;
}

void form_person_clear(struct form_person *p)
{
	if (p == NULL)
		return;
	FREE_ALL(p->name, p->email, p->phone, p->company, p->need, p->label);
	memset(p, 0, sizeof(*p));
}

void form_clear(struct form *f)
{
	form_person_clear(&f->submitter);
	form_person_clear(&f->referrer);
	for (size_t i = 0; i < f->nleads; i++)
		form_person_clear(&f->leads[i]);
	FREE_ALL(f->need, f->budget, f->timeline, f->heard);
	memset(f, 0, sizeof(*f));
}

/* ---- contact blocks in a person's mail ---- */

static int str_blank_n(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_space((unsigned char)s[i]))
			return 0;
	return 1;
}

/* A line that is a person's name: one to five words starting with a
 * letter, no digits or '@', not a greeting or sign-off, optionally after a
 * "Name:" label.  Returns the name or NULL. */
static char *name_line(const struct cline *c)
{
	const char *s = c->t, *lab, *val;
	size_t n = c->len, ll, vl;
	char l[LABEL_MAX + 8];

	if (split_pair(c, &lab, &ll, &val, &vl) == S_COLON) {
		struct label_info li;

		classify(lab, ll, &li);
		if (li.kind != K_NAME || vl == 0)
			return NULL;
		s = val, n = vl;
	} else if (c->strong) {
		return NULL;
	}
	{
		/* "Kenji Tanaka | Fabrikam Homes": the name is the first part */
		const char *bar = memchr(s, '|', n);

		if (bar)
			n = (size_t)(bar - s);
	}
	trim_span(&s, &n, ",;");
	if (n < 2 || n > 60 || count_digits(s, n) > 0 || memchr(s, '@', n) || memchr(s, ':', n) ||
	    !form_is_letter((unsigned char)*s))
		return NULL;
	norm_label(s, n, l, sizeof(l));
	if (count_words(l) > 5 || (form_cats_of(l) & CAT(C_NOTNAME)))
		return NULL;
	return xstrndup(s, n);
}

/* A line that is a phone number, maybe after a label ("Tel:", "M:"). */
static char *phone_line(const struct cline *c)
{
	const char *lab, *val;
	size_t ll, vl;
	const char *s = c->t;
	size_t n = c->len;

	if (split_pair(c, &lab, &ll, &val, &vl) == S_COLON) {
		if (ll > 20)
			return NULL;
		s = val, n = vl;
	} else {
		/* "Tel. 0171 1234567", "Mobile 06 12 34 56 78" */
		size_t k = 0;

		while (k < n && k < 20 && (form_is_letter((unsigned char)s[k]) || s[k] == '.'))
			k++;
		if (k > 0 && k < n && s[k] == ' ')
			s += k, n -= k;
	}
	for (size_t i = 0; i < n; i++)
		if (form_is_letter((unsigned char)s[i]) &&
		    !(i + 1 < n && s[i] == 'x' && s[i + 1] >= '0'))
			return NULL; /* "555 0100 x12" keeps its extension */
	return find_phone(s, n);
}

/* "Here's Bob Smith's email", "Bob's contact details": the person whose
 * address follows, the capitalised words before the "'s" (one to three).
 * Sets *name and returns 1, or returns 0. */
static int possessor(const char *s, size_t n, char **name)
{
	static const char *const what[] = {"email",   "e-mail",          "email address", "address",
	                                   "contact", "contact details", "details",       "info"};
	const char *end = NULL, *p, *w;

	for (size_t i = 0; i < ARRAY_SIZE(what) && !end; i++) {
		size_t wl = strlen(what[i]);

		for (p = s; p + 2 + wl <= s + n; p++)
			if ((p[0] == '\'' && p[1] == 's' && p[2] == ' ' && p + 3 + wl == s + n &&
			     strncasecmp(p + 3, what[i], wl) == 0) ||
			    ((unsigned char)p[0] == 0xE2 && p + 5 + wl == s + n &&
			     (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0x99 &&
			     p[3] == 's' && p[4] == ' ' && strncasecmp(p + 5, what[i], wl) == 0)) {
				end = p;
				break;
			}
	}
	if (end == NULL)
		return 0;
	w = end;
	for (int words = 0; words < 3 && w > s; words++) {
		const char *q = w;

		while (q > s && q[-1] == ' ')
			q--;
		p = q;
		while (p > s && p[-1] != ' ')
			p--;
		if (p == q || !(*p >= 'A' && *p <= 'Z'))
			break;
		w = p;
	}
	if (w == end)
		return 0;
	*name = xstrndup(w, (size_t)(end - w));
	return 1;
}

/* Is the line with an address at a..a+alen just the address, or a name or
 * a label with it ("Jane Doe <jane@x.test>", "Email: jane@x.test")?  Sets
 * *name to the name written beside it. */
static int address_line(const struct cline *c, const char *a, size_t alen, char **name)
{
	const char *before = c->t, *after = a + alen;
	size_t bn = (size_t)(a - c->t), an = c->len - (size_t)(after - c->t);
	char l[LABEL_MAX + 8];

	*name = NULL;
	trim_span(&after, &an, ">)].,;");
	if (an > 0) {
		/* "jane@x.test | +44 20 7946 0123": a phone may follow */
		char *phone;

		trim_span(&after, &an, "|/-,; ");
		phone = an > 0 ? find_phone(after, an) : NULL;
		if (phone == NULL || count_digits(after, an) * 2 < an) {
			free(phone);
			return 0;
		}
		free(phone);
	}
	trim_span(&before, &bn, "<([,;:-|");
	if (bn >= 7 && strncmp(before + bn - 7, "mailto", 6) == 0)
		bn -= 7;
	trim_span(&before, &bn, "<([,;:-| ");
	if (bn == 0)
		return 1;
	{
		/* "Kenji Tanaka | Fabrikam Homes | kenji@x.test": the name is
		 * the first part */
		const char *bar = memchr(before, '|', bn);

		if (bar) {
			bn = (size_t)(bar - before);
			trim_span(&before, &bn, NULL);
		}
	}
	{
		/* "Od: Tereza Malá <t@x.test>" (a forward's "From:" in another
		 * language), "Her details: Jane Doe <jane@x.test>": a label
		 * is never part of the name, which is what follows it */
		const char *colon = memrchr(before, ':', bn);

		if (colon) {
			bn -= (size_t)(colon + 1 - before);
			before = colon + 1;
			trim_span(&before, &bn, NULL);
			if (bn == 0)
				return 1;
		}
	}
	if (bn > LABEL_MAX)
		return 0;
	if (possessor(before, bn, name))
		return 1; /* "Bob Smith's email: bob@x.test" */
	norm_label(before, bn, l, sizeof(l));
	if ((form_cats_of(l) & CAT(C_EMAIL)) && count_words(l) <= 3)
		return 1;
	if (count_words(l) <= 5 && count_digits(before, bn) == 0 &&
	    form_is_letter((unsigned char)*before) && !(form_cats_of(l) & CAT(C_NOTNAME))) {
		*name = xstrndup(before, bn);
		return 1;
	}
	return 0;
}

/* s[0..*len) without trailing white space, dashes ("-", "–", "—") and
 * the separators in extra. */
static void trim_dashes(const char *s, size_t *len, const char *extra)
{
	for (;;) {
		if (*len > 0 && (is_space((unsigned char)s[*len - 1]) || s[*len - 1] == '-' ||
		                 strchr(extra, s[*len - 1])))
			(*len)--;
		else if (*len >= 3 && (unsigned char)s[*len - 3] == 0xE2 &&
		         (unsigned char)s[*len - 2] == 0x80 &&
		         ((unsigned char)s[*len - 1] == 0x93 || (unsigned char)s[*len - 1] == 0x94))
			*len -= 3;
		else
			return;
	}
}

/* The same at the start of s[0..*len). */
static const char *skip_dashes(const char *s, size_t *len, const char *extra)
{
	for (;;) {
		if (*len > 0 && (is_space((unsigned char)*s) || *s == '-' || strchr(extra, *s)))
			s++, (*len)--;
		else if (*len >= 3 && (unsigned char)s[0] == 0xE2 && (unsigned char)s[1] == 0x80 &&
		         ((unsigned char)s[2] == 0x93 || (unsigned char)s[2] == 0x94))
			s += 3, *len -= 3;
		else
			return s;
	}
}

/* A list item naming a person, the line s[0..len) with the address a:
 * "1. Ellen Park - ellen@x.test, 650-555-0114 - wants her bathrooms
 * redone", "- Tom Greene (tom@x.test): a new roof".  The name is what
 * stands between the marker and the address, the phone the first number
 * after it, the need the words after that.  Returns 1 and fills q. */
/* Where the text of a list item begins, after its marker ("1. ", "2) ",
 * "- ", "* ", "+ ", "• "), in the line s[0..len); 0 when it has none. */
static size_t list_marker(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && is_space((unsigned char)s[i]))
		i++;
	if (i + 2 < len && s[i] >= '0' && s[i] <= '9') {
		i++;
		if (s[i] >= '0' && s[i] <= '9')
			i++;
		if (i + 1 >= len || (s[i] != '.' && s[i] != ')') || s[i + 1] != ' ')
			return 0;
		return i + 2;
	}
	if (i + 1 < len && (s[i] == '-' || s[i] == '*' || s[i] == '+') && s[i + 1] == ' ')
		return i + 2;
	if (i + 3 < len && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
	    (unsigned char)s[i + 2] == 0xA2)
		return i + 3;
	return 0;
}

static int list_item(const char *s, size_t len, const char *a, size_t alen, struct form_person *q)
{
	const char *end = s + len, *name, *rest;
	size_t i = list_marker(s, len), nlen, rlen;
	char *phone;

	if (i == 0 || a < s + i)
		return 0;
	name = s + i, nlen = (size_t)(a - name);
	trim_dashes(name, &nlen, ",:;|(<[");
	name = skip_dashes(name, &nlen, "");
	if (nlen < 2 || nlen > 60 || !form_is_letter((unsigned char)*name) ||
	    count_digits(name, nlen) > 0 || memchr(name, '@', nlen) || memchr(name, ':', nlen))
		return 0;
	memset(q, 0, sizeof(*q));
	q->name = xstrndup(name, nlen);
	if (count_words(q->name) > 5) {
		free(q->name);
		q->name = NULL;
		return 0;
	}
	q->email = str_lower(xstrndup(a, alen));
	rest = a + alen, rlen = (size_t)(end - rest);
	{
		/* the number comes before the words of the need */
		size_t upto = 0;

		while (upto < rlen && !form_is_letter((unsigned char)rest[upto]))
			upto++;
		phone = find_phone(rest, upto);
	}
	if (phone) {
		const char *ph = strstr(rest, phone);

		if (ph && ph < end) {
			rlen -= (size_t)(ph + strlen(phone) - rest);
			rest = ph + strlen(phone);
		}
		q->phone = phone;
	}
	rest = skip_dashes(rest, &rlen, ">)],;:.(");
	trim_dashes(rest, &rlen, ".,;:)");
	if (rlen > 0 && rlen <= VALUE_MAX && memchr(rest, ' ', rlen))
		q->need = xstrndup(rest, rlen);
	q->label = xstrdup("list item");
	return 1;
}

/* A list item with a phone and no address ("2. Stan Kowal -
 * 416-555-0191 - frozen shoulder, doesn't do email"): the person, to be
 * called.  Returns 1 and fills q, or 0. */
static int phone_item(const char *s, size_t len, struct form_person *q)
{
	char *phone;
	const char *at;

	if (list_marker(s, len) == 0 || (phone = find_phone(s, len)) == NULL)
		return 0;
	at = strstr(s, phone);
	if (at == NULL || at >= s + len || !list_item(s, len, at, strlen(phone), q)) {
		free(phone);
		return 0;
	}
	free(q->email);
	q->email = NULL;
	free(q->phone);
	q->phone = phone;
	return 1;
}

size_t form_contact_blocks(const char *text, const char *skip, struct form_person *p, size_t max)
{
	const char *lines[FORM_MAX_LINES];
	size_t lens[FORM_MAX_LINES], n = 0, found = 0;
	size_t total = text ? strlen(text) : 0;

	if (total > FORM_MAX_TEXT)
		total = FORM_MAX_TEXT;
	for (size_t pos = 0; pos < total && n < FORM_MAX_LINES;) {
		const char *nl = memchr(text + pos, '\n', total - pos);
		size_t len = nl ? (size_t)(nl - text - pos) : total - pos;

		lines[n] = text + pos;
		lens[n++] = len <= LINE_MAX_LEN ? len : 0;
		pos += len + 1;
	}
	for (size_t i = 0; i < n && found < max; i++) {
		struct cline c;
		const char *a;
		size_t alen = 0, b0, b1;
		char *name = NULL;
		struct form_person *q;

		if (lens[i] == 0)
			continue;
		/* (a line without an address is a list item's at most, which
		 * is read from the line as it is) */
		a = NULL;
		if (memchr(lines[i], '@', lens[i])) {
			if (!clean_line(lines[i], lens[i], &c))
				continue;
			a = addr_find(c.t, c.len, &alen);
		}
		if (a == NULL) {
			if (phone_item(lines[i], lens[i], &p[found]))
				found++;
			continue;
		}
		if (!address_line(&c, a, alen, &name)) {
			struct form_person item;

			a = addr_find(lines[i], lens[i], &alen);
			if (a == NULL || !list_item(lines[i], lens[i], a, alen, &item))
				continue;
			if (skip && strlen(skip) == alen && strncasecmp(skip, a, alen) == 0)
				form_person_clear(&item);
			else
				p[found++] = item;
			continue;
		}
		if (skip && strlen(skip) == alen && strncasecmp(skip, a, alen) == 0) {
			free(name);
			continue;
		}
		q = &p[found++];
		memset(q, 0, sizeof(*q));
		q->email = str_lower(xstrndup(a, alen));
		q->name = name;
		q->phone = find_phone(a + alen, c.len - (size_t)(a + alen - c.t));
		/* the block: the non-blank lines around the address */
		for (b0 = i; b0 > 0 && i - b0 < 4 && lens[b0 - 1] > 0 &&
		             !str_blank_n(lines[b0 - 1], lens[b0 - 1]);
		     b0--)
			;
		for (b1 = i; b1 + 1 < n && b1 - i < 4 && lens[b1 + 1] > 0 &&
		             !str_blank_n(lines[b1 + 1], lens[b1 + 1]);
		     b1++)
			;
		for (size_t k = b0; k <= b1; k++) {
			struct cline d;

			if (k == i || !clean_line(lines[k], lens[k], &d))
				continue;
			if (q->name == NULL && k < i)
				q->name = name_line(&d);
			if (q->phone == NULL)
				q->phone = phone_line(&d);
		}
		q->label = xstrdup("contact block");
	}
	return found;
}
