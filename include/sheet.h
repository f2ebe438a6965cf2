/*
 * sheet.h - spreadsheets as CSV files (RFC 4180), read and written.  The
 * only module that includes libcsv.
 *
 * Reading takes what spreadsheets really export: UTF-8 with or without a
 * byte order mark (Excel's "CSV UTF-8"), Windows-1252 (Excel's plain
 * "CSV" on a Western Windows: read as such when the file is not UTF-8),
 * comma, semicolon (Excel where the decimal mark is a comma) or tab as the
 * separator (found from the first line, or Excel's "sep=;" line), CRLF or
 * LF line ends, quoted cells with separators, quotes ("") and line breaks
 * in them.  Rows are numbered as a spreadsheet shows them: the first line
 * is row 1, a blank line is a row, a line break inside a quoted cell is
 * not.  A row that breaks the format (a quote in the middle of an
 * unquoted cell, text after a closing quote, a quote never closed) is
 * kept with the column and the reason, and reading goes on with the next
 * line: one bad row never costs the others.
 *
 * Writing is RFC 4180: comma-separated, CRLF line ends, a cell quoted only
 * when it must be.  A text cell that a spreadsheet would run as a formula
 * (=, @, a + or - not starting a number, a tab or CR) is written after an
 * apostrophe, the usual guard against formula injection (OWASP "CSV
 * injection"); the reader takes the apostrophe off again, so exported
 * data imports as it was.
 */
#ifndef REFAGENT_SHEET_H
#define REFAGENT_SHEET_H

#include <stddef.h>
#include <stdio.h>

/* The largest file read, and the most columns and the longest cell taken
 * (past them a row is an error row). */
#define SHEET_MAX_BYTES (64u << 20)
#define SHEET_MAX_CELLS 512
#define SHEET_MAX_CELL  (64u << 10)

struct sheet_row {
	unsigned row;     /* as a spreadsheet numbers it (the first line is 1) */
	char **cells;     /* UTF-8, trimmed unless quoted; "" for an empty cell */
	size_t ncells;    /* 0 for a blank row */
	char *error;      /* NULL, or why the row could not be read */
	size_t error_col; /* 1-based column the error is in, 0: the row */
};

struct sheet {
	struct sheet_row *rows; /* every row in order, blank rows included */
	size_t nrows;
	char sep;   /* ',' ';' or '\t' */
	int cp1252; /* the file was not UTF-8 and was read as Windows-1252 */
};

/*
 * Reads the CSV in data[0..len).  Returns 0 and sets *s_r (free with
 * sheet_free), or -1 with *error_r (caller frees) when the file as a whole
 * is no CSV text: UTF-16 (Excel's "Unicode Text"), binary data (a NUL
 * byte: an .xlsx or .numbers file), or more than SHEET_MAX_BYTES.
 */
int sheet_parse(const char *data, size_t len, struct sheet **s_r, char **error_r);
void sheet_free(struct sheet *s);

/* The spreadsheet name of 1-based column col ("A", "Z", "AA"). */
const char *sheet_column_name(size_t col, char buf[static 8]);

/* ---- writing ---- */

/* One file being written; zero it, then set f. */
struct sheet_out {
	FILE *f;
	size_t cells; /* in the current row */
};

/* A text cell (NULL or "" is an empty cell), guarded against formulas. */
void sheet_text(struct sheet_out *o, const char *s);
/* A number cell: plain digits, a '.' before decimals, no grouping, no
 * currency ("12000", "1234.5"); empty when !has. */
void sheet_number(struct sheet_out *o, int has, double x);
/* Ends the row (CRLF). */
void sheet_end_row(struct sheet_out *o);

#endif
