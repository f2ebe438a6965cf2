/*
 * template.c - the mail texts: loaded and checked once, rendered many
 * times.
 *
 * A template file is parsed at load into three small node lists (Subject,
 * text, HTML): literal slices of the file, placeholders and sections.  A
 * section node stores the index just past its closing tag, so rendering is
 * one forward walk that jumps over a section that is off; nothing is
 * parsed at send time and every fault (unknown name, stray tag, unclosed
 * section, bad header...) is found by `refagent check` before any mail is
 * written.  Faults are collected for all files and printed together, sorted
 * by file and line, so the admin fixes them in one go.
 *
 * The placeholder syntax is a small subset of mustache
 * (https://mustache.github.io/mustache.5.html): {{name}}, {{#name}},
 * {{^name}}, {{/name}}.  The one liberty taken: mustache removes a line
 * holding only a section tag; here any line holding a tag that renders to
 * nothing but white space goes, so "{{#lead.phone}}Phone: {{lead.phone}}
 * {{/lead.phone}}" on one line leaves no empty line when there is no phone.
 * Lines without tags are kept as written, blank or not.
 *
 * Values come from incoming mail, so they are never trusted: in the HTML
 * part they are escaped, in the Subject every control character (CR and LF
 * would start a new header) becomes a space.
 */
#include "template.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fault.h"
#include "log.h"
#include "util.h"

/* one name a line: clang-format would fill the lines */
/* clang-format off */
const char *const template_var_names[] = {
        "business.name",
        "business.email",
        "business.phone",
        "business.website",
        "business.colour",
        "business.logo",
        "referrer.name",
        "referrer.first_name",
        "referrer.email",
        "lead.name",
        "lead.first_name",
        "lead.email",
        "lead.phone",
        "lead.company",
        "lead.unreachable",
        "rep.name",
        "rep.first_name",
        "rep.email",
        "rep.phone",
        "referral.id",
        "referral.status",
        "referral.subject",
        "referral.context",
        "referral.need",
        "referral.budget",
        "referral.timeline",
        "referral.created",
        "referral.value",
        "referral.waiting",
        "reminder.number",
        "reminder.escalated",
        "reminder.first",
        "reminder.second",
        "update.contacted",
        "update.won",
        "update.lost",
        "update.note",
        "reward.amount",
        "reward.note",
        "summary.text",
        "credit.name",
        "credit.note",
        "credit.other",
        "credit.kept",
        "credit.moved",
        "thank.others",
        "unsubscribe.hint",
        "confirm.action",
        "notify.text",
        "notify.optout",
        "notify.bounce",
        "notify.email",
        "notify.source",
        "notify.reason",
        "notify.staff",
        "notify.reply",
        "notify.words",
        "notify.welcome",
        "notify.again",
        "notify.referrer",
        "notify.name",
        "notify.introducer",
        "notify.unverified",
        "to.name",
        "to.first_name",
        "to.email",
        "reward.how",
        "welcome.from_rep",
        "review.items",
        "review.count",
        "review.done",
        "review.example",
        "confirm.admin",
        "confirm.why",
        "confirm.where",
        "refused.line",
        "refused.why",
        "refused.unverified",
        "refused.action",
        "refused.thread",
        "refused.contact",
        "digest.count",
        "digest.text",
        "weekly.from",
        "weekly.to",
        "weekly.new",
        "weekly.won",
        "weekly.won_value",
        "weekly.held",
        "weekly.waiting",
        "weekly.overdue",
        "weekly.owed",
        "weekly.owed_count",
        NULL,
};
/* clang-format on */

#define NVARS (ARRAY_SIZE(template_var_names) - 1)

/* A template file is a page of text; anything bigger is a mistake. */
#define TMPL_MAX_FILE (256u * 1024)
/* A Subject longer than this is cut (at a UTF-8 boundary): a quoted intro
 * subject can be anything, the header should stay readable. */
#define SUBJECT_MAX 300
/* Names longer than this get no "did you mean" suggestion. */
#define NAME_MAX_SUGGEST 64

