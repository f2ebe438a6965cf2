/*
 * html.c - HTML mail bodies as plain text, with libxml2's forgiving HTML
 * parser.
 *
 * Only used when a message has no text/plain part.  The text has to be good
 * enough for the rules in filters/ and for text_trim_context(): lines where
 * the author had lines, one blank line between paragraphs, quoted history
 * prefixed with "> " so it is recognised as history, no CSS, no markup.
 *
 * What real mail looks like and what we do about it:
 * - Outlook/Word: <style> in <head>, <p class=MsoNormal> per line (margins
 *   of 0, so a line, not a paragraph), <o:p>&nbsp;</o:p> for empty lines
 *   (libxml2 drops the "o:" prefix, so it arrives as a <p> nested in a <p>),
 *   downlevel-revealed conditionals "<![if !supportLists]>" left as text.
 * - Gmail/Apple: <div> per line, <div><br></div> for empty lines,
 *   <div class="gmail_quote"> with a <blockquote> for quoted history.
 * - Links: <a href="mailto:x">Tom</a> keeps x, since a lead's address is
 *   often only in the href.
 * The tree is walked without recursion so deeply nested junk cannot
 * exhaust the stack.
 */
#include "html.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "util.h"

/* What an element does to the text flow. */
enum kind {
	K_INLINE = 0,
	K_SKIP,     /* head, script, style: nothing inside is text */
	K_LINE,     /* starts and ends a line (div, li, tr, Outlook's p) */
	K_PARA,     /* a paragraph: blank line before and after */
	K_BR,       /* line break */
	K_CELL,     /* td, th: separated by a tab */
	K_QUOTE,    /* blockquote: lines prefixed with "> " */
	K_PRE,      /* pre: white space kept */
	K_LI,       /* list item: a line starting with "- " */
	K_A,        /* link: mailto target kept */
	K_NESTED_P, /* <o:p> inside <p>: inline */
};

struct frame {
	enum kind kind;
	size_t written_at;  /* out.b.len when the element opened */
	size_t nbsp_at;     /* out.nbsp when the element opened */
	const char *mailto; /* K_A: address from href (points into the tree) */
	size_t mailto_len;
};

struct out {
	struct buf b;
	int quote;   /* blockquote depth */
	int pre;     /* inside <pre> */
	int nl;      /* line breaks owed before the next text */
	int space;   /* a space (1) or a tab (2, between cells) owed before the next text */
	int col0;    /* nothing written on the current line yet */
	int bullet;  /* "- " owed at the start of the next line */
	size_t nbsp; /* count of non-breaking spaces seen */
	struct frame *stack;
	size_t depth, cap;
};

