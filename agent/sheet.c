/*
 * sheet.c - CSV in and out (see sheet.h), over libcsv.
 *
 * libcsv (Debian's libcsv-dev) is a small streaming RFC 4180 parser: it
 * calls back once per cell and once per end of row.  What it leaves to us
 * is what spreadsheets add around the RFC: the encoding, the separator,
 * Excel's "sep=" line, numbering rows the way the spreadsheet shows them,
 * and carrying on after a broken row.  For the last it runs in strict mode
 * (a stray quote is an error, not silently taken in) and, at an error,
 * notes the row and column, drops the row and starts again after the next
 * line end.
 */
#include "sheet.h"

#include <csv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* ---- the encoding ---- */

/* Windows-1252 0x80..0x9F (the rest of the upper half is Latin-1);
 * 0xFFFD where the code page has no character. */
static const uint16_t cp1252_high[32] = {
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static void add_utf8(struct buf *b, unsigned cp)
{
	if (cp < 0x80) {
		buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_addc(b, (char)(0xC0 | (cp >> 6)));
		buf_addc(b, (char)(0x80 | (cp & 0x3F)));
	} else {
		buf_addc(b, (char)(0xE0 | (cp >> 12)));
		buf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		buf_addc(b, (char)(0x80 | (cp & 0x3F)));
	}
}

/* data as UTF-8 (caller frees) from Windows-1252. */
static char *from_cp1252(const char *data, size_t len)
{
	struct buf b = {0};

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		add_utf8(&b, c >= 0x80 && c < 0xA0 ? cp1252_high[c - 0x80] : c);
	}
	buf_addc(&b, '\0');
	b.len--;
	return buf_steal(&b);
}

/* ---- the separator ---- */

/* Excel writes "sep=;" as the first line when asked to; it is no row. */
static size_t sep_line(const char *s, size_t len, char *sep_r)
{
	size_t n;

	if (len < 5 || !str_istarts(s, "sep=") || s[4] == '\r' || s[4] == '\n')
		return 0;
	n = 5;
	if (n < len && s[n] == '\r')
		n++;
	if (n < len && s[n] != '\n')
		return 0;
	*sep_r = s[4];
	return n < len ? n + 1 : n;
}

/* The separator of the first line: whichever of comma, semicolon and tab
 * occurs most outside quotes (a comma when none does). */
static char guess_sep(const char *s, size_t len)
{
	size_t comma = 0, semi = 0, tab = 0;
	int quoted = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (quoted)
			continue;
		else if (s[i] == '\n' || s[i] == '\r')
			break;
		else if (s[i] == ',')
			comma++;
		else if (s[i] == ';')
			semi++;
		else if (s[i] == '\t')
			tab++;
	}
	if (semi > comma && semi >= tab)
		return ';';
	if (tab > comma && tab > semi)
		return '\t';
	return ',';
}

/* ---- rows ---- */

struct reader {
	struct sheet *s;
	size_t rows_cap;
	char **cells; /* the row being read */
	size_t n, cap;
	unsigned line; /* the number of the row being read */
	int last_term; /* the line end that ended the last row, or 0 */
	char *error;   /* the row being read is broken */
	size_t error_col;
};

static void row_error(struct reader *r, size_t col, const char *why)
{
	if (r->error)
		return;
	r->error = xstrdup(why);
	r->error_col = col;
}

/* The inverse of the writer's formula guard. */
static int guarded(const char *s, size_t n)
{
	return n >= 2 && s[0] == '\'' && strchr("=+-@\t\r", s[1]) != NULL;
}

static void on_cell(void *data, size_t n, void *arg)
{
	struct reader *r = arg;
	const char *s = data;

	if (r->n >= SHEET_MAX_CELLS) {
		row_error(r, r->n + 1, "too many columns");
		return;
	}
	if (n > SHEET_MAX_CELL) {
		row_error(r, r->n + 1, "a cell longer than 64 KiB");
		n = 0;
	}
	if (guarded(s, n)) {
		s++;
		n--;
	}
	r->cells = xgrow(r->cells, &r->cap, r->n + 1, sizeof(*r->cells));
	r->cells[r->n++] = xstrndup(s ? s : "", n);
}

static void add_row(struct reader *r)
{
	struct sheet *s = r->s;
	struct sheet_row *row;

	s->rows = xgrow(s->rows, &r->rows_cap, s->nrows + 1, sizeof(*s->rows));
	row = &s->rows[s->nrows++];
	memset(row, 0, sizeof(*row));
	row->row = r->line++;
	row->cells = r->cells;
	row->ncells = r->n;
	row->error = r->error;
	row->error_col = r->error_col;
	r->cells = NULL;
	r->n = r->cap = 0;
	r->error = NULL;
	r->error_col = 0;
}

/* CSV_REPALL_NL reports every line end outside a cell: one that ends a
 * row, the LF of a CRLF that did, and a blank line. */
static void on_row_end(int c, void *arg)
{
	struct reader *r = arg;

	if (r->n == 0 && r->error == NULL) {
		if (c == '\n' && r->last_term == '\r') {
			r->last_term = 0;
			return;
		}
		if (c == -1)
			return;
	}
	r->last_term = c;
	add_row(r);
}

/* Past the end of the line that holds data[at]. */
static size_t skip_line(const char *data, size_t len, size_t at)
{
	while (at < len && data[at] != '\n' && data[at] != '\r')
		at++;
	if (at < len && data[at] == '\r')
		at++;
	if (at < len && data[at] == '\n')
		at++;
	return at;
}

/* Space is trimmed around unquoted cells; a tab only when it is not the
 * separator. */
static int is_space(unsigned char c)
{
	return c == ' ';
}