enum node_kind {
	N_TEXT,  /* a slice of the file */
	N_VAR,   /* {{name}} */
	N_IF,    /* {{#name}}: on when the value is non-empty */
	N_IFNOT, /* {{^name}}: on when it is empty */
	N_EOL,   /* the line end of a line holding tags: dropped when the line is blank */
};

struct node {
	enum node_kind kind;
	int var;          /* index in template_var_names (N_VAR, N_IF, N_IFNOT) */
	size_t skip;      /* N_IF, N_IFNOT: the index just past the section */
	const char *text; /* N_TEXT: points into struct tmpl data */
	size_t len;
};

struct part {
	struct node *nodes;
	size_t n, cap;
};

struct tmpl {
	char *data; /* the file, line ends normalised; N_TEXT nodes point here */
	struct part subject, text, html;
	int has_html;
};

struct template_set {
	struct tmpl t[MAIL_COUNT];
};

/* ---- faults ---- */

struct loader {
	struct fault_list faults;
	/* the file being loaded: mail_table index, then the unknown files */
	size_t file;
	const char *path;
};

static void fault(struct loader *ld, int line, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void fault(struct loader *ld, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fault_vadd(&ld->faults, ld->file, ld->path, line, 0, fmt, ap);
	va_end(ap);
}

/* ---- names ---- */

static int var_index(const char *name, size_t len)
{
	for (size_t i = 0; i < NVARS; i++)
		if (strlen(template_var_names[i]) == len &&
		    memcmp(template_var_names[i], name, len) == 0)
			return (int)i;
	return -1;
}

/* The known name closest to name (at most 2 edits away), or NULL. */
static const char *suggest(const char *name, size_t len)
{
	const char *best = NULL;
	size_t bestd = 3;

	for (size_t i = 0; i < NVARS; i++) {
		size_t d =
		        str_distance(name, len, template_var_names[i], NAME_MAX_SUGGEST, bestd - 1);

		if (d < bestd) {
			bestd = d;
			best = template_var_names[i];
		}
	}
	return best;
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static int is_blank_char(char c)
{
	return c == ' ' || c == '\t';
}

/* ---- parsing a part ---- */

struct open_section {
	const char *name; /* into the file data */
	size_t len;
	size_t node; /* index of its N_IF / N_IFNOT */
	int line;
};

struct part_parser {
	struct loader *ld;
	struct part *part;
	struct open_section *stack;
	size_t depth, cap;
};

static struct node *node_add(struct part *p, enum node_kind kind)
{
	struct node *nd;

	p->nodes = xgrow(p->nodes, &p->cap, p->n + 1, sizeof(*p->nodes));
	nd = &p->nodes[p->n++];
	memset(nd, 0, sizeof(*nd));
	nd->kind = kind;
	nd->var = -1;
	return nd;
}

static void text_add(struct part *p, const char *s, size_t len)
{
	if (len > 0) {
		struct node *nd = node_add(p, N_TEXT);

		nd->text = s;
		nd->len = len;
	}
}

/* How a tag is quoted in a fault: as written, cut when long. */
#define TAG_SHOW(s, n) (int)((n) > 60 ? 60 : (n)), (s), ((n) > 60 ? "..." : "")

static void name_fault(struct part_parser *pp, int line, const char *name, size_t len)
{
	const char *hint = suggest(name, len);

	if (hint)
		fault(pp->ld, line, "unknown name '%.*s%s' (did you mean '%s'?)",
		      TAG_SHOW(name, len), hint);
	else
		fault(pp->ld, line, "unknown name '%.*s%s'", TAG_SHOW(name, len));
}

/* One tag: the text between "{{" and "}}" (tag[0..len)). */
static void tag_parse(struct part_parser *pp, int line, const char *tag, size_t len)
{
	const char *s = tag, *e = tag + len;
	char sigil = 0;
	int var;

	while (s < e && is_blank_char(*s))
		s++;
	while (e > s && is_blank_char(e[-1]))
		e--;
	if (s < e && (*s == '#' || *s == '^' || *s == '/')) {
		sigil = *s++;
		while (s < e && is_blank_char(*s))
			s++;
	}
	for (const char *c = s; c < e; c++) {
		if (!name_char(*c)) {
			s = e; /* not a name: fall through to "unknown tag" */
			break;
		}
	}
	if (s == e) {
		fault(pp->ld, line,
		      "unknown tag '{{%.*s%s}}' (tags are {{name}}, {{#name}}, {{^name}} and "
		      "{{/name}})",
		      TAG_SHOW(tag, len));
		return;
	}
	var = var_index(s, (size_t)(e - s));
	if (var < 0)
		name_fault(pp, line, s, (size_t)(e - s));

	if (sigil == '/') {
		struct open_section *top;

		if (pp->depth == 0) {
			fault(pp->ld, line, "'{{/%.*s%s}}' closes no section", TAG_SHOW(s, e - s));
			return;
		}
		top = &pp->stack[pp->depth - 1];
		if (top->len != (size_t)(e - s) || memcmp(top->name, s, top->len) != 0)
			fault(pp->ld, line,
			      "'{{/%.*s%s}}' does not match the open section '%.*s' "
			      "of line %d",
			      TAG_SHOW(s, e - s), (int)top->len, top->name, top->line);
		/* close the innermost section either way, so one slip is
		 * reported once rather than at every later tag */
		pp->part->nodes[top->node].skip = pp->part->n;
		pp->depth--;
		return;
	}
	if (sigil == '#' || sigil == '^') {
		struct node *nd = node_add(pp->part, sigil == '#' ? N_IF : N_IFNOT);

		nd->var = var;
		pp->stack = xgrow(pp->stack, &pp->cap, pp->depth + 1, sizeof(*pp->stack));
		pp->stack[pp->depth].name = s;
		pp->stack[pp->depth].len = (size_t)(e - s);
		pp->stack[pp->depth].node = pp->part->n - 1;
		pp->stack[pp->depth].line = line;
		pp->depth++;
		return;
	}
	node_add(pp->part, N_VAR)->var = var;
}

/*
 * Parses s[0..len) (whole lines, the first numbered first_line) into part.
 * A line end is kept as literal text unless the line holds a tag; then it
 * becomes an N_EOL that the renderer drops when the line comes out blank.
 */
/* A "}}" in literal text: a tag whose "{{" was mistyped ("{business.name}}"),
 * which would go out as written. */
static void stray_close(struct loader *ld, int line, const char *s, size_t len)
{
	const char *c = memmem(s, len, "}}", 2);

	if (c != NULL)
		fault(ld, line, "'}}' without '{{' (a mistyped tag would be sent as written)");
}

static void part_parse(struct loader *ld, struct part *part, const char *s, size_t len,
                       int first_line)
{
	struct part_parser pp = {.ld = ld, .part = part};
	const char *end = s + len;
	int line = first_line;

	for (const char *p = s; p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *lend = eol ? eol : end;
		const char *lit = p; /* start of the pending literal */
		int tags = 0;

		while (p < lend) {
			const char *open = memmem(p, (size_t)(lend - p), "{{", 2);
			const char *close;

			if (open == NULL)
				break;
			close = memmem(open + 2, (size_t)(lend - open - 2), "}}", 2);
			if (close == NULL) {
				fault(ld, line, "'{{' without '}}' on the same line");
				break;
			}
			stray_close(ld, line, lit, (size_t)(open - lit));
			text_add(part, lit, (size_t)(open - lit));
			tag_parse(&pp, line, open + 2, (size_t)(close - open - 2));
			tags++;
			p = lit = close + 2;
			/* "{{business.name}}}" would send a literal brace */
			if (p < lend && *p == '}' && open[2] != '{')
				fault(ld, line, "'}' right after '{{%.*s}}': one brace too many",
				      (int)(close - open - 2 > 40 ? 40 : close - open - 2),
				      open + 2);
		}
		if (lend > lit)
			stray_close(ld, line, lit, (size_t)(lend - lit));
		if (tags == 0) {
			text_add(part, lit, (size_t)((eol ? eol + 1 : end) - lit));
		} else {
			text_add(part, lit, (size_t)(lend - lit));
			if (eol)
				node_add(part, N_EOL);
		}
		p = eol ? eol + 1 : end;
	}
	for (size_t i = 0; i < pp.depth; i++)
		fault(ld, pp.stack[i].line, "section '%.*s%s' is not closed",
		      TAG_SHOW(pp.stack[i].name, pp.stack[i].len));
	free(pp.stack);
}

/* ---- parsing a file ---- */

/* Drops the CR of every CRLF in place (a file saved on Windows). */
static size_t crlf_to_lf(char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		s[o++] = s[i];
	}
	s[o] = '\0';
	return o;
}

/* Mail goes out as UTF-8: a file saved in Latin-1 would send mojibake. */
static void check_encoding(struct loader *ld, const char *s, size_t len)
{
	int line = 1, bad = 0, nul = 0;

	for (size_t i = 0; i < len;) {
		size_t n;

		if (s[i] == '\n') {
			line++;
			bad = nul = 0;
			i++;
			continue;
		}
		if (s[i] == '\0' && !nul) {
			fault(ld, line, "contains a NUL byte");
			nul = 1;
		}
		n = utf8_seq(s + i, len - i);
		if (n == 0) {
			if (!bad)
				fault(ld, line, "not valid UTF-8 (save the file as UTF-8)");
			bad = 1;
			n = 1;
		}
		i += n;
	}
}

static int line_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!is_blank_char(s[i]))
			return 0;
	return 1;
}

