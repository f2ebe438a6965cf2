/*
 * test_sheet.c - CSV in and out: the files spreadsheets really export
 * (tests/data/csv/, one per program), rows that break the format, and the
 * writer's quoting and formula guard read back by the reader.
 */
#include "testutil.h"

#include "sheet.h"

static struct sheet *parse_file(const char *name)
{
	char path[128], *data, *err = NULL;
	struct sheet *s = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "csv/%s", name);
	data = test_read_data(path, &len);
	assert_non_null(data);
	if (sheet_parse(data, len, &s, &err) != 0)
		fail_msg("%s: %s", name, err);
	free(data);
	return s;
}

static struct sheet *parse_text(const char *text)
{
	struct sheet *s = NULL;
	char *err = NULL;

	if (sheet_parse(text, strlen(text), &s, &err) != 0)
		fail_msg("%s", err);
	return s;
}

/* Row r (1-based as shown) of s. */
static const struct sheet_row *row(const struct sheet *s, unsigned r)
{
	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].row == r)
			return &s->rows[i];
	fail_msg("no row %u", r);
	return NULL;
}

/* ---- what each program's export reads as ---- */

struct cell_case {
	unsigned row;
	size_t col; /* 1-based */
	const char *want;
};

struct file_case {
	const char *file;
	char sep;
	int cp1252;
	size_t nrows;  /* blank rows included */
	size_t ncells; /* of the last row */
	struct cell_case cells[4];
};

static const struct file_case files[] = {
        /* CRLF, a quoted comma, a line break inside a quoted cell: row 4
         * is still row 4 */
        {"google-sheets.csv",
         ',',
         0,
         4,
         10,
         {{1, 4, "Client"},
          {2, 9, "$12,000.00"},
          {2, 10, "Kitchen remodel, signed in March"},
          {4, 10, "Called twice; wants a quote\nafter the summer"}}},
        /* BOM gone, semicolons, a title row and a blank row above the
         * header, a no-break space kept, doubled quotes */
        {"excel-semicolon.csv",
         ';',
         0,
         6,
         8,
         {{3, 1, "Date"},
          {4, 4, "\xc3\x89lodie Martin"},
          {4, 7,
           "12\xc2\xa0"
           "500,00 \xe2\x82\xac"},
          {6, 8, "Prix \"trop \xc3\xa9lev\xc3\xa9\""}}},
        /* Excel's sep= line is no row */
        {"excel-sep.csv", ';', 0, 2, 5, {{1, 1, "Date"}, {2, 3, "Bob Smith"}}},
        /* Windows-1252 read as such: the euro sign is 0x80 there */
        {"excel-cp1252.csv",
         ';',
         1,
         2,
         6,
         {{2, 2, "J\xc3\xbcrgen Wei\xc3\x9f"},
          {2, 3, "Zo\xc3\xab M\xc3\xbcller"},
          {2, 6, "1.500 \xe2\x82\xac"}}},
        {"numbers.csv", ',', 0, 3, 7, {{2, 7, "Mar 2, 2026"}, {3, 7, "2 April 2026"}}},
        /* every cell quoted */
        {"hubspot.csv", ',', 0, 4, 11, {{1, 1, "Record ID"}, {4, 9, ""}, {3, 11, "ana@biz.test"}}},
        {"airtable.csv",
         ',',
         0,
         3,
         7,
         {{1, 1, "Name"},
          {2, 2, "Sarah Lee <sarah@partner.test>"},
          {3, 6, "Went with \"the other guys\""}}},
};

static void test_exports(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		const struct file_case *fc = &files[i];
		struct sheet *s = parse_file(fc->file);

		if (s->sep != fc->sep || s->cp1252 != fc->cp1252 || s->nrows != fc->nrows)
			fail_msg("%s: sep '%c' cp1252 %d rows %zu", fc->file, s->sep, s->cp1252,
			         s->nrows);
		assert_int_equal(s->rows[s->nrows - 1].ncells, fc->ncells);
		for (size_t k = 0; k < ARRAY_SIZE(fc->cells) && fc->cells[k].row; k++) {
			const struct cell_case *c = &fc->cells[k];
			const struct sheet_row *r = row(s, c->row);

			assert_null(r->error);
			assert_true(c->col <= r->ncells);
			if (strcmp(r->cells[c->col - 1], c->want) != 0)
				fail_msg("%s: row %u column %zu: '%s', want '%s'", fc->file, c->row,
				         c->col, r->cells[c->col - 1], c->want);
		}
		sheet_free(s);
	}
}

/* ---- broken rows: each alone, with its column ---- */