static int check_encoding(const char *data, size_t len, char **error_r)
{
	if (len > SHEET_MAX_BYTES) {
		*error_r = xasprintf("larger than %u MiB", SHEET_MAX_BYTES >> 20);
		return -1;
	}
	if (len >= 2 && (((unsigned char)data[0] == 0xFF && (unsigned char)data[1] == 0xFE) ||
	                 ((unsigned char)data[0] == 0xFE && (unsigned char)data[1] == 0xFF))) {
		*error_r = xstrdup("UTF-16 text (Excel's \"Unicode Text\"): save the sheet as "
		                   "\"CSV UTF-8\"");
		return -1;
	}
	if (memchr(data, '\0', len)) {
		*error_r = xstrdup("not a CSV file (binary data: an .xlsx or .numbers file? "
		                   "export the sheet as CSV)");
		return -1;
	}
	return 0;
}

/* Runs libcsv over text[0..len) into r, restarting after broken rows. */
static void parse_rows(struct reader *r, const char *text, size_t len, char sep)
{
	struct csv_parser p;
	size_t at = 0;

	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL | CSV_APPEND_NULL) != 0)
		fatal("out of memory (csv_init)");
	csv_set_delim(&p, (unsigned char)sep);
	if (sep == '\t')
		csv_set_space_func(&p, is_space);
	while (at < len) {
		size_t done = csv_parse(&p, text + at, len - at, on_cell, on_row_end, r);
		size_t bad = at + done;

		if (done == len - at)
			break;
		if (csv_error(&p) != CSV_EPARSE)
			fatal("out of memory (csv_parse)");
		row_error(r, r->n + 1,
		          text[bad] == '"' ? "a quote inside a cell that does not start with one "
		                             "(quote the whole cell and double the quote: \"\")"
		                           : "text after the closing quote of a cell");
		/* the rest of the line goes with the row; the parser starts
		 * again, without calling back, at the next line */
		csv_fini(&p, NULL, NULL, NULL);
		at = skip_line(text, len, bad);
		r->last_term = text[at - 1];
		add_row(r);
	}
	if (csv_fini(&p, on_cell, on_row_end, r) != 0) {
		row_error(r, r->n + 1,
		          "a quote that is never closed (everything after it was taken as this "
		          "cell)");
		add_row(r);
	}
	csv_free(&p);
	free_strings(r->cells, r->n);
	free(r->error);
}

int sheet_parse(const char *data, size_t len, struct sheet **s_r, char **error_r)
{
	struct sheet *s;
	struct reader r = {0};
	char *copy = NULL;
	const char *text = data;
	size_t skip;

	*s_r = NULL;
	*error_r = NULL;
	if (check_encoding(data, len, error_r) != 0)
		return -1;
	s = xcalloc(1, sizeof(*s));
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	} else if (!utf8_valid(data, len)) {
		text = copy = from_cp1252(data, len);
		len = strlen(copy);
		s->cp1252 = 1;
	}
	skip = sep_line(text, len, &s->sep);
	if (skip == 0)
		s->sep = guess_sep(text, len);
	r.s = s;
	r.line = 1;
	parse_rows(&r, text + skip, len - skip, s->sep);
	free(copy);
	*s_r = s;
	return 0;
}

void sheet_free(struct sheet *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nrows; i++) {
		for (size_t k = 0; k < s->rows[i].ncells; k++)
			free(s->rows[i].cells[k]);
		free(s->rows[i].cells);
		free(s->rows[i].error);
	}
	free(s->rows);
	free(s);
}

const char *sheet_column_name(size_t col, char buf[static 8])
{
	char tmp[8];
	size_t n = 0, k = 0;

	if (col == 0) {
		buf[0] = '?';
		buf[1] = '\0';
		return buf;
	}
	for (; col > 0 && n < sizeof(tmp); col = (col - 1) / 26)
		tmp[n++] = (char)('A' + (col - 1) % 26);
	while (n > 0)
		buf[k++] = tmp[--n];
	buf[k] = '\0';
	return buf;
}

/* ---- writing ---- */

/* A spreadsheet would take s as a formula: =, @, a tab or CR first, or a
 * + or - that does not start a number or a phone number. */
static int formula_like(const char *s)
{
	if (strchr("=@\t\r", s[0]))
		return 1;
	if (s[0] != '+' && s[0] != '-')
		return 0;
	for (const char *p = s + 1; *p; p++)
		if (!strchr("0123456789 ()-./", *p))
			return 1;
	return 0;
}

static void sep(struct sheet_out *o)
{
	if (o->cells++)
		fputc(',', o->f);
}

void sheet_text(struct sheet_out *o, const char *s)
{
	char *guarded_copy = NULL;
	size_t n;

	sep(o);
	if (s == NULL || *s == '\0')
		return;
	if (formula_like(s))
		s = guarded_copy = xasprintf("'%s", s);
	n = strlen(s);
	/* RFC 4180 section 2: quoted when it holds a separator, a quote or a
	 * line break; also around edge spaces, which readers trim */
	if (strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[n - 1] == ' ')
		csv_fwrite(o->f, s, n);
	else
		fwrite(s, 1, n, o->f);
	free(guarded_copy);
}

void sheet_number(struct sheet_out *o, int has, double x)
{
	char num[64];
	char *end;

	sep(o);
	if (!has)
		return;
	snprintf(num, sizeof(num), "%.2f", x);
	end = num + strlen(num);
	while (end[-1] == '0')
		*--end = '\0';
	if (end[-1] == '.')
		end[-1] = '\0';
	fputs(num, o->f);
}

void sheet_end_row(struct sheet_out *o)
{
	fputs("\r\n", o->f);
	o->cells = 0;
}