static int line_is_html_mark(const char *s, size_t len)
{
	static const char mark[] = "--- html ---";

	while (len > 0 && is_blank_char(s[len - 1]))
		len--;
	return len == sizeof(mark) - 1 && memcmp(s, mark, len) == 0;
}

/* Non-zero when the part renders to nothing but white space whatever the
 * values (only literal white space, no placeholder at all). */
static int part_empty(const struct part *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct node *nd = &p->nodes[i];

		if (nd->kind == N_VAR)
			return 0;
		for (size_t j = 0; nd->kind == N_TEXT && j < nd->len; j++)
			if (!is_blank_char(nd->text[j]) && nd->text[j] != '\n')
				return 0;
	}
	return 1;
}

/* A header line: "Name: value" (RFC 5322 section 2.2: the name is
 * printable ASCII other than ':' and space). */
static void header_parse(struct loader *ld, int line, const char *s, size_t len, const char **subj,
                         size_t *subj_len, int *subj_line)
{
	const char *colon = memchr(s, ':', len);
	const char *v, *e = s + len;

	if (len > 0 && s[0] == '#') {
		fault(ld, line, "comment lines go before the headers");
		return;
	}
	for (const char *c = s; colon && c < colon; c++)
		if (*c <= ' ' || *c > '~')
			colon = NULL;
	if (colon == NULL || colon == s) {
		fault(ld, line,
		      "not a header line (headers are 'Name: value'; a blank line "
		      "ends them)");
		return;
	}
	if ((size_t)(colon - s) != 7 || strncasecmp(s, "Subject", 7) != 0) {
		fault(ld, line, "unknown header '%.*s%s' (only Subject is allowed)",
		      TAG_SHOW(s, colon - s));
		return;
	}
	if (*subj) {
		fault(ld, line, "a second Subject header (the first is on line %d)", *subj_line);
		return;
	}
	v = colon + 1;
	while (v < e && is_blank_char(*v))
		v++;
	while (e > v && is_blank_char(e[-1]))
		e--;
	*subj = v;
	*subj_len = (size_t)(e - v);
	*subj_line = line;
}