static void test_broken_rows(void **state)
{
	struct sheet *s = parse_file("broken.csv");
	static const struct {
		unsigned row;
		size_t col;
		const char *why;
	} bad[] = {
	        {3, 3, "a quote inside a cell"},
	        {4, 3, "text after the closing quote"},
	        {11, 3, "a quote that is never closed"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const struct sheet_row *r = row(s, bad[i].row);

		assert_non_null(r->error);
		assert_int_equal(r->error_col, bad[i].col);
		assert_non_null(strstr(r->error, bad[i].why));
	}
	/* the rows between them read whole */
	for (unsigned n = 5; n <= 10; n++) {
		assert_null(row(s, n)->error);
		assert_int_equal(row(s, n)->ncells, 6);
	}
	assert_string_equal(row(s, 10)->cells[2], "Good Two");
	/* the unclosed quote took the rest of the file: no row 12 */
	assert_int_equal(s->rows[s->nrows - 1].row, 11);
	sheet_free(s);
}

/* Blank lines are rows (as a spreadsheet shows them), CR only and LF only
 * line ends both work, a line end inside quotes is not a row. */
static void test_row_numbers(void **state)
{
	struct sheet *s = parse_text("a,b\n\nc,\"d\ne\"\rf,g\r\n\r\nh,i");

	(void)state;
	assert_int_equal(s->nrows, 6);
	assert_int_equal(row(s, 2)->ncells, 0);
	assert_string_equal(row(s, 3)->cells[1], "d\ne");
	assert_string_equal(row(s, 4)->cells[0], "f");
	assert_int_equal(row(s, 5)->ncells, 0);
	assert_string_equal(row(s, 6)->cells[1], "i");
	sheet_free(s);

	/* tab separated; spaces around unquoted cells go, inside quotes stay */
	s = parse_text("a\tb\n x \t\" y \"\n");
	assert_int_equal(s->sep, '\t');
	assert_string_equal(row(s, 2)->cells[0], "x");
	assert_string_equal(row(s, 2)->cells[1], " y ");
	sheet_free(s);
}

static void test_not_csv(void **state)
{
	struct sheet *s = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(sheet_parse("\xff\xfe"
	                             "D\0a\0",
	                             6, &s, &err),
	                 -1);
	assert_non_null(strstr(err, "UTF-16"));
	free(err);
	assert_int_equal(sheet_parse("PK\3\4\0\0", 6, &s, &err), -1);
	assert_non_null(strstr(err, "binary"));
	free(err);
	assert_null(s);
}

static void test_column_names(void **state)
{
	char b[8];

	(void)state;
	assert_string_equal(sheet_column_name(1, b), "A");
	assert_string_equal(sheet_column_name(26, b), "Z");
	assert_string_equal(sheet_column_name(27, b), "AA");
	assert_string_equal(sheet_column_name(702, b), "ZZ");
	assert_string_equal(sheet_column_name(703, b), "AAA");
}

/* ---- writing ---- */

static char *write_row(const char *const *cells, size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct sheet_out o = {.f = f};

	for (size_t i = 0; i < n; i++)
		sheet_text(&o, cells[i]);
	sheet_number(&o, 1, 12000);
	sheet_number(&o, 1, 1234.5);
	sheet_number(&o, 0, 0);
	sheet_end_row(&o);
	fclose(f);
	return out;
}

static void test_write(void **state)
{
	static const char *const cells[] = {
	        "plain",
	        "a, b",
	        "say \"hi\"",
	        "two\nlines",
	        " edge ",
	        "",
	        "=HYPERLINK(\"http://x\")",
	        "+1 415 555 0100",
	        "-2",
	        "+cmd|' /C calc'!A0",
	        "@SUM(A1)",
	        NULL,
	};
	/* what write_row adds after them */
	static const char *const numbers[] = {"12000", "1234.5", ""};
	char *out = write_row(cells, ARRAY_SIZE(cells));
	struct sheet *s;

	(void)state;
	/* quoted only when needed; formulas behind an apostrophe; CRLF */
	assert_string_equal(out, "plain,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\",\" edge \",,"
	                         "\"'=HYPERLINK(\"\"http://x\"\")\",+1 415 555 0100,-2,"
	                         "'+cmd|' /C calc'!A0,'@SUM(A1),,12000,1234.5,\r\n");
	/* and the reader gives back what was written (NULL as empty) */
	s = parse_text(out);
	assert_int_equal(s->nrows, 1);
	assert_int_equal(s->rows[0].ncells, ARRAY_SIZE(cells) + ARRAY_SIZE(numbers));
	for (size_t i = 0; i < ARRAY_SIZE(cells); i++)
		assert_string_equal(s->rows[0].cells[i], cells[i] ? cells[i] : "");
	for (size_t i = 0; i < ARRAY_SIZE(numbers); i++)
		assert_string_equal(s->rows[0].cells[ARRAY_SIZE(cells) + i], numbers[i]);
	sheet_free(s);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_exports),      cmocka_unit_test(test_broken_rows),
	        cmocka_unit_test(test_row_numbers),  cmocka_unit_test(test_not_csv),
	        cmocka_unit_test(test_column_names), cmocka_unit_test(test_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
