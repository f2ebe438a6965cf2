/*
 * import.h - `refagent import`: the referrals of a spreadsheet (CSV, read
 * by sheet.h) into the store, as history.
 *
 * Columns are found by their header, in any case and spelling a sheet
 * uses ("Referred by", "Client email", "Deal value ($)"), or named with
 * --map COLUMN=FIELD; each row becomes a referral of the lead it names,
 * from its referrer, with the sheet's date, status and value, and the
 * people it names.  The rows are history: no mail is ever scheduled for
 * them, no reward computed, no rep assigned that the sheet does not name,
 * and the check-ins of referrers leave them out (store.h, imports).
 *
 * A row that cannot be read (a broken CSV row, a date or amount that is
 * none, an address that is none, no lead at all) is reported with its row
 * and column and skipped alone.  A row imported before (the same date,
 * referrer and lead, from any file) adds nothing, nor does a row of an
 * export of this database (`list --csv`): importing twice is harmless.
 * The whole file is one transaction; a dry run is the same import rolled
 * back, so it reports exactly what the import would do.
 */
#ifndef REFAGENT_IMPORT_H
#define REFAGENT_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "kinds.h"

struct config;
struct store;

/* How a date such as 02/03/2026 is read. */
enum import_dates {
	DATES_AUTO,        /* from the file: a day over 12 settles it */
	DATES_DAY_FIRST,   /* 2 March */
	DATES_MONTH_FIRST, /* February 3 */
};

struct import_opts {
	const char *path; /* the CSV file */
	int dry_run;      /* print what would happen; write nothing */
	int quiet;        /* no line per row */
	enum import_dates dates;
	const char *const *maps; /* "COLUMN=FIELD", as given to --map */
	size_t nmaps;
};

struct import_stats {
	size_t rows;     /* data rows read (blank rows not counted) */
	size_t added;    /* referrals made */
	size_t existing; /* rows already in the database */
	size_t skipped;  /* rows that could not be read */
};

/*
 * Imports o->path into st (in one transaction; none for a dry run).
 * Prints a line per row on stdout unless o->quiet ("row 7: referral #12:
 * Bob Smith <bob@x.test> from Sarah Lee, won $12,000, 2026-03-02"), and
 * each skipped row on stderr ("FILE: row 9, column C (Date): '31/02/2026'
 * is not a date; row skipped").  Returns 0 when the file was read (rows
 * may have been skipped: see stats), -1 when nothing could be imported
 * (the file, its header, a --map that names no column, the database),
 * with the reason logged.
 */
int import_file(const struct config *cfg, struct store *st, const struct import_opts *o,
                struct import_stats *stats);

/* The fields a column can hold, named as in --map. */
enum import_field {
	FIELD_DATE,
	FIELD_REFERRER,
	FIELD_REFERRER_EMAIL,
	FIELD_REFERRER_PHONE,
	FIELD_LEAD,
	FIELD_FIRST_NAME,
	FIELD_LAST_NAME,
	FIELD_EMAIL,
	FIELD_PHONE,
	FIELD_COMPANY,
	FIELD_STATUS,
	FIELD_VALUE,
	FIELD_NOTES,
	FIELD_NEED,
	FIELD_BUDGET,
	FIELD_TIMELINE,
	FIELD_REP,
	FIELD_REP_EMAIL,
	FIELD_SUBJECT,
	FIELD_FIRST_CONTACT,
	FIELD_UPDATED,
	FIELD_SKIP, /* a column to leave out */
	FIELD_COUNT
};

/* The field called name ("referrer-email"): 1 and *f_r, 0 none. */
int import_field_parse(const char *name, enum import_field *f_r);
/* "date, referrer, ..." (static). */
const char *import_field_list(void);
/* The field a header names ("Referred by", "E-mail", "Deal value ($)"):
 * 1 and *f_r, 0 when it is not one import knows. */
int import_header(const char *header, enum import_field *f_r);

/* ---- reading cells (exposed for tests) ---- */

/* A sheet's word for a status ("Closed won", "Proposal sent", "Not a
 * fit"), or a status name: 1 and *s_r, 0 when it is none. */
int import_status(const char *word, enum status *s_r);

/*
 * A date as sheets write it: 2026-03-02, 2026-03-02T14:30:00Z, 02/03/2026
 * (read by order), 02.03.2026 (always day first), 2 March 2026, March 2,
 * 2026, 2-Mar-26, each with or without a time (14:30, 2:30 PM), or an
 * Excel serial day (46083).  Times without a zone are local (the process's
 * TZ: [schedule] timezone).  Returns 0 and *t_r (*has_time_r: a time of
 * day was given), -1 when s is no date, 1 when it needs an order (a day
 * and month both 12 or less) and order is DATES_AUTO.
 */
int import_date(const char *s, enum import_dates order, int64_t *t_r, int *has_time_r);

/* An amount as sheets write it: 12000, $12,000, 12.000 €, 12 000,50 EUR,
 * 1.2k, USD 12000.  0 and *v_r, or -1 when s is no amount (or negative). */
int import_value(const char *s, double *v_r);
/* Bytes of a currency sign at s ($, €, £, ¥, ₹ in UTF-8), 0 when none. */
size_t import_currency_sign(const char *s);

#endif