/* The text body and the optional HTML part: body[0..len), first line
 * numbered first_line. */
static void body_parse(struct loader *ld, struct tmpl *t, const char *body, size_t len,
                       int first_line)
{
	const char *end = body + len, *html = NULL;
	int line = first_line, html_line = 0;

	for (const char *p = body; p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *lend = eol ? eol : end;

		if (line_is_html_mark(p, (size_t)(lend - p))) {
			if (html == NULL) {
				part_parse(ld, &t->text, body, (size_t)(p - body), first_line);
				html = eol ? eol + 1 : end;
				html_line = line;
			} else {
				fault(ld, line,
				      "a second '--- html ---' line (the first is on line %d)",
				      html_line);
			}
		}
		p = eol ? eol + 1 : end;
	}
	if (html == NULL) {
		part_parse(ld, &t->text, body, len, first_line);
	} else {
		/* a second mark is a fault already; parse the rest as HTML */
		part_parse(ld, &t->html, html, (size_t)(end - html), html_line + 1);
		t->has_html = 1;
		if (part_empty(&t->html))
			fault(ld, html_line, "the HTML part is empty");
	}
	if (part_empty(&t->text))
		fault(ld, first_line, "the text body is empty");
}

static void file_parse(struct loader *ld, struct tmpl *t, size_t len)
{
	const char *p = t->data, *end = t->data + len;
	const char *subj = NULL, *body = NULL;
	size_t subj_len = 0;
	int line = 1, hdr_line = 0, subj_line = 0, body_line = 0;

	for (; p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t ll = (size_t)((eol ? eol : end) - p);
		const char *next = eol ? eol + 1 : end;

		if (hdr_line == 0) {
			/* before the headers: comments and blank lines */
			if ((ll > 0 && p[0] == '#') || line_blank(p, ll)) {
				p = next;
				continue;
			}
			hdr_line = line;
		}
		if (line_blank(p, ll)) {
			body = next;
			body_line = line + 1;
			break;
		}
		header_parse(ld, line, p, ll, &subj, &subj_len, &subj_line);
		p = next;
	}
	if (hdr_line == 0) {
		fault(ld, 1, "no Subject header and no text");
		return;
	}
	if (subj == NULL)
		fault(ld, hdr_line, "no Subject header (it is required)");
	else if (subj_len == 0)
		fault(ld, subj_line, "the Subject is empty");
	else
		part_parse(ld, &t->subject, subj, subj_len, subj_line);
	if (body == NULL)
		fault(ld, line - 1, "no text body (a blank line ends the headers, then the text)");
	else
		body_parse(ld, t, body, (size_t)(end - body), body_line);
}