static void parser_quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void structured_quiet(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

/* The elements that are not inline text, by what they do to it (<p> and
 * <h1> to <h6> are kind_of's own).  Anything else is inline. */
static const struct {
	const char *name;
	enum kind kind;
} element_kinds[] = {
        {"a", K_A},           {"br", K_BR},         {"blockquote", K_QUOTE}, {"li", K_LI},
        {"pre", K_PRE},       {"td", K_CELL},       {"th", K_CELL},

        {"address", K_LINE},  {"article", K_LINE},  {"aside", K_LINE},       {"body", K_LINE},
        {"center", K_LINE},   {"caption", K_LINE},  {"div", K_LINE},         {"dl", K_LINE},
        {"dt", K_LINE},       {"dd", K_LINE},       {"details", K_LINE},     {"form", K_LINE},
        {"footer", K_LINE},   {"fieldset", K_LINE}, {"figure", K_LINE},      {"figcaption", K_LINE},
        {"hr", K_LINE},       {"header", K_LINE},   {"main", K_LINE},        {"nav", K_LINE},
        {"ol", K_LINE},       {"section", K_LINE},  {"summary", K_LINE},     {"tr", K_LINE},
        {"table", K_LINE},    {"ul", K_LINE},

        {"head", K_SKIP},     {"object", K_SKIP},   {"script", K_SKIP},      {"style", K_SKIP},
        {"svg", K_SKIP},      {"select", K_SKIP},   {"title", K_SKIP},       {"template", K_SKIP},
        {"textarea", K_SKIP}, {"xml", K_SKIP},
};

/* <p>: a paragraph, or one line of Word's, or Word's <o:p> inside one. */
static enum kind p_kind(const xmlNode *n)
{
	const xmlNode *up;
	xmlChar *cls;
	enum kind k = K_PARA;

	/* HTML has no <p> inside a <p> (the parser closes the first): one
	 * inside is Word's <o:p>, often within a <span> */
	for (up = n->parent; up && up->type == XML_ELEMENT_NODE; up = up->parent)
		if (up->name && strcmp((const char *)up->name, "p") == 0)
			return K_NESTED_P;
	/* Word's MsoNormal paragraphs have no margins: each is one line of
	 * what the author typed. */
	cls = xmlGetProp(n, (const xmlChar *)"class");
	if (cls && strncmp((const char *)cls, "Mso", 3) == 0)
		k = K_LINE;
	xmlFree(cls);
	return k;
}

static enum kind kind_of(const xmlNode *n)
{
	const char *name = (const char *)n->name;

	if (name == NULL)
		return K_INLINE;
	if (strcmp(name, "p") == 0)
		return p_kind(n);
	if (name[0] == 'h' && name[1] >= '1' && name[1] <= '6' && name[2] == '\0')
		return K_PARA;
	for (size_t i = 0; i < ARRAY_SIZE(element_kinds); i++)
		if (strcmp(name, element_kinds[i].name) == 0)
			return element_kinds[i].kind;
	return K_INLINE;
}

static void want_break(struct out *o, int n)
{
	if (o->b.len == 0)
		return;
	if (o->col0 && o->nl == 0)
		return; /* already at the start of a line */
	if (o->nl < n)
		o->nl = n;
}

/* Settles owed line breaks, quote prefix, bullet and space before text. */
static void flush(struct out *o)
{
	int i;

	if (o->nl > 0 && o->b.len > 0) {
		int n = o->nl > 2 ? 2 : o->nl;

		buf_addc(&o->b, '\n');
		if (n == 2) {
			for (i = 0; i < o->quote; i++)
				buf_addc(&o->b, '>');
			buf_addc(&o->b, '\n');
		}
		o->col0 = 1;
	}
	o->nl = 0;
	if (o->col0) {
		for (i = 0; i < o->quote; i++)
			buf_add(&o->b, "> ", 2);
		if (o->bullet)
			buf_add(&o->b, "- ", 2);
		o->bullet = 0;
		o->col0 = 0;
	} else if (o->space) {
		buf_addc(&o->b, o->space == 2 ? '\t' : ' ');
	}
	o->space = 0;
}

/* Appends a text node: white space collapsed (except in <pre>), NBSP as a
 * space, invisible characters dropped, "<![if ...]>" leftovers skipped. */
static void add_text(struct out *o, const unsigned char *s, size_t len)
{
	const unsigned char *end, *span = NULL;

	if (s == NULL)
		return;
	end = s + len;

	while (s < end) {
		unsigned char c = *s;
		size_t skip = 0;
		int ws = 0;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			ws = 1;
			skip = 1;
		} else if (c == 0xC2 && s + 1 < end && s[1] == 0xA0) {
			ws = 1; /* U+00A0 */
			skip = 2;
			o->nbsp++;
		} else if (c == 0xC2 && s + 1 < end && s[1] == 0xAD) {
			skip = 2; /* soft hyphen */
		} else if (c == 0xE2 && s + 2 < end && s[1] == 0x80 &&
		           (s[2] == 0x8B || s[2] == 0xAF)) {
			/* zero width space dropped; narrow NBSP as space */
			ws = s[2] == 0xAF;
			skip = 3;
		} else if (c == 0xEF && s + 2 < end && s[1] == 0xBB && s[2] == 0xBF) {
			skip = 3; /* BOM */
		} else if (c == '<' && s + 2 < end && s[1] == '!' && s[2] == '[') {
			const unsigned char *close = memmem(s, (size_t)(end - s), "]>", 2);

			if (close)
				skip = (size_t)(close + 2 - s);
		}
		if (skip == 0) {
			if (span == NULL) {
				flush(o);
				span = s;
			}
			s++;
			continue;
		}
		if (span) {
			buf_add(&o->b, (const char *)span, (size_t)(s - span));
			span = NULL;
		}
		if (ws) {
			if (o->pre && (c == '\n')) {
				o->nl++;
				o->space = 0;
			} else if (o->pre && c != '\r') {
				flush(o);
				buf_addc(&o->b, ' ');
			} else if (!o->space) {
				o->space = 1;
			}
		}
		s += skip;
	}
	if (span)
		buf_add(&o->b, (const char *)span, (size_t)(s - span));
}