/* Parses a template's text data[0..len) (NUL-terminated, malloc'd: t
 * takes it). */
static void text_load(struct loader *ld, struct tmpl *t, char *data, size_t len)
{
	/* a byte-order mark, as some Windows editors write, is not text */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		len -= 3;
		memmove(data, data + 3, len + 1);
	}
	len = crlf_to_lf(data, len);
	t->data = data;
	check_encoding(ld, data, len);
	file_parse(ld, t, len);
}

static void file_load(struct loader *ld, struct tmpl *t)
{
	char *data = NULL;
	size_t len = 0;

	if (file_read(ld->path, TMPL_MAX_FILE, &data, &len) != 0) {
		if (errno == ENOENT)
			fault(ld, 0, "missing (one of the mails the agent sends)");
		else if (errno == EFBIG)
			fault(ld, 0, "too big (over %u KiB)", TMPL_MAX_FILE / 1024);
		else
			fault(ld, 0, "cannot read: %s", strerror(errno));
		return;
	}
	text_load(ld, t, data, len);
}

/* The *.tmpl files of dir that are not one of the mails, sorted; -1 when
 * dir cannot be read. */
static int list_unknown(const char *dir, char ***paths_r, size_t *n_r)
{
	size_t n = 0, k = 0;
	char **paths = NULL;

	if (dir_files(dir, ".tmpl", &paths, &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *base = strrchr(paths[i], '/') ? strrchr(paths[i], '/') + 1 : paths[i];
		char *name = xstrndup(base, strlen(base) - 5);
		enum mail_kind kind;

		if (mail_parse(name, &kind))
			free(paths[i]);
		else
			paths[k++] = paths[i];
		free(name);
	}
	*paths_r = paths;
	*n_r = k;
	return 0;
}

/* Prints the faults of a load: with any, frees set and returns -1. */
static int load_end(struct loader *ld, struct template_set *set, struct template_set **set_r)
{
	if (fault_flush(&ld->faults) > 0) {
		template_free(set);
		return -1;
	}
	*set_r = set;
	return 0;
}

int template_load(const char *dir, struct template_set **set_r)
{
	struct loader ld = {0};
	struct template_set *set;
	char **extra = NULL;
	size_t nextra = 0, dlen = strlen(dir);
	const char *sep = (dlen > 0 && dir[dlen - 1] == '/') ? "" : "/";

	*set_r = NULL;
	if (list_unknown(dir, &extra, &nextra) != 0) {
		fprintf(stderr, "%s: cannot open the templates folder: %s\n", dir, strerror(errno));
		return -1;
	}
	set = xcalloc(1, sizeof(*set));
	for (size_t i = 0; i < MAIL_COUNT; i++) {
		char *path = xasprintf("%s%s%s.tmpl", dir, sep, mail_name((enum mail_kind)i));

		ld.file = i;
		ld.path = path;
		file_load(&ld, &set->t[i]);
		free(path);
	}
	for (size_t i = 0; i < nextra; i++) {
		struct buf known = {0};

		for (size_t j = 0; j < MAIL_COUNT; j++)
			buf_printf(&known, "%s%s", j ? ", " : "", mail_name((enum mail_kind)j));
		ld.file = MAIL_COUNT + i;
		ld.path = extra[i];
		fault(&ld, 0, "not a known mail (the mails are %s)", known.s);
		buf_free(&known);
		free(extra[i]);
	}
	free(extra);
	return load_end(&ld, set, set_r);
}

int template_load_text(enum mail_kind kind, const char *name, const char *text, size_t len,
                       struct template_set **set_r)
{
	struct loader ld = {0};
	struct template_set *set;

	*set_r = NULL;
	if ((unsigned)kind >= MAIL_COUNT)
		return -1;
	set = xcalloc(1, sizeof(*set));
	ld.file = (size_t)kind;
	ld.path = name;
	if (len > TMPL_MAX_FILE) {
		fault(&ld, 0, "too big (over %u KiB)", TMPL_MAX_FILE / 1024);
	} else {
		char *data = xmalloc(len + 1);

		if (len)
			memcpy(data, text, len);
		data[len] = '\0';
		text_load(&ld, &set->t[kind], data, len);
	}
	return load_end(&ld, set, set_r);
}

static void part_free(struct part *p)
{
	free(p->nodes);
}

void template_free(struct template_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < MAIL_COUNT; i++) {
		part_free(&set->t[i].subject);
		part_free(&set->t[i].text);
		part_free(&set->t[i].html);
		free(set->t[i].data);
	}
	free(set);
}

/* ---- rendering ---- */

/* A value as it goes into the mail: line ends as LF (a CRLF from mail
 * would mix with the template's LFs), and in HTML the five characters
 * that can end text or an attribute escaped. */
static void value_add(struct buf *b, const char *v, int html)
{
	for (; *v; v++) {
		if (*v == '\r') {
			if (v[1] != '\n')
				buf_addc(b, '\n');
			continue;
		}
		if (html && html_entity(*v))
			buf_adds(b, html_entity(*v));
		else
			buf_addc(b, *v);
	}
}

/* The end of a template line holding tags: the line goes when it came out
 * blank. */
static void line_end(struct buf *b)
{
	size_t start = b->len;

	if (b->s == NULL)
		return; /* nothing yet: a blank first line */
	while (start > 0 && b->s[start - 1] != '\n')
		start--;
	if (line_blank(b->s + start, b->len - start)) {
		b->len = start;
		b->s[start] = '\0';
	} else {
		buf_addc(b, '\n');
	}
}

static void part_render(const struct part *p, const char *const *vals, int html, struct buf *b)
{
	size_t i = 0;

	while (i < p->n) {
		const struct node *nd = &p->nodes[i];

		switch (nd->kind) {
		case N_TEXT:
			buf_add(b, nd->text, nd->len);
			i++;
			break;
		case N_VAR:
			if (vals[nd->var])
				value_add(b, vals[nd->var], html);
			i++;
			break;
		case N_IF:
			i = vals[nd->var] ? i + 1 : nd->skip;
			break;
		case N_IFNOT:
			i = vals[nd->var] ? nd->skip : i + 1;
			break;
		case N_EOL:
			line_end(b);
			i++;
			break;
		}
	}
}