/* Enters element n; returns 0 when its children are to be skipped. */
static int enter(struct out *o, const xmlNode *n)
{
	enum kind k = kind_of(n);
	struct frame *f;

	if (k == K_SKIP)
		return 0;
	o->stack = xgrow(o->stack, &o->cap, o->depth + 1, sizeof(*o->stack));
	f = &o->stack[o->depth++];
	f->kind = k;
	f->written_at = o->b.len;
	f->nbsp_at = o->nbsp;
	f->mailto = NULL;
	f->mailto_len = 0;

	switch (k) {
	case K_LINE:
	case K_PRE:
		want_break(o, 1);
		o->pre += k == K_PRE;
		break;
	case K_PARA:
		want_break(o, 2);
		break;
	case K_LI:
		want_break(o, 1);
		o->bullet = 1;
		break;
	case K_QUOTE:
		want_break(o, 1);
		o->quote++;
		break;
	case K_BR:
		if (o->b.len > 0)
			o->nl++;
		o->space = 0;
		break;
	case K_CELL:
		/* a tab keeps a form's "label<TAB>value" row apart */
		if (!o->col0 || o->nl)
			o->space = 2;
		break;
	case K_A: {
		const xmlAttr *a;

		for (a = n->properties; a; a = a->next) {
			const xmlNode *v = a->children;

			if (a->name == NULL || strcmp((const char *)a->name, "href") != 0)
				continue;
			if (v && v->type == XML_TEXT_NODE && v->content &&
			    strncasecmp((const char *)v->content, "mailto:", 7) == 0) {
				const char *addr = (const char *)v->content + 7;

				f->mailto = addr;
				f->mailto_len = strcspn(addr, "?& \t\r\n<>\"");
			}
			break;
		}
		break;
	}
	default:
		break;
	}
	return 1;
}

static void leave(struct out *o)
{
	struct frame *f;

	if (o->depth == 0)
		return;
	f = &o->stack[--o->depth];
	switch (f->kind) {
	case K_LINE:
	case K_PARA:
		/* An empty paragraph holding only &nbsp; is how Outlook
		 * writes a blank line. */
		if (o->b.len == f->written_at && o->nbsp > f->nbsp_at && o->b.len > 0)
			o->nl = o->nl < 2 ? o->nl + 1 : 2;
		want_break(o, f->kind == K_PARA ? 2 : 1);
		break;
	case K_PRE:
		o->pre--;
		want_break(o, 1);
		break;
	case K_LI:
		o->bullet = 0;
		want_break(o, 1);
		break;
	case K_QUOTE:
		want_break(o, 1);
		o->quote--;
		break;
	case K_A:
		if (f->mailto_len > 0 && f->mailto_len < 256 &&
		    (o->b.len == f->written_at ||
		     !memmem(o->b.s + f->written_at, o->b.len - f->written_at, f->mailto,
		             f->mailto_len))) {
			flush(o);
			if (o->b.len > f->written_at)
				buf_add(&o->b, " <", 2);
			else
				buf_addc(&o->b, '<');
			buf_add(&o->b, f->mailto, f->mailto_len);
			buf_addc(&o->b, '>');
		}
		break;
	default:
		break;
	}
}

static void walk(struct out *o, xmlNode *root)
{
	xmlNode *n = root;

	while (n) {
		int down = 0, skipped = 0;

		if (n->type == XML_ELEMENT_NODE) {
			down = enter(o, n);
			skipped = !down;
		} else if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
			add_text(o, n->content, n->content ? strlen((const char *)n->content) : 0);
		if (down && n->children) {
			n = n->children;
			continue;
		}
		for (;;) {
			/* a skipped element pushed no frame */
			if (n->type == XML_ELEMENT_NODE && !skipped)
				leave(o);
			skipped = 0;
			if (n == root) {
				n = NULL;
				break;
			}
			if (n->next) {
				n = n->next;
				break;
			}
			n = n->parent;
		}
	}
}

void html_init(void)
{
	xmlInitParser();
}

char *html_to_text(const char *html, size_t len)
{
	/* libxml2 keeps its error handlers per thread */
	static __thread int quiet;
	htmlDocPtr doc;
	xmlNode *root;
	struct out o = {0};
	const char *enc;

	if (html == NULL || len == 0)
		return xstrdup("");
	if (len > INT_MAX)
		len = INT_MAX;
	if (!quiet) {
		/* HTML_PARSE_NOERROR covers the parser; encoding errors still
		 * go to the generic handler, and a mail body is no reason to
		 * write on stderr. */
		xmlSetGenericErrorFunc(NULL, parser_quiet);
		xmlSetStructuredErrorFunc(NULL, structured_quiet);
		quiet = 1;
	}
	/* message.c hands over text already converted to UTF-8, whose <meta
	 * charset> no longer tells the truth; only bytes that are not UTF-8
	 * are left to the meta charset (or libxml2's Latin-1 default). */
	enc = utf8_valid(html, len) ? "UTF-8" : NULL;
	doc = htmlReadMemory(html, (int)len, NULL, enc,
	                     HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
	                             HTML_PARSE_NONET | HTML_PARSE_COMPACT | HTML_PARSE_NODEFDTD);
	if (doc == NULL)
		return xstrdup("");
	root = xmlDocGetRootElement(doc);
	o.col0 = 1;
	if (root)
		walk(&o, root);
	xmlFreeDoc(doc);
	free(o.stack);
	if (o.b.len > 0)
		buf_addc(&o.b, '\n');
	return buf_steal(&o.b);
}