/* Body clean-up: trailing white space off every line, no blank lines at
 * either end, never two blank lines in a row, one final line end. */
static char *body_finish(struct buf *in)
{
	struct buf out = {0};
	const char *p = in->s ? in->s : "", *end = p + in->len;
	int blank = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *lend = eol ? eol : end;

		while (lend > p && is_blank_char(lend[-1]))
			lend--;
		if (lend == p) {
			blank = 1;
		} else {
			if (blank && out.len > 0)
				buf_addc(&out, '\n');
			blank = 0;
			buf_add(&out, p, (size_t)(lend - p));
			buf_addc(&out, '\n');
		}
		p = eol ? eol + 1 : end;
	}
	buf_free(in);
	return buf_steal(&out);
}

/* The Subject is a header: every run of control characters and white
 * space becomes one space (a CR or LF from a value would otherwise start
 * a header of its own), no space at either end, cut at SUBJECT_MAX bytes
 * on a UTF-8 character boundary. */
static char *subject_finish(struct buf *in)
{
	struct buf out = {0};
	const unsigned char *p = (const unsigned char *)(in->s ? in->s : "");
	int space = 0;

	for (size_t i = 0; i < in->len; i++) {
		if (p[i] <= ' ' || p[i] == 0x7f) {
			space = 1;
			continue;
		}
		if (space && out.len > 0)
			buf_addc(&out, ' ');
		space = 0;
		buf_addc(&out, (char)p[i]);
	}
	if (out.len > SUBJECT_MAX) {
		size_t cut = SUBJECT_MAX;

		while (cut > 0 && ((unsigned char)out.s[cut] & 0xc0) == 0x80)
			cut--;
		while (cut > 0 && out.s[cut - 1] == ' ')
			cut--;
		out.len = cut;
		out.s[cut] = '\0';
	}
	buf_free(in);
	return buf_steal(&out);
}

int template_render(const struct template_set *set, enum mail_kind kind, const struct tvar *vars,
                    size_t n, struct rendered *out, char **error_r)
{
	const char *vals[NVARS] = {0};
	const struct tmpl *t;
	struct buf b = {0};

	memset(out, 0, sizeof(*out));
	if (set == NULL || (unsigned)kind >= MAIL_COUNT) {
		if (error_r)
			*error_r = xasprintf("no template '%s'", mail_name(kind));
		return -1;
	}
	t = &set->t[kind];
	for (size_t i = 0; i < n; i++) {
		int v = vars[i].name ? var_index(vars[i].name, strlen(vars[i].name)) : -1;

		if (v >= 0)
			vals[v] = (vars[i].value && vars[i].value[0]) ? vars[i].value : NULL;
	}
	part_render(&t->subject, vals, 0, &b);
	out->subject = subject_finish(&b);
	part_render(&t->text, vals, 0, &b);
	out->text = body_finish(&b);
	if (t->has_html) {
		part_render(&t->html, vals, 1, &b);
		out->html = body_finish(&b);
	}
	return 0;
}

void rendered_clear(struct rendered *r)
{
	if (r == NULL)
		return;
	free(r->subject);
	free(r->text);
	free(r->html);
	r->subject = r->text = r->html = NULL;
}
